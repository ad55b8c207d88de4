#!/bin/sh
# tests/vm/qemu-run itself: status, stdout and stderr apart and byte-exact,
# arguments as given, --add files and the build's programs on PATH, root,
# and the acceptance example with fw_cfg.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/vm/common"

if ! why=$(vm_usable); then
	skip "runner" "$why"
	exit 0
fi

run "$QEMU_RUN" sh -c true
expect "usage without --" 125 "" \
    "usage: qemu-run [--arch amd64|arm64] [--fw-cfg NAME=STRING]...
                [--fw-cfg-file NAME=PATH]... [--oem-string STRING]...
                [--add PATH]... -- COMMAND [ARGS...]"
run "$QEMU_RUN" --add "$T/none" -- true
expect "--add of a missing file" 125 "" "qemu-run: no such file: $T/none"

cat >"$T/guest-check" <<'GUEST'
#!/bin/sh
printf '%s|' "$@"; echo
echo "to stderr" >&2
id -u
command -v hostctl
printf 'raw\001\r\n'
exit 7
GUEST
chmod +x "$T/guest-check"
vm_run --add "$T/guest-check" -- guest-check "a b" "it's" '$HOME' ""
if [ "$RC" != 125 ]; then
	[ "$RC" = 7 ] && pass "exit status" || fail "exit status" "$RC, wanted 7"
	[ "$(echo "$OUT" | sed -n 1p)" = "a b|it's|\$HOME||" ] &&
	    pass "arguments as given" ||
	    fail "arguments as given" "$(echo "$OUT" | sed -n 1p)"
	[ "$ERR" = "to stderr" ] && pass "stderr apart" ||
	    fail "stderr apart" "'$ERR'"
	[ "$(echo "$OUT" | sed -n 2p)" = 0 ] && pass "runs as root" ||
	    fail "runs as root" "$(echo "$OUT" | sed -n 2p)"
	[ "$(echo "$OUT" | sed -n 3p)" = /pvbus/bin/hostctl ] &&
	    pass "build on PATH" || fail "build on PATH" "$(echo "$OUT" |
	    sed -n 3p)"
	hex=$(echo "$OUT" | sed -n 4p | od -An -tx1 | tr -d ' \n')
	[ "$hex" = 726177010d0a ] && pass "output byte-exact" ||
	    fail "output byte-exact" "$hex, wanted 726177010d0a"
	[ "$(echo "$OUT" | wc -l)" = 4 ] && pass "nothing else on stdout" ||
	    fail "nothing else on stdout" "$OUT"
fi

# The issue's example, as written.
vm_run --fw-cfg opt/org.example/k=v1 -- hostctl opt/org.example/k
[ "$RC" != 125 ] && expect "fw_cfg example" 0 "v1"
