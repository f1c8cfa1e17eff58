#!/bin/bash
# hmp.sh LOG MON PID
# Host side of the guest's monitor requests (bed_hmp in tests/bed/lib.sh,
# hp_hmp in tests/suites/hotplug.c): follows the serial console log LOG as
# the outer QEMU writes it, until process PID (QEMU's) exits, and for every
# line "BED: HMP COMMAND" the guest printed runs COMMAND on QEMU's monitor.
# The monitor is a QMP one on a pipe chardev (tests/bed/boot.sh): MON.in is
# a FIFO QEMU reads, MON.out a plain file it writes (JSON answers and
# events such as DEVICE_DELETED, with time stamps).  COMMAND is HMP, sent
# as human-monitor-command; each one is recorded in MON.cmds with the time
# it was sent.  No answer goes back to the guest: it polls sysfs for the
# effect.  Only device_add, device_del, pcie_aer_inject_error and info are
# run (HMP can run host programs, e.g. migrate "exec:..."); anything else
# is recorded as refused.  A device_add whose id= a device_del named
# before waits (up to 60 s) for QEMU's DEVICE_DELETED of that id: the
# guest sees the device leave sysfs before it powers the slot off, and
# QEMU deletes the device only then ("Duplicate device ID" otherwise).
set -u
log=$1 mon=$2 pid=$3
# read-write: never blocks, whether or not QEMU holds the FIFO open
exec 3<>"$mon.in" || exit 1
printf '{"execute":"qmp_capabilities"}\n' >&3
# JSON string body of $1
json() {
	local s=${1//\\/\\\\}
	printf '%s' "${s//\"/\\\"}"
}
declare -A dels=()
# wait_deleted ID: until QEMU reported as many DEVICE_DELETED of ID as
# device_del commands were sent for it
wait_deleted() {
	local i n
	for ((i = 0; i < 600; i++)); do
		n=$(grep -c "\"DEVICE_DELETED\", \"data\": {\"device\": \"$1\"" "$mon.out")
		[ "$n" -ge "${dels[$1]}" ] && return 0
		sleep 0.1
	done
	echo "$(date +%s.%N) gave up waiting for DEVICE_DELETED of $1" >> "$mon.cmds"
}
tail -n +1 -F --pid="$pid" "$log" 2>/dev/null | while IFS= read -r line; do
	# at the start of a line only: a case's own output, printed after it
	# as "# ..." lines, may quote a request without repeating it
	case $line in
	"BED: HMP "*) cmd=${line#BED: HMP } ;;
	*) continue ;;
	esac
	cmd=${cmd//[^[:print:]]/}
	id=
	case $cmd in
	"device_del "*) id=${cmd#device_del } ;;
	"device_add "*) [[ $cmd =~ [,\ ]id=([^,\ ]+) ]] && id=${BASH_REMATCH[1]} ;;
	esac
	case ${cmd%% *} in
	device_del) [ -n "$id" ] && dels[$id]=$((${dels[$id]:-0} + 1)) ;;
	device_add) [ -n "$id" ] && [ -n "${dels[$id]:-}" ] && wait_deleted "$id" ;;
	esac
	case ${cmd%% *} in
	device_add | device_del | pcie_aer_inject_error | info)
		printf '{"execute":"human-monitor-command","arguments":{"command-line":"%s"}}\n' \
			"$(json "$cmd")" >&3
		echo "$(date +%s.%N) sent: $cmd" >> "$mon.cmds"
		;;
	*)
		echo "$(date +%s.%N) refused: $cmd" >> "$mon.cmds"
		;;
	esac
done
