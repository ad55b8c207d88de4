# The guest side of VMware Tools: pvbusd's agent (pvbusd -a) and the real
# vmtoolsd of open-vm-tools, each run unmodified under hvsim's VMware host,
# case by case.  The host sends TCLO commands (--tclo) and keeps what the
# guest told it (--show).  Everything runs in private namespaces: a network
# with an eth0 (a veth end with 10.9.8.7/24, fd00:9:8::7/64 and the
# link-local fe80::9:8:7/64, no other), a docker0
# bridge with a veth pair, a host name, and a mount namespace in which
# systemctl (and so shutdown, whose link it is) is a script that only
# writes down how it was called, so that halt and reboot are harmless.  A
# PID namespace of its own, so that pvbusd's look for a running vmtoolsd
# sees this test's processes only.
if [ -z "$VMT_IN_NS" ]; then
	[ "$(id -u)" = 0 ] || { echo "needs root for unshare -n -u -m -p"; exit 77; }
	command -v ip >/dev/null ||
	    { echo "FAIL: ip: not installed (iproute2)"; exit 1; }
	VMT_IN_NS=1 exec unshare -n -u -m -p -f --mount-proc \
	    --propagation private sh "$0" "$@"
fi
. "$(dirname "$0")/../lib.sh"

if ! why=$(hvsim_usable); then
	echo "$why"
	exit 77
fi
VMTOOLSD=$(command -v vmtoolsd)
[ -n "$VMTOOLSD" ] ||
    { fail "vmtoolsd" "not installed (tools/deps test installs open-vm-tools)"; exit 1; }

MAC=02:00:00:0a:09:07
set -e
mount -t sysfs sysfs /sys
hostname vmt-guest
ip link set lo up
ip link add eth0 type veth peer name veth-host
ip link set eth0 address $MAC
# One link-local address, known in advance, rather than the kernel's.
ip link set eth0 addrgenmode none
ip addr add 10.9.8.7/24 dev eth0
ip -6 addr add fd00:9:8::7/64 dev eth0 nodad
ip -6 addr add fe80::9:8:7/64 dev eth0 nodad
ip link set eth0 up
ip link set veth-host up
ip link add docker0 type bridge
ip addr add 172.17.0.1/16 dev docker0
ip link set docker0 up
ip link add veth1a type veth peer name veth1b
ip link set veth1a master docker0
ip link set veth1a up
ip link set veth1b up
ip addr add 172.17.0.2/16 dev veth1b
set +e
DOCKER_MAC=$(cat /sys/class/net/docker0/address)
VETH_MAC=$(cat /sys/class/net/veth1b/address)

# systemctl, shutdown, poweroff, reboot: write down the call, exit with
# the status in $T/power.rc.
cat >"$T/power" <<EOT
#!/bin/sh
echo "\$0 \$*" >>"$T/power.log"
exit \$(cat "$T/power.rc" 2>/dev/null || echo 0)
EOT
chmod 755 "$T/power"
mount --bind "$T/power" "$(readlink -f /bin/systemctl)"

cat >"$T/tools.conf" <<EOT
[logging]
log = true
vmsvc.level = debug
vmsvc.handler = std
vmtoolsd.level = debug
vmtoolsd.handler = std
[guestinfo]
poll-interval = 1
EOT

ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
export ASAN_OPTIONS
S=$T/state
PRETTY=$(. /etc/os-release && echo "$PRETTY_NAME")
export PRETTY MAC DOCKER_MAC VETH_MAC

# guest NAME [HVSIM OPTIONS]: start the guest's tools under a fresh host,
# in the background; its output goes to $T/NAME.log.
guest() {
	g=$1; shift
	rm -f "$S" "$T/power.log" "$T/fds"
	case $g in
	pvbusd)	set -- "$@" -- "$B/pvbusd" -a -d -o interval=1
		[ "$HALT" = default ] || set -- "$@" \
		    -o "halt=${HALT:-$B/tests/fdcheck $T/fds; echo halt >>$T/power.log}"
		[ -z "$CMD_TIMEOUT" ] ||
		    set -- "$@" -o "cmd_timeout=$CMD_TIMEOUT"
		[ "$REBOOT" = default ] ||
		    set -- "$@" -o "reboot=${REBOOT:-echo reboot >>$T/power.log}" ;;
	vmtoolsd) set -- "$@" -- "$VMTOOLSD" -c "$T/tools.conf" ;;
	esac
	"$B/hvsim" --profile vmware --state "$S" "$@" >"$T/$g.log" 2>&1 &
	HV=$!
}

# The tools' process: the child of hvsim.
tools_pid() {
	for p in /proc/[0-9]*; do
		[ "$(awk '/^PPid:/ { print $2 }' "$p/status" 2>/dev/null)" = "$HV" ] &&
		    { echo "${p#/proc/}"; return 0; }
	done
	return 1
}

stop() {
	if p=$(tools_pid); then
		kill -TERM "$p"
	fi
	wait "$HV"
}

show() { "$B/hvsim" --state "$S" --show; }

# holds NAME PYTHON: whether the expression holds of the host's memory, d.
holds() {
	show 2>/dev/null | python3 -c "
import json, os, sys
d = json.load(sys.stdin)
sys.exit(0 if ($1) else 1)" 2>/dev/null
}

# until PYTHON: wait for the host to know it (or the guest to end).
until_holds() {
	n=0
	while ! holds "$1"; do
		kill -0 "$HV" 2>/dev/null || return 1
		n=$((n + 1))
		# Far beyond any guest: a bound so that a broken one fails.
		[ $n -lt 600 ] || return 1
		sleep 0.1
	done
}

check() {
	if holds "$2"; then
		pass "$1"
	else
		fail "$1" "$(show | head -c 3000)"
	fi
}

# --- the basic cases, with each guest
for g in pvbusd vmtoolsd; do
	# vmtoolsd refuses a second state change while the first is on.
	reboot=OS_Reboot
	[ $g = pvbusd ] || reboot=ping
	guest $g --tclo reset --tclo ping --tclo Capabilities_Register \
	    --tclo "Set_Option broadcastIP 1" --tclo "Set_Option synctime 1" \
	    --tclo "No_Such_Command 1" --tclo OS_Halt --tclo $reboot
	if ! until_holds 'len(d["tclo"]) == 8 and d["guest"]["nics"] and
	    d["guest"]["os_name"] and "guestinfo.ip" in d["guestinfo"] and
	    d["statechanges"]'; then
		fail "$g: answers the host" "$(show; tail -20 "$T/$g.log")"
		stop
		continue
	fi
	n=0
	while [ ! -s "$T/power.log" ] && [ $n -lt 600 ]; do
		n=$((n + 1)); sleep 0.1
	done
	stop
	tc='dict((c["command"], c["reply"]) for c in d["tclo"])'
	check "$g: reset is OK ATR toolbox" "$tc[\"reset\"] == \"OK ATR toolbox\""
	check "$g: ping is OK" "$tc[\"ping\"] == \"OK \""
	check "$g: capabilities registered" \
	    '"vmx.capability.unified_loop toolbox" in d["capabilities"] and
	    "tools.capability.statechange " in d["capabilities"]'
	check "$g: tools version" 'd["tools_version"]'
	check "$g: an unknown command is ERROR Unknown Command" \
	    "$tc[\"No_Such_Command 1\"] == \"ERROR Unknown Command\""
	check "$g: Set_Option is OK" "$tc[\"Set_Option synctime 1\"] == \"OK \""
	check "$g: broadcastIP sets guestinfo.ip to eth0's address" \
	    'd["guestinfo"]["guestinfo.ip"] == "10.9.8.7"'
	check "$g: host name" 'd["guest"]["hostname"] == "vmt-guest"'
	check "$g: OS names" 'd["guest"]["os_name"] and
	    os.environ["PRETTY"] in d["guest"]["os_name_full"]'
	check "$g: uptime" 'int(d["guest"]["uptime"]) > 0'
	check "$g: eth0's MAC and addresses, no docker0 or veth" \
	    '[n["mac"] for n in d["guest"]["nics"]] == [os.environ["MAC"]] and
	    "10.9.8.7/24" in d["guest"]["nics"][0]["ips"] and
	    "fd00:9:8::7/64" in d["guest"]["nics"][0]["ips"]'
	check "$g: the IPv6 link-local address is reported" \
	    '"fe80::9:8:7/64" in d["guest"]["nics"][0]["ips"]'
	check "$g: everything it sent is known to the host" 'd["unknown"] == []'
	case $g in
	pvbusd)
		check "$g: exactly eth0's addresses" \
		    'd["guest"]["nics"][0]["ips"] == ["10.9.8.7/24",
		    "fd00:9:8::7/64", "fe80::9:8:7/64"]'
		check "$g: tools version unmanaged" \
		    'd["tools_version"] == "2147483647"'
		check "$g: all replies OK" \
		    "all(v == \"OK \" for k, v in $tc.items() if k not in
		    (\"reset\", \"No_Such_Command 1\"))"
		check "$g: the halt and reboot state changes" \
		    'd["statechanges"] == ["1 1", "1 2"]'
		want="halt
reboot"
		[ -f "$T/fds" ] && [ ! -s "$T/fds" ] &&
		    pass "pvbusd: a command has no descriptor of pvbusd's" ||
		    fail "pvbusd: a command has no descriptor of pvbusd's" \
		    "$(cat "$T/fds")" ;;
	vmtoolsd)
		check "$g: the halt state change" 'd["statechanges"] == ["1 1"]'
		want="/sbin/shutdown -h now" ;;
	esac
	[ "$(cat "$T/power.log" 2>/dev/null)" = "$want" ] &&
	    pass "$g: the power commands ran once each" ||
	    fail "$g: the power commands ran once each" "$(cat "$T/power.log")"
done

# vmtoolsd's reboot, on a host of its own.
guest vmtoolsd --tclo Capabilities_Register --tclo OS_Reboot
until_holds 'len(d["tclo"]) == 2 and d["statechanges"]' ||
    fail "vmtoolsd: reboot" "$(show)"
# vmtoolsd runs the command after it has answered.
n=0
while [ ! -s "$T/power.log" ] && [ $n -lt 600 ]; do
	n=$((n + 1)); sleep 0.1
done
stop
check "vmtoolsd: the reboot state change" 'd["statechanges"] == ["1 2"]'
[ "$(cat "$T/power.log" 2>/dev/null)" = "/sbin/shutdown -r now" ] &&
    pass "vmtoolsd: reboot ran once" ||
    fail "vmtoolsd: reboot ran once" "$(cat "$T/power.log")"

# --- the power commands, default and failing
REBOOT=default guest pvbusd --tclo OS_Reboot --tclo ping
until_holds 'len(d["tclo"]) == 2' || fail "default reboot" "$(show)"
stop
case $(cat "$T/power.log") in
*"systemctl reboot") pass "pvbusd: the default reboot is systemctl reboot" ;;
*) fail "pvbusd: the default reboot is systemctl reboot" "$(cat "$T/power.log")" ;;
esac
echo 3 >"$T/power.rc"
REBOOT="systemctl reboot" guest pvbusd --tclo OS_Reboot --tclo ping
until_holds 'len(d["tclo"]) == 2' || fail "failing reboot" "$(show)"
stop
rm -f "$T/power.rc"
check "pvbusd: a failing command is reported as failure" \
    'd["statechanges"] == ["1 2", "0 2"] and
    d["tclo"][0]["reply"].startswith("ERROR")'
grep -q 'failed with status 3' "$T/pvbusd.log" &&
    pass "pvbusd: a failing command is logged with its status" ||
    fail "pvbusd: a failing command is logged with its status" "$(cat "$T/pvbusd.log")"
# The default halt, systemctl failing: shutdown is tried, then the host is
# told.
echo 3 >"$T/power.rc"
HALT=default guest pvbusd --tclo OS_Halt --tclo ping
until_holds 'len(d["tclo"]) == 2' || fail "default halt" "$(show)"
stop
rm -f "$T/power.rc"
case $(cat "$T/power.log") in
*"systemctl poweroff
"*"shutdown -h now")
	pass "pvbusd: the default halt, then shutdown -h now when systemctl fails" ;;
*)	fail "pvbusd: the default halt, then shutdown -h now when systemctl fails" \
	    "$(cat "$T/power.log")" ;;
esac
check "pvbusd: the failing default halt is reported" \
    'd["statechanges"] == ["1 1", "0 1"]'

# --- the other power states, and guest information sent again only when it
# changed: all of it at Capabilities_Register and at a resume, then only the
# uptime until an address and the host name change
guest pvbusd --tclo Capabilities_Register --tclo OS_Resume --tclo OS_PowerOn \
    --tclo OS_Suspend
until_holds 'len(d["tclo"]) == 4 and d["sent"].get("7", 0) >= 4' ||
    fail "guest info: sent" "$(show)"
check "pvbusd: resume, power-on and suspend report their states" \
    'd["statechanges"] == ["1 4", "1 3", "1 5"] and
    all(c["reply"] == "OK " for c in d["tclo"])'
check "pvbusd: all guest info at registration and resume, then only the uptime" \
    'all(d["sent"].get(t) == 2 for t in ("1", "5", "6", "10"))'
ip -6 addr add fd00:9:8::8/64 dev eth0 nodad
hostname vmt-guest2
until_holds 'd["sent"].get("10") == 3 and d["sent"].get("1") == 3' ||
    fail "guest info: changes sent" "$(show)"
stop
check "pvbusd: a new address and host name are sent" \
    '"fd00:9:8::8/64" in d["guest"]["nics"][0]["ips"] and
    d["guest"]["hostname"] == "vmt-guest2"'
check "pvbusd: what did not change is not sent again" \
    'd["sent"]["5"] == 2 and d["sent"]["6"] == 2 and
    d["sent"]["10"] == 3 and d["sent"]["1"] == 3'
ip -6 addr del fd00:9:8::8/64 dev eth0
hostname vmt-guest

# --- a halt command that never ends: killed at cmd_timeout, the host told,
# and the loop goes on
HALT="sleep 100000 & echo \$! >$T/sleeper; wait" CMD_TIMEOUT=1 \
    guest pvbusd --tclo OS_Halt --tclo ping
until_holds 'len(d["tclo"]) == 2' || fail "hanging halt: answered" "$(show)"
stop
check "pvbusd: a hanging halt is reported as failure" \
    'd["statechanges"] == ["1 1", "0 1"] and
    d["tclo"][0]["reply"] == "ERROR halt command failed"'
check "pvbusd: the next command is answered after a hanging one" \
    'd["tclo"][1] == {"command": "ping", "reply": "OK "}'
grep -q '^pvbusd: halt: ".*" still running after 1 s: killed$' "$T/pvbusd.log" &&
    pass "pvbusd: a hanging command is logged as killed" ||
    fail "pvbusd: a hanging command is logged as killed" "$(cat "$T/pvbusd.log")"
# Its process group goes with it: what the command started is gone too.
# One read of its state: a zombie reaped between two reads is not alive.
alive() {
	st=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)
	[ -n "$st" ] && [ "$st" != Z ]
}
sleeper=$(cat "$T/sleeper" 2>/dev/null)
n=0
while [ -n "$sleeper" ] && alive "$sleeper" && [ $n -lt 600 ]; do
	n=$((n + 1)); sleep 0.1
done
[ -n "$sleeper" ] && ! alive "$sleeper" &&
    pass "pvbusd: what a hanging command started is killed" ||
    fail "pvbusd: what a hanging command started is killed" "pid '$sleeper'"
[ -n "$sleeper" ] && kill "$sleeper" 2>/dev/null

# --- a host that interrupts, closes, has no high bandwidth
many() { i=0; while [ $i -lt "$1" ]; do printf ' --tclo %s' "$2"; i=$((i + 1)); done; }
for flavour in "--checkpoint-every 3" "--checkpoint-every 2 --no-hb" \
    "--close-tclo-every 2" "--no-hb"; do
	for g in pvbusd vmtoolsd; do
		# shellcheck disable=SC2046
		guest $g $flavour --tclo Capabilities_Register $(many 9 ping) \
		    --tclo Set_Option\ broadcastIP\ 1
		until_holds 'len(d["tclo"]) == 11 and d["guest"]["nics"]' ||
		    fail "$g: $flavour: answers" "$(show)"
		stop
		check "$g: $flavour: every command answered, in order" \
		    '[c["command"] for c in d["tclo"]] == ["Capabilities_Register"] +
		    ["ping"] * 9 + ["Set_Option broadcastIP 1"] and
		    all(c["reply"] == "OK " for c in d["tclo"]) and
		    d["guestinfo"]["guestinfo.ip"] == "10.9.8.7"'
	done
done

# --- a host that refuses TCLO for 3 s (another tools instance held it):
# the tools ask once (with cookies, then without), wait, and ask again
# later, not in a loop; then they answer.
for g in pvbusd vmtoolsd; do
	guest $g --refuse-tclo 3 --tclo ping
	until_holds 'len(d["tclo"]) == 1' ||
	    fail "$g: refused TCLO: answers later" "$(show)"
	stop
	check "$g: a refused TCLO channel asked for again once, later" \
	    'd["tclo_refused"] == 2 and d["tclo_opened"] == 1 and
	    d["tclo"][0]["reply"] == "OK "'
done
[ "$(grep -c 'TCLO channel: the host refused it; asking again in 15 s' \
    "$T/pvbusd.log")" = 1 ] &&
    pass "pvbusd: the refusal logged once" ||
    fail "pvbusd: the refusal logged once" "$(cat "$T/pvbusd.log")"

# --- guestinfo through hostctl while the agent runs, on the same host
rm -f "$S"
"$B/hvsim" --profile vmware --state "$S" --tclo ping -- sh -c '
	"$1/pvbusd" -a -d -o interval=1 2>/dev/null & p=$!
	"$1/hostctl" guestinfo.while running &&
	"$1/hostctl" guestinfo.while >"$2/read" && echo ok >"$2/hostctl"
	"$1/hostctl" guestinfo.while >/dev/null
	n=0
	while [ ! -s "$2/seen" ] && [ $n -lt 600 ]; do
		"$1/hvsim" --state "$3" --show | grep -q "\"ping\"" && echo y >"$2/seen"
		n=$((n + 1)); sleep 0.1
	done
	kill $p; wait $p' sh "$B" "$T" "$S" >/dev/null 2>&1
[ "$(cat "$T/hostctl" 2>/dev/null)" = ok ] && [ "$(cat "$T/read")" = running ] &&
    pass "hostctl writes and reads guestinfo while the agent runs" ||
    fail "hostctl writes and reads guestinfo while the agent runs" "$(cat "$T/read")"
check "the agent answered beside hostctl" 'd["tclo"][0]["reply"] == "OK "'

# --- one owner: a process named vmtoolsd keeps pvbusd off TCLO
cp /bin/sleep "$T/vmtoolsd"
"$T/vmtoolsd" 600 & standin=$!
guest pvbusd --tclo ping
n=0
while ! grep -q 'vmtoolsd is running' "$T/pvbusd.log" && [ $n -lt 600 ]; do
	n=$((n + 1)); sleep 0.1
done
grep -q "vmtoolsd is running (pid $standin)" "$T/pvbusd.log" &&
    pass "pvbusd: says once that vmtoolsd runs" ||
    fail "pvbusd: says once that vmtoolsd runs" "$(cat "$T/pvbusd.log")"
check "pvbusd: leaves TCLO and guest info to vmtoolsd" \
    'd["tclo"] == [] and d["guest"]["hostname"] is None'
kill "$standin"; wait "$standin" 2>/dev/null
until_holds 'len(d["tclo"]) == 1' || :
stop
check "pvbusd: answers once vmtoolsd has ended" 'd["tclo"][0]["reply"] == "OK "'
[ "$(grep -c 'vmtoolsd is running' "$T/pvbusd.log")" = 1 ] &&
    pass "pvbusd: said it once" || fail "pvbusd: said it once" "$(cat "$T/pvbusd.log")"

# --- bad input from the host: nothing runs, every command gets a reply
head -c 2000 /dev/zero | tr '\0' A >"$T/long"
printf 'OS_Halt\0echo pwned' >"$T/nul"
# shellcheck disable=SC2046
guest pvbusd --tclo-file "$T/long" --tclo-file "$T/nul" --tclo 'OS_Halt now' \
    --tclo 'OS_Reboot ' --tclo Vix_1_Relayed_Command $(many 300 ping) --tclo reset
until_holds 'len(d["tclo"]) == 306' || fail "bad input: answered" "$(show | head -c 2000)"
stop
check "an over-long command: ERROR Command too long" \
    'd["tclo"][0]["reply"] == "ERROR Command too long"'
check "a command with a NUL: refused" \
    'd["tclo"][1]["reply"] == "ERROR Invalid byte in command"'
check "power commands with arguments: refused" \
    'd["tclo"][2]["reply"].startswith("ERROR") and d["tclo"][3]["reply"].startswith("ERROR")'
check "an unknown command: ERROR Unknown Command" \
    'd["tclo"][4]["reply"] == "ERROR Unknown Command"'
check "a flood of pings: each OK" \
    'all(c["reply"] == "OK " for c in d["tclo"][5:305]) and d["tclo"][305]["reply"] == "OK ATR toolbox"'
check "bad input: no state change" 'd["statechanges"] == []'
[ ! -e "$T/power.log" ] && pass "bad input: nothing run" ||
    fail "bad input: nothing run" "$(cat "$T/power.log")"

# --- more interfaces and addresses than the host takes: ten veth pairs
i=0
while [ $i -lt 10 ]; do
	ip link add "$(printf 'nica%02d' $i)" type veth peer name \
	    "$(printf 'nicb%02d' $i)"
	ip link set "$(printf 'nica%02d' $i)" up
	ip link set "$(printf 'nicb%02d' $i)" up
	i=$((i + 1))
done
i=1
while [ $i -le 70 ]; do
	ip -6 addr add "fd00:1::$(printf '%x' $i)/128" dev nica00 nodad
	i=$((i + 1))
done
# The first 16 by index: what the host should get, in order.
WANT_MACS=$(for n in /sys/class/net/eth0 /sys/class/net/nic[ab]*; do
	echo "$(cat "$n/ifindex") $(cat "$n/address")"
done | sort -n | head -16 | cut -d' ' -f2 | tr '\n' ' ')
NICA00=$(cat /sys/class/net/nica00/address)
export WANT_MACS NICA00
rm -f "$S"
"$B/hvsim" --profile vmware --state "$S" --tclo ping -- "$B/pvbusd" -a -d \
    -o interval=1 -o 'nics=veth*,docker*' >"$T/many.log" 2>&1 &
HV=$!
until_holds 'd["guest"]["nics"]' || fail "many NICs: reported" "$(show | head -c 2000)"
stop
check "16 interfaces, the first by index" \
    '[n["mac"] for n in d["guest"]["nics"]] == os.environ["WANT_MACS"].split()'
check "64 addresses of an interface with 70" \
    '[n["ips"] for n in d["guest"]["nics"] if n["mac"] == os.environ["NICA00"]]
    == [["fd00:1::%x/128" % i for i in range(1, 65)]]'
[ "$(grep -c 'not reported: the host takes 16 interfaces of 64 addresses' \
    "$T/many.log")" = 1 ] && pass "what is left out is logged once" ||
    fail "what is left out is logged once" "$(cat "$T/many.log")"
i=0
while [ $i -lt 10 ]; do
	ip link del "$(printf 'nica%02d' $i)"
	i=$((i + 1))
done

# --- the service: pvbusd detaches (Type=forking) with the agent on
rm -f "$S"
"$B/hvsim" --profile vmware --state "$S" --tclo ping -- sh -c '
	"$1/pvbusd" -a -o interval=1; echo $? >"$2/started"' sh "$B" "$T" >/dev/null 2>&1 &
HV=$!
until_holds 'len(d["tclo"]) == 1' || :
[ "$(cat "$T/started" 2>/dev/null)" = 0 ] && pass "pvbusd -a detaches with status 0" ||
    fail "pvbusd -a detaches with status 0" "$(cat "$T/started" 2>&1)"
check "the detached agent answers the host" 'd["tclo"][0]["reply"] == "OK "'
# One agent and no device: nothing to supervise, so a single process.
agents=
for p in /proc/[0-9]*; do
	[ "$(cat "$p/comm" 2>/dev/null)" = pvbusd ] || continue
	tr '\0' ' ' <"$p/cmdline" | grep -q "^$B/pvbusd -a -o interval=1 $" &&
	    agents="$agents ${p#/proc/}"
done
[ "$(echo $agents | wc -w)" = 1 ] &&
    pass "pvbusd -a with one agent is one process" ||
    fail "pvbusd -a with one agent is one process" "processes:$agents"
[ -n "$agents" ] && kill -TERM $agents 2>/dev/null
wait "$HV"
exit 0
