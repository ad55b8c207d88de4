# VMware guestinfo against the real peer: vmware-rpctool (open-vm-tools)
# and hostctl run unmodified under hvsim's VMware host model and must agree
# on every value, whichever of them wrote it, with and without high
# bandwidth and with checkpoints; bad input and a faulty host leave the
# host's guestinfo as it was.
. "$(dirname "$0")/../lib.sh"

H=$B/hostctl
RPC=$(command -v vmware-rpctool)
S=$T/state

if [ -z "$RPC" ]; then
	fail "vmware-rpctool" "not installed (tools/deps test installs open-vm-tools)"
	exit 1
fi
if ! why=$(hvsim_usable); then
	echo "$why"
	exit 77
fi

# hv [HVSIM OPTIONS] -- PROGRAM ARGS: one program on the shared host.
# LeakSanitizer cannot run under ptrace: sanitizer builds (make SAN=1)
# check everything else here, leaks in tests/unit.
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
export ASAN_OPTIONS
hv() {
	timeout 120 "$B/hvsim" --profile vmware --state "$S" "$@"
}

# A value of N bytes: letters, digits and spaces, nothing vis(3) encodes.
value() {
	yes 'The quick brown fox 0123456789 jumps' | tr -d '\n' | head -c "$1"
}

# The host's guestinfo must not change: compare the state file.
snapshot() { cp "$S" "$T/snap" 2>/dev/null || : >"$T/snap"; }
unchanged() {
	if cmp -s "$S" "$T/snap" || { [ ! -e "$S" ] && [ ! -s "$T/snap" ]; }; then
		return 0
	fi
	return 1
}

# --- identification
run hv -- "$H" -t
expect "hostctl -t says VMware" 0 "/dev/pvbus0: VMware"
run hv -- "$H" -l
case $OUT in
*"backdoor_version 6"*"product_type esx (2)"*) pass "hostctl -l shows the GETVERSION answer" ;;
*) fail "hostctl -l shows the GETVERSION answer" "$OUT" ;;
esac
case $OUT in
*guestinfo*) pass "hostctl -l shows the guestinfo store" ;;
*) fail "hostctl -l shows the guestinfo store" "$OUT" ;;
esac

# --- the acceptance round trip
rm -f "$S"
run hv -- "$RPC" "info-set guestinfo.x hello world"
expect "vmware-rpctool sets guestinfo.x" 0 ""
run hv -- "$H" guestinfo.x
expect "hostctl reads what vmware-rpctool set" 0 "hello world"
run hv -- "$H" guestinfo.y "set by hostctl"
expect "hostctl sets guestinfo.y" 0 ""
run hv -- "$RPC" "info-get guestinfo.y"
expect "vmware-rpctool reads what hostctl set" 0 "set by hostctl"

# --- sizes, both directions, under each host flavour
for flavour in hb no-hb hb-cpt no-hb-cpt; do
	case $flavour in
	hb)		opts= ;;
	no-hb)		opts=--no-hb ;;
	hb-cpt)		opts="--checkpoint-every 2" ;;
	no-hb-cpt)	opts="--no-hb --checkpoint-every 3" ;;
	esac
	for n in 1 4096 60000; do
		v=$(value $n)
		printf '%s\n' "$v" >"$T/want"
		# shellcheck disable=SC2086
		run hv $opts -- "$RPC" "info-set guestinfo.p$n $v"
		# shellcheck disable=SC2086
		hv $opts -- "$H" -o "$T/got" "guestinfo.p$n" 2>"$T/err"
		rc=$?
		if [ $rc -eq 0 ] && [ "$RC" -eq 0 ] && cmp -s "$T/want" "$T/got"; then
			pass "$flavour: $n bytes from vmware-rpctool to hostctl"
		else
			fail "$flavour: $n bytes from vmware-rpctool to hostctl" \
			    "rpctool $RC, hostctl $rc $(cat "$T/err")"
		fi
		printf '%s' "$v" >"$T/in"
		# shellcheck disable=SC2086
		run hv $opts -- "$H" -i "$T/in" "guestinfo.q$n"
		# shellcheck disable=SC2086
		hv $opts -- "$RPC" "info-get guestinfo.q$n" >"$T/got" 2>"$T/err"
		rc=$?
		if [ $rc -eq 0 ] && [ "$RC" -eq 0 ] && cmp -s "$T/want" "$T/got"; then
			pass "$flavour: $n bytes from hostctl to vmware-rpctool"
		else
			fail "$flavour: $n bytes from hostctl to vmware-rpctool" \
			    "hostctl $RC $ERR, rpctool $rc $(cat "$T/err")"
		fi
	done
done

# A 60000-byte value of every printable byte but the backslash (hostctl
# vis-encodes what it sends and prints, as OpenBSD's does), written with
# -i, reads back byte-identical through both tools.
awk 'BEGIN { for (i = 0; n < 60000; i++) if (32 + i % 95 != 92) {
	printf "%c", 32 + i % 95; n++ } }' >"$T/in"
run hv -- "$H" -i "$T/in" guestinfo.big
wrote=$RC
hv -- "$RPC" "info-get guestinfo.big" >"$T/got" 2>/dev/null
hv -- "$H" -o "$T/got2" guestinfo.big 2>/dev/null
printf '\n' >>"$T/in"
if [ $wrote -eq 0 ] && [ "$(wc -c <"$T/in")" -eq 60001 ] &&
    cmp -s "$T/in" "$T/got" && cmp -s "$T/in" "$T/got2"; then
	pass "60000 bytes written with hostctl -i read back byte-identical"
else
	fail "60000 bytes written with hostctl -i read back byte-identical" \
	    "hostctl $wrote $ERR; $(cmp "$T/in" "$T/got"; cmp "$T/in" "$T/got2")"
fi

# --- backdoor calls: hostctl no more than vmware-rpctool for 60 KiB
calls() {
	sed -n 's/.*io=\([0-9][0-9]*\).*/\1/p' "$T/stats" | tail -n 1
}
for opts in "" "--no-hb"; do
	# shellcheck disable=SC2086
	hv $opts --stats -- "$RPC" "info-get guestinfo.p60000" >/dev/null 2>"$T/stats"
	peer=$(calls)
	# shellcheck disable=SC2086
	hv $opts --stats -- "$H" guestinfo.p60000 >/dev/null 2>"$T/stats"
	ours=$(calls)
	if [ -n "$peer" ] && [ -n "$ours" ] && [ "$ours" -le "$peer" ]; then
		pass "backdoor calls${opts:+ $opts}: hostctl $ours <= vmware-rpctool $peer"
	else
		fail "backdoor calls${opts:+ $opts}" "hostctl '$ours', vmware-rpctool '$peer'"
	fi
done

# --- bad input and a faulty host: error, exit 1, nothing set
printf 'x%.0s' $(seq 1 70000) >"$T/huge"
bad() {
	name=$1 err=$2
	shift 2
	snapshot
	run hv "$@"
	if [ "$RC" -eq 1 ] && [ -z "$OUT" ] && [ "$ERR" = "$err" ] && unchanged; then
		pass "$name"
	else
		fail "$name" "exit $RC, stderr '$ERR', host changed: $(unchanged && echo no || echo yes)"
	fi
}
bad "key with a space is refused" "hostctl: ioctl: Invalid argument" \
    -- "$H" "guestinfo.a b" value
run hv -- "$RPC" "info-get guestinfo.a"
expect "and guestinfo.a was not set" 1 "" "No value found"
bad "key with a newline is refused" "hostctl: ioctl: Invalid argument" \
    -- "$H" "guestinfo.a
b" value
bad "empty key is refused" "hostctl: ioctl: Invalid argument" \
    -- "$H" "" value
bad "empty name after the prefix is refused" "hostctl: ioctl: Invalid argument" \
    -- "$H" "guestinfo." value
bad "listing is not supported" "hostctl: ioctl: Operation not supported" \
    -- "$H" "guestinfo."
bad "missing key" "hostctl: ioctl: No such file or directory" \
    -- "$H" guestinfo.nothing
bad "value over 64 KiB" "hostctl: input file: $T/huge: value too long" \
    -- "$H" -i "$T/huge" guestinfo.x
bad "host reply without 1" "hostctl: ioctl: Input/output error" \
    --vmware-fault noprefix -- "$H" guestinfo.x changed
bad "reply longer than announced" "hostctl: ioctl: Input/output error" \
    --vmware-fault huge-reply -- "$H" guestinfo.x
bad "channel closed mid-transfer" "hostctl: ioctl: Input/output error" \
    --vmware-fault close-mid-send -- "$H" guestinfo.x changed
bad "channel closed mid-transfer (no HB)" "hostctl: ioctl: Input/output error" \
    --no-hb --vmware-fault close-mid-send -- "$H" guestinfo.x changed
bad "channel limit reached" "hostctl: ioctl: Input/output error" \
    --max-channels 0 -- "$H" guestinfo.x changed
# hvsim turns vsock off: the library falls back to the backdoor, which a
# locked-down host refuses, and says which channels it tried.
refused="hostctl: ioctl: Permission denied (guestinfo: backdoor port 0x5658 (vsock 0:976: Address family not supported by protocol))"
bad "secure RPC write: vsock off, the backdoor refused" "$refused" \
    --secure-rpc -- "$H" guestinfo.x changed
bad "secure RPC read: vsock off, the backdoor refused" "$refused" \
    --secure-rpc -- "$H" guestinfo.x
run hv --secure-rpc -- "$RPC" "info-get guestinfo.x"
expect "vmware-rpctool sees the same refusal" 1 "" "Permission denied"
run hv -- "$H" guestinfo.x
expect "guestinfo.x survived every fault" 0 "hello world"

# --- hosts without cookies still talk; presets reach both tools
run hv --no-cookies --guestinfo guestinfo.pre=preset -- "$H" guestinfo.pre
expect "no cookies: hostctl reads a preset key" 0 "preset"
run hv --no-cookies -- "$RPC" "info-get guestinfo.pre"
expect "no cookies: vmware-rpctool reads it too" 0 "preset"

# --- a backdoor alone is not VMware
run timeout 120 "$B/hvsim" --profile vmware --state "$S" \
    --cpuid 0x40000000=40000001,4b4d564b,564b4d56,0000004d -- "$H" -l
case $OUT in
"pvbus0: KVM "*) case $OUT in
	*"store guestinfo"*|*backdoor_version*)
		fail "backdoor behind a KVM signature: no guestinfo" "$OUT" ;;
	*)	pass "backdoor behind a KVM signature: no guestinfo" ;;
	esac ;;
*)	fail "backdoor behind a KVM signature: a KVM unit" "$RC $OUT $ERR" ;;
esac
run timeout 120 "$B/hvsim" --profile vmware --state "$S" \
    --cpuid 0x40000000=40000001,4b4d564b,564b4d56,0000004d -- "$H" guestinfo.x
[ $RC = 1 ] && pass "backdoor behind a KVM signature: guestinfo.x is not read" ||
    fail "backdoor behind a KVM signature: read" "$RC $OUT"

# --- a state file that cannot be saved: refused before the program runs
run timeout 120 "$B/hvsim" --profile vmware --state /nonexistent/dir/s -- \
    "$H" guestinfo.x v
case $RC:$OUT:$ERR in
"78::hvsim: vmware: "*/nonexistent/dir/s*"No such file or directory")
	pass "unusable --state directory: exit 78, naming file and error" ;;
*)	fail "unusable --state directory: exit 78, naming file and error" \
	    "exit $RC, stdout '$OUT', stderr '$ERR'" ;;
esac
run timeout 120 "$B/hvsim" --profile vmware --state /nonexistent/dir/s -- \
    sh -c 'echo ran'
expect "unusable --state directory: the program does not run" 78 ""

# A save that fails later (the directory went away) is reported, refused
# to the guest, and leaves the host's guestinfo as it was.
mkdir "$T/gone"
run timeout 120 "$B/hvsim" --profile vmware --state "$T/gone/s" \
    --guestinfo guestinfo.x=old -- sh -c '
	rm -r "$3"
	"$1" guestinfo.x new 2>/dev/null; echo "set x $?"
	"$1" guestinfo.x; echo "get x $?"
	"$1" guestinfo.n v 2>/dev/null; echo "set n $?"
	"$1" guestinfo.n 2>/dev/null; echo "get n $?"
	"$2" "info-set guestinfo.n v" 2>&1; echo "rpctool $?"
	"$2" "info-get guestinfo.x" 2>&1; echo "rpctool $?"' sh "$H" "$RPC" \
    "$T/gone"
expect "failed save: refused, guestinfo unchanged" 0 "set x 1
old
get x 0
set n 1
get n 1
Cannot save guestinfo
rpctool 1
old
rpctool 0"
case $ERR in
"hvsim: vmware: cannot save $T/gone/s: "*": No such file or directory"*)
	pass "failed save: hvsim names the file and the error" ;;
*)	fail "failed save: hvsim names the file and the error" "stderr '$ERR'" ;;
esac

# --- two hosts on one state file: each change is merged, none is lost.
# Both load the file before either sets a key (the FIFOs order them): a
# host that saved its own table would drop the other's key.
P=$T/par
rm -f "$P"
mkfifo "$T/ready1" "$T/ready2" "$T/go1" "$T/go2"
for i in 1 2; do
	timeout 120 "$B/hvsim" --profile vmware --state "$P" -- sh -c '
		echo ready >"$2"
		read go <"$3"
		"$1" "info-set guestinfo.par$4 v$4"' sh "$RPC" "$T/ready$i" \
	    "$T/go$i" "$i" >"$T/par$i.out" 2>&1 &
	eval "pid$i=\$!"
done
read r1 <"$T/ready1"
read r2 <"$T/ready2"
echo go >"$T/go1"
wait "$pid1"; rc1=$?
echo go >"$T/go2"
wait "$pid2"; rc2=$?
run timeout 120 "$B/hvsim" --profile vmware --state "$P" -- sh -c '
	"$1" "info-get guestinfo.par1"; "$1" "info-get guestinfo.par2"' sh "$RPC"
if [ "$rc1:$rc2" = 0:0 ] && [ "$RC:$OUT" = "0:v1
v2" ]; then
	pass "two hosts on one --state: both keys kept"
else
	fail "two hosts on one --state: both keys kept" \
	    "sets exit $rc1 $rc2 ($(cat "$T/par1.out" "$T/par2.out")), get exit $RC: '$OUT' '$ERR'"
fi

# The same with both hosts setting keys at once, 20 each.
rm -f "$P"
for i in 1 2; do
	timeout 120 "$B/hvsim" --profile vmware --state "$P" -- sh -c '
		for k in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
			"$1" "info-set guestinfo.h$2.k$k $k" || exit 1
		done' sh "$RPC" "$i" >"$T/par$i.out" 2>&1 &
	eval "pid$i=\$!"
done
wait "$pid1"; rc1=$?
wait "$pid2"; rc2=$?
run timeout 120 "$B/hvsim" --profile vmware --state "$P" -- sh -c '
	for i in 1 2; do
		for k in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
			"$1" "info-get guestinfo.h$i.k$k" || echo "h$i.k$k lost"
		done
	done' sh "$RPC"
lost=$(printf '%s\n' "$OUT" | grep -c lost)
if [ "$rc1:$rc2:$RC" = 0:0:0 ] && [ "$lost" = 0 ] &&
    [ "$(printf '%s\n' "$OUT" | wc -l)" = 40 ]; then
	pass "two hosts setting at once on one --state: 40 of 40 keys kept"
else
	fail "two hosts setting at once on one --state: 40 of 40 keys kept" \
	    "exit $rc1 $rc2 $RC, $lost lost"
fi
