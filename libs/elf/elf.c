// Static ELF32 ARM executables: every field is read byte by byte (no
// alignment or host byte-order assumptions) and every sum is done in 64 bits,
// so no check can wrap.
#include "elf.h"

#define EHDR_SIZE 52
#define PHDR_SIZE 32
#define ET_EXEC 2
#define EM_ARM 40
#define PT_LOAD 1
#define PT_DYNAMIC 2
#define PT_INTERP 3

struct phdr {
	uint32_t type, offset, vaddr, filesz, memsz, flags;
};

static uint32_t rd16(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t rd32(const uint8_t *p)
{
	return rd16(p) | rd16(p + 2) << 16;
}

// Program header i of a table already known to lie inside the buffer.
static struct phdr phdr_read(const uint8_t *buf, uint32_t phoff, uint32_t i)
{
	const uint8_t *p = buf + phoff + i * PHDR_SIZE;

	return (struct phdr){
		.type = rd32(p),
		.offset = rd32(p + 4),
		.vaddr = rd32(p + 8),
		.filesz = rd32(p + 16),
		.memsz = rd32(p + 20),
		.flags = rd32(p + 24),
	};
}

static int ehdr_check(const uint8_t *b, uint32_t len)
{
	if (len < EHDR_SIZE)
		return ELF_E_TRUNCATED;
	if (b[0] != 0x7f || b[1] != 'E' || b[2] != 'L' || b[3] != 'F')
		return ELF_E_MAGIC;
	if (b[4] != 1) // ELFCLASS32
		return ELF_E_CLASS;
	if (b[5] != 1) // ELFDATA2LSB
		return ELF_E_DATA;
	if (b[6] != 1 || rd32(b + 20) != 1)
		return ELF_E_VERSION;
	if (rd16(b + 16) != ET_EXEC)
		return ELF_E_TYPE;
	if (rd16(b + 18) != EM_ARM)
		return ELF_E_MACHINE;
	uint32_t phoff = rd32(b + 28), phnum = rd16(b + 44);
	if (rd16(b + 40) != EHDR_SIZE || rd16(b + 42) != PHDR_SIZE || phnum == 0 ||
	    phnum > ELF_PHNUM_MAX || (uint64_t)phoff + (uint64_t)phnum * PHDR_SIZE > len)
		return ELF_E_PHDR;
	return 0;
}

static int segment_check(const struct phdr *p, uint32_t len, uint32_t vmin, uint64_t vmax)
{
	if ((uint64_t)p->offset + p->filesz > len)
		return ELF_E_SEGMENT;
	if (p->filesz > p->memsz)
		return ELF_E_SIZE;
	if (p->vaddr < vmin || (uint64_t)p->vaddr + p->memsz > vmax)
		return ELF_E_RANGE;
	if ((p->flags & ELF_PF_W) && (p->flags & ELF_PF_X))
		return ELF_E_FLAGS;
	return 0;
}

// The pages [first, end) a segment touches, as page numbers.
static void segment_pages(const struct phdr *p, uint64_t *first, uint64_t *end)
{
	*first = p->vaddr / ELF_PAGE_SIZE;
	*end = ((uint64_t)p->vaddr + p->memsz + ELF_PAGE_SIZE - 1) / ELF_PAGE_SIZE;
}

int elf_open(struct elf_image *img, const void *buf, uint32_t len, uint32_t vmin, uint32_t vmax)
{
	const uint8_t *b = buf;
	uint64_t top = vmax ? vmax : (uint64_t)1 << 32;
	int err = ehdr_check(b, len), loads = 0, entry_ok = 0;

	if (err)
		return err;
	uint32_t phoff = rd32(b + 28), phnum = rd16(b + 44), entry = rd32(b + 24);
	for (uint32_t i = 0; i < phnum; i++) {
		struct phdr p = phdr_read(b, phoff, i);
		uint64_t first, end;

		if (p.type == PT_DYNAMIC || p.type == PT_INTERP)
			return ELF_E_DYNAMIC;
		if (p.type != PT_LOAD || p.memsz == 0)
			continue;
		if ((err = segment_check(&p, len, vmin, top)))
			return err;
		segment_pages(&p, &first, &end);
		for (uint32_t j = 0; j < i; j++) {
			struct phdr q = phdr_read(b, phoff, j);
			uint64_t qfirst, qend;

			if (q.type != PT_LOAD || q.memsz == 0)
				continue;
			segment_pages(&q, &qfirst, &qend);
			if (first < qend && qfirst < end)
				return ELF_E_OVERLAP;
		}
		loads++;
		if ((p.flags & ELF_PF_X) && entry >= p.vaddr && entry - p.vaddr < p.memsz)
			entry_ok = 1;
	}
	if (!loads)
		return ELF_E_NOLOAD;
	if (!entry_ok)
		return ELF_E_ENTRY;
	*img = (struct elf_image){
		.buf = b, .len = len, .entry = entry, .phoff = phoff, .phnum = phnum
	};
	return 0;
}

int elf_next_segment(const struct elf_image *img, uint32_t *index, struct elf_segment *seg)
{
	while (*index < img->phnum) {
		struct phdr p = phdr_read(img->buf, img->phoff, (*index)++);

		if (p.type != PT_LOAD || p.memsz == 0)
			continue;
		*seg = (struct elf_segment){
			.vaddr = p.vaddr,
			.memsz = p.memsz,
			.filesz = p.filesz,
			.data = img->buf + p.offset,
			.flags = p.flags & (ELF_PF_R | ELF_PF_W | ELF_PF_X),
		};
		return 1;
	}
	return 0;
}

const char *elf_strerror(int err)
{
	static const char *const msgs[] = {
		"no error",
		"truncated header",
		"bad magic",
		"not ELFCLASS32",
		"not little-endian",
		"bad version",
		"not ET_EXEC",
		"not EM_ARM",
		"bad program header table",
		"segment outside the file",
		"segment filesz > memsz",
		"segment outside the address window",
		"segments share a page",
		"segment writable and executable",
		"not static (PT_DYNAMIC/PT_INTERP)",
		"no loadable segment",
		"entry point not in an executable segment",
	};
	return err <= 0 && -err < (int)(sizeof(msgs) / sizeof(msgs[0])) ? msgs[-err]
									: "unknown error";
}
