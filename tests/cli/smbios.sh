#!/bin/sh
# SMBIOS OEM strings (type 11) as a store, through hostctl in process on
# saved trees: beside fw_cfg, as the only store, from the table or from
# dmi-sysfs's entries, and damaged tables.
. "$(dirname "$0")/../lib.sh"

H=$B/hostctl
FIX=$TOP/tests/fixtures
mk=$FIX/smbios/mktable
KVM="$H -C $FIX/fwcfg-qemu/cpuid-kvm.txt"
VMW="$H -C $TOP/../shared/cpuid-dumps/vmware-xeon-E5-2670v3-server.txt"
CRED=io.systemd.credential:hello

# A root with fw_cfg's sysfs tree and a DMI table.
newroot() {
	rm -rf "$T/$1"
	mkdir -p "$T/$1/sys/firmware/dmi/tables"
}
newroot fw
cp -a "$FIX/fwcfg-qemu/sys/firmware/qemu_fw_cfg" "$T/fw/sys/firmware/"
"$mk" "$T/fw/sys/firmware/dmi/tables/DMI" "$CRED=world" "no equals sign" \
    "cloud-init:ds=nocloud;s=http://10.0.2.2/"

run $KVM -r "$T/fw" smbios/oem/
expect "table: smbios/oem/ lists the numbers" 0 "1
2
3"
run $KVM -r "$T/fw" smbios/oem/2
expect "table: smbios/oem/N reads string N" 0 "no equals sign"
run $KVM -r "$T/fw" "smbios/oem/$CRED"
expect "table: a systemd credential by name" 0 "world"
run $KVM -r "$T/fw" smbios/oem/cloud-init:ds
expect "table: the value after the first =" 0 "nocloud;s=http://10.0.2.2/"
run $KVM -r "$T/fw" "smbios/oem/no equals sign"
expect "table: a string without = has no name" 1 "" \
    "hostctl: ioctl: No such file or directory"
run $KVM -r "$T/fw" smbios/oem/4
expect "table: past the last string" 1 "" \
    "hostctl: ioctl: No such file or directory"
run $KVM -r "$T/fw" smbios/oem/0
expect "table: strings count from 1" 1 "" \
    "hostctl: ioctl: No such file or directory"
run $KVM -r "$T/fw" smbios/oem/1 v
expect "table: a write is refused" 1 "" \
    "hostctl: ioctl: Read-only file system"
run $KVM -r "$T/fw" opt/org.example/k
expect "table: fw_cfg still answers its keys" 0 "v1"
run $KVM -r "$T/fw" -l
case $OUT in
*"smbios /sys/firmware/dmi/tables/DMI, 3 OEM strings"*"store fw_cfg, read-only"*)
	pass "table: -l shows the strings beside fw_cfg" ;;
*)	fail "table: -l shows the strings beside fw_cfg" "$OUT" ;;
esac

# dmi-sysfs: one file a structure, numbered on across them.
newroot ent
for n in 0 1; do
	mkdir -p "$T/ent/sys/firmware/dmi/entries/11-$n"
	mkdir -p "$T/ent/sys/firmware/dmi/entries/0-$n"
done
"$mk" "$T/ent/sys/firmware/dmi/entries/11-0/raw" --raw a=1 b=2
"$mk" "$T/ent/sys/firmware/dmi/entries/11-1/raw" --raw "$CRED=from entries"
run $KVM -r "$T/ent" smbios/oem
expect "entries: the strings of every type 11, in order" 0 "1
2
3"
run $KVM -r "$T/ent" smbios/oem/3
expect "entries: numbered on across structures" 0 "$CRED=from entries"
run $KVM -r "$T/ent" -l
case $OUT in
*"smbios /sys/firmware/dmi/entries, 3 OEM strings"*"store smbios, read-only, /sys/firmware/dmi/entries"*)
	pass "entries: the only store of a unit without fw_cfg" ;;
*)	fail "entries: the only store of a unit without fw_cfg" "$OUT" ;;
esac
run $KVM -r "$T/ent" other/key
expect "entries: other keys are not there" 1 "" \
    "hostctl: ioctl: No such file or directory"

# Another hypervisor's native unit: the firmware's strings are there too.
run $VMW -r "$T/ent" "smbios/oem/$CRED"
expect "VMware unit: the strings by name" 0 "from entries"

# An empty table, a table without type 11, a machine without tables.
newroot empty
: >"$T/empty/sys/firmware/dmi/tables/DMI"
run $KVM -r "$T/empty" smbios/oem/
expect "empty table: nothing to list" 0 ""
run $KVM -r "$T/empty" smbios/oem/1
expect "empty table: no string 1" 1 "" \
    "hostctl: ioctl: No such file or directory"
newroot none
"$mk" "$T/none/sys/firmware/dmi/tables/DMI"
run $KVM -r "$T/none" smbios/oem/
expect "no OEM strings: an empty type 11 lists nothing" 0 ""
mkdir -p "$T/bare/sys"
run $KVM -r "$T/bare" smbios/oem/
expect "no tables: no store" 1 "" \
    "hostctl: ioctl: No such device or address (fw_cfg: /sys/firmware/qemu_fw_cfg: No such file or directory)"

# Damaged tables: every key says so, nothing else is lost.
damaged() {
	dn=$1; shift
	newroot "$dn"
	cp -a "$FIX/fwcfg-qemu/sys/firmware/qemu_fw_cfg" "$T/$dn/sys/firmware/"
	"$mk" "$T/$dn/sys/firmware/dmi/tables/DMI" "$@"
	run $KVM -r "$T/$dn" smbios/oem/1
	expect "$dn: a read fails" 1 "" "hostctl: ioctl: Input/output error"
	run $KVM -r "$T/$dn" opt/org.example/k
	expect "$dn: fw_cfg still answers" 0 "v1"
	run $KVM -r "$T/$dn" -l
	case $OUT in
	*"smbios /sys/firmware/dmi/tables/DMI: malformed table"*)
		pass "$dn: -l says the table is malformed" ;;
	*)	fail "$dn: -l says the table is malformed" "$OUT" ;;
	esac
}
damaged truncated --cut 40 a=1 b=2
damaged header-cut --cut 3 a=1
damaged count-too-high --count 5 a=1 b=2
newroot unterminated
mkdir -p "$T/unterminated/sys/firmware/dmi/entries/11-0"
"$mk" "$T/unterminated/sys/firmware/dmi/entries/11-0/raw" --raw --no-end a=1 b
run $KVM -r "$T/unterminated" smbios/oem/
expect "string not NUL-terminated: no store, and why" 1 "" \
    "hostctl: ioctl: No such device or address (fw_cfg: /sys/firmware/qemu_fw_cfg: No such file or directory; smbios: /sys/firmware/dmi/entries/11-0/raw: Input/output error)"
