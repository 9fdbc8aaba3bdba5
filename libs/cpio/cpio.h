// Reader for cpio "newc" archives (the initrd format): bounds-checked
// iteration and lookup over an archive in memory. Builds for the kernel and
// for host tests.
//
// An entry is a 110-byte header ("070701", or "070702" whose checksum is not
// checked, then 13 fields of 8 hex digits), the name with its NUL padded so
// that header + name is a multiple of 4, then the data padded to 4. The
// entry named TRAILER!!! ends the archive.
#pragma once

#include <stdint.h>

enum cpio_err {
	CPIO_E_MAGIC = -1,     // an entry does not start with 070701 / 070702
	CPIO_E_HEADER = -2,    // a header field is not 8 hex digits
	CPIO_E_TRUNCATED = -3, // a header, name, data or padding runs past the archive
	CPIO_E_NAME = -4,      // namesize 0, or the name's only NUL is not its last byte
	CPIO_E_NOTRAILER = -5, // the archive ends without TRAILER!!!
	CPIO_E_NOTFOUND = -6,  // cpio_find(): no such regular file
	CPIO_E_ALIGN = -7,     // a header not at a multiple of 4
};

struct cpio_file {
	const char *name; // NUL-terminated, inside the archive
	uint32_t namelen; // without the NUL
	const void *data;
	uint32_t size;
	uint32_t mode; // type and permission bits, as st_mode
};

// Iterates over the archive `buf` of `len` bytes: start with *pos = 0. Each
// call returns 1 with the next entry in *f and moves *pos past it; returns 0
// once TRAILER!!! is reached (again on later calls), or a negative cpio_err
// for a malformed archive. On 0 or an error, *pos and *f are left as they
// were. An entry returned lies wholly inside buf, padding included. Never
// reads outside [buf, buf + len).
int cpio_next(const void *buf, uint32_t len, uint32_t *pos, struct cpio_file *f);

// Finds the first regular file named `name`, ignoring one leading "./" both
// in the archive's names and in `name`. Returns 0 with *f filled,
// CPIO_E_NOTFOUND, or the error of a malformed archive met before it.
int cpio_find(const void *buf, uint32_t len, const char *name, struct cpio_file *f);

// A static description of a cpio_err; "no error" for 0 and 1.
const char *cpio_strerror(int err);
