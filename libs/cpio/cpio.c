#include "cpio.h"

#include <string.h>

#define HEADER_SIZE 110
#define MODE_TYPE 0170000
#define MODE_REG 0100000

// Header fields, each 8 hex digits after the 6-byte magic, in this order.
enum {
	F_INO,
	F_MODE,
	F_UID,
	F_GID,
	F_NLINK,
	F_MTIME,
	F_FILESIZE,
	F_DEVMAJOR,
	F_DEVMINOR,
	F_RDEVMAJOR,
	F_RDEVMINOR,
	F_NAMESIZE,
	F_CHECK,
	F_COUNT
};

// Parses exactly 8 hex digits (either case); no sign, space or "0x".
static int hex8(const uint8_t *s, uint32_t *out)
{
	uint32_t v = 0;

	for (int i = 0; i < 8; i++) {
		uint8_t c = s[i];
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

// Bytes of padding after offset `off` to the next multiple of 4.
static uint32_t pad4(uint32_t off)
{
	return -off & 3;
}

// Every offset below stays <= len: each addition is checked against what is
// left of the buffer first, so no uint32_t sum can wrap.
int cpio_next(const void *buf, uint32_t len, uint32_t *pos, struct cpio_file *f)
{
	const uint8_t *a = buf;
	uint32_t p = *pos, v[F_COUNT];

	if (p >= len)
		return CPIO_E_NOTRAILER;
	if (p % 4)
		return CPIO_E_ALIGN;
	if (len - p < HEADER_SIZE)
		return CPIO_E_TRUNCATED;
	if (memcmp(a + p, "07070", 5) != 0 || (a[p + 5] != '1' && a[p + 5] != '2'))
		return CPIO_E_MAGIC;
	for (int i = 0; i < F_COUNT; i++)
		if (hex8(a + p + 6 + 8 * i, &v[i]))
			return CPIO_E_HEADER;

	uint32_t name_off = p + HEADER_SIZE, namesize = v[F_NAMESIZE];
	if (namesize == 0)
		return CPIO_E_NAME;
	if (namesize > len - name_off)
		return CPIO_E_TRUNCATED;
	const char *name = (const char *)a + name_off;
	for (uint32_t i = 0; i < namesize - 1; i++)
		if (name[i] == '\0')
			return CPIO_E_NAME;
	if (name[namesize - 1] != '\0')
		return CPIO_E_NAME;

	uint32_t name_end = name_off + namesize;
	if (pad4(name_end) > len - name_end)
		return CPIO_E_TRUNCATED;
	uint32_t data_off = name_end + pad4(name_end), size = v[F_FILESIZE];
	if (size > len - data_off)
		return CPIO_E_TRUNCATED;
	uint32_t data_end = data_off + size;
	if (pad4(data_end) > len - data_end)
		return CPIO_E_TRUNCATED;

	if (namesize == sizeof("TRAILER!!!") && memcmp(name, "TRAILER!!!", namesize) == 0)
		return 0;
	f->name = name;
	f->namelen = namesize - 1;
	f->data = a + data_off;
	f->size = size;
	f->mode = v[F_MODE];
	*pos = data_end + pad4(data_end);
	return 1;
}

static const char *skip_dot_slash(const char *s)
{
	return s[0] == '.' && s[1] == '/' ? s + 2 : s;
}

int cpio_find(const void *buf, uint32_t len, const char *name, struct cpio_file *f)
{
	struct cpio_file e;
	uint32_t pos = 0;
	int r;

	name = skip_dot_slash(name);
	while ((r = cpio_next(buf, len, &pos, &e)) > 0) {
		if ((e.mode & MODE_TYPE) == MODE_REG && strcmp(skip_dot_slash(e.name), name) == 0) {
			*f = e;
			return 0;
		}
	}
	return r < 0 ? r : CPIO_E_NOTFOUND;
}

const char *cpio_strerror(int err)
{
	switch (err) {
	case CPIO_E_MAGIC: return "bad magic (not a newc cpio archive)";
	case CPIO_E_HEADER: return "header field is not 8 hex digits";
	case CPIO_E_TRUNCATED: return "entry runs past the end of the archive";
	case CPIO_E_NAME: return "empty or badly terminated file name";
	case CPIO_E_NOTRAILER: return "archive ends without TRAILER!!!";
	case CPIO_E_NOTFOUND: return "no such file";
	case CPIO_E_ALIGN: return "header not aligned to 4 bytes";
	default: return err >= 0 ? "no error" : "unknown error";
	}
}
