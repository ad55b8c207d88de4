#!/bin/sh
# In the guest (tests/vm/fwcfg.sh boots it): the TCG unit, its tree and the
# fw_cfg store, first through the qemu_fw_cfg sysfs tree, then through the
# ports with the module unloaded.  The host passed these entries:
#   opt/org.example/k       string v1
#   opt/org.example/sp      string "a b,c" (a comma and a space)
#   opt/org.example/empty   string ""
#   opt/org.example/f1      file one.bin (1 byte)
#   opt/org.example/f4k     file 4k.bin
#   opt/org.example/f60k    file 60k.bin
#   opt/org.example/d/x     string deep
#   opt/org.other/big       file big.bin (64 KiB: one byte too many)
# and the files themselves with --add (in /pvbus/add).

. "$PVBUS_TOP/tests/lib.sh"
A=/pvbus/add

tree() {
	run hostctl -l
	if [ "$RC" != 0 ]; then
		fail "$1: tree" "exit $RC: $ERR"
		return
	fi
	echo "$OUT" >"$T/tree"
	grep -q '^pvbus0: TCG at 0x40000000-' "$T/tree" &&
	    pass "$1: tree: pvbus0 is TCG" ||
	    fail "$1: tree: pvbus0 is TCG" "$(head -n 1 "$T/tree")"
	grep -q "^pvbus0: store fw_cfg, read-only, $2\$" "$T/tree" &&
	    pass "$1: tree: store" ||
	    fail "$1: tree: store" "$(grep store "$T/tree")"
	for d in virtio-rng virtio-balloon; do
		grep -q "^pvbus0: device $d virtio[0-9]* at 0000:" "$T/tree" &&
		    pass "$1: tree: $d" || fail "$1: tree: $d" "not listed"
	done
	grep -q '^pvbus0: device vmport port 0x5658 at pvbus0$' "$T/tree" &&
	    grep -q ', vmport version 6 type 2' "$T/tree" &&
	    pass "$1: tree: vmport shown as such" ||
	    fail "$1: tree: vmport shown as such" "$(cat "$T/tree")"
	grep -qi vmware "$T/tree" &&
	    fail "$1: tree: vmport not taken for VMware" "$(cat "$T/tree")" ||
	    pass "$1: tree: vmport not taken for VMware"
	# pvclock needs KVM's clock; TCG has none to offer.
	if grep -qw kvm-clock \
	    /sys/devices/system/clocksource/clocksource0/available_clocksource
	then
		grep -q '^pvbus0: device pvclock kvm-clock' "$T/tree" &&
		    pass "$1: tree: pvclock" || fail "$1: tree: pvclock" "missing"
	else
		grep -q 'pvclock' "$T/tree" &&
		    fail "$1: tree: no pvclock without kvm-clock" "listed" ||
		    pass "$1: tree: no pvclock without kvm-clock"
	fi
}

# Reads whose output hostctl prints as it is (printable, no newline).
reads() {
	run hostctl -t
	expect "$1: type" 0 "/dev/pvbus0: TCG"
	run hostctl opt/org.example/k
	expect "$1: string" 0 "v1"
	run hostctl opt/org.example/sp
	expect "$1: string with comma and space" 0 "a b,c"
	run hostctl opt/org.example/empty
	expect "$1: empty string" 0 ""
	run hostctl opt/org.example/d/x
	expect "$1: nested" 0 "deep"
	run hostctl opt/org.example/f1
	expect "$1: file of 1 byte" 0 "$(cat $A/one.bin)"
	run hostctl opt/org.example/f4k
	expect "$1: file of 4 KiB" 0 "$(cat $A/4k.bin)"
	run hostctl opt/org.example/f60k
	expect "$1: file of 60 KiB" 0 "$(cat $A/60k.bin)"
	run hostctl -q opt/org.example/f60k
	expect "$1: -q" 0 ""
	run hostctl opt/org.other/big
	expect "$1: file over 64 KiB" 1 "" "hostctl: ioctl: Numerical result out of range"
	run hostctl opt/org.example
	expect "$1: list" 0 "d
empty
f1
f4k
f60k
k
sp"
	run hostctl opt/org.example/
	expect "$1: list with slash" 0 "$(hostctl opt/org.example)"
	run hostctl opt
	expect "$1: list opt" 0 "org.example
org.other"
	run hostctl /
	if [ "$RC" = 0 ] && echo "$OUT" | grep -qx opt &&
	    echo "$OUT" | grep -qx etc; then
		pass "$1: list top"
	else
		fail "$1: list top" "exit $RC: $OUT"
	fi
	# QEMU's e820 table starts with NULs: binary, said so, not printed.
	run hostctl etc/e820
	expect "$1: QEMU's own binary file" 1 "" \
	    "hostctl: ioctl: Operation not supported (fw_cfg: etc/e820: binary, not text)"
	run hostctl opt/org.example/nope
	expect "$1: missing name" 1 "" "hostctl: ioctl: No such file or directory"
	run hostctl opt/nope/
	expect "$1: missing directory" 1 "" \
	    "hostctl: ioctl: No such file or directory"
	run hostctl opt/org.example/k/
	expect "$1: file as directory" 1 "" \
	    "hostctl: ioctl: No such file or directory"
	run hostctl opt/../etc/e820
	expect "$1: dot dot" 1 "" "hostctl: ioctl: Invalid argument"
	run hostctl opt/org.example/k v2
	expect "$1: write refused" 1 "" "hostctl: ioctl: Read-only file system"
	echo v3 >"$T/in"
	run hostctl -i "$T/in" opt/org.example/k
	expect "$1: write from file refused" 1 "" \
	    "hostctl: ioctl: Read-only file system"
	run hostctl opt/org.example/k
	expect "$1: value kept" 0 "v1"
}

if [ -d /sys/firmware/qemu_fw_cfg/by_key ]; then
	tree sysfs /sys/firmware/qemu_fw_cfg
	reads sysfs
else
	fail "sysfs: qemu_fw_cfg" "no /sys/firmware/qemu_fw_cfg with the module"
fi

if rmmod qemu_fw_cfg && [ ! -e /sys/firmware/qemu_fw_cfg ]; then
	tree ports "port 0x510, dma 0x514"
	reads ports
	run fwcfg_ports probe
	expect "ports: features" 0 "0x3"
	# Each method alone, no fallback between them.
	for m in pio dma; do
		for pair in one:f1 4k:f4k 60k:f60k; do
			file=${pair%%:*} key=opt/org.example/${pair#*:}
			fwcfg_ports $m "$key" >"$T/got" 2>"$T/err"
			printf '\n' | cat "$A/$file.bin" - >"$T/want"
			cmp -s "$T/got" "$T/want" && pass "ports: $m: $key" ||
			    fail "ports: $m: $key" "differs: $(cat "$T/err")"
		done
		run fwcfg_ports $m opt/org.example
		expect "ports: $m: list" 0 "$(printf 'd\nempty\nf1\nf4k\nf60k\nk\nsp')"
		run fwcfg_ports $m opt/org.other/big
		expect "ports: $m: over 64 KiB" 1 "" "fwcfg_ports: Numerical result out of range"
		run fwcfg_ports $m opt/nope
		expect "ports: $m: missing" 1 "" \
		    "fwcfg_ports: No such file or directory"
	done
	run fwcfg_ports vmport
	expect "ports: vmport answers GETVERSION" 0 "version 6 type 2"
else
	fail "ports: rmmod qemu_fw_cfg" "module still there"
fi
exit 0
