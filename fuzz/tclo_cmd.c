/*
 * Fuzz target for the TCLO command parser (lib/vmware_tclo.c): the input
 * is one command as the host sends it.  Whatever it is, the request is
 * one the agent can act on safely: a power command only for exactly its
 * name, Set_Option only with a name and a value that rebuild the input,
 * and anything too long or with a control byte refused with a reason.
 *
 * `make fuzz` builds it with libFuzzer as build/fuzz/tclo_cmd; run it on
 * fuzz/corpus/tclo_cmd.  tests/unit/tclo_fuzz_corpus.c runs the corpus and
 * mutations of it through the same entry point in CI.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fuzz.h"
#include "vmware_tclo.h"

static int
is(const uint8_t *data, size_t size, const char *s)
{
	return (size == strlen(s) && memcmp(data, s, size) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pv_tclo_req req;
	char rebuilt[2 * PV_TCLO_MAXOPT + 16];
	const char *name;
	size_t i;
	int ctl = 0;

	pv_tclo_parse((const char *)data, size, &req);
	for (i = 0; i < size; i++)
		if (data[i] < ' ' || data[i] == 0x7f)
			ctl = 1;
	FUZZ_ASSERT(req.cmd >= PV_TCLO_NONE && req.cmd <= PV_TCLO_SET_OPTION);
	FUZZ_ASSERT((req.cmd == PV_TCLO_NONE) == (size == 0));
	if (size > PV_TCLO_MAXCMD || ctl)
		FUZZ_ASSERT(req.cmd == PV_TCLO_BAD);
	FUZZ_ASSERT((req.cmd == PV_TCLO_BAD) == (req.reason != NULL));
	switch (req.cmd) {
	case PV_TCLO_RESET:
	case PV_TCLO_PING:
	case PV_TCLO_CAPREG:
	case PV_TCLO_HALT:
	case PV_TCLO_REBOOT:
	case PV_TCLO_POWERON:
	case PV_TCLO_SUSPEND:
	case PV_TCLO_RESUME:
		name = pv_tclo_name(req.cmd);
		FUZZ_ASSERT(is(data, size, name));
		break;
	case PV_TCLO_BROADCASTIP:
		FUZZ_ASSERT(is(data, size, "Set_Option broadcastIP 1"));
		break;
	case PV_TCLO_SET_OPTION:
		FUZZ_ASSERT(memchr(req.name, '\0', sizeof(req.name)) != NULL);
		FUZZ_ASSERT(memchr(req.value, '\0', sizeof(req.value)) != NULL);
		snprintf(rebuilt, sizeof(rebuilt), "Set_Option %s %s",
		    req.name, req.value);
		FUZZ_ASSERT(is(data, size, rebuilt));
		FUZZ_ASSERT(!is(data, size, "Set_Option broadcastIP 1"));
		break;
	default:
		break;
	}
	return (0);
}
