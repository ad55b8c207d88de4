# The library and hostctl under valgrind: no invalid access, no leak.
. "$(dirname "$0")/../lib.sh"

DUMPS=$TOP/../shared/cpuid-dumps
FIX=$TOP/tests/fixtures
vg() {
	valgrind -q --error-exitcode=9 --leak-check=full \
	    --errors-for-leak-kinds=definite,indirect "$@"
}

# The sanitizer build cannot run under valgrind: .ci/run leaves this lane
# out of it.
if ! command -v valgrind >/dev/null; then
	fail "valgrind" "valgrind is not installed (tools/deps build test)"
	exit 1
fi

run vg "$B/hostctl" -l -j
[ $RC = 0 ] && pass "valgrind: hostctl -l -j on this machine" ||
    fail "valgrind: hostctl -l -j" "$ERR"
for d in "hyperv-azure-2023-icelake.txt hyperv" "xen-4.11-aws-c3.large.txt xen" \
    "vmware-xeon-E5-2670v3-server.txt vmware" "kvm-qemu-6.0dev-cpu-host-i7-8650U.txt kvm"; do
	set -- $d
	run vg "$B/hostctl" -C "$DUMPS/$1" -r "$FIX/sys/$2" -l
	[ $RC = 0 ] && pass "valgrind: hostctl -l with $1 and the $2 tree" ||
	    fail "valgrind: $1" "$ERR"
done
mkdir -p "$T/empty"
for args in "-l -v" "-s -v" "-t -v"; do
	run vg "$B/hostctl" $args
	[ $RC -le 1 ] && [ -n "$ERR" ] && ! echo "$ERR" | grep -q '^==' &&
	    pass "valgrind: hostctl $args (identification and its evidence)" ||
	    fail "valgrind: hostctl $args" "$RC $ERR"
done
run vg "$B/hostctl" -C "$DUMPS/kvm-qemu-6.0dev-cpu-host-i7-8650U.txt" -r "$T/empty" some/key
[ $RC = 1 ] && [ "$ERR" = "hostctl: ioctl: No such device or address (fw_cfg: /sys/firmware/qemu_fw_cfg: No such file or directory)" ] &&
    pass "valgrind: hostctl error path" || fail "valgrind: error path" "$ERR"
for t in "$B"/tests/*; do
	n=$(basename "$t")
	[ -f "$TOP/tests/unit/$n.c" ] || continue
	vg "$t" >/dev/null 2>"$T/vg.err"
	rc=$?
	[ $rc = 0 ] && pass "valgrind: unit/$n" ||
	    fail "valgrind: unit/$n" "exit $rc: $(head -5 "$T/vg.err")"
done
# The fuzz targets on their corpora, with fewer mutations than the unit lane.
for t in "$B"/tests/replay_*; do
	n=${t##*/replay_}
	[ -f "$TOP/fuzz/$n.c" ] || continue
	vg "$t" -m 2000 "$TOP/fuzz/corpus/$n" >/dev/null 2>"$T/vg.err"
	rc=$?
	[ $rc = 0 ] && pass "valgrind: replay_$n" ||
	    fail "valgrind: replay_$n" "exit $rc: $(head -5 "$T/vg.err")"
done
