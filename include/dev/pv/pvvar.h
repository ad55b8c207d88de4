/*
 * The OpenBSD pvbus(4) ioctl ABI, as <dev/pv/pvvar.h> declares it, so that
 * programs written for OpenBSD compile unchanged against /dev/pvbusN on Linux.
 * The request values are the same numbers as on OpenBSD/amd64.
 */
#ifndef _DEV_PV_PVVAR_H_
#define _DEV_PV_PVVAR_H_

#include <stddef.h>
#include <sys/ioctl.h>

struct pvbus_req {
	size_t	 pvr_keylen;
	char	*pvr_key;
	size_t	 pvr_valuelen;
	char	*pvr_value;
};

#define PVBUSIOC_KVREAD		_IOWR('V', 1, struct pvbus_req)
#define PVBUSIOC_KVWRITE	_IOWR('V', 2, struct pvbus_req)
#define PVBUSIOC_TYPE		_IOWR('V', 3, struct pvbus_req)
/* pvbus(4) documents the type request under this name. */
#define PVBUSIOC_KVTYPE		PVBUSIOC_TYPE

#define PVBUS_KVOP_MAXSIZE	(64 * 1024)

#endif /* _DEV_PV_PVVAR_H_ */
