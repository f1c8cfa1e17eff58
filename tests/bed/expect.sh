#!/bin/bash
# expect.sh LOG SUITE WHAT [TITLE]
# The verdict of a plan that declares `# bed: expect=WHAT`: the boot is
# meant to end in that kernel report (the guest runs with kasan.fault=panic,
# so it stops right after the first one).  One test: PASS when the console
# log has the report and its trace names vfio, FAIL otherwise (also when
# the guest reached the end of its plan without it).  Prints
# "N passed, N failed" like parse.sh.
# WHAT: "KASAN use-after-free" (the only kind known so far).
log=$1 suite=$2 what=$3
title=${4:-"the guest hit the expected $what (in vfio)"}
case $what in
"KASAN use-after-free") head='BUG: KASAN: use-after-free' ;;
*)
	echo "FAIL  $suite/$title (unknown expectation '$what')"
	echo "0 passed, 1 failed"
	exit 1
	;;
esac
# The report: from its BUG line to the closing line of '=' (or the end).
report=$(tr -d '\r' < "$log" | sed 's/^K: //' | awk -v head="$head" '
	index($0, head) { on = 1 }
	on { print; if (/^(\[ *[0-9.]+\] )?={60,}$/ && ++n == 1) exit }')
if [ -n "$report" ] && echo "$report" | grep -q 'vfio'; then
	echo "PASS  $suite/$title"
	echo "$report" | grep -m 1 "$head" | sed 's/^/      /'
	echo "1 passed, 0 failed"
	exit 0
fi
echo "FAIL  $suite/$title"
if [ -n "$report" ]; then
	echo "      the report does not name vfio:"
	echo "$report" | head -n 5 | sed 's/^/      /'
elif grep -q 'BED: end' "$log"; then
	echo "      the guest reached the end of its plan without a '$head' report"
else
	echo "      no '$head' report (crashed otherwise or timed out):"
	tr -d '\r' < "$log" | grep -E 'BUG:|WARNING:|Kernel panic|not ok' |
		head -n 5 | sed 's/^/      /'
fi
echo "0 passed, 1 failed"
exit 1
