#!/bin/sh
# hostctl -w on every store, the real peers making the change: xenstore-write
# and xenstore-rm against xssim (whose request log bounds what a watch
# asks), hv_kvp_daemon rewriting a pool as the host (kvphost) tells it,
# vmware-rpctool's info-set under hvsim; timeouts, removals, a server killed
# and restarted during a watch, keys the store refuses, stores that never
# change.  Runs in a private mount and UTS namespace for the KVP pools.

DAEMON=/usr/sbin/hv_kvp_daemon
POOLS=/var/lib/hyperv
if [ -z "$WATCH_IN_NS" ]; then
	[ "$(id -u)" = 0 ] || { echo "needs root for unshare -m"; exit 77; }
	WATCH_IN_NS=1 exec unshare -m -u --propagation private sh "$0" "$@"
fi
. "$(dirname "$0")/../lib.sh"

ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
export ASAN_OPTIONS
pids=
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# wait_for N FILE PATTERN: until FILE has N lines matching PATTERN.
wait_for() {
	i=0
	while [ "$(grep -c -e "$3" "$2" 2>/dev/null)" -lt "$1" ] && [ $i -lt 400 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	[ "$(grep -c -e "$3" "$2" 2>/dev/null)" -ge "$1" ]
}

# wait_asleep PID: until PID waits in poll(2) or a timed sleep, that is,
# has armed its watch and read the key's first value.
wait_asleep() {
	i=0
	while [ $i -lt 400 ]; do
		case $(cut -d' ' -f1 "/proc/$1/syscall" 2>/dev/null) in
		7|35|230|271) return 0 ;;
		esac
		[ -d "/proc/$1" ] || return 1
		sleep 0.05
		i=$((i + 1))
	done
	return 1
}

# descendant PID NAME: the process NAME below PID (hvsim runs hostctl).
descendant() {
	ps -eo pid=,ppid=,comm= | awk -v root="$1" -v name="$2" '
	    { parent[$1] = $2; comm[$1] = $3 }
	    END {
		for (p in comm) {
			if (comm[p] != name)
				continue
			for (q = parent[p]; q > 1; q = parent[q])
				if (q == root) { print p; exit }
		}
	    }'
}

# watch NAME ARGS...: hostctl -w ARGS in the background; finish NAME RC OUT
# [ERR] collects it.
watch_bg() {
	"$@" >"$T/w.out" 2>"$T/w.err" &
	wpid=$!
}
finish() {
	wait $wpid
	RC=$?
	OUT=$(cat "$T/w.out")
	ERR=$(cat "$T/w.err")
	expect "$@"
}

# --- XenStore: xssim and xenstore-utils -------------------------------------
cat >"$T/xen.cpuid" <<'EOT'
   0x00000000 0x00: eax=0x0000000d ebx=0x756e6547 ecx=0x6c65746e edx=0x49656e69
   0x00000001 0x00: eax=0x000306e4 ebx=0x01020800 ecx=0xffba2203 edx=0x178bfbff
   0x40000000 0x00: eax=0x40000002 ebx=0x566e6558 ecx=0x65584d4d edx=0x4d4d566e
   0x40000001 0x00: eax=0x00040011 ebx=0x00000000 ecx=0x00000000 edx=0x00000000
   0x40000002 0x00: eax=0x00000001 ebx=0x40000000 ecx=0x00000000 edx=0x00000000
EOT
S=$T/xs
LOG=$T/xs.log
D=/local/domain/5
export XENSTORED_PATH=$S
start_xssim() {
	rm -f "$S"
	"$B/xssim" --socket "$S" --domid 5 --log "$LOG" 2>>"$T/xssim.err" &
	xspid=$!
	pids="$pids $xspid"
	i=0
	while [ ! -S "$S" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	[ -S "$S" ]
}
start_xssim || { echo "FAIL: xssim: no socket ($(cat "$T/xssim.err"))"; exit 1; }
XH="$B/hostctl -C $T/xen.cpuid"

# A change, after events for nodes below that change nothing; the requests
# the watch made: one WATCH, one READ at first and one for each event.
xenstore-write $D/data/w old
: >"$LOG"
watch_bg $XH -w data/w
wait_for 1 "$LOG" '^READ data/w$'
xenstore-write $D/data/w/sub 1
xenstore-write $D/data/w/sub 2
xenstore-write $D/data/w new
finish "xenstore: a change after events below" 0 "new"
nwatch=$(grep -c '^WATCH data/w$' "$LOG")
nread=$(grep -c '^READ data/w$' "$LOG")
[ "$nwatch" = 1 ] && [ "$nread" -ge 2 ] && [ "$nread" -le 4 ] &&
    pass "xenstore: one WATCH, a READ for each event ($nread)" ||
    fail "xenstore: one WATCH, a READ for each event" "$nwatch WATCH, $nread READ: $(cat "$LOG")"

# Quiet for the whole timeout: no request after the first read.
: >"$LOG"
run $XH -w -W 2 data/w
expect "xenstore: a quiet key times out" 1 "" "hostctl: data/w: timed out"
n=$(grep -c ' data/w$' "$LOG")
[ "$n" = 2 ] && pass "xenstore: no polling (WATCH and one READ in 2 s)" ||
    fail "xenstore: no polling" "$n requests for data/w: $(cat "$LOG")"

: >"$LOG"
watch_bg $XH -w -j data/new
wait_for 1 "$LOG" '^READ data/new$'
xenstore-write $D/data/new 'a "quoted" value'
finish "xenstore: a key that appears, as JSON" 0 \
    '{"key": "data/new", "value": "a \"quoted\" value"}'

: >"$LOG"
watch_bg $XH -w data/new
wait_for 1 "$LOG" '^READ data/new$'
xenstore-rm $D/data/new
finish "xenstore: a removal" 1 "" "hostctl: data/new: removed"
: >"$LOG"
xenstore-write $D/data/gone x
watch_bg $XH -w -j data/gone
wait_for 1 "$LOG" '^READ data/gone$'
xenstore-rm $D/data/gone
finish "xenstore: a removal as JSON" 1 '{"key": "data/gone", "removed": true}' \
    "hostctl: data/gone: removed"

# The server killed and started again while the watch waits: the watch
# finds the new server, sets itself again, and sees the key appear there.
: >"$LOG"
watch_bg $XH -w data/restart
wait_for 1 "$LOG" '^READ data/restart$'
kill "$xspid"
wait "$xspid" 2>/dev/null
start_xssim || fail "xenstore: restart" "no socket"
wait_for 2 "$LOG" '^WATCH data/restart$' &&
    pass "xenstore: the watch is set again on the new server" ||
    fail "xenstore: the watch is set again on the new server" "$(cat "$LOG")"
wait_for 2 "$LOG" '^READ data/restart$'
xenstore-write $D/data/restart back
finish "xenstore: a change on the restarted server" 0 "back"

run $XH -w 'data/a b'
expect "xenstore: a key the store refuses" 1 "" \
    "hostctl: watch: data/a b: Invalid argument"
run $XH -w -W soon data/w
expect "-W with a bad number" 1 "" "hostctl: -W soon: invalid"
run $XH -w -W 99999999999 data/w
expect "-W too large" 1 "" "hostctl: -W 99999999999: too large"
run $XH -W 1 data/w
case $ERR in "usage: hostctl "*) [ "$RC" = 1 ] && pass "-W without -w is a usage error" ||
	fail "-W without -w is a usage error" "exit $RC" ;;
*)	fail "-W without -w is a usage error" "$ERR" ;;
esac
run $XH -w data/w value
case $ERR in "usage: hostctl "*) [ "$RC" = 1 ] && pass "-w with a value is a usage error" ||
	fail "-w with a value is a usage error" "exit $RC" ;;
*)	fail "-w with a value is a usage error" "$ERR" ;;
esac

# --- Stores that never change -------------------------------------------------
FIX=$TOP/tests/fixtures
run $B/hostctl -C "$FIX/fwcfg-qemu/cpuid-kvm.txt" -r "$FIX/fwcfg-qemu" -w opt/org.example/k
expect "fw_cfg: EOPNOTSUPP at once" 1 "" \
    "hostctl: watch: opt/org.example/k: fw_cfg does not change"
mkdir -p "$T/dmi/sys/firmware/dmi/tables"
"$FIX/smbios/mktable" "$T/dmi/sys/firmware/dmi/tables/DMI" a=1
run $B/hostctl -C "$FIX/fwcfg-qemu/cpuid-kvm.txt" -r "$T/dmi" -w smbios/oem/a
expect "SMBIOS: EOPNOTSUPP at once" 1 "" \
    "hostctl: watch: smbios/oem/a: the firmware's table does not change"

# --- KVP: the real hv_kvp_daemon writes the pool ------------------------------
if [ ! -x "$DAEMON" ]; then
	fail "kvp" "no $DAEMON (hyperv-daemons)"
else
	mount -t tmpfs kvp /var/lib && mkdir "$POOLS" ||
	    fail "kvp: pools on a tmpfs" "cannot mount"
	hostname kvpguest
	for p in 0 1 2 3 4; do : >"$POOLS/.kvp_pool_$p"; done
	cat >"$T/hyperv.cpuid" <<'EOT'
   0x00000000 0x00: eax=0x00000015 ebx=0x756e6547 ecx=0x6c65746e edx=0x49656e69
   0x00000001 0x00: eax=0x000606a6 ebx=0x00400800 ecx=0xfeda3223 edx=0x1f8bfbff
   0x40000000 0x00: eax=0x4000000a ebx=0x7263694d ecx=0x666f736f edx=0x76482074
   0x40000001 0x00: eax=0x31237648 ebx=0x00000000 ecx=0x00000000 edx=0x00000000
EOT
	KH="$B/hostctl -C $T/hyperv.cpuid"
	watch_bg $KH -w External/WKey
	wait_asleep $wpid || fail "kvp: the watch waits" "never asleep"
	run "$B/kvphost" "set 0 Other unrelated"
	run "$B/kvphost" "set 0 WKey from the host"
	finish "kvp: a key the host sets, after another" 0 "from the host"
	watch_bg $KH -w -j External/WKey
	wait_asleep $wpid || fail "kvp: the watch waits" "never asleep"
	run "$B/kvphost" "set 0 WKey changed"
	finish "kvp: a change, as JSON" 0 \
	    '{"key": "External/WKey", "value": "changed"}'
	watch_bg $KH -w External/WKey
	wait_asleep $wpid || fail "kvp: the watch waits" "never asleep"
	run "$B/kvphost" "delete 0 WKey"
	finish "kvp: a removal" 1 "" "hostctl: External/WKey: removed"
	run $KH -w -W 1 External/WKey
	expect "kvp: a timeout" 1 "" "hostctl: External/WKey: timed out"
	run $KH -w Nopool/WKey
	expect "kvp: a key the store refuses" 1 "" \
	    "hostctl: watch: Nopool/WKey: Invalid argument"
fi

# --- guestinfo: vmware-rpctool under hvsim ------------------------------------
RPC=$(command -v vmware-rpctool)
if [ -z "$RPC" ]; then
	fail "guestinfo" "vmware-rpctool not installed (open-vm-tools)"
elif ! why=$(hvsim_usable); then
	skip "guestinfo" "$why"
else
	GS=$T/gi.state
	hv() { timeout 120 "$B/hvsim" --profile vmware --state "$GS" "$@"; }
	hv --guestinfo guestinfo.w=old -- true
	watch_bg hv -- "$B/hostctl" -w guestinfo.w
	i=0
	while [ -z "$(descendant $wpid hostctl)" ] && [ $i -lt 200 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	wait_asleep "$(descendant $wpid hostctl)" ||
	    fail "guestinfo: the watch waits" "never asleep"
	run hv -- "$RPC" "info-set guestinfo.w from rpctool"
	expect "guestinfo: vmware-rpctool info-set" 0 ""
	finish "guestinfo: the watch sees vmware-rpctool's value" 0 "from rpctool"
	run hv -- "$B/hostctl" -w -W 1 guestinfo.w
	expect "guestinfo: a timeout" 1 "" "hostctl: guestinfo.w: timed out"
	run hv -- "$B/hostctl" -w 'guestinfo.a b'
	expect "guestinfo: a key the store refuses" 1 "" \
	    "hostctl: watch: guestinfo.a b: Invalid argument"
fi
