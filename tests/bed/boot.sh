#!/bin/bash
# boot.sh KVER INITRD LOG [BOUND_SECONDS]
# Boot the Debian kernel KVER under QEMU TCG (never KVM: nested KVM hangs
# here) with an emulated Intel IOMMU and the bed's fixed topology; the
# serial console goes to LOG.  TCG runs single-threaded: QEMU 7.2's
# multi-threaded TCG lost wakeups of idle vCPUs (docs/reliability.md, "A
# lost timer event"); a guest then keeps at most one core busy, and make
# check runs two at a time (BED_TCG_THREAD=multi for the other mode).
# Killed after BOUND_SECONDS, which the guest reads as BED_BOUND to show
# its state shortly before (tests/bed/lib.sh, bed_guard).
# BED_KIMAGE boots that image instead of /boot/vmlinuz-KVER (the debug
# kernel of mk/debug-kernel.sh); BED_APPEND adds to the command line;
# BED_QEMU_ARGS (split on blanks) to QEMU's; BED_INTREMAP=off takes
# interrupt remapping away from the IOMMU.
#
# The guest's tick is periodic (nohz=off highres=off), which under
# multi-threaded TCG made a lost one-shot APIC timer event recoverable
# (not every lost wakeup, docs/reliability.md).  BED_TICK=nohz boots the
# distribution's dynamic tick instead.
#
# The guest can ask for a monitor command (hot-unplug, hot-plug, AER
# injection) by printing "BED: HMP COMMAND" on the console: tests/bed/hmp.sh
# follows LOG and runs it on QEMU's QMP monitor, a pipe chardev in a
# temporary directory.  When the guest asked for anything, the commands
# sent and QEMU's answers are kept in LOG's name with .qmp.log for .log.
set -u
kver=$1 initrd=$2 log=$3 bound=${4:-600}
kimage=${BED_KIMAGE:-/boot/vmlinuz-$kver}
tick="nohz=off highres=off"
[ "${BED_TICK:-}" = nohz ] && tick=
here=$(cd "$(dirname "$0")" && pwd)
mon=$(mktemp -d "${TMPDIR:-/tmp}/bed-mon.XXXXXX") || exit 1
trap 'rm -rf "$mon"' EXIT
# QEMU reads the FIFO hmp.in and writes the plain file hmp.out
mkfifo "$mon/hmp.in" && : > "$mon/hmp.out" || exit 1
# an old log's requests must not be replayed
: > "$log"
timeout -k 5 "$bound" qemu-system-x86_64 \
	-accel tcg,thread="${BED_TCG_THREAD:-single}" -smp 2 -machine q35 -m "${BED_MEM:-2048}" \
	-nographic -no-reboot -nic none \
	-device intel-iommu,intremap="${BED_INTREMAP:-on}" \
	-device pcie-pci-bridge,id=br0,bus=pcie.0,addr=0x3 \
	-device edu,bus=br0,addr=0x1 -device edu,bus=br0,addr=0x2 \
	-device edu,bus=pcie.0,addr=0x4 \
	-device pcie-pci-bridge,id=br1,bus=pcie.0,addr=0x5 \
	-device edu,bus=br1,addr=0x1 -device e1000,bus=br1,addr=0x2,romfile= \
	-device pcie-root-port,id=rp0,bus=pcie.0,addr=0x6,chassis=1 \
	-device edu,bus=rp0,addr=0x0 \
	-device pcie-root-port,id=rp1,bus=pcie.0,addr=0x7,chassis=2,slot=2 \
	-device edu,bus=rp1,addr=0x0,id=hpedu \
	-device pcie-root-port,id=rp2,bus=pcie.0,addr=0x8,chassis=3,slot=3 \
	-device virtio-rng-pci,bus=rp2,addr=0x0,aer=on,id=aerdev \
	-chardev pipe,id=hmp,path="$mon/hmp" -mon chardev=hmp,mode=control \
	${BED_QEMU_ARGS:-} \
	-virtfs local,path=/,mount_tag=host,security_model=none,readonly=on \
	-kernel "$kimage" -initrd "$initrd" \
	-append "console=ttyS0 intel_iommu=on panic=-1 quiet $tick BED_BOUND=$bound ${BED_APPEND:-}" \
	</dev/null >"$log" 2>&1 &
qpid=$!
# killed, stop QEMU too (timeout, in a process group of its own, passes
# the signal on), as when this script exec'd it
trap 'kill "$qpid" 2>/dev/null' TERM INT HUP
# follows LOG until QEMU (its timeout) exits, then ends by itself
"$here/hmp.sh" "$log" "$mon/hmp" "$qpid" &
wpid=$!
# A guest still running 15 s before the bound: where are its vCPUs?  QEMU
# answers on its monitor (into LOG's .qmp.log) unless QEMU itself hangs; a
# guest that went silent (no console line, not even its own guard's) is
# told apart from a stuck guest kernel that way.
(
	sleep $((bound > 30 ? bound - 15 : bound))
	grep -aq '^BED: end' "$log" && exit 0
	kill -0 "$qpid" 2> /dev/null || exit 0
	exec 3<> "$mon/hmp.in" || exit 0
	for c in "info status" "info cpus" "info registers -a"; do
		printf '{"execute":"human-monitor-command","arguments":{"command-line":"%s"}}\n' "$c" >&3
		echo "$(date +%s.%N) sent at the bound: $c" >> "$mon/hmp.cmds"
	done
	sleep 5
) < /dev/null > /dev/null 2>&1 &
ppid=$!
wait "$qpid"
rc=$?
# a signal interrupted the wait: wait for QEMU itself
while kill -0 "$qpid" 2>/dev/null; do
	wait "$qpid"
	rc=$?
done
wait "$wpid"
kill "$ppid" 2> /dev/null
wait "$ppid" 2> /dev/null
if [ -s "$mon/hmp.cmds" ]; then
	cat "$mon/hmp.cmds" "$mon/hmp.out" > "${log%.log}.qmp.log"
fi
exit "$rc"
