#!/bin/sh
# pvbusd in a QEMU guest under the sandbox of dist/pvbusd.service, as far as
# a guest without systemd can apply it: the unit's capability bounding set
# and no-new-privs (util-linux setpriv), and a read-only root with only the
# KVP pool directory writable (a private mount namespace).  Under strace,
# so that every system call pvbusd made is checked here against the unit's
# SystemCallFilter, expanded by systemd-analyze.  In the guest: the devices
# serve KVP (Hyper-V unit, pools under a root) and fw_cfg through the I/O
# ports (the TCG unit with qemu_fw_cfg unloaded), the supervisor holds no
# capability once they exist and each device process only its store's.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/vm/common"

unit=$TOP/dist/pvbusd.service
dumps=$TOP/../shared/cpuid-dumps
for t in setpriv strace systemd-analyze; do
	command -v $t >/dev/null ||
	    { fail "sandbox" "$t missing (tools/deps test)"; exit 1; }
done
if ! why=$(vm_usable); then
	skip "sandbox" "$why"
	exit 0
fi

# The unit's bounding set, for setpriv and for the check of CapBnd.
caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$unit")
bset=-all$(for c in $caps; do
	printf ',+%s' "$(echo "${c#CAP_}" | tr 'A-Z' 'a-z')"
done)
mask=0
for c in $caps; do
	n=$(awk -v c="$c" '$1 == "#define" && $2 == c { print $3 }' \
	    /usr/include/linux/capability.h)
	[ -n "$n" ] || { fail "sandbox" "unknown capability $c"; exit 1; }
	mask=$((mask | (1 << n)))
done
printf '%016x\n' "$mask" >"$T/capbnd"
printf '%s\n' "$bset" >"$T/bset"

{
	grep -v '^#' "$dumps/kvm-qemu-hv-enlightenments-i9-13900K.txt"
	grep -E '^ *0x4000000[01] ' "$dumps/kvm-qemu-6.0dev-cpu-host-i7-8650U.txt" |
	    sed 's/0x4000000\([01]\)/0x4000010\1/g'
} >"$T/dump"

cat >"$T/guest.sh" <<'G'
. "$PVBUS_TOP/tests/lib.sh"
A=/pvbus/add
bset=$(cat $A/bset)
capbnd=$(cat $A/capbnd)
root=/tmp/root
pools=$root/var/lib/hyperv
mkdir -p "$pools"
for i in 0 1 2 3 4; do : >"$pools/.kvp_pool_$i"; done
chmod 644 "$pools"/.kvp_pool_*

# sandboxed TRACE ARGS...: pvbusd ARGS in the sandbox, traced into TRACE;
# returns once the starting process has (the devices then exist).
sandboxed() {
	trace=$1; shift
	unshare -m sh -c '
		mount --bind "$1" "$1" &&
		mount -o remount,bind,ro / &&
		mount -o remount,bind,ro /tmp || exit 1
		shift
		exec /pvbus/add/setpriv --bounding-set="'"$bset"'" --inh-caps=-all \
		    --no-new-privs strace -D -f -qq -o "'"$trace"'" pvbusd "$@"
	' sh "$pools" "$@" &&
	# Not named /dev/pvbusN, so that hostctl opens the device and never
	# falls back to the library in its own process.
	for n in 0 1; do
		[ -c /dev/pvbus$n ] && ln -sf /dev/pvbus$n /run/dev$n
	done
	[ -c /dev/pvbus0 ]
}
cap() { sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status"; }
# The supervisor is the oldest pvbusd; devices are its children.
supervisor() { for p in $(pidof pvbusd); do echo $p; done | sort -n | head -n 1; }
device() {	# the pid of the device process serving /dev/$1
	for p in $(pidof pvbusd); do
		[ "$p" = "$(supervisor)" ] && continue
		grep -q "/$1\$" /proc/$p/cmdline 2>/dev/null && { echo $p; return; }
	done
}
stop() {
	kill "$(supervisor)"
	i=0
	while pidof pvbusd >/dev/null || pidof strace >/dev/null; do
		i=$((i + 1)); [ $i -gt 200 ] && break
		sleep 0.05
	done
}
checkcaps() {	# NAME PID EFF: the sandbox holds and PID has EFF
	[ -n "$2" ] || { fail "$1" "no such process"; return; }
	[ "$(cap $2 CapBnd)" = "$capbnd" ] && [ "$(cap $2 NoNewPrivs)" = 1 ] &&
	    pass "$1: bounding set of the unit, no-new-privs" ||
	    fail "$1: bounding set of the unit, no-new-privs" \
	    "CapBnd $(cap $2 CapBnd), NoNewPrivs $(cap $2 NoNewPrivs)"
	[ "$(cap $2 CapEff)" = "$3" ] && [ "$(cap $2 CapPrm)" = "$3" ] &&
	    pass "$1: capabilities $3" ||
	    fail "$1: capabilities $3" "CapEff $(cap $2 CapEff) CapPrm $(cap $2 CapPrm)"
}

# KVP: a Hyper-V unit over pool files, and a KVM unit without a store.
if sandboxed /run/trace.kvp -C $A/dump -r $root 2>/tmp/start.err; then
	pass "kvp: pvbusd starts in the sandbox"
else
	fail "kvp: pvbusd starts in the sandbox" "$(cat /tmp/start.err)"
fi
run hostctl -f /run/dev1 Guest/sandboxed 'from the guest'
expect "kvp: write through /dev/pvbus1" 0 "from the guest"
run hostctl -f /run/dev1 Guest/sandboxed
expect "kvp: read through /dev/pvbus1" 0 "from the guest"
grep -q sandboxed "$pools/.kvp_pool_1" && pass "kvp: the record is in the pool" ||
    fail "kvp: the record is in the pool" "not found"
run hostctl -t -f /run/dev0
expect "kvp: /dev/pvbus0" 0 "/run/dev0: KVM"
pid=$(supervisor)
checkcaps "kvp: supervisor" "$pid" 0000000000000000
n=0
for p in $(pidof pvbusd); do
	[ "$p" = "$pid" ] && continue
	n=$((n + 1))
	checkcaps "kvp: device process $n" "$p" 0000000000000000
done
[ $n = 2 ] && pass "kvp: two device processes" || fail "kvp: two device processes" "$n"
# Mount options of pvbusd's root and of the pool directory, as it sees them.
opts() { awk -v m="$2" '$5 == m { print $6 }' "/proc/$1/mountinfo" | tail -n 1; }
case $(opts "$pid" /)/$(opts "$pid" "$pools") in
ro/rw*|ro,*/rw*) pass "kvp: pvbusd's root is read-only, the pools writable" ;;
*)	fail "kvp: pvbusd's root is read-only, the pools writable" \
	    "/ $(opts "$pid" /), pools $(opts "$pid" "$pools")" ;;
esac
stop

# fw_cfg through the ports: CAP_SYS_RAWIO at each request.
if rmmod qemu_fw_cfg && [ ! -e /sys/firmware/qemu_fw_cfg ]; then
	if sandboxed /run/trace.fwcfg 2>/tmp/start.err; then
		pass "fw_cfg: pvbusd starts in the sandbox"
	else
		fail "fw_cfg: pvbusd starts in the sandbox" "$(cat /tmp/start.err)"
	fi
	run hostctl -f /run/dev0 opt/org.example/sandbox
	expect "fw_cfg: read through the ports via /dev/pvbus0" 0 "through the ports"
	pid=$(supervisor)
	checkcaps "fw_cfg: supervisor" "$pid" 0000000000000000
	for p in $(pidof pvbusd); do
		[ "$p" = "$pid" ] && continue
		# CAP_SYS_RAWIO is bit 17.
		checkcaps "fw_cfg: device process" "$p" 0000000000020000
	done
	stop
else
	fail "fw_cfg: through the ports" "cannot unload qemu_fw_cfg"
fi
for t in /run/trace.kvp /run/trace.fwcfg; do
	[ -s $t ] || continue
	echo "SYSCALLS $(basename $t): $(sed -n 's/^[0-9]* *\([a-z_0-9]*\)(.*/\1/p' $t |
	    sort -u | tr '\n' ' ')"
done
G

PVBUS_VM_TIMEOUT=${PVBUS_VM_TIMEOUT:-300} vm_run \
    --fw-cfg "opt/org.example/sandbox=through the ports" \
    --add "$(command -v setpriv)" --add "$(command -v strace)" \
    --add "$T/dump" --add "$T/bset" --add "$T/capbnd" --add "$T/guest.sh" \
    -- sh /pvbus/add/guest.sh
[ "$RC" = 125 ] && exit 0
echo "$OUT" | grep -v '^SYSCALLS '
[ -n "$ERR" ] && echo "$ERR" | sed 's/^/guest stderr: /'
echo "$OUT" | grep -q '^PASS: ' || fail "guest" "no result (exit $RC)"
[ "$RC" = 0 ] || fail "guest" "exit $RC"

# The unit's SystemCallFilter, groups expanded: the allow list minus the
# deny list ("~"), as systemd applies them in order.
expand() {	# names and @groups, recursively
	for s in "$@"; do
		case $s in
		@*)	expand $(systemd-analyze syscall-filter --no-pager "$s" |
			    sed -n '2,$ { /^ *#/d; s/^ *//p; }') ;;
		*)	echo "$s" ;;
		esac
	done
}
: >"$T/allowed"
sed -n 's/^SystemCallFilter=//p' "$unit" >"$T/filters"
while read -r f; do
	case $f in
	~*)	expand ${f#\~} | sort -u >"$T/deny"
		grep -vxF -f "$T/deny" "$T/allowed" >"$T/a2"; mv "$T/a2" "$T/allowed" ;;
	*)	expand $f >>"$T/allowed" ;;
	esac
done <"$T/filters"
sort -u -o "$T/allowed" "$T/allowed"
[ "$(wc -l <"$T/allowed")" -gt 100 ] ||
    fail "the filter expands" "$(wc -l <"$T/allowed") system calls"
echo "$OUT" | sed -n 's/^SYSCALLS \([a-z.]*\): //p' >"$T/traces"
[ "$(wc -l <"$T/traces")" = 2 ] || fail "system calls traced" "$(wc -l <"$T/traces") traces"
n=0
for s in $(cat "$T/traces"); do
	n=$((n + 1))
	grep -qx "$s" "$T/allowed" || denied="${denied:+$denied }$s"
done
[ -z "${denied:-}" ] && [ $n -gt 20 ] &&
    pass "every system call pvbusd made is in the unit's SystemCallFilter ($n)" ||
    fail "system calls outside the unit's SystemCallFilter" "${denied:-none traced}"
