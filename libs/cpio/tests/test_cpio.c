// Host tests of the newc cpio reader: archives written here, the initrd GNU
// cpio built (argv[1]), corruptions, truncations and a fuzz loop, each in an
// exact-size heap buffer so that AddressSanitizer catches any overread.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/check.h"
#include "cpio/cpio.h"

static const char *real_path;

struct archive {
	uint8_t buf[4096];
	uint32_t len;
};

static void put_entry(struct archive *ar, const char *name, uint32_t mode, const char *data)
{
	uint32_t size = data ? (uint32_t)strlen(data) : 0;
	uint32_t namesize = (uint32_t)strlen(name) + 1;

	ar->len += sprintf((char *)ar->buf + ar->len,
			   "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", 1u, mode, 0u,
			   0u, 1u, 0u, size, 0u, 0u, 0u, 0u, namesize, 0u);
	memcpy(ar->buf + ar->len, name, namesize);
	ar->len = (ar->len + namesize + 3) & ~3u;
	if (size)
		memcpy(ar->buf + ar->len, data, size);
	ar->len = (ar->len + size + 3) & ~3u;
}

static void sample(struct archive *ar)
{
	memset(ar, 0, sizeof(*ar));
	put_entry(ar, ".", 040755, NULL);
	put_entry(ar, "./init", 0100755, "hello, world");
	put_entry(ar, "etc", 040755, NULL);
	put_entry(ar, "etc/motd", 0100644, "x");
	put_entry(ar, "TRAILER!!!", 0, NULL);
}

// A heap copy of exactly len bytes.
static uint8_t *exact(const void *src, uint32_t len)
{
	uint8_t *p = malloc(len ? len : 1);
	memcpy(p, src, len);
	return p;
}

// Walks a whole archive; returns the final cpio_next result and counts entries.
static int walk(const uint8_t *buf, uint32_t len, int *entries)
{
	struct cpio_file f;
	uint32_t pos = 0;
	int r;

	*entries = 0;
	while ((r = cpio_next(buf, len, &pos, &f)) > 0) {
		CHECK((const uint8_t *)f.name >= buf && (const uint8_t *)f.name + f.namelen < buf + len);
		CHECK((const uint8_t *)f.data >= buf && (const uint8_t *)f.data + f.size <= buf + len);
		CHECK(f.name[f.namelen] == '\0');
		(*entries)++;
	}
	return r;
}

static void test_iterate(void)
{
	struct archive ar;
	struct cpio_file f;
	uint32_t pos = 0;

	sample(&ar);
	uint8_t *b = exact(ar.buf, ar.len);
	CHECK_EQ(cpio_next(b, ar.len, &pos, &f), 1);
	CHECK(!strcmp(f.name, ".") && f.namelen == 1 && f.mode == 040755);
	CHECK_EQ(cpio_next(b, ar.len, &pos, &f), 1);
	CHECK(!strcmp(f.name, "./init") && f.size == 12 && !memcmp(f.data, "hello, world", 12));
	CHECK_EQ(cpio_next(b, ar.len, &pos, &f), 1);
	CHECK_EQ(cpio_next(b, ar.len, &pos, &f), 1);
	CHECK(!strcmp(f.name, "etc/motd") && f.size == 1 && *(const char *)f.data == 'x');
	CHECK_EQ(cpio_next(b, ar.len, &pos, &f), 0);
	free(b);
}

static void test_find(void)
{
	struct archive ar;
	struct cpio_file f;

	sample(&ar);
	uint8_t *b = exact(ar.buf, ar.len);
	CHECK_EQ(cpio_find(b, ar.len, "init", &f), 0);
	CHECK(f.size == 12);
	CHECK_EQ(cpio_find(b, ar.len, "etc/motd", &f), 0);
	CHECK_EQ(cpio_find(b, ar.len, "etc", &f), CPIO_E_NOTFOUND); // a directory
	CHECK_EQ(cpio_find(b, ar.len, "nothing", &f), CPIO_E_NOTFOUND);
	free(b);
}

static void test_empty_archive(void)
{
	struct archive ar = { .len = 0 };
	int n;

	put_entry(&ar, "TRAILER!!!", 0, NULL);
	uint8_t *b = exact(ar.buf, ar.len);
	CHECK_EQ(walk(b, ar.len, &n), 0);
	CHECK_EQ(n, 0);
	CHECK_EQ(walk(b, 0, &n), CPIO_E_NOTRAILER);
	free(b);
}

// Rewrites one 8-digit field of the entry at `off`.
static void set_field(struct archive *ar, uint32_t off, int field, const char *eight)
{
	memcpy(ar->buf + off + 6 + field * 8, eight, 8);
}

static void test_malformed(void)
{
	struct archive ar;
	int n;
	uint32_t second; // offset of "./init"

	sample(&ar);
	second = (110 + 2 + 3) & ~3u;

	struct {
		int field;
		const char *value;
		int err;
	} cases[] = {
		{ 11, "00000000", CPIO_E_NAME },      // namesize 0
		{ 11, "FFFFFFFF", CPIO_E_TRUNCATED }, // name past the end
		{ 11, "00000003", CPIO_E_NAME },      // "./" not NUL-ended at namesize
		{ 6, "FFFFFFF0", CPIO_E_TRUNCATED },  // data past the end
		{ 6, "FFFFFFFF", CPIO_E_TRUNCATED },  // data size that would wrap
		{ 1, "0010064G", CPIO_E_HEADER },     // not hex
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct archive bad = ar;
		set_field(&bad, second, cases[i].field, cases[i].value);
		uint8_t *b = exact(bad.buf, bad.len);
		int r = walk(b, bad.len, &n);
		if (r != cases[i].err)
			printf("    case %u: got %d, want %d\n", i, r, cases[i].err);
		CHECK_EQ(r, cases[i].err);
		CHECK_EQ(n, 1); // the entry before the damage was returned
		free(b);
	}

	struct archive bad = ar;
	bad.buf[second + 3] = '8';
	uint8_t *b = exact(bad.buf, bad.len);
	CHECK_EQ(walk(b, bad.len, &n), CPIO_E_MAGIC);
	free(b);

	bad = ar;
	bad.buf[second + 110 + 2] = '\0'; // a NUL inside "./init"
	b = exact(bad.buf, bad.len);
	CHECK_EQ(walk(b, bad.len, &n), CPIO_E_NAME);
	free(b);
}

static void test_every_truncation(void)
{
	struct archive ar;
	int n;

	sample(&ar);
	for (uint32_t len = 0; len < ar.len; len++) {
		uint8_t *b = exact(ar.buf, len);
		int r = walk(b, len, &n);
		CHECK(r < 0);
		free(b);
	}
}

static void test_fuzz(void)
{
	struct archive ar;
	uint32_t seed = 12345;
	int n, opened = 0;

	sample(&ar);
	for (int iter = 0; iter < 20000; iter++) {
		struct archive m = ar;
		int flips = 1 + iter % 4;
		for (int k = 0; k < flips; k++) {
			seed = seed * 1103515245u + 12345u;
			uint32_t at = (seed >> 8) % m.len;
			seed = seed * 1103515245u + 12345u;
			m.buf[at] = iter & 1 ? (uint8_t)(seed >> 16) : (uint8_t)"0123456789abcdefF!"[(seed >> 16) % 19];
		}
		seed = seed * 1103515245u + 12345u;
		uint32_t len = iter % 3 ? m.len : (seed >> 8) % (m.len + 1);
		uint8_t *b = exact(m.buf, len);
		struct cpio_file f;
		if (walk(b, len, &n) == 0)
			opened++;
		(void)cpio_find(b, len, "init", &f);
		free(b);
	}
	CHECK(opened > 0);
}

// The archive GNU cpio produced for the initrd.
static void test_gnu_cpio_initrd(void)
{
	FILE *fp = real_path ? fopen(real_path, "rb") : NULL;
	static uint8_t data[1 << 20];
	struct cpio_file f;
	int n;

	CHECK(fp != NULL);
	if (!fp)
		return;
	uint32_t len = (uint32_t)fread(data, 1, sizeof(data), fp);
	fclose(fp);
	uint8_t *b = exact(data, len);
	CHECK_EQ(walk(b, len, &n), 0);
	CHECK(n >= 1);
	CHECK_EQ(cpio_find(b, len, "README", &f), 0);
	CHECK(f.size > 0 && !memcmp(f.data, "hmk's initrd", 12));
	free(b);
}

int main(int argc, char **argv)
{
	static const struct check_case cases[] = {
		{ test_iterate, "entries in order with names and data" },
		{ test_find, "find by name, ./ ignored, directories skipped" },
		{ test_empty_archive, "trailer-only and empty buffers" },
		{ test_malformed, "each malformation gives its error" },
		{ test_every_truncation, "every truncation refused" },
		{ test_fuzz, "20,000 mutations stay in bounds" },
		{ test_gnu_cpio_initrd, "the initrd GNU cpio built" },
		{ 0, 0 },
	};

	real_path = argc > 1 ? argv[1] : NULL;
	return check_run("cpio", cases);
}
