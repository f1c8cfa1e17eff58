#!/bin/bash
# The docs name only what exists: every repository path, every symbol of
# ours (vim_*, vmp_*, vt_*, ifd_*, edu_*, bed_*, VIM_*, VMP_*) and every
# make target that README.md and docs/*.md write in backquotes is checked
# against the tree.  One PASS/FAIL line per document, then the total.
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
pass=0 fail=0
targets=$(sed -n 's/^\([a-z][a-z0-9-]*\):.*/\1/p' Makefile | sort -u)
for doc in README.md docs/*.md; do
	missing=
	# backquoted spans, one per line
	while IFS= read -r tok; do
		t=${tok%%()*}
		case $t in
		kernel/* | tests/* | mk/* | docs/* | tools/* | .ci/*)
			p=${t%%[ :,]*}
			# a placeholder (PLAN, PROFILE, KREL) stands for any name
			[[ $p =~ [A-Z]{3,} ]] && p=${p//${BASH_REMATCH[0]}/*}
			# a module is checked by its source
			[[ $p == *.ko ]] && p=${p%.ko}.c
			# a glob or a plain path; a trailing slash names a directory
			# shellcheck disable=SC2086 # the glob is meant
			compgen -G "$p" > /dev/null || ls -d $p > /dev/null 2>&1 ||
				missing="$missing $p"
			;;
		vim_* | vmp_* | vt_* | ifd_* | edu_* | bed_* | VIM_* | VMP_*)
			s=${t%%[^A-Za-z0-9_]*}
			grep -rqw -- "$s" kernel tests mk Makefile 2> /dev/null ||
				missing="$missing $s"
			;;
		"make "*)
			m=${t#make }
			m=${m%% *}
			echo "$targets" | grep -qx -- "$m" || missing="$missing make:$m"
			;;
		esac
	# shellcheck disable=SC2016 # backquotes, not an expansion
	done < <(grep -o '`[^`]*`' "$doc" | tr -d '`')
	if [ -z "$missing" ]; then
		echo "PASS  unit/docs: $doc names only what exists"
		pass=$((pass + 1))
	else
		echo "FAIL  unit/docs: $doc names what does not exist:$missing"
		fail=$((fail + 1))
	fi
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
