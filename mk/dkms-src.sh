#!/bin/bash
# dkms-src.sh DIR: the DKMS source tree of this package in DIR (dkms.conf,
# kernel/, the modprobe.d file); prints NAME/VERSION.  Used by
# `make dkms-install` and by the DKMS test (tests/unit/dkms.sh).
set -eo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
dir=$1
name=$(sed -n 's/^PACKAGE_NAME="\(.*\)"$/\1/p' "$top/dkms.conf")
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$top/dkms.conf")
src=$dir/$name-$ver
rm -rf "$src"
mkdir -p "$src/kernel" "$src/tools/modprobe"
cp "$top/dkms.conf" "$src/"
cp "$top"/kernel/Kbuild "$top"/kernel/*.[ch] "$src/kernel/"
cp "$top"/tools/modprobe/*.conf "$src/tools/modprobe/"
echo "$name/$ver"
