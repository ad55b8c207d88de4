#!/bin/sh
# In the guest (tests/vm/secure_rpc.sh boots it, with vsock_loopback
# loaded): VMware's secure RPC.  hvsim --vsock-rpci serves RPCI on vsock
# port 976 beside its backdoor, the two sharing one --state; with
# --secure-rpc the backdoor refuses info-get and info-set.  hostctl reaches
# the server through the loopback (PVBUS_VSOCK_CID=1); vmware-rpctool, which
# has the backdoor only, is refused; vmtoolsd --cmd, which tries vsock
# first, reads and writes over vsock and agrees with hostctl.
. "$PVBUS_TOP/tests/lib.sh"

S=$T/state
RPC=/pvbus/add/vmware-rpctool
hv() { timeout 60 hvsim --profile vmware --state "$S" "$@"; }
export PVBUS_VSOCK_CID=1

[ -e /sys/module/vsock_loopback ] && pass "vsock_loopback is loaded" ||
    fail "vsock_loopback is loaded" "$(ls /sys/module | tr '\n' ' ')"

run hv --vsock --secure-rpc --vsock-rpci -- hostctl guestinfo.sec 'over vsock'
expect "hostctl writes over vsock to a locked-down host" 0 ""
run hv --vsock --secure-rpc --vsock-rpci -- hostctl guestinfo.sec
expect "hostctl reads it back over vsock" 0 "over vsock"
run hv --secure-rpc -- hostctl guestinfo.sec
expect "without vsock the backdoor alone is refused" 1 "" \
    "hostctl: ioctl: Permission denied (guestinfo: backdoor port 0x5658 (vsock 1:976: Address family not supported by protocol))"
run hv --vsock --secure-rpc -- hostctl guestinfo.sec
case $RC:$ERR in
"1:hostctl: ioctl: Permission denied (guestinfo: backdoor port 0x5658 (vsock 1:976: "*"))")
	pass "with no server on vsock the backdoor is tried, and refused" ;;
*)	fail "with no server on vsock the backdoor is tried, and refused" "exit $RC: $ERR" ;;
esac
run hv --secure-rpc --vsock --vsock-rpci -- "$RPC" "info-get guestinfo.sec"
expect "vmware-rpctool, backdoor only, is refused" 1 "" "Permission denied"
run hv -- "$RPC" "info-get guestinfo.sec"
expect "vmware-rpctool reads what hostctl wrote over vsock" 0 "over vsock"
run hv -- "$RPC" "info-set guestinfo.sec from the backdoor"
run hv --vsock --secure-rpc --vsock-rpci -- hostctl guestinfo.sec
expect "hostctl over vsock reads what vmware-rpctool set" 0 "from the backdoor"
# Not root: the source port is not privileged, and the host says no.
run hv --vsock --secure-rpc --vsock-rpci -- as_nobody hostctl guestinfo.sec
expect "an unprivileged source port is refused over vsock" 1 "" \
    "hostctl: ioctl: Permission denied (guestinfo: vsock 1:976)"

# The real peer: vmtoolsd --cmd, unmodified, under the same host.  It opens
# vsock to the hypervisor, CID 0, from a privileged source port, and falls
# back to the backdoor when that fails; here CID 0 is nobody, so
# vsock_local.so makes it the guest's own CID 1, where the server is.
VMTOOLSD=/pvbus/add/vmtoolsd
VL=LD_PRELOAD=/pvbus/bin/vsock_local.so
# GLib looks its user up, as on any system.
[ -e /etc/passwd ] || {
	mkdir -p /etc
	printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' \
	    'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' >/etc/passwd
}
run hv --vsock --secure-rpc --vsock-rpci --guestinfo 'guestinfo.x=set by the host' \
    -- env "$VL" "$VMTOOLSD" --cmd "info-get guestinfo.x"
expect "vmtoolsd --cmd info-get over vsock: the host's value" 0 "set by the host"
run hv --vsock --secure-rpc --vsock-rpci \
    -- env "$VL" "$VMTOOLSD" --cmd "info-set guestinfo.x set by vmtoolsd"
expect "vmtoolsd --cmd info-set over vsock" 0 ""
run hv --vsock --secure-rpc --vsock-rpci -- hostctl guestinfo.x
expect "hostctl over vsock reads what vmtoolsd set" 0 "set by vmtoolsd"
run hv --vsock --secure-rpc --vsock-rpci -- hostctl guestinfo.x 'set by hostctl'
run hv --vsock --secure-rpc --vsock-rpci \
    -- env "$VL" "$VMTOOLSD" --cmd "info-get guestinfo.x"
expect "vmtoolsd over vsock reads what hostctl set" 0 "set by hostctl"
# Where CID 0 cannot be reached, vmtoolsd takes the backdoor, refused.
run hv --vsock --secure-rpc --vsock-rpci \
    -- "$VMTOOLSD" --cmd "info-get guestinfo.x"
expect "vmtoolsd without vsock: the backdoor is refused" 1 "" \
    "Permission denied"
# Not root: no privileged source port, and the host says no over vsock.
run hv --vsock --secure-rpc --vsock-rpci \
    -- as_nobody env "$VL" "$VMTOOLSD" --cmd "info-get guestinfo.x"
expect "vmtoolsd from an unprivileged port is refused over vsock" 1 "" \
    "Permission denied"
# Without --secure-rpc the backdoor answers it the same.
run hv -- "$VMTOOLSD" --cmd "info-get guestinfo.x"
expect "vmtoolsd over the backdoor of an open host agrees" 0 "set by hostctl"
