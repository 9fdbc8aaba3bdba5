// Reader for cpio "newc" archives (the initrd format): bounds-checked
// iteration and lookup over an archive in memory. Builds for the kernel and
// for host tests.
#pragma once

#include <stdint.h>

enum cpio_err {
	CPIO_E_MAGIC = -1,    // an entry does not start with 070701 / 070702
	CPIO_E_HEADER = -2,   // a header field is not 8 hex digits
	CPIO_E_TRUNCATED = -3, // a header, name or data runs past the archive
	CPIO_E_NAME = -4,     // an empty name or one not ended by its NUL
	CPIO_E_NOTRAILER = -5, // the archive ends without TRAILER!!!
	CPIO_E_NOTFOUND = -6, // cpio_find(): no such regular file
};

struct cpio_file {
	const char *name; // NUL-terminated, inside the archive
	uint32_t namelen; // without the NUL
	const void *data;
	uint32_t size;
	uint32_t mode;
};

// Iterates over the archive `buf` of `len` bytes: start with *pos = 0. Each
// call returns 1 with the next entry in *f, 0 once TRAILER!!! is reached, or
// a negative cpio_err for a malformed archive. Never reads outside buf.
int cpio_next(const void *buf, uint32_t len, uint32_t *pos, struct cpio_file *f);

// Finds the regular file `name` (a leading "./" in the archive is ignored).
// Returns 0 with *f filled, CPIO_E_NOTFOUND, or the archive's error.
int cpio_find(const void *buf, uint32_t len, const char *name, struct cpio_file *f);

const char *cpio_strerror(int err);
