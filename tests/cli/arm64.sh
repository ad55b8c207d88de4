#!/bin/sh
# The arm64 build (build-aarch64/, made by every native build) under
# qemu-aarch64 user mode on the arm64 fixture trees (tests/fixtures/sys/
# arm64-*, each README names its sources): identification without CPUID,
# the units' types, systemd's names (-s), -l and -l -j, the evidence of -v,
# and the stores: XenStore through /dev/xen/xenbus (xssim on a pty), KVP
# pool files checked against kvp_tool, fw_cfg from the sysfs tree (a write
# refused).  The x86 build reads the same evidence as a cross-check, and
# no arm64 run opens a vsock socket.
. "$(dirname "$0")/../lib.sh"

A=${PVBUS_BUILD_ARM64:-$TOP/build-aarch64}
FX=$TOP/tests/fixtures/sys
QEMU="qemu-aarch64 -L /usr/aarch64-linux-gnu"
H="$QEMU $A/hostctl"

command -v qemu-aarch64 >/dev/null ||
    { fail "qemu-aarch64" "not installed (tools/deps build cross test: qemu-user)"; exit 1; }
[ -x "$A/hostctl" ] && [ -x "$A/static/hostctl" ] ||
    { fail "arm64 build" "no $A/hostctl (make arm64)"; exit 1; }
case $(od -An -tx1 -j18 -N2 "$A/hostctl" | tr -d ' ') in
b700)	pass "build-aarch64/hostctl is an arm64 (EM_AARCH64) program" ;;
*)	fail "build-aarch64/hostctl" "not an arm64 ELF"; exit 1 ;;
esac

# json FILTER: a Python expression on the JSON of $OUT as t.
json() {
	printf '%s' "$OUT" | python3 -c '
import json, sys
t = json.load(sys.stdin)
print(eval(sys.argv[1]))' "$1" 2>&1
}

# A fixture copied under $T (stores write; the tree stays as committed).
root() {
	rm -rf "$T/$1"
	cp -a "$FX/arm64-$1" "$T/$1"
	R=$T/$1
}

# --- identification: -t, -s, the native unit and its evidence, per fixture
# name|-t|-s|unit type:native:role|evidence that decided (in -v)
while IFS='|' read -r fx t s units ev; do
	root "$fx"
	run env -u XENSTORED_PATH $H -r "$R" -t
	if [ "$t" = - ]; then
		expect "$fx: -t says no unit" 1 "" \
		    "hostctl: open: /dev/pvbus0: No such device"
	else
		expect "$fx: -t" 0 "/dev/pvbus0: $t"
	fi
	run env -u XENSTORED_PATH $H -r "$R" -s
	# As systemd-detect-virt: exit 1 for none.
	expect "$fx: -s" $([ "$s" = none ] && echo 1 || echo 0) "$s"
	run env -u XENSTORED_PATH $H -r "$R" -l -j
	got=$(json '(t["vm"], t["cvm"], " ".join("%s:%s:%s" % (u["type"], u["native"], u["role"]) for u in t["units"]))')
	want="('$s', 'none', '$units')"
	[ "$got" = "$want" ] && pass "$fx: -l -j: vm, cvm, units" ||
	    fail "$fx: -l -j" "got $got, wanted $want"
	run env -u XENSTORED_PATH $H -r "$R" -l -v
	case $ERR in
	"cpuid: none on this CPU"*"$ev"*) pass "$fx: -v: $ev" ;;
	*)	fail "$fx: -v" "no '$ev' in: $ERR" ;;
	esac
done <<'EOF'
xen|Xen|xen|Xen:True:guest|native = pvbus0 Xen: firmware/kernel evidence, the highest rank seen (/proc/device-tree/hypervisor/compatible "xen,xen-4.17" "xen,xen")
azure|Hyper-V|microsoft|Hyper-V:True:guest|native = pvbus0 Hyper-V: firmware/kernel evidence, the highest rank seen (/sys/firmware/acpi/tables/FACP hypervisor vendor identity "MsHyperV")
graviton|KVM|amazon|KVM:True:guest|native = pvbus0 KVM: firmware/kernel evidence, the highest rank seen (/sys/class/ptp/ptp0/clock_name "KVM virtual PTP")
openstack|KVM|kvm|KVM:True:guest|native = pvbus0 KVM: firmware/kernel evidence, the highest rank seen (/sys/class/ptp/ptp0/clock_name "KVM virtual PTP")
qemu-tcg|QEMU|qemu|QEMU:True:guest|native = pvbus0 QEMU: emulator evidence, the highest rank seen (/proc/device-tree/fw-cfg@9020000 "qemu,fw-cfg-mmio")
none|-|none||native: none: no firmware or kernel evidence of a hypervisor
EOF

# The static program answers the same.
run $QEMU "$A/static/hostctl" -r "$FX/arm64-xen" -t
expect "static hostctl: -t" 0 "/dev/pvbus0: Xen"

# -l in words: the evidence as the unit's attributes, devices, the store.
root xen
run env -u XENSTORED_PATH $H -r "$R" -l
case $OUT in
"pvbus0: Xen 4.17.3, dt_hypervisor /proc/device-tree/hypervisor/compatible \"xen,xen-4.17\" \"xen,xen\", sys_hypervisor_type /sys/hypervisor/type \"xen\", proc_xen /proc/xen; native, guest
pvbus0: device vbd vbd-51712 at pvbus0, driver vbd
pvbus0: device vif vif-0 at pvbus0, driver vif
pvbus0: store none, none (xenstore: "*)
	pass "xen: -l: version, evidence, devices, no store without xenbus" ;;
*)	fail "xen: -l" "$OUT" ;;
esac

# --- DMI alone never outranks: firmware and DMI disagree
root azure
printf 'VMware, Inc.\n' >"$R/sys/class/dmi/id/sys_vendor"
printf 'VMware Virtual Platform\n' >"$R/sys/class/dmi/id/product_name"
run $H -r "$R" -t -v
case $RC:$OUT:$ERR in
"0:/dev/pvbus0: Hyper-V:"*"/sys/class/dmi/id/product_name \"VMware Virtual Platform\": VMware (DMI)"*"native: /sys/class/dmi/id/product_name \"VMware Virtual Platform\" says VMware, outranked"*)
	pass "DMI VMware under Hyper-V's firmware: Hyper-V, DMI outranked" ;;
*)	fail "DMI under firmware" "$RC $OUT $ERR" ;;
esac
# DMI alone names the type.
rm -rf "$R/sys/firmware" "$R/sys/bus/vmbus" "$R/sys/class/ptp"
run $H -r "$R" -l -j
got=$(json '[(u["type"], u["store"]["name"]) for u in t["units"]]')
[ "$got" = "[('VMware', None)]" ] &&
    pass "DMI alone: VMware, no vsock store from a saved tree" ||
    fail "DMI alone" "$got"
# An EC2 metal instance (the SMBIOS VM bit clear) is no guest.
root graviton
rm -rf "$R/sys/class/ptp"
printf 'c7g.metal\n' >"$R/sys/class/dmi/id/product_name"
python3 -c 'import sys; p = sys.argv[1]; b = bytearray(open(p, "rb").read()); b[19] &= ~0x10; open(p, "wb").write(b)' \
    "$R/sys/firmware/dmi/entries/0-0/raw"
run $H -r "$R" -s
expect "EC2 metal: -s none" 1 "none"
run $H -r "$R" -t
expect "EC2 metal: no unit" 1 "" "hostctl: open: /dev/pvbus0: No such device"

# --- an FADT without the identity, and a hypervisor nobody names
root none
mkdir -p "$R/sys/firmware/acpi/tables" "$R/proc/device-tree/hypervisor"
python3 -c '
import struct, sys
t = bytearray(276); t[0:4] = b"FACP"; t[4:8] = struct.pack("<I", 276); t[8] = 5
open(sys.argv[1], "wb").write(t)' "$R/sys/firmware/acpi/tables/FACP"
run $H -r "$R" -l -v
case $ERR in
*"FACP: revision 5, 276 bytes: no hypervisor vendor identity"*"native: none"*)
	pass "FADT revision 5: no identity, no unit" ;;
*)	fail "FADT revision 5" "$ERR" ;;
esac
# Cut short, or not an FADT at all: no identity read from it.
cp "$FX/arm64-azure/sys/firmware/acpi/tables/FACP" "$T/facp"
for bad in short notfacp; do
	case $bad in
	short)	head -c 270 "$T/facp" >"$R/sys/firmware/acpi/tables/FACP" ;;
	notfacp) python3 -c '
import struct, sys
t = bytearray(276); t[0:4] = b"APIC"; t[4:8] = struct.pack("<I", 276); t[8] = 6
t[268:276] = b"MsHyperV"; open(sys.argv[1], "wb").write(t)' \
		    "$R/sys/firmware/acpi/tables/FACP" ;;
	esac
	run $H -r "$R" -l -v
	case $bad:$RC:$OUT:$ERR in
	*MsHyperV*) fail "FADT $bad: ignored" "$ERR" ;;
	short:0:"pvbus: no hypervisor found"*"FACP: 270 of its 276 bytes: cut short"*|\
	notfacp:0:"pvbus: no hypervisor found"*)
		pass "FADT $bad: no identity, no unit" ;;
	*)	fail "FADT $bad" "$RC $OUT $ERR" ;;
	esac
done
# An identity nobody knows, with a byte that is no text: shown encoded.
python3 -c '
import struct, sys
t = bytearray(276); t[0:4] = b"FACP"; t[4:8] = struct.pack("<I", 276); t[8] = 6
t[268:276] = b"Odd\x07one".ljust(8, b"\0"); open(sys.argv[1], "wb").write(t)' \
    "$R/sys/firmware/acpi/tables/FACP"
run $H -r "$R" -l -v
case $ERR in
*'hypervisor vendor identity "Odd\\x07one": unknown (firmware/kernel)'*)
	pass "FADT unknown identity: an unknown unit, the control byte encoded" ;;
*)	fail "FADT unknown identity" "$ERR" ;;
esac
rm -f "$R/sys/firmware/acpi/tables/FACP"
printf 'qcom,gunyah-hypervisor-1.0\0' >"$R/proc/device-tree/hypervisor/compatible"
run $H -r "$R" -l -j
got=$(json '(t["vm"], [(u["type"], u["native"]) for u in t["units"]])')
[ "$got" = "('vm-other', [('unknown', False)])" ] &&
    pass "unknown hypervisor node: an unknown unit, vm-other" ||
    fail "unknown hypervisor node" "$got"

# --- XenStore through /dev/xen/xenbus: xssim on a pty under the root
root xen
XB=$R/dev/xen/xenbus
mkdir -p "$R/dev/xen"
"$B/xssim" --pty "$XB" --domid 7 2>"$T/xssim.err" &
xspid=$!
trap 'kill $xspid 2>/dev/null; rm -rf "$T"' EXIT
i=0
while [ ! -c "$XB" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
HX="env -u XENSTORED_PATH $H -r $R"
run $HX domid
expect "xen: xenstore domid over /dev/xen/xenbus" 0 7
run $HX data/arm64 'written on arm64'
expect "xen: xenstore write" 0 ""
run $HX data/arm64
expect "xen: xenstore reads it back" 0 "written on arm64"
run $HX device
expect "xen: xenstore lists device/" 0 "vif
vbd
vfb"
run $HX -l -j
got=$(json '(t["units"][0]["store"]["name"], t["units"][0]["store"]["access"], t["units"][0]["store"]["path"])')
[ "$got" = "('xenstore', 'read-write', '/dev/xen/xenbus')" ] &&
    pass "xen: -l -j: store xenstore, read-write, /dev/xen/xenbus" ||
    fail "xen: -l -j store" "$got"
kill $xspid 2>/dev/null
wait $xspid 2>/dev/null

# --- Hyper-V KVP: pool files written and read by kvp_tool (x86, the
# daemon's format and locks)
root azure
KT=$B/tests/kvp_tool
P=$R/var/lib/hyperv
mkdir -p "$P"
for n in 0 1 2 3 4; do : >"$P/.kvp_pool_$n"; done
"$KT" set "$P/.kvp_pool_0" VirtualMachineName cobalt-vm
run $H -r "$R" External/VirtualMachineName
expect "azure: kvp reads what the host set" 0 "cobalt-vm"
run $H -r "$R" Guest/arm64 'from the guest'
expect "azure: kvp write (the value echoed, as OpenBSD's)" 0 "from the guest"
run "$KT" get "$P/.kvp_pool_1" arm64
expect "azure: kvp_tool reads the record written" 0 "from the guest"
run $H -r "$R" -l -j
got=$(json '(t["units"][0]["store"]["name"], t["units"][0]["store"]["access"], [d["name"] for d in t["units"][0]["devices"]])')
[ "$got" = "('kvp', 'read-write', ['hvn', 'timesync', 'kvp', 'shutdown', 'hvs', 'heartbeat'])" ] &&
    pass "azure: -l -j: store kvp, VMBus devices" ||
    fail "azure: -l -j" "$got"

# --- fw_cfg from the sysfs tree; read-only
for fx in openstack qemu-tcg; do
	root "$fx"
	run $H -r "$R" -l -j
	got=$(json '(t["units"][0]["store"]["name"], t["units"][0]["store"]["access"], t["units"][0]["store"]["path"])')
	[ "$got" = "('fw_cfg', 'read-only', '/sys/firmware/qemu_fw_cfg')" ] &&
	    pass "$fx: store fw_cfg, read-only, sysfs" ||
	    fail "$fx: store" "$got"
done
root openstack
run $H -r "$R" opt/org.openstack/instance-id
expect "openstack: fw_cfg string" 0 "i-00000042"
run $H -r "$R" opt/org.openstack/user-data
expect "openstack: fw_cfg text of two lines" 0 "#cloud-config
hostname: arm-guest"
run $H -r "$R" opt/org.openstack/
expect "openstack: fw_cfg listing" 0 "instance-id
user-data"
run $H -r "$R" opt/org.openstack/instance-id other
expect "openstack: fw_cfg write refused" 1 "" \
    "hostctl: ioctl: Read-only file system"
[ "$(cat "$R/sys/firmware/qemu_fw_cfg/by_key/40/raw")" = i-00000042 ] &&
    pass "openstack: the refused write changed nothing" ||
    fail "openstack: refused write" "raw changed"
root qemu-tcg
run $H -r "$R" opt/org.example/greeting
expect "qemu-tcg: fw_cfg string" 0 "hello from fw_cfg"

# --- the x86 build reads the same evidence, as a cross-check of its CPUID
printf '   0x00000001 0x00: eax=0x00000000 ebx=0x00000000 ecx=0x00000000 edx=0x00000000\n' \
    >"$T/bare.txt"
for fx in xen azure graviton openstack qemu-tcg; do
	run env -u XENSTORED_PATH $H -r "$FX/arm64-$fx" -t -v
	printf '%s\n' "$ERR" | grep -E ' \((firmware/kernel|emulator|DMI)\)$' \
	    >"$T/ev-arm64"
	run env -u XENSTORED_PATH "$B/hostctl" -C "$T/bare.txt" \
	    -r "$FX/arm64-$fx" -l -v
	printf '%s\n' "$ERR" | sed -n 's/^cross-check: \(.* (\(firmware\/kernel\|emulator\|DMI\))\)$/\1/p' \
	    >"$T/ev-x86"
	if [ -s "$T/ev-arm64" ] && cmp -s "$T/ev-arm64" "$T/ev-x86" &&
	    case $OUT in "pvbus: no hypervisor found"*) true ;; *) false ;; esac; then
		pass "$fx: the x86 build sees the same $(wc -l <"$T/ev-x86") pieces of evidence, makes no unit"
	else
		fail "$fx: x86 cross-check" "$(diff "$T/ev-arm64" "$T/ev-x86" | head -5) $OUT"
	fi
done

# --- never a vsock socket: every syscall the arm64 program makes
if command -v strace >/dev/null; then
	# The control: a socket the program does open is seen.
	python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' \
	    "$T/xs.sock"
	XENSTORED_PATH=$T/xs.sock strace -f -qq -e trace=socket -o "$T/strace" \
	    $H -r "$FX/arm64-xen" -l >/dev/null 2>&1
	grep -q 'socket(AF_UNIX' "$T/strace" &&
	    pass "strace sees the arm64 program's sockets (AF_UNIX to a XenStore socket)" ||
	    fail "strace control" "$(head -c 300 "$T/strace")"
	for fx in xen azure graviton openstack qemu-tcg none; do
		strace -f -qq -e trace=socket -o "$T/strace" \
		    env -u XENSTORED_PATH $H -r "$FX/arm64-$fx" -l -j \
		    >/dev/null 2>&1
		if [ ! -s "$T/strace" ] && ! grep -q . "$T/strace" 2>/dev/null; then
			pass "$fx: no socket at all, no vsock"
		elif grep -q AF_VSOCK "$T/strace"; then
			fail "$fx: vsock" "$(grep AF_VSOCK "$T/strace" | head -1)"
		else
			pass "$fx: sockets, none of them vsock"
		fi
	done
else
	fail "strace" "not installed (tools/deps build test)"
fi
