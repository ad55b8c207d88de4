#!/bin/sh
# pvbusd with its devices and the VMware agent together, under hvsim's VMware
# host, in a QEMU (TCG) guest: the only place with CUSE.  The checks are
# tests/vm/guest/vmt.sh.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/vm/common"

if ! why=$(vm_usable); then
	skip "vmt" "$why"
	exit 0
fi
PVBUS_VM_TIMEOUT=${PVBUS_VM_TIMEOUT:-400} vm_run \
    --add "$TOP/tests/vm/guest/vmt.sh" -- sh /pvbus/add/vmt.sh
[ "$RC" = 125 ] && exit 0
echo "$OUT"
[ -n "$ERR" ] && echo "$ERR" | sed 's/^/guest stderr: /'
echo "$OUT" | grep -q '^PASS: ' || fail "guest" "no result (exit $RC)"
[ "$RC" = 0 ] || fail "guest" "exit $RC"
