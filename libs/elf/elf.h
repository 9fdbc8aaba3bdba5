// Reader of static ELF32 little-endian ARM executables (ET_EXEC, EM_ARM),
// the format of the user programs in the initrd. elf_open() checks the whole
// file against its buffer before anything is used: header, program header
// table, and every PT_LOAD segment (inside the file, filesz <= memsz, inside
// the caller's address window, never writable and executable, no two
// sharing a page). Afterwards nothing can fail. Builds for user space and
// for host tests.
#pragma once

#include <stdint.h>

enum elf_err {
	ELF_E_TRUNCATED = -1, // the buffer is shorter than the ELF header
	ELF_E_MAGIC = -2,     // no \x7fELF
	ELF_E_CLASS = -3,     // not ELFCLASS32
	ELF_E_DATA = -4,      // not little-endian
	ELF_E_VERSION = -5,   // EI_VERSION or e_version is not 1
	ELF_E_TYPE = -6,      // not ET_EXEC
	ELF_E_MACHINE = -7,   // not EM_ARM
	ELF_E_PHDR = -8,     // bad e_ehsize/e_phentsize/e_phnum, or the table is outside the buffer
	ELF_E_SEGMENT = -9,  // a segment's file bytes are outside the buffer
	ELF_E_SIZE = -10,    // a segment's filesz is larger than its memsz
	ELF_E_RANGE = -11,   // a segment is outside the address window (or wraps)
	ELF_E_OVERLAP = -12, // two segments share a page
	ELF_E_FLAGS = -13,   // a segment is both writable and executable
	ELF_E_DYNAMIC = -14, // PT_DYNAMIC or PT_INTERP: not a static executable
	ELF_E_NOLOAD = -15,  // no PT_LOAD segment with memory
	ELF_E_ENTRY = -16,   // the entry point is not in an executable segment
};

#define ELF_PHNUM_MAX 64
#define ELF_PAGE_SIZE 4096u

// Segment permissions (the ELF p_flags bits).
#define ELF_PF_X (1u << 0)
#define ELF_PF_W (1u << 1)
#define ELF_PF_R (1u << 2)

// An executable that passed elf_open().
struct elf_image {
	const uint8_t *buf;
	uint32_t len;
	uint32_t entry;
	uint32_t phoff;
	uint32_t phnum;
};

// One PT_LOAD segment: memsz bytes at vaddr, of which the first filesz come
// from data (inside the buffer) and the rest are zero.
struct elf_segment {
	uint32_t vaddr;
	uint32_t memsz;
	uint32_t filesz;
	const void *data;
	uint32_t flags; // ELF_PF_*
};

// Checks the executable buf[0..len) and fills *img. Every PT_LOAD segment
// with memory must lie in [vmin, vmax) (vmax == 0 means 4 GiB). Returns 0
// or a negative elf_err; *img is written only on success. Never reads
// outside the buffer.
int elf_open(struct elf_image *img, const void *buf, uint32_t len, uint32_t vmin, uint32_t vmax);

// Iterates over the PT_LOAD segments of memsz > 0: start with *index = 0.
// Returns 1 with the next in *seg, 0 after the last.
int elf_next_segment(const struct elf_image *img, uint32_t *index, struct elf_segment *seg);

// A static description of an elf_err; "no error" for 0.
const char *elf_strerror(int err);
