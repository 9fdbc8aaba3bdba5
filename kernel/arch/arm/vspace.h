// Address spaces, the arch side: the LPAE tables of a space's user half
// (walked through TTBR0), its ASID, and the level-3 tables windows lend to
// spaces. Generic code (object/space.c, object/window.c, the switch path in
// sched.h) says what changes; this says how: it alone writes descriptors,
// walks tables and (through tlb.h) maintains the TLB. The fields root,
// ttbr0, on[].ttbr, on[].view and asid_gen of struct space are this interface's to
// read and write. Everything here runs with the kernel locked.
#pragma once

#include <stdint.h>

#include "abi/abi.h"
#include "cp15.h"
#include "cpu.h"
#include "memlayout.h"
#include "object.h"
#include "tlb.h"

// The user half is 1 GiB with VMSPLIT=1G: TTBR0 then walks from level 2,
// and the root is a page of its own (VSPACE_ROOT_PAGES more to charge);
// otherwise the level-1 root (4 entries) sits in the space object's page
// at VSPACE_ROOT_OFFSET.
#define VSPACE_ROOT_LEVEL (USER_TOP <= (1u << 30) ? 2 : 1)
#define VSPACE_ROOT_PAGES (VSPACE_ROOT_LEVEL == 2 ? 1u : 0u)
#define VSPACE_ROOT_OFFSET 2048

// Software bits of level-2 descriptors for windows (ignored by the MMU).
#define PTE_WINDOW (1ULL << 58) // with a table: a window's table, not the space's own
#define PTE_RESERVED PTE_WINDOW // alone (invalid): the thread-window region
// Software bit of level-3 descriptors (spaces' and windows'): a frame mapped
// through a derived range, removed when that range dies.
#define PTE_REVOCABLE (1ULL << 57)

// How a frame is mapped (vspace_map_frame, vspace_slots_write): a LOWMEM
// frame the kernel owns (freed with the mapping), pinned (an IPC buffer,
// which user space may not unmap), revocable (through a derived range).
#define MAP_KFRAME 1u
#define MAP_PINNED 2u
#define MAP_REVOCABLE 4u

// ASIDs (asid.c, the logic in libs/asid): 255 per generation, shared by
// the CPUs. A space keeps its ASID until it dies, or until a roll-over
// starts a new generation while it is not running anywhere; it takes one
// (back) when it next runs, in vspace_activate.
// Gives `s` an ASID of the current generation and readies this CPU `c` to
// load it (flushing c's TLB when a roll-over came since c last did):
// vspace_activate's slow path, when s->asid_gen is not c's generation.
// Kernel locked.
void vspace_asid_renew(struct cpu *c, struct space *s);
// Makes every TLB forget every entry of s, if it has an ASID.
void vspace_flush(struct space *s);
// Gives every CPU's TTBR0 value of s (s->on[].ttbr) the ASID of s->ttbr0.
void vspace_ttbr_sync(struct space *s);
// Releases s's ASID, if it has one, after making every TLB forget it. s
// must be loaded on no CPU (vspace_deactivate). Kernel locked.
void vspace_free_asid(struct space *s);

// Whether s has an ASID, current or not: the TLBs may then hold entries of
// s under it (a space running through a roll-over keeps using an ASID of
// the old generation), which changes to s's tables must flush. Flushing an
// ASID of an old generation may only cost another space some TLB misses.
static inline int vspace_asid_live(const struct space *s)
{
	return s->asid_gen != ASID_GEN_NONE;
}

// s's ASID; meaningful only while vspace_asid_live(s).
static inline uint32_t vspace_asid(const struct space *s)
{
	return asid_of(s->ttbr0);
}

// Computes the window slot encodings and readies this CPU for user spaces
// (vspace_cpu_init). Boot CPU, once.
void vspace_init(void);
// Lets this CPU's TTBR0 walk, with an empty user half until a space runs.
// Each CPU, once, before it runs a space.
void vspace_cpu_init(void);

// Loads s's tables into TTBR0 on CPU c, the running one: its view of s
// (on->ttbr, on = &s->on[CPU_INDEX(c, smp)]; s->ttbr0 while one CPU runs,
// where there are no views). No TLB flush: entries are
// tagged by ASID. The fast path (s's ASID is of the generation this CPU is
// at) is one comparison and a store more than the TTBR0 write; else
// vspace_asid_renew. The ASID allocator knows s by s->ttbr0 on every CPU.
// Kernel locked: a roll-over on another CPU reads c->asid.active.
static inline __attribute__((always_inline)) void
vspace_activate(struct cpu *c, struct space *s, const struct space_cpu *on, const int smp)
{
	if (s->asid_gen != c->asid.gen)
		vspace_asid_renew(c, s);
	c->asid.active = s->ttbr0;
	write_ttbr0(smp ? on->ttbr : s->ttbr0); // no views with one CPU
	isb();
}
// Loads the empty user half on this CPU (ASID 0, which the TLBs hold
// nothing under): a space about to be freed is loaded no more.
void vspace_deactivate(void);

// Sets up the tables of a new space: the root is the zeroed page at
// `root_pa` when VSPACE_ROOT_PAGES, else part of s's own (zeroed) page.
void vspace_create(struct space *s, uint64_t root_pa);
// Frees every table of s below the root and the LOWMEM frames mapped with
// MAP_KFRAME, returns the tables to s's quota and releases s's ASID. The
// space must not be loaded (vspace_deactivate).
void vspace_destroy(struct space *s);
// Frees the root's own page, if it has one (the space's last reference).
void vspace_free(struct space *s);

// Maps frame `pa` at `va` with PROT_* `prot` and MAP_* `how`, allocating
// missing tables charged to s: E_OK, E_NOMEM (quota or LOWMEM), E_BUSY (a
// page is mapped there).
int vspace_map_frame(struct space *s, uint32_t va, uint64_t pa, unsigned prot, unsigned how);
// Removes the mapping at `va`, if any, and makes the TLB forget it; a
// MAP_KFRAME frame is freed. No check (the caller decided).
void vspace_unmap(struct space *s, uint32_t va);
// Whether `va` lies in a window's region, installed or reserved.
int vspace_in_window(struct space *s, uint32_t va);
// Whether a page is mapped at `va` or `va` lies in a window's region (not
// the space's own to map).
int vspace_page_busy(struct space *s, uint32_t va);
// Whether the page at `va` is mapped with MAP_PINNED.
int vspace_page_pinned(struct space *s, uint32_t va);
// Tables missing on the way to the pages [va, va + n pages): what mapping
// them would charge.
uint32_t vspace_tables_needed(struct space *s, uint32_t va, uint32_t n);
// Removes s's mappings of frames in [base, end) made with MAP_REVOCABLE and
// makes the TLB forget them.
void vspace_revoke(struct space *s, uint64_t base, uint64_t end);

// The regions windows take in a space: the 2 MiB at `va` (one level-2
// entry). Reserving or installing first frees an empty table of s's own
// there; both fail with E_BUSY when anything of s's own is mapped there or
// another window holds it, or with E_NOMEM.
// Whether reserving or installing would succeed, and if not, its error
// (E_BUSY, or E_NOMEM for s's quota). Changes nothing.
int vspace_window_check(struct space *s, uint32_t va);
// vspace_window_check for s's thread-window region, with the views it brings.
int vspace_local_check(struct space *s, uint32_t va);
// Reserves the region for thread windows (vspace_switch_window fills it)
// and, with more than one CPU online, gives s a view for each (vspace.c),
// charged to s: E_NOMEM, with nothing changed, when they do not fit.
int vspace_reserve_window(struct space *s, uint32_t va);
// Installs the level-3 table `table` there for good (a WIN_SPACE window).
int vspace_install_window(struct space *s, uint32_t va, pte_t *table);
// Puts `table` (NULL: none) into s's thread-window region as CPU `c` sees
// it, making c's TLB (with one CPU: every TLB) forget the table that was
// there. c is this CPU, which runs s (it loads its view again, in case it
// still walked s's shared tables when the views came).
void vspace_switch_window(struct space *s, struct cpu *c, pte_t *table);
// Empties CPU c's thread-window region of s (c may be another CPU); the
// caller makes the TLBs forget the table.
void vspace_clear_window(struct space *s, struct cpu *c);
// Takes the window table installed at `va` out of s, if one is there.
void vspace_remove_window(struct space *s, uint32_t va);

// Window tables: WINDOW_SLOTS level-3 descriptors of user pages, never
// executable, not global. The descriptor attributes of a slot, indexed by
// its PROT_* bits (PROT_EXEC is ignored: slots never are executable).
extern pte_t vspace_slot_attrs[16];

// Whether slot `i` of `table` maps a frame.
static inline int vspace_slot_mapped(const pte_t *table, uint32_t i)
{
	return lpae_is_valid(table[i]);
}

// Whether any of slots [first, first + n) maps a frame.
static inline int vspace_slots_mapped(const pte_t *table, uint32_t first, uint32_t n)
{
	for (uint32_t i = first; i < first + n; i++)
		if (lpae_is_valid(table[i]))
			return 1;
	return 0;
}

// Fills slots [first, first + n) with the frames from `pa` on (PROT_* `prot`
// without PROT_EXEC, MAP_REVOCABLE or 0 in `how`) and makes the writes
// visible to the walker. The slots must be empty (break before make).
static inline void vspace_slots_write(pte_t *table, uint32_t first, uint32_t n, uint64_t pa,
				      unsigned prot, unsigned how)
{
	pte_t d = pa | vspace_slot_attrs[prot];
	pte_t *e = table + first, *end = e + n;

	if (how & MAP_REVOCABLE)
		d |= PTE_REVOCABLE;
	for (; e != end; d += PAGE_SIZE) // one store and one add a slot: WINDOW_MAP's loop
		*e++ = d;
	tlb_publish();
}

// Empties slots [first, first + n); whether any held a frame (then the
// caller makes the TLB forget them).
static inline int vspace_slots_clear(pte_t *table, uint32_t first, uint32_t n)
{
	int any = 0;

	for (uint32_t i = first; i < first + n; i++) {
		any |= lpae_is_valid(table[i]);
		table[i] = 0;
	}
	return any;
}

// Empties the entries of a level-3 table (a window's, or one of a space's
// own) holding frames of [base, end) mapped with MAP_REVOCABLE; how many.
// No TLB maintenance: the caller flushes.
uint32_t vspace_slots_revoke(pte_t *table, uint64_t base, uint64_t end);
