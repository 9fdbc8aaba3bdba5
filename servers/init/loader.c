// The program loader: NAME.elf from the initrd into a new address space.
// The image's pages and stack come from one chunk of the pool, filled
// through a temporary mapping in init's own space, then mapped into the
// child segment by segment with the segment's permissions.
#include <stdio.h>
#include <string.h>

#include "cpio/cpio.h"
#include "elf/elf.h"
#include "abi/memsrv.h"
#include "init.h"

static const void *initrd;
static uint32_t initrd_len;
static uint32_t init_ep, init_console, init_irqctl, child_prio;
static uint32_t memsrv_ep; // init's capability to memsrv's endpoint, or 0

void loader_init(const void *archive, uint32_t len, uint32_t endpoint, uint32_t console,
		 uint32_t irqctl, uint32_t prio)
{
	initrd = archive;
	initrd_len = len;
	init_ep = endpoint;
	init_console = console;
	init_irqctl = irqctl;
	child_prio = prio;
}

void loader_set_memsrv(uint32_t endpoint)
{
	memsrv_ep = endpoint;
}

struct prog_limits loader_limits(const char *name)
{
	// memsrv's windows are kernel memory (a table each); its bookkeeping is
	// its RAM.
	if (!strcmp(name, "memsrv"))
		return (struct prog_limits){ 8192, 64u << 8, 0, 0, 0 };
	// The in-guest tests make many objects and map much; the benchmarks
	// make many objects, and run as up to 17 copies (servers/bench). The
	// memory server's suite and the benchmarks take all of HIGHMEM. bench
	// trusts its counters (its copies serve it in other spaces), so it
	// alone may use the PMU.
	if (!strcmp(name, "tests"))
		return (struct prog_limits){ 2048, 32u << 8, 0, MS_DEFAULT_MAPS, 0 };
	if (!strcmp(name, "bench"))
		return (struct prog_limits){ 2048, 8u << 8, MS_UNLIMITED, MS_UNLIMITED, 1 };
	if (!strcmp(name, "mstests"))
		return (struct prog_limits){ 256, 8u << 8, MS_UNLIMITED, MS_UNLIMITED, 0 };
	return (struct prog_limits){ 256, 8u << 8, 0, MS_DEFAULT_MAPS, 0 }; // 8 MiB
}

static uint32_t seg_first(const struct elf_segment *s)
{
	return s->vaddr / PAGE_SIZE;
}

static uint32_t seg_pages(const struct elf_segment *s)
{
	return (s->vaddr + s->memsz + PAGE_SIZE - 1) / PAGE_SIZE - seg_first(s);
}

static uint32_t seg_prot(const struct elf_segment *s)
{
	return (s->flags & ELF_PF_R ? PROT_READ : 0) | (s->flags & ELF_PF_W ? PROT_WRITE : 0) |
	       (s->flags & ELF_PF_X ? PROT_EXEC : 0);
}

int loader_has(const char *name)
{
	char file[PROC_NAME_MAX + 4];
	struct cpio_file f;

	snprintf(file, sizeof(file), "%s.elf", name);
	return initrd && cpio_find(initrd, initrd_len, file, &f) == 0;
}

// Finds and checks NAME.elf. Returns E_OK or E_INVAL (reported).
static int image_find(const char *name, struct elf_image *img)
{
	char file[PROC_NAME_MAX + 4];
	struct cpio_file f;
	int err;

	snprintf(file, sizeof(file), "%s.elf", name);
	err = cpio_find(initrd, initrd_len, file, &f);
	if (err) {
		printf("init: %s: %s\n", file, cpio_strerror(err));
		return E_INVAL;
	}
	err = elf_open(img, f.data, f.size, USER_TEXT_BASE, USER_HEAP_BASE);
	if (err) {
		printf("init: %s: %s\n", file, elf_strerror(err));
		return E_INVAL;
	}
	return E_OK;
}

// Fills the chunk: each segment's pages in turn (file bytes, zeros after),
// then zeroed stack pages. Returns E_OK or the error of SPACE_MAP.
static int image_fill(const struct elf_image *img, const struct chunk *c)
{
	uint8_t *va = (uint8_t *)INIT_SCRATCH_VA;
	struct elf_segment s;
	uint32_t idx = 0, page = 0;
	int err;

	if (c->pages > INIT_SCRATCH_MAX / PAGE_SIZE)
		return E_NOMEM;
	err = space_map(user_env.space, c->slot, 0, INIT_SCRATCH_VA, c->pages,
			PROT_READ | PROT_WRITE);
	if (err)
		return err;
	memset(va, 0, c->pages * PAGE_SIZE);
	while (elf_next_segment(img, &idx, &s)) {
		memcpy(va + page * PAGE_SIZE + s.vaddr % PAGE_SIZE, s.data, s.filesz);
		page += seg_pages(&s);
	}
	return space_unmap(user_env.space, INIT_SCRATCH_VA, c->pages);
}

// Maps the filled chunk into the child: segments, then the stack.
static int image_map(const struct elf_image *img, const struct chunk *c, uint32_t space)
{
	struct elf_segment s;
	uint32_t idx = 0, page = 0;
	int err;

	while (elf_next_segment(img, &idx, &s)) {
		err = space_map(space, c->slot, page, seg_first(&s) * PAGE_SIZE, seg_pages(&s),
				seg_prot(&s));
		if (err)
			return err;
		page += seg_pages(&s);
	}
	return space_map(space, c->slot, page, USER_STACK_TOP - USER_STACK_PAGES * PAGE_SIZE,
			 USER_STACK_PAGES, PROT_READ | PROT_WRITE);
}

// Copies a capability of init's table into the child's.
static int mint(uint32_t space, uint32_t dest, uint32_t src, uint32_t rights, uint32_t badge)
{
	return space_mint(space, dest, src, rights, badge);
}

// The child's table (libs/abi/init.h).
static int caps_give(const struct proc *p, uint32_t gift)
{
	int err;

	if ((err = mint(p->space, SLOT_SPACE, p->space, RIGHTS_ALL, 0)) ||
	    (err = mint(p->space, SLOT_THREAD, p->thread, RIGHTS_ALL, 0)) ||
	    (err = mint(p->space, SLOT_CONSOLE, init_console, RIGHT_READ | RIGHT_WRITE, 0)) ||
	    (err = mint(p->space, SLOT_INIT, init_ep, RIGHT_WRITE | RIGHT_GRANT, p->id)))
		return err;
	// Its memory: a range of its own over the chunk, charged to it, which dies
	// with it and takes every mapping made through it along (in any space
	// it was passed to). Map rights only: the chunk stays whole and alive.
	if ((err = range_derive(p->memory.slot, p->space, SLOT_MEMORY, RIGHT_READ | RIGHT_WRITE)))
		return err;
	if (!p->parent && init_irqctl &&
	    (err = mint(p->space, SLOT_IRQCTL, init_irqctl, RIGHTS_ALL, 0)))
		return err;
	if (memsrv_ep &&
	    ((err = memsrv_limit(p->id, p->ms_pages, p->ms_maps)) ||
	     (err = mint(p->space, SLOT_MEMSRV, memsrv_ep, RIGHT_WRITE | RIGHT_GRANT, p->id))))
		return err;
	for (uint32_t i = 0; i < p->nranges; i++)
		if ((err = mint(p->space, MEMSRV_RANGE_FIRST + i, p->ranges[i].slot, RIGHTS_ALL,
				0)))
			return err;
	return gift ? mint(p->space, SLOT_GIFT, gift, RIGHTS_ALL, 0) : E_OK;
}

// Lets the program use the performance monitors when init grants it them.
static int pmu_grant(const struct proc *p)
{
	return p->pmu ? console_pmu(init_console, p->space, 1) : E_OK;
}

// memsrv runs above every other program, so that it waits in receive
// whenever a client calls (a client pinned by kmap_atomic may not wait for
// it: its IPC would fail E_BUSY) and no client can starve it.
static uint32_t program_prio(const struct proc *p)
{
	return strcmp(p->name, "memsrv") == 0 ? child_prio : child_prio - 1;
}

// Steps after the space exists; any failure is undone by loader_destroy.
static int start(struct proc *p, const struct elf_image *img, uint32_t arg, uint32_t gift)
{
	int err;

	if ((err = image_fill(img, &p->image)) || (err = image_map(img, &p->image, p->space)) ||
	    (err = space_create(p->space, CAP_THREAD, 0, &p->thread)) ||
	    (err = caps_give(p, gift)) || (err = pmu_grant(p)))
		return err;
	if ((err = slot_mint(user_env.space, init_ep, RIGHT_WRITE | RIGHT_GRANT, p->id, &p->fault)))
		return err;
	if ((err = thread_configure(p->thread, p->space, USER_IPCBUF_VA, p->fault,
				    program_prio(p))) ||
	    (err = thread_write_regs(p->thread, img->entry, USER_STACK_TOP, arg, 0)))
		return err;
	return thread_resume(p->thread);
}

int loader_start(struct proc *p, uint32_t arg, uint32_t gift)
{
	struct prog_limits lim = loader_limits(p->name);
	struct elf_image img;
	struct elf_segment s;
	uint32_t idx = 0, pages = USER_STACK_PAGES;
	int err;

	if ((err = image_find(p->name, &img)))
		return err;
	while (elf_next_segment(&img, &idx, &s))
		pages += seg_pages(&s);
	if ((err = pool_take(pages, &p->image)))
		return err;
	if ((err = pool_take(lim.memory_pages, &p->memory))) {
		pool_give(&p->image);
		return err;
	}
	err = space_create(user_env.space, CAP_SPACE, lim.quota_pages, &p->space);
	if (err == E_OK)
		err = start(p, &img, arg, gift);
	if (err)
		loader_destroy(p);
	return err;
}

// Destroys the object in slot (if any) and empties the slot.
static void slot_destroy(uint32_t *slot, int destroy)
{
	if (!*slot)
		return;
	if (destroy)
		inv_destroy(*slot);
	slot_delete(user_env.space, *slot);
	*slot = 0;
}

// The chunks go back to the pool only once nothing can map them: the
// space's death kills everything charged to it, its SLOT_MEMORY range
// with every mapping made through it included, before INV_DESTROY returns.
void loader_destroy(struct proc *p)
{
	slot_destroy(&p->thread, 1);
	slot_destroy(&p->space, 1);
	slot_destroy(&p->fault, 0);
	pool_give(&p->image);
	pool_give(&p->memory);
}
