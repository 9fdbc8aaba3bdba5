#include "cpio.h"

#include <string.h>

#define HEADER_SIZE 110
#define MODE_TYPE 0170000
#define MODE_REG 0100000

// Header fields, each 8 hex digits after the 6-byte magic, in this order.
enum { F_INO, F_MODE, F_UID, F_GID, F_NLINK, F_MTIME, F_FILESIZE, F_DEVMAJOR,
       F_DEVMINOR, F_RDEVMAJOR, F_RDEVMINOR, F_NAMESIZE, F_CHECK };

static int hex_field(const uint8_t *h, int field, uint32_t *out)
{
	uint32_t v = 0;

	for (int i = 0; i < 8; i++) {
		uint8_t c = h[6 + field * 8 + i];
		uint32_t d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return CPIO_E_HEADER;
		v = v << 4 | d;
	}
	*out = v;
	return 0;
}

// Rounds up to a multiple of 4; 0 on overflow (callers compare against len).
static uint32_t align4(uint32_t v)
{
	return v > UINT32_MAX - 3 ? 0 : (v + 3) & ~3u;
}

int cpio_next(const void *buf, uint32_t len, uint32_t *pos, struct cpio_file *f)
{
	const uint8_t *a = buf;
	uint32_t p = *pos, mode, size, namesize, name_end, data_end;

	if (p > len || len - p < HEADER_SIZE)
		return CPIO_E_NOTRAILER;
	if (memcmp(a + p, "07070", 5) || (a[p + 5] != '1' && a[p + 5] != '2'))
		return CPIO_E_MAGIC;
	if (hex_field(a + p, F_MODE, &mode) || hex_field(a + p, F_FILESIZE, &size) ||
	    hex_field(a + p, F_NAMESIZE, &namesize))
		return CPIO_E_HEADER;
	if (namesize == 0 || namesize > len - p - HEADER_SIZE)
		return namesize ? CPIO_E_TRUNCATED : CPIO_E_NAME;
	if (a[p + HEADER_SIZE + namesize - 1] != '\0' ||
	    strlen((const char *)a + p + HEADER_SIZE) != namesize - 1)
		return CPIO_E_NAME;
	name_end = align4(p + HEADER_SIZE + namesize);
	if (!name_end || name_end > len || size > len - name_end)
		return CPIO_E_TRUNCATED;
	data_end = align4(name_end + size);
	if (!data_end)
		return CPIO_E_TRUNCATED;

	f->name = (const char *)a + p + HEADER_SIZE;
	f->namelen = namesize - 1;
	f->data = a + name_end;
	f->size = size;
	f->mode = mode;
	if (!strcmp(f->name, "TRAILER!!!"))
		return 0;
	*pos = data_end > len ? len : data_end;
	return 1;
}

int cpio_find(const void *buf, uint32_t len, const char *name, struct cpio_file *f)
{
	uint32_t pos = 0;
	int r;

	while ((r = cpio_next(buf, len, &pos, f)) > 0) {
		const char *n = f->name;
		if (n[0] == '.' && n[1] == '/')
			n += 2;
		if ((f->mode & MODE_TYPE) == MODE_REG && !strcmp(n, name))
			return 0;
	}
	return r ? r : CPIO_E_NOTFOUND;
}

const char *cpio_strerror(int err)
{
	switch (err) {
	case CPIO_E_MAGIC: return "bad magic (not a newc cpio archive)";
	case CPIO_E_HEADER: return "header field is not hexadecimal";
	case CPIO_E_TRUNCATED: return "entry runs past the end of the archive";
	case CPIO_E_NAME: return "empty or unterminated file name";
	case CPIO_E_NOTRAILER: return "archive ends without TRAILER!!!";
	case CPIO_E_NOTFOUND: return "no such file";
	default: return err >= 0 ? "no error" : "unknown error";
	}
}
