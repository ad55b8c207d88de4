# hostctl: identification, the tree, options and error paths, in process.
. "$(dirname "$0")/../lib.sh"

H=$B/hostctl
DUMPS=$TOP/../shared/cpuid-dumps
FIX=$TOP/tests/fixtures
mkdump=$FIX/cpuid/mkdump

# --- this machine, checked against the real cpuid(1) and systemd-detect-virt
command -v cpuid >/dev/null || fail "cpuid(1)" "not installed (tools/deps build test)"
sig=$(cpuid -1 -r -l 0x40000000 2>/dev/null | awk '/0x40000000/ {
	print $4 }' | sed 's/ebx=//')
if [ "$sig" = 0x4b4d564b ]; then
	run "$H" -t
	expect "this machine: -t" 0 "/dev/pvbus0: KVM"
	run "$H" -l
	n=$(ls /sys/bus/virtio/devices | wc -l)
	got=$(echo "$OUT" | grep -c ': device virtio-')
	[ "$got" = "$n" ] && [ "$n" -gt 0 ] && pass "this machine: -l lists the $n virtio devices" ||
	    fail "this machine: -l virtio devices" "listed $got of $n"
	feat=$(cpuid -1 -r -l 0x40000001 | awk '/0x40000001/ { print $3 }' | sed 's/eax=//')
	case $OUT in
	*"features $(printf '0x%x' "$feat")<"*steal_time*pv_eoi*) pass "this machine: features decoded" ;;
	*) fail "this machine: features decoded" "$OUT" ;;
	esac
	if grep -qw kvm-clock /sys/devices/system/clocksource/clocksource0/available_clocksource; then
		echo "$OUT" | grep -q ': device pvclock kvm-clock at pvbus0, driver kvm-clock' &&
		    pass "this machine: pvclock" || fail "this machine: pvclock" "$OUT"
	fi
	[ "$(systemd-detect-virt --vm 2>/dev/null)" = kvm ] &&
	    pass "this machine: systemd-detect-virt agrees" ||
	    fail "this machine: systemd-detect-virt agrees" "$(systemd-detect-virt --vm)"
	run "$H" -l -j
	echo "$OUT" | python3 -c '
import json, sys
t = json.load(sys.stdin)
u = t["units"][0]
assert u["type"] == "KVM" and u["name"] == "pvbus0"
assert "steal_time" in u["capabilities"]["features"]["names"]
assert sum(d["name"].startswith("virtio-") for d in u["devices"]) == int(sys.argv[1])
assert u["store"]["name"] == (sys.argv[2] or None)
' "$n" "$(test -d /sys/firmware/qemu_fw_cfg && echo fw_cfg)" &&
	    pass "this machine: -l -j is JSON with the same facts" ||
	    fail "this machine: -l -j" "$OUT"
	if [ -d /sys/firmware/qemu_fw_cfg ]; then
		run "$H" some/key value
		expect "this machine: fw_cfg is read-only" 1 "" \
		    "hostctl: ioctl: Read-only file system"
	else
		nostore="hostctl: ioctl: No such device or address (fw_cfg: /sys/firmware/qemu_fw_cfg: No such file or directory)"
		run "$H" some/key
		expect "this machine: read without a store says why" 1 "" "$nostore"
		run "$H" some/key value
		expect "this machine: write without a store says why" 1 "" "$nostore"
	fi
else
	skip "this machine" "not a KVM guest (signature $sig)"
fi

# --- the real dumps
run "$H" -C "$DUMPS/hyperv-azure-2023-icelake.txt" -t
expect "dump hyperv-azure: type" 0 "/dev/pvbus0: Hyper-V"
run "$H" -C "$DUMPS/hyperv-azure-2023-icelake.txt" -l
case $OUT in
"pvbus0: Hyper-V 10.0.20348 at 0x40000000-0x4000000a \"Microsoft Hv\", interface Hv#1, build 20348,"*"privileges 0x3b803000002e7f<vp_runtime"*"recommendations 0x64e24<hypercall_remote_flush relaxed_timing"*"max_vcpus 240"*)
	pass "dump hyperv-azure: version, privileges, recommendations" ;;
*)	fail "dump hyperv-azure: decode" "$OUT" ;;
esac
run "$H" -C "$DUMPS/xen-4.11-aws-c3.large.txt" -l
case $OUT in
"pvbus0: Xen 4.11 at 0x40000000-0x40000005 \"XenVMMXenVMM\","*"hvm_features 0x1c<iommu_mappings vcpu_id domid>"*"domid 11142"*)
	pass "dump xen-4.11: version, features, domid" ;;
*)	fail "dump xen-4.11: decode" "$OUT" ;;
esac
run "$H" -C "$DUMPS/vmware-xeon-E5-2670v3-server.txt" -l
case $OUT in
"pvbus0: VMware at 0x40000000-0x40000010 \"VMwareVMware\", tsc_khz 2297339, bus_khz 66000, hypercall backdoor"*)
	pass "dump vmware: TSC, bus, hypercall" ;;
*)	fail "dump vmware: decode" "$OUT" ;;
esac
run "$H" -C "$DUMPS/kvm-qemu-6.0dev-cpu-host-i7-8650U.txt" -l -r "$FIX/sys/kvm"
case $OUT in
"pvbus0: KVM at 0x40000000-0x40000001 \"KVMKVMKVM\", features 0x1007afb<clocksource nop_io_delay clocksource2 async_pf steal_time pv_eoi pv_unhalt pv_tlb_flush pv_send_ipi"*)
	pass "dump kvm: features" ;;
*)	fail "dump kvm: features" "$OUT" ;;
esac
run "$H" -C "$DUMPS/kvm-qemu-hv-enlightenments-i9-13900K.txt" -l
case $OUT in
"pvbus0: Hyper-V 10.0.14393 at"*"recommendations 0x20<relaxed_timing>"*) pass "dump kvm-hv: Hyper-V enlightenments" ;;
*)	fail "dump kvm-hv: decode" "$OUT" ;;
esac

# --- fed sysfs trees of each hypervisor
run "$H" -C "$DUMPS/hyperv-azure-2023-icelake.txt" -r "$FIX/sys/hyperv" -l
want="hvn:hv_netvsc hvs:hv_storvsc kvp:hv_utils heartbeat:hv_utils shutdown:hv_utils timesync:hv_utils vss:hv_utils balloon:hv_balloon keyboard:hyperv_keyboard mouse:hid_hyperv video:hyperv_fb vmbus-device:"
got=$(echo "$OUT" | awk '/: device / { print $3 ":" ($7 == "driver" ? $8 : "") }' | tr '\n' ' ')
[ "$got" = "$want " ] && pass "sysfs hyperv: VMBus devices by class" ||
    fail "sysfs hyperv: VMBus devices" "$got"
echo "$OUT" | grep -q "device hvn 00000001-d3a4-4b7e-9f0c-00155d000001 at VMBUS:00, driver hv_netvsc" &&
    pass "sysfs hyperv: id and parent" || fail "sysfs hyperv: id and parent" "$OUT"
run "$H" -C "$DUMPS/xen-4.11-aws-c3.large.txt" -r "$FIX/sys/xen" -l
got=$(echo "$OUT" | grep ': device ' | cut -d' ' -f3- | tr '\n' '|')
[ "$got" = "vbd vbd-768 at pvbus0, driver vbd|vif vif-0 at pvbus0, driver vif|vkbd vkbd-0 at pvbus0, driver vkbd|" ] &&
    pass "sysfs xen: devices" || fail "sysfs xen: devices" "$got"
echo "$OUT" | grep -q "sys_hypervisor_type xen" && pass "sysfs xen: /sys/hypervisor/type" ||
    fail "sysfs xen: /sys/hypervisor/type" "$OUT"
run "$H" -C "$DUMPS/vmware-xeon-E5-2670v3-server.txt" -r "$FIX/sys/vmware" -l
got=$(echo "$OUT" | grep ': device ' | cut -d' ' -f3- | tr '\n' '|')
[ "$got" = "vmci 0000:00:07.7 at pci0000:00, driver vmw_vmci|svga 0000:00:0f.0 at pci0000:00, driver vmwgfx|vmxnet3 0000:03:00.0 at 0000:00:15.0, driver vmxnet3|pvscsi 0000:04:00.0 at 0000:00:15.1, driver vmw_pvscsi|balloon vmw_balloon at pvbus0, driver vmw_balloon|" ] &&
    pass "sysfs vmware: PCI devices and balloon" || fail "sysfs vmware: devices" "$got"
run "$H" -C "$DUMPS/kvm-qemu-6.0dev-cpu-host-i7-8650U.txt" -r "$FIX/sys/kvm" -l
[ "$(echo "$OUT" | grep -c ': device virtio-')" = 6 ] &&
    echo "$OUT" | grep -q "device virtio-console virtio5 at 0000:00:06.0, driver virtio_console" &&
    echo "$OUT" | grep -q "clocksource kvm-clock" &&
    pass "sysfs kvm: virtio devices and clocksource" || fail "sysfs kvm: devices" "$OUT"
mkdir -p "$T/empty"
run "$H" -C "$DUMPS/kvm-qemu-6.0dev-cpu-host-i7-8650U.txt" -r "$T/empty" -l
echo "$OUT" | grep -q "device pvclock kvm-clock at pvbus0$" &&
    pass "kvm: pvclock from CPUID alone (CLOCKSOURCE2 and stable bit)" ||
    fail "kvm: pvclock from CPUID" "$OUT"
$mkdump 0x80000000 0x40000000='KVMKVMKVM\0\0\0:0x40000001' > "$T/kvm-old.txt"
echo '   0x40000001 0x00: eax=0x00000001 ebx=0x0 ecx=0x0 edx=0x0' | sed 's/=0x0 /=0x00000000 /g; s/=0x0$/=0x00000000/' >> "$T/kvm-old.txt"
run "$H" -C "$T/kvm-old.txt" -r "$T/empty" -l
echo "$OUT" | grep -q "pvclock" && fail "kvm: no pvclock without CLOCKSOURCE2" "$OUT" ||
    pass "kvm: no pvclock without CLOCKSOURCE2"

$mkdump 0x80000000 0x40000000='KVMKVMKVM\0\0\0:0x0' > "$T/kvm-eax0.txt"
echo '   0x40000001 0x00: eax=0x01000008 ebx=0x00000000 ecx=0x00000000 edx=0x00000000' >> "$T/kvm-eax0.txt"
run "$H" -C "$T/kvm-eax0.txt" -r "$T/empty" -l
case $OUT in
*"features 0x1000008<clocksource2 clocksource_stable>"*"device pvclock"*)
	pass "kvm: EAX 0 at the base still has the feature leaf" ;;
*)	fail "kvm: EAX 0 at the base" "$OUT" ;;
esac

# --- every known signature, and the order of several interfaces
while IFS=: read -r sig type; do
	$mkdump 0x80000000 0x40000000="$sig:0x40000001" > "$T/sig.txt"
	run "$H" -C "$T/sig.txt" -t
	expect "signature '$sig' is $type" 0 "/dev/pvbus0: $type"
done <<'EOF'
KVMKVMKVM\0\0\0:KVM
Microsoft Hv:Hyper-V
Linux KVM Hv:Hyper-V
VMwareVMware:VMware
XenVMMXenVMM:Xen
bhyve bhyve :bhyve
BHyVE BHyVE :bhyve
OpenBSDVMM58:OpenBSD
TCGTCGTCGTCG:TCG
ACRNACRNACRN:ACRN
QNXQVMBSQG\0\0:QNX
SRESRESRESRE:SRE
Apple VZ\0\0\0\0:Apple
LKVMLKVMLKVM:kvmtool
VBoxVBoxVBox:VirtualBox
 prl hyperv :Parallels
Jailhouse\0\0\0:Jailhouse
___ NVMM ___:NVMM
HAXMHAXMHAXM:HAXM
UnisysSpar64:Unisys
EVMMEVMMEVMM:EVMM
IntelTDX    :TDX
EOF

$mkdump 0x80000000 0x40000000='Microsoft Hv:0x40000005' \
    0x40000100='KVMKVMKVM\0\0\0:0x40000101' > "$T/kvm-hv.txt"
run "$H" -C "$T/kvm-hv.txt" -f /dev/pvbus0 -t
expect "kvm+hyperv: pvbus0 is KVM" 0 "/dev/pvbus0: KVM"
run "$H" -C "$T/kvm-hv.txt" -f /dev/pvbus1 -t
expect "kvm+hyperv: pvbus1 is Hyper-V" 0 "/dev/pvbus1: Hyper-V"
run "$H" -C "$T/kvm-hv.txt" -f /dev/pvbus2 -t
expect "kvm+hyperv: no pvbus2" 1 "" "hostctl: open: /dev/pvbus2: No such device or address"
$mkdump 0x80000000 0x40000000='Microsoft Hv:0x40000005' \
    0x40000100='XenVMMXenVMM:0x40000105' > "$T/xen-hv.txt"
run "$H" -C "$T/xen-hv.txt" -l
case $OUT in
"pvbus0: Xen at 0x40000100-0x40000105"*"pvbus1: Hyper-V at 0x40000000-0x40000005"*)
	pass "xen+viridian: pvbus0 Xen, pvbus1 Hyper-V" ;;
*)	fail "xen+viridian: order" "$OUT" ;;
esac
$mkdump 0x80000000 0x40000000='FooBar\001"\\x\0\0:0x40000000' > "$T/unknown.txt"
run "$H" -C "$T/unknown.txt" -l
case $OUT in
'pvbus0: unknown at 0x40000000-0x40000000 "FooBar\^A\"\\x"'*) pass "unknown signature: a unit, vis-encoded" ;;
*)	fail "unknown signature" "$OUT" ;;
esac
$mkdump 0x80000000 0x40000000='KVMKVMKVM\0\0\0:0x40000001' \
    0x40000100='Fo\001oBarBazQu:0x0' 0x40000200='XenVMMXenVMM:0x40000205' > "$T/stop.txt"
run "$H" -C "$T/stop.txt" -l
[ "$(echo "$OUT" | grep -c ' at 0x4000')" = 1 ] &&
    pass "scan stops at a non-printable signature" || fail "scan stops" "$OUT"

# --- no hypervisor
$mkdump 0x00000000 0x40000000='KVMKVMKVM\0\0\0:0x40000001' > "$T/none.txt"
run "$H" -C "$T/none.txt" -t
expect "no hypervisor: -t" 1 "" "hostctl: open: /dev/pvbus0: No such device"
run "$H" -C "$T/none.txt" some/key
expect "no hypervisor: read" 1 "" "hostctl: open: /dev/pvbus0: No such device"
run "$H" -C "$T/none.txt" -r "$T/empty" -l
expect "no hypervisor: -l" 0 "pvbus: no hypervisor found
pvbus: vm none, confidential none, container none"
run "$H" -C "$T/none.txt" -r "$T/empty" -l -j
expect "no hypervisor: -l -j" 0 '{"vm": "none", "cvm": "none", "paravisor": false, "host_controlled": false, "container": "none", "units": []}'

# --- options and errors
KVM=$DUMPS/kvm-qemu-6.0dev-cpu-host-i7-8650U.txt
run "$H" -C "$KVM"
[ $RC = 1 ] && case $ERR in "usage: hostctl "*) true ;; *) false ;; esac &&
    pass "usage without a key" || fail "usage without a key" "$RC $ERR"
for args in "-x k" "-j k" "-C $KVM a b c" "-C $KVM -i /dev/null a b"; do
	run "$H" $args
	[ $RC = 1 ] && [ -z "$OUT" ] && case $ERR in *"usage: hostctl "*) true ;; *) false ;; esac &&
	    pass "usage: hostctl $args" || fail "usage: hostctl $args" "$RC $ERR"
done
run "$H" -f /nonexistent -t
expect "open error" 1 "" "hostctl: open: /nonexistent: No such file or directory"
run "$H" -C /nonexistent -t
expect "missing dump" 1 "" "hostctl: /nonexistent: No such file or directory"
echo "garbage" > "$T/bad.txt"
run "$H" -C "$T/bad.txt" -t
expect "malformed dump" 1 "" "hostctl: $T/bad.txt: line 1: a number without 0x"
# Each of these read as a KVM dump once: the NUL ended the file, the wide
# leaf was cut to 0x40000000, the sign was taken.
leaf1='   0x00000001 0x00: eax=0x000306f2 ebx=0x00040800 ecx=0x80000000 edx=0x1fabfbff'
kvm='ebx=0x4b4d564b ecx=0x564b4d56 edx=0x0000004d'
printf '%s\n   0x40000000 0x00: eax=0x40000001 %s\n\0garbage\n' "$leaf1" "$kvm" > "$T/nul.txt"
run "$H" -C "$T/nul.txt" -t
expect "dump with a NUL" 1 "" "hostctl: $T/nul.txt: line 3: a NUL byte"
printf '%s\n#\n   0x140000000 0x00: eax=0x40000001 %s\n' "$leaf1" "$kvm" > "$T/wide.txt"
run "$H" -C "$T/wide.txt" -t
expect "dump with a leaf wider than 32 bits" 1 "" \
    "hostctl: $T/wide.txt: line 3: 0x140000000 is wider than 32 bits"
printf '%s\n   0x40000000 0x-1: eax=0x40000001 %s\n' "$leaf1" "$kvm" > "$T/sign.txt"
run "$H" -C "$T/sign.txt" -t
expect "dump with a sign" 1 "" "hostctl: $T/sign.txt: line 2: a sign in 0x-1"
# A dump is read whole however long, its buffer growing up to 4 MiB.
{ echo "$leaf1"; awk 'BEGIN { for (i = 0; i < 40000; i++) printf "# %070d\n", i }'
    echo "   0x40000000 0x00: eax=0x40000001 $kvm"; } > "$T/long.txt"
run "$H" -C "$T/long.txt" -t
expect "dump of 2.9 MB, the leaf at its end" 0 "/dev/pvbus0: KVM"
{ cat "$T/long.txt" "$T/long.txt"; } | head -c 4194304 > "$T/huge.txt"
run "$H" -C "$T/huge.txt" -t
expect "dump of 4 MiB: refused" 1 "" "hostctl: $T/huge.txt: File too large"
# At the buffer's edges: its first size, and the largest dump taken.
for size in 16384 4194303; do
	printf '%s\n   0x40000000 0x00: eax=0x40000001 %s\n' "$leaf1" "$kvm" \
	    > "$T/edge.txt"
	# Comment lines of 71 bytes (a line holds at most 255), then the rest.
	awk -v n=$((size - $(wc -c < "$T/edge.txt"))) 'BEGIN {
		for (; n >= 71; n -= 71) printf "#%069d\n", 0
		if (n == 1) printf "\n"
		else if (n > 1) { printf "#"; for (; n > 2; n--) printf "x"; printf "\n" }
	}' >> "$T/edge.txt"
	run "$H" -C "$T/edge.txt" -t
	[ "$(wc -c < "$T/edge.txt")" = $size ] &&
	    expect "dump of exactly $size bytes" 0 "/dev/pvbus0: KVM" ||
	    fail "dump of exactly $size bytes" "made $(wc -c < "$T/edge.txt")"
done
run "$H" -C "$KVM" -t -j
expect "-t -j" 0 '{"device": "/dev/pvbus0", "type": "KVM"}'
run "$H" -C "$KVM" -t -o "$T/type.out"
[ $RC = 0 ] && [ -z "$OUT" ] && [ "$(cat "$T/type.out")" = "/dev/pvbus0: KVM" ] &&
    pass "-o file" || fail "-o file" "$RC $OUT"
echo "keep me" > "$T/keep.out"
run "$H" -C "$KVM" -o "$T/keep.out" some/key
[ $RC = 1 ] && [ "$(cat "$T/keep.out")" = "keep me" ] &&
    pass "-o file untouched when the read fails" || fail "-o untouched" "$(cat "$T/keep.out")"
run "$H" -C "$KVM" -t -o "$T/nodir/x"
expect "-o unwritable" 1 "" "hostctl: fopen: $T/nodir/x: No such file or directory"
key=$(head -c 4096 /dev/zero | tr '\0' k)
run "$H" -C "$KVM" "$key"
expect "key too long" 1 "" "hostctl: key too long"
head -c 65536 /dev/zero | tr '\0' v > "$T/big"
run "$H" -C "$KVM" k "$(cat "$T/big")"
expect "value too long" 1 "" "hostctl: value too long"
run "$H" -C "$KVM" -i "$T/big" k
expect "-i value too long" 1 "" "hostctl: input file: $T/big: value too long"
run "$H" -C "$KVM" -i "$T/none" k
expect "-i missing file" 1 "" "hostctl: input file: $T/none: No such file or directory"

# --- stores that are not there say why
run "$H" -C "$DUMPS/hyperv-azure-2023-icelake.txt" -r "$FIX/sys/hyperv" External/k
expect "no KVP pools: the reason" 1 "" \
    "hostctl: ioctl: No such device or address (kvp: /var/lib/hyperv: No such file or directory)"
run "$H" -C "$DUMPS/hyperv-azure-2023-icelake.txt" -r "$FIX/sys/hyperv" -l
echo "$OUT" | grep -q '^pvbus0: store none, none (kvp: /var/lib/hyperv: No such file or directory)$' &&
    pass "no KVP pools: -l says why" || fail "no KVP pools: -l" "$OUT"
run "$H" -C "$DUMPS/vmware-xeon-E5-2670v3-server.txt" -l -j
echo "$OUT" | python3 -c '
import json, sys
s = json.load(sys.stdin)["units"][0]["store"]
assert s["name"] is None and s["error"] == "guestinfo: backdoor port 0x5658: No such device", s
' && pass "no guestinfo from a dump: -l -j says why" || fail "no guestinfo: -j" "$OUT"

# --- devices, roots and outputs
run "$H" -f /tmp k
expect "-f a file that is no pvbus: the ioctl fails as on OpenBSD" 1 "" \
    "hostctl: ioctl: Inappropriate ioctl for device"
run "$H" -C "$KVM" -f pvbus0 -t
expect "-f pvbus0 is no unit name" 1 "" "hostctl: open: pvbus0: No such file or directory"
run "$H" -C "$KVM" -f /dev/pvbus00 -t
expect "-f /dev/pvbus00 is no unit name" 1 "" "hostctl: open: /dev/pvbus00: No such file or directory"
run "$H" -r /nonexistent -l
expect "-r a missing root" 1 "" "hostctl: /nonexistent: No such file or directory"
run "$H" -r /etc/passwd -l
expect "-r a file" 1 "" "hostctl: /etc/passwd: Not a directory"
for args in "-l extra" "-l -t"; do
	run "$H" -C "$KVM" $args
	[ $RC = 1 ] && [ -z "$OUT" ] && case $ERR in "usage: hostctl "*) true ;; *) false ;; esac &&
	    pass "usage: hostctl $args" || fail "usage: hostctl $args" "$RC $ERR"
done
run "$H" -x
case $ERR in "hostctl: invalid option -- 'x'"*) pass "getopt names the program as usage does" ;;
*) fail "getopt message" "$ERR" ;; esac
run "$H" -C "$KVM" -o "$T/created.out" some/key
[ $RC = 1 ] && [ ! -e "$T/created.out" ] &&
    pass "-o file made by hostctl is removed when the read fails" ||
    fail "-o created file" "$RC $(ls -l "$T/created.out" 2>&1)"

# --- -o on what is not a regular file: written as it is, never truncated
run "$H" -C "$KVM" -t -o /dev/null
expect "-o /dev/null" 0 ""
run sh -c '"$1" -C "$2" -t -o /dev/stdout | cat' sh "$H" "$KVM"
expect "-o /dev/stdout into a pipe" 0 "/dev/pvbus0: KVM"
mkfifo "$T/fifo"
cat "$T/fifo" >"$T/fifo.out" &
reader=$!
run "$H" -C "$KVM" -t -o "$T/fifo"
# A reader still waiting for a writer (hostctl failed early) gets EOF.
exec 3<>"$T/fifo"
exec 3>&-
wait $reader
[ $RC = 0 ] && [ -z "$ERR" ] && [ "$(cat "$T/fifo.out")" = "/dev/pvbus0: KVM" ] &&
    pass "-o a FIFO" || fail "-o a FIFO" "exit $RC, stderr '$ERR', read '$(cat "$T/fifo.out")'"
run python3 -c '
import os, pty, subprocess, sys
m, s = pty.openpty()
rc = subprocess.call(sys.argv[1:] + ["-o", os.ttyname(s)])
os.close(s)
out = b""
while True:
	try:
		b = os.read(m, 4096)
	except OSError:
		break
	if not b:
		break
	out += b
sys.stdout.write(out.decode().replace("\r\n", "\n"))
sys.exit(rc)
' "$H" -C "$KVM" -t
expect "-o a terminal" 0 "/dev/pvbus0: KVM"
run "$H" -C "$KVM" -t -o /dev/full
expect "-o /dev/full is a write error" 1 "" "hostctl: /dev/full: No space left on device"
printf 'old contents that are longer\n' >"$T/longer.out"
run "$H" -C "$KVM" -t -o "$T/longer.out"
[ $RC = 0 ] && [ "$(cat "$T/longer.out")" = "/dev/pvbus0: KVM" ] &&
    pass "-o a regular file is still truncated" || fail "-o truncates" "$(cat "$T/longer.out")"

# --- -i names the input's own error
run "$H" -C "$KVM" -i "$T" k
expect "-i a directory" 1 "" "hostctl: input file: $T: Is a directory"
