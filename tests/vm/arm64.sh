#!/bin/sh
# tests/vm/qemu-run --arch arm64 itself: Debian's arm64 kernel in QEMU's virt
# machine (TCG) runs a command with status, stdout and stderr apart and
# byte-exact, and offers what identification on arm64 reads: the device tree
# QEMU made (linux,dummy-virt, the fw-cfg node) and fw_cfg's sysfs tree bound
# through it.  One boot, with an empty build: busybox and the --add files
# alone (the arm64 build's programs are tests/vm/arm64_*.sh's).
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/vm/common"

run "$QEMU_RUN" --arch sparc -- true
expect "unknown architecture" 125 "" \
    "qemu-run: unknown architecture: sparc (amd64 or arm64)"
run "$QEMU_RUN" --arch arm64 --oem-string a=b -- true
expect "--oem-string on arm64" 125 "" \
    "qemu-run: --oem-string: the arm64 guest has no SMBIOS (it boots without UEFI)"
# The amd64 build offered as the arm64 one is refused before any boot (after
# the kernel's first fetch, which says so on standard error).
PVBUS_BUILD_ARM64=$B run "$QEMU_RUN" --arch arm64 -- true
case $RC:$ERR in
"125:"*"qemu-run: $B/"*" is not an arm64 program")
	pass "an amd64 build is refused" ;;
*)	fail "an amd64 build is refused" "exit $RC: $ERR" ;;
esac

mkdir "$T/nobuild"

# Printable, so that a difference shows; 60 KiB as the fw_cfg cases use.
yes abcdefghijklmnopqrstuvwxyz0123456789 | tr -d '\n' | head -c 61440 \
    >"$T/60k.bin"

cat >"$T/guest-check" <<'GUEST'
#!/bin/sh
printf '%s|' "$@"; echo
echo "to stderr" >&2
id -u
command -v guest-check
printf 'raw\001\r\n'
uname -m
tr -d '\0' </proc/device-tree/compatible; echo
for n in /proc/device-tree/fw-cfg@*; do
	echo "${n##*/} $(tr -d '\0' <"$n/compatible")"
done
[ -e /proc/device-tree/hypervisor ] && echo "hypervisor node" ||
    echo "no hypervisor node"
cat /sys/firmware/qemu_fw_cfg/by_name/opt/org.example/k/raw; echo
cmp /sys/firmware/qemu_fw_cfg/by_name/opt/org.example/f60k/raw \
    /pvbus/add/60k.bin && echo "60k same"
[ -c /dev/cuse ] && echo "cuse"
exit 7
GUEST
chmod +x "$T/guest-check"
PVBUS_BUILD_ARM64=$T/nobuild vm_run --arch arm64 --fw-cfg opt/org.example/k=v1 \
    --fw-cfg-file "opt/org.example/f60k=$T/60k.bin" --add "$T/60k.bin" \
    --add "$T/guest-check" -- guest-check "a b" "it's" '$HOME' ""
[ "$RC" = 125 ] && exit 1
line() { echo "$OUT" | sed -n "$1p"; }
# check NAME LINE WANT
check() {
	[ "$(line "$2")" = "$3" ] && pass "$1" || fail "$1" "'$(line "$2")', wanted '$3'"
}
[ "$RC" = 7 ] && pass "exit status" || fail "exit status" "$RC, wanted 7"
check "arguments as given" 1 "a b|it's|\$HOME||"
[ "$ERR" = "to stderr" ] && pass "stderr apart" || fail "stderr apart" "'$ERR'"
check "runs as root" 2 0
check "--add files on PATH" 3 /pvbus/add/guest-check
hex=$(line 4 | od -An -tx1 | tr -d ' \n')
[ "$hex" = 726177010d0a ] && pass "output byte-exact" ||
    fail "output byte-exact" "$hex, wanted 726177010d0a"
check "the guest is arm64" 5 aarch64
check "device tree: QEMU's virt machine" 6 "linux,dummy-virt"
check "device tree: the fw-cfg node" 7 "fw-cfg@9020000 qemu,fw-cfg-mmio"
check "device tree: no hypervisor node under TCG" 8 "no hypervisor node"
check "fw_cfg in sysfs through the device tree" 9 v1
check "fw_cfg sysfs: a 60 KiB file" 10 "60k same"
check "CUSE for pvbusd" 11 cuse
[ "$(echo "$OUT" | wc -l)" = 11 ] && pass "nothing else on stdout" ||
    fail "nothing else on stdout" "$OUT"
