#!/bin/sh
# fw_cfg in a QEMU (TCG) guest: one boot, the checks in tests/vm/guest/fwcfg.sh.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/vm/common"

if ! why=$(vm_usable); then
	skip "fwcfg" "$why"
	exit 0
fi

# Files of the sizes that matter, printable so hostctl shows them as they are.
mk() {
	yes abcdefghijklmnopqrstuvwxyz0123456789 | tr -d '\n' |
	    head -c "$2" >"$T/$1.bin"
}
printf 'Z' >"$T/one.bin"
mk 4k 4096
mk 60k 61440
mk big 65536

vm_run --fw-cfg opt/org.example/k=v1 \
    --fw-cfg 'opt/org.example/sp=a b,c' \
    --fw-cfg opt/org.example/empty= \
    --fw-cfg-file "opt/org.example/f1=$T/one.bin" \
    --fw-cfg-file "opt/org.example/f4k=$T/4k.bin" \
    --fw-cfg-file "opt/org.example/f60k=$T/60k.bin" \
    --fw-cfg opt/org.example/d/x=deep \
    --fw-cfg-file "opt/org.other/big=$T/big.bin" \
    --add "$T/one.bin" --add "$T/4k.bin" --add "$T/60k.bin" \
    --add "$TOP/tests/vm/guest/fwcfg.sh" \
    -- sh /pvbus/add/fwcfg.sh
[ "$RC" = 125 ] && exit 0
echo "$OUT"
[ -n "$ERR" ] && echo "$ERR" | sed 's/^/guest stderr: /'
echo "$OUT" | grep -q '^PASS: ' || fail "guest" "no result (exit $RC)"
[ "$RC" = 0 ] || fail "guest" "exit $RC"
