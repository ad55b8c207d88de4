# hostctl -l against a hostile host: every string the host controls reaches
# the human output vis-encoded (no line can be forged, no terminal escape
# gets through); -j carries the same strings exactly, JSON-escaped.
. "$(dirname "$0")/../lib.sh"

H=$B/hostctl
XEN=$TOP/../shared/cpuid-dumps/xen-4.11-aws-c3.large.txt
ESC=$(printf '\033')

# clean NAME LINES: the output has exactly LINES lines, each a unit's, and
# no control character but their newlines; the closing summary line (the
# machine's kind, no host string in it) aside.
clean() {
	OUT=$(printf '%s\n' "$OUT" | sed '$ { /^pvbus: vm [a-z-]*, confidential [a-z-]*, container [a-z-]*$/d; }')
	n=$(printf '%s\n' "$OUT" | wc -l)
	bad=$(printf '%s' "$OUT" | tr -d '\n' | LC_ALL=C tr -d '[:print:]' | od -An -tx1 | tr -d ' \n')
	if [ "$RC" != 0 ]; then
		fail "$1" "exit $RC: $ERR"
	elif [ -n "$bad" ]; then
		fail "$1" "control bytes $bad in '$OUT'"
	elif [ "$n" != "$2" ] || printf '%s\n' "$OUT" | grep -qv '^pvbus0: '; then
		fail "$1" "$n lines, wanted $2: '$OUT'"
	else
		pass "$1"
	fi
}

# --- a XenStore server that names its devices with control characters, at
# a socket whose path has them too.
sock=$(printf '%s/xs\nline\033[7m' "$T")
python3 - "$sock" "$T/xs.ready" <<'EOF' &
import os, socket, struct, sys
path = os.fsencode(sys.argv[1])
tree = {
    b"domid": (2, b"5"),
    b"device": (1, b"vif\npvbus0: device forged\0vbd\033[2J\0"),
    b"device/vif\npvbus0: device forged": (1, b"0\r\0"),
    b"device/vbd\033[2J": (1, b"51712\b\a\0"),
}
srv = socket.socket(socket.AF_UNIX)
srv.bind(path)
srv.listen(4)
open(sys.argv[2], "w").close()
srv.settimeout(60)
while True:
    try:
        so, _ = srv.accept()
    except socket.timeout:
        break
    try:
        while True:
            h = b""
            while len(h) < 16:
                b = so.recv(16 - len(h))
                if not b:
                    raise EOFError
                h += b
            t, rid, tx, ln = struct.unpack("<IIII", h)
            body = b""
            while len(body) < ln:
                b = so.recv(ln - len(body))
                if not b:
                    raise EOFError
                body += b
            key = body.rstrip(b"\0")
            out = tree.get(key) if t in (1, 2) else None
            if out is None or out[0] != t:
                out = (16, b"ENOENT\0")
            so.sendall(struct.pack("<IIII", out[0], rid, tx, len(out[1])) + out[1])
    except (EOFError, OSError):
        so.close()
EOF
srv=$!
trap 'kill $srv 2>/dev/null; rm -rf "$T"' EXIT
i=0
while [ ! -e "$T/xs.ready" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
mkdir -p "$T/root/sys/hypervisor"
printf 'xen\033]0;title\a\n' >"$T/root/sys/hypervisor/type"

XENSTORED_PATH=$sock run "$H" -C "$XEN" -r "$T/root" -l
clean "xenstore: one line per device, no control bytes" 4
case $OUT in
*'device vif\npvbus0: device forged vif\npvbus0: device forged/0\r at pvbus0'*)
	pass "xenstore: a forged line stays inside its device's name" ;;
*)	fail "xenstore: forged line" "$OUT" ;;
esac
case $OUT in
*'device vbd\^[[2J vbd\^[[2J/51712\b\a at pvbus0'*)
	pass "xenstore: escape, backspace and BEL vis-encoded" ;;
*)	fail "xenstore: escape, backspace, BEL" "$OUT" ;;
esac
case $OUT in
*"store xenstore, read-write, $T/xs\\nline\\^[[7m"*)
	pass "xenstore: the store path vis-encoded" ;;
*)	fail "xenstore: store path" "$OUT" ;;
esac
case $OUT in
*', sys_hypervisor_type xen\^[]0;title\a'*)
	pass "sysfs: an attribute string vis-encoded" ;;
*)	fail "sysfs: attribute string" "$OUT" ;;
esac

XENSTORED_PATH=$sock run "$H" -C "$XEN" -r "$T/root" -l -j
printf '%s' "$OUT" | python3 -c '
import json, sys
u = json.load(sys.stdin)["units"][0]
names = sorted((d["name"], d["id"]) for d in u["devices"])
assert names == [("vbd\x1b[2J", "vbd\x1b[2J/51712\b\x07"),
    ("vif\npvbus0: device forged", "vif\npvbus0: device forged/0\r")], names
assert u["store"]["path"] == sys.argv[1], u["store"]
' "$sock" && pass "xenstore: -j carries the strings exactly" ||
    fail "xenstore: -j" "$OUT"

# A store that cannot be reached: its path, in the error, vis-encoded too.
XENSTORED_PATH=$T/no$ESC[1mne run "$H" -C "$XEN" -r "$T/root" data/k
case $ERR in
"hostctl: ioctl: No such device or address (xenstore: $T/no\\^[[1mne: "*)
	pass "xenstore: the store error on stderr vis-encoded" ;;
*)	fail "xenstore: store error on stderr" "$ERR" ;;
esac
XENSTORED_PATH=$T/no$ESC[1mne run "$H" -C "$XEN" -r "$T/root" -l
clean "xenstore: the store error in -l, no control bytes" 2

# --- a CPUID signature with newline, carriage return, backspace, BEL and an
# escape after the four printable bytes that make a unit, under hvsim:
# "Evil\n\r\b\a\033[J"
if why=$(hvsim_usable); then
	run "$B/hvsim" --profile none \
	    --cpuid 0x40000000=40000000,6c697645,07080d0a,004a5b1b -- "$H" -l
	clean "cpuid: a hostile signature, no control bytes" 2
	case $OUT in
	'pvbus0: unknown at 0x40000000-0x40000000 "Evil\n\r\b\a\^[[J"'*)
		pass "cpuid: the signature vis-encoded" ;;
	*)	fail "cpuid: the signature" "$OUT" ;;
	esac
	run "$B/hvsim" --profile none \
	    --cpuid 0x40000000=40000000,6c697645,07080d0a,004a5b1b -- "$H" -l -j
	printf '%s' "$OUT" | python3 -c '
import json, sys
u = json.load(sys.stdin)["units"][0]
assert u["signature"] == "Evil\n\r\b\x07\\^[[J", u["signature"]
' && pass "cpuid: -j as before (JSON escapes the controls)" ||
	    fail "cpuid: -j" "$OUT"
else
	skip "cpuid under hvsim" "$why"
fi
