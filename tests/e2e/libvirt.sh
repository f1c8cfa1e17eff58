#!/bin/sh
# libvirt.sh CASE ARGS...: Debian 13's libvirt (libvirtd and virtlogd, 11.3)
# and its QEMU 10, run unmodified in the guest from the client root
# E2E_ROOT (client_mount, tests/bed/lib.sh), driving mdevs of our driver as
# a user does with virsh.  "start" brings the daemons up (state on tmpfs;
# qemu.conf says what a guest without cgroups, namespaces or a second user
# needs); each other case checks virsh's own words.
set -u
R=${E2E_ROOT:?E2E_ROOT: the client root}
TYPE=vfio-mdev-pci-passthrough
UUID_A=33333333-4444-5555-6666-777777777781
UUID_B=33333333-4444-5555-6666-777777777782
V="chroot $R /usr/bin/virsh -c qemu:///system"

# a failing case leaves no domain behind (a domain holding an mdev would
# block the next case's mdev removal)
fail() {
	echo "# FAIL: $*"
	for _d in vm1 vm2 vm3; do $V destroy "$_d" > /dev/null 2>&1; done
	exit 1
}
. "$(dirname "$0")/common.sh"

# hostdev UUID: the <hostdev> element of the mdev UUID, as a user writes it
hostdev() {
	cat <<EOF
<hostdev mode='subsystem' type='mdev' model='vfio-pci'>
  <source><address uuid='$1'/></source>
</hostdev>
EOF
}

# domain NAME [UUID [unplug]]: /tmp/NAME.xml, a TCG domain with no disk,
# started paused (its devices are realized; no firmware runs), holding
# the mdev UUID if given; "unplug" turns q35's ACPI hotplug of the root
# ports off (case_hotplug says why)
domain() {
	_hd= _ns= _cl=
	[ -z "${2:-}" ] || _hd="
$(hostdev "$2" | sed 's/^/    /')"
	[ "${3:-}" != unplug ] || {
		_ns=" xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'"
		_cl="
  <qemu:commandline>
    <qemu:arg value='-global'/>
    <qemu:arg value='ICH9-LPC.acpi-pci-hotplug-with-bridge-support=off'/>
  </qemu:commandline>"
	}
	cat > "/tmp/$1.xml" <<EOF
<domain type='qemu'$_ns>
  <name>$1</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>$_hd
    <memballoon model='none'/>
  </devices>$_cl
</domain>
EOF
	cp "/tmp/$1.xml" "$R/tmp/$1.xml"
}

# has NAME UUID: the domain's QEMU realized a vfio-pci device from the
# mdev UUID (its device tree; libvirt puts it behind a root port, which
# "info pci" of a paused VM, before firmware numbered the buses, omits)
has() {
	$V qemu-monitor-command "$1" --hmp 'info qtree' > /tmp/qt.out 2>&1 &&
		grep -q "sysfsdev = \"/sys/bus/mdev/devices/$2\"" /tmp/qt.out
}

case_start() {
	for d in etc/libvirt var/lib/libvirt var/log/libvirt var/cache/libvirt; do
		[ -d "$R/$d" ] || fail "no $d in the client root"
	done
	cp -a "$R/etc/libvirt" /tmp/lv-etc || fail "copy etc/libvirt"
	mount -t tmpfs tmpfs "$R/etc/libvirt" &&
		cp -a /tmp/lv-etc/. "$R/etc/libvirt/" || fail "etc/libvirt on tmpfs"
	for d in var/lib/libvirt var/log/libvirt var/cache/libvirt; do
		mount -t tmpfs tmpfs "$R/$d" || fail "tmpfs on $d"
	done
	mkdir -p "$R/var/lib/libvirt/qemu" "$R/var/log/libvirt/qemu"
	cat >> "$R/etc/libvirt/qemu.conf" <<EOF
user = "+0"
group = "+0"
dynamic_ownership = 0
remember_owner = 0
cgroup_controllers = [ ]
namespaces = [ ]
security_driver = "none"
EOF
	# udevd: libvirt's node devices come from udev's database
	chroot "$R" /usr/lib/systemd/systemd-udevd --daemon ||
		fail "systemd-udevd"
	chroot "$R" /usr/bin/udevadm trigger --action=add
	chroot "$R" /usr/bin/udevadm settle -t 60 || note "udevadm settle timed out"
	chroot "$R" /usr/sbin/virtlogd -d || fail "virtlogd"
	chroot "$R" /usr/sbin/libvirtd -d || fail "libvirtd"
	answers() { $V version > /tmp/v.out 2>&1; }
	within 60 answers || { cat /tmp/v.out; fail "libvirtd does not answer"; }
	sed 's/^/# virsh version: /' /tmp/v.out
}

# nodedev BDF: virsh lists the mdev of BDF as a node device, its parent
# the PCI device
case_nodedev() {
	mdev_remove_all
	mdev_create "$1" "$UUID_A"
	name=mdev_$(echo "$UUID_A" | tr - _)_$(echo "$1" | tr :. __)
	listed() {
		$V nodedev-list --cap mdev > /tmp/n.out 2>&1 &&
			grep -q "^$name\$" /tmp/n.out
	}
	within 20 listed ||
		{ cat /tmp/n.out; fail "nodedev-list --cap mdev does not list $name"; }
	sed 's/^/# nodedev-list --cap mdev: /' /tmp/n.out
	$V nodedev-dumpxml "$name" > /tmp/n.xml 2>&1 ||
		{ cat /tmp/n.xml; fail "nodedev-dumpxml $name"; }
	sed 's/^/# /' /tmp/n.xml | head -n 20
	grep -q "<parent>pci_$(echo "$1" | tr :. __)</parent>" /tmp/n.xml ||
		fail "the node device's parent is not $1"
	grep -q "<type id='$TYPE'/>" /tmp/n.xml ||
		fail "the node device's type is not $TYPE"
	mdev_remove_all
}

# two_domains A B: domain 1 with the mdev of A starts; domain 2 with the
# sibling mdev of B (same physical group) fails with the kernel's refusal
# in libvirt's error, domain 1 keeps running; after virsh destroy of
# domain 1, domain 2 starts.
case_two_domains() {
	mdev_remove_all
	mdev_create "$1" "$UUID_A"
	mdev_create "$2" "$UUID_B"
	domain vm1 "$UUID_A"
	domain vm2 "$UUID_B"
	$V create /tmp/vm1.xml --paused > /tmp/c1.out 2>&1 ||
		{ cat /tmp/c1.out; cat "$R/var/log/libvirt/qemu/vm1.log" 2>/dev/null; fail "domain vm1 did not start"; }
	has vm1 "$UUID_A" || { grep -i vfio /tmp/qt.out; fail "vm1 has no vfio-pci device of $UUID_A"; }
	note "vm1 runs with the mdev of $1"
	$V create /tmp/vm2.xml --paused > /tmp/c2.out 2>&1 && {
		$V destroy vm2 > /dev/null 2>&1
		$V destroy vm1 > /dev/null 2>&1
		fail "vm2 started while vm1 holds the physical group"
	}
	sed 's/^/# virsh create vm2: /' /tmp/c2.out | head -n 5
	grep -q "Operation not permitted" /tmp/c2.out ||
		fail "libvirt's error does not carry the kernel's refusal (Operation not permitted)"
	dmesg | grep -q "$UUID_B: vfio_iommu_mdev: mdev refused" ||
		fail "no kernel log line for the refused mdev $UUID_B"
	$V domstate vm1 > /tmp/s.out 2>&1
	grep -q paused /tmp/s.out || fail "vm1 is no longer running: $(cat /tmp/s.out)"
	has vm1 "$UUID_A" || fail "vm1 lost its device"
	note "vm2 refused; vm1 still there with its device"
	$V destroy vm1 > /tmp/d.out 2>&1 || { cat /tmp/d.out; fail "virsh destroy vm1"; }
	$V create /tmp/vm2.xml --paused > /tmp/c2.out 2>&1 ||
		{ cat /tmp/c2.out; fail "vm2 not admitted after vm1 was destroyed"; }
	has vm2 "$UUID_B" || fail "vm2 has no vfio-pci device of $UUID_B"
	note "vm1 destroyed; vm2 admitted"
	$V destroy vm2 > /dev/null 2>&1 || fail "virsh destroy vm2"
	mdev_remove_all
}

# define_start BDF: virsh nodedev-define and nodedev-start of an mdev on
# our parent (libvirt drives mdevctl), then nodedev-destroy and -undefine
case_define_start() {
	mdev_remove_all
	bind "$1" vfio-mdev-pci || fail "bind $1 to vfio-mdev-pci"
	cat > "$R/tmp/nd.xml" <<EOF
<device>
  <parent>pci_$(echo "$1" | tr :. __)</parent>
  <capability type='mdev'>
    <type id='$TYPE'/>
    <uuid>$UUID_A</uuid>
  </capability>
</device>
EOF
	$V nodedev-define /tmp/nd.xml > /tmp/nd.out 2>&1 ||
		{ cat /tmp/nd.out; fail "virsh nodedev-define"; }
	sed 's/^/# nodedev-define: /' /tmp/nd.out
	name=$(sed -n "s/^Node device '\(.*\)' defined.*/\1/p" /tmp/nd.out)
	[ -n "$name" ] || fail "nodedev-define named no device"
	[ ! -e "/sys/bus/mdev/devices/$UUID_A" ] || fail "define created the mdev"
	$V nodedev-start "$name" > /tmp/nd.out 2>&1 ||
		{ cat /tmp/nd.out; fail "virsh nodedev-start $name"; }
	sed 's/^/# nodedev-start: /' /tmp/nd.out
	[ -e "/sys/bus/mdev/devices/$UUID_A" ] || fail "nodedev-start did not create the mdev"
	# libvirt marks it active when udev's event for it arrives, a moment
	# after the start returned
	active() { $V nodedev-info "$name" 2> /dev/null | grep -q "^Active: *yes"; }
	within 20 active ||
		fail "libvirt does not show $name active 20 s after nodedev-start"
	$V nodedev-destroy "$name" > /tmp/nd.out 2>&1 ||
		{ cat /tmp/nd.out; fail "virsh nodedev-destroy $name"; }
	[ ! -e "/sys/bus/mdev/devices/$UUID_A" ] || fail "nodedev-destroy left the mdev"
	$V nodedev-undefine "$name" > /tmp/nd.out 2>&1 ||
		{ cat /tmp/nd.out; fail "virsh nodedev-undefine $name"; }
	bind "$1" ""
}

# hotplug BDF: attach-device of the mdev to a running domain realizes it
# there; detach-device takes it out while the domain runs on, and the
# mdev is free at once (another domain starts with it, then it is
# removed).  A PCIe unplug waits for the guest OS to power the slot off,
# and these domains run none; QEMU unplugs at once a slot the guest never
# powered on, with native PCIe hotplug (the domain turns q35's ACPI
# hotplug of its root ports off, as a user may), so the unplug ends
# without a guest's answer, and what is tested is the rest of the path:
# libvirt, QEMU closing the device, the kernel releasing the group.
case_hotplug() {
	mdev_remove_all
	mdev_create "$1" "$UUID_A"
	domain vm3 "" unplug
	hostdev "$UUID_A" > "$R/tmp/hd.xml"
	$V create /tmp/vm3.xml --paused > /tmp/c.out 2>&1 ||
		{ cat /tmp/c.out; fail "domain vm3 did not start"; }
	! has vm3 "$UUID_A" || fail "vm3 has the mdev before the attach"
	$V attach-device vm3 /tmp/hd.xml --live > /tmp/a.out 2>&1 ||
		{ cat /tmp/a.out; fail "virsh attach-device"; }
	sed 's/^/# attach-device: /' /tmp/a.out | grep -v ': $'
	has vm3 "$UUID_A" || fail "vm3 has no vfio-pci device of $UUID_A after the attach"
	note "attached to the running vm3"
	$V detach-device vm3 /tmp/hd.xml --live > /tmp/a.out 2>&1 ||
		{ cat /tmp/a.out; fail "virsh detach-device"; }
	sed 's/^/# detach-device: /' /tmp/a.out | grep -v ': $'
	gone() { ! has vm3 "$UUID_A"; }
	within 20 gone || fail "vm3 still has the mdev 20 s after detach-device"
	$V dumpxml vm3 > /tmp/x.out 2>&1 || fail "virsh dumpxml vm3"
	! grep -q "$UUID_A" /tmp/x.out || fail "libvirt still lists the mdev in vm3"
	$V domstate vm3 > /tmp/s.out 2>&1
	grep -q paused /tmp/s.out || fail "vm3 is no longer running: $(cat /tmp/s.out)"
	note "detached; vm3 runs on without it"
	domain vm1 "$UUID_A"
	$V create /tmp/vm1.xml --paused > /tmp/c1.out 2>&1 ||
		{ cat /tmp/c1.out; fail "the detached mdev did not start in vm1"; }
	has vm1 "$UUID_A" || fail "vm1 has no vfio-pci device of $UUID_A"
	note "vm1 starts with the detached mdev while vm3 runs on"
	$V destroy vm1 > /dev/null 2>&1 || fail "virsh destroy vm1"
	$V destroy vm3 > /dev/null 2>&1 || fail "virsh destroy vm3"
	timeout 30 sh -c "echo 1 > /sys/bus/mdev/devices/$UUID_A/remove" ||
		fail "the mdev could not be removed after the domains were destroyed"
	note "destroyed; the mdev removed at once"
}

c=$1
shift
"case_$c" "$@"
