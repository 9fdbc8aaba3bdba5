// Starts user space: builds init's address space from init.elf in the
// initrd (its pages are LOWMEM frames charged to init's quota, the only
// program the kernel loads), hands it capabilities to everything it may
// give out, and makes its first thread ready.
#include "userboot.h"

#include <string.h>

#include "cpio/cpio.h"
#include "elf/elf.h"
#include "initrd.h"
#include "memory.h"
#include "mmu.h"
#include "objects.h"
#include "printk.h"
#include "sched.h"
#include "vspace.h"

#define INIT_NAME "init.elf"
#define KERNEL_RESERVE_PAGES 256 // LOWMEM init's quota leaves to the kernel

static unsigned elf_prot(uint32_t flags)
{
	return (flags & ELF_PF_R ? PROT_READ : 0) | (flags & ELF_PF_W ? PROT_WRITE : 0) |
	       (flags & ELF_PF_X ? PROT_EXEC : 0);
}

// Maps a fresh zeroed LOWMEM page at va in s, owned by the mapping.
static void *map_new_page(struct space *s, uint32_t va, unsigned prot)
{
	uint64_t pa;

	if (quota_charge(s, 1))
		return 0;
	pa = frame_alloc();
	if (!pa || vspace_map_frame(s, va, pa, prot, MAP_KFRAME)) {
		if (pa)
			frame_free(pa);
		quota_release(s, 1);
		return 0;
	}
	return (void *)phys_to_virt(pa);
}

static int load_segments(struct space *s, const struct elf_image *img)
{
	struct elf_segment seg;
	uint32_t i = 0;

	while (elf_next_segment(img, &i, &seg) > 0) {
		uint32_t start = seg.vaddr & ~(PAGE_SIZE - 1), end = seg.vaddr + seg.memsz;
		for (uint32_t va = start; va < end; va += PAGE_SIZE) {
			uint8_t *page = map_new_page(s, va, elf_prot(seg.flags));
			if (!page)
				return E_NOMEM;
			// Bytes of the segment's file image that fall in this page.
			for (uint32_t a = va < seg.vaddr ? seg.vaddr : va;
			     a < va + PAGE_SIZE && a < seg.vaddr + seg.filesz; a++)
				page[a - va] = ((const uint8_t *)seg.data)[a - seg.vaddr];
		}
	}
	return E_OK;
}

static uint32_t next_slot = 1;

static uint32_t give(struct space *s, struct kobj *o, uint8_t rights)
{
	cap_set(&s->caps[next_slot], o, rights, 0);
	return next_slot++;
}

// Gives init a CAP_RANGE over [base, base + size) and lists it in bootinfo.
// HIGHMEM and the pool are cut to whole pages. The initrd is listed with its
// exact bytes; its capability covers the pages that hold them (from base
// rounded down), read-only: its edges share pages with other data.
static void add_range(struct space *s, struct bootinfo *bi, uint64_t base, uint64_t size,
		      uint32_t flags)
{
	uint64_t first = (base + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);
	uint64_t end = (base + size) & ~(uint64_t)(PAGE_SIZE - 1);
	struct prange *r;

	if (flags & BI_RANGE_INITRD) {
		first = base & ~(uint64_t)(PAGE_SIZE - 1);
		end = (base + size + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);
	} else {
		base = first;
		size = end > first ? end - first : 0;
	}
	if (bi->nranges == BOOTINFO_RANGES_MAX || end <= first)
		return;
	r = range_create(first, (uint32_t)((end - first) >> 12), 0);
	if (!r)
		panic("userboot: no LOWMEM for a range object");
	bi->ranges[bi->nranges++] = (struct bootinfo_range){
		base, size, give(s, &r->hdr, flags & BI_RANGE_INITRD ? RIGHT_READ : RIGHTS_ALL),
		flags
	};
}

int userboot_start(const struct machine *m)
{
	struct cpio_file f;
	struct elf_image img;
	struct space *s;
	struct thread *t;
	struct bootinfo *bi;
	const struct range_set *high = memory_highmem();
	const struct range *pool = memory_user_pool();
	uint32_t free = frame_free_count();
	int err;

	if (!initrd_data() || cpio_find(initrd_data(), initrd_size(), INIT_NAME, &f)) {
		printk("hmk: no %s in the initrd: no user space\n", INIT_NAME);
		return E_INVAL;
	}
	err = elf_open(&img, f.data, f.size, USER_BASE, USER_TOP);
	if (err) {
		printk("hmk: %s refused: %s\n", INIT_NAME, elf_strerror(err));
		return E_INVAL;
	}
	if (free < 2 * KERNEL_RESERVE_PAGES)
		panic("userboot: %u free pages is too little to start init", free);
	s = space_create(0, free - KERNEL_RESERVE_PAGES, &err);
	t = s ? thread_create(s) : 0;
	if (!t || load_segments(s, &img))
		panic("userboot: no LOWMEM for init's space");
	for (uint32_t i = 1; i <= INIT_STACK_PAGES; i++)
		if (!map_new_page(s, INIT_STACK_TOP - i * PAGE_SIZE, PROT_READ | PROT_WRITE))
			panic("userboot: no LOWMEM for init's stack");
	bi = map_new_page(s, BOOTINFO_VA, PROT_READ);
	if (!bi || thread_configure(t, s, INIT_IPCBUF_VA, 0, 0, PRIO_MAX))
		panic("userboot: no LOWMEM for init's boot information");

	bi->magic = BOOTINFO_MAGIC;
	bi->space_slot = give(s, &s->hdr, RIGHTS_ALL);
	bi->thread_slot = give(s, &t->hdr, RIGHTS_ALL);
	bi->console_slot = give(s, &console_object, RIGHTS_ALL);
	bi->irqctl_slot = give(s, &irqctl_object, RIGHTS_ALL);
	bi->initrd_range = ~0u;
	for (unsigned i = 0; i < high->n; i++)
		add_range(s, bi, high->r[i].base, high->r[i].size, BI_RANGE_HIGHMEM);
	if (pool)
		add_range(s, bi, pool->base, pool->size, 0);
	bi->initrd_range = bi->nranges;
	add_range(s, bi, initrd_phys(), initrd_size(), BI_RANGE_INITRD);
	bi->ncpus = m->ncpus;
	for (unsigned i = 0; i < sizeof(bi->cmdline) - 1 && m->bootargs[i]; i++)
		bi->cmdline[i] = m->bootargs[i];
	bi->first_free_slot = next_slot;

	t->ctx.pc = img.entry;
	t->ctx.sp = INIT_STACK_TOP;
	regs_set_arg(&t->ctx, 0, BOOTINFO_VA);
	sched_wake(t);
	printk("hmk: starting init (%u bytes, %u pages of quota)\n", f.size, s->quota);
	return E_OK;
}
