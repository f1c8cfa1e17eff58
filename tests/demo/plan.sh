# Demo plan: shown to a person, not parsed for tests.
say() { echo "DEMO: $*"; }
say "The guest's IOMMU groups (emulated Intel IOMMU):"
for g in $(ls /sys/kernel/iommu_groups | sort -n); do
	for d in /sys/kernel/iommu_groups/$g/devices/*; do
		b=$(basename "$d")
		echo "DEMO:   group $g: $b $(cat "$d/vendor"):$(cat "$d/device") driver=$(basename "$(readlink "$d/driver" 2>/dev/null)" 2>/dev/null)"
	done
done
t "demo: groups listed" true
