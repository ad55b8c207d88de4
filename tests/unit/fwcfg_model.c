/*
 * The fw_cfg port protocol against a model of QEMU's device: signature and
 * features, the file directory, reads through the data port and by DMA
 * (with the fallback when DMA cannot work), listings and sizes.
 */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pv.h"
#include "fwcfg.h"
#include "check.h"

#define MAXITEMS	16
#define FILEBASE	0x20

enum dma_mode { DMA_OK, DMA_NOTSUP, DMA_FAIL };

struct model {
	char		 sig[4];
	uint32_t	 features;
	struct {
		const char	*name;
		unsigned char	*data;
		size_t		 size;
	} files[MAXITEMS];
	size_t		 nfiles;
	unsigned char	*dir;
	size_t		 dirlen;
	int		 open_error;
	enum dma_mode	 dma;
	/* The device's state and what was asked of it. */
	uint16_t	 sel;
	size_t		 off;
	int		 opened;
	unsigned int	 npio, ndma;
};

/* Item KEY's bytes: what QEMU would answer for it. */
static const unsigned char *
item(struct model *m, uint16_t key, size_t *len)
{
	static uint32_t id;

	switch (key) {
	case PV_FWCFG_KEY_SIGNATURE:
		*len = 4;
		return ((const unsigned char *)m->sig);
	case PV_FWCFG_KEY_ID:
		id = htole32(m->features);
		*len = 4;
		return ((const unsigned char *)&id);
	case PV_FWCFG_KEY_FILE_DIR:
		*len = m->dirlen;
		return (m->dir);
	}
	if (key >= FILEBASE && key < FILEBASE + m->nfiles) {
		*len = m->files[key - FILEBASE].size;
		return (m->files[key - FILEBASE].data);
	}
	*len = 0;
	return (NULL);
}

static int
m_open(void *ctx)
{
	struct model *m = ctx;

	if (m->open_error != 0)
		return (m->open_error);
	m->opened++;
	return (0);
}

static void
m_close(void *ctx)
{
	struct model *m = ctx;

	m->opened--;
}

static void
m_select(void *ctx, uint16_t key)
{
	struct model *m = ctx;

	m->sel = key;
	m->off = 0;
}

/* Past an item's end, and for unknown items, QEMU reads zeros. */
static void
m_read(void *ctx, void *buf, size_t len)
{
	struct model *m = ctx;
	const unsigned char *d;
	unsigned char *p = buf;
	size_t size, i;

	m->npio++;
	d = item(m, m->sel, &size);
	for (i = 0; i < len; i++, m->off++)
		p[i] = m->off < size ? d[m->off] : 0;
}

static int
m_dma_read(void *ctx, uint16_t key, void *buf, size_t len)
{
	struct model *m = ctx;
	const unsigned char *d;
	unsigned char *p = buf;
	size_t size, i;

	if (m->dma == DMA_NOTSUP)
		return (ENOTSUP);
	m->ndma++;
	if (m->dma == DMA_FAIL)
		return (EIO);
	d = item(m, key, &size);
	for (i = 0; i < len; i++)
		p[i] = i < size ? d[i] : 0;
	return (0);
}

static void
model_add(struct model *m, const char *name, const void *data, size_t size)
{
	m->files[m->nfiles].name = name;
	m->files[m->nfiles].data = malloc(size ? size : 1);
	memcpy(m->files[m->nfiles].data, data, size);
	m->files[m->nfiles].size = size;
	m->nfiles++;
}

/* The directory as QEMU lays it out: be32 count, 64-byte entries. */
static void
model_dir(struct model *m)
{
	unsigned char *e;
	uint32_t v32;
	uint16_t v16;
	size_t i;

	m->dirlen = 4 + m->nfiles * PV_FWCFG_DIRENT_SIZE;
	m->dir = calloc(1, m->dirlen);
	v32 = htobe32(m->nfiles);
	memcpy(m->dir, &v32, 4);
	for (i = 0; i < m->nfiles; i++) {
		e = m->dir + 4 + i * PV_FWCFG_DIRENT_SIZE;
		v32 = htobe32(m->files[i].size);
		v16 = htobe16(FILEBASE + i);
		memcpy(e, &v32, 4);
		memcpy(e + 4, &v16, 2);
		strncpy((char *)e + 8, m->files[i].name, PV_FWCFG_NAMELEN);
	}
}

static unsigned char big[PVBUS_KVOP_MAXSIZE];

static void
model_init(struct model *m)
{
	size_t i;

	memset(m, 0, sizeof(*m));
	memcpy(m->sig, "QEMU", 4);
	m->features = PV_FWCFG_FEATURE_TRADITIONAL | PV_FWCFG_FEATURE_DMA;
	for (i = 0; i < sizeof(big); i++)
		big[i] = 'a' + i % 26;
	model_add(m, "bootorder", "", 0);
	model_add(m, "etc/e820", "e820", 4);
	model_add(m, "opt/org.example/k", "v1", 2);
	model_add(m, "opt/org.example/one", "x", 1);
	model_add(m, "opt/org.example/nul", "ab\0cd", 5);
	model_add(m, "etc/table", "\0\1\2\3", 4);
	model_add(m, "etc/ctl", "a\033b", 3);
	model_add(m, "etc/text", "a\tb\r\n", 5);
	model_add(m, "opt/size/4k", big, 4096);
	model_add(m, "opt/size/60k", big, 60 * 1024);
	model_add(m, "opt/size/max", big, PVBUS_KVOP_MAXSIZE - 1);
	model_add(m, "opt/size/over", big, PVBUS_KVOP_MAXSIZE);
	model_dir(m);
}

static void
model_fini(struct model *m)
{
	size_t i;

	for (i = 0; i < m->nfiles; i++)
		free(m->files[i].data);
	free(m->dir);
}

static char value[PVBUS_KVOP_MAXSIZE];

static int
kvread(struct model *m, int dma, const char *key, size_t len)
{
	struct pv_fwcfg_io io = {
		m_open, m_close, m_select, m_read, m_dma_read, m
	};

	memset(value, 'X', sizeof(value));
	return (pv_fwcfg_io_kvread(&io, dma, key, value, len));
}

static const struct {
	const char	*name, *key, *value;
	int		 error;
} reads[] = {
	{ "string", "opt/org.example/k", "v1", 0 },
	{ "one byte", "opt/org.example/one", "x", 0 },
	{ "up to a NUL", "opt/org.example/nul", "ab", 0 },
	{ "binary", "etc/table", "", EOPNOTSUPP },
	{ "control character", "etc/ctl", "", EOPNOTSUPP },
	{ "tab and line ends are text", "etc/text", "a\tb\r\n", 0 },
	{ "empty", "bootorder", "", 0 },
	{ "list", "opt/org.example", "k\nnul\none", 0 },
	{ "list slash", "opt/org.example/", "k\nnul\none", 0 },
	{ "list opt", "opt", "org.example\nsize", 0 },
	{ "list top", "", "bootorder\netc\nopt", 0 },
	{ "missing", "opt/org.example/nope", "", ENOENT },
	{ "missing list", "opt/nope/", "", ENOENT },
	{ "bad key", "opt/../etc/e820", "", EINVAL },
};

static void
check_reads(int dma)
{
	struct model m;
	char name[128];
	size_t i;
	int error, ok;

	model_init(&m);
	for (i = 0; i < sizeof(reads) / sizeof(reads[0]); i++) {
		snprintf(name, sizeof(name), "%s: %s", dma ? "dma" : "pio",
		    reads[i].name);
		error = kvread(&m, dma, reads[i].key, 4096);
		if (error != reads[i].error) {
			printf("FAIL: %s: error %s\n", name, strerror(error));
			check_failed = 1;
		} else if (error == 0)
			CHECK_STR(name, value, reads[i].value);
		else
			CHECK(name, 1);
	}
	/* Sizes: the value and its NUL within the buffer, else ERANGE. */
	snprintf(name, sizeof(name), "%s: 60k", dma ? "dma" : "pio");
	error = kvread(&m, dma, "opt/size/60k", sizeof(value));
	ok = error == 0 && strlen(value) == 60 * 1024 &&
	    memcmp(value, big, 60 * 1024) == 0;
	CHECK(name, ok);
	snprintf(name, sizeof(name), "%s: largest", dma ? "dma" : "pio");
	error = kvread(&m, dma, "opt/size/max", sizeof(value));
	CHECK(name, error == 0 && strlen(value) == PVBUS_KVOP_MAXSIZE - 1);
	snprintf(name, sizeof(name), "%s: too large", dma ? "dma" : "pio");
	error = kvread(&m, dma, "opt/size/over", sizeof(value));
	CHECK(name, error == ERANGE && value[0] == '\0');
	snprintf(name, sizeof(name), "%s: 4k in 4k", dma ? "dma" : "pio");
	error = kvread(&m, dma, "opt/size/4k", 4096);
	CHECK(name, error == ERANGE && value[0] == '\0');
	snprintf(name, sizeof(name), "%s: short list", dma ? "dma" : "pio");
	error = kvread(&m, dma, "opt/org.example", strlen("k\nnul\none"));
	CHECK(name, error == ERANGE && value[0] == '\0');
	snprintf(name, sizeof(name), "%s: only %s used", dma ? "dma" : "pio",
	    dma ? "dma" : "the data port");
	CHECK(name, dma ? m.npio == 0 && m.ndma > 0 :
	    m.ndma == 0 && m.npio > 0);
	snprintf(name, sizeof(name), "%s: ports given back",
	    dma ? "dma" : "pio");
	CHECK(name, m.opened == 0);
	model_fini(&m);
}

int
main(void)
{
	struct pv_fwcfg_io io;
	struct pv_fwcfg_file *files;
	unsigned char dir[4 + PV_FWCFG_DIRENT_SIZE];
	struct model m;
	uint32_t features, v32;
	size_t nfiles;
	int error;

	check_reads(0);
	check_reads(1);

	/* The signature decides; the feature bitmap is little-endian. */
	model_init(&m);
	io = (struct pv_fwcfg_io){ m_open, m_close, m_select, m_read,
	    m_dma_read, &m };
	CHECK("probe QEMU", pv_fwcfg_probe(&io, &features) == 0 &&
	    features == 3);
	m.features = PV_FWCFG_FEATURE_TRADITIONAL;
	CHECK("probe without DMA", pv_fwcfg_probe(&io, &features) == 0 &&
	    features == 1);
	memset(m.sig, 0xff, 4);
	CHECK("probe no device (0xff)",
	    pv_fwcfg_probe(&io, &features) == ENXIO);
	memcpy(m.sig, "QEMV", 4);
	CHECK("probe other signature", pv_fwcfg_probe(&io, &features) == ENXIO);
	memcpy(m.sig, "QEMU", 4);

	/* DMA that cannot work (no page frames) falls back to the port. */
	m.dma = DMA_NOTSUP;
	m.npio = m.ndma = 0;
	error = kvread(&m, 1, "opt/org.example/k", 64);
	CHECK("dma unsupported: falls back", error == 0 &&
	    strcmp(value, "v1") == 0 && m.npio > 0);
	m.dma = DMA_FAIL;
	error = kvread(&m, 1, "opt/org.example/k", 64);
	CHECK("dma error: EIO", error == EIO && value[0] != 'v');
	CHECK("dma error: ports given back", m.opened == 0);
	m.dma = DMA_OK;

	m.open_error = EPERM;
	CHECK("no port access: EPERM",
	    kvread(&m, 0, "opt/org.example/k", 64) == EPERM);
	m.open_error = 0;

	/* A directory claiming more files than QEMU has: malformed. */
	v32 = htobe32(PV_FWCFG_MAXFILES + 1);
	memcpy(m.dir, &v32, 4);
	CHECK("huge directory: EIO",
	    kvread(&m, 0, "opt/org.example/k", 64) == EIO);
	CHECK("huge directory: ports given back", m.opened == 0);
	model_fini(&m);

	/* The parser on its own. */
	memset(dir, 'n', sizeof(dir));
	v32 = htobe32(1);
	memcpy(dir, &v32, 4);
	CHECK("parse: name of 56 bytes cut",
	    pv_fwcfg_dir_parse(dir, sizeof(dir), &files, &nfiles) == 0 &&
	    nfiles == 1 && strlen(files[0].name) == PV_FWCFG_NAMELEN - 1);
	if (nfiles == 1)
		free(files);
	CHECK("parse: truncated",
	    pv_fwcfg_dir_parse(dir, sizeof(dir) - 1, &files, &nfiles) == EIO);
	CHECK("parse: no count", pv_fwcfg_dir_parse(dir, 3, &files,
	    &nfiles) == EIO);
	v32 = 0;
	memcpy(dir, &v32, 4);
	CHECK("parse: empty", pv_fwcfg_dir_parse(dir, 4, &files, &nfiles) ==
	    0 && nfiles == 0);
	if (nfiles == 0)
		free(files);
	return (CHECK_EXIT());
}
