// libFuzzer harness of the cpio reader: cpio_next() over any bytes, each
// entry checked against what cpio.h promises (inside the buffer, name
// terminated at namelen), and cpio_find() of the names the kernel and init
// look up and of an entry just seen. The input sits in an exact-size heap
// buffer, so AddressSanitizer sees any read past its end.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cpio/cpio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int inside(const uint8_t *buf, uint32_t len, const void *p, uint32_t n)
{
	const uint8_t *b = p;

	return b >= buf && b <= buf + len && n <= (uint32_t)(buf + len - b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > UINT32_MAX)
		return 0;
	uint32_t len = (uint32_t)size, pos = 0, last = 0;
	uint8_t *buf = malloc(len ? len : 1);
	struct cpio_file f, first = { 0 };
	int r, n = 0;

	memcpy(buf, data, len);
	while ((r = cpio_next(buf, len, &pos, &f)) > 0) {
		if (pos <= last || pos > len || pos % 4)
			abort(); // moves forward, stays aligned and inside
		if (!inside(buf, len, f.name, f.namelen + 1) || f.name[f.namelen] ||
		    strlen(f.name) != f.namelen || !inside(buf, len, f.data, f.size))
			abort();
		if (!n++)
			first = f;
		last = pos;
	}
	cpio_strerror(r);
	if (r == 0 && cpio_next(buf, len, &pos, &f) != 0)
		abort(); // the trailer answers 0 again
	cpio_find(buf, len, "init.elf", &f);
	cpio_find(buf, len, "./memsrv.elf", &f);
	if (first.name && cpio_find(buf, len, first.name, &f) == 0 && strcmp(f.name, first.name) &&
	    strcmp(f.name + (strncmp(f.name, "./", 2) ? 0 : 2),
		   first.name + (strncmp(first.name, "./", 2) ? 0 : 2)))
		abort(); // found under another name
	free(buf);
	return 0;
}
