# Shell helpers for test plans (sourced by the guest's /init).
BED_N=0

# Print and clear the kernel log, each line prefixed "K: " for the parser.
klog() {
	dmesg -c 2>/dev/null | sed 's/^/K: /'
}

# t NAME CMD...: run one test case (a program or a shell function) under
# a watchdog of BED_TIMEOUT seconds, report TAP, attach its kernel log.
t() {
	_name=$1
	shift
	BED_N=$((BED_N + 1))
	_t0=$(date +%s)
	( "$@" ) > /tmp/t.out 2>&1 &
	_pid=$!
	( sleep "${BED_TIMEOUT:-90}"; kill -9 "$_pid" 2>/dev/null ) &
	_dog=$!
	wait "$_pid"
	_rc=$?
	kill "$_dog" 2>/dev/null
	[ "$_rc" = 137 ] && echo "# killed after ${BED_TIMEOUT:-90} s" >> /tmp/t.out
	echo "# ($(($(date +%s) - _t0)) s)" >> /tmp/t.out
	sed -e '/^$/d' -e '/^#/!s/^/# /' /tmp/t.out
	if [ "$_rc" = 0 ]; then
		echo "ok $BED_N - $_name"
	else
		echo "not ok $BED_N - $_name # exit $_rc"
	fi
	klog
}

# bed_guard: the host kills QEMU at BED_BOUND seconds (tests/bed/boot.sh
# puts it on the command line).  Shortly before, show where the guest is:
# the running test's output so far, then every user task and every task in
# D state with its state, wait channel and kernel stack, each line "G: "
# for tests/bed/parse.sh, which prints them with the time-out.
bed_guard() {
	echo "G: ${BED_BOUND} s bound near, test $((BED_N + 1)) running; its output so far:"
	sed 's/^/G:   /' /tmp/t.out 2>/dev/null | tail -n 40
	for _d in /proc/[0-9]*; do
		_p=${_d#/proc/}
		read -r _st < "$_d/stat" 2>/dev/null || continue
		_st=${_st##*) }
		_st=${_st%% *}
		# kernel threads (empty cmdline) only when blocked
		[ -n "$(head -c 1 "$_d/cmdline" 2>/dev/null)" ] ||
			[ "$_st" = D ] || continue
		[ "$_p" = $$ ] && continue
		echo "G: task $_p ($(cat "$_d/comm" 2>/dev/null)) state $_st wchan $(cat "$_d/wchan" 2>/dev/null)"
		sed 's/^/G:   /' "$_d/stack" 2>/dev/null
	done
}

# setup CMD...: a step a plan needs; its failure is reported as a test.
setup() {
	if ! "$@" > /tmp/s.out 2>&1; then
		BED_N=$((BED_N + 1))
		sed -e '/^#/!s/^/# /' /tmp/s.out
		echo "not ok $BED_N - setup: $*"
	fi
}

# expect_fail NAME CMD...: a test that passes when CMD fails.
expect_fail() {
	_name=$1
	shift
	t "$_name" sh -c '! "$@"' sh "$@"
}

# chroot_ready DIR: a root DIR (read-only) made ready for chroot DIR: the
# guest's /dev, /proc and /sys bound into it; empty tmpfs /tmp and /run;
# an empty, writable /etc/mdevctl.d with the directories mdevctl expects
# (where DIR has mdevctl).
chroot_ready() {
	mount --bind /dev "$1/dev" && mount --bind /proc "$1/proc" &&
	mount --bind /sys "$1/sys" && mount -t tmpfs tmpfs "$1/tmp" &&
	mount -t tmpfs tmpfs "$1/run" || return 1
	[ -d "$1/etc/mdevctl.d" ] || return 0
	mount -t tmpfs tmpfs "$1/etc/mdevctl.d" &&
	mkdir -p "$1/etc/mdevctl.d/scripts.d/callouts" \
		"$1/etc/mdevctl.d/scripts.d/notifiers"
}

# Mount the host's root file system read-only at /host (9p), ready for
# chroot /host (chroot_ready).
host_mount() {
	for m in virtio_pci 9pnet_virtio 9p; do modprobe "$m" || return 1; done
	mount -t 9p -o trans=virtio,version=9p2000.L,ro host /host || return 1
	chroot_ready /host
}

# client_mount ROOT: the client root ROOT (a path of the host: Debian 13's
# QEMU, mdevctl and libvirt, mk/trixie-root.sh), read-only under /host,
# ready for chroot as /host is (chroot_ready), and /dev/stdin and its kin.
# Needs host_mount.
client_mount() {
	case $1 in
	/?*) ;;
	*) echo "client_mount: '$1' is not a root's path"; return 1 ;;
	esac
	_r=/host$1
	[ -x "$_r/usr/bin/qemu-system-x86_64" ] || {
		echo "no client root at $_r"
		return 1
	}
	chroot_ready "$_r" || return 1
	# what udev makes on a host (mdevctl 1.4 reads /dev/stdin)
	for _f in stdin:0 stdout:1 stderr:2; do
		[ -e "/dev/${_f%:*}" ] || ln -s "/proc/self/fd/${_f#*:}" "/dev/${_f%:*}"
	done
	[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd
}

# As on a real host: vfio-pci, e1000 (a kernel driver for the group
# cases), type1 loaded first, ours registered after it; the host's root
# mounted at /host for its QEMU and mdevctl (host_mount).  Each step a
# setup (its failure is a test).
bed_host_stack() {
	for _m in vfio-pci e1000 vfio_iommu_type1 vfio_iommu_mdev vfio_mdev_pci; do
		setup modprobe "$_m"
	done
	setup host_mount
}

# bed_hmp COMMAND...: have the host run an HMP command (device_del,
# device_add, pcie_aer_inject_error, info) on the outer QEMU's monitor.
# Written straight to the console, where tests/bed/hmp.sh reads it at
# once (a case's stdout is printed only after the case).  No answer comes
# back: poll sysfs for the effect (bed_wait_path).
bed_hmp() {
	printf '\nBED: HMP %s\n' "$*" > /dev/console
}

# bed_wait_path PATH gone|there SECONDS: wait until PATH is gone or there.
bed_wait_path() {
	_i=0
	while [ "$_i" -lt "$(($3 * 10))" ]; do
		if [ "$2" = gone ]; then [ ! -e "$1" ] && return 0
		else [ -e "$1" ] && return 0; fi
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

# Unload vfio_mdev_pci, then vfio_iommu_mdev once its refcount is 0:
bed_unload_ours() {
	rmmod vfio_mdev_pci || return 1
	i=0
	while [ "$(cat /sys/module/vfio_iommu_mdev/refcnt)" != 0 ] && [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	echo "# vfio_iommu_mdev refcnt $(cat /sys/module/vfio_iommu_mdev/refcnt) after $i x 0.1 s"
	rmmod vfio_iommu_mdev
}
