#!/bin/sh
# Print the version of the Debian kernel the test bed boots and the modules
# build against: the newest /boot/vmlinuz-$SERIES.* that has matching headers
# under /usr/src.  Never the running kernel (`uname -r`): the build machine's
# kernel is not the guest's and has no headers.
series=${1:-6.1}
for img in $(ls /boot/vmlinuz-"$series".* 2>/dev/null | sort -V -r); do
	v=${img#/boot/vmlinuz-}
	if [ -f "/usr/src/linux-headers-$v/Makefile" ]; then
		echo "$v"
		exit 0
	fi
done
echo "no /boot/vmlinuz-$series.* with matching /usr/src/linux-headers-*: run 'make deps'" >&2
exit 1
