# Plan "demo-libvirt" (make demo's second part; make check runs it as
# tests): the refusal of plan demo told through libvirt, which is how most
# people start VMs, with Debian 13's own kernel, QEMU 10.0 and libvirt
# 11.3 from the Debian 13 root (mk/trixie-root.sh), unmodified.
# bed: files=mk/trixie-clients.sh
# bed: series=d13-6.12
# bed: bound=600
BED_TIMEOUT=300
say() { echo "DEMO: $*"; }
UUID_A=33333333-4444-5555-6666-777777777781
UUID_B=33333333-4444-5555-6666-777777777782
bed_host_stack
setup client_mount "$(cat /bed/trixie-clients/root)"
export E2E_ROOT="/host$(cat /bed/trixie-clients/root)"
V="chroot $E2E_ROOT /usr/bin/virsh -c qemu:///system"

say "6. The same host on Debian 13 (kernel $(uname -r)), driven by libvirt,"
say "   as most people start VMs: Debian 13's libvirtd and virtlogd start."
daemons() {
	sh /bed/e2e/libvirt.sh start > /tmp/demo-lv.out 2>&1
	r=$?
	sed -n 's/^# virsh version: \(..*\)/DEMO:   \1/p' /tmp/demo-lv.out
	return $r
}
t "demo: libvirt answers" daemons

say "7. The two edu devices of group $(basename "$(readlink /sys/bus/pci/devices/$EDU_NS_A/iommu_group)") each get an mdev; libvirt lists them"
say "   as node devices with their parent. The iommuGroup libvirt shows is"
say "   the mdev's own VFIO group; the physical group behind it is in sysfs."
nodedevs() {
	set -- "$EDU_NS_A" "$UUID_A" "$EDU_NS_B" "$UUID_B"
	while [ $# -ge 2 ]; do
		echo vfio-mdev-pci > "/sys/bus/pci/devices/$1/driver_override" &&
			echo "$1" > /sys/bus/pci/drivers_probe &&
			echo "$2" > "/sys/class/mdev_bus/$1/mdev_supported_types/vfio-mdev-pci-passthrough/create" ||
			return 1
		echo "DEMO:   $2 on $1: parent_iommu_group=$(cat "/sys/bus/mdev/devices/$2/parent_iommu_group")"
		shift 2
	done
	i=0
	while [ "$($V nodedev-list --cap mdev 2> /dev/null | grep -c mdev_)" != 2 ]; do
		i=$((i + 1))
		[ "$i" -lt 20 ] || { echo "libvirt does not list both mdevs"; return 1; }
		sleep 1
	done
	$V nodedev-list --cap mdev | sed -n 's/^\(mdev_.*\)/DEMO:   virsh nodedev-list --cap mdev: \1/p'
	n=mdev_$(echo "$UUID_A" | tr - _)_$(echo "$EDU_NS_A" | tr :. __)
	$V nodedev-dumpxml "$n" > /tmp/demo-nd.xml || return 1
	grep -E "<parent>|type id=|iommuGroup" /tmp/demo-nd.xml | sed 's/^ */DEMO:     /'
	grep -q "<parent>pci_$(echo "$EDU_NS_A" | tr :. __)</parent>" /tmp/demo-nd.xml
}
t "demo: libvirt lists the mdevs with their parent" nodedevs

say "8. Each domain names its mdev as a user writes it:"
say "     <hostdev mode='subsystem' type='mdev' model='vfio-pci'>"
say "       <source><address uuid='$UUID_A'/></source>"
say "     </hostdev>"
say "   Domain vm1 takes the first; vm2 asks for its sibling, of the same"
say "   physical group. The kernel refuses vm2 and libvirt says so; vm1"
say "   runs on; after virsh destroy vm1, vm2 starts."
domains() {
	sh /bed/e2e/libvirt.sh two_domains "$EDU_NS_A" "$EDU_NS_B" > /tmp/demo-dom.out 2>&1
	r=$?
	sed -n -e 's/^# virsh create vm2: \(..*\)/DEMO:   virsh create vm2: \1/p' \
		-e 's/^# \(vm[12] .*\)/DEMO:   \1/p' /tmp/demo-dom.out
	dmesg | grep -E "in use by another VFIO container|mdev refused" | tail -n 2 |
		sed 's/^\[[^]]*\] */DEMO:   kernel: /'
	[ "$r" = 0 ] || sed 's/^/# /' /tmp/demo-dom.out
	return $r
}
t "demo: libvirt refuses the second domain, then admits it" domains
