#!/bin/bash
# The DKMS package (dkms.conf, mk/dkms-src.sh), as a user installs it: dkms
# add + build for each Debian kernel of the bed, in a private DKMS tree
# under build/dkms (the host's /var/lib/dkms modules stay untouched; DKMS
# signs with its usual key in /var/lib/dkms, made once).  Both modules must
# come out with that kernel's vermagic.  PASS/FAIL lines, then the total.
top=$(cd "$(dirname "$0")/../.." && pwd)
d=$top/build/dkms
pass=0 fail=0
res() {
	if [ "$1" = 0 ]; then echo "PASS  unit/$2"; pass=$((pass + 1))
	else echo "FAIL  unit/$2"; fail=$((fail + 1)); fi
}
rm -rf "$d"
mkdir -p "$d/src" "$d/tree" "$d/install"
nv=$("$top/mk/dkms-src.sh" "$d/src") || nv=
tree=(--sourcetree "$d/src" --dkmstree "$d/tree" --installtree "$d/install")
[ -z "$nv" ] || dkms add "$nv" "${tree[@]}" > "$d/add.log" 2>&1 || nv=
for series in 6.1 6.12; do
	name="dkms: add and build for Debian $series, both modules with its vermagic"
	if ! kv=$("$top/mk/kver.sh" "$series") || [ -z "$nv" ] ||
	   ! command -v dkms > /dev/null; then
		res 1 "$name (no kernel $series, dkms, or dkms add failed: make deps; $d/add.log)"
		continue
	fi
	log=$d/build-$series.log
	ok=0
	dkms build "$nv" "${tree[@]}" -k "$kv" > "$log" 2>&1 || ok=1
	for m in vfio_iommu_mdev vfio_mdev_pci; do
		ko=$(find "$d/tree/${nv%/*}/${nv#*/}/$kv" -name "$m.ko*" 2> /dev/null | head -n 1)
		if [ -z "$ko" ]; then
			echo "      no $m.ko for $kv" >> "$log"
			ok=1
		elif ! modinfo -F vermagic "$ko" | grep -q "^$kv "; then
			echo "      $ko: vermagic $(modinfo -F vermagic "$ko")" >> "$log"
			ok=1
		fi
	done
	res "$ok" "$name"
	[ "$ok" = 0 ] || tail -n 15 "$log" | sed 's/^/      /'
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
