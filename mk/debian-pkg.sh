#!/bin/bash
# debian-pkg.sh SUITE PACKAGE...: download PACKAGE(s) (NAME or NAME=VERSION) of Debian's SUITE
# (trixie, trixie-backports, sid) into build/debs/SUITE/ through a private
# apt configuration under build/apt/SUITE/ (the host's own apt sources and
# state stay untouched; nothing is installed).  Prints the .deb paths.
# debian-pkg.sh --cache SUITE ARGS...: apt-cache ARGS... (pkgnames, show)
# over the same private lists.
set -eo pipefail
query=
if [ "$1" = --cache ]; then
	query=1
	shift
fi
suite=$1
shift
top=$(cd "$(dirname "$0")/.." && pwd)
a=$top/build/apt/$suite
out=$top/build/debs/$suite
mkdir -p "$a/lists/partial" "$a/cache/archives/partial" "$out"
# one caller at a time per suite (make check fetches ahead in the
# background while the bed may fetch for a plan)
exec 9> "$a/.lock"
flock 9
case $suite in
trixie-backports) suites="trixie trixie-backports" ;;
*) suites=$suite ;;
esac
for s in $suites; do
	echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $s main"
done > "$a/sources.list"
opts=(-o Dir::Etc::sourcelist="$a/sources.list" -o Dir::Etc::sourceparts=-
      -o Dir::State::lists="$a/lists" -o Dir::Cache="$a/cache"
      -o Dir::State::status=/dev/null -o APT::Get::List-Cleanup=0
      -o Debug::NoLocking=1)
# the lists are refreshed once a day
if [ -z "$(find "$a/lists" -maxdepth 1 -name '*Packages*' -mtime -1 2>/dev/null)" ]; then
	apt-get "${opts[@]}" update -qq >&2
fi
if [ -n "$query" ]; then
	exec apt-cache "${opts[@]}" "$@"
fi
cd "$out"
for p in "$@"; do
	# NAME or NAME=VERSION (the .deb's name spells an epoch's colon %3a)
	case $p in
	*=*) g=${p%%=*}_$(echo "${p#*=}" | sed 's/:/%3a/') ;;
	*) g=$p ;;
	esac
	f=$(ls "$g"_*.deb 2>/dev/null | head -n 1) || true
	if [ -z "$f" ]; then
		apt-get "${opts[@]}" download -qq "$p" >&2
		f=$(ls "$g"_*.deb | head -n 1)
	fi
	echo "$out/$f"
done
