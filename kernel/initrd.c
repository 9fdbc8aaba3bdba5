// The initrd: a cpio (newc) archive of the user-space images, found through
// /chosen. At boot the kernel lists it; later stages load programs from it.
#include "initrd.h"

#include "cpio/cpio.h"
#include "memory.h"
#include "mmu.h"
#include "printk.h"

static const void *initrd;
static uint32_t initrd_bytes;
static uint64_t initrd_pa;

static int in_lowmem(uint64_t base, uint64_t size)
{
	const struct range_set *low = memory_lowmem();

	for (unsigned i = 0; i < low->n; i++)
		if (base >= low->r[i].base && base + size <= low->r[i].base + low->r[i].size)
			return 1;
	return 0;
}

void initrd_init(const struct machine *m)
{
	uint64_t size = m->initrd_end - m->initrd_start;
	struct cpio_file f;
	uint32_t pos = 0;
	unsigned files = 0;
	int err;

	if (m->initrd_end <= m->initrd_start) {
		printk("initrd: none\n");
		return;
	}
	if (!in_lowmem(m->initrd_start, size)) { // the kernel reads LOWMEM only
		printk("initrd: 0x%llx-0x%llx is not in LOWMEM, ignored\n", m->initrd_start,
		       m->initrd_end - 1);
		return;
	}
	initrd = (const void *)phys_to_virt(m->initrd_start);
	initrd_pa = m->initrd_start;
	initrd_bytes = (uint32_t)size;
	while ((err = cpio_next(initrd, initrd_bytes, &pos, &f)) > 0) {
		printk("initrd: %.*s %u bytes\n", (int)f.namelen, f.name, f.size);
		files++;
	}
	if (err < 0) {
		printk("initrd: malformed archive after %u file(s): %s\n", files,
		       cpio_strerror(err));
		initrd = 0;
		return;
	}
	printk("initrd: %u file(s), %u bytes at 0x%llx\n", files, initrd_bytes, m->initrd_start);
}

const void *initrd_data(void)
{
	return initrd;
}

uint32_t initrd_size(void)
{
	return initrd_bytes;
}

uint64_t initrd_phys(void)
{
	return initrd_pa;
}
