#!/bin/sh
# XenStore: xssim checked against the real clients (xenstore-utils,
# python3-pyxs), then libpvbus's store through hostctl against xssim, with a
# CPUID dump and, where hvsim works, under hvsim's Xen profile.
. "$(dirname "$0")/../lib.sh"

# The clients come with tools/deps: a missing one is a failure.
PY=/usr/bin/python3
missing=0
for tool in xenstore-read xenstore-write xenstore-ls xenstore-list \
    xenstore-exists xenstore-rm xenstore-chmod xenstore-watch; do
	command -v $tool >/dev/null ||
	    { fail "xenstore-utils" "$tool missing"; missing=1; }
done
$PY -c 'import pyxs' 2>/dev/null ||
    { fail "python3-pyxs" "cannot import pyxs"; missing=1; }
[ $missing = 0 ] || exit 1
[ -x "$B/xssim" ] && [ -x "$B/hostctl" ] || { echo "FAIL: build: xssim or hostctl missing"; exit 1; }

pids=
xspids=
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# start_xssim SOCKET ARGS...: in the background, waits for the socket.
start_xssim() {
	sock=$1; shift
	"$B/xssim" --socket "$sock" "$@" 2>>"$T/xssim.err" &
	xspids="$xspids $!"
	pids="$pids $!"
	i=0
	while [ ! -S "$sock" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	[ -S "$sock" ]
}

# A Xen HVM guest's CPUID: hypervisor bit, XenVMMXenVMM, Xen 4.17.
cat >"$T/xen.cpuid" <<'EOF'
   0x00000000 0x00: eax=0x0000000d ebx=0x756e6547 ecx=0x6c65746e edx=0x49656e69
   0x00000001 0x00: eax=0x000306e4 ebx=0x01020800 ecx=0xffba2203 edx=0x178bfbff
   0x40000000 0x00: eax=0x40000002 ebx=0x566e6558 ecx=0x65584d4d edx=0x4d4d566e
   0x40000001 0x00: eax=0x00040011 ebx=0x00000000 ecx=0x00000000 edx=0x00000000
   0x40000002 0x00: eax=0x00000001 ebx=0x40000000 ecx=0x00000000 edx=0x00000000
EOF

S=$T/xs5
S0=$T/xs0
start_xssim "$S" --domid 5 || { echo "FAIL: xssim: no socket ($(cat "$T/xssim.err"))"; exit 1; }
start_xssim "$S0" || { echo "FAIL: xssim --domid 0: no socket"; exit 1; }
export XENSTORED_PATH="$S"
D=/local/domain/5

# --- xssim's numbers: decimal digits within bounds; no sign, blank or wrap.
for opt in --domid --entry-nb --entry-size --watch-nb --transaction --perm-nb; do
	for n in -1 -0 +5 " 5" 18446744073709551617 5x; do
		run timeout 30 "$B/xssim" --socket "$T/never" "$opt" "$n"
		case $RC:$OUT:$ERR in
		"2::xssim: $opt: $n is "*"(want 0 to "*")")
			pass "xssim $opt '$n' refused" ;;
		*)	fail "xssim $opt '$n' refused" "exit $RC, stderr '$ERR'" ;;
		esac
	done
done
run timeout 30 "$B/xssim" --socket "$T/never" --domid 32752
case $RC:$ERR in
"2:xssim: --domid: 32752 is out of range (want 0 to 32751)") pass "xssim --domid 32752 refused" ;;
*)	fail "xssim --domid 32752 refused" "exit $RC, stderr '$ERR'" ;;
esac
[ ! -e "$T/never" ] && pass "xssim: refused numbers make no socket" ||
    fail "xssim: refused numbers make no socket" "$T/never exists"

# --- xssim against xenstore-utils -------------------------------------------
run xenstore-write $D/data/x 'xs value'
expect "xenstore-write absolute" 0 ""
run xenstore-read $D/data/x
expect "xenstore-read absolute" 0 "xs value"
run xenstore-read data/x
expect "xenstore-read relative to the home" 0 "xs value"
run xenstore-write data/rel 'r v'
run xenstore-read $D/data/rel
expect "xenstore-write relative lands in the home" 0 "r v"
run xenstore-list $D/device
expect "xenstore-list device/" 0 "vif
vbd
vfb"
run xenstore-ls $D/device/vif/0
case $OUT in *'state = "4"'*'backend = "/local/domain/0/backend/vif/5/0"'*) pass "xenstore-ls a frontend" ;;
*) fail "xenstore-ls a frontend" "got '$OUT'" ;; esac
run xenstore-exists $D/data/x
expect "xenstore-exists present" 0 ""
run xenstore-exists $D/data/none
[ "$RC" -ne 0 ] && pass "xenstore-exists absent" || fail "xenstore-exists absent" "exit 0"
run xenstore-read /local/domain/0/name
[ "$RC" -ne 0 ] && pass "xenstore-read of dom0's node refused" || fail "xenstore-read of dom0's node refused" "read '$OUT'"
run xenstore-write /local/domain/0/z v
[ "$RC" -ne 0 ] && pass "xenstore-write outside the home refused" || fail "xenstore-write outside the home refused" "exit 0"
run xenstore-read $D/domid
expect "domid is readable" 0 5
run xenstore-write $D/domid 6
[ "$RC" -ne 0 ] && pass "read-only domid not writable" || fail "read-only domid not writable" "exit 0"
run xenstore-rm $D/data/x
run xenstore-exists $D/data/x
[ "$RC" -ne 0 ] && pass "xenstore-rm removes" || fail "xenstore-rm removes" "still there"
run xenstore-rm $D/data/never
expect "xenstore-rm of an absent child of a present node" 0 ""
run xenstore-rm $D/data/no/such
[ "$RC" -ne 0 ] && pass "xenstore-rm below an absent node fails" || fail "xenstore-rm below an absent node fails" "exit 0"
run xenstore-write $D/data/p/q v
run xenstore-chmod $D/data/p n5 r0
run xenstore-ls -p $D/data
case $OUT in *'p = ""'*'(n5,r0)'*) pass "xenstore-chmod sets permissions" ;;
*) fail "xenstore-chmod sets permissions" "got '$OUT' ($ERR)" ;; esac
run xenstore-chmod $D/data/p n0
[ "$RC" -ne 0 ] && pass "xenstore-chmod may not give a node away" || fail "xenstore-chmod may not give a node away" "exit 0"
run xenstore-write '/local/domain/5/data/a b' v
[ "$RC" -ne 0 ] && pass "xenstore-write of a bad path fails" || fail "xenstore-write of a bad path fails" "exit 0"

# The watch is in place once its first event is out: write only then.
: >"$T/watch.out"
timeout 10 xenstore-watch -n 3 $D/data/w >"$T/watch.out" 2>&1 &
wpid=$!
pids="$pids $wpid"
i=0
while [ "$(wc -l <"$T/watch.out")" -lt 1 ] && [ $i -lt 200 ]; do
	sleep 0.05
	i=$((i + 1))
done
xenstore-write $D/data/w 1
xenstore-write $D/data/w/sub 2
wait $wpid
wrc=$?
pids=$(echo $pids | tr ' ' '\n' | grep -vx -e "$wpid")
if [ $wrc -eq 0 ] && [ "$(cat "$T/watch.out")" = "$D/data/w
$D/data/w
$D/data/w/sub" ]; then
	pass "xenstore-watch: first event at once, then on change"
else
	fail "xenstore-watch: first event at once, then on change" "exit $wrc: $(cat "$T/watch.out")"
fi

# --- xssim against pyxs -------------------------------------------------------
$PY - "$S" "$S0" >"$T/pyxs.out" 2>&1 <<'EOF'
import errno, socket, struct, sys
import pyxs

s5, s0 = sys.argv[1], sys.argv[2]
def check(name, cond, why=""):
    print(("PASS: %s" % name) if cond else ("FAIL: %s: %s" % (name, why)))

def err(fn):
    try:
        fn()
    except pyxs.PyXSError as e:
        return e.args[0]
    return 0

c = pyxs.Client(unix_socket_path=s5); c.connect()
c2 = pyxs.Client(unix_socket_path=s5); c2.connect()
c.write(b"/local/domain/5/data/py", b"from pyxs")
check("pyxs read", c.read(b"/local/domain/5/data/py") == b"from pyxs")
check("pyxs list", b"py" in c.list(b"/local/domain/5/data"))
check("pyxs get_perms", c.get_perms(b"/local/domain/5/data") == [b"n5"],
      c.get_perms(b"/local/domain/5/data"))
check("pyxs get_domain_path", c.get_domain_path(5) == b"/local/domain/5")
check("pyxs exists", not c.exists(b"/local/domain/5/data/none"))
e = err(lambda: c.read(b"/local/domain/5/data/none"))
check("pyxs ENOENT", e == errno.ENOENT, e)
e = err(lambda: c.write(b"/local/domain/0/x", b"v"))
check("pyxs EACCES outside the home", e == errno.EACCES, e)
e = err(lambda: c.read(b"/tool/xenstored"))
check("pyxs EACCES on dom0's node", e == errno.EACCES, e)

c.transaction()
c.write(b"/local/domain/5/data/t", b"tx")
check("pyxs transaction commits", c.commit() is True)
check("pyxs committed value", c.read(b"/local/domain/5/data/t") == b"tx")
c.transaction()
c.read(b"/local/domain/5/data/t")
c2.write(b"/local/domain/5/data/t", b"other")
c.write(b"/local/domain/5/data/t", b"mine")
check("pyxs transaction conflict is EAGAIN", c.commit() is False)
check("pyxs conflicting write kept", c.read(b"/local/domain/5/data/t") == b"other")
c.transaction()
c2.write(b"/local/domain/5/data/py", b"changed")
c.write(b"/local/domain/5/data/t", b"ok")
check("pyxs unrelated change is no conflict", c.commit() is True)
check("pyxs value of that commit", c.read(b"/local/domain/5/data/t") == b"ok")
c.transaction()
c2.write(b"/local/domain/5/data/sibling", b"x")
c.write(b"/local/domain/5/data/t2", b"new")
check("pyxs sibling created meanwhile conflicts (parent changed)",
      c.commit() is False)
c.transaction()
c.write(b"/local/domain/5/data/t3", b"no")
c.rollback()
check("pyxs rollback", not c.exists(b"/local/domain/5/data/t3"))

e = err(lambda: c.write(b"/local/domain/5/data/big", b"v" * 3000))
check("pyxs entry-size quota is ENOSPC", e == errno.ENOSPC, e)
check("pyxs 2000-byte value", err(lambda: c.write(b"/local/domain/5/data/big", b"v" * 2000)) == 0)

m = c.monitor()
m.watch(b"data/wt", b"tok")
w = m.wait()
ev = next(w)
check("pyxs watch fires at once, relative", ev.path == b"data/wt" and ev.token == b"tok", ev)
c2.write(b"/local/domain/5/data/wt", b"1")
ev = next(w)
check("pyxs watch fires on change", ev.path == b"data/wt", ev)
c2.delete(b"/local/domain/5/data")
ev = next(w)
check("pyxs watch fires when an ancestor goes", ev.path == b"data/wt", ev)
e = err(lambda: m.watch(b"data/wt", b"tok"))
check("pyxs duplicate watch is EEXIST", e == errno.EEXIST, e)
m.unwatch(b"data/wt", b"tok")
m.close()

d = pyxs.Client(unix_socket_path=s0); d.connect()
d.write(b"/local/domain/0/data/big", b"w" * 4000)
check("pyxs dom0 4000-byte value", d.read(b"/local/domain/0/data/big") == b"w" * 4000)
check("pyxs dom0 reads anywhere", d.read(b"/local/domain/0/name") == b"Domain-0")

# Raw protocol: errors as xenstored answers them.
def raw(path, msgs):
    so = socket.socket(socket.AF_UNIX); so.connect(path)
    out = []
    for t, p in msgs:
        so.sendall(struct.pack("<IIII", t, 9, 0, len(p)) + p)
        h = b""
        while len(h) < 16:
            b = so.recv(16 - len(h))
            if not b:
                out.append(None); break
            h += b
        if len(h) < 16:
            break
        t2, rid, tx, ln = struct.unpack("<IIII", h)
        body = b""
        while len(body) < ln:
            body += so.recv(ln - len(body))
        out.append((t2, rid, body))
    so.close()
    return out
r = raw(s5, [(99, b"x\0")])
check("unknown type answers ENOSYS", r == [(16, 9, b"ENOSYS\0")], r)
r = raw(s5, [(2, b"data//x\0")])
check("bad path answers EINVAL", r == [(16, 9, b"EINVAL\0")], r)
r = raw(s5, [(8, b"1\x002\x003\0")])
check("INTRODUCE from a domU answers EACCES", r == [(16, 9, b"EACCES\0")], r)
r = raw(s5, [(7, b"T\0")])
check("TRANSACTION_END without one answers ENOENT", r == [(16, 9, b"ENOENT\0")], r)
r = raw(s5, [(2, b"domid\0")])
check("READ replies echo the request id", r == [(2, 9, b"5")], r)
so = socket.socket(socket.AF_UNIX); so.connect(s5)
so.sendall(struct.pack("<IIII", 2, 1, 0, 5000))
so.settimeout(5)
check("a payload over 4096 closes the connection", so.recv(16) == b"")
so.close()
d.write(b"/local/domain/0/many/" + b"c" * 1000, b"")
for i in range(5):
    d.write(b"/local/domain/0/many/" + (b"%d" % i) * 900, b"")
e = err(lambda: d.list(b"/local/domain/0/many"))
check("a listing over 4096 answers E2BIG", e == errno.E2BIG, e)
EOF
cat "$T/pyxs.out"
grep -q '^PASS: a listing over 4096' "$T/pyxs.out" || fail "pyxs script" "stopped early"
# libxenstore falls back to DIRECTORY_PART when DIRECTORY says E2BIG.
XENSTORED_PATH=$S0 run xenstore-list /local/domain/0/many
n=$(printf '%s\n' "$OUT" | wc -l)
[ "$RC" -eq 0 ] && [ "$n" -eq 6 ] && pass "xenstore-list of a listing over 4096 (DIRECTORY_PART)" ||
    fail "xenstore-list of a listing over 4096 (DIRECTORY_PART)" "exit $RC, $n names"

# --- libpvbus through hostctl --------------------------------------------------
# hostctl_xen ARGS...: the library with a Xen CPUID dump; under hvsim too
# when hvsim runs here (set HVSIM=1 below).
H="$B/hostctl -C $T/xen.cpuid"
xenstore-write $D/data/x 'xs value'
run $H data/x
expect "hostctl reads what xenstore-write wrote" 0 "xs value"
run $H data
expect "hostctl lists a directory-like key" 0 "x"
run $H data/y v2
expect "hostctl writes" 0 ""
run xenstore-read $D/data/y
expect "xenstore-read reads what hostctl wrote" 0 "v2"
run $H $D/data/y
expect "hostctl absolute key" 0 "v2"
run $H /local/domain/0/z v
expect "hostctl outside the home is refused" 1 "" "hostctl: ioctl: Permission denied"
run $H data/none
expect "hostctl missing key" 1 "" "hostctl: ioctl: No such file or directory"
big=$(head -c 2000 /dev/zero | tr '\0' 'b')
run $H data/big "$big"
run xenstore-read $D/data/big
expect "hostctl 2000-byte value to xenstore-read" 0 "$big"
run $H data/big
expect "hostctl reads a 2000-byte value" 0 "$big"
huge=$(head -c 5000 /dev/zero | tr '\0' 'h')
run $H data/huge "$huge"
expect "hostctl value over the payload limit" 1 "" "hostctl: ioctl: Argument list too long"
run xenstore-exists $D/data/huge
[ "$RC" -ne 0 ] && pass "nothing written past the limit" || fail "nothing written past the limit" "node exists"
run $H -l
case $OUT in
*"home /local/domain/5"*"device vif vif/0"*"device vbd vbd/51712"*"store xenstore, read-write, $S"*)
	pass "hostctl -l: home, devices from device/, store path" ;;
*)	fail "hostctl -l: home, devices from device/, store path" "got '$OUT'" ;;
esac
w4000=$(head -c 4000 /dev/zero | tr '\0' 'w')
XENSTORED_PATH=$S0 run $H /local/domain/0/data/w "$w4000"
XENSTORED_PATH=$S0 run xenstore-read /local/domain/0/data/w
expect "dom0: 4000-byte value through hostctl" 0 "$w4000"

# Bad path characters are refused before anything is sent: a recording
# server sees the attach's requests and nothing else.
$PY - "$T/rec" "$T/rec.log" <<'EOF' &
import os, socket, struct, sys
path, log = sys.argv[1], sys.argv[2]
srv = socket.socket(socket.AF_UNIX); srv.bind(path); srv.listen(4)
srv.settimeout(20)
with open(log, "w") as f:
    while True:
        try:
            so, _ = srv.accept()
        except socket.timeout:
            break
        so.settimeout(5)
        try:
            while True:
                h = b""
                while len(h) < 16:
                    b = so.recv(16 - len(h))
                    if not b:
                        raise EOFError
                    h += b
                t, rid, tx, ln = struct.unpack("<IIII", h)
                body = b""
                while len(body) < ln:
                    body += so.recv(ln - len(body))
                f.write("%d %r\n" % (t, body)); f.flush()
                if t == 2 and body == b"domid\0":
                    out = (2, b"5")
                elif t == 11:
                    out = (11, b"OK\0")
                else:
                    out = (16, b"ENOENT\0")
                so.sendall(struct.pack("<IIII", out[0], rid, tx, len(out[1])) + out[1])
        except (EOFError, socket.timeout, OSError):
            so.close()
EOF
recpid=$!
pids="$pids $recpid"
i=0
while [ ! -S "$T/rec" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
XENSTORED_PATH=$T/rec run $H 'data/a b' v
expect "hostctl bad path characters" 1 "" "hostctl: ioctl: Invalid argument"
XENSTORED_PATH=$T/rec run $H 'data/ok' v
if grep -q "a b" "$T/rec.log"; then
	fail "bad path never sent" "$(cat "$T/rec.log")"
elif ! grep -q "data/ok" "$T/rec.log"; then
	fail "bad path never sent" "the recorder saw nothing: $(cat "$T/rec.log")"
else
	pass "bad path never sent"
fi

# --- listings over one message: DIRECTORY_PART ---------------------------------
# 1000 children with 60-byte names make a listing of 61000 bytes, fifteen
# messages' worth; xenstore-write takes them as pairs in one run.
long=$(head -c 44 /dev/zero | tr '\0' 'n')
set --
i=0
while [ $i -lt 1000 ]; do
	set -- "$@" "/local/domain/0/big/entry-$(printf %04d $i)-$long" "v$i"
	i=$((i + 1))
done
XENSTORED_PATH=$S0 xenstore-write "$@"
set --
i=0
while [ $i -lt 1000 ]; do
	echo "entry-$(printf %04d $i)-$long"
	i=$((i + 1))
done >"$T/big.want"
XENSTORED_PATH=$S0 run $H /local/domain/0/big
printf '%s\n' "$OUT" >"$T/big.got"
if [ "$RC" -eq 0 ] && cmp -s "$T/big.got" "$T/big.want"; then
	pass "hostctl lists 1000 long names whole (DIRECTORY_PART)"
else
	fail "hostctl lists 1000 long names whole (DIRECTORY_PART)" \
	    "exit $RC, $(wc -l <"$T/big.got") lines ($ERR)"
fi
XENSTORED_PATH=$S0 run xenstore-list /local/domain/0/big
printf '%s\n' "$OUT" >"$T/big.xs"
cmp -s "$T/big.xs" "$T/big.got" && pass "hostctl's listing is xenstore-list's" ||
    fail "hostctl's listing is xenstore-list's" "$(wc -l <"$T/big.xs") lines from xenstore-list"
XENSTORED_PATH=$S0 run xenstore-ls /local/domain/0/big
n=$(printf '%s\n' "$OUT" | grep -c "^entry-[0-9]*-$long = \"v[0-9]*\"$")
[ "$RC" -eq 0 ] && [ "$n" -eq 1000 ] && pass "xenstore-ls shows the 1000 nodes" ||
    fail "xenstore-ls shows the 1000 nodes" "exit $RC, $n nodes"
# Past the caller's buffer (64 KiB in process) it is ERANGE, nothing printed.
set --
i=0
while [ $i -lt 1200 ]; do
	set -- "$@" "/local/domain/0/huge/entry-$(printf %04d $i)-$long" ""
	i=$((i + 1))
done
XENSTORED_PATH=$S0 xenstore-write "$@"
set --
XENSTORED_PATH=$S0 run $H /local/domain/0/huge
expect "a listing over 64 KiB is ERANGE" 1 "" "hostctl: ioctl: Numerical result out of range"

# --- the xenbus device: xssim --pty -----------------------------------------------
# On a domU without xenstored the store is /dev/xen/xenbus, a character
# device: xssim serves one connection on a raw pseudo-terminal linked there,
# under a root of its own, and nothing sets $XENSTORED_PATH.
XD=$TOP/../shared/cpuid-dumps/xen-4.11-aws-c3.large.txt
R=$T/root
XB=$R/dev/xen/xenbus
RS=$R/var/run/xenstored/socket
HR="env -u XENSTORED_PATH $B/hostctl -C $XD -r $R"
if [ ! -r "$XD" ]; then
	fail "xenbus device" "$XD missing"
else
	mkdir -p "$R/dev/xen" "$R/var/run/xenstored"
	"$B/xssim" --pty "$XB" --domid 7 --entry-size 5000 2>"$T/pty.err" &
	ptypid=$!
	pids="$pids $ptypid"
	i=0
	while [ ! -c "$XB" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	case $(readlink "$XB") in
	/dev/pts/*)
		[ -c "$XB" ] && pass "xssim --pty links a pty slave" ||
		    fail "xssim --pty links a pty slave" "not a character device" ;;
	*)	fail "xssim --pty links a pty slave" "link '$(readlink "$XB")' ($(cat "$T/pty.err"))" ;;
	esac
	run $HR domid
	expect "device: hostctl reads" 0 7
	run $HR data/pty 'over the device'
	expect "device: hostctl writes" 0 ""
	run $HR data/pty
	expect "device: hostctl reads what it wrote" 0 "over the device"
	run $HR device
	expect "device: hostctl lists" 0 "vif
vbd
vfb"
	run $HR /local/domain/0/z v
	expect "device: outside the home refused" 1 "" "hostctl: ioctl: Permission denied"
	run $HR data/none
	expect "device: missing key" 1 "" "hostctl: ioctl: No such file or directory"
	w4000=$(head -c 4000 /dev/zero | tr '\0' 'w')
	run $HR data/big "$w4000"
	run $HR data/big
	expect "device: 4000-byte value both ways" 0 "$w4000"
	run $HR -l
	case $OUT in
	*"home /local/domain/7"*"device vif vif/0"*"store xenstore, read-write, /dev/xen/xenbus"'
'*)
		pass "device: hostctl -l shows /dev/xen/xenbus" ;;
	*)	fail "device: hostctl -l shows /dev/xen/xenbus" "got '$OUT'" ;;
	esac
	# Bytes a line discipline would turn, swallow or echo, through
	# libxenstore's own device path too; compared with the socket's.
	ctl=$(printf 'a\rb\003c\004d\021\023\177e\nf')
	run $HR data/ctl "$ctl"
	XENSTORED_PATH=$XB run timeout 10 xenstore-read data/ctl
	ptyout=$OUT
	XENSTORED_PATH=$S run $H data/ctl "$ctl"
	XENSTORED_PATH=$S run xenstore-read data/ctl
	if [ -n "$ptyout" ] && [ "$ptyout" = "$OUT" ]; then
		pass "device: control bytes pass untouched"
	else
		fail "device: control bytes pass untouched" "'$ptyout', wanted '$OUT'"
	fi
	XENSTORED_PATH=$XB run timeout 10 xenstore-write data/lx libxs
	run $HR data/lx
	expect "device: libxenstore writes through it" 0 "libxs"
	# A header announcing too much drops the connection: it starts afresh.
	# A request sent before xssim has dropped it is lost with it (hostctl
	# times out after 10 s): poll until one is answered.
	printf '\002\0\0\0\001\0\0\0\0\0\0\0\210\023\0\0' >"$XB"
	deadline=$(($(date +%s) + 30))
	while run $HR data/pty; [ "$RC$OUT" != "0over the device" ] &&
	    [ "$(date +%s)" -lt $deadline ]; do
		sleep 0.1
	done
	expect "device: served again after a request out of step" 0 "over the device"

	# The socket comes first when both are there.
	"$B/xssim" --socket "$RS" --domid 9 2>>"$T/pty.err" &
	sockpid=$!
	pids="$pids $sockpid"
	i=0
	while [ ! -S "$RS" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	run $HR domid
	expect "socket and device: the socket is used" 0 9
	run $HR -l
	case $OUT in
	*"store xenstore, read-write, /var/run/xenstored/socket"'
'*) pass "socket and device: hostctl -l shows the socket" ;;
	*)	fail "socket and device: hostctl -l shows the socket" "got '$OUT'" ;;
	esac
	kill "$sockpid"
	wait "$sockpid"
	src=$?
	# A socket nobody listens on: on to the device.
	$PY -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$RS"
	run $HR domid
	expect "stale socket: the device is used" 0 7
	run $HR -l
	case $OUT in
	*"store xenstore, read-write, /dev/xen/xenbus"'
'*) pass "stale socket: hostctl -l shows the device" ;;
	*)	fail "stale socket: hostctl -l shows the device" "got '$OUT'" ;;
	esac
	rm -f "$RS"

	kill "$ptypid"
	wait "$ptypid"
	prc=$?
	pids=$(echo $pids | tr ' ' '\n' | grep -vx -e "$ptypid" -e "$sockpid")
	if [ "$src$prc" = 00 ] && [ ! -e "$XB" ] && [ ! -L "$XB" ] &&
	    [ ! -s "$T/pty.err" ]; then
		pass "xssim --pty ends cleanly, link removed"
	else
		fail "xssim --pty ends cleanly, link removed" "status $src$prc: $(head -c 400 "$T/pty.err")"
	fi
	rm -rf "$R"
fi

# --- end to end under hvsim ------------------------------------------------------
if [ ! -x "$B/hvsim" ]; then
	skip "hvsim end to end" "build/hvsim not built"
elif ! why=$(hvsim_usable); then
	skip "hvsim end to end" "$why"
else
	# LeakSanitizer cannot run under ptrace (a SAN=1 build).
	export ASAN_OPTIONS=detect_leaks=0
	xenstore-write $D/data/x 'xs value'
	run timeout 60 "$B/hvsim" --profile xen -- "$B/hostctl" data/x
	expect "hvsim: hostctl reads what xenstore-write wrote" 0 "xs value"
	xenstore-write $D/data/hv/one 1
	xenstore-write $D/data/hv/two 2
	run timeout 60 "$B/hvsim" --profile xen -- "$B/hostctl" data/hv
	expect "hvsim: hostctl lists" 0 "one
two"
	run timeout 60 "$B/hvsim" --profile xen -- "$B/hostctl" data/z zz
	run xenstore-read $D/data/z
	expect "hvsim: xenstore-read reads what hostctl wrote" 0 "zz"
	run timeout 60 "$B/hvsim" --profile xen -- "$B/hostctl" /local/domain/0/z v
	expect "hvsim: outside the home refused" 1 "" "hostctl: ioctl: Permission denied"
fi

# Both servers end on SIGTERM, status 0, sockets gone, nothing on stderr
# (a SAN=1 build reports leaks and errors there).
rcs=
for p in $xspids; do kill "$p"; wait "$p"; rcs="$rcs$?"; done
pids=$recpid
if [ "$rcs" = 00 ] && [ ! -e "$S" ] && [ ! -e "$S0" ] && [ ! -s "$T/xssim.err" ]; then
	pass "xssim ends cleanly"
else
	fail "xssim ends cleanly" "status $rcs: $(head -c 400 "$T/xssim.err")"
fi
exit 0
