#!/bin/sh
# The static hostctl (make static) in a QEMU guest from which every shared
# library has been removed: it identifies the TCG unit and reads fw_cfg,
# through sysfs and then through the ports.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/vm/common"

h=$B/static/hostctl
if [ ! -x "$h" ]; then
	fail "static hostctl" "$h not built (make static)"
	exit 1
fi
if readelf -l "$h" | grep -q INTERP || readelf -d "$h" | grep -q NEEDED; then
	fail "static hostctl has no interpreter and needs no library" \
	    "$(readelf -ld "$h" | grep -E 'INTERP|NEEDED')"
else
	pass "static hostctl has no interpreter and needs no library"
fi
if ! why=$(vm_usable); then
	skip "static hostctl in the guest" "$why"
	exit 0
fi
# In a directory of its own: /pvbus/add, where qemu-run puts it, comes
# first on the guest's PATH.
mkdir "$T/static" && cp "$h" "$T/static/hostctl"

cat >"$T/guest.sh" <<'G'
. "$PVBUS_TOP/tests/lib.sh"
s=/pvbus/add/static/hostctl
run hostctl -t
expect "the build's hostctl runs before" 0 "/dev/pvbus0: TCG"
# Every shared object and the dynamic linker go; the modules are loaded.
find / -xdev \( -name '*.so' -o -name '*.so.*' -o -name 'ld-linux*' \) \
    ! -path '/proc/*' ! -path '/sys/*' -exec rm -f {} + 2>/dev/null
left=$(find / -xdev \( -name '*.so' -o -name '*.so.*' \) ! -path '/proc/*' \
    ! -path '/sys/*' | head -n 3)
run hostctl -t
if [ -z "$left" ] && [ "$RC" != 0 ]; then
	pass "no shared library left (the build's hostctl cannot start)"
else
	fail "no shared library left" "exit $RC, left: $left"
fi
run $s -t
expect "static: -t" 0 "/dev/pvbus0: TCG"
run $s opt/org.example/static
expect "static: read through sysfs" 0 "from the host"
run $s -l
echo "$OUT" | grep -qx 'pvbus0: store fw_cfg, read-only, /sys/firmware/qemu_fw_cfg' &&
    pass "static: -l shows the store" || fail "static: -l shows the store" "$OUT"
if rmmod qemu_fw_cfg && [ ! -e /sys/firmware/qemu_fw_cfg ]; then
	run $s opt/org.example/static
	expect "static: read through the ports" 0 "from the host"
else
	fail "static: read through the ports" "cannot unload qemu_fw_cfg"
fi
run $s opt/org.example/none
expect "static: missing key" 1 "" "hostctl: ioctl: No such file or directory"
G

vm_run --fw-cfg "opt/org.example/static=from the host" \
    --add "$T/static" --add "$T/guest.sh" -- sh /pvbus/add/guest.sh
[ "$RC" = 125 ] && exit 0
echo "$OUT"
[ -n "$ERR" ] && echo "$ERR" | sed 's/^/guest stderr: /'
echo "$OUT" | grep -q '^PASS: ' || fail "guest" "no result (exit $RC)"
[ "$RC" = 0 ] || fail "guest" "exit $RC"
