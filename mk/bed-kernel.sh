#!/bin/bash
# bed-kernel.sh PROFILE: build, once, a small kernel for the test bed from
# Debian's linux-source-SERIES tarball: tinyconfig plus what the bed needs,
# CONFIG_VFIO* as modules, and what the profile mk/kernels/PROFILE.sh adds
# (debug: 6.1 with lockdep and KASAN; iommufd: 6.12 with iommufd).
#
# Everything lands in build/PROFILE-SERIES/:
#   linux/              the kernel tree, usable as KDIR for out-of-tree modules
#   bzImage             the kernel image
#   modroot/            lib/modules/KREL: the stock modules (depmod'ed)
#   modroot-patched/    (profile with patched=yes) the same, with vfio.ko
#                       rebuilt from drivers/vfio with
#                       docs/upstream/0001-*.patch applied (bzImage shared:
#                       CONFIG_VFIO=m)
#   krel                the kernel release
# The build noise goes to build/logs/PROFILE-kernel.log.  The last line on
# stdout is the kernel release (KREL).  A second run with unchanged inputs
# (this script, the profile, the patch, the tarball) does nothing; a
# changed input rebuilds incrementally.
set -eo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
self=$top/mk/bed-kernel.sh
profile=${1:?usage: bed-kernel.sh PROFILE (mk/kernels/PROFILE.sh)}
pfile=$top/mk/kernels/$profile.sh
[ -f "$pfile" ] || { echo "bed-kernel: no profile $pfile" >&2; exit 1; }
# series localversion title patched, and want_y want_m want_n: what the
# profile adds to the bed's own needs (bed_y bed_m bed_n below)
. "$pfile"
cd "$top"
out=$top/build/$profile-$series
tree=$out/linux
log=$top/build/logs/$profile-kernel.log
patchf=$top/docs/upstream/0001-vfio-container-hold-group_lock-across-backend-ioctl.patch
mkdir -p "$out" "$top/build/logs"

die() {
	echo "$profile-kernel: $*" >&2
	[ -f "$log" ] && tail -n 30 "$log" | sed 's/^/  | /' >&2
	exit 1
}

# One build at a time (make check builds ahead in the background, and make
# debug-kernel may overlap): the lock covers fetching the source too.
exec 9> "$out/.lock"
flock 9

tarball=$(ls /usr/src/linux-source-"$series".tar.* 2>/dev/null | head -n 1) || true
if [ -z "$tarball" ] && [ -n "${deb_suite:-}" ]; then
	# another release's source package: fetched (private apt config) and
	# unpacked under build/, never installed
	deb=$("$top/mk/debian-pkg.sh" "$deb_suite" "linux-source-$series" |
		tail -n 1) || die "fetching linux-source-$series from $deb_suite failed"
	src=$top/build/src-$series
	if [ ! -f "$src/stamp" ] || [ "$(cat "$src/stamp")" != "$deb" ]; then
		rm -rf "$src"
		mkdir -p "$src"
		dpkg-deb -x "$deb" "$src/deb" || die "unpacking $deb failed"
		echo "$deb" > "$src/stamp"
	fi
	tarball=$(ls "$src"/deb/usr/src/linux-source-"$series".tar.* | head -n 1)
fi
[ -n "$tarball" ] || die "no /usr/src/linux-source-$series.tar.*: run 'make deps'"


# the tarball by path, size and time; a fetched source package's path
# within the clone, so that every clone's copy gives the same stamp
tar_id="${tarball#"$top"/} $(stat -c '%s %Y' "$tarball")"
k_stamp=$(echo "$tar_id" | cat - "$self" "$pfile" | sha256sum | cut -d' ' -f1)
p_stamp=$(echo "$k_stamp" | cat - "$patchf" | sha256sum | cut -d' ' -f1)

kernel_done() {
	local krel
	krel=$(cat "$out/krel" 2>/dev/null) || return 1
	[ "$(cat "$out/stamp.kernel" 2>/dev/null)" = "$k_stamp" ] &&
	[ -f "$out/bzImage" ] && [ -f "$tree/Module.symvers" ] &&
	[ -f "$out/modroot/lib/modules/$krel/modules.dep" ]
}
patched_done() {
	[ "$patched" = no ] || {
		[ "$(cat "$out/stamp.patched" 2>/dev/null)" = "$p_stamp" ] &&
		[ -f "$out/modroot-patched/lib/modules/$(cat "$out/krel")/modules.dep" ]
	}
}
# Built kernels are also kept outside the clone, keyed by the stamps, so
# that a fresh clone on the same machine (CI's) finds them: restored by
# copy when build/ has none, saved after a build, in VMP_CACHE/kernels
# (as mk/trixie-root.sh's roots); VMP_KERNEL_CACHE chooses another
# place (empty: no cache).
cache=${VMP_KERNEL_CACHE-${VMP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vfio-mdev-pci}/kernels}
ckey=$profile-$p_stamp
if [ -n "$cache" ] && ! { kernel_done && patched_done; } &&
   [ -f "$cache/$ckey/complete" ]; then
	echo "$profile-kernel: restoring it from $cache/$ckey" >&2
	rm -rf "$tree" "$out/bzImage" "$out/modroot" "$out/modroot-patched"
	cp -a "$cache/$ckey/." "$out/" && rm -f "$out/complete" ||
		echo "$profile-kernel: restoring from the cache failed; building" >&2
fi
save_cache() {
	local tmp=$cache/.tmp-$ckey-$$ d
	[ -n "$cache" ] || return 0
	mkdir -p "$cache" && rm -rf "$tmp" && mkdir "$tmp" &&
	cp -a "$tree" "$out/bzImage" "$out/modroot" "$out/krel" \
		"$out/stamp.kernel" "$out/stamp.tar" "$tmp/" &&
	{ [ "$patched" = no ] ||
	  cp -a "$out/modroot-patched" "$out/stamp.patched" "$tmp/"; } &&
	touch "$tmp/complete" && rm -rf "${cache:?}/$ckey" &&
	mv "$tmp" "$cache/$ckey" || {
		rm -rf "$tmp"
		echo "$profile-kernel: could not save it to $cache" >&2
		return 0
	}
	# one entry per profile: the newest
	for d in "$cache/$profile-"*; do
		[ "$d" = "$cache/$ckey" ] || rm -rf "$d"
	done
}
if kernel_done && patched_done; then
	cat "$out/krel"
	exit 0
fi

# What every bed kernel needs on top of tinyconfig (y, m, or n: off):
# PCI/MSI, intel-iommu with interrupt remapping, the initramfs and the
# busybox userland, the VFIO stack as modules, Tasks RCU (vfio_iommu_mdev
# needs it), lockdep and the hang detectors.  The profile adds want_y,
# want_m, want_n.
bed_y="64BIT SMP PCI PCI_MSI PCI_QUIRKS PCIEPORTBUS HOTPLUG_PCI
	HOTPLUG_PCI_PCIE PCIEAER TTY SERIAL_8250 SERIAL_8250_CONSOLE PRINTK BUG
	KALLSYMS BLK_DEV_INITRD RD_GZIP DEVTMPFS TMPFS PROC_FS PROC_SYSCTL SYSFS
	BINFMT_ELF BINFMT_SCRIPT MODULES MODULE_UNLOAD IOMMU_SUPPORT INTEL_IOMMU
	IRQ_REMAP X86_X2APIC ACPI EVENTFD SHMEM FUTEX EPOLL SIGNALFD TIMERFD AIO
	FILE_LOCKING MULTIUSER POSIX_TIMERS VIRTIO_MENU SLUB
	RCU_EXPERT FORCE_TASKS_RCU TASKS_RCU
	DEBUG_KERNEL DEBUG_BUGVERBOSE STACKTRACE PROVE_LOCKING DEBUG_ATOMIC_SLEEP
	DEBUG_LIST DETECT_HUNG_TASK SOFTLOCKUP_DETECTOR UNWINDER_ORC PRINTK_TIME"
bed_m="VFIO VFIO_PCI VFIO_PCI_CORE VFIO_MDEV VFIO_IOMMU_TYPE1 VIRTIO_PCI"
bed_n="MODULE_SIG MODULE_COMPRESS_GZIP MODULE_COMPRESS_XZ MODULE_COMPRESS_ZSTD
	VFIO_NOIOMMU LOCALVERSION_AUTO DEBUG_INFO
	DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT DEBUG_INFO_DWARF4 DEBUG_INFO_DWARF5
	WERROR UNWINDER_GUESS"
# What ACPI, NET and tinyconfig's defaults bring that no bed guest uses (a
# tenth of the build with the profiles' INET: IPv6, ethtool, the PS/2 and
# VT consoles, the initramfs decompressors but gzip, the ACPI laptop
# drivers); the console is ttyS0, sockets are AF_UNIX, 9p goes over virtio.
bed_n="$bed_n IPV6 ETHTOOL_NETLINK VT INPUT HID_SUPPORT HID
	RD_BZIP2 RD_LZMA RD_XZ RD_LZO RD_LZ4 RD_ZSTD ACPI_AC ACPI_BATTERY
	ACPI_BUTTON ACPI_FAN ACPI_THERMAL ACPI_TABLE_UPGRADE ACPI_PCC ACPI_DEBUG
	INTEL_MEI PERF_EVENTS_INTEL_UNCORE PERF_EVENTS_INTEL_RAPL
	PERF_EVENTS_INTEL_CSTATE SERIAL_8250_EXAR SERIAL_8250_LPSS
	SERIAL_8250_MID SERIAL_8250_PERICOM X86_5LEVEL"
want_y="$bed_y $want_y" want_m="$bed_m $want_m" want_n="$bed_n $want_n"
mk() { nice make -C "$tree" "$@" >> "$log" 2>&1; }
cfg() { "$tree/scripts/config" --file "$tree/.config" "$@"; }
start=$(date +%s)
: > "$log"

build_kernel() {
	echo "$profile-kernel: building $title in build/$profile-$series" \
	     "(first build: 5 to 15 minutes on 2 cores; log: build/logs/$profile-kernel.log)" >&2

	if [ "$(cat "$out/stamp.tar" 2>/dev/null)" != "$tar_id" ] ||
	   [ ! -f "$tree/Makefile" ]; then
		rm -rf "$tree" "$out/stamp.tar"
		mkdir -p "$tree"
		tar -xf "$tarball" -C "$tree" --strip-components=1 >> "$log" 2>&1 ||
			die "extracting $tarball failed"
		echo "$tar_id" > "$out/stamp.tar"
	fi
	rm -f "$out/stamp.kernel" "$out/stamp.patched"

	# An unchanged configuration keeps its .config timestamp, so a rebuild
	# after a change of this script stays incremental.
	[ -f "$tree/.config" ] && cp "$tree/.config" "$out/config.prev"
	mk tinyconfig || die "make tinyconfig failed"
	for o in $want_y; do cfg --enable "$o"; done
	for o in $want_m; do cfg --module "$o"; done
	for o in $want_n; do cfg --disable "$o"; done
	cfg --set-str LOCALVERSION "$localversion"
	mk olddefconfig || die "make olddefconfig failed"
	# olddefconfig silently drops what a dependency refuses: fail loudly
	# (an option this series no longer has, as PROC_SYSCTL in 7.x, is
	# skipped)
	grep -rhoE --include='Kconfig*' '^[[:space:]]*(menu)?config [A-Z0-9_]+' "$tree" |
		awk '{print $2}' | sort -u > "$out/kconfig.syms"
	dropped=
	for o in $want_y; do
		grep -qx "$o" "$out/kconfig.syms" || continue
		grep -qx "CONFIG_$o=y" "$tree/.config" || dropped="$dropped $o=y"
	done
	for o in $want_m; do
		grep -qx "$o" "$out/kconfig.syms" || continue
		grep -qx "CONFIG_$o=m" "$tree/.config" || dropped="$dropped $o=m"
	done
	for o in $want_n; do
		grep -q "^CONFIG_$o=" "$tree/.config" && dropped="$dropped $o=n"
	done
	[ -z "$dropped" ] ||
		die "olddefconfig did not keep:$dropped (see $tree/.config)"
	if [ -f "$out/config.prev" ] && cmp -s "$out/config.prev" "$tree/.config"; then
		# same configuration: restore the old file's timestamp too
		cp -p "$out/config.prev" "$tree/.config"
	fi
	rm -f "$out/config.prev"

	mk -j"$(nproc)" bzImage modules || die "make bzImage modules failed"
	krel=$(make -s -C "$tree" kernelrelease 2>>"$log")
	[ -n "$krel" ] || die "no kernel release"
	cp "$tree/arch/x86/boot/bzImage" "$out/bzImage"

	rm -rf "$out/modroot"
	mk INSTALL_MOD_PATH="$out/modroot" INSTALL_MOD_STRIP=1 DEPMOD=/bin/true \
		modules_install || die "make modules_install failed"
	rm -f "$out/modroot/lib/modules/$krel/build" "$out/modroot/lib/modules/$krel/source"
	depmod -b "$out/modroot" "$krel" || die "depmod of modroot failed"
	echo "$krel" > "$out/krel"
	echo "$k_stamp" > "$out/stamp.kernel"
}
kernel_done || build_kernel
krel=$(cat "$out/krel")

if [ "$patched" = no ]; then
	save_cache
	echo "$profile-kernel: $krel ready in $(($(date +%s) - start)) s" >&2
	echo "$krel"
	exit 0
fi
rm -f "$out/stamp.patched"
# The patched vfio.ko: drivers/vfio's vfio.ko sources, patched, built as
# an external module against the same tree (same vermagic, same config).
pdir=$out/vfio-patched
rm -rf "$pdir"
mkdir -p "$pdir/drivers/vfio"
cp "$tree"/drivers/vfio/{vfio_main.c,container.c,iova_bitmap.c,vfio.h} \
	"$pdir/drivers/vfio/"
patch -p1 -d "$pdir" < "$patchf" >> "$log" 2>&1 || die "the patch does not apply"
printf 'obj-m := vfio.o\nvfio-y := vfio_main.o iova_bitmap.o container.o\n' \
	> "$pdir/drivers/vfio/Kbuild"
grep -q '^vfio-y += vfio_main.o' "$tree/drivers/vfio/Makefile" ||
	die "drivers/vfio/Makefile changed: check the object list of vfio.ko"
mk M="$pdir/drivers/vfio" modules || die "building the patched vfio.ko failed"
rm -rf "$out/modroot-patched"
cp -a "$out/modroot" "$out/modroot-patched"
strip --strip-debug "$pdir/drivers/vfio/vfio.ko"
cp "$pdir/drivers/vfio/vfio.ko" \
	"$out/modroot-patched/lib/modules/$krel/kernel/drivers/vfio/vfio.ko"
depmod -b "$out/modroot-patched" "$krel" || die "depmod of modroot-patched failed"
echo "$p_stamp" > "$out/stamp.patched"
save_cache

echo "$profile-kernel: $krel ready in $(($(date +%s) - start)) s" >&2
echo "$krel"
