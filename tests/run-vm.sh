#!/bin/bash
# run-vm.sh PLAN...
# For each plan (tests/plans/NAME.sh): build an initramfs, boot the guest
# once, run every case of the plan in that boot, parse the console log.
# Logs go to build/logs/NAME$BED_SUFFIX.log (BED_SUFFIX tells the runs of
# several kernels apart).  Prints the total "N passed, N failed".
#
# A plan may carry directives, read here on the host, one per line:
#   # bed: kernel=debug    run only on the debug kernel (BED_KERNEL=debug,
#                          set by tests/check.sh with BED_KIMAGE/BED_MODROOT)
#   # bed: kernel=iommufd  run only on the iommufd kernel (BED_KERNEL=iommufd)
#   # bed: modroot=patched boot with the stock modules of BED_MODROOT_PATCHED
#                          (vfio.ko with docs/upstream/0001-*.patch)
#   # bed: expect=KASAN use-after-free
#                          the boot is meant to hit that report: it boots
#                          with kasan.fault=panic loglevel=5 and is judged by
#                          tests/bed/expect.sh (one test) instead of parse.sh;
#                          implies kernel=debug
#   # bed: series=NAME     run only in make check's series NAME
#                          (BED_SUFFIX=-NAME, tests/check.sh: d13-6.12,
#                          iommufd...)
#   # bed: title=TEXT      the name of that one test
#   # bed: also=debug      run on the debug kernel too (tests/check.sh)
#   # bed: devices=ARGS    more QEMU arguments for this plan's boot only
#                          (devices after the bed's fixed topology)
#   # bed: intremap=off    the emulated IOMMU without interrupt remapping
#   # bed: tick=nohz       the guest's dynamic tick instead of the bed's
#                          periodic one (tests/bed/boot.sh)
#   # bed: bound=SECONDS  the host kills QEMU after that many seconds
#                          (default 240, or BED_BOUND if larger)
#   # bed: hotplug=native  QEMU offers native PCIe hotplug (pciehp) instead
#                          of its default ACPI hotplug (acpiphp); shpchp
#                          then binds the pcie-pci-bridges, whose groups
#                          are no longer viable for VFIO
#   # bed: files=PROGRAM   files the plan needs from the host: PROGRAM (a
#                          path from the top of the tree) runs before the
#                          boot, its last stdout line names a directory,
#                          which the guest finds as /bed/DIRNAME; its
#                          failure is the plan's FAIL (its stderr in
#                          build/logs/NAME.files.log)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
kver=${KVER:?KVER not set}
mkdir -p "$top/build/logs"
tp=0 tf=0
# directive PLAN KEY: the value of "# bed: KEY=VALUE" in PLAN (last wins)
directive() {
	sed -n "s/^# bed: $2=//p" "$1" | tail -n 1
}
for plan in "$@"; do
	name=$(basename "$plan" .sh)${BED_SUFFIX:-}
	initrd=$top/build/initrd-$name.gz
	log=$top/build/logs/$name.log
	expect=$(directive "$plan" expect)
	modroot=${BED_MODROOT:-}
	append=${BED_APPEND:-}
	pkernel=$(directive "$plan" kernel)
	[ -n "$expect" ] && pkernel=debug
	if [ -n "$pkernel" ] && [ "${BED_KERNEL:-}" != "$pkernel" ]; then
		echo "      ($name: for the $pkernel kernel only, run by make check's $pkernel series)"
		continue
	fi
	pseries=$(directive "$plan" series)
	if [ -n "$pseries" ] && [ "${BED_SUFFIX:-}" != "-$pseries" ]; then
		echo "      ($name: for the $pseries series only, run by make check's $pseries series)"
		continue
	fi
	qemu_args="${BED_QEMU_ARGS:-} $(directive "$plan" devices)"
	case $(directive "$plan" hotplug) in
	"" | acpi) ;;
	native)
		qemu_args="$qemu_args -global ICH9-LPC.acpi-pci-hotplug-with-bridge-support=off"
		;;
	*)
		echo "FAIL  $name/unknown directive hotplug=$(directive "$plan" hotplug)"
		tf=$((tf + 1))
		continue
		;;
	esac
	intremap=$(directive "$plan" intremap)
	case ${intremap:=on} in
	on | off) ;;
	*)
		echo "FAIL  $name/unknown directive intremap=$intremap"
		tf=$((tf + 1))
		continue
		;;
	esac
	tick=$(directive "$plan" tick)
	case $tick in
	"" | periodic | nohz) ;;
	*)
		echo "FAIL  $name/unknown directive tick=$tick"
		tf=$((tf + 1))
		continue
		;;
	esac
	case $(directive "$plan" modroot) in
	"") ;;
	patched)
		modroot=${BED_MODROOT_PATCHED:-}
		if [ -z "$modroot" ]; then
			echo "FAIL  $name/plan asks for modroot=patched: no BED_MODROOT_PATCHED"
			tf=$((tf + 1))
			continue
		fi
		;;
	*)
		echo "FAIL  $name/unknown directive modroot=$(directive "$plan" modroot)"
		tf=$((tf + 1))
		continue
		;;
	esac
	fdir=
	fprog=$(directive "$plan" files)
	if [ -n "$fprog" ]; then
		flog=$top/build/logs/$name.files.log
		fdir=$("$top/$fprog" 2> "$flog") || fdir=
		fdir=$(echo "$fdir" | tail -n 1)
		if [ ! -d "$fdir" ]; then
			echo "FAIL  $name/files for the guest: $fprog"
			tail -n 15 "$flog" | sed 's/^/      /'
			tf=$((tf + 1))
			continue
		fi
	fi
	# stop at the first report; loglevel=5 puts its allocation and free
	# stacks (printed at the default level, hidden by quiet) on the console
	[ -n "$expect" ] && append="$append kasan.fault=panic loglevel=5"
	if ! BED_MODROOT=$modroot \
	     "$top/tests/bed/mkinitramfs.sh" "$kver" "$initrd" "$plan" \
		${fdir:+"$fdir"}; then
		echo "FAIL  $name/build the initramfs"
		tf=$((tf + 1))
		continue
	fi
	bound=${BED_BOUND:-240}
	pbound=$(directive "$plan" bound)
	case $pbound in
	"") ;;
	*[!0-9]*)
		echo "FAIL  $name/unknown directive bound=$pbound"
		tf=$((tf + 1))
		continue
		;;
	*) [ "$pbound" -gt "$bound" ] && bound=$pbound ;;
	esac
	start=$(date +%s)
	# A guest that dies before its /init ran (no "BED: start": nothing of
	# ours was loaded) hit the emulator, not a test (docs/reliability.md):
	# it boots once more, and the first log is kept.
	for try in 1 2; do
		BED_APPEND=$append BED_QEMU_ARGS=$qemu_args \
			BED_INTREMAP=$intremap BED_TICK=${tick:-${BED_TICK:-}} \
			"$top/tests/bed/boot.sh" "$kver" "$initrd" "$log" \
			"$bound"
		grep -aq '^BED: start' "$log" && break
		[ "$try" = 2 ] && break
		cp "$log" "${log%.log}.boot1.log"
		echo "      ($name: the guest died while booting, before its" \
		     "plan began; booting it once more; first log:" \
		     "build/logs/$name.boot1.log)"
	done
	if [ -n "$expect" ]; then
		out=$("$top/tests/bed/expect.sh" "$log" "$name" "$expect" \
			"$(directive "$plan" title)")
	else
		out=$("$top/tests/bed/parse.sh" "$log" "$name")
	fi
	echo "$out" | sed '$d'
	last=$(echo "$out" | tail -n 1)
	p=${last%% passed*}
	f=${last#*, }
	f=${f%% failed*}
	echo "      ($name: $p passed, $f failed in $(($(date +%s) - start)) s;" \
	     "log: build/logs/$name.log)"
	tp=$((tp + p))
	tf=$((tf + f))
done
echo "$tp passed, $tf failed"
[ "$tf" = 0 ]
