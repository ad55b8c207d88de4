#!/bin/sh
# hostctl(8) of the arm64 build in the arm64 guest (qemu-run --arch arm64):
# one boot with fw_cfg entries, the checks in tests/vm/guest/arm64.sh; the
# JSON of -l -j is read here.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/vm/common"

arm64_built || exit 1

mk() {
	yes abcdefghijklmnopqrstuvwxyz0123456789 | tr -d '\n' |
	    head -c "$2" >"$T/$1.bin"
}
mk 60k 61440
mk big 65536

vm_run_arm64 --fw-cfg opt/org.example/k=v1 \
    --fw-cfg 'opt/org.example/sp=a b,c' \
    --fw-cfg opt/org.example/empty= \
    --fw-cfg-file "opt/org.example/f60k=$T/60k.bin" \
    --fw-cfg opt/org.example/d/x=deep \
    --fw-cfg-file "opt/org.other/big=$T/big.bin" \
    --add "$T/60k.bin" --add "$TOP/tests/vm/guest/arm64.sh" \
    -- sh /pvbus/add/arm64.sh
[ "$RC" = 125 ] && exit 1
echo "$OUT" | sed '/^@@JSON@@$/,/^@@JSON@@$/d'
[ -n "$ERR" ] && echo "$ERR" | sed 's/^/guest stderr: /'
echo "$OUT" | grep -q '^PASS: ' || fail "guest" "no result (exit $RC)"
[ "$RC" = 0 ] || fail "guest" "exit $RC"
echo "$OUT" | sed -n '/^@@JSON@@$/,/^@@JSON@@$/p' | sed '1d;$d' >"$T/tree.json"
if python3 -c '
import json, sys
t = json.load(open(sys.argv[1]))
assert t["vm"] == "qemu", t["vm"]
u = t["units"][0]
assert u["type"] == "QEMU" and u["name"] == "pvbus0", u
assert u["store"]["name"] == "fw_cfg", u["store"]
names = [d["name"] for d in u["devices"]]
assert "virtio-rng" in names and "virtio-balloon" in names, names
' "$T/tree.json" 2>"$T/py.err"; then
	pass "-l -j: JSON with the same facts"
else
	fail "-l -j: JSON with the same facts" "$(tail -n 1 "$T/py.err"): $(head -c 300 "$T/tree.json")"
fi
