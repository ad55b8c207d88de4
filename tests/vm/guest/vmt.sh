#!/bin/sh
# In the guest (tests/vm/vmt.sh boots it, with CUSE): pvbusd as its systemd
# unit runs it (Type=forking: devices and the VMware agent, the starting
# process returning once the devices exist), under hvsim's VMware host.
# /dev/pvbus0 reads and writes guestinfo, and so does hostctl in-process on
# the same host, while the agent answers TCLO and sends the guest's
# information; then again with a host that interrupts every third transfer
# with a checkpoint and closes the TCLO channel after every second reply.
. "$PVBUS_TOP/tests/lib.sh"

S=$T/state
PINGS=40
show() { hvsim --state "$S" --show; }
# holds PATTERN: the host's memory, one line of JSON, has it (grep -E).
holds() { show 2>/dev/null | grep -qE "$1"; }
# until_holds PATTERN: wait for the host to know it (or hvsim to end).
until_holds() {
	n=0
	while ! holds "$1"; do
		kill -0 "$HV" 2>/dev/null || return 1
		n=$((n + 1))
		# Far beyond any guest: a bound so that a broken one fails.
		[ $n -lt 1200 ] || return 1
		sleep 0.1
	done
}
answered() { show 2>/dev/null | grep -o '"reply":"OK "' | wc -l; }
# The uptime the agent last sent, in hundredths of a second.
uptime_sent() { show 2>/dev/null | sed -n 's/.*"uptime":"\([0-9]*\)".*/\1/p'; }
# The supervisor: the pvbusd whose parent is no pvbusd.
supervisor() {
	for p in $(pidof pvbusd); do
		pp=$(awk '{ print $4 }' "/proc/$p/stat")
		[ "$(cat "/proc/$pp/comm" 2>/dev/null)" = pvbusd ] && continue
		echo "$p"
		return 0
	done
	return 1
}

round() {
	r=$1; shift
	rm -f "$S" "$T/started" "$T/power.log"
	set -- "$@" --tclo Capabilities_Register
	i=0
	while [ $i -lt $PINGS ]; do set -- "$@" --tclo ping; i=$((i + 1)); done
	hvsim --profile vmware --state "$S" \
	    --guestinfo 'guestinfo.host=from the host' "$@" --tclo OS_Halt \
	    -- sh -c 'pvbusd -o interval=1 -o "halt=echo halt >>$1/power.log"
		echo $? >"$1/started"' sh "$T" >"$T/hvsim.log" 2>&1 &
	HV=$!
	n=0
	while [ ! -s "$T/started" ] && [ $n -lt 1200 ]; do
		n=$((n + 1)); sleep 0.1
	done
	if [ "$(cat "$T/started" 2>/dev/null)" != 0 ]; then
		fail "$r: pvbusd starts" "$(cat "$T/started" "$T/hvsim.log" 2>&1)"
		kill "$HV"; wait "$HV"
		return
	fi
	[ -c /dev/pvbus0 ] && pass "$r: pvbusd returns once /dev/pvbus0 exists" ||
	    fail "$r: pvbusd returns once /dev/pvbus0 exists" "$(ls /dev)"
	# Detached, no process of pvbusd keeps a standard stream of its
	# starter's, which would wait for the end of that output for ever.
	kept=
	for p in $(pidof pvbusd); do
		for fd in 0 1 2; do
			[ "$(readlink "/proc/$p/fd/$fd")" = /dev/null ] ||
			    kept="$kept $p:$fd"
		done
	done
	[ -z "$kept" ] && pass "$r: every process's streams on /dev/null" ||
	    fail "$r: every process's streams on /dev/null" "kept:$kept"
	until_holds '"tools.capability.statechange "' ||
	    fail "$r: the agent registers" "$(show)"
	up0=$(uptime_sent)

	# The device, from programs that know only the ioctls.
	run hostctl -t -f /dev/pvbus0
	expect "$r: device: type" 0 "/dev/pvbus0: VMware"
	run hostctl -f /dev/pvbus0 guestinfo.host
	expect "$r: device: reads what the host set" 0 "from the host"
	run hostctl -f /dev/pvbus0 guestinfo.dev 'from the device'
	expect "$r: device: writes" 0 ""
	run hostctl -f /dev/pvbus0 guestinfo.dev
	expect "$r: device: reads it back" 0 "from the device"
	holds '"guestinfo.dev":"from the device"' &&
	    pass "$r: device: the host has the write" ||
	    fail "$r: device: the host has the write" "$(show)"
	run hostctl -f /dev/pvbus0 guestinfo.none
	expect "$r: device: a missing key" 1 "" \
	    "hostctl: ioctl: No such file or directory"
	pvconform stress /dev/pvbus0 VMware 4 25 guestinfo.stress >"$T/stress" 2>&1
	rc=$?
	if [ $rc = 0 ] && ! grep -q '^FAIL' "$T/stress"; then
		pass "$r: device: 4 clients, 25 ioctls each"
	else
		fail "$r: device: 4 clients, 25 ioctls each" \
		    "exit $rc: $(head -c 500 "$T/stress")"
	fi

	# hostctl in-process, on the same host: a backdoor of its own.
	run hvsim --profile vmware --state "$S" -- hostctl guestinfo.dev
	expect "$r: in-process hostctl reads the device's write" 0 "from the device"
	run hvsim --profile vmware --state "$S" -- hostctl guestinfo.inproc 'in-process'
	run hostctl -f /dev/pvbus0 guestinfo.inproc
	expect "$r: the device reads in-process hostctl's write" 0 "in-process"

	# Meanwhile the agent went on: every command answered, in order, and
	# the uptime sent again after all of the above.
	until_holds '"command":"OS_Halt"' || fail "$r: TCLO: all answered" "$(show)"
	[ "$(answered)" = $((PINGS + 2)) ] &&
	    holds '"statechanges":\["1 1"\]' &&
	    pass "$r: TCLO: every command answered beside the device" ||
	    fail "$r: TCLO: every command answered beside the device" "$(show)"
	[ "$(cat "$T/power.log" 2>/dev/null)" = halt ] &&
	    pass "$r: TCLO: the halt command ran once" ||
	    fail "$r: TCLO: the halt command ran once" "$(cat "$T/power.log")"
	n=0
	while [ "$(uptime_sent)" = "$up0" ] && [ $n -lt 1200 ]; do
		n=$((n + 1)); sleep 0.1
	done
	[ "$(uptime_sent)" != "$up0" ] &&
	    pass "$r: the agent reports the guest beside the device" ||
	    fail "$r: the agent reports the guest beside the device" "$(show)"
	holds '"hostname":"pvbus-guest"' &&
	    pass "$r: the host name" || fail "$r: the host name" "$(show)"

	# As the service manager stops it: the devices go, every process ends.
	if sup=$(supervisor); then
		kill "$sup"
	else
		fail "$r: the supervisor" "$(ps)"
	fi
	wait "$HV"
	rc=$?
	[ $rc = 0 ] && [ -z "$(pidof pvbusd)" ] && [ ! -e /dev/pvbus0 ] &&
	    pass "$r: SIGTERM removes the device and ends the agent" ||
	    fail "$r: SIGTERM removes the device and ends the agent" \
	    "hvsim $rc, pids '$(pidof pvbusd)': $(cat "$T/hvsim.log")"
}

round plain
round "checkpoints, TCLO closed" --checkpoint-every 3 --close-tclo-every 2
exit 0
