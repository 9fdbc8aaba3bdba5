// libFuzzer harness of the ELF checks: elf_open() on any bytes with the
// windows init and the kernel load programs into, and for an accepted
// image every segment checked against what elf.h promises (file bytes
// inside the buffer, filesz <= memsz, inside the window, never W+X, no two
// on one page, the entry executable). The input sits in an exact-size heap
// buffer, so AddressSanitizer sees any read past its end.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "elf/elf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PAGE(a) ((uint64_t)(a) / ELF_PAGE_SIZE)

static void check(const struct elf_image *img, const uint8_t *buf, uint32_t len, uint32_t vmin,
		  uint32_t vmax)
{
	uint64_t top = vmax ? vmax : 1ull << 32;
	struct elf_segment s, seen[ELF_PHNUM_MAX];
	uint32_t i = 0, n = 0;
	int entry_ok = 0;

	while (elf_next_segment(img, &i, &s) > 0) {
		const uint8_t *d = s.data;

		if (n == ELF_PHNUM_MAX || !s.memsz || s.filesz > s.memsz || s.vaddr < vmin ||
		    (uint64_t)s.vaddr + s.memsz > top)
			abort();
		if (s.filesz && (d < buf || d > buf + len || s.filesz > (uint32_t)(buf + len - d)))
			abort();
		if ((s.flags & ELF_PF_W) && (s.flags & ELF_PF_X))
			abort();
		for (uint32_t k = 0; k < n; k++)
			if (PAGE(s.vaddr) <= PAGE((uint64_t)seen[k].vaddr + seen[k].memsz - 1) &&
			    PAGE(seen[k].vaddr) <= PAGE((uint64_t)s.vaddr + s.memsz - 1))
				abort();
		if ((s.flags & ELF_PF_X) && img->entry >= s.vaddr && img->entry - s.vaddr < s.memsz)
			entry_ok = 1;
		seen[n++] = s;
	}
	if (!n || !entry_ok)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t windows[][2] = {
		{ 0x10000u, 0x10000000u }, // init's loader
		{ 0x1000u, 0xc0000000u },  // the kernel's (VMSPLIT=3G)
		{ 0, 0 },                  // all of the 4 GiB
	};
	if (size > UINT32_MAX)
		return 0;
	uint32_t len = (uint32_t)size;
	uint8_t *buf = malloc(len ? len : 1);

	memcpy(buf, data, len);
	for (unsigned w = 0; w < sizeof windows / sizeof windows[0]; w++) {
		struct elf_image img;
		int r = elf_open(&img, buf, len, windows[w][0], windows[w][1]);

		elf_strerror(r);
		if (r == 0)
			check(&img, buf, len, windows[w][0], windows[w][1]);
	}
	free(buf);
	return 0;
}
