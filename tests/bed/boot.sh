#!/bin/bash
# boot.sh KVER INITRD LOG [BOUND_SECONDS]
# Boot the Debian kernel KVER under QEMU TCG (never KVM: nested KVM hangs
# here) with an emulated Intel IOMMU and the bed's fixed topology; the
# serial console goes to LOG.  Killed after BOUND_SECONDS.
# BED_KIMAGE boots that image instead of /boot/vmlinuz-KVER (the debug
# kernel of mk/debug-kernel.sh); BED_APPEND adds to the command line.
set -u
kver=$1 initrd=$2 log=$3 bound=${4:-600}
kimage=${BED_KIMAGE:-/boot/vmlinuz-$kver}
exec timeout -k 5 "$bound" qemu-system-x86_64 \
	-accel tcg,thread=multi -smp 2 -machine q35 -m "${BED_MEM:-2048}" \
	-nographic -no-reboot -nic none \
	-device intel-iommu,intremap=on \
	-device pcie-pci-bridge,id=br0,bus=pcie.0,addr=0x3 \
	-device edu,bus=br0,addr=0x1 -device edu,bus=br0,addr=0x2 \
	-device edu,bus=pcie.0,addr=0x4 \
	-device pcie-pci-bridge,id=br1,bus=pcie.0,addr=0x5 \
	-device edu,bus=br1,addr=0x1 -device e1000,bus=br1,addr=0x2,romfile= \
	-device pcie-root-port,id=rp0,bus=pcie.0,addr=0x6,chassis=1 \
	-device edu,bus=rp0,addr=0x0 \
	-virtfs local,path=/,mount_tag=host,security_model=none,readonly=on \
	-kernel "$kimage" -initrd "$initrd" \
	-append "console=ttyS0 intel_iommu=on panic=-1 quiet ${BED_APPEND:-}" \
	</dev/null >"$log" 2>&1
