#!/bin/sh
# In the guest (tests/vm/smbios.sh boots it): the SMBIOS OEM strings QEMU
# was given with --oem-string, in this order:
#   io.systemd.credential:hello=world
#   no equals sign here
#   cloud-init:ds=nocloud;s=http://10.0.2.2:8000/
# or none at all when the first argument is "none".
. "$PVBUS_TOP/tests/lib.sh"

CRED=io.systemd.credential:hello
if [ "$1" = none ]; then
	run hostctl smbios/oem/
	expect "no strings: nothing listed" 0 ""
	run hostctl smbios/oem/1
	expect "no strings: no string 1" 1 "" \
	    "hostctl: ioctl: No such file or directory"
	exit 0
fi

[ -r /sys/firmware/dmi/tables/DMI ] && [ -d /sys/firmware/dmi/entries/11-0 ] &&
    pass "the firmware has a DMI table and its entries" ||
    fail "the firmware has a DMI table and its entries" "$(ls /sys/firmware/dmi 2>&1)"
run hostctl smbios/oem/
expect "the three strings listed" 0 "1
2
3"
run hostctl smbios/oem/1
expect "string 1" 0 "$CRED=world"
run hostctl "smbios/oem/$CRED"
expect "the systemd credential by name" 0 "world"
run hostctl smbios/oem/2
expect "a string with no = by number" 0 "no equals sign here"
run hostctl "smbios/oem/no equals sign here"
expect "a string with no = has no name" 1 "" \
    "hostctl: ioctl: No such file or directory"
run hostctl smbios/oem/cloud-init:ds
expect "the NoCloud seed" 0 "nocloud;s=http://10.0.2.2:8000/"
run hostctl smbios/oem/4
expect "no string 4" 1 "" "hostctl: ioctl: No such file or directory"
run hostctl "smbios/oem/$CRED" other
expect "a write is refused" 1 "" "hostctl: ioctl: Read-only file system"
run hostctl smbios/oem/1
expect "nothing changed by the refused write" 0 "$CRED=world"
run hostctl -l
case $OUT in
*"smbios /sys/firmware/dmi/entries, 3 OEM strings"*"store fw_cfg, read-only"*)
	pass "the tree: strings beside fw_cfg" ;;
*)	fail "the tree: strings beside fw_cfg" "$OUT" ;;
esac
# fw_cfg is still the unit's store.
run hostctl opt/org.example/k
expect "fw_cfg beside the strings" 0 "v1"
# The table as a whole, under a root with nothing else: the same strings,
# and the only store of the unit.
mkdir -p "$T/r/sys/firmware/dmi/tables"
cp /sys/firmware/dmi/tables/DMI "$T/r/sys/firmware/dmi/tables/DMI"
run hostctl -r "$T/r" smbios/oem/3
expect "the whole table: string 3" 0 "cloud-init:ds=nocloud;s=http://10.0.2.2:8000/"
run hostctl -r "$T/r" -l
case $OUT in
*"store smbios, read-only, /sys/firmware/dmi/tables/DMI"*)
	pass "the whole table: the unit's only store" ;;
*)	fail "the whole table: the unit's only store" "$OUT" ;;
esac
