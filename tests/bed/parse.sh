#!/bin/bash
# parse.sh LOG [SUITE]
# Read a guest's serial console log and report: every test case, a test
# that the guest reached the end of its plan (no crash, no time-out), and a
# test that the guest kernel log has no WARN, BUG, oops, panic, hung task or
# lockup, and (debug kernel) no lockdep, KASAN or atomic-sleep report and
# no lock debugging turned off.  Prints "N passed, N failed" and exits
# non-zero on any failure.
log=$1 suite=${2:-vm}
# (terminal resets from the firmware's serial console can precede a line)
tr -d '\r' < "$log" | sed -E 's/\x1b(c|\[[?0-9;]*[A-Za-z])//g' |
	awk -v suite="$suite" '
BEGIN {
	bad = "WARNING:|BUG:|Oops|general protection fault|Kernel panic|" \
	      "soft lockup|hard LOCKUP|blocked for more than|" \
	      "rcu_(sched|preempt) detected stall|Call Trace|UBSAN:|" \
	      "kernel BUG|refcount_t:|list_(add|del) corruption|" \
	      "KASAN:|possible (circular|recursive) locking|" \
	      "inconsistent lock state|suspicious RCU usage|" \
	      "DEBUG_LOCKS_WARN_ON|non-static key|" \
	      "turning off the locking correctness validator|" \
	      "Disabling lock debugging|lockdep is turned off|" \
	      "sleeping function called from invalid context"
	cur = "boot"; pass = 0; fail = 0; ended = 0; kbad = 0; started = 0
	ng = 0; nt = 0
}
# the guest showing its state before the host kills it (bed_guard)
/^G: / { if (ng < 150) guard = guard "      " $0 "\n"; ng++; next }
/^BED: start/ { started = 1 }
# the last console lines, for a guest that did not reach its end
{ tail[nt % 12] = $0; nt++ }
/^BED: end/ { ended = 1 }
/^ok [0-9]+ - / {
	sub(/^ok [0-9]+ - /, ""); cur = $0
	printf "PASS  %s/%s\n", suite, cur; pass++; diag = ""; next
}
/^not ok [0-9]+ - / {
	sub(/^not ok [0-9]+ - /, ""); cur = $0
	printf "FAIL  %s/%s\n%s", suite, cur, diag; fail++; diag = ""; next
}
/^# / { diag = diag "      " $0 "\n"; next }
/^K: / {
	if ($0 ~ bad) {
		kbad++
		if (kbad <= 20)
			klines = klines "      after " cur ": " substr($0, 4) "\n"
	}
	next
}
# the kernel printing on the console itself (a guest that wedged before
# it could dump its log with the K: prefix)
/^\[ *[0-9]+\.[0-9]+\] / {
	if ($0 ~ bad) {
		kbad++
		if (kbad <= 20)
			klines = klines "      after " cur " (console): " $0 "\n"
	}
	next
}
END {
	if (started && ended) {
		printf "PASS  %s/guest reached the end of its plan\n", suite; pass++
	} else {
		printf "FAIL  %s/guest reached the end of its plan (%s)\n", suite, \
		       started ? "crashed or timed out" : "never started"
		fail++
		if (ng > 150)
			guard = guard "      G: ...\n"
		printf "%s", guard
		printf "      the console'"'"'s last lines:\n"
		for (i = (nt > 12 ? nt - 12 : 0); i < nt; i++)
			printf "      | %s\n", tail[i % 12]
	}
	if (started && kbad == 0) {
		printf "PASS  %s/guest kernel log clean\n", suite; pass++
	} else {
		printf "FAIL  %s/guest kernel log clean (%d bad lines)\n%s", \
		       suite, kbad, klines
		fail++
	}
	printf "%d passed, %d failed\n", pass, fail
	exit fail ? 1 : 0
}'
