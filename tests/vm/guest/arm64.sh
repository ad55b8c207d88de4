#!/bin/sh
# In the arm64 guest (tests/vm/arm64_hostctl.sh boots it): the QEMU unit
# that identification finds without CPUID, from the device tree QEMU made,
# its tree and its fw_cfg store through the qemu_fw_cfg sysfs tree, then
# with the module unloaded (arm64 has no fw_cfg ports to fall back to).  The
# host passed these entries:
#   opt/org.example/k       string v1
#   opt/org.example/sp      string "a b,c" (a comma and a space)
#   opt/org.example/empty   string ""
#   opt/org.example/f60k    file 60k.bin
#   opt/org.example/d/x     string deep
#   opt/org.other/big       file big.bin (64 KiB: one byte too many)
# and 60k.bin itself with --add (in /pvbus/add).  -l -j goes to the host,
# which reads the JSON, between @@JSON@@ lines.

. "$PVBUS_TOP/tests/lib.sh"
A=/pvbus/add

run hostctl -t
expect "-t" 0 "/dev/pvbus0: QEMU"
run hostctl -s
expect "-s: systemd's name from the fw-cfg node" 0 "qemu"
run hostctl -v -t
case $ERR in
*'/proc/device-tree/compatible "linux,dummy-virt"'*'/proc/device-tree/fw-cfg@'*'"qemu,fw-cfg-mmio": QEMU'*)
	pass "-v: the device tree is the evidence" ;;
*)	fail "-v: the device tree is the evidence" "$ERR" ;;
esac

run hostctl -l
echo "$OUT" >"$T/tree"
grep -q '^pvbus0: QEMU, dt_compatible .*"linux,dummy-virt", fw_cfg_dt .*; native, guest$' \
    "$T/tree" && pass "-l: pvbus0 is QEMU, from the device tree" ||
    fail "-l: pvbus0 is QEMU, from the device tree" "$(head -n 1 "$T/tree")"
grep -qx 'pvbus0: store fw_cfg, read-only, /sys/firmware/qemu_fw_cfg' \
    "$T/tree" && pass "-l: store" || fail "-l: store" "$(cat "$T/tree")"
for d in virtio-rng virtio-balloon; do
	grep -q "^pvbus0: device $d virtio[0-9]* at 0000:" "$T/tree" &&
	    pass "-l: $d" || fail "-l: $d" "$(cat "$T/tree")"
done
grep -qi vmport "$T/tree" && fail "-l: no vmport on arm64" "$(cat "$T/tree")" ||
    pass "-l: no vmport on arm64"
run hostctl -l -j
[ "$RC" = 0 ] && pass "-l -j" || fail "-l -j" "exit $RC: $ERR"
echo "@@JSON@@"
echo "$OUT"
echo "@@JSON@@"

run hostctl opt/org.example/k
expect "string" 0 "v1"
run hostctl opt/org.example/sp
expect "string with comma and space" 0 "a b,c"
run hostctl opt/org.example/empty
expect "empty string" 0 ""
run hostctl opt/org.example/d/x
expect "nested" 0 "deep"
run hostctl opt/org.example/f60k
expect "file of 60 KiB" 0 "$(cat $A/60k.bin)"
run hostctl -q opt/org.example/f60k
expect "-q" 0 ""
run hostctl opt/org.other/big
expect "file over 64 KiB" 1 "" "hostctl: ioctl: Numerical result out of range"
run hostctl opt/org.example
expect "list" 0 "d
empty
f60k
k
sp"
run hostctl opt
expect "list opt" 0 "org.example
org.other"
run hostctl opt/org.example/nope
expect "missing name" 1 "" "hostctl: ioctl: No such file or directory"
run hostctl opt/org.example/k v2
expect "write refused" 1 "" "hostctl: ioctl: Read-only file system"
run hostctl opt/org.example/k
expect "value kept" 0 "v1"

if rmmod qemu_fw_cfg && [ ! -e /sys/firmware/qemu_fw_cfg ]; then
	run hostctl -t
	expect "no module: -t from the device tree alone" 0 "/dev/pvbus0: QEMU"
	run hostctl opt/org.example/k
	expect "no module: no store, and why" 1 "" \
	    "hostctl: ioctl: No such device or address (fw_cfg: /sys/firmware/qemu_fw_cfg: No such file or directory)"
else
	fail "no module: rmmod qemu_fw_cfg" "module still there"
fi
exit 0
