// Host tests of the ELF32 reader: an executable written here (three
// segments: text R+X, rodata R, data+bss R+W), every malformation of header,
// program header table and segment, every truncation, 32-bit wrap-around, a
// fuzz loop, and (given as argument) a real program built by the cross
// compiler. Images are copied into exact-size heap buffers, so that
// AddressSanitizer catches any read past their end.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/check.h"
#include "elf/elf.h"

#define VMIN 0x10000u
#define VMAX 0x3f000000u
#define NPH 4 // text, rodata, data, and a PT_NOTE-like other
#define PHOFF 52
#define DATA_OFF (PHOFF + NPH * 32)
#define TEXT_SIZE 16
#define RO_SIZE 8
#define RW_SIZE 12
#define IMAGE_SIZE (DATA_OFF + TEXT_SIZE + RO_SIZE + RW_SIZE)

static const char *real_elf; // argv[1]

static void wr16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void wr32(uint8_t *p, uint32_t v)
{
	wr16(p, v);
	wr16(p + 2, v >> 16);
}

static void phdr(uint8_t *img, int i, uint32_t type, uint32_t off, uint32_t va, uint32_t filesz,
		 uint32_t memsz, uint32_t flags)
{
	uint8_t *p = img + PHOFF + 32 * i;

	wr32(p, type);
	wr32(p + 4, off);
	wr32(p + 8, va);
	wr32(p + 12, va);
	wr32(p + 16, filesz);
	wr32(p + 20, memsz);
	wr32(p + 24, flags);
	wr32(p + 28, 4096);
}

// The valid image: text at 0x10000, rodata at 0x11000, data at 0x12000
// with 0x100 bytes of memory (bss after the file bytes), and a PT_NOTE.
static void image(uint8_t *img)
{
	memset(img, 0, IMAGE_SIZE);
	memcpy(img,
	       "\x7f"
	       "ELF\x01\x01\x01",
	       7);
	wr16(img + 16, 2);       // ET_EXEC
	wr16(img + 18, 40);      // EM_ARM
	wr32(img + 20, 1);       // e_version
	wr32(img + 24, 0x10004); // entry
	wr32(img + 28, PHOFF);
	wr16(img + 40, 52);
	wr16(img + 42, 32);
	wr16(img + 44, NPH);
	phdr(img, 0, 1, DATA_OFF, 0x10000, TEXT_SIZE, TEXT_SIZE, ELF_PF_R | ELF_PF_X);
	phdr(img, 1, 1, DATA_OFF + TEXT_SIZE, 0x11000, RO_SIZE, RO_SIZE, ELF_PF_R);
	phdr(img, 2, 1, DATA_OFF + TEXT_SIZE + RO_SIZE, 0x12000, RW_SIZE, 0x100,
	     ELF_PF_R | ELF_PF_W);
	phdr(img, 3, 4, 0, 0, 0, 0, 0); // PT_NOTE: ignored
	for (int i = DATA_OFF; i < IMAGE_SIZE; i++)
		img[i] = (uint8_t)i;
}

// elf_open on an exact-size heap copy of len bytes of img.
static int open_copy(const uint8_t *img, uint32_t len, struct elf_image *out)
{
	uint8_t *copy = malloc(len ? len : 1);
	struct elf_image e;
	int err;

	memcpy(copy, img, len);
	err = elf_open(&e, copy, len, VMIN, VMAX);
	if (err == 0 && out) {
		*out = e;
		out->buf = img; // the copy is freed below
	}
	free(copy);
	return err;
}

static void test_valid(void)
{
	uint8_t img[IMAGE_SIZE];
	struct elf_image e;
	struct elf_segment s;
	uint32_t idx = 0;

	image(img);
	CHECK_EQ(elf_open(&e, img, sizeof(img), VMIN, VMAX), 0);
	CHECK_EQ(e.entry, 0x10004);
	CHECK_EQ(elf_next_segment(&e, &idx, &s), 1);
	CHECK_EQ(s.vaddr, 0x10000);
	CHECK_EQ(s.filesz, TEXT_SIZE);
	CHECK_EQ(s.memsz, TEXT_SIZE);
	CHECK_EQ(s.flags, ELF_PF_R | ELF_PF_X);
	CHECK(s.data == img + DATA_OFF);
	CHECK_EQ(elf_next_segment(&e, &idx, &s), 1);
	CHECK_EQ(s.vaddr, 0x11000);
	CHECK_EQ(s.flags, ELF_PF_R);
	CHECK(s.data == img + DATA_OFF + TEXT_SIZE);
	CHECK_EQ(elf_next_segment(&e, &idx, &s), 1);
	CHECK_EQ(s.vaddr, 0x12000);
	CHECK_EQ(s.filesz, RW_SIZE);
	CHECK_EQ(s.memsz, 0x100);
	CHECK_EQ(s.flags, ELF_PF_R | ELF_PF_W);
	CHECK_EQ(elf_next_segment(&e, &idx, &s), 0);
	CHECK_EQ(elf_next_segment(&e, &idx, &s), 0);
	CHECK_EQ(open_copy(img, sizeof(img), NULL), 0);
	// The whole 4 GiB window.
	CHECK_EQ(elf_open(&e, img, sizeof(img), 0, 0), 0);
}

// Every prefix of the image is refused, and *img is left alone.
static void test_truncated(void)
{
	uint8_t img[IMAGE_SIZE];
	struct elf_image e = { .entry = 0xdead };

	image(img);
	for (uint32_t len = 0; len < IMAGE_SIZE; len++) {
		int err = open_copy(img, len, &e);

		CHECK(err < 0);
		if (len < 52)
			CHECK_EQ(err, ELF_E_TRUNCATED);
		else if (len < DATA_OFF)
			CHECK_EQ(err, ELF_E_PHDR);
		else
			CHECK_EQ(err, ELF_E_SEGMENT);
	}
	CHECK_EQ(e.entry, 0xdead);
}

// Sets a header field of the valid image and expects err.
static void header_case(int off, int size, uint32_t v, int err)
{
	uint8_t img[IMAGE_SIZE];

	image(img);
	if (size == 1)
		img[off] = (uint8_t)v;
	else if (size == 2)
		wr16(img + off, v);
	else
		wr32(img + off, v);
	if (open_copy(img, IMAGE_SIZE, NULL) != err) {
		check_failures++;
		printf("    header offset %d = 0x%x: got %d (%s), want %d\n", off, v,
		       open_copy(img, IMAGE_SIZE, NULL),
		       elf_strerror(open_copy(img, IMAGE_SIZE, NULL)), err);
	}
}

static void test_header(void)
{
	header_case(0, 1, 0x7e, ELF_E_MAGIC);
	header_case(1, 1, 'e', ELF_E_MAGIC);
	header_case(2, 1, 'l', ELF_E_MAGIC);
	header_case(3, 1, 'f', ELF_E_MAGIC);
	header_case(4, 1, 2, ELF_E_CLASS); // ELFCLASS64
	header_case(4, 1, 0, ELF_E_CLASS);
	header_case(5, 1, 2, ELF_E_DATA); // big-endian
	header_case(6, 1, 0, ELF_E_VERSION);
	header_case(20, 4, 2, ELF_E_VERSION);
	header_case(16, 2, 3, ELF_E_TYPE);      // ET_DYN
	header_case(16, 2, 1, ELF_E_TYPE);      // ET_REL
	header_case(18, 2, 3, ELF_E_MACHINE);   // EM_386
	header_case(18, 2, 183, ELF_E_MACHINE); // EM_AARCH64
	header_case(40, 2, 64, ELF_E_PHDR);     // e_ehsize
	header_case(42, 2, 56, ELF_E_PHDR);     // e_phentsize of ELF64
	header_case(44, 2, 0, ELF_E_PHDR);
	header_case(44, 2, 0xffff, ELF_E_PHDR); // PN_XNUM
	header_case(44, 2, ELF_PHNUM_MAX + 1, ELF_E_PHDR);
	header_case(44, 2, NPH + 2, ELF_E_PHDR); // runs past the buffer
	header_case(28, 4, IMAGE_SIZE, ELF_E_PHDR);
	header_case(28, 4, IMAGE_SIZE - 32 * NPH + 1, ELF_E_PHDR);
	header_case(28, 4, 0xffffffe0u, ELF_E_PHDR); // phoff + size wraps
	header_case(28, 4, 0xffffffffu, ELF_E_PHDR);
	header_case(24, 4, 0x11000, ELF_E_ENTRY);             // in rodata
	header_case(24, 4, 0x12000, ELF_E_ENTRY);             // in data
	header_case(24, 4, 0x10000 + TEXT_SIZE, ELF_E_ENTRY); // just past text
	header_case(24, 4, 0, ELF_E_ENTRY);
	header_case(24, 4, 0x10000 + TEXT_SIZE - 1, 0);
	header_case(24, 4, 0x10000, 0);
}

// Rewrites program header i of the valid image and expects err.
static void phdr_case(int i, uint32_t type, uint32_t off, uint32_t va, uint32_t filesz,
		      uint32_t memsz, uint32_t flags, int err, const char *what)
{
	uint8_t img[IMAGE_SIZE];
	int got;

	image(img);
	phdr(img, i, type, off, va, filesz, memsz, flags);
	got = open_copy(img, IMAGE_SIZE, NULL);
	if (got != err) {
		check_failures++;
		printf("    %s: got %d (%s), want %d (%s)\n", what, got, elf_strerror(got), err,
		       elf_strerror(err));
	}
}

static void test_segments(void)
{
	const uint32_t R = ELF_PF_R, RW = ELF_PF_R | ELF_PF_W, RX = ELF_PF_R | ELF_PF_X;
	const uint32_t ro = DATA_OFF + TEXT_SIZE;

	phdr_case(1, 1, ro, 0x11000, RO_SIZE + 1, RO_SIZE + 1, R, 0,
		  "into the next segment's bytes");
	phdr_case(2, 1, ro + RO_SIZE, 0x12000, RW_SIZE + 1, 0x100, RW, ELF_E_SEGMENT,
		  "past the end");
	phdr_case(1, 1, IMAGE_SIZE + 1, 0x11000, 0, 8, R, ELF_E_SEGMENT, "offset past the end");
	phdr_case(1, 1, 0xfffffff0u, 0x11000, 0x20, 0x20, R, ELF_E_SEGMENT,
		  "offset + filesz wraps");
	phdr_case(1, 1, 1, 0x11000, 0xffffffffu, 0xffffffffu, R, ELF_E_SEGMENT, "filesz 4 GiB - 1");
	phdr_case(1, 1, ro, 0x11000, RO_SIZE, RO_SIZE - 1, R, ELF_E_SIZE, "filesz > memsz");
	phdr_case(1, 1, ro, 0x11000, 0, 0, R, 0, "empty segment: skipped");
	phdr_case(1, 1, ro, 0xf000, RO_SIZE, RO_SIZE, R, ELF_E_RANGE, "below the window");
	phdr_case(1, 1, ro, VMAX - 4, RO_SIZE, RO_SIZE, R, ELF_E_RANGE, "across the top");
	phdr_case(1, 1, ro, VMAX - RO_SIZE, RO_SIZE, RO_SIZE, R, 0, "ends at the top");
	phdr_case(1, 1, ro, VMAX, RO_SIZE, RO_SIZE, R, ELF_E_RANGE, "at the top");
	phdr_case(1, 1, ro, 0xfffff000u, RO_SIZE, 0x2000, R, ELF_E_RANGE, "vaddr + memsz wraps");
	phdr_case(1, 1, ro, 0x20000, RO_SIZE, 0xffffffffu, R, ELF_E_RANGE, "memsz 4 GiB - 1");
	phdr_case(1, 1, ro, 0x10000 + TEXT_SIZE, RO_SIZE, RO_SIZE, R, ELF_E_OVERLAP,
		  "shares text's page");
	phdr_case(1, 1, ro, 0x10ff8, RO_SIZE, RO_SIZE, R, ELF_E_OVERLAP, "ends in text's page");
	phdr_case(1, 1, ro, 0x12ff0, RO_SIZE, RO_SIZE, R, ELF_E_OVERLAP, "inside data's page");
	phdr_case(1, 1, ro, 0x11ff8, RO_SIZE, RO_SIZE + 1, R, ELF_E_OVERLAP, "one byte into data");
	phdr_case(1, 1, ro, 0x11ff8, RO_SIZE, RO_SIZE, R, 0, "last bytes of its own page");
	phdr_case(2, 1, ro + RO_SIZE, 0x12000, RW_SIZE, 0x100, RW | ELF_PF_X, ELF_E_FLAGS, "W+X");
	phdr_case(3, 2, 0, 0, 0, 0, 0, ELF_E_DYNAMIC, "PT_DYNAMIC");
	phdr_case(3, 3, 0, 0, 0, 0, 0, ELF_E_DYNAMIC, "PT_INTERP");
	phdr_case(3, 0x70000001u, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0, 0,
		  "PT_ARM_EXIDX garbage: ignored");
	phdr_case(0, 1, DATA_OFF, 0x10000, TEXT_SIZE, TEXT_SIZE, R, ELF_E_ENTRY, "text not X");
	phdr_case(0, 6, DATA_OFF, 0x10000, TEXT_SIZE, TEXT_SIZE, RX, ELF_E_ENTRY,
		  "text not PT_LOAD");
}

static void test_noload(void)
{
	uint8_t img[IMAGE_SIZE];

	image(img);
	for (int i = 0; i < NPH; i++)
		phdr(img, i, 0, 0, 0, 0, 0, 0);
	CHECK_EQ(open_copy(img, IMAGE_SIZE, NULL), ELF_E_NOLOAD);
	image(img);
	for (int i = 0; i < NPH; i++) // PT_LOAD, but no memory
		phdr(img, i, 1, 0, 0x10000, 0, 0, ELF_PF_R | ELF_PF_X);
	CHECK_EQ(open_copy(img, IMAGE_SIZE, NULL), ELF_E_NOLOAD);
}

// Random corruptions never make the reader read out of bounds, and what it
// accepts holds its promises.
static void test_fuzz(void)
{
	uint8_t img[IMAGE_SIZE];
	unsigned seed = 12345;

	for (int round = 0; round < 20000; round++) {
		struct elf_image e;
		struct elf_segment s;
		uint32_t idx = 0;

		image(img);
		for (int n = 1 + round % 4; n > 0; n--) {
			seed = seed * 1103515245u + 12345u;
			img[(seed >> 8) % IMAGE_SIZE] ^= (uint8_t)(1u << ((seed >> 4) % 8));
		}
		uint8_t *copy = malloc(IMAGE_SIZE);
		memcpy(copy, img, IMAGE_SIZE);
		if (elf_open(&e, copy, IMAGE_SIZE, VMIN, VMAX) == 0) {
			while (elf_next_segment(&e, &idx, &s)) {
				const uint8_t *d = s.data;

				CHECK(d >= copy && d + s.filesz <= copy + IMAGE_SIZE);
				CHECK(s.filesz <= s.memsz);
				CHECK(s.vaddr >= VMIN && (uint64_t)s.vaddr + s.memsz <= VMAX);
				CHECK(!((s.flags & ELF_PF_W) && (s.flags & ELF_PF_X)));
			}
		}
		free(copy);
	}
}

static void test_strerror(void)
{
	CHECK(strcmp(elf_strerror(0), "no error") == 0);
	CHECK(strcmp(elf_strerror(ELF_E_ENTRY), "entry point not in an executable segment") == 0);
	CHECK(strcmp(elf_strerror(ELF_E_ENTRY - 1), "unknown error") == 0);
	CHECK(strcmp(elf_strerror(1), "unknown error") == 0);
}

// A program linked by servers/user.ld: accepted in the user window, with
// three page-disjoint segments R+X, R, R+W.
static void test_real(void)
{
	FILE *f;
	long len;
	uint8_t *buf;
	struct elf_image e;
	struct elf_segment s;
	uint32_t idx = 0, n = 0, flags[3] = { 0 };
	long used = 0; // end of the last segment's file bytes

	if (!real_elf)
		return;
	f = fopen(real_elf, "rb");
	CHECK(f != NULL);
	if (!f)
		return;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = malloc((size_t)len);
	CHECK(fread(buf, 1, (size_t)len, f) == (size_t)len);
	fclose(f);
	CHECK_EQ(elf_open(&e, buf, (uint32_t)len, VMIN, 0x10000000u), 0);
	CHECK(e.entry >= VMIN);
	while (elf_next_segment(&e, &idx, &s)) {
		long end = (const uint8_t *)s.data - buf + (long)s.filesz;

		if (n < 3)
			flags[n] = s.flags;
		n++;
		used = end > used ? end : used;
	}
	CHECK_EQ(n, 3);
	CHECK_EQ(flags[0], ELF_PF_R | ELF_PF_X);
	CHECK_EQ(flags[1], ELF_PF_R);
	CHECK_EQ(flags[2], ELF_PF_R | ELF_PF_W);
	CHECK(used > 0 && used <= len);
	for (long cut = 0; cut < used;
	     cut += 1 + cut / 16) // prefixes short of a segment are refused
		CHECK(elf_open(&e, buf, (uint32_t)cut, VMIN, 0x10000000u) < 0);
	CHECK(elf_open(&e, buf, (uint32_t)used - 1, VMIN, 0x10000000u) < 0);
	free(buf);
}

int main(int argc, char **argv)
{
	static const struct check_case cases[] = {
		{ test_valid, "valid image, segments and flags" },
		{ test_truncated, "every truncation refused" },
		{ test_header, "malformed headers" },
		{ test_segments, "malformed segments, windows, overlaps, wrap-around" },
		{ test_noload, "no loadable segment" },
		{ test_fuzz, "fuzzed images stay in bounds" },
		{ test_strerror, "strerror" },
		{ test_real, "a program built by the cross compiler" },
		{ 0 },
	};

	real_elf = argc > 1 ? argv[1] : NULL;
	return check_run("elf", cases);
}
