/*
 * LD_PRELOAD interposer for an unmodified vmtoolsd in the QEMU guest, whose
 * only vsock transport is the loopback (vsock_loopback): it makes the
 * hypervisor's vsock address, CID 0, that of the guest itself, CID 1, where
 * hvsim's --vsock-rpci server listens, as the library's vmware_vsock_cid
 * option does for libpvbus.  Everything else open-vm-tools does (the
 * privileged source port it binds, its framing) is left as it is.
 *
 * open-vm-tools first checks that the vsock family exists by opening a
 * datagram socket; the loopback transport has no datagrams (VMCI, VMware's
 * transport, has), so that one probe gets a stream socket instead, which
 * open-vm-tools only closes.
 *
 * Only for the QEMU guest (tests/vm/guest/secure_rpc.sh): the vsock of a
 * build machine leads to its real host.
 */
#include <sys/socket.h>
#include <linux/vm_sockets.h>
#include <dlfcn.h>
#include <errno.h>
#include <string.h>

typedef int (*socket_fn)(int, int, int);
typedef int (*connect_fn)(int, const struct sockaddr *, socklen_t);

int
socket(int domain, int type, int protocol)
{
	socket_fn real = (socket_fn)dlsym(RTLD_NEXT, "socket");
	int flags = type & (SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (real == NULL) {
		errno = ENOSYS;
		return (-1);
	}
	if (domain == AF_VSOCK && (type & ~flags) == SOCK_DGRAM)
		return (real(domain, SOCK_STREAM | flags, 0));
	return (real(domain, type, protocol));
}

int
connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	connect_fn real = (connect_fn)dlsym(RTLD_NEXT, "connect");
	struct sockaddr_vm vm;

	if (real == NULL) {
		errno = ENOSYS;
		return (-1);
	}
	if (addr != NULL && len >= sizeof(vm) &&
	    addr->sa_family == AF_VSOCK) {
		memcpy(&vm, addr, sizeof(vm));
		if (vm.svm_cid == VMADDR_CID_HYPERVISOR) {
			vm.svm_cid = VMADDR_CID_LOCAL;
			return (real(fd, (const struct sockaddr *)&vm,
			    sizeof(vm)));
		}
	}
	return (real(fd, addr, len));
}
