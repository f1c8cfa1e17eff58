# vfio-mdev-pci: build, test bed, checks.  See README.md.
#
# KVER is the Debian kernel the test bed boots (SERIES 6.1 by default, or
# 6.12); modules build against its headers into build/mod-$(KVER)/.  On a
# real host, build for the running kernel with
#   make modules KDIR=/lib/modules/$(uname -r)/build
# and find them in build/mod-host/kernel/.
SERIES ?= 6.1
ifeq ($(strip $(KVER)),)
ifeq ($(origin KDIR),undefined)
KVER := $(shell mk/kver.sh $(SERIES) 2>/dev/null)
endif
endif
KDIR ?= /usr/src/linux-headers-$(KVER)
MODDIR ?= build/mod-$(or $(KVER),host)
export KVER

CC ?= gcc
VT_CFLAGS := -O2 -g -Wall -Wextra -Werror -static
VT_SRCS := $(wildcard tests/lib/*.c tests/suites/*.c)
PLANS ?= $(sort $(wildcard tests/plans/*.sh))

.PHONY: all modules tests deps check check-nodeps vm unit lint demo \
	demo-nodeps bench bench-nodeps clean debug-kernel

all: modules tests

deps:
	@mk/deps.sh

modules:
	@test -n "$(KVER)" -o "$(origin KDIR)" != file || \
		{ echo "no Debian $(SERIES) kernel with headers: run 'make deps'"; exit 1; }
	@mk/modules.sh $(KDIR) $(MODDIR)

tests: build/vt

build/vt: $(VT_SRCS) $(wildcard tests/lib/*.h)
	@mkdir -p build
	$(CC) $(VT_CFLAGS) -o $@ $(VT_SRCS)

unit:
	@tests/unit/run.sh

vm: all
	@tests/run-vm.sh $(PLANS)

# The README's test command: everything, from a fresh machine.
check: deps
	@$(MAKE) --no-print-directory check-nodeps

# The lockdep + KASAN kernel of the bed's third series (built once, cached
# in build/debug-6.1/; about 5 minutes on 2 cores).  make check runs
# DEBUG_PLANS on it (default: tests/plans/race.sh and the plans marked
# "# bed: kernel=debug" or "# bed: expect=...", else the stock plan; see
# docs/testbed.md).
debug-kernel:
	@mk/debug-kernel.sh

# make check proves both series: the default one, then 6.12, then the
# debug kernel.
check-nodeps: all
	@$(MAKE) --no-print-directory modules SERIES=6.12 \
		KVER="$$(mk/kver.sh 6.12)"
	@tests/check.sh $(PLANS)

demo: deps
	@$(MAKE) --no-print-directory demo-nodeps

demo-nodeps: all
	@tests/demo/run.sh

bench: deps
	@$(MAKE) --no-print-directory bench-nodeps

bench-nodeps: all
	@tests/bench/run.sh

lint:
	@mk/lint.sh

clean:
	rm -rf build
