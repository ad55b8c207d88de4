#!/bin/sh
# SMBIOS OEM strings in a QEMU (TCG) guest: one boot with three strings (a
# systemd credential, one without "=", a NoCloud seed) beside a fw_cfg
# entry, one boot without strings.  The checks are tests/vm/guest/smbios.sh.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/vm/common"

if ! why=$(vm_usable); then
	skip "smbios" "$why"
	exit 0
fi

guest() {
	echo "$OUT"
	[ -n "$ERR" ] && echo "$ERR" | sed 's/^/guest stderr: /'
	echo "$OUT" | grep -q '^PASS: ' || fail "$1" "no result (exit $RC)"
	[ "$RC" = 0 ] || fail "$1" "exit $RC"
}

vm_run --oem-string io.systemd.credential:hello=world \
    --oem-string 'no equals sign here' \
    --oem-string 'cloud-init:ds=nocloud;s=http://10.0.2.2:8000/' \
    --fw-cfg opt/org.example/k=v1 \
    --add "$TOP/tests/vm/guest/smbios.sh" -- sh /pvbus/add/smbios.sh
[ "$RC" = 125 ] || guest "guest with strings"
vm_run --add "$TOP/tests/vm/guest/smbios.sh" -- sh /pvbus/add/smbios.sh none
[ "$RC" = 125 ] || guest "guest without strings"
