#!/bin/sh
# pvbusd(8) in a QEMU guest, which has CUSE as a module: the guest first
# unloads it to see pvbusd fail without CUSE, then loads it again.
#
# The guest gets two units from a CPUID dump (-C): KVM at 0x40000100 with no
# store and Hyper-V at 0x40000000 with KVP pool files under a root (-r), so
# /dev/pvbus0 has no store and /dev/pvbus1 a writable one.  A statically
# linked pvconform, built only against <dev/pv/pvvar.h>, checks the ioctl
# contract on both; hostctl -f reads, writes and lists; 8 clients make 1000
# ioctls each; pvbusd is killed and restarted under load.
. "$(dirname "$0")/../lib.sh"

dumps=$TOP/../shared/cpuid-dumps

# Start-up errors, checked here: they need no device.
run "$B/pvbusd" -x
expect "usage" 1 "" \
    "$(printf '%s\n%s\n%s' "$B/pvbusd: invalid option -- 'x'" \
    "usage: pvbusd [-ad] [-C dump] [-g group] [-m mode] [-o name=value] [-r root]" \
    "              [-T timeout]")"
run "$B/pvbusd" -d -T 0
expect "timeout of 0" 1 "" "pvbusd: invalid timeout: 0"
run "$B/pvbusd" -d -T 5s
expect "timeout with a unit" 1 "" "pvbusd: invalid timeout: 5s"
run "$B/pvbusd" -d -o interval=0
expect "-o interval out of range" 1 "" \
    "pvbusd: -o interval=0: want seconds from 1 to 86400"
run "$B/pvbusd" -d -o cmd_timeout=0
expect "-o cmd_timeout out of range" 1 "" \
    "pvbusd: -o cmd_timeout=0: want seconds from 1 to 3600"
run "$B/pvbusd" -d -o cmd_timeout=5s
expect "-o cmd_timeout not a number" 1 "" \
    "pvbusd: -o cmd_timeout=5s: want seconds from 1 to 3600"
run "$B/pvbusd" -d -o color=red
expect "-o unknown name" 1 "" \
    "pvbusd: -o color: unknown; known: halt, reboot, nics, interval, cmd_timeout"
run "$B/pvbusd" -d -o halt
expect "-o without a value" 1 "" "pvbusd: -o halt: want name=value"
run "$B/pvbusd" -d -o halt=
expect "-o with an empty command" 1 "" "pvbusd: -o halt: empty command"
run "$B/pvbusd" -a -d
expect "-a without a VMware unit" 1 "" \
    "pvbusd: -a: no interface here has an agent"
run "$B/pvbusd" -d -m 1777
expect "mode out of range" 1 "" "pvbusd: invalid mode: 1777"
run "$B/pvbusd" -d -m 64x
expect "mode not octal" 1 "" "pvbusd: invalid mode: 64x"
run "$B/pvbusd" -d -g no-such-group-here
expect "unknown group" 1 "" "pvbusd: unknown group: no-such-group-here"
printf '   0x00000001 0x00: eax=0x00000000 ebx=0x00000000 ecx=0x00000000 edx=0x00000000\n' \
    >"$T/bare"
run "$B/pvbusd" -d -C "$T/bare"
expect "no hypervisor" 1 "" "pvbusd: no hypervisor interface found"
run "$B/pvbusd" -C "$T/bare"
expect "no hypervisor, daemon mode" 1 "" \
    "pvbusd: no hypervisor interface found"

# The conformance program: pvvar.h and libc only, linked statically.
if ${CC:-cc} -static -std=gnu11 -Wall -Wextra -Werror -I"$TOP/include" \
    -o "$T/pvconform" "$TOP/tests/helpers/pvconform.c" 2>"$T/cc.err" &&
    ! readelf -l "$T/pvconform" | grep -q INTERP; then
	pass "pvconform builds statically against pvvar.h alone"
else
	fail "pvconform builds statically against pvvar.h alone" \
	    "$(head -c 300 "$T/cc.err")"
	exit 1
fi

runner=$TOP/tests/vm/qemu-run

# Hyper-V at 0x40000000 and KVM at 0x40000100, from real dumps.
{
	grep -v '^#' "$dumps/kvm-qemu-hv-enlightenments-i9-13900K.txt"
	grep -E '^ *0x4000000[01] ' "$dumps/kvm-qemu-6.0dev-cpu-host-i7-8650U.txt" |
	    sed 's/0x4000000\([01]\)/0x4000010\1/g'
} >"$T/dump"

cat >"$T/guest.sh" <<'EOF'
# In the guest: PASS/FAIL lines on stdout.
pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1: $2"; }
check() { name=$1; shift; if "$@"; then pass "$name"; else fail "$name" "$*"; fi; }
# The host checks that each section printed its line.
finished() { echo "SECTION-DONE: $1"; }
conform=/pvbus/add/pvconform
# A sanitizer build's default quarantine (256 MiB) outgrows the guest.
export ASAN_OPTIONS=${ASAN_OPTIONS:-quarantine_size_mb=16}
dump=/pvbus/add/dump
root=/tmp/root
pools=$root/var/lib/hyperv
mkdir -p "$pools"
for i in 0 1 2 3 4; do : >"$pools/.kvp_pool_$i"; done
chmod 644 "$pools"/.kvp_pool_*

gone() {	# wait until no /dev/pvbus node is left
	i=0
	while [ -e /dev/pvbus0 ] || [ -e /dev/pvbus1 ]; do
		i=$((i + 1)); [ $i -gt 100 ] && return 1
		sleep 0.05
	done
}
alive() { kill -0 "$1" 2>/dev/null; }
# dead PID: PID has ended (a zombie has; its parent has not waited yet)
dead() {
	st=$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)
	[ -z "$st" ] || [ "$st" = Z ]
}
# within TENTHS CMD...: CMD succeeds before TENTHS tenths of a second pass
within() {
	w=$1; shift
	until "$@"; do
		w=$((w - 1)); [ $w -lt 0 ] && return 1
		sleep 0.1
	done
}
nprocs() { test "$(pidof pvbusd | wc -w)" = "$1"; }
every_load() {	# every load client printed the line $1
	for l in 1 2 3 4; do
		grep -qx "$1" /tmp/load$l.out 2>/dev/null || return 1
	done
}

# Without CUSE pvbusd fails at start and leaves nothing behind.
if ! rmmod cuse 2>/tmp/rmmod.err || [ -e /dev/cuse ]; then
	fail "no CUSE: fails at start" "cannot unload cuse: $(cat /tmp/rmmod.err)"
else
	pvbusd -C "$dump" -r "$root" 2>/tmp/nocuse.err
	rc=$?
	case $rc:$(cat /tmp/nocuse.err) in
	1:*"pvbus0: cannot create the device"*)
		pass "no CUSE: fails at start" ;;
	*)	fail "no CUSE: fails at start" \
		    "exit $rc, stderr '$(cat /tmp/nocuse.err)'" ;;
	esac
	if within 50 nprocs 0 && [ ! -e /dev/pvbus0 ] && [ ! -e /dev/pvbus1 ]; then
		pass "no CUSE: nothing left behind"
	else
		fail "no CUSE: nothing left behind" "pids '$(pidof pvbusd)'"
	fi
fi
[ -e /dev/cuse ] || insmod /lib/modules/cuse.ko
within 50 test -c /dev/cuse || { fail "cuse loads again" "no /dev/cuse"; exit 1; }
finished no-cuse

# Daemon mode: the starting process returns once the nodes exist.  The
# store timeout outlasts every check on a stuck store below.
if pvbusd -m 0660 -g 42 -C "$dump" -r "$root" -T 600000 2>/tmp/start.err
then
	pass "daemon starts"
else
	fail "daemon starts" "exit $?: $(cat /tmp/start.err)"
	exit 1
fi
check "nodes exist when pvbusd returns" \
    test -c /dev/pvbus0 -a -c /dev/pvbus1
check "daemon start is quiet" test ! -s /tmp/start.err
check "mode and group from -m and -g" \
    test "$(stat -c '%a %g' /dev/pvbus1)" = "660 42"
if within 50 nprocs 3; then
	pass "one supervisor and one process per device"
else
	fail "one supervisor and one process per device" "pids '$(pidof pvbusd)'"
fi
finished start

# The contract, through a program that knows only pvvar.h.
$conform check /dev/pvbus0 KVM none ||
    fail "pvconform check /dev/pvbus0" "exit $?"
finished check-pvbus0
$conform check /dev/pvbus1 Hyper-V rw Guest/pvc ||
    fail "pvconform check /dev/pvbus1" "exit $?"
finished check-pvbus1

# hostctl in device mode.
out=$(hostctl -t -f /dev/pvbus1 2>&1)
check "hostctl -t" test "$out" = "/dev/pvbus1: Hyper-V"
out=$(hostctl -f /dev/pvbus1 Guest/hostctl 'from the guest' 2>&1)
check "hostctl writes" test $? = 0
# The device path and the library called in-process answer alike.
lib=$(hostctl -C "$dump" -r "$root" -f /dev/pvbus1 Guest/inproc 'from the guest' 2>&1)
check "hostctl write output as in-process" test "$out" = "$lib"
out=$(hostctl -f /dev/pvbus1 Guest/hostctl 2>&1)
check "hostctl reads" test "$out" = "from the guest"
check "the write is in the Guest pool file" \
    grep -q 'from the guest' "$pools/.kvp_pool_1"
out=$(hostctl -f /dev/pvbus1 Guest/ 2>&1)
case "
$out
" in
*"
hostctl
"*)	pass "hostctl lists" ;;
*)	fail "hostctl lists" "got '$out'" ;;
esac
out=$(hostctl -f /dev/pvbus0 some/key 2>&1)
check "hostctl on a unit without a store" \
    test "$?:$out" = "1:hostctl: ioctl: No such device or address"
finished hostctl

# A read stuck on the KVP pool lock holds up no request that needs no
# store, and its caller, and one queued behind it, can be killed: each is
# answered when interrupted, while the lock is still held.
kvp_tool lock "$pools/.kvp_pool_1" 600 /tmp/locked &
locker=$!
within 300 test -e /tmp/locked || fail "stuck store: lock held" "no /tmp/locked"
hostctl -f /dev/pvbus1 Guest/hostctl >/tmp/stuck1.out 2>&1 &
stuck1=$!
# The read is in pvbusd's store call once pvbusd has the pool open: it
# keeps trying the lock until the store timeout.
pool_open() {
	for p in $(pidof pvbusd); do
		ls -l "/proc/$p/fd" 2>/dev/null | grep -q '/\.kvp_pool_1$' &&
		    return 0
	done
	return 1
}
within 300 pool_open ||
    fail "stuck store: the read waits on the lock" "$(cat /proc/locks)"
hostctl -f /dev/pvbus1 Guest/hostctl >/tmp/stuck2.out 2>&1 &
stuck2=$!
# The second is with pvbusd once it waits for the answer to its ioctl.
in_ioctl() {
	read -r nr rest <"/proc/$1/syscall" && [ "$nr" = 16 ] &&
	    grep -q request_wait_answer "/proc/$1/stack"
}
within 300 in_ioctl $stuck2 ||
    fail "stuck store: the second read waits for its answer" \
    "$(cat /proc/$stuck2/syscall) $(cat /proc/$stuck2/stack)"
# Each of these must end while the lock is held; one that does not is
# freed below, when the lock goes.
hostctl -t -f /dev/pvbus1 >/tmp/type.out 2>&1 &
typec=$!
$conform refused /dev/pvbus1 Hyper-V >/tmp/refused.out 2>&1 &
refused=$!
if within 300 dead $typec; then
	check "stuck store: TYPE answers on the same device" \
	    test "$(cat /tmp/type.out)" = "/dev/pvbus1: Hyper-V"
else
	fail "stuck store: TYPE answers on the same device" "no answer"
fi
if within 300 dead $refused; then
	cat /tmp/refused.out
else
	fail "stuck store: refused requests answer too" "no answer"
fi
check "stuck store: the reads still wait" alive $stuck1
check "stuck store: the reads still wait (queued)" alive $stuck2
kill -9 $stuck2
check "stuck store: SIGKILL ends a queued read" within 300 dead $stuck2
kill -9 $stuck1
check "stuck store: SIGKILL ends the read under way" within 300 dead $stuck1
check "stuck store: the lock is still held" alive $locker
kill $locker
wait $locker $stuck1 $stuck2 $typec $refused
out=$(hostctl -f /dev/pvbus1 Guest/hostctl 2>&1)
check "stuck store: the device serves once the lock is free" \
    test "$out" = "from the guest"
check "stuck store: every process still runs" nprocs 3
finished stuck

# Concurrent clients, each on its own keys.
$conform stress /dev/pvbus1 Hyper-V 8 1000 Guest/stress ||
    fail "pvconform stress" "exit $?"
finished stress

# Killed under load, then restarted: errors, never wrong data.  Each client
# reads until 20 reads in a row succeeded, sees the outage, and stops after
# 20 good reads in a row once more (or fails after 120 s).
for i in 1 2 3 4; do
	$conform load /dev/pvbus1 Guest/hostctl 'from the guest' 20 120 \
	    >/tmp/load$i.out 2>/tmp/load$i.err &
	eval load$i=\$!
done
within 600 every_load up ||
    fail "load clients under way" "$(cat /tmp/load?.out | tr '\n' ' ')"
kill -9 $(pidof pvbusd)
check "devices go when pvbusd is killed" gone
within 600 every_load down ||
    fail "load clients see the outage" "$(cat /tmp/load?.out | tr '\n' ' ')"
if pvbusd -C "$dump" -r "$root" 2>/tmp/restart.err; then
	pass "restarts"
else
	fail "restarts" "$(cat /tmp/restart.err)"
fi
for i in 1 2 3 4; do
	eval wait \$load$i
	rc=$?
	set -- $(tail -n 1 /tmp/load$i.out)
	# ok N errors N wrong N recovered N
	if [ $rc -ne 0 ] || [ "$6" != 0 ]; then
		fail "client $i under restart" "rc $rc, $* $(head -c 200 /tmp/load$i.err)"
	elif [ "$4" -eq 0 ] || [ "$8" -lt 20 ]; then
		fail "client $i under restart" "saw no outage or no recovery: $*"
	else
		pass "client $i under restart"
	fi
done
finished restart

# SIGTERM removes the devices and ends every process.
sup=$(pidof pvbusd | tr ' ' '\n' | sort -n | head -n 1)
kill "$sup"
check "SIGTERM removes the devices" gone
if within 50 nprocs 0; then
	pass "SIGTERM ends every process"
else
	fail "SIGTERM ends every process" "pids '$(pidof pvbusd)'"
fi
finished sigterm

# -d: foreground, messages on stderr, SIGTERM ends it with status 0.  A
# store bound of 300 ms, for a request that gives up on a lock.
pvbusd -d -C "$dump" -r "$root" -T 300 2>/tmp/fg.err &
fg=$!
i=0
while [ ! -c /dev/pvbus1 ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
check "-d stays in the foreground" alive $fg
check "-d logs to stderr" within 50 grep -q '^pvbusd: /dev/pvbus1: Hyper-V$' /tmp/fg.err
out=$(hostctl -f /dev/pvbus1 Guest/hostctl 2>&1)
check "-d serves" test "$out" = "from the guest"
# What a request gave up on is logged: the caller sees only EBUSY.
kvp_tool lock "$pools/.kvp_pool_1" 600 /tmp/locked2 &
locker=$!
within 300 test -e /tmp/locked2 || fail "give-up: lock held" "no /tmp/locked2"
out=$(hostctl -f /dev/pvbus1 Guest/hostctl 2>&1)
check "a read on a held lock fails with EBUSY" \
    test "$out" = "hostctl: ioctl: Device or resource busy"
if grep -qx "pvbusd: pvbus1: a request gave up: kvp: /var/lib/hyperv/.kvp_pool_1: locked by another process for 300 ms" \
    /tmp/fg.err; then
	pass "pvbusd logs what the read gave up on"
else
	fail "pvbusd logs what the read gave up on" "$(cat /tmp/fg.err)"
fi
kill $locker
wait $locker
kill $fg
wait $fg
check "-d: SIGTERM gives status 0" test $? = 0
check "-d: devices removed" gone
finished foreground
exit 0
EOF

PVBUS_VM_TIMEOUT=${PVBUS_VM_TIMEOUT:-300} "$runner" --add "$T/pvconform" \
    --add "$T/dump" --add "$T/guest.sh" -- sh /pvbus/add/guest.sh \
    >"$T/vm.out" 2>"$T/vm.err"
rc=$?
grep -v '^SECTION-DONE: ' "$T/vm.out"
grep -q '^FAIL: ' "$T/vm.out" && sed 's/^/    guest stderr: /' "$T/vm.err" | tail -n 20
[ $rc -ne 0 ] &&
    fail "guest" "exit $rc: $(tail -n 5 "$T/vm.err" | tr '\n' ' ')"
missing=
for s in no-cuse start check-pvbus0 check-pvbus1 hostctl stuck stress restart \
    sigterm foreground; do
	grep -qx "SECTION-DONE: $s" "$T/vm.out" || missing="$missing $s"
done
if [ -n "$missing" ]; then
	fail "guest: every section finished" "not finished:$missing"
else
	pass "guest: every section finished"
fi
