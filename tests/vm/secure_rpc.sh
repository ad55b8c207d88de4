#!/bin/sh
# VMware's secure RPC in a QEMU (TCG) guest, over vsock_loopback: the only
# place a test may open a vsock.  The checks are tests/vm/guest/secure_rpc.sh.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/vm/common"

if ! why=$(vm_usable); then
	skip "secure_rpc" "$why"
	exit 0
fi
RPC=$(command -v vmware-rpctool) ||
    { fail "vmware-rpctool" "not installed (open-vm-tools)"; exit 1; }
VMTOOLSD=$(command -v vmtoolsd) ||
    { fail "vmtoolsd" "not installed (open-vm-tools)"; exit 1; }
vm_run --add "$RPC" --add "$VMTOOLSD" \
    --add "$TOP/tests/vm/guest/secure_rpc.sh" -- sh /pvbus/add/secure_rpc.sh
[ "$RC" = 125 ] && exit 0
echo "$OUT"
[ -n "$ERR" ] && echo "$ERR" | sed 's/^/guest stderr: /'
echo "$OUT" | grep -q '^PASS: ' || fail "guest" "no result (exit $RC)"
[ "$RC" = 0 ] || fail "guest" "exit $RC"
