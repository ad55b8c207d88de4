#!/bin/sh
# Identification: systemd's names (-s) against the real systemd-detect-virt
# under every hvsim profile, confidential VMs with the SEV_STATUS MSR from a
# fixture, containers against systemd-detect-virt --container and fixture
# trees, roles and native units of every real dump, the evidence of -v, and
# what -t and -s cost.
. "$(dirname "$0")/../lib.sh"

H=$B/hostctl
HV=$B/hvsim
DUMPS=${PVBUS_CPUID_DUMPS:-$TOP/../shared/cpuid-dumps}
mkdump=$TOP/tests/fixtures/cpuid/mkdump
TO="timeout 60"

command -v systemd-detect-virt >/dev/null ||
    fail "systemd-detect-virt" "not installed (tools/deps build test)"
command -v python3 >/dev/null || fail "python3" "not installed"

# json FILTER: evaluates a Python expression on the JSON of $OUT as t.
json() {
	printf '%s' "$OUT" | python3 -c '
import json, sys
t = json.load(sys.stdin)
print(eval(sys.argv[1]))' "$1" 2>&1
}

# An MSR file under ROOT holding VALUE (one byte is enough) at SEV_STATUS.
msr_root() {
	mkdir -p "$1/dev/cpu/0"
	printf "\\$(printf '%03o' "$2")\\0\\0\\0\\0\\0\\0\\0" |
	    dd of="$1/dev/cpu/0/msr" bs=1 seek=$((0xc0010131)) conv=notrunc \
	    2>/dev/null
}

# --- -s against the real systemd-detect-virt --vm, under every profile
if reason=$(hvsim_usable); then
	profiles=$("$HV" --help 2>&1 | sed -n 's/^profiles: //p')
	[ -n "$profiles" ] || fail "hvsim profiles" "none listed"
	for p in $profiles; do
		sd=$($TO "$HV" --profile "$p" -- systemd-detect-virt --vm)
		sdrc=$?
		run $TO "$HV" --profile "$p" -- "$H" -s
		case $p in
		kvm+hyperv|xen+viridian)
			# hostctl(8): systemd names the emulated interface here.
			want=${p%+*}
			if [ "$sd" != microsoft ]; then
				fail "-s $p: systemd's documented answer" \
				    "systemd-detect-virt says '$sd', hostctl(8) says microsoft"
			else
				expect "-s $p: the native $want where systemd says microsoft" \
				    0 "$want"
			fi ;;
		*)	expect "-s $p equals systemd-detect-virt --vm" "$sdrc" "$sd" ;;
		esac
	done
	run $TO "$HV" --profile kvm+hyperv -- "$H" -s -v
	case $ERR in
	*"systemd-detect-virt says \"microsoft\" here"*"8844, 28001"*"vm = kvm: the native interface"*)
		pass "-s -v: names the difference with systemd" ;;
	*)	fail "-s -v: the difference with systemd" "$ERR" ;;
	esac

	# --- confidential VMs under the profiles; SEV_STATUS from a fixture
	while read -r p msr cvm para; do
		root=$T/root-$p
		mkdir -p "$root"
		[ "$msr" = - ] || msr_root "$root" "$msr"
		run $TO "$HV" --profile "$p" -- "$H" -r "$root" -l -j
		got=$(json '(t["cvm"], t["paravisor"], t["host_controlled"], all(u["host_controlled"] for u in t["units"]), t["units"][0]["native"], t["units"][0]["role"])')
		want="('$cvm', $para, True, True, True, 'guest')"
		[ "$cvm" = none ] && want="('none', False, False, False, True, 'guest')"
		[ "$got" = "$want" ] && pass "cvm $p: $cvm, host-controlled marks" ||
		    fail "cvm $p" "got $got, wanted $want"
		# The same through a dump of what the profile answers.
		$TO "$HV" --profile "$p" -- cpuid -r -1 > "$T/dump-$p.txt" 2>/dev/null
		run "$H" -C "$T/dump-$p.txt" -r "$root" -l -j
		got=$(json 't["cvm"]')
		[ "$got" = "$cvm" ] && pass "cvm $p from its dump: $cvm" ||
		    fail "cvm $p from its dump" "got $got"
	done <<-'EOF2'
	kvm - none False
	kvm+sev 1 sev False
	kvm+sev-es 3 sev-es False
	kvm+sev-snp 7 sev-snp False
	kvm+tdx - tdx False
	azure+snp - sev-snp True
	azure+tdx - tdx True
	EOF2
	run $TO "$HV" --profile kvm+sev-snp -- "$H" -r "$T/root-kvm+sev-snp" -l
	case $OUT in
	*"; native, guest, host-controlled"*"pvbus: vm kvm, confidential sev-snp, container "*"; the host's CPUID leaves, DMI and stores are host-controlled")
		pass "cvm kvm+sev-snp: -l says so in words" ;;
	*)	fail "cvm kvm+sev-snp: -l" "$OUT" ;;
	esac
	run $TO "$HV" --profile azure+tdx -- "$H" -l
	case $OUT in
	*"confidential tdx with a paravisor"*) pass "cvm azure+tdx: -l names the paravisor" ;;
	*)	fail "cvm azure+tdx: -l" "$OUT" ;;
	esac

	# SEV offered, SEV_STATUS not to be had: unknown, and why.
	mkdir -p "$T/nomsr" "$T/badmsr/dev/cpu/0" "$T/dirmsr/dev/cpu/0/msr"
	printf 'abc' > "$T/badmsr/dev/cpu/0/msr"
	mkdir -p "$T/zero"
	msr_root "$T/zero" 0
	while IFS='|' read -r root note cvm; do
		run $TO "$HV" --profile kvm+sev -- "$H" -r "$T/$root" -l -j -v
		got=$(json 't["cvm"], t["host_controlled"]')
		case $ERR in
		*"$note"*"cvm = $cvm: "*)
			[ "$got" = "('$cvm', $( [ $cvm = none ] && echo False || echo True))" ] &&
			    pass "cvm SEV, $root: $cvm, with a note" ||
			    fail "cvm SEV, $root" "got $got" ;;
		*)	fail "cvm SEV, $root: note" "$RC $ERR" ;;
		esac
	done <<-'EOF2'
	nomsr|/dev/cpu/0/msr: No such file or directory|unknown
	badmsr|malformed MSR file|unknown
	dirmsr|/dev/cpu/0/msr: Is a directory|unknown
	zero|(SEV_STATUS) = 0x0000000000000000|none
	EOF2
else
	skip "hvsim identification" "$reason"
fi

# --- every real dump: native units, roles, no confidential VM
mkdir -p "$T/empty"
while read -r file units; do
	run "$H" -C "$DUMPS/$file" -r "$T/empty" -l -j
	got=$(json '(t["cvm"], t["host_controlled"], " ".join("%s:%s:%s" % (u["type"], u["native"], u["role"]) for u in t["units"]))')
	want="('none', False, '$(echo "$units" | tr , ' ')')"
	[ "$got" = "$want" ] && pass "dump $file: roles, native, cvm none" ||
	    fail "dump $file" "got $got, wanted $want"
done <<'EOF2'
hyperv-azure-2023-icelake.txt Hyper-V:True:guest
kvm-qemu-6.0dev-cpu-host-i7-8650U.txt KVM:True:guest
kvm-qemu-hv-enlightenments-i9-13900K.txt Hyper-V:True:guest
vmware-xeon-E5-2670v3-server.txt VMware:True:guest
xen-4.11-aws-c3.large.txt Xen:True:guest
EOF2
# A dump added without an expectation here is a failure, not a gap.
for f in "$DUMPS"/*.txt; do
	case $(basename "$f") in
	hyperv-azure-2023-icelake.txt|kvm-qemu-6.0dev-cpu-host-i7-8650U.txt|\
	kvm-qemu-hv-enlightenments-i9-13900K.txt|vmware-xeon-E5-2670v3-server.txt|\
	xen-4.11-aws-c3.large.txt) ;;
	*)	fail "dump $(basename "$f")" "no expected roles and CVM state here" ;;
	esac
done
# What decided, for each: the CPU vendor's leaves and Hyper-V's privileges.
run "$H" -C "$DUMPS/hyperv-azure-2023-icelake.txt" -r "$T/empty" -l -v
case $ERR in
*'cvm: cpuid 0x00000000: highest leaf 0x00000015, no 0x21'*'no isolation leaf'*'cvm = none: no TDX leaf'*'role: pvbus0 = guest: cpuid 0x40000003 ebx=0x003b8030: no create_partitions'*)
	pass "dump hyperv-azure: -v names the leaves that decided" ;;
*)	fail "dump hyperv-azure: -v" "$ERR" ;;
esac
# This dump never probed 0x40000100, where KVM's own leaves would be.
run "$H" -C "$DUMPS/kvm-qemu-hv-enlightenments-i9-13900K.txt" -t -v
case $ERR in
*'cpuid 0x40000100: not in the dump (never probed?): the hypervisor range ends'*'native = pvbus0 Hyper-V at 0x40000000'*)
	pass "dump kvm-hv: -v says 0x40000100 is not in the dump" ;;
*)	fail "dump kvm-hv: -v" "$ERR" ;;
esac

# --- dumps with leaves missing: unknown, with the leaf named
AMD='   0x00000000 0x00: eax=0x00000010 ebx=0x68747541 ecx=0x444d4163 edx=0x69746e65'
{ $mkdump 0x80000000 0x40000000='KVMKVMKVM\0\0\0:0x40000001' | sed 1d
  echo "$AMD"; } > "$T/amd-noext.txt"
cp "$T/amd-noext.txt" "$T/amd-nomemenc.txt"
echo '   0x80000000 0x00: eax=0x80000021 ebx=0x68747541 ecx=0x444d4163 edx=0x69746e65' >> "$T/amd-nomemenc.txt"
cp "$T/amd-nomemenc.txt" "$T/amd-sev.txt"
echo '   0x8000001f 0x00: eax=0x0000001a ebx=0x00000073 ecx=0x00000000 edx=0x00000000' >> "$T/amd-sev.txt"
$mkdump 0x80000000 0x40000000='KVMKVMKVM\0\0\0:0x40000001' | sed 1d > "$T/novendor.txt"
{ $mkdump 0x80000000 0x40000000='KVMKVMKVM\0\0\0:0x40000001' | sed 1d
  echo '   0x00000000 0x00: eax=0x00000023 ebx=0x756e6547 ecx=0x6c65746e edx=0x49656e69'; } > "$T/intel-no21.txt"
while IFS='|' read -r dump root note; do
	run "$H" -C "$T/$dump" ${root:+-r "$T/$root"} -l -j -v
	got=$(json 't["cvm"]')
	case $RC:$got:$ERR in
	"0:unknown:"*"$note"*"cvm = unknown: "*) pass "dump $dump: unknown, says why" ;;
	*)	fail "dump $dump" "$RC $got $ERR" ;;
	esac
done <<'EOF2'
amd-noext.txt|empty|cvm: cpuid 0x80000000: not in the dump
amd-nomemenc.txt|empty|cvm: cpuid 0x8000001f: not in the dump
amd-sev.txt||SEV_STATUS not read: CPUID comes from a dump and no root was given
novendor.txt||cvm: cpuid 0x00000000: not in the dump
intel-no21.txt||cvm: cpuid 0x00000021: not in the dump
EOF2

# --- roles: a Hyper-V root partition, Xen's dom0
hvroot() {
	$mkdump 0x80000000 0x40000000='Microsoft Hv:0x40000005'
	echo '   0x40000001 0x00: eax=0x31237648 ebx=0x00000000 ecx=0x00000000 edx=0x00000000'
	echo "   0x40000003 0x00: eax=0x00002fff ebx=$1 ecx=0x00000002 edx=0x000ed7b2"
}
hvroot 0x003b9fff > "$T/hv-root.txt"
run "$H" -C "$T/hv-root.txt" -r "$T/empty" -l -j -v
got=$(json 't["units"][0]["role"]')
case $got:$ERR in
"root:"*"role: pvbus0 = root: cpuid 0x40000003 ebx=0x003b9fff holds create_partitions and cpu_management: the root partition, not a guest"*)
	pass "hyperv root partition: role root, and why" ;;
*)	fail "hyperv root partition" "$got $ERR" ;;
esac
run "$H" -C "$T/hv-root.txt" -r "$T/empty" -l
case $OUT in
"pvbus0: Hyper-V"*"; native, root"*) pass "hyperv root partition: -l says root" ;;
*)	fail "hyperv root partition: -l" "$OUT" ;;
esac
hvroot 0x003b8030 > "$T/hv-guest.txt"
run "$H" -C "$T/hv-guest.txt" -r "$T/empty" -l -j
[ "$(json 't["units"][0]["role"]')" = guest ] &&
    pass "hyperv guest partition: role guest" || fail "hyperv guest" "$OUT"
mkdir -p "$T/dom0/sys/hypervisor/properties" "$T/domu/proc/xen"
echo 00000801 > "$T/dom0/sys/hypervisor/properties/features"
echo > "$T/domu/proc/xen/capabilities"
for d in dom0:root domu:guest; do
	run "$H" -C "$DUMPS/xen-4.11-aws-c3.large.txt" -r "$T/${d%:*}" -l -j
	got=$(json 't["units"][0]["role"], t["vm"]')
	want="('${d#*:}', '$( [ ${d%:*} = dom0 ] && echo xen || echo xen)')"
	[ "$got" = "$want" ] && pass "xen ${d%:*}: role ${d#*:}" ||
	    fail "xen ${d%:*}" "got $got, wanted $want"
done

# --- emulated units: Hyper-V below KVM and Xen
for native in 'KVMKVMKVM\0\0\0:KVM:kvm' 'XenVMMXenVMM:Xen:xen'; do
	sig=${native%%:*}; rest=${native#*:}; type=${rest%:*}; sd=${rest#*:}
	{ $mkdump 0x80000000 0x40000000='Microsoft Hv:0x40000005' \
	    0x40000100="$sig:0x40000101"
	  echo '   0x40000001 0x00: eax=0x31237648 ebx=0x00000000 ecx=0x00000000 edx=0x00000000'; } > "$T/emu.txt"
	run "$H" -C "$T/emu.txt" -r "$T/empty" -l -j -v
	got=$(json '" ".join("%s:%s:%s" % (u["type"], u["native"], u["role"]) for u in t["units"]), t["vm"]')
	case $got:$ERR in
	"('$type:True:guest Hyper-V:False:guest', '$sd'):"*"native: pvbus1 Hyper-V at 0x40000000: interface \"Hv#1\" emulated by $type"*)
		pass "$type with Viridian: Hyper-V emulated, $type native" ;;
	*)	fail "$type with Viridian" "$got $ERR" ;;
	esac
	run "$H" -C "$T/emu.txt" -r "$T/empty" -l
	echo "$OUT" | grep -q '^pvbus1: Hyper-V.*; emulated, guest$' &&
	    pass "$type with Viridian: -l says emulated" ||
	    fail "$type with Viridian: -l" "$OUT"
done

# --- systemd's name of every signature (-s)
while IFS=: read -r sig name; do
	$mkdump 0x80000000 0x40000000="$sig:0x40000001" > "$T/sig.txt"
	run "$H" -C "$T/sig.txt" -r "$T/empty" -s
	# dash's echo would turn the \0 of a test name into a NUL.
	expect "-s '$(printf '%s' "$sig" | tr '\\' /)' is $name" 0 "$name"
done <<'EOF2'
KVMKVMKVM\0\0\0:kvm
Microsoft Hv:microsoft
Linux KVM Hv:kvm
VMwareVMware:vmware
XenVMMXenVMM:xen
bhyve bhyve :bhyve
BHyVE BHyVE :bhyve
OpenBSDVMM58:vm-other
TCGTCGTCGTCG:qemu
ACRNACRNACRN:acrn
QNXQVMBSQG\0\0:qnx
SRESRESRESRE:sre
Apple VZ\0\0\0\0:apple
VBoxVBoxVBox:oracle
 prl hyperv :parallels
 lrpepyh  vr:parallels
Jailhouse\0\0\0:vm-other
Whatever1234:vm-other
EOF2
$mkdump 0x80000000 0x40000000=' lrpepyh  vr:0x40000001' > "$T/sig.txt"
run "$H" -C "$T/sig.txt" -t
expect "byte-swapped Parallels signature" 0 "/dev/pvbus0: Parallels"
# FEX-Emu sets no hypervisor bit; nothing else is taken without it.
$mkdump 0x00000000 0x40000000='FEXIFEXIEMU\0:0x40000001' > "$T/fex.txt"
run "$H" -C "$T/fex.txt" -r "$T/empty" -t -v
case $RC:$OUT:$ERR in
"0:/dev/pvbus0: FEX-Emu:"*"FEX-Emu, which sets no hypervisor bit"*) pass "FEX-Emu without the hypervisor bit" ;;
*)	fail "FEX-Emu" "$RC $OUT $ERR" ;;
esac
run "$H" -C "$T/fex.txt" -r "$T/empty" -s
expect "FEX-Emu: -s none (an emulator, no VM)" 1 "none"
$mkdump 0x00000000 0x40000000='KVMKVMKVM\0\0\0:0x40000001' > "$T/nobit.txt"
run "$H" -C "$T/nobit.txt" -r "$T/empty" -s
expect "no hypervisor bit: -s none, exit 1" 1 "none"

# --- DMI and the other files systemd reads when CPUID says nothing
while IFS='|' read -r file value name; do
	rm -rf "$T/dmi"; mkdir -p "$T/dmi/$(dirname "$file")"
	printf '%s\n' "$value" > "$T/dmi/$file"
	run "$H" -C "$T/nobit.txt" -r "$T/dmi" -s -v
	case $RC:$OUT:$ERR in
	"0:$name:"*"vm = $name: "*) pass "-s from $file '$value': $name" ;;
	*)	fail "-s from $file '$value'" "$RC $OUT $ERR" ;;
	esac
done <<'EOF2'
sys/class/dmi/id/sys_vendor|QEMU|qemu
sys/class/dmi/id/product_name|KVM|kvm
sys/class/dmi/id/sys_vendor|Amazon EC2|amazon
sys/class/dmi/id/sys_vendor|innotek GmbH|oracle
sys/class/dmi/id/board_vendor|Oracle Corporation|oracle
sys/class/dmi/id/product_version|Hyper-V UEFI Release v4.1|microsoft
sys/class/dmi/id/product_name|Google Compute Engine|google
sys/hypervisor/type|xen|xen
EOF2
# The DMI vendors systemd takes before CPUID, and DMI's Amazon metal.
mkdir -p "$T/vbox/sys/class/dmi/id" "$T/metal/sys/class/dmi/id"
echo "innotek GmbH" > "$T/vbox/sys/class/dmi/id/sys_vendor"
$mkdump 0x80000000 0x40000000='KVMKVMKVM\0\0\0:0x40000001' > "$T/kvm.txt"
run "$H" -C "$T/kvm.txt" -r "$T/vbox" -s
expect "-s: VirtualBox's DMI before KVM's CPUID" 0 oracle
echo "Amazon EC2" > "$T/metal/sys/class/dmi/id/sys_vendor"
echo "c5.metal" > "$T/metal/sys/class/dmi/id/product_name"
run "$H" -C "$T/nobit.txt" -r "$T/metal" -s
expect "-s: Amazon EC2 .metal is no VM" 1 none
# The SMBIOS BIOS characteristics say "a VM" and nothing names it.
mkdir -p "$T/smbios/sys/firmware/dmi/entries/0-0"
printf '\000\030\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\020\000\000\000\000' > "$T/smbios/sys/firmware/dmi/entries/0-0/raw"
run "$H" -C "$T/nobit.txt" -r "$T/smbios" -s
expect "-s: the SMBIOS VM bit alone is vm-other" 0 vm-other

# --- containers: this machine, against systemd-detect-virt --container
sd=$(systemd-detect-virt --container)
run "$H" -l -j
got=$(json 't["container"]')
[ "$got" = "$sd" ] && pass "container of this machine: $sd, as systemd says" ||
    fail "container of this machine" "hostctl '$got', systemd-detect-virt '$sd'"

# The files a container manager writes, in a mount namespace of their own,
# against systemd-detect-virt reading the same files.
if unshare -m true 2>/dev/null; then
	while IFS='|' read -r file value; do
		got=$(unshare -m sh -c '
			mount -t tmpfs none /run || exit 1
			mkdir -p "$(dirname "$1")" && printf "%s\n" "$2" > "$1"
			a=$(systemd-detect-virt --container)
			b=$("$3" -l -j | python3 -c "import json, sys; print(json.load(sys.stdin)[\"container\"])")
			echo "$a $b"' sh "$file" "$value" "$H")
		[ "${got% *}" = "${got#* }" ] && [ -n "${got% *}" ] &&
		    pass "container from $file '$value': ${got% *}, as systemd says" ||
		    fail "container from $file '$value'" "systemd, hostctl: $got"
	done <<-'EOF2'
	/run/host/container-manager|systemd-nspawn
	/run/host/container-manager|lxc
	/run/host/container-manager|podman
	/run/host/container-manager|something-else
	/run/systemd/container|lxc-libvirt
	/run/systemd/container|rkt
	/run/systemd/container|pouch
	/run/systemd/container|oci
	/run/.containerenv|
	EOF2
	got=$(unshare -m sh -c '
		mount -t tmpfs none /run || exit 1
		echo 5.15.90.1-microsoft-standard-WSL2 > /run/osrelease
		mount --bind /run/osrelease /proc/sys/kernel/osrelease || exit 1
		a=$(systemd-detect-virt --container)
		b=$("$1" -l -j | python3 -c "import json, sys; print(json.load(sys.stdin)[\"container\"])")
		echo "$a $b"' sh "$H")
	[ "$got" = "wsl wsl" ] && pass "container WSL from the kernel release, as systemd says" ||
	    fail "container WSL" "systemd, hostctl: $got"
else
	skip "containers in a mount namespace" "unshare -m is refused here"
fi

# Trees of each, under -r.
ctree() {
	d=$T/c-$1; rm -rf "$d"; mkdir -p "$d/proc/self" "$d/proc/1"
	printf 'Name:\thostctl\nTracerPid:\t0\n' > "$d/proc/self/status"
}
while IFS='|' read -r name want how; do
	ctree "$name"; d=$T/c-$name
	case $how in
	openvz)	mkdir -p "$d/proc/vz" ;;
	openvz-host) mkdir -p "$d/proc/vz" "$d/proc/bc" ;;
	wsl)	mkdir -p "$d/proc/sys/kernel"
		echo 4.4.0-19041-Microsoft > "$d/proc/sys/kernel/osrelease" ;;
	proot)	printf 'Name:\thostctl\nTracerPid:\t4242\n' > "$d/proc/self/status"
		mkdir -p "$d/proc/4242"; echo proot > "$d/proc/4242/comm" ;;
	tracer)	printf 'Name:\thostctl\nTracerPid:\t4242\n' > "$d/proc/self/status"
		mkdir -p "$d/proc/4242"; echo gdb > "$d/proc/4242/comm" ;;
	env=*)	printf 'HOME=/\0%s\0PATH=/bin\0' "container=${how#env=}" > "$d/proc/1/environ" ;;
	host=*)	mkdir -p "$d/run/host"; echo "${how#host=}" > "$d/run/host/container-manager" ;;
	run=*)	mkdir -p "$d/run/systemd"; echo "${how#run=}" > "$d/run/systemd/container" ;;
	docker)	touch "$d/.dockerenv" ;;
	podman)	mkdir -p "$d/run"; touch "$d/run/.containerenv" ;;
	oci-docker) printf 'container=oci\0' > "$d/proc/1/environ"; touch "$d/.dockerenv" ;;
	cgroupns) mkdir -p "$d/proc/self/ns" "$d/sys/fs/cgroup"
		touch "$d/proc/self/ns/cgroup" "$d/sys/fs/cgroup/cgroup.controllers" \
		    "$d/sys/fs/cgroup/cgroup.events" "$d/sys/fs/cgroup/cgroup.type" ;;
	cgroup-root) mkdir -p "$d/proc/self/ns" "$d/sys/fs/cgroup" "$d/sys/kernel/cgroup"
		touch "$d/proc/self/ns/cgroup" "$d/sys/fs/cgroup/cgroup.controllers" \
		    "$d/sys/fs/cgroup/cgroup.events" "$d/sys/kernel/cgroup/features" ;;
	none)	;;
	esac
	run "$H" -C "$DUMPS/kvm-qemu-6.0dev-cpu-host-i7-8650U.txt" -r "$d" -l -j -v
	got=$(json 't["container"]')
	case $got:$ERR in
	"$want:"*"container = $want: "*) pass "container tree $name: $want" ;;
	*)	fail "container tree $name" "got $got ($ERR)" ;;
	esac
done <<'EOF2'
openvz|openvz|openvz
openvz-host|none|openvz-host
wsl|wsl|wsl
proot|proot|proot
gdb|none|tracer
lxc|lxc|env=lxc
lxc-libvirt|lxc-libvirt|env=lxc-libvirt
nspawn|systemd-nspawn|host=systemd-nspawn
nspawn-run|systemd-nspawn|run=systemd-nspawn
rkt|rkt|run=rkt
pouch|pouch|env=pouch
other|container-other|env=garden
oci|container-other|env=oci
oci-docker|docker|oci-docker
docker|docker|docker
podman|podman|podman
cgroupns|container-other|cgroupns
cgroup-root|none|cgroup-root
none|none|none
EOF2
run "$H" -C "$DUMPS/kvm-qemu-6.0dev-cpu-host-i7-8650U.txt" -r "$T/c-docker" -l -v
case $OUT:$ERR in
*"container docker"*:*"container = docker: /.dockerenv exists"*) pass "container: -l and -v name it and why" ;;
*)	fail "container: -l -v" "$OUT $ERR" ;;
esac

# --- -v: one line per piece of evidence, on standard error only
run "$H" -C "$DUMPS/kvm-qemu-6.0dev-cpu-host-i7-8650U.txt" -r "$T/empty" -t -v
case $RC:$OUT:$ERR in
"0:/dev/pvbus0: KVM:cpuid 0x00000001: ecx=0xfffab223: hypervisor bit set
cpuid 0x40000000: \"KVMKVMKVM\" max 0x40000001: KVM
cpuid 0x40000100: not in the dump (never probed?): the hypervisor range ends
native = pvbus0 KVM at 0x40000000: the highest base with a known signature (\"KVMKVMKVM\")")
	pass "-t -v: the scan and the native unit, on stderr" ;;
*)	fail "-t -v" "$RC $OUT $ERR" ;;
esac
run "$H" -C "$DUMPS/kvm-qemu-6.0dev-cpu-host-i7-8650U.txt" -r "$T/empty" -l
[ -z "$ERR" ] && pass "without -v: no evidence" || fail "without -v" "$ERR"
run "$H" -C "$DUMPS/kvm-qemu-6.0dev-cpu-host-i7-8650U.txt" -v some/key
[ "$RC" = 1 ] && pass "-v with a key: usage" || fail "-v with a key" "$RC"
for args in "-s -l" "-s -t" "-s key"; do
	run "$H" -C "$DUMPS/kvm-qemu-6.0dev-cpu-host-i7-8650U.txt" $args
	[ "$RC" = 1 ] && case $ERR in "usage: "*) true ;; *) false ;; esac &&
	    pass "usage: $args" || fail "usage: $args" "$RC $ERR"
done
run "$H" -C "$DUMPS/xen-4.11-aws-c3.large.txt" -r "$T/empty" -s -j
expect "-s -j" 0 '{"vm": "xen"}'

# --- cost: -t and -s read three CPUID leaves, no device or store file
if hvsim_usable >/dev/null; then
	cpuids() {
		$TO "$HV" --stats --profile hyperv -- "$H" "$@" 2>&1 >/dev/null |
		    sed -n 's/^hvsim: cpuid=\([0-9]*\) .*/\1/p'
	}
	# A dump answers identification's CPUID: what is left is libc's.
	base=$(cpuids -C "$DUMPS/hyperv-azure-2023-icelake.txt" -t)
	for mode in -t -s; do
		n=$(cpuids $mode)
		[ -n "$base" ] && [ "$((n - base))" = 3 ] &&
		    pass "cost $mode: 3 CPUID leaves (1, 0x40000000, 0x40000100)" ||
		    fail "cost $mode" "$((n - base)) CPUIDs beyond libc's $base"
	done
	n=$(cpuids -l)
	[ "$((n - base))" -gt 3 ] && pass "cost -l: more than -t ($((n - base)))" ||
	    fail "cost -l" "$((n - base))"
fi
if command -v strace >/dev/null; then
	for mode in -t -s; do
		strace -f -e trace=%file -o "$T/strace" \
		    "$H" -C "$DUMPS/hyperv-azure-2023-icelake.txt" $mode >/dev/null 2>&1
		if grep -E '"/(sys/bus|sys/devices|var/lib/hyperv|sys/firmware/qemu_fw_cfg|dev/cpu)' "$T/strace" >/dev/null; then
			fail "cost $mode: no device tree, no store" "$(grep -E '/sys/bus|/var/lib' "$T/strace" | head -3)"
		else
			pass "cost $mode: no device tree, no store"
		fi
	done
else
	fail "strace" "not installed (tools/deps build test)"
fi

# The host writes DMI: its strings reach -v encoded, never as escapes.
mkdir -p "$T/esc/sys/class/dmi/id"
printf 'QEMU\033[2J\nforged line\n' > "$T/esc/sys/class/dmi/id/sys_vendor"
run "$H" -C "$T/nobit.txt" -r "$T/esc" -s -v
case $ERR in
*"$(printf '\033')"*) fail "-v: host strings encoded" "$ERR" ;;
*'vm: /sys/class/dmi/id/sys_vendor "QEMU\^[[2J": qemu'*) pass "-v: host strings encoded" ;;
*)	fail "-v: host strings encoded" "$ERR" ;;
esac
