#!/bin/sh
# pvbusd's Xen agent (pvbusd -a) against xssim, read back with the real
# xenstore-utils (xenstore-read, xenstore-ls), as a XenServer host's tools
# would read the guest's metrics.  No peer agent exists to compare with:
# xe-guest-utilities (xe-daemon) is not packaged in Debian, so the paths and
# formats expected here are those of its source (guestmetric_linux.go,
# xe-daemon.go, mk/xe-linux-distribution), written out case by case.
#
# Everything runs in a private network and UTS namespace: eth0 (a veth end
# with two IPv4 addresses, one IPv6 and one link-local) is vif 0, eth1 is vif 3, eth2 has no
# vif, and docker0 (a bridge) and veth1b, which the default patterns leave
# out, are vifs 7 and 8.  A veth has no device in sysfs and sysfs cannot be
# written, so the vif of each interface comes from a fixture tree given
# with -r (sys/class/net/IF/device as Linux's netfront has it: a link to
# the xenbus device vif-N, with its nodename), as do /proc/meminfo and the
# distribution's files; the interfaces and their addresses are the
# namespace's own, from netlink.
if [ -z "$XA_IN_NS" ]; then
	[ "$(id -u)" = 0 ] || { echo "needs root for unshare -n -u"; exit 77; }
	command -v ip >/dev/null ||
	    { echo "FAIL: ip: not installed (iproute2)"; exit 1; }
	XA_IN_NS=1 exec unshare -n -u sh "$0" "$@"
fi
. "$(dirname "$0")/../lib.sh"

for tool in xenstore-read xenstore-write xenstore-ls xenstore-exists; do
	command -v $tool >/dev/null ||
	    { fail "xenstore-utils" "$tool missing"; exit 1; }
done
[ -x "$B/xssim" ] && [ -x "$B/pvbusd" ] ||
    { echo "FAIL: build: xssim or pvbusd missing"; exit 1; }

set -e
hostname xen-guest
ip link set lo up
ip link add eth0 type veth peer name veth-h0
ip addr add 10.9.8.7/24 dev eth0
ip addr add 10.9.8.8/24 dev eth0
ip -6 addr add fd00:9:8::7/64 dev eth0 nodad
# A link-local address of eth0's own; the kernel makes none, whose
# address and time would vary.
ip -6 addr add fe80::9:8:7/64 dev eth0 nodad
ip link add eth1 type veth peer name veth-h1
ip addr add 192.168.5.5/24 dev eth1
ip link add eth2 type veth peer name veth-h2
ip addr add 192.168.6.6/24 dev eth2
ip link add docker0 type bridge
ip link add veth1a type veth peer name veth1b
for i in eth0 veth-h0 eth1 veth-h1 eth2 veth-h2 docker0 veth1a veth1b; do
	ip link set $i addrgenmode none
done
for i in eth0 veth-h0 eth1 veth-h1 eth2 veth-h2; do ip link set $i up; done
ip addr add 172.17.0.1/16 dev docker0
ip link set docker0 up
ip link set veth1a master docker0
ip link set veth1a up
ip link set veth1b up
ip addr add 172.17.0.2/16 dev veth1b
set +e

# The fixture root: the Xen guest's sysfs of tests/fixtures, the
# interfaces' devices, the memory and the distribution.
R=$T/root
cp -a "$TOP/tests/fixtures/sys/xen" "$R"
mkdir -p "$R/sys/class/net" "$R/proc" "$R/etc" "$R/dev/xen"
# vifdev IF N [nonodename]: IF's device is the xenbus device vif-N.
vifdev() {
	d=$R/sys/devices/vif-$2
	mkdir -p "$d/net/$1"
	[ "$3" = nonodename ] || echo "device/vif/$2" >"$d/nodename"
	ln -s "../../devices/vif-$2/net/$1" "$R/sys/class/net/$1"
	ln -s "../../../vif-$2" "$d/net/$1/device"
}
vifdev eth0 0
vifdev eth1 3 nonodename
vifdev docker0 7
vifdev veth1b 8
meminfo() {
	printf 'MemTotal:        %s kB\nMemFree:          %s kB\nMemAvailable:    %s kB\nBuffers:           1024 kB\n' \
	    "$1" "$2" "$3" >"$R/proc/meminfo.new"
	mv "$R/proc/meminfo.new" "$R/proc/meminfo"
}
meminfo 2048000 100000 1500000
echo 12.5 >"$R/etc/debian_version"
cat >"$R/etc/os-release" <<'EOF'
PRETTY_NAME="Fedora Linux 39 (Server Edition)"
NAME="Fedora Linux"
VERSION_ID=39
ID=fedora
EOF

# A Xen HVM guest's CPUID: hypervisor bit, XenVMMXenVMM, Xen 4.17.
cat >"$T/xen.cpuid" <<'EOF'
   0x00000000 0x00: eax=0x0000000d ebx=0x756e6547 ecx=0x6c65746e edx=0x49656e69
   0x00000001 0x00: eax=0x000306e4 ebx=0x01020800 ecx=0xffba2203 edx=0x178bfbff
   0x40000000 0x00: eax=0x40000002 ebx=0x566e6558 ecx=0x65584d4d edx=0x4d4d566e
   0x40000001 0x00: eax=0x00040011 ebx=0x00000000 ecx=0x00000000 edx=0x00000000
   0x40000002 0x00: eax=0x00000001 ebx=0x40000000 ecx=0x00000000 edx=0x00000000
EOF

AGENV=
XSPID=
AGPID=
OTHER=
cleanup() {
	for p in $AGPID $XSPID $OTHER; do kill "$p" 2>/dev/null; done
	for p in $AGPID $XSPID $OTHER; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# xssim_start SOCKET ARGS...: a fresh store for domain 5, logging every
# request to $T/xs.log; waits for the socket.
xssim_start() {
	sock=$1; shift
	rm -f "$sock"
	: >"$T/xs.log"
	"$B/xssim" --socket "$sock" --domid 5 --log "$T/xs.log" "$@" \
	    2>>"$T/xssim.err" &
	XSPID=$!
	i=0
	while [ ! -S "$sock" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	[ -S "$sock" ]
}
xssim_stop() {
	kill "$XSPID"
	wait "$XSPID"
	XSPID=
}

# agent NAME ARGS...: pvbusd's agent in the foreground, in the background,
# its messages in $T/NAME.log; one round a second.
# $AGENV: env(1)'s arguments for it (another XENSTORED_PATH, none).
agent() {
	n=$1; shift
	env $AGENV "$B/pvbusd" -a -d -C "$T/xen.cpuid" -r "$R" -o interval=1 "$@" \
	    >"$T/$n.log" 2>&1 &
	AGPID=$!
	LOG=$T/$n.log
}
# agent_stop: SIGTERM; its status in $AGRC.
agent_stop() {
	kill -TERM "$AGPID"
	wait "$AGPID"
	AGRC=$?
	AGPID=
}

# until_ok CMD...: wait for CMD to succeed while the agent lives; a bound
# far beyond any round, so that a broken agent fails.
until_ok() {
	n=0
	until "$@" >/dev/null 2>&1; do
		kill -0 "$AGPID" 2>/dev/null || return 1
		n=$((n + 1))
		[ $n -lt 600 ] || return 1
		sleep 0.1
	done
}
# The agent's rounds so far: each reads unique-domain-id first.
rounds() { grep -c '^READ unique-domain-id$' "$T/xs.log"; }
# rounds_pass N: wait until N more rounds have begun.
rounds_ge() { [ "$(rounds)" -ge "$1" ]; }
rounds_pass() {
	until_ok rounds_ge $(($(rounds) + $1))
}
writes() { grep -c '^WRITE ' "$T/xs.log"; }
logged() { grep -cF -- "$1" "$LOG"; }
has_log() { [ "$(logged "$1")" -ge 1 ]; }

D=/local/domain/5
rd() { xenstore-read "$D/$1" 2>/dev/null; }
# is NAME KEY VALUE: what the host reads at KEY.
is() {
	got=$(rd "$2")
	if [ $? -eq 0 ] && [ "$got" = "$3" ]; then
		pass "$1"
	else
		fail "$1" "$2 is '$got', wanted '$3'"
	fi
}
absent() {
	if xenstore-exists "$D/$2" 2>/dev/null; then
		fail "$1" "$2 exists: '$(rd "$2")'"
	else
		pass "$1"
	fi
}
# value_is KEY VALUE: for until_ok.
value_is() { [ "$(rd "$1")" = "$2" ]; }
gone() { ! xenstore-exists "$D/$1"; }

S=$T/xs
export XENSTORED_PATH=$S
xssim_start "$S" || { echo "FAIL: xssim: no socket ($(cat "$T/xssim.err"))"; exit 1; }

# --- the metrics, as the host reads them ---------------------------------------
agent main
if until_ok xenstore-exists $D/data/updated; then
	pass "data/updated appears"
else
	fail "data/updated appears" "$(cat "$LOG")"
fi
VERSION=$(sed -n 's/^VERSION[	 ]*:= *//p' "$TOP/Makefile")
run xenstore-ls $D/attr
expect "xenstore-ls attr: the vifs' addresses and the tools' version" 0 \
"PVAddons = \"\"
 BuildVersion = \"0\"
 Installed = \"1\"
 MajorVersion = \"${VERSION%%.*}\"
 MicroVersion = \"${VERSION##*.}\"
 MinorVersion = \"$(echo "$VERSION" | cut -d. -f2)\"
vif = \"\"
 0 = \"\"
  ipv4 = \"\"
   0 = \"10.9.8.7\"
   1 = \"10.9.8.8\"
  ipv6 = \"\"
   0 = \"fd00:9:8::7\"
   1 = \"fe80::9:8:7\"
 3 = \"\"
  ipv4 = \"\"
   0 = \"192.168.5.5\""
is "data/os_distro from debian_version" data/os_distro debian
is "data/os_majorver" data/os_majorver 12
is "data/os_minorver" data/os_minorver 5
is "data/os_name as xe-linux-distribution names Debian" data/os_name "Debian 12.5"
is "data/os_uname is the kernel's release" data/os_uname "$(uname -r)"
is "data/meminfo_total in kB" data/meminfo_total 2048000
is "data/meminfo_free is MemAvailable" data/meminfo_free 1500000
stamp=$(rd data/updated)
if echo "$stamp" | grep -Eq '^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) [A-Z][a-z]{2} [ 1-3][0-9] [0-2][0-9]:[0-5][0-9]:[0-6][0-9] [0-9]{4}$'; then
	pass "data/updated in xe-daemon's format"
else
	fail "data/updated in xe-daemon's format" "'$stamp'"
fi
absent "docker0 and veth1b left out by the default patterns" attr/vif/7
absent "veth1b left out" attr/vif/8
[ "$(grep -c '192.168.6.6' "$T/xs.log")" = 0 ] &&
    ! xenstore-ls $D/attr | grep -q 192.168.6.6 &&
    pass "an interface without a vif is not published" ||
    fail "an interface without a vif is not published" "192.168.6.6 written"
absent "control/ is left to the kernel" control/feature-balloon

# --- only changes are written ------------------------------------------------------
w=$(writes)
rounds_pass 3
if [ "$(writes)" = "$w" ] && [ "$w" = 18 ]; then
	pass "rounds without a change write nothing (18 nodes once, then none)"
else
	fail "rounds without a change write nothing" "$w writes, then $(writes)"
fi

# --- an address taken off, one added ------------------------------------------------
ip addr del 10.9.8.8/24 dev eth0
if until_ok gone attr/vif/0/ipv4/1; then
	pass "an address taken off: its node is removed within a round"
else
	fail "an address taken off: its node is removed" "$(xenstore-ls $D/attr/vif)"
fi
is "the other address stays" attr/vif/0/ipv4/0 10.9.8.7
grep -q '^RM attr/vif/0/ipv4/1$' "$T/xs.log" && pass "removed with RM" ||
    fail "removed with RM" "$(grep -v '^READ' "$T/xs.log" | tail -5)"
ip -6 addr add fe80::9:8:9/64 dev eth0 nodad
if until_ok value_is attr/vif/0/ipv6/2 fe80::9:8:9; then
	pass "an address added appears within a round"
else
	fail "an address added appears within a round" "$(xenstore-ls $D/attr/vif)"
fi

# --- the memory changes: that node and data/updated only -------------------------
w=$(writes)
meminfo 2048000 90000 1400000
if until_ok value_is data/meminfo_free 1400000; then
	rounds_pass 2
	new=$(grep '^WRITE ' "$T/xs.log" | tail -n +$((w + 1)) | tr '\n' ' ')
	[ "$new" = "WRITE data/meminfo_free WRITE data/updated " ] &&
	    pass "a memory change writes meminfo_free and data/updated" ||
	    fail "a memory change writes meminfo_free and data/updated" "$new"
else
	fail "a memory change is published" "meminfo_free is $(rd data/meminfo_free)"
fi

# --- the distribution as xe-linux-distribution finds it ----------------------------
rm "$R/etc/debian_version"
if until_ok value_is data/os_distro fedora; then
	is "os-release: os_name is PRETTY_NAME" data/os_name "Fedora Linux 39 (Server Edition)"
	is "os-release: os_majorver from VERSION_ID" data/os_majorver 39
	is "os-release: no minor version is 'unknown'" data/os_minorver unknown
else
	fail "os-release: the distribution" "os_distro is $(rd data/os_distro)"
fi
printf 'DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=22.04\nDISTRIB_DESCRIPTION="Ubuntu 22.04.3 LTS"\n' \
    >"$R/etc/lsb-release"
if until_ok value_is data/os_distro ubuntu; then
	is "lsb-release: os_name is the description" data/os_name "Ubuntu 22.04.3 LTS"
	is "lsb-release: the release's major" data/os_majorver 22
	is "lsb-release: the release's minor" data/os_minorver 04
else
	fail "lsb-release: the distribution" "os_distro is $(rd data/os_distro)"
fi
rm "$R/etc/lsb-release"
echo 12.5 >"$R/etc/debian_version"
until_ok value_is data/os_distro debian

# --- a restart: what the store holds is learnt, not written again -------------------
agent_stop
[ "$AGRC" = 0 ] && pass "SIGTERM ends the agent, status 0" ||
    fail "SIGTERM ends the agent, status 0" "status $AGRC: $(cat "$LOG")"
# While it is down: an address goes, and an earlier agent's address is left.
ip -6 addr del fe80::9:8:9/64 dev eth0
xenstore-write $D/attr/vif/0/ipv4/5 10.0.0.99
w=$(writes)
agent restart
if until_ok gone attr/vif/0/ipv4/5 && until_ok gone attr/vif/0/ipv6/2; then
	pass "after a restart, addresses no longer there are removed"
else
	fail "after a restart, addresses no longer there are removed" "$(xenstore-ls $D/attr/vif)"
fi
rounds_pass 2
new=$(grep '^WRITE ' "$T/xs.log" | tail -n +$((w + 1)) | tr '\n' ' ')
[ "$new" = "WRITE data/updated " ] &&
    pass "after a restart, only data/updated is written" ||
    fail "after a restart, only data/updated is written" "$new"

# --- XenStore restarted: everything again on the new store -----------------------------
xssim_stop
xssim_start "$S"
if until_ok value_is attr/vif/0/ipv4/0 10.9.8.7 && until_ok xenstore-exists $D/data/updated; then
	pass "XenStore restarted: the metrics are written to the new one"
else
	fail "XenStore restarted: the metrics are written again" "$(cat "$LOG")"
fi
until_ok has_log 'publishing the guest metrics'
[ "$(logged 'connecting again every 1 s')" = 1 ] &&
    [ "$(logged 'publishing the guest metrics')" = 1 ] &&
    pass "the lost store is logged once, and its return" ||
    fail "the lost store is logged once, and its return" "$(cat "$LOG")"
agent_stop

# --- -o nics=: the patterns are the user's ------------------------------------------------
xssim_stop
xssim_start "$S"
agent nics -o nics=eth1
until_ok xenstore-exists $D/data/updated
rounds_pass 1
absent "-o nics=eth1 leaves eth1 out" attr/vif/3
is "-o nics=eth1 replaces the default patterns: docker0 is published" \
    attr/vif/7/ipv4/0 172.17.0.1
agent_stop

# --- the domain's quota --------------------------------------------------------------------
# A new domain owns 28 nodes in xssim: 36 leaves room for the tools'
# version (6 nodes) and two more, not for a vif's addresses.
xssim_stop
xssim_start "$S" --entry-nb 36
agent quota
until_ok xenstore-exists $D/attr/PVAddons/Installed
rounds_pass 3
if kill -0 "$AGPID" 2>/dev/null && [ "$(logged "quota is used up")" = 1 ]; then
	pass "a quota refusal is logged once, and the agent goes on"
else
	fail "a quota refusal is logged once" "$(cat "$LOG")"
fi
is "within the quota the tools' version is published" attr/PVAddons/MajorVersion "${VERSION%%.*}"
absent "past the quota nothing of the vifs is" attr/vif
n=$(grep -c '^WRITE attr/vif/0/ipv4/0$' "$T/xs.log")
[ "$n" -ge 3 ] && pass "the refused writes are tried again every round" ||
    fail "the refused writes are tried again every round" "$n tries"
agent_stop
[ "$AGRC" = 0 ] && pass "quota: SIGTERM ends it, status 0" ||
    fail "quota: SIGTERM ends it, status 0" "status $AGRC"

# --- no XenStore, a bad one -----------------------------------------------------------------
xssim_stop
XSOLD=$S
S=$T/later
XENSTORED_PATH=$S
agent missing
until_ok has_log "XenStore: $T/later: No such file or directory; trying again every 1 s"
rounds_ok=$?
xssim_start "$S"
if [ $rounds_ok = 0 ] && until_ok xenstore-exists $D/data/updated; then
	pass "no XenStore: logged, then published once it is there"
else
	fail "no XenStore: logged, then published once it is there" "$(cat "$LOG")"
fi
[ "$(logged 'trying again')" = 1 ] && pass "no XenStore: logged once" ||
    fail "no XenStore: logged once" "$(cat "$LOG")"
agent_stop
xssim_stop
S=$XSOLD
XENSTORED_PATH=$S
: >"$T/notasocket"
AGENV="XENSTORED_PATH=$T/notasocket"
agent bad
AGENV=
if until_ok has_log "XenStore: $T/notasocket: No such device; trying again"; then
	pass "a path that is no store: a clear message"
else
	fail "a path that is no store: a clear message" "$(cat "$LOG")"
fi
agent_stop
# A server that answers with garbage: an error, logged once, not fatal.
python3 - "$T/junk" <<'EOF' &
import socket, sys
srv = socket.socket(socket.AF_UNIX); srv.bind(sys.argv[1]); srv.listen(8)
srv.settimeout(30)
while True:
    try:
        so, _ = srv.accept()
    except socket.timeout:
        break
    so.recv(4096)
    so.sendall(b"\xff" * 64)
    so.close()
EOF
OTHER=$!
i=0
while [ ! -S "$T/junk" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
AGENV="XENSTORED_PATH=$T/junk"
agent junk
AGENV=
if until_ok has_log "XenStore: $T/junk: READ unique-domain-id: Input/output error; connecting again" &&
    kill -0 "$AGPID"; then
	pass "a store answering garbage: a clear message, not fatal"
else
	fail "a store answering garbage: a clear message" "$(cat "$LOG")"
fi
agent_stop
kill "$OTHER"; wait "$OTHER" 2>/dev/null
OTHER=

# --- xe-daemon running: the metrics are its --------------------------------------------------
xssim_start "$S"
cp "$(command -v sleep)" "$T/xe-daemon"
"$T/xe-daemon" 600 &
OTHER=$!
agent xed
if until_ok has_log "xe-daemon is running (pid $OTHER): the guest metrics are left to it" &&
    [ "$(writes)" = 0 ]; then
	pass "xe-daemon running: nothing is written"
else
	fail "xe-daemon running: nothing is written" "$(writes) writes: $(cat "$LOG")"
fi
kill "$OTHER"; wait "$OTHER" 2>/dev/null
OTHER=
if until_ok xenstore-exists $D/data/updated && [ "$(logged 'xe-daemon has ended')" = 1 ]; then
	pass "xe-daemon ended: the agent publishes"
else
	fail "xe-daemon ended: the agent publishes" "$(cat "$LOG")"
fi
agent_stop

# --- the xenbus device: xssim --pty, no XENSTORED_PATH -------------------------------------
# The same store on a socket too, for the host's reading.
xssim_stop
xssim_start "$S" --pty "$R/dev/xen/xenbus"
AGENV="-u XENSTORED_PATH"
agent pty
AGENV=
if until_ok value_is attr/vif/3/ipv4/0 192.168.5.5; then
	pass "over the xenbus device (xssim --pty)"
else
	fail "over the xenbus device (xssim --pty)" "$(cat "$LOG")"
fi
agent_stop

# --- valgrind: the agent's rounds, an address change, the end ---------------------------------
case $B in
*-san) ;;
*)	xssim_stop
	xssim_start "$S"
	valgrind -q --error-exitcode=9 --leak-check=full \
	    --errors-for-leak-kinds=definite,indirect --trace-children=yes \
	    "$B/pvbusd" -a -d -C "$T/xen.cpuid" -r "$R" -o interval=1 \
	    >"$T/vg.log" 2>&1 &
	AGPID=$!
	LOG=$T/vg.log
	until_ok xenstore-exists $D/data/updated
	ip addr del 192.168.5.5/24 dev eth1
	until_ok gone attr/vif/3/ipv4/0
	agent_stop
	if [ "$AGRC" = 0 ] && ! grep -q '^==' "$T/vg.log"; then
		pass "valgrind: the agent, clean"
	else
		fail "valgrind: the agent" "status $AGRC: $(head -c 2000 "$T/vg.log")"
	fi
	ip addr add 192.168.5.5/24 dev eth1 ;;
esac

# --- under hvsim's Xen guest, without a CPUID dump ----------------------------------------------
if [ ! -x "$B/hvsim" ]; then
	skip "hvsim: the agent" "build/hvsim not built"
elif ! why=$(hvsim_usable); then
	skip "hvsim: the agent" "$why"
else
	xssim_stop
	xssim_start "$S"
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
	    "$B/hvsim" --profile xen -- "$B/pvbusd" -a -d -r "$R" \
	    -o interval=1 >"$T/hvsim.log" 2>&1 &
	AGPID=$!
	LOG=$T/hvsim.log
	if until_ok value_is attr/vif/0/ipv4/0 10.9.8.7; then
		pass "hvsim --profile xen: the agent publishes"
	else
		fail "hvsim --profile xen: the agent publishes" "$(cat "$LOG")"
	fi
	for p in /proc/[0-9]*; do
		[ "$(awk '/^PPid:/ { print $2 }' "$p/status" 2>/dev/null)" = "$AGPID" ] &&
		    kill -TERM "${p#/proc/}"
	done
	wait "$AGPID"
	AGPID=
fi

xssim_stop
[ ! -s "$T/xssim.err" ] && pass "xssim: no complaint" ||
    fail "xssim: no complaint" "$(head -c 400 "$T/xssim.err")"
exit 0
