# common.sh: what tests/e2e/e2e.sh and tests/e2e/libvirt.sh share
# (sourced; the sourcing script defines fail and TYPE).

note() { echo "# $*"; }

bind() { # BDF DRIVER ("" = none)
	d=/sys/bus/pci/devices/$1
	if [ -e "$d/driver" ]; then
		[ "$(basename "$(readlink "$d/driver")")" = "$2" ] && return 0
		echo "$1" > "$d/driver/unbind" || return 1
	fi
	echo "${2:-}" > "$d/driver_override" || return 1
	[ -z "$2" ] && return 0
	echo "$1" > /sys/bus/pci/drivers_probe
	[ "$(basename "$(readlink "$d/driver")")" = "$2" ]
}

mdev_create() { # BDF UUID
	bind "$1" vfio-mdev-pci || fail "bind $1 to vfio-mdev-pci"
	echo "$2" > "/sys/class/mdev_bus/$1/mdev_supported_types/$TYPE/create" ||
		fail "create mdev $2 on $1"
}

mdev_remove_all() {
	for _m in /sys/bus/mdev/devices/*; do
		[ -e "$_m/remove" ] && echo 1 > "$_m/remove"
	done
	return 0
}

# within SECONDS CMD...: true once CMD succeeds, tried once a second for
# up to SECONDS tries; false if it never did
within() {
	_n=$1
	shift
	_i=0
	until "$@"; do
		_i=$((_i + 1))
		[ "$_i" -lt "$_n" ] || return 1
		sleep 1
	done
}
