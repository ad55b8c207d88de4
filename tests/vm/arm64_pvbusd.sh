#!/bin/sh
# pvbusd(8) of the arm64 build in the arm64 guest (qemu-run --arch arm64),
# checked by pvconform cross-compiled for arm64 and linked statically, as
# the amd64 lane checks its own (tests/vm/pvbusd.sh): the OpenBSD ioctl ABI
# as arm64's compiler lays out struct pvbus_req, through arm64's CUSE.
#
# First /dev/pvbus0 is a Hyper-V unit from a CPUID dump (-C) with KVP pool
# files under a root (-r), a writable store whatever the machine: the whole
# contract, 4 clients of 500 ioctls, hostctl -f, SIGTERM.  Then it is the
# machine's own unit, QEMU from the device tree, with fw_cfg read-only: the
# contract of a read-only store, a 60 KiB file through the device, writes
# refused.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/vm/common"

cross=${CROSS_COMPILE:-aarch64-linux-gnu-}
if ${cross}gcc -static -std=gnu11 -Wall -Wextra -Werror -I"$TOP/include" \
    -o "$T/pvconform" "$TOP/tests/helpers/pvconform.c" 2>"$T/cc.err" &&
    readelf -h "$T/pvconform" | grep -q 'Machine:.*AArch64' &&
    ! readelf -l "$T/pvconform" | grep -q INTERP; then
	pass "pvconform for arm64 builds statically against pvvar.h alone"
else
	fail "pvconform for arm64 builds statically against pvvar.h alone" \
	    "$(head -c 300 "$T/cc.err")"
	exit 1
fi
arm64_built || exit 1

grep -v '^#' "$TOP/../shared/cpuid-dumps/hyperv-azure-2023-icelake.txt" \
    >"$T/dump"
yes abcdefghijklmnopqrstuvwxyz0123456789 | tr -d '\n' | head -c 61440 \
    >"$T/60k.bin"

cat >"$T/guest.sh" <<'EOF'
# In the guest: PASS/FAIL lines on stdout, SECTION-DONE for the host.
pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1: $2"; }
check() { name=$1; shift; if "$@"; then pass "$name"; else fail "$name" "$*"; fi; }
finished() { echo "SECTION-DONE: $1"; }
conform=/pvbus/add/pvconform
dump=/pvbus/add/dump
root=/tmp/root
pools=$root/var/lib/hyperv
mkdir -p "$pools"
for i in 0 1 2 3 4; do : >"$pools/.kvp_pool_$i"; done
chmod 644 "$pools"/.kvp_pool_*
# within TENTHS CMD...: CMD succeeds before TENTHS tenths of a second pass
within() {
	w=$1; shift
	until "$@"; do
		w=$((w - 1)); [ $w -lt 0 ] && return 1
		sleep 0.1
	done
}
nprocs() { test "$(pidof pvbusd | wc -w)" = "$1"; }
gone() { test ! -e /dev/pvbus0; }

if pvbusd -C "$dump" -r "$root" 2>/tmp/start.err; then
	pass "daemon starts"
else
	fail "daemon starts" "exit $?: $(cat /tmp/start.err)"
	exit 1
fi
check "the node exists when pvbusd returns" test -c /dev/pvbus0
check "no second node" test ! -e /dev/pvbus1
check "daemon start is quiet" test ! -s /tmp/start.err
finished start

$conform check /dev/pvbus0 Hyper-V rw Guest/pvc ||
    fail "pvconform check /dev/pvbus0" "exit $?"
finished check

out=$(hostctl -t -f /dev/pvbus0 2>&1)
check "hostctl -t" test "$out" = "/dev/pvbus0: Hyper-V"
out=$(hostctl -f /dev/pvbus0 Guest/hostctl 'from the arm64 guest' 2>&1)
check "hostctl writes" test $? = 0
out=$(hostctl -f /dev/pvbus0 Guest/hostctl 2>&1)
check "hostctl reads" test "$out" = "from the arm64 guest"
check "the write is in the Guest pool file" \
    grep -q 'from the arm64 guest' "$pools/.kvp_pool_1"
out=$(hostctl -f /dev/pvbus0 Guest/ 2>&1)
case "
$out
" in
*"
hostctl
"*)	pass "hostctl lists" ;;
*)	fail "hostctl lists" "got '$out'" ;;
esac
finished hostctl

$conform stress /dev/pvbus0 Hyper-V 4 500 Guest/stress ||
    fail "pvconform stress" "exit $?"
finished stress

sup=$(pidof pvbusd | tr ' ' '\n' | sort -n | head -n 1)
kill "$sup"
check "SIGTERM removes the device" within 100 gone
check "SIGTERM ends every process" within 100 nprocs 0
finished sigterm

# The machine's own unit.
if pvbusd 2>/tmp/start.err; then
	pass "machine: daemon starts"
else
	fail "machine: daemon starts" "exit $?: $(cat /tmp/start.err)"
	exit 1
fi
# By another name, so that its cases are told from the first unit's.
ln -s /dev/pvbus0 /tmp/machine-pvbus0
$conform check /tmp/machine-pvbus0 QEMU ro opt/org.example/k v1 ||
    fail "pvconform check /dev/pvbus0 (machine)" "exit $?"
out=$(hostctl -t -f /dev/pvbus0 2>&1)
check "machine: hostctl -t" test "$out" = "/dev/pvbus0: QEMU"
out=$(hostctl -f /dev/pvbus0 opt/org.example/f60k 2>&1)
check "machine: a 60 KiB file through the device" \
    test "$out" = "$(cat /pvbus/add/60k.bin)"
out=$(hostctl -f /dev/pvbus0 opt/org.example 2>&1)
check "machine: hostctl lists" test "$out" = "f60k
k"
out=$(hostctl -f /dev/pvbus0 opt/org.example/k v2 2>&1)
check "machine: a write is refused" \
    test "$?:$out" = "1:hostctl: ioctl: Read-only file system"
kill "$(pidof pvbusd | tr ' ' '\n' | sort -n | head -n 1)"
check "machine: SIGTERM removes the device" within 100 gone
finished machine
exit 0
EOF

PVBUS_VM_TIMEOUT=${PVBUS_VM_TIMEOUT:-300} vm_run_arm64 \
    --fw-cfg opt/org.example/k=v1 \
    --fw-cfg-file "opt/org.example/f60k=$T/60k.bin" --add "$T/60k.bin" \
    --add "$T/pvconform" --add "$T/dump" --add "$T/guest.sh" \
    -- sh /pvbus/add/guest.sh
[ "$RC" = 125 ] && exit 1
echo "$OUT" | grep -v '^SECTION-DONE: '
echo "$OUT" | grep -q '^FAIL: ' && echo "$ERR" | sed 's/^/    guest stderr: /' | tail -n 20
[ "$RC" = 0 ] || fail "guest" "exit $RC: $(echo "$ERR" | tail -n 5 | tr '\n' ' ')"
missing=
for s in start check hostctl stress sigterm machine; do
	echo "$OUT" | grep -qx "SECTION-DONE: $s" || missing="$missing $s"
done
if [ -n "$missing" ]; then
	fail "guest: every section finished" "not finished:$missing"
else
	pass "guest: every section finished"
fi
