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

.PHONY: all modules tests deps check check-nodeps vm unit fast lint demo \
	demo-nodeps bench bench-nodeps clean debug-kernel iommufd-kernel fuzz \
	dkms-install dkms-remove

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
	@tests/unit/fast.sh && tests/unit/run.sh

# the fast layer alone: kernel/'s pure logic on the host, in seconds
fast:
	@tests/unit/fast.sh

vm: all
	@tests/run-vm.sh $(PLANS)

# The README's test command: everything, from a fresh machine.
check: deps
	@$(MAKE) --no-print-directory check-nodeps

# The lockdep + KASAN kernel of the bed's third series (built once, cached
# in build/debug-6.1/; about 5 minutes on 2 cores).  make check runs
# DEBUG_PLANS on it (default: the plans marked "# bed: also=debug",
# "# bed: kernel=debug" or "# bed: expect=...", else the stock plan; see
# tests/check.sh and docs/testbed.md).
debug-kernel:
	@mk/debug-kernel.sh

# The bed's fourth kernel: Linux 6.12 with iommufd next to the VFIO
# container, and lockdep (build/iommufd-6.12/); make check runs the plans
# marked "# bed: kernel=iommufd" on it.
iommufd-kernel:
	@mk/bed-kernel.sh iommufd

# make check proves both series: the default one, then 6.12, then the
# debug kernel, then the iommufd kernel.
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

# make fuzz [SEED=S] [SECONDS=N] [SERIES=6.12|debug]: one guest running
# only tests/plans/fuzz.sh for N seconds (30) with seed S (random unless
# given; printed), on the 6.1 kernel, 6.12 or the debug kernel (with the
# VFIO core of docs/upstream/0001-*.patch and vfio_iommu_type1 loaded; see
# the plan).  A failed run prints the line that replays it.
# Log: build/logs/fuzz[-SERIES].log.
fuzz:
	@secs=$(or $(SECONDS),30); seed='$(SEED)'; \
	[ -n "$$seed" ] || seed=$$(od -An -N4 -tu4 /dev/urandom | tr -d ' '); \
	echo "make fuzz SEED=$$seed SECONDS=$$secs SERIES=$(SERIES)"; \
	if [ "$(SERIES)" = debug ]; then \
		d=build/debug-6.1; \
		krel=$$(mk/debug-kernel.sh | tail -n 1) && [ -n "$$krel" ] && \
		$(MAKE) --no-print-directory -s modules KDIR="$$PWD/$$d/linux" \
			MODDIR="build/mod-$$krel" && \
		$(MAKE) --no-print-directory -s tests && \
		KVER=$$krel BED_KERNEL=debug BED_SUFFIX=-debug \
		BED_KIMAGE=$$d/bzImage BED_MODROOT=$$d/modroot-patched \
		BED_BOUND=$$((2 * secs + 1800)) \
		BED_APPEND="FUZZ_SEED=$$seed FUZZ_SECONDS=$$secs FUZZ_TYPE1=1 BED_TIMEOUT=900" \
		tests/run-vm.sh tests/plans/fuzz.sh; \
	else \
		$(MAKE) --no-print-directory all && \
		BED_SUFFIX=$(if $(filter 6.1,$(SERIES)),,-$(SERIES)) \
		BED_BOUND=$$((secs + 300)) \
		BED_APPEND="FUZZ_SEED=$$seed FUZZ_SECONDS=$$secs" \
		tests/run-vm.sh tests/plans/fuzz.sh; \
	fi

lint:
	@mk/lint.sh

# On a real host, as root: the DKMS package into /usr/src, built and
# installed by DKMS for the running kernel (and every kernel installed
# later), and the modprobe.d file that loads ours right after type1.
dkms-install:
	@nv=$$(mk/dkms-src.sh /usr/src) && dkms install "$$nv" && \
		install -m 644 tools/modprobe/vfio-iommu-mdev.conf /etc/modprobe.d/

dkms-remove:
	@nv=$$(sed -n 's/^PACKAGE_NAME="\(.*\)"$$/\1/p' dkms.conf)/$$(sed -n \
		's/^PACKAGE_VERSION="\(.*\)"$$/\1/p' dkms.conf) && \
		dkms remove "$$nv" --all; \
		rm -rf "/usr/src/$$(echo "$$nv" | tr / -)" \
			/etc/modprobe.d/vfio-iommu-mdev.conf

clean:
	rm -rf build
