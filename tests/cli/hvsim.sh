#!/bin/sh
# hvsim: programs see the emulated hypervisor's CPUID, through the real
# `cpuid` tool (dynamic) and our own probers (dynamic and static), in
# children, threads and exec'd programs; signals and exit statuses pass
# through unchanged; port I/O nothing models faults as on real hardware.
. "$(dirname "$0")/../lib.sh"

H="$B/hvsim"
P="$B/tests/hv_cpuid"
S="$B/tests/hv_static"
DUMPS=${PVBUS_CPUID_DUMPS:-$TOP/../shared/cpuid-dumps}
TO="timeout 60"

# Sanitized builds: LeakSanitizer cannot run under ptrace, and the
# programs' own faults must reach them as without sanitizers.
if grep -q __asan_init "$P" 2>/dev/null; then
	export ASAN_OPTIONS=detect_leaks=0:handle_segv=0:allow_user_segv_handler=1
	run env ASAN_OPTIONS= "$H" --profile kvm -- /bin/true
	expect "hvsim itself clean under sanitizers" 0 ""
fi

if ! reason=$(hvsim_usable); then
	skip hvsim "$reason"
	exit 0
fi

# cpuid -r's line for leaf L (and subleaf S) under profile P.
leafline() {
	$TO "$H" --profile "$1" -- cpuid -r -1 -l "$2" ${3:+-s "$3"} 2>&1 |
	    grep '^   0x'
}
line() {
	printf '   %s 0x%02x: eax=%s ebx=%s ecx=%s edx=%s' "$1" "$2" "$3" "$4" \
	    "$5" "$6"
}

# profile  base  eax ebx ecx edx  (the values profiles.c cites)
while read -r prof base eax ebx ecx edx sig; do
	want=$(line "$base" 0 "$eax" "$ebx" "$ecx" "$edx")
	got=$(leafline "$prof" "$base")
	if [ "$got" = "$want" ]; then
		pass "cpuid-tool $prof $base"
	else
		fail "cpuid-tool $prof $base" "got '$got', wanted '$want'"
	fi
	hv=1
	[ "$prof" = none ] && hv=0
	for prober in "$P" "$S"; do
		run $TO "$H" --profile "$prof" -- "$prober" sig "$base"
		expect "$(basename "$prober") $prof $base" 0 \
		    "hv=$hv max=$eax sig=$sig"
	done
done <<'EOF'
none 0x40000000 0x00000000 0x00000000 0x00000000 0x00000000 "............"
none 0x40000100 0x00000000 0x00000000 0x00000000 0x00000000 "............"
kvm 0x40000000 0x40000001 0x4b4d564b 0x564b4d56 0x0000004d "KVMKVMKVM..."
hyperv 0x40000000 0x4000000a 0x7263694d 0x666f736f 0x76482074 "Microsoft Hv"
kvm+hyperv 0x40000000 0x40000005 0x7263694d 0x666f736f 0x76482074 "Microsoft Hv"
kvm+hyperv 0x40000100 0x40000101 0x4b4d564b 0x564b4d56 0x0000004d "KVMKVMKVM..."
xen 0x40000000 0x40000005 0x566e6558 0x65584d4d 0x4d4d566e "XenVMMXenVMM"
xen+viridian 0x40000000 0x40000006 0x7263694d 0x666f736f 0x76482074 "Microsoft Hv"
xen+viridian 0x40000100 0x40000105 0x566e6558 0x65584d4d 0x4d4d566e "XenVMMXenVMM"
vmware 0x40000000 0x40000010 0x61774d56 0x4d566572 0x65726177 "VMwareVMware"
bhyve 0x40000000 0x40000001 0x76796862 0x68622065 0x20657679 "bhyve bhyve "
openbsd 0x40000000 0x00000000 0x6e65704f 0x56445342 0x38354d4d "OpenBSDVMM58"
tcg 0x40000000 0x40000001 0x54474354 0x43544743 0x47435447 "TCGTCGTCGTCG"
EOF

# The real hypervisor of this machine never shows through a profile.
got=$(leafline kvm 0x40000001)
case $got in
*"eax=0x01007efb ebx=0x00000000"*) pass "kvm features leaf" ;;
*) fail "kvm features leaf" "got '$got'" ;;
esac
got=$(leafline vmware 0x40000100)
if [ "$got" = "$(line 0x40000100 0 0x00000000 0x00000000 0x00000000 \
    0x00000000)" ]; then
	pass "undefined hypervisor leaf is zero"
else
	fail "undefined hypervisor leaf is zero" "got '$got'"
fi

# Leaf 1: only ECX bit 31 differs from the real CPU's answer.
ecx() { sed -n 's/.*ecx=\(0x[0-9a-f]*\).*/\1/p'; }
real=$(cpuid -r -1 -l 1 | ecx)
none=$(leafline none 1 | ecx)
kvm=$(leafline kvm 1 | ecx)
if [ -n "$real" ] && [ $((none)) -eq $((real & 0x7fffffff)) ]; then
	pass "leaf1 bit31 clear for none"
else
	fail "leaf1 bit31 clear for none" "real $real, none $none"
fi
if [ -n "$real" ] && [ $((kvm)) -eq $((real | 0x80000000)) ]; then
	pass "leaf1 bit31 set for kvm"
else
	fail "leaf1 bit31 set for kvm" "real $real, kvm $kvm"
fi
run $TO "$H" --profile none -- "$S" sig
expect "static leaf1 bit31 none" 0 'hv=0 max=0x00000000 sig="............"'

# --cpuid overrides the profile; a subleaf override leaves the others.
run $TO "$H" --profile kvm \
    --cpuid 0x40000000=40000001,41414141,42424242,43434343 -- "$P" sig
expect "--cpuid override" 0 "hv=1 max=0x40000001 sig=\"AAAABBBBCCCC\""
run $TO "$H" --profile kvm --cpuid 0x40000000=1,2,3,4 \
    --cpuid 0x40000000=0,41414141,41414141,41414141 -- "$S" sig
expect "--cpuid last wins" 0 "hv=1 max=0x00000000 sig=\"AAAAAAAAAAAA\""
run $TO "$H" --profile none --cpuid 0x40000000=0,41414141,41414141,41414141 \
    -- "$S" sig
expect "--cpuid hypervisor leaf sets bit31" 0 \
    "hv=1 max=0x00000000 sig=\"AAAAAAAAAAAA\""
run $TO "$H" --profile xen --cpuid 0x40000003.2=1,2,3,4 -- \
    cpuid -r -1 -l 0x40000003 -s 2
expect "--cpuid subleaf" 0 "CPU:
$(line 0x40000003 2 0x00000001 0x00000002 0x00000003 0x00000004)"
run $TO "$H" --profile xen --cpuid 0x40000003.2=1,2,3,4 -- \
    "$S" leaf 0x40000003 0
expect "--cpuid other subleaf" 0 \
    "eax=0x00000006 ebx=0x00000002 ecx=0x002a9f50 edx=0x00000001"

# --cpuid-file: the program sees every line of each real dump.
found=0
for f in "$DUMPS"/*.txt; do
	[ -f "$f" ] || continue
	found=1
	name=$(basename "$f" .txt)
	out=$($TO "$H" --cpuid-file "$f" -- cpuid -r -1 2>&1)
	missing=$(grep '^   0x' "$f" | while IFS= read -r l; do
		printf '%s\n' "$out" | grep -qxF "$l" || echo "$l"
	done)
	if [ -z "$missing" ]; then
		pass "--cpuid-file $name"
	else
		fail "--cpuid-file $name" "not seen: $(echo "$missing" | head -n 1)"
	fi
	set -- $(grep '^   0x40000000 ' "$f" | tr '=' ' ')
	run $TO "$H" --cpuid-file "$f" -- "$S" leaf 0x40000000
	expect "--cpuid-file static $name" 0 "eax=$4 ebx=$6 ecx=$8 edx=${10}"
done
[ $found = 1 ] || fail "--cpuid-file" "no dumps in $DUMPS"
cat >"$T/cpus.txt" <<'EOF'
CPU 0:
   0x40000000 0x00: eax=0x40000001 ebx=0x30303030 ecx=0x30303030 edx=0x30303030
CPU 1:
   0x40000000 0x00: eax=0x40000001 ebx=0x31313131 ecx=0x31313131 edx=0x31313131
EOF
run $TO "$H" --cpuid-file "$T/cpus.txt" -- "$S" sig
expect "--cpuid-file first CPU" 0 'hv=1 max=0x40000001 sig="000000000000"'
echo "0x1 garbage" >"$T/bad.txt"
run $TO "$H" --cpuid-file "$T/bad.txt" -- true
[ "$RC" = 64 ] && pass "--cpuid-file bad line" ||
    fail "--cpuid-file bad line" "exit $RC"

# --stats counts each CPUID the program executes.
cpuids() { sed -n 's/^hvsim: cpuid=\([0-9]*\) io=\([0-9]*\)$/\1 \2/p'; }
for prober in "$P" "$S"; do
	a=$($TO "$H" --stats --profile kvm -- "$prober" count 0 2>&1 >/dev/null |
	    cpuids)
	b=$($TO "$H" --stats --profile kvm -- "$prober" count 100 2>&1 \
	    >/dev/null | cpuids)
	if [ -n "$a" ] && [ -n "$b" ] &&
	    [ $((${b% *} - ${a% *})) -eq 100 ] && [ "${b#* }" = 0 ]; then
		pass "--stats $(basename "$prober")"
	else
		fail "--stats $(basename "$prober")" "'$a' then '$b'"
	fi
done

# Exit status passes through, 128+N for a signal, as a shell reports it.
for prober in "$P" "$S"; do
	n=$(basename "$prober")
	run $TO "$H" --profile kvm -- "$prober" exit 3
	expect "exit 3 $n" 3 ""
	run $TO "$H" --profile kvm -- "$prober" kill 9
	expect "killed $n" 137 ""
	run $TO "$H" --profile kvm -- "$prober" kill 15
	expect "terminated $n" 143 ""
done

# Children, threads, spawned and exec'd programs, and code mapped later.
for prober in "$P" "$S"; do
	n=$(basename "$prober")
	v='hv=1 max=0x40000010 sig="VMwareVMware"'
	run $TO "$H" --profile vmware -- "$prober" fork
	expect "fork $n" 0 "child $v
parent $v"
	run $TO "$H" --profile vmware -- "$prober" thread
	expect "thread $n" 0 "thread $v
main $v"
	run $TO "$H" --profile vmware -- "$prober" spawn
	expect "posix_spawn $n" 0 "$v"
	run $TO "$H" --profile vmware -- "$prober" mmap
	expect "mmap exec $n" 0 "mapped $v"
	run $TO "$H" --profile vmware -- "$prober" mprotect
	expect "mprotect exec $n" 0 "mapped $v"
done
run $TO "$H" --profile vmware -- "$P" exec "$S" exec "$(command -v cpuid)" \
    -r -1 -l 0x40000000
expect "exec chain" 0 "$v
$v
CPU:
$(line 0x40000000 0 0x40000010 0x61774d56 0x4d566572 0x65726177)"
run $TO "$H" --profile bhyve -- sh -c "\"$S\" sig & wait"
expect "shell background job" 0 'hv=1 max=0x40000001 sig="bhyve bhyve "'

# Faults: an unmodelled port and a NULL pointer both end in SIGSEGV; the
# program's own handler sees the same siginfo as without hvsim.
for prober in "$P" "$S"; do
	n=$(basename "$prober")
	for prof in none vmware; do
		run $TO "$H" --profile $prof -- "$prober" in 0x80
		expect "unmodelled in $n $prof" 139 ""
	done
	run $TO "$H" --profile vmware -- "$prober" null
	expect "null dereference $n" 139 ""
	run $TO "$H" --profile vmware -- "$prober" int3
	expect "own int3 $n" 133 ""
	for what in "in 0x80" null int3; do
		want=$("$prober" handler $what)
		run $TO "$H" --profile vmware -- "$prober" handler $what
		expect "handler $what $n" 0 "$want"
	done
done

# Every form of port I/O, through QEMU's debug console model.
io_want='rep outsb rsi+3 rcx=0
outsb rsi+4
outsw rsi+6
std rep outsb rsi-1 rcx=0
in al,imm8 0x11223344556677e9
in ax,dx 0x112233445566e9e9
in eax,dx 0x00000000e9e9e9e9
rep insb e9e9e9e900 rdi+4 rcx=0
insl e9e9e9e900 rdi+4'
for prober in "$P" "$S"; do
	n=$(basename "$prober")
	rm -f "$T/con"
	run $TO "$H" --stats --profile kvm --debugcon "$T/con" -- "$prober" io
	expect "port io forms $n" 0 "$io_want" "hvsim: cpuid=$(printf '%s' \
	    "$ERR" | sed -n 's/^hvsim: cpuid=\([0-9]*\) .*/\1/p') io=11"
	got=$(cat "$T/con" 2>/dev/null)
	[ "$got" = ABCDEFGDC ] && pass "debugcon output $n" ||
	    fail "debugcon output $n" "got '$got'"
	run $TO "$H" --profile kvm -- "$prober" io
	expect "port io without debugcon $n" 139 ""
done
run $TO "$H" --profile tcg --debugcon - -- "$S" io
expect "debugcon to stderr" 0 "$io_want" "ABCDEFGDC"

# Port I/O a model answers (the VMware backdoor, when compiled in).
if "$H" --help | grep -q '^model vmware:'; then
	run $TO "$H" --stats --profile vmware -- vmware-rpctool \
	    'info-get guestinfo.hvsim-test'
	io=$(printf '%s\n' "$ERR" | cpuids)
	if [ -n "$io" ] && [ "${io#* }" -gt 0 ]; then
		pass "--stats io vmware-rpctool"
	else
		fail "--stats io vmware-rpctool" "stderr: $ERR"
	fi
else
	skip "--stats io vmware-rpctool" "no vmware model compiled in"
fi

# Trap methods: patch always works; fault needs CPUID faulting.
run $TO "$H" --trap patch --profile tcg -- "$S" sig
expect "--trap patch" 0 'hv=1 max=0x40000001 sig="TCGTCGTCGTCG"'
run $TO "$H" --trap fault --profile tcg -- "$S" sig
if [ "$RC" = 77 ]; then
	case $ERR in
	*"CPUID faulting"*)
		[ -z "$OUT" ] && pass "--trap fault refused" ||
		    fail "--trap fault refused" "the program ran: $OUT" ;;
	*)	fail "--trap fault refused" "stderr: $ERR" ;;
	esac
else
	expect "--trap fault" 0 'hv=1 max=0x40000001 sig="TCGTCGTCGTCG"'
fi

# Unprivileged, without a seccomp filter: mmap/mprotect are caught by
# stopping at every system call instead.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	chmod 755 "$T"
	mkdir "$T/u"
	cp "$H" "$P" "$T/u/"
	for what in mmap mprotect thread; do
		run $TO setpriv --reuid=65534 --regid=65534 --clear-groups \
		    "$T/u/hvsim" --profile vmware -- "$T/u/hv_cpuid" $what
		# ptrace may be for root only here (Yama scope 2 or 3).
		[ "$RC" = 77 ] && { skip "unprivileged $what" "$ERR"; continue; }
		expect "unprivileged $what" 0 "$(printf '%s\n' "$v" |
		    case $what in
		    thread) sed 's/^/thread /; p; s/^thread/main/' ;;
		    *) sed 's/^/mapped /' ;;
		    esac)"
	done
else
	skip "unprivileged" "needs root and setpriv to switch to nobody"
fi

# Command line errors: EX_USAGE (64); a missing program: 127.
for args in "--bogus -- true" "--profile nope -- true" "--cpuid 1=2 -- true" \
    "--cpuid 1=1,2,3 -- true" "--cpuid 1=1,2,3,4x -- true" \
    "--cpuid 1=1,2,3,100000000 -- true" "--trap never -- true" \
    "--profile kvm"; do
	run $TO "$H" $args
	if [ "$RC" = 64 ] && [ -n "$ERR" ]; then
		pass "usage: $args"
	else
		fail "usage: $args" "exit $RC"
	fi
done
# A model's option with a profile that does not enable the model, in
# either order: EX_USAGE, naming the option and the profile; the program
# does not run.
usage_msg() {
	name=$1 want1=$2 want2=$3
	shift 3
	run $TO "$H" "$@"
	case $RC:$OUT:$ERR in
	"64::hvsim: "*"$want1"*"$want2"*) pass "$name" ;;
	*)	fail "$name" "exit $RC, stdout '$OUT', stderr '$ERR'" ;;
	esac
}
usage_msg "model option not in profile: --debugcon with vmware" \
    --debugcon "profile vmware" --profile vmware --debugcon - -- echo ran
usage_msg "model option not in profile: --debugcon with none" \
    --debugcon "profile none" --debugcon - -- echo ran
if "$H" --help | grep -q '^model vmware:'; then
	usage_msg "model option not in profile: --no-hb with kvm" \
	    --no-hb "profile kvm" --profile kvm --no-hb -- echo ran
	usage_msg "model option not in profile: --profile after --state" \
	    --state "profile tcg" --state "$T/s" --profile tcg -- echo ran
	run $TO "$H" --profile vmware --no-hb --debugcon - -- echo ran
	[ "$RC" = 64 ] && [ -z "$OUT" ] &&
	    pass "model options: one in profile, one not" ||
	    fail "model options: one in profile, one not" "exit $RC"
	run $TO "$H" --profile vmware --no-hb -- echo ran
	expect "model option in profile" 0 "ran"

	# --guestinfo keys: not empty, no space or control character.
	for what in space empty tab escape del newline; do
		case $what in
		space)	key="guestinfo.a b" ;;
		empty)	key= ;;
		tab)	key=$(printf 'guestinfo.a\tb') ;;
		escape)	key=$(printf 'guestinfo.a\033b') ;;
		del)	key=$(printf 'guestinfo.\177') ;;
		newline) key="guestinfo.a
b" ;;
		esac
		usage_msg "--guestinfo key with $what" --guestinfo "bad key" \
		    --profile vmware --guestinfo "$key=c" -- echo ran
	done
	usage_msg "--guestinfo key 'a b' (any prefix)" --guestinfo "a b" \
	    --profile vmware --guestinfo 'a b=c' -- echo ran

	# Numbers: decimal digits within bounds; no sign, blank or wrap.
	for arg in -1 -0 +5 " 5" 18446744073709551617 1 1000000001 x ""; do
		usage_msg "--checkpoint-every '$arg' refused" \
		    "--checkpoint-every: $arg is " "(want 2 to 1000000000)" \
		    --profile vmware --checkpoint-every "$arg" -- echo ran
	done
	for arg in -1 -128 129 18446744073709551744 0x10; do
		usage_msg "--max-channels '$arg' refused" \
		    "--max-channels: $arg is " "(want 0 to 128)" \
		    --profile vmware --max-channels "$arg" -- echo ran
	done
	for arg in -1 86401 x 1s ""; do
		usage_msg "--refuse-tclo '$arg' refused" \
		    "--refuse-tclo: $arg is " "(want 0 to 86400)" \
		    --profile vmware --refuse-tclo "$arg" -- echo ran
	done
	usage_msg "--checkpoint-every -1 is called negative" "-1 is negative" \
	    "" --profile vmware --checkpoint-every -1 -- echo ran
	run $TO "$H" --profile vmware --checkpoint-every 1000000000 \
	    --max-channels 128 --refuse-tclo 86400 -- echo ran
	expect "largest --checkpoint-every, --max-channels, --refuse-tclo taken" \
	    0 "ran"
	if command -v vmware-rpctool >/dev/null; then
		run $TO "$H" --profile vmware --guestinfo 'guestinfo.a=b c=d' \
		    -- vmware-rpctool 'info-get guestinfo.a'
		expect "--guestinfo value with spaces and =" 0 "b c=d"
	fi
else
	skip "vmware model options" "no vmware model compiled in"
fi

run $TO "$H" -- "$T/nonexistent"
[ "$RC" = 127 ] && pass "missing program" || fail "missing program" "exit $RC"

# The first child of process $1 (procps may be missing: no pgrep).
child_of() {
	awk '{ print $1 }' "/proc/$1/task/$1/children" 2>/dev/null
}

# A stopped program stays stopped until SIGCONT, then finishes.
"$H" --profile kvm -- sh -c 'kill -STOP $$; echo resumed' >"$T/stop.out" &
hpid=$!
state=
for i in $(seq 100); do
	cpid=$(child_of $hpid)
	[ -n "$cpid" ] && state=$(awk '{ print $3 }' "/proc/$cpid/stat" \
	    2>/dev/null)
	# t: stopped under ptrace; let hvsim turn it into the group-stop.
	[ "$state" = t ] || [ "$state" = T ] && { sleep 0.5; break; }
	sleep 0.05
done
early=$(cat "$T/stop.out")
[ -n "$cpid" ] && kill -CONT "$cpid" 2>/dev/null
for i in $(seq 200); do
	kill -0 $hpid 2>/dev/null || break
	sleep 0.1
done
kill -KILL $hpid 2>/dev/null
wait $hpid
rc=$?
if [ -n "$state" ] && [ -z "$early" ] && [ $rc = 0 ] &&
    [ "$(cat "$T/stop.out")" = resumed ]; then
	pass "group stop and continue"
else
	fail "group stop and continue" \
	    "state '$state', before CONT '$early', exit $rc"
fi

# SIGTERM to hvsim reaches the program.
"$H" --profile kvm -- sleep 30 &
hpid=$!
for i in $(seq 100); do
	[ -n "$(child_of $hpid)" ] && break
	sleep 0.05
done
sleep 0.1
kill -TERM $hpid
wait $hpid
rc=$?
[ $rc = 143 ] && pass "SIGTERM forwarded" || fail "SIGTERM forwarded" "exit $rc"

# vsock is off for the traced program and all it starts (a build machine's
# vsock leads to its real host); --vsock turns it back on.
run "$P" vsock
if [ "$OUT" = "vsock: created" ]; then
	for prober in "$P" "$S"; do
		run $TO "$H" --profile vmware -- "$prober" vsock
		expect "vsock off: $(basename "$prober")" 0 \
		    "vsock: Address family not supported by protocol"
	done
	run $TO "$H" --profile vmware -- "$P" exec "$P" vsock
	expect "vsock off: after exec" 0 "hv=1 max=0x40000010 sig=\"VMwareVMware\"
vsock: Address family not supported by protocol"
	run $TO "$H" --profile vmware -- sh -c "\"$P\" vsock"
	expect "vsock off: in a child" 0 \
	    "vsock: Address family not supported by protocol"
	run $TO "$H" --profile vmware --vsock -- "$P" vsock
	expect "vsock on with --vsock" 0 "vsock: created"
else
	skip "vsock off" "no AF_VSOCK here to turn off ($OUT)"
fi

# hostctl(8) names each profile's hypervisor.
if [ -x "$B/hostctl" ]; then
	while read -r prof type; do
		run $TO "$H" --profile "$prof" -- "$B/hostctl" -t
		expect "hostctl -t $prof" 0 "/dev/pvbus0: $type"
	done <<-'EOF'
	kvm KVM
	hyperv Hyper-V
	kvm+hyperv KVM
	xen Xen
	xen+viridian Xen
	vmware VMware
	bhyve bhyve
	openbsd OpenBSD
	tcg TCG
	EOF
	run $TO "$H" --profile none -- "$B/hostctl" -t
	[ "$RC" = 1 ] && pass "hostctl -t none" ||
	    fail "hostctl -t none" "exit $RC: $OUT"
else
	skip "hostctl -t" "build/hostctl not built"
fi

# Speed, for the record (not a verdict: machines differ).
t0=$(date +%s%N)
"$H" --profile kvm -- /bin/true
t1=$(date +%s%N)
echo "# hvsim --profile kvm -- /bin/true: $(((t1 - t0) / 1000000)) ms"
