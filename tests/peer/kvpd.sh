#!/bin/sh
# pvbusd's Hyper-V KVP agent against the real hv_kvp_daemon, by difference:
# kvphost plays the same host script to each, in the same private network,
# mount, UTS and pid namespaces (one test NIC, a fixed host name, pools on
# a tmpfs), and the answers and the pool files must be the same, except
# where pvbus(8) documents that pvbusd is right and the daemon is not.
# Then what only pvbusd is asked: a daemon already running, a host name
# that changes, malformed messages.

DAEMON=/usr/sbin/hv_kvp_daemon
POOLS=/var/lib/hyperv
SCRIPTS=/usr/libexec/hypervkvpd

# Into the namespaces first, so lib.sh's scratch directory is made there.
# A pid namespace of its own: pvbusd looks for a running hv_kvp_daemon in
# /proc, and other tests on this machine run one.
if [ -z "$KVPD_IN_NS" ]; then
	[ "$(id -u)" = 0 ] || { echo "needs root for unshare"; exit 77; }
	[ -x "$DAEMON" ] ||
	    { echo "FAIL: hv_kvp_daemon: no $DAEMON (hyperv-daemons)"; exit 1; }
	command -v ip >/dev/null ||
	    { echo "FAIL: ip: not installed (iproute2)"; exit 1; }
	KVPD_IN_NS=1 exec unshare -m -u -n -p -f --mount-proc \
	    --propagation private sh "$0" "$@"
fi
. "$(dirname "$0")/../lib.sh"

KVPHOST=$B/kvphost
TOOL=$B/tests/kvp_tool
MAC=00:15:5D:00:01:02
GUID="{f8615163-df3e-46c5-913f-f2d2f965ed0e}"

# --- The machine both daemons run on. --------------------------------------
# Pools on a tmpfs over /var/lib (so that nothing outside reaches them), a
# host name that resolves through a hosts file of our own, our own
# resolver list, the distribution's scripts beside one that records the
# configurations the host sets, and a sysfs view of the NIC with its VMBus
# instance, which a veth does not have.
setup() {
	mount -t tmpfs kvp /var/lib && mkdir "$POOLS" || return 1
	hostname kvpguest || return 1
	printf '127.0.0.1 localhost\n192.0.2.10 kvpguest.example.net kvpguest\n' \
	    >"$T/hosts"
	printf 'nameserver 192.0.2.53\nnameserver 2001:db8::53\n' \
	    >"$T/resolv.conf"
	mount --bind "$T/hosts" /etc/hosts &&
	    mount --bind "$T/resolv.conf" /etc/resolv.conf || return 1
	mkdir "$T/scripts" "$T/setip" &&
	    cp "$SCRIPTS/hv_get_dns_info" "$SCRIPTS/hv_get_dhcp_info" \
	    "$T/scripts/" || return 1
	cat >"$T/scripts/hv_set_ifconfig" <<EOF
#!/bin/sh
n=\$(ls "$T/setip" | wc -l)
cp "\$1" "$T/setip/\$n"
EOF
	chmod 755 "$T/scripts/hv_set_ifconfig"
	mount --bind "$T/scripts" "$SCRIPTS" || return 1
	ip link set lo up &&
	    ip link add eth0 address 00:15:5d:00:01:02 type veth peer name \
	    peer0 && ip link set eth0 addrgenmode none &&
	    ip link set peer0 addrgenmode none && ip link set peer0 up &&
	    ip link set eth0 up &&
	    ip addr add 192.0.2.10/24 dev eth0 &&
	    ip addr add 198.51.100.7/25 dev eth0 &&
	    ip -6 addr add 2001:db8::10/64 dev eth0 nodad &&
	    ip -6 addr add 2001:db8:1::10/48 dev eth0 nodad &&
	    ip route add default via 192.0.2.1 dev eth0 &&
	    ip -6 route add default via 2001:db8::1 dev eth0 || return 1
	mount -t tmpfs sysnet /sys/class/net &&
	    mkdir -p /sys/class/net/eth0/device /sys/class/net/lo || return 1
	echo 00:15:5d:00:01:02 >/sys/class/net/eth0/address
	echo "$GUID" >/sys/class/net/eth0/device/device_id
	echo 00:00:00:00:00:00 >/sys/class/net/lo/address
}
if ! setup; then
	fail "the guest's namespaces" "cannot set up mounts, host name or eth0"
	exit 1
fi

# Leaves 1 and 0x40000000.. of a Hyper-V guest (Azure), for pvbusd's bus.
cat >"$T/hyperv.cpuid" <<'EOF'
   0x00000000 0x00: eax=0x00000015 ebx=0x756e6547 ecx=0x6c65746e edx=0x49656e69
   0x00000001 0x00: eax=0x000606a6 ebx=0x00400800 ecx=0xfeda3223 edx=0x1f8bfbff
   0x40000000 0x00: eax=0x4000000a ebx=0x7263694d ecx=0x666f736f edx=0x76482074
   0x40000001 0x00: eax=0x31237648 ebx=0x00000000 ecx=0x00000000 edx=0x00000000
EOF
PVBUSD="$B/pvbusd -a -d -C $T/hyperv.cpuid -o interval=1"

# --- The host's script. ----------------------------------------------------
rep() { printf "%$1s" "" | tr ' ' "$2"; }
k254=$(rep 254 k) k255=$(rep 255 k) k256=$(rep 256 k)
v1022=$(rep 1022 v) v1023=$(rep 1023 v) v1024=$(rep 1024 v)
# Three bytes of UTF-8 each: 254 of them do not fit the driver's 511 bytes.
euro170=$(i=0; while [ $i -lt 170 ]; do printf '\342\202\254'; i=$((i + 1)); done)
euro254=$euro170$(i=0; while [ $i -lt 84 ]; do printf '\342\202\254'; i=$((i + 1)); done)
# A character outside the BMP: two UTF-16 units.
clef='\360\235\204\236'

cat >"$T/script" <<EOF
mark set-external
set 0 HostKey set-by-host
set 0 Second a longer second value
set 0 Third third
set 0 HostKey overwritten
enum 0
mark get-missing
get 0 Missing
mark get-found
get 0 HostKey
mark delete-external
delete 0 Second
delete 0 Missing
enum 0
mark delete-last
delete 0 Third
enum 0
mark guest-enum
enum 1
mark guest-host-set
set 1 HostInGuest from the host
enum 1
mark auto-external
enum 3
set 3 HostName host-given
set 3 Extra x
delete 3 HostName
enum 3
mark auto-internal
set 4 Internal1 one
set 4 Internal2 two
delete 4 Internal1
enum 4
mark auto-file
set 2 FileKey in the file
delete 2 Missing
mark auto-enum
enum 2
mark key-limits
set 0 $k254 at the key limit
set 0 $k255 one past the host's
set 0 $k256 two past
set 0 $euro170 euro
set 0 $euro254 euro cut by the driver
set 0 $(printf "$clef$clef") outside the BMP
enum 0
mark value-limits
set 1 V1022 $v1022
set 1 V1023 $v1023
set 1 V1024 $v1024
enum 1
mark busy
busy 30
enum 1
enum 0
mark ipinfo
ipinfo $MAC
ipinfo $MAC 1
mark ipinfo-unknown
ipinfo 00:15:5D:FF:FF:FF
ipinfo 00:15:5d:00:01:02
mark setip-ipv4
setip $GUID 0 192.0.2.20;192.0.2.21 255.255.255.0;255.255.255.0 192.0.2.1 192.0.2.53;192.0.2.54
mark setip-ipv6-dhcp
setip $GUID 1 2001:db8::20;192.0.2.22 64;255.255.0.0 2001:db8::1;192.0.2.1 2001:db8::53
mark setip-unknown-guid
setip {00000000-0000-0000-0000-000000000000} 0 192.0.2.20 255.255.255.0 - -
mark end
enum 0
enum 1
EOF

# Guest-side records, written before the daemon starts, as hostctl or
# cloud-init would: among them bytes that are not UTF-8.
seed() {
	rm -rf "$POOLS" && mkdir "$POOLS" &&
	for p in 0 1 2 3 4; do : >"$POOLS/.kvp_pool_$p"; done &&
	"$TOOL" set "$POOLS/.kvp_pool_1" GuestKey "guest value" &&
	"$TOOL" set "$POOLS/.kvp_pool_1" "$(printf 'Bad\377Key')" \
	    "$(printf 'not \376 UTF-8')" &&
	"$TOOL" set "$POOLS/.kvp_pool_1" Long "a longer value than the next" &&
	"$TOOL" set "$POOLS/.kvp_pool_3" HostName "kvpguest" &&
	chmod 644 "$POOLS"/.kvp_pool_*
}

# One session: fresh pools, the script, the answers split at the marks,
# the pools and the configuration files kept.
session() {
	tag=$1 daemon=$2
	seed || { fail "$tag: seed the pools" "kvp_tool failed"; return 1; }
	rm -f "$T/setip"/*
	"$KVPHOST" -d "$daemon" <"$T/script" >"$T/$tag.out" 2>"$T/$tag.err"
	echo $? >"$T/$tag.rc"
	mkdir -p "$T/$tag.cases" "$T/$tag.pools" "$T/$tag.setip"
	awk -v dir="$T/$tag.cases" '
		/^mark / { f = dir "/" $2; printf "" > f; next }
		f != "" { print >> f }' "$T/$tag.out"
	cp -p "$POOLS"/.kvp_pool_* "$T/$tag.pools/"
	cp "$T/setip"/* "$T/$tag.setip/" 2>/dev/null
	[ -f "$POOLS/ifcfg-eth0" ] && cp "$POOLS/ifcfg-eth0" "$T/$tag.ifcfg"
	return 0
}

session daemon "$DAEMON"
session pvbusd "$PVBUSD"

for tag in daemon pvbusd; do
	if [ "$(cat "$T/$tag.rc")" = 0 ] && grep -q '^mark end$' "$T/$tag.out"; then
		pass "$tag: the host script runs to its end"
	else
		fail "$tag: the host script runs to its end" \
		    "exit $(cat "$T/$tag.rc"): $(tail -n 3 "$T/$tag.err")"
	fi
done

# Cases whose answers must be the same.
same() {
	for c in "$@"; do
		if [ ! -f "$T/daemon.cases/$c" ]; then
			fail "same answers: $c" "the daemon's run has no such case"
		elif cmp -s "$T/daemon.cases/$c" "$T/pvbusd.cases/$c"; then
			pass "same answers: $c"
		else
			fail "same answers: $c" "$(diff "$T/daemon.cases/$c" \
			    "$T/pvbusd.cases/$c" | head -n 6 | tr '\n' '|')"
		fi
	done
}
same set-external get-missing delete-external delete-last guest-enum \
    guest-host-set auto-external auto-internal auto-file auto-enum \
    key-limits value-limits busy ipinfo ipinfo-unknown setip-ipv4 \
    setip-ipv6-dhcp setip-unknown-guid end

# Cases where pvbusd(8) documents the difference: each side as expected.
differ() {
	c=$1 want_daemon=$2 want_pvbusd=$3
	got_d=$(cat "$T/daemon.cases/$c" 2>/dev/null)
	got_p=$(cat "$T/pvbusd.cases/$c" 2>/dev/null)
	if [ "$got_d" = "$want_daemon" ] && [ "$got_p" = "$want_pvbusd" ]; then
		pass "documented difference: $c"
	else
		fail "documented difference: $c" \
		    "daemon '$got_d' (want '$want_daemon'), pvbusd '$got_p' (want '$want_pvbusd')"
	fi
}
# The driver hands the host a GET's value from the enumeration layout,
# where the daemon puts nothing.
differ get-found "ok " "ok overwritten"

# What the answers say, so that "the same" is not the same nonsense.
expect_case() {
	name=$1 c=$2 want=$3
	got=$(cat "$T/pvbusd.cases/$c" 2>/dev/null)
	[ "$got" = "$want" ] && pass "$name" ||
	    fail "$name" "'$got', want '$want'"
}
expect_case "host SET and overwrite, in pool order" set-external "ok
ok
ok
ok
HostKey=overwritten
Second=a longer second value
Third=third
end 3"
expect_case "host GET of a missing key" get-missing "error 0x80070103"
expect_case "GET_IP_INFO of the test NIC" ipinfo \
    "ok family=3 dhcp=0 ip=192.0.2.10;198.51.100.7;2001:db8:1::10;2001:db8::10 subnet=255.255.255.0;255.255.255.128;/48;/64 gateway=192.0.2.1;2001:db8::1; dns=192.0.2.53;2001:db8::53;
ok family=3 dhcp=0 ip=192.0.2.10;198.51.100.7;2001:db8:1::10;2001:db8::10 subnet=255.255.255.0;255.255.255.128;/48;/64 gateway=192.0.2.1;2001:db8::1; dns=192.0.2.53;2001:db8::53;"
grep -q '^FullyQualifiedDomainName=kvpguest.example.net$' \
    "$T/pvbusd.cases/auto-enum" &&
    grep -q '^NetworkAddressIPv4=192.0.2.10;198.51.100.7$' \
    "$T/pvbusd.cases/auto-enum" &&
    grep -q '^IntegrationServicesVersion=3.1$' "$T/pvbusd.cases/auto-enum" &&
    pass "Auto pool: domain name, addresses, driver version" ||
    fail "Auto pool: domain name, addresses, driver version" \
    "$(cat "$T/pvbusd.cases/auto-enum" | tr '\n' '|')"

# The pool files: byte for byte, but for the bytes the daemon leaves after
# a field's NUL when it moves or overwrites records (pvbusd pads with NULs).
for p in 0 1 2 3 4; do
	f=.kvp_pool_$p
	run "$TOOL" padding "$T/daemon.pools/$f" "$T/pvbusd.pools/$f"
	case $RC:$OUT in
	"0:same")
		pass "pool $p: the same bytes" ;;
	"0:padding "*)
		pass "pool $p: the same records, pvbusd NUL padded (documented difference; ${OUT#padding } fields)" ;;
	*)	fail "pool $p: the same bytes" "$OUT" ;;
	esac
done
# Pools that existed keep their mode, with either.
for tag in daemon pvbusd; do
	m=$(stat -c %a "$T/$tag.pools/.kvp_pool_0")
	[ "$m" = 644 ] && pass "$tag: existing pool keeps mode 644" ||
	    fail "$tag: existing pool keeps mode 644" "mode $m"
done
# The configurations the host set reached hv_set_ifconfig alike.
n_d=$(ls "$T/daemon.setip" | wc -l) n_p=$(ls "$T/pvbusd.setip" | wc -l)
if [ "$n_d" = 2 ] && [ "$n_p" = 2 ] &&
    cmp -s "$T/daemon.setip/0" "$T/pvbusd.setip/0" &&
    cmp -s "$T/daemon.setip/1" "$T/pvbusd.setip/1" &&
    cmp -s "$T/daemon.ifcfg" "$T/pvbusd.ifcfg"; then
	pass "SET_IP_INFO: the same configuration files for hv_set_ifconfig"
else
	fail "SET_IP_INFO: the same configuration files for hv_set_ifconfig" \
	    "$n_d and $n_p files: $(diff "$T/daemon.setip/1" "$T/pvbusd.setip/1" | head -n 4 | tr '\n' '|')"
fi
expect_case "SET_IP_INFO: the daemon's format" setip-ipv4 "ok"
run cat "$T/pvbusd.setip/1"
expect "SET_IP_INFO: IPv6 spelt out, DHCP, numbered entries" 0 \
"HWADDR=00:15:5D:00:01:02
DEVICE=eth0
BOOTPROTO=dhcp
IPV6ADDR=2001:0db8:0000:0000:0000:0000:0000:0020
IPADDR0=192.0.2.22
IPV6NETMASK=64
NETMASK0=255.255.0.0
IPV6_DEFAULTGW=2001:0db8:0000:0000:0000:0000:0000:0001
GATEWAY=192.0.2.1
DNS1=2001:0db8:0000:0000:0000:0000:0000:0053"

# What the host set is what the guest reads (the last session was pvbusd's).
run "$B/hostctl" -C "$T/hyperv.cpuid" External/HostKey
expect "hostctl reads External/HostKey the host set through pvbusd" 0 \
    "overwritten"

# The same script to pvbusd under valgrind: the same answers, no error, no
# leak (the sanitizer build cannot run under it).
case $B in
*-san)	;;
*)	if command -v valgrind >/dev/null; then
		# What pvbusd keeps for its lifetime (the -o strings, the
		# supervisor's table, in a child's view when it ends).
		cat >"$T/vg.supp" <<'EOF'
{
   pvbusd-options
   Memcheck:Leak
   match-leak-kinds: definite
   ...
   fun:agent_opt
}
{
   pvbusd-children
   Memcheck:Leak
   match-leak-kinds: definite
   fun:calloc
   ...
   fun:supervise
}
EOF
		session valgrind "$(command -v valgrind) -q --suppressions=$T/vg.supp --log-file=$T/vg.%p --leak-check=full --errors-for-leak-kinds=definite,indirect $PVBUSD"
		if diff -r "$T/pvbusd.cases" "$T/valgrind.cases" >/dev/null &&
		    [ -n "$(ls "$T"/vg.[0-9]* 2>/dev/null)" ] &&
		    [ -z "$(cat "$T"/vg.[0-9]*)" ]; then
			pass "valgrind: pvbusd answers the host script cleanly"
		else
			fail "valgrind: pvbusd answers the host script cleanly" \
			    "$(diff -r "$T/pvbusd.cases" "$T/valgrind.cases" | head -n 4 | tr '\n' '|') $(cat "$T"/vg.[0-9]* "$T/valgrind.err" 2>/dev/null | tail -n 5 | tr '\n' '|')"
		fi
	else
		fail "valgrind: pvbusd answers the host script" "valgrind is not installed (tools/deps build test)"
	fi ;;
esac

# --- Documented differences that need a session of their own. -------------
# Two sessions of COMMANDS (one argument each), the answers in $T/d.one
# and $T/p.one.
both() {
	"$KVPHOST" -d "$DAEMON" "$@" >"$T/d.one" 2>"$T/d.err"
	"$KVPHOST" -d "$PVBUSD" "$@" >"$T/p.one" 2>"$T/p.err"
}

# Pool files that did not exist: the daemon makes them 0644, pvbusd 0600.
rm -rf "$POOLS"
"$KVPHOST" -d "$DAEMON" "enum 0" >/dev/null 2>&1
m_d=$(stat -c %a "$POOLS/.kvp_pool_1")
rm -rf "$POOLS"
"$KVPHOST" -d "$PVBUSD" "enum 0" >/dev/null 2>&1
m_p=$(stat -c %a "$POOLS/.kvp_pool_1") m_dir=$(stat -c %a "$POOLS")
[ "$m_d" = 644 ] && [ "$m_p" = 600 ] && [ "$m_dir" = 755 ] &&
    pass "documented difference: new pool files are 0600 (the daemon's 0644)" ||
    fail "documented difference: new pool files are 0600" \
    "daemon $m_d, pvbusd $m_p, directory $m_dir"

# A host name that does not resolve (and a resolver that says so at once).
printf '127.0.0.1 localhost\n' >"$T/hosts"
printf 'nameserver 127.0.0.1\n' >"$T/resolv.conf"
both "enum 2"
fq_d=$(sed -n 's/^FullyQualifiedDomainName=//p' "$T/d.one")
fq_p=$(sed -n 's/^FullyQualifiedDomainName=//p' "$T/p.one")
case $fq_d:$fq_p in
"getaddrinfo failed: "*:kvpguest)
	pass "documented difference: an unresolved host name is reported as it is" ;;
*)	fail "documented difference: an unresolved host name" "daemon '$fq_d', pvbusd '$fq_p'" ;;
esac
printf '127.0.0.1 localhost\n192.0.2.10 kvpguest.example.net kvpguest\n192.0.2.10 kvpguest2.example.net kvpguest2\n' \
    >"$T/hosts"
printf 'nameserver 192.0.2.53\nnameserver 2001:db8::53\n' >"$T/resolv.conf"

# Interfaces of containers: the daemon lists them, pvbusd leaves them out
# as the -o nics patterns say.  IPv6 link-local addresses both report.
ip link add docker0 type veth peer name dpeer &&
    ip link set docker0 addrgenmode none && ip link set dpeer addrgenmode none &&
    ip link set docker0 up && ip addr add 172.17.0.1/16 dev docker0 &&
    ip -6 addr add fe80::215:5dff:fe00:102/64 dev eth0 nodad
both "enum 2"
v4_d=$(sed -n 's/^NetworkAddressIPv4=//p' "$T/d.one")
v4_p=$(sed -n 's/^NetworkAddressIPv4=//p' "$T/p.one")
v6_d=$(sed -n 's/^NetworkAddressIPv6=//p' "$T/d.one")
v6_p=$(sed -n 's/^NetworkAddressIPv6=//p' "$T/p.one")
if [ "$v4_d" = "192.0.2.10;198.51.100.7;172.17.0.1" ] &&
    [ "$v4_p" = "192.0.2.10;198.51.100.7" ] &&
    [ "$v6_d" = "2001:db8:1::10;2001:db8::10;fe80::215:5dff:fe00:102" ] &&
    [ "$v6_p" = "2001:db8:1::10;2001:db8::10;fe80::215:5dff:fe00:102" ] &&
    [ "$(grep -v '^NetworkAddress' "$T/d.one")" = \
    "$(grep -v '^NetworkAddress' "$T/p.one")" ]; then
	pass "documented difference: excluded interfaces left out, link-local kept"
else
	fail "documented difference: excluded interfaces left out, link-local kept" \
	    "daemon '$v4_d' '$v6_d', pvbusd '$v4_p' '$v6_p'"
fi
ip link del docker0
ip -6 addr del fe80::215:5dff:fe00:102/64 dev eth0

# A configuration with an entry that is no address: both refuse it; the
# daemon leaves the part it wrote behind, pvbusd writes nothing.
rm -f "$POOLS/ifcfg-eth0"
"$KVPHOST" -d "$DAEMON" "setip $GUID 0 192.0.2.30;nonsense - - -" >"$T/d.one" 2>&1
[ -f "$POOLS/ifcfg-eth0" ] && left_d=yes || left_d=no
rm -f "$POOLS/ifcfg-eth0"
"$KVPHOST" -d "$PVBUSD" "setip $GUID 0 192.0.2.30;nonsense - - -" >"$T/p.one" 2>&1
[ -f "$POOLS/ifcfg-eth0" ] && left_p=yes || left_p=no
if grep -q '^error 0x80070057$' "$T/d.one" &&
    grep -q '^error 0x80070057$' "$T/p.one" && [ $left_d = yes ] &&
    [ $left_p = no ]; then
	pass "documented difference: a refused configuration leaves no file"
else
	fail "documented difference: a refused configuration leaves no file" \
	    "daemon $(head -n 1 "$T/d.one") (file $left_d), pvbusd $(grep -v '^pvbusd' "$T/p.one" | head -n 1) (file $left_p)"
fi

# Without hv_set_ifconfig (Debian ships none) nothing can apply it.
umount "$SCRIPTS"
both "setip $GUID 0 192.0.2.30 255.255.255.0 - -"
[ "$(cat "$T/d.one")" = "error 0x80004005" ] &&
    [ "$(cat "$T/p.one")" = "error 0x80070032" ] &&
    grep -q 'no /usr/libexec/hypervkvpd/hv_set_ifconfig to apply it' "$T/p.err" &&
    pass "documented difference: no hv_set_ifconfig: HV_ERROR_NOT_SUPPORTED" ||
    fail "documented difference: no hv_set_ifconfig" \
    "daemon '$(cat "$T/d.one")', pvbusd '$(cat "$T/p.one")'"
mount --bind "$T/scripts" "$SCRIPTS"

# --- pvbusd alone. -------------------------------------------------------
# The Auto pool follows the machine: a new host name, a new address and an
# upgraded system between two enumerations of one session.
mkfifo "$T/in"
"$KVPHOST" -d "$PVBUSD" <"$T/in" >"$T/live.out" 2>"$T/live.err" &
host=$!
exec 3>"$T/in"
wait_for() {
	i=0
	while ! grep -q "$1" "$2" 2>/dev/null && [ $i -lt 400 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	grep -q "$1" "$2" 2>/dev/null
}
echo "enum 2" >&3
wait_for '^end 10$' "$T/live.out"
hostname kvpguest2
ip addr add 192.0.2.99/24 dev eth0
printf 'NAME="Upgraded Linux"\nVERSION_ID="13"\n' >"$T/os-release"
mount --bind "$T/os-release" /etc/os-release
echo "mark after" >&3
echo "enum 2" >&3
exec 3>&-
wait $host
after=$(sed -n '/^mark after$/,$p' "$T/live.out")
case $after in
*"FullyQualifiedDomainName=kvpguest2.example.net"*"NetworkAddressIPv4=192.0.2.10;198.51.100.7;192.0.2.99"*"OSName=Upgraded Linux"*"OSMajorVersion=13"*)
	pass "Auto pool follows a new host name, address and system" ;;
*)	fail "Auto pool follows a new host name, address and system" \
	    "$(echo "$after" | tr '\n' '|')" ;;
esac
hostname kvpguest
ip addr del 192.0.2.99/24 dev eth0
umount /etc/os-release

# Messages no driver sends: each refused with HV_E_FAIL and a line in the
# log, the pools untouched, the agent still answering after them.
seed
"$KVPHOST" -d "$PVBUSD" "set 0 Before x" >/dev/null 2>&1
cp -p "$POOLS"/.kvp_pool_* "$T/"
for c in "len=100 op=1" "len=7433 op=1 ksize=2 klen=1 vsize=2 vlen=1" \
    "len=1" "op=1 pool=9 ksize=2 klen=1 vsize=2 vlen=1" \
    "op=1 pool=0 ksize=0 vsize=2 vlen=1" \
    "op=1 pool=0 ksize=512 klen=512 vsize=2 vlen=1" \
    "op=1 pool=0 ksize=600 klen=10 vsize=2 vlen=1" \
    "op=1 pool=0 ksize=11 klen=10 vsize=5000 vlen=3" \
    "op=1 pool=0 ksize=11 klen=10 vsize=2048 vlen=2048" \
    "op=0 pool=1 ksize=3 klen=5" "op=2 pool=0 ksize=513 klen=1" \
    "op=2 pool=0 ksize=0" "op=4 alen=256" "op=5 alen=256" "op=6" \
    "op=100" "op=255 pool=255"; do
	run "$KVPHOST" -d "$PVBUSD" "raw $c" "enum 0"
	if [ "$RC" = 0 ] && [ "$OUT" = "status 0x80004005
Before=x
end 1" ] && echo "$ERR" | grep -q 'KVP: refused a request (1 so far): '; then
		pass "malformed message refused and logged: $c"
	else
		fail "malformed message refused and logged: $c" \
		    "exit $RC: $(echo "$OUT$ERR" | tr '\n' '|')"
	fi
done
# An index the daemon takes as a negative int: past the end here.
for c in "op=3 pool=0 index=4294967295" "op=3 pool=1 index=2147483648" \
    "op=3 pool=2 index=2147483648"; do
	run "$KVPHOST" -d "$PVBUSD" "raw $c"
	expect "enumeration index past the end: $c" 0 "status 0x80070103"
done
intact=yes
for p in 0 1 2 3 4; do
	cmp -s "$T/.kvp_pool_$p" "$POOLS/.kvp_pool_$p" || intact=no
done
[ $intact = yes ] && pass "malformed messages: no pool file changed" ||
    fail "malformed messages: no pool file changed" "a pool differs"

# A running hv_kvp_daemon (here a stand-in of that name) keeps the device:
# pvbusd says so and waits; once it is gone, pvbusd registers.
cp /bin/sleep "$T/hv_kvp_daemon"
"$T/hv_kvp_daemon" 600 &
standin=$!
mkfifo "$T/in2"
"$KVPHOST" -d "$PVBUSD" <"$T/in2" >"$T/defer.out" 2>"$T/defer.err" &
host=$!
exec 3>"$T/in2"
if wait_for "hv_kvp_daemon is running (pid $standin): the device is left to it" \
    "$T/defer.err"; then
	grep -q 'serving /dev/vmbus/hv_kvp' "$T/defer.err" && opened=yes ||
	    opened=no
	kill $standin
	wait $standin 2>/dev/null
	echo "set 0 After y" >&3
	exec 3>&-
	wait $host
	hrc=$?
	if [ $opened = no ] && [ $hrc = 0 ] && [ "$(cat "$T/defer.out")" = ok ] &&
	    grep -q 'hv_kvp_daemon has ended: answering the host' "$T/defer.err"; then
		pass "hv_kvp_daemon running: pvbusd leaves the device, takes it when it ends"
	else
		fail "hv_kvp_daemon running: pvbusd leaves the device" \
		    "opened before: $opened, host $hrc: $(tr '\n' '|' <"$T/defer.err")"
	fi
else
	kill $standin
	exec 3>&-
	wait $host
	fail "hv_kvp_daemon running: pvbusd leaves the device" \
	    "no notice: $(tr '\n' '|' <"$T/defer.err")"
fi
