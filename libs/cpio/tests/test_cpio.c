// Host tests of the newc cpio reader: archives written here and one written
// by GNU cpio, every malformation, every truncation, 32-bit wrap-around in a
// 4 GiB mapping, and a fuzz loop checked against a second, 64-bit reader.
// Archives are copied into exact-size heap buffers, so that AddressSanitizer
// catches any read past their end.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "check/check.h"
#include "cpio/cpio.h"

#define HDR 110
#define TRAILER_BYTES 124 // header + "TRAILER!!!\0" + padding
#define MAX_WALK 64

// The archive GNU cpio 2.13 wrote for a directory holding etc/motd ("hmk\n")
// and init ("#!init\n"), all with mtime 0:
//   printf '.\n./etc\n./etc/motd\ninit\n' | cpio -o -H newc --reproducible -R 0:0
// Fields: magic, ino, mode, uid, gid, nlink, mtime / filesize, devmajor,
// devminor, rdevmajor, rdevminor, namesize, check; then name and data. GNU
// cpio strips the "./" of names and pads the archive to 512 bytes with zeros
// (the rest of the array).
// clang-format off
static const char gnu_cpio[1024] =
	"070701" "00000000000041ED00000000000000000000000300000000"
	"00000000000000000000000000000000000000000000000200000000"
	".\0"
	"070701" "00000001000041ED00000000000000000000000200000000"
	"00000000000000000000000000000000000000000000000400000000"
	"etc\0\0\0"
	"070701" "00000002000081A400000000000000000000000100000000"
	"00000004000000000000000000000000000000000000000900000000"
	"etc/motd\0\0hmk\n"
	"070701" "00000003000081ED00000000000000000000000100000000"
	"00000007000000000000000000000000000000000000000500000000"
	"init\0\0#!init\n\0"
	"070701" "000000000000000000000000000000000000000100000000"
	"00000000000000000000000000000000000000000000000B00000000"
	"TRAILER!!!\0\0\0\0";
// clang-format on

struct want {
	const char *name;
	uint32_t mode;
	const char *data;
	uint32_t size;
};

static const struct want gnu_want[] = {
	{ ".", 040755, "", 0 },
	{ "etc", 040755, "", 0 },
	{ "etc/motd", 0100644, "hmk\n", 4 },
	{ "init", 0100755, "#!init\n", 7 },
};

// Written by put(): "./" names, a device, binary data, an empty file, and
// bin/sh in the 070702 format with a checksum that is not checked.
// clang-format off
static const struct want sample_want[] = {
	{ ".", 040755, "", 0 },
	{ "./init", 0100755, "hello, world", 12 },
	{ "etc", 040755, "", 0 },
	{ "./etc/motd", 0100644, "x", 1 },
	{ "dev/console", 020600, "", 0 },
	{ "bin/sh", 0100755, "\0\1\2\3\377", 5 },
	{ "empty", 0100644, "", 0 },
};
// clang-format on

#define N(a) (sizeof(a) / sizeof((a)[0]))

struct archive {
	uint8_t buf[2048];
	uint32_t len;
	uint32_t at[16]; // header offset of each entry
	unsigned n;
};

// Appends an entry laid out as GNU cpio does, but in lowercase hex (the GNU
// archive above is uppercase).
static void put(struct archive *ar, const char *magic, const char *name, uint32_t mode,
		const void *data, uint32_t size)
{
	uint32_t namesize = (uint32_t)strlen(name) + 1;
	uint32_t check = magic[5] == '2' ? 0xdeadbeef : 0;
	char h[HDR + 1];

	ar->at[ar->n++] = ar->len;
	snprintf(h, sizeof(h), "%s%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x", magic,
		 ar->n, mode, 0u, 0u, 1u, 0u, size, 0u, 0u, 0u, 0u, namesize, check);
	memcpy(ar->buf + ar->len, h, HDR);
	memcpy(ar->buf + ar->len + HDR, name, namesize);
	ar->len = (ar->len + HDR + namesize + 3) & ~3u;
	memcpy(ar->buf + ar->len, data, size);
	ar->len = (ar->len + size + 3) & ~3u;
}

static void sample_entries(struct archive *ar)
{
	memset(ar, 0, sizeof(*ar));
	for (unsigned i = 0; i < N(sample_want); i++) {
		const struct want *w = &sample_want[i];
		put(ar, strcmp(w->name, "bin/sh") ? "070701" : "070702", w->name, w->mode, w->data,
		    w->size);
	}
}

static void sample(struct archive *ar)
{
	sample_entries(ar);
	put(ar, "070701", "TRAILER!!!", 0, "", 0);
}

// Rewrites header field `field` (0 = ino ... 12 = check) of the entry at `off`.
static void set_field(struct archive *ar, uint32_t off, int field, uint32_t v)
{
	char s[9];

	snprintf(s, sizeof(s), "%08X", v);
	memcpy(ar->buf + off + 6 + 8 * field, s, 8);
}

// A heap copy of exactly len bytes (one byte is allocated for len 0).
static uint8_t *exact(const void *src, uint32_t len)
{
	uint8_t *p = malloc(len ? len : 1);

	memcpy(p, src, len);
	return p;
}

struct walk {
	int r; // the cpio_next result that ended the walk
	unsigned n;
	struct cpio_file f[MAX_WALK];
	uint32_t end[MAX_WALK]; // *pos after each entry
};

// Walks a whole archive, checking what holds for any input: entries lie in
// buf, names are NUL-terminated at namelen with no NUL before, *pos grows
// and stays aligned, and a call returning 0 or an error changes nothing.
static void walk(const uint8_t *buf, uint32_t len, struct walk *w)
{
	uint32_t pos = 0;

	w->n = 0;
	for (;;) {
		struct cpio_file f, before;
		uint32_t old = pos;

		memset(&f, 0xa5, sizeof(f));
		memset(&before, 0xa5, sizeof(before));
		w->r = cpio_next(buf, len, &pos, &f);
		if (w->r <= 0) {
			CHECK(pos == old && !memcmp(&f, &before, sizeof(f)));
			return;
		}
		CHECK_EQ(w->r, 1);
		const uint8_t *name = (const uint8_t *)f.name, *data = f.data;
		int inside = name >= buf + old + HDR && name + f.namelen < buf + len &&
			     data >= name + f.namelen + 1 && data <= buf + len &&
			     f.size <= (uint32_t)(buf + len - data);
		CHECK(inside);
		if (!inside)
			return; // w->r stays 1: no caller expects that
		CHECK(name[f.namelen] == '\0' && strlen(f.name) == f.namelen);
		CHECK((data - buf) % 4 == 0);
		CHECK(pos > old && pos % 4 == 0 && pos <= len && buf + pos >= data + f.size);
		if (w->n == MAX_WALK) {
			CHECK(!"too many entries");
			return;
		}
		w->f[w->n] = f;
		w->end[w->n++] = pos;
	}
}

// Walks an exact-size copy of src[0, len); CHECKs the result and entry count.
static void expect_walk(const void *src, uint32_t len, int r, unsigned n, int line)
{
	uint8_t *b = exact(src, len);
	struct walk w;

	walk(b, len, &w);
	if (w.r != r || w.n != n) {
		printf("    line %d: got %d after %u entries, want %d after %u\n", line, w.r, w.n,
		       r, n);
		check_failures++;
	}
	free(b);
}

#define EXPECT_WALK(ar, r, n) expect_walk((ar)->buf, (ar)->len, r, n, __LINE__)

static void check_entries(const struct walk *w, const struct want *want, unsigned n)
{
	CHECK_EQ(w->r, 0);
	CHECK_EQ(w->n, n);
	for (unsigned i = 0; i < n && i < w->n; i++) {
		const struct cpio_file *f = &w->f[i];
		int same = !strcmp(f->name, want[i].name) && f->namelen == strlen(want[i].name) &&
			   f->mode == want[i].mode && f->size == want[i].size &&
			   !memcmp(f->data, want[i].data, f->size);
		if (!same)
			printf("    entry %u: %s, mode 0%o, %u bytes; want %s\n", i, f->name,
			       f->mode, f->size, want[i].name);
		CHECK(same);
	}
}

static void test_iterate(void)
{
	struct archive ar;
	struct walk w;

	sample(&ar);
	uint8_t *b = exact(ar.buf, ar.len);
	walk(b, ar.len, &w);
	check_entries(&w, sample_want, N(sample_want));

	// Past the trailer, every call returns 0 again.
	uint32_t pos = ar.at[N(sample_want)];
	struct cpio_file f;
	CHECK_EQ(cpio_next(b, ar.len, &pos, &f), 0);
	CHECK_EQ(cpio_next(b, ar.len, &pos, &f), 0);
	CHECK(pos == ar.at[N(sample_want)] && (w.n == 0 || w.end[w.n - 1] == pos));
	free(b);
}

// 1 when cpio_find() finds `name` as the entry `entry` holding size bytes of data.
static int finds(const uint8_t *b, uint32_t len, const char *name, const char *entry,
		 const char *data, uint32_t size)
{
	struct cpio_file f;
	int r = cpio_find(b, len, name, &f);

	if (r != 0) {
		printf("    find \"%s\": %d\n", name, r);
		return 0;
	}
	return !strcmp(f.name, entry) && f.namelen == strlen(entry) && f.size == size &&
	       (f.mode & 0170000) == 0100000 && !memcmp(f.data, data, size);
}

static void test_gnu_cpio(void)
{
	uint8_t *b = exact(gnu_cpio, sizeof(gnu_cpio));
	uint32_t len = sizeof(gnu_cpio);
	struct cpio_file f;
	struct walk w;

	walk(b, len, &w);
	check_entries(&w, gnu_want, N(gnu_want));
	CHECK(finds(b, len, "init", "init", "#!init\n", 7));
	CHECK(finds(b, len, "./etc/motd", "etc/motd", "hmk\n", 4));
	CHECK_EQ(cpio_find(b, len, "etc", &f), CPIO_E_NOTFOUND);
	// The trailer ends at 600: the zeros after it are never read.
	walk(b, 600, &w);
	CHECK(w.r == 0 && w.n == N(gnu_want));
	free(b);
}

static void test_find(void)
{
	struct archive ar;
	struct cpio_file f;

	sample(&ar);
	uint8_t *b = exact(ar.buf, ar.len);
	uint32_t len = ar.len;

	// Found with or without "./", on either side.
	CHECK(finds(b, len, "init", "./init", "hello, world", 12));
	CHECK(finds(b, len, "./init", "./init", "hello, world", 12));
	CHECK(finds(b, len, "etc/motd", "./etc/motd", "x", 1));
	CHECK(finds(b, len, "./bin/sh", "bin/sh", "\0\1\2\3\377", 5));
	CHECK(finds(b, len, "empty", "empty", "", 0));

	// Only regular files, only exact names.
	const char *absent[] = { "etc",        ".",    "",         "./",    "dev/console",
				 "TRAILER!!!", "ini",  "init/",    "/init", ".//init",
				 "././init",   "Init", "etc/motd/" };
	for (unsigned i = 0; i < N(absent); i++) {
		struct cpio_file before;
		memset(&f, 0x5a, sizeof(f));
		memset(&before, 0x5a, sizeof(before));
		int r = cpio_find(b, len, absent[i], &f);
		if (r != CPIO_E_NOTFOUND)
			printf("    \"%s\": %d\n", absent[i], r);
		CHECK_EQ(r, CPIO_E_NOTFOUND);
		CHECK(!memcmp(&f, &before, sizeof(f)));
	}
	free(b);

	// The first of two entries with one name wins.
	memset(&ar, 0, sizeof(ar));
	put(&ar, "070701", "a", 0100644, "first", 5);
	put(&ar, "070701", "./a", 0100644, "second", 6);
	put(&ar, "070701", "TRAILER!!!", 0, "", 0);
	b = exact(ar.buf, ar.len);
	CHECK(finds(b, ar.len, "a", "a", "first", 5));
	free(b);

	// A malformed archive: files before the damage are found, after it not.
	sample(&ar);
	ar.buf[ar.at[3]] = 'x';
	b = exact(ar.buf, ar.len);
	CHECK(finds(b, ar.len, "init", "./init", "hello, world", 12));
	CHECK_EQ(cpio_find(b, ar.len, "etc/motd", &f), CPIO_E_MAGIC);
	CHECK_EQ(cpio_find(b, ar.len, "nothing", &f), CPIO_E_MAGIC);
	free(b);
}

static void test_empty_archive(void)
{
	struct archive ar = { .len = 0 };
	struct cpio_file f;
	struct walk w;

	put(&ar, "070701", "TRAILER!!!", 0, "", 0);
	CHECK_EQ(ar.len, TRAILER_BYTES);
	uint8_t *b = exact(ar.buf, ar.len);
	walk(b, ar.len, &w);
	CHECK(w.r == 0 && w.n == 0);
	CHECK_EQ(cpio_find(b, ar.len, "init", &f), CPIO_E_NOTFOUND);
	free(b);

	b = exact("", 0);
	walk(b, 0, &w);
	CHECK(w.r == CPIO_E_NOTRAILER && w.n == 0);
	CHECK_EQ(cpio_find(b, 0, "init", &f), CPIO_E_NOTRAILER);
	free(b);
}

static void test_bad_magic(void)
{
	struct archive ar;
	const char *bad[] = { "070707", "070700", "070703", "070711",
			      "170701", "0707O1", "      ", "\0\0\0\0\0\0" };

	for (unsigned i = 0; i < N(bad); i++) {
		sample(&ar);
		memcpy(ar.buf + ar.at[1], bad[i], 6);
		EXPECT_WALK(&ar, CPIO_E_MAGIC, 1);
		memcpy(ar.buf, bad[i], 6);
		EXPECT_WALK(&ar, CPIO_E_MAGIC, 0);
	}
}

// A byte that is not a hex digit anywhere in any of the 13 fields.
static void test_non_hex(void)
{
	const char bad[] = { 'g', 'G', 'x', ' ', '+', '-', '\0', '\377' };
	struct archive ar;

	for (int field = 0; field < 13; field++) {
		for (unsigned i = 0; i < N(bad); i++) {
			sample(&ar);
			ar.buf[ar.at[1] + 6 + 8 * field + (field + i) % 8] = (uint8_t)bad[i];
			EXPECT_WALK(&ar, CPIO_E_HEADER, 1);
		}
	}
	sample(&ar);
	memcpy(ar.buf + ar.at[1] + 6 + 8 * 11, "0x000007", 8);
	EXPECT_WALK(&ar, CPIO_E_HEADER, 1);
}

// The second entry is "./init" (namesize 7, name padded by 3, 12 data bytes).
static void test_bad_name(void)
{
	struct archive ar;
	uint32_t name_off;

	sample(&ar);
	name_off = ar.at[1] + HDR;
	set_field(&ar, ar.at[1], 11, 0);
	EXPECT_WALK(&ar, CPIO_E_NAME, 1);
	set_field(&ar, ar.at[1], 11, 6); // the NUL is not within namesize
	EXPECT_WALK(&ar, CPIO_E_NAME, 1);
	set_field(&ar, ar.at[1], 11, 8); // takes one padding NUL too
	EXPECT_WALK(&ar, CPIO_E_NAME, 1);

	sample(&ar);
	ar.buf[name_off + 2] = '\0'; // "./\0nit"
	EXPECT_WALK(&ar, CPIO_E_NAME, 1);
	sample(&ar);
	ar.buf[name_off + 6] = 'x'; // no NUL at all before the data
	EXPECT_WALK(&ar, CPIO_E_NAME, 1);

	// Names past the end of the buffer.
	const uint32_t past[] = { ar.len - name_off + 1, ar.len - name_off + 1000, 0x80000000,
				  0xfffffff0, 0xffffffff };
	for (unsigned i = 0; i < N(past); i++) {
		sample(&ar);
		set_field(&ar, ar.at[1], 11, past[i]);
		EXPECT_WALK(&ar, CPIO_E_TRUNCATED, 1);
	}
	// A name running to the very end, NUL last: its padding is missing.
	sample(&ar);
	ar.len = ar.at[2] - 1; // ends within the data of ./init
	set_field(&ar, ar.at[1], 11, ar.len - name_off);
	memset(ar.buf + name_off, 'n', ar.len - name_off - 1);
	ar.buf[ar.len - 1] = '\0';
	EXPECT_WALK(&ar, CPIO_E_TRUNCATED, 1);
}

static void test_bad_size(void)
{
	struct archive ar;
	uint32_t data_off;

	sample(&ar);
	data_off = ar.at[1] + HDR + 7 + 3;
	const uint32_t past[] = { ar.len - data_off + 1, 0x7fffffff, 0xfffffffc, 0xfffffffd,
				  0xffffffff };
	for (unsigned i = 0; i < N(past); i++) {
		set_field(&ar, ar.at[1], 6, past[i]);
		EXPECT_WALK(&ar, CPIO_E_TRUNCATED, 1);
	}
	// Data up to the end of the buffer, padded (or not needing it): the entry
	// is whole, but no trailer follows.
	set_field(&ar, ar.at[1], 6, ar.len - data_off);
	EXPECT_WALK(&ar, CPIO_E_NOTRAILER, 2);
	set_field(&ar, ar.at[1], 6, ar.len - data_off - 3);
	EXPECT_WALK(&ar, CPIO_E_NOTRAILER, 2);
	// Data one byte longer than written: the next header is looked for 4
	// bytes too late.
	set_field(&ar, ar.at[1], 6, 13);
	EXPECT_WALK(&ar, CPIO_E_MAGIC, 2);
}

static void test_no_trailer(void)
{
	struct archive ar;

	sample_entries(&ar);
	EXPECT_WALK(&ar, CPIO_E_NOTRAILER, N(sample_want));
	// Only the exact name ends the archive; others are entries.
	put(&ar, "070701", "TRAILER!!", 0, "", 0);
	put(&ar, "070701", "TRAILER!!!x", 0, "", 0);
	put(&ar, "070701", "./TRAILER!!!", 0, "", 0);
	EXPECT_WALK(&ar, CPIO_E_NOTRAILER, N(sample_want) + 3);
	put(&ar, "070702", "TRAILER!!!", 0, "", 0);
	EXPECT_WALK(&ar, 0, N(sample_want) + 3);
}

static void test_positions(void)
{
	struct archive ar;
	struct cpio_file f;

	sample(&ar);
	uint8_t *b = exact(ar.buf, ar.len);
	const struct {
		uint32_t pos;
		int r;
	} cases[] = {
		{ 1, CPIO_E_ALIGN },
		{ 2, CPIO_E_ALIGN },
		{ ar.at[1] + 3, CPIO_E_ALIGN },
		{ ar.at[1] + 4, CPIO_E_MAGIC },
		{ ar.at[1], 1 },
		{ ar.len - 4, CPIO_E_TRUNCATED },
		{ ar.len, CPIO_E_NOTRAILER },
		{ ar.len + 1, CPIO_E_NOTRAILER },
		{ 0xfffffffc, CPIO_E_NOTRAILER },
		{ 0xffffffff, CPIO_E_NOTRAILER },
	};
	for (unsigned i = 0; i < N(cases); i++) {
		uint32_t pos = cases[i].pos;
		int r = cpio_next(b, ar.len, &pos, &f);
		if (r != cases[i].r)
			printf("    pos %u: got %d, want %d\n", cases[i].pos, r, cases[i].r);
		CHECK_EQ(r, cases[i].r);
		CHECK(r == 1 ? pos == ar.at[2] : pos == cases[i].pos);
	}
	free(b);
}

// Every prefix of an archive, each in an exact-size buffer: the entries wholly
// inside are returned exactly as from the whole archive, then NOTRAILER if the
// cut falls between entries, TRUNCATED if within one.
static void truncations(const uint8_t *full, uint32_t full_len, const char *file)
{
	struct walk all, w;
	struct cpio_file f;
	uint32_t file_end = 0;

	walk(full, full_len, &all);
	CHECK(all.r == 0 && all.n > 0);
	if (all.r != 0 || all.n == 0)
		return;
	uint32_t trailer_end = all.end[all.n - 1] + TRAILER_BYTES;
	for (unsigned i = 0; i < all.n; i++)
		if (!strcmp(all.f[i].name, file))
			file_end = all.end[i];
	CHECK(file_end > 0);

	for (uint32_t len = 0; len <= full_len; len++) {
		uint8_t *b = exact(full, len);
		unsigned n = 0;
		int boundary = len == 0, r;

		while (n < all.n && all.end[n] <= len)
			boundary |= all.end[n++] == len;
		if (len >= trailer_end)
			r = 0;
		else
			r = boundary ? CPIO_E_NOTRAILER : CPIO_E_TRUNCATED;
		walk(b, len, &w);
		if (w.r != r || w.n != n)
			printf("    length %u: got %d after %u, want %d after %u\n", len, w.r, w.n,
			       r, n);
		CHECK(w.r == r && w.n == n);
		for (unsigned i = 0; i < n && i < w.n; i++) {
			CHECK((const uint8_t *)w.f[i].name - b ==
			      (const uint8_t *)all.f[i].name - full);
			CHECK((const uint8_t *)w.f[i].data - b ==
			      (const uint8_t *)all.f[i].data - full);
			CHECK(w.f[i].size == all.f[i].size && w.f[i].mode == all.f[i].mode);
		}
		CHECK_EQ(cpio_find(b, len, file, &f), file_end <= len ? 0 : r);
		free(b);
	}
}

static void test_every_truncation(void)
{
	struct archive ar;

	sample(&ar);
	truncations(ar.buf, ar.len, "./etc/motd");
	truncations((const uint8_t *)gnu_cpio, sizeof(gnu_cpio), "init");
}

// Sizes that wrap uint32_t: an archive of len 0xffffffff in a 4 GiB mapping
// whose first file is 4 GiB - 372 bytes long, so that the next header sits
// 0x100 bytes below 2^32. Only the pages holding headers are touched.
static void test_wrap_around(void)
{
	const uint32_t len = 0xffffffff, last = 0xffffff00;
	struct archive ar = { .len = 0 };
	struct cpio_file f;
	uint8_t *m = mmap(NULL, 1ull << 32, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (m == MAP_FAILED) {
		printf("    no 4 GiB mapping: the wrap-around cases did not run\n");
		return;
	}
	put(&ar, "070701", "big", 0100644, "", 0); // data at 116
	set_field(&ar, 0, 6, last - 116);
	memcpy(m, ar.buf, ar.len);

	const struct {
		uint32_t namesize, size;
		int r;
	} cases[] = {
		{ 0x93, 0, CPIO_E_TRUNCATED }, // the name's end wraps to 1
		{ 0x92, 0, CPIO_E_TRUNCATED }, // the name's end wraps to 0
		{ 0x91, 0, CPIO_E_TRUNCATED }, // the name fits; its padding wraps
		{ 5, 0x8c, CPIO_E_TRUNCATED }, // the data's end wraps to 0
		{ 5, 0x8b, CPIO_E_TRUNCATED }, // the data fits; its padding wraps
		{ 5, 0xffffffff, CPIO_E_TRUNCATED },
		{ 5, 0x88, CPIO_E_TRUNCATED }, // whole, ends at 2^32 - 4: then no room
		{ 0xffffffff, 0, CPIO_E_TRUNCATED },
	};
	for (unsigned i = 0; i < N(cases); i++) {
		uint32_t namesize = cases[i].namesize, name_off = last + HDR;

		memset(&ar, 0, sizeof(ar));
		put(&ar, "070701", "name", 0100644, "", 0);
		set_field(&ar, 0, 11, namesize);
		set_field(&ar, 0, 6, cases[i].size);
		memcpy(m + last, ar.buf, HDR + 5);
		if (namesize <= len - name_off) { // a name that fits, NUL last
			memset(m + name_off, 'n', namesize - 1);
			m[name_off + namesize - 1] = '\0';
		}

		uint32_t pos = 0, returned = 0;
		int r;
		while ((r = cpio_next(m, len, &pos, &f)) > 0 && returned < 3)
			returned++;
		if (r != cases[i].r)
			printf("    case %u: got %d, want %d\n", i, r, cases[i].r);
		CHECK_EQ(r, cases[i].r);
		// The big file, and the last one only when it is whole.
		CHECK_EQ(returned, cases[i].size == 0x88 ? 2 : 1);
		memset(m + last, 0, len - last);
	}
	uint32_t pos = 0;
	CHECK_EQ(cpio_next(m, len, &pos, &f), 1);
	CHECK(f.data == m + 116 && f.size == last - 116 && pos == last);
	munmap(m, 1ull << 32);
}

// A second reader written from the format's description with 64-bit offsets
// and the C library, to compare the fuzzed archives against.
static int ref_next(const uint8_t *a, uint32_t len, uint32_t *pos, struct cpio_file *f)
{
	uint64_t p = *pos, field[13];

	if (p >= len)
		return CPIO_E_NOTRAILER;
	if (p % 4)
		return CPIO_E_ALIGN;
	if (p + HDR > len)
		return CPIO_E_TRUNCATED;
	if (memcmp(a + p, "070701", 6) && memcmp(a + p, "070702", 6))
		return CPIO_E_MAGIC;
	for (int i = 0; i < 13; i++) {
		char s[9] = { 0 };
		memcpy(s, a + p + 6 + 8 * i, 8);
		if (strspn(s, "0123456789abcdefABCDEF") != 8)
			return CPIO_E_HEADER;
		field[i] = strtoull(s, NULL, 16);
	}
	uint64_t namesize = field[11], size = field[6];
	if (namesize == 0)
		return CPIO_E_NAME;
	if (p + HDR + namesize > len)
		return CPIO_E_TRUNCATED;
	const char *name = (const char *)a + p + HDR;
	if (memchr(name, 0, namesize) != name + namesize - 1)
		return CPIO_E_NAME;
	uint64_t data = (p + HDR + namesize + 3) / 4 * 4, next = (data + size + 3) / 4 * 4;
	if (next > len)
		return CPIO_E_TRUNCATED;
	if (!strcmp(name, "TRAILER!!!"))
		return 0;
	*f = (struct cpio_file){ name, (uint32_t)namesize - 1, a + data, (uint32_t)size,
				 (uint32_t)field[1] };
	*pos = (uint32_t)next;
	return 1;
}

static int ref_find(const uint8_t *a, uint32_t len, const char *name, struct cpio_file *f)
{
	uint32_t pos = 0;
	int r;

	if (!strncmp(name, "./", 2))
		name += 2;
	while ((r = ref_next(a, len, &pos, f)) > 0)
		if ((f->mode & 0170000) == 0100000 &&
		    !strcmp(f->name + (strncmp(f->name, "./", 2) ? 0 : 2), name))
			return 0;
	return r ? r : CPIO_E_NOTFOUND;
}

static uint32_t rng = 20261122;

static uint32_t below(uint32_t n)
{
	rng ^= rng << 13; // xorshift32
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return n ? rng % n : 0;
}

// One random change: a byte, a header digit, a size, the magic, the length
// or a byte inserted or deleted (which misaligns what follows).
static void mutate(uint8_t *m, uint32_t *len, const uint32_t *at, unsigned n_at)
{
	uint32_t h = at[below(n_at)], cap = sizeof(((struct archive *)0)->buf);
	char s[9];

	if (*len == 0)
		return;
	switch (below(7)) {
	case 0: m[below(*len)] = (uint8_t)below(256); break;
	case 1:
		if (h + HDR <= *len)
			m[h + 6 + below(104)] = (uint8_t) "0123456789abcdefF"[below(17)];
		break;
	case 2:
		if (h + HDR <= *len) {
			const uint32_t v[] = { below(0xffffffff), below(16), below(*len + 8),
					       0xffffffff - below(8), *len - h - below(140) };
			snprintf(s, sizeof(s), "%08X", v[below(N(v))]);
			memcpy(m + h + 6 + 8 * (below(2) ? 6 : 11), s, 8);
		}
		break;
	case 3:
		if (h + 6 <= *len)
			m[h + below(6)] = (uint8_t) "01279"[below(5)];
		break;
	case 4: // anywhere, or between two entries
		*len = below(2) ? below(*len + 1) : h < *len ? h : *len;
		break;
	case 5: {
		uint32_t i = below(*len);
		memmove(m + i, m + i + 1, *len - i - 1);
		(*len)--;
		break;
	}
	default:
		if (*len < cap) {
			uint32_t i = below(*len);
			memmove(m + i + 1, m + i, *len - i);
			m[i] = (uint8_t)below(256);
			(*len)++;
		}
	}
}

static int same_file(const struct cpio_file *a, const struct cpio_file *b)
{
	return a->name == b->name && a->namelen == b->namelen && a->data == b->data &&
	       a->size == b->size && a->mode == b->mode;
}

// Mutated copies of the sample and of the GNU archive, each walked and
// searched by cpio_next()/cpio_find() and by the reference: same results.
static void test_fuzz(void)
{
	const char *names[] = { "init", "etc/motd", "bin/sh" };
	unsigned seen[8] = { 0 }, found = 0;
	struct archive ar, gnu = { .len = sizeof(gnu_cpio) };
	struct walk w;

	sample(&ar);
	memcpy(gnu.buf, gnu_cpio, sizeof(gnu_cpio));
	walk(gnu.buf, gnu.len, &w);
	for (gnu.n = 0; gnu.n <= w.n; gnu.n++)
		gnu.at[gnu.n] = gnu.n ? w.end[gnu.n - 1] : 0;

	for (int iter = 0; iter < 20000; iter++) {
		const struct archive *base = iter % 2 ? &gnu : &ar;
		static uint8_t m[sizeof(ar.buf)];
		uint32_t len = base->len;

		memcpy(m, base->buf, len);
		for (uint32_t k = 1 + below(3); k > 0; k--)
			mutate(m, &len, base->at, base->n);

		uint8_t *b = exact(m, len);
		struct cpio_file rf, f;
		uint32_t pos = 0;
		unsigned n = 0;
		int rr;

		walk(b, len, &w);
		while (n < MAX_WALK && (rr = ref_next(b, len, &pos, &rf)) > 0) {
			CHECK(n < w.n && same_file(&rf, &w.f[n]) && pos == w.end[n]);
			n++;
		}
		if (rr != w.r || n != w.n) {
			printf("    iteration %d: got %d after %u entries, the reference %d after "
			       "%u\n",
			       iter, w.r, w.n, rr, n);
			check_failures++;
		}
		seen[-w.r & 7]++;
		for (unsigned i = 0; i < N(names); i++) {
			int r = cpio_find(b, len, names[i], &f);
			CHECK_EQ(r, ref_find(b, len, names[i], &rf));
			if (r == 0) {
				CHECK(same_file(&f, &rf));
				found++;
			}
		}
		free(b);
	}
	// Every outcome was reached (ALIGN needs a caller's bad *pos).
	for (int r = 0; r >= CPIO_E_NOTRAILER; r--) {
		if (seen[-r] < 100)
			printf("    only %u times: %s\n", seen[-r], cpio_strerror(r));
		CHECK(seen[-r] >= 100);
	}
	CHECK(found >= 1000);
}

static void test_strerror(void)
{
	for (int a = CPIO_E_ALIGN; a < 0; a++) {
		CHECK(strlen(cpio_strerror(a)) > 0 && strcmp(cpio_strerror(a), "unknown error"));
		for (int b = a + 1; b < 0; b++)
			CHECK(strcmp(cpio_strerror(a), cpio_strerror(b)));
	}
	CHECK(!strcmp(cpio_strerror(0), "no error") && !strcmp(cpio_strerror(1), "no error"));
	CHECK(!strcmp(cpio_strerror(CPIO_E_ALIGN - 1), "unknown error"));
}

int main(void)
{
	static const struct check_case cases[] = {
		{ test_iterate, "entries in order, names, modes and data" },
		{ test_gnu_cpio, "an archive GNU cpio wrote" },
		{ test_find, "find: ./ ignored, regular files only, first wins" },
		{ test_empty_archive, "trailer-only and empty buffers" },
		{ test_bad_magic, "bad magic" },
		{ test_non_hex, "a non-hex byte in each field" },
		{ test_bad_name, "namesize 0, unterminated names, names past the end" },
		{ test_bad_size, "data past the end" },
		{ test_no_trailer, "missing trailer" },
		{ test_positions, "misaligned and out-of-range positions" },
		{ test_every_truncation, "every truncation, exact-size buffers" },
		{ test_wrap_around, "uint32_t wrap-around at 4 GiB" },
		{ test_fuzz, "20,000 mutations against a reference reader" },
		{ test_strerror, "error strings" },
		{ 0, 0 },
	};

	setvbuf(stdout, NULL, _IOLBF, 0); // lines out before any sanitizer report
	return check_run("cpio", cases);
}
