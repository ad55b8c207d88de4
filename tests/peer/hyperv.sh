#!/bin/sh
# Hyper-V KVP against the real hv_kvp_daemon (Debian hyperv-daemons), run by
# the host model build/kvphost, in a private mount and UTS namespace with its
# own /var/lib/hyperv.  hostctl reaches the Hyper-V unit through hvsim's
# hyperv profile, and through a Hyper-V CPUID dump (-C) as well.

DAEMON=/usr/sbin/hv_kvp_daemon
POOLS=/var/lib/hyperv

# Into the namespaces first, so lib.sh's scratch directory is made there.
if [ -z "$KVP_IN_NS" ]; then
	[ "$(id -u)" = 0 ] || { echo "needs root for unshare -m"; exit 77; }
	[ -x "$DAEMON" ] ||
	    { echo "FAIL: hv_kvp_daemon: no $DAEMON (hyperv-daemons)"; exit 1; }
	KVP_IN_NS=1 exec unshare -m -u --propagation private sh "$0" "$@"
fi
. "$(dirname "$0")/../lib.sh"

# Inside the namespaces: pools on a tmpfs, a fixed host name.  The tmpfs
# goes over /var/lib, so that nothing outside (a /var/lib/hyperv made or
# removed meanwhile, which would detach a mount on it) can reach the pools.
mount -t tmpfs kvp /var/lib && mkdir "$POOLS" ||
    { fail "pools on a tmpfs" "cannot mount a tmpfs for $POOLS"; exit 1; }
hostname kvpguest

TOOL=$B/tests/kvp_tool
P0=$POOLS/.kvp_pool_0
P1=$POOLS/.kvp_pool_1

# Leaves 1 and 0x40000000.. of a Hyper-V guest (Azure).
cat >"$T/hyperv.cpuid" <<'EOF'
   0x00000000 0x00: eax=0x00000015 ebx=0x756e6547 ecx=0x6c65746e edx=0x49656e69
   0x00000001 0x00: eax=0x000606a6 ebx=0x00400800 ecx=0xfeda3223 edx=0x1f8bfbff
   0x40000000 0x00: eax=0x4000000a ebx=0x7263694d ecx=0x666f736f edx=0x76482074
   0x40000001 0x00: eax=0x31237648 ebx=0x00000000 ecx=0x00000000 edx=0x00000000
EOF

hostctl() { "$B/hostctl" -C "$T/hyperv.cpuid" "$@"; }
hvsim_hostctl() { "$B/hvsim" --profile hyperv -- "$B/hostctl" "$@"; }

# --- Pools written by an independent program, before any daemon. ---------
for p in 0 1 2 3 4; do : >"$POOLS/.kvp_pool_$p"; done
"$TOOL" set "$P0" K "value from the host"
"$TOOL" set "$P0" K9 "another"

run hostctl External/K
expect "hostctl reads External/K" 0 "value from the host"
run hostctl External/
expect "hostctl lists External/" 0 "K
K9"
# As on OpenBSD, a write echoes the value stored.
run hostctl Guest/K2 v
expect "hostctl writes Guest/K2" 0 "v"
run "$TOOL" get "$P1" K2
expect "daemon-format reader finds Guest/K2" 0 "v"
run hostctl External/K x
if [ "$RC" -ne 0 ] && [ -n "$ERR" ] &&
    [ "$("$TOOL" get "$P0" K)" = "value from the host" ]; then
	pass "write to External/ fails"
else
	fail "write to External/ fails" "exit $RC, stderr '$ERR'"
fi
run hostctl Nope/K
[ "$RC" -ne 0 ] && pass "unknown pool fails" ||
    fail "unknown pool fails" "exit $RC: $OUT"

# A write while another process holds the fcntl lock waits, then succeeds:
# the holder marks the moment it lets go, and the write must return after.
rm -f "$T/ready" "$T/released"
"$TOOL" lock "$P1" 1 "$T/ready" "$T/released" &
locker=$!
i=0
while [ ! -f "$T/ready" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
if [ ! -f "$T/ready" ]; then
	wait $locker
	fail "write waits for the lock holder" "the holder never took the lock"
elif [ -f "$T/released" ]; then
	wait $locker
	fail "write waits for the lock holder" "lock let go before the write began"
else
	run hostctl Guest/Locked yes
	[ -f "$T/released" ] && after=yes || after=no
	wait $locker
	lrc=$?
	if [ "$RC" = 0 ] && [ $after = yes ] && [ $lrc = 0 ] &&
	    [ "$("$TOOL" get "$P1" Locked)" = yes ]; then
		pass "write waits for the lock holder"
	else
		fail "write waits for the lock holder" \
		    "exit $RC, returned after the release: $after, holder $lrc"
	fi
fi

# A lock held past the store timeout: hostctl gives up and says which lock,
# and writes nothing.  The holder would keep it ten minutes; timeout(1) only
# turns a hostctl that never returns into a failure instead of a hang.
rm -f "$T/ready"
"$TOOL" lock "$P1" 600 "$T/ready" &
locker=$!
i=0
while [ ! -f "$T/ready" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
if [ ! -f "$T/ready" ]; then
	fail "held lock: hostctl gives up" "the holder never took the lock"
else
	size=$(stat -c %s "$P1")
	run timeout 300 "$B/hostctl" -C "$T/hyperv.cpuid" Guest/Stuck no
	expect "held lock: hostctl gives up, naming the lock" 1 "" \
	    "hostctl: ioctl: Device or resource busy (kvp: $P1: locked by another process for 5000 ms)"
fi
kill $locker 2>/dev/null
wait $locker 2>/dev/null
# kvp_tool reads under the lock: only once the holder is gone.
[ "$(stat -c %s "$P1")" = "$size" ] && ! "$TOOL" get "$P1" Stuck >/dev/null &&
    pass "held lock: nothing written" ||
    fail "held lock: nothing written" "Guest/Stuck is in the pool"

# --- End to end through hvsim's hyperv profile. ---------------------------
if [ -x "$B/hvsim" ]; then
	run hvsim_hostctl External/K
	expect "hvsim hyperv: hostctl External/K" 0 "value from the host"
	run hvsim_hostctl Guest/K4 via-hvsim
	expect "hvsim hyperv: hostctl Guest/K4 v" 0 "via-hvsim"
	run "$TOOL" get "$P1" K4
	expect "hvsim hyperv: record in the pool" 0 "via-hvsim"
else
	fail "hvsim hyperv: hostctl External/K" "$B/hvsim not built"
fi

# --- The real daemon, driven by the host model. ---------------------------
run "$B/kvphost" "set 0 HostKey set-by-host"
expect "host SET into External" 0 "ok"
run hostctl External/HostKey
expect "hostctl reads what the host set" 0 "set-by-host"
run "$TOOL" get "$P0" K
expect "daemon keeps records it did not write" 0 "value from the host"

run hostctl Guest/FromGuest "guest value"
run "$B/kvphost" "enum 1"
case $OUT in
*"FromGuest=guest value"*"K2=v"*|*"K2=v"*"FromGuest=guest value"*)
	pass "host enumerates what hostctl wrote" ;;
*)	fail "host enumerates what hostctl wrote" "$OUT" ;;
esac

run "$B/kvphost" "get 1 FromGuest" "get 1 Missing"
# The driver returns GET values from the enumerate layout, where the daemon
# leaves nothing: the host learns the key exists and an empty value.
expect "host GET of Guest (found, missing)" 0 "ok 
error 0x80070103"

run "$B/kvphost" "enum 2"
osname=$(printf '%s\n' "$OUT" | sed -n 's/^OSName=//p')
osver=$(printf '%s\n' "$OUT" | sed -n 's/^OSVersion=//p')
arch=$(printf '%s\n' "$OUT" | sed -n 's/^ProcessorArchitecture=//p')
if [ -n "$osname" ] && [ "$(hostctl Auto/OSName)" = "$osname" ] &&
    [ "$(hostctl Auto/OSVersion)" = "$osver" ] &&
    [ "$(hostctl Auto/ProcessorArchitecture)" = "$arch" ]; then
	pass "Auto/ shows what the host enumerates"
else
	fail "Auto/ shows what the host enumerates" \
	    "host '$osname' '$osver' '$arch', hostctl '$(hostctl Auto/OSName)'"
fi

# A busy count that is not a whole number is refused, not wrapped or cut.
for n in -1 -0 +3 " 3" 3x 1000001 18446744073709551617; do
	run "$B/kvphost" "busy $n"
	case $RC:$OUT:$ERR in
	"1::kvphost: busy: "*" is "*"(want 0 to 1000000)") pass "kvphost busy '$n' refused" ;;
	*)	fail "kvphost busy '$n' refused" "exit $RC, stdout '$OUT', stderr '$ERR'" ;;
	esac
done
run "$B/kvphost" "busy 2"
expect "kvphost busy 2" 0 "busy 2"

run "$B/kvphost" "delete 0 HostKey" "get 0 HostKey"
expect "host DELETE from External" 0 "ok
error 0x80070103"
run hostctl External/HostKey
[ "$RC" -ne 0 ] && pass "deleted key gone for hostctl" ||
    fail "deleted key gone for hostctl" "exit 0: $OUT"

# A value at the host's limit survives the trip; one past it is refused.
v1022=$(head -c 1022 /dev/zero | tr '\0' v)
run hostctl Guest/Long "$v1022"
run "$B/kvphost" "enum 1"
case $OUT in
*"Long=$v1022"*) pass "1022-character value reaches the host" ;;
*)	fail "1022-character value reaches the host" "missing" ;;
esac
run hostctl Guest/TooLong "${v1022}vv"
hrc=$RC
# kvp_tool get: 1 and no output when the key is not there, 2 on an error.
run "$TOOL" get "$P1" TooLong
if [ "$hrc" -ne 0 ] && [ "$RC" = 1 ] && [ -z "$OUT$ERR" ]; then
	pass "1024-character value refused, nothing written"
else
	fail "1024-character value refused, nothing written" \
	    "hostctl exit $hrc, get exit $RC: '$OUT' '$ERR'"
fi

# --- 8 hostctl writers and a busy host at once. ---------------------------
before=$("$TOOL" check "$P1" | sed -n 's/ records$//p')
"$B/kvphost" "busy 150" >"$T/busy.out" 2>&1 &
host=$!
pids=
for w in 1 2 3 4 5 6 7 8; do
	(
		n=1
		while [ $n -le 20 ]; do
			hostctl -q "Guest/w${w}_$n" "value $w $n" || exit 1
			hostctl -q Guest/shared "from $w" || exit 1
			n=$((n + 1))
		done
	) &
	pids="$pids $!"
done
bad=0
for p in $pids; do wait "$p" || bad=$((bad + 1)); done
wait $host
hoststat=$?
if [ $bad = 0 ] && [ $hoststat = 0 ] && grep -q '^busy 150$' "$T/busy.out"; then
	pass "8 writers and a busy host finish"
else
	fail "8 writers and a busy host finish" \
	    "$bad writers failed, host $hoststat: $(cat "$T/busy.out")"
fi
run "$TOOL" check "$P1" $((before + 161))
expect "pool intact: no record lost, duplicated or torn" 0 \
    "$((before + 161)) records"
"$B/kvphost" "enum 1" >"$T/enum.out"
missing=0
for w in 1 2 3 4 5 6 7 8; do
	n=1
	while [ $n -le 20 ]; do
		grep -qx "w${w}_$n=value $w $n" "$T/enum.out" ||
		    missing=$((missing + 1))
		n=$((n + 1))
	done
done
if [ $missing = 0 ] && grep -q "^end $((before + 161))$" "$T/enum.out"; then
	pass "host enumerates every record once"
else
	fail "host enumerates every record once" "$missing missing: $(tail -n 1 "$T/enum.out")"
fi
run "$TOOL" get "$P0" Busy
expect "host SETs during the writers all landed" 0 "round 149"
