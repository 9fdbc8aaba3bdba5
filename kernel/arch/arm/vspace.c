// The LPAE tables of address spaces' user halves: walks, descriptors, the
// regions windows take, and the TLB maintenance each change needs. Tables
// come from LOWMEM and are charged to the space's quota.
#include "vspace.h"

#include <string.h>

#include "memory.h"
#include "mmu.h"

#define ROOT_LEVEL VSPACE_ROOT_LEVEL
#define ROOT_ENTRIES (ROOT_LEVEL == 1 ? 4 : LPAE_ENTRIES)

// Views. Threads of a space share its tables, but the window of the thread
// a CPU runs (kmap_local's) must be seen by that CPU alone: with more than
// one CPU online, a space that has a thread-window region (local_va) gives
// each CPU n a view of its own, s->on[n].view: a copy of the level-2 table that
// holds local_va's entry, where the window of the thread n runs goes, and
// above it (VMSPLIT 3G and 2G) a root of n's own, four entries in the
// space's page (view_root), whose entry for that GiB points to the copy.
// At VMSPLIT 1G that level-2 table is the root itself. Everything below is
// shared: a write to the shared level-2 table or the root goes to every
// view too (l2_set, root_set), and the shared table's own entry at local_va
// stays reserved. A CPU loads its view (s->on[n].ttbr), so it walks no other
// CPU's window, and a window switch needs only its own TLB flushed.

// Software bits of a level-3 descriptor (ARM ARM: bits 55-58 are ignored).
#define PTE_KFRAME (1ULL << 55) // a LOWMEM frame the kernel gave; freed with the mapping
#define PTE_PINNED (1ULL << 56) // an IPC buffer: user space may not remove it

// A level-1 root (4 entries) shares the space's page, after the struct;
// TTBR0 needs it aligned to its size.
_Static_assert(sizeof(struct space) <= VSPACE_ROOT_OFFSET, "a space ends before its root table");
_Static_assert(VSPACE_ROOT_OFFSET % (4 * sizeof(pte_t)) == 0 &&
		       VSPACE_ROOT_OFFSET + (NR_CPUS + 1) * 4 * sizeof(pte_t) <= PAGE_SIZE,
	       "the level-1 root and one per CPU's view fit the space's page, aligned");

pte_t vspace_slot_attrs[16];

// An empty user half, loaded while no space is (ASID 0 is never given out,
// so nothing is ever cached under it).
static pte_t empty_root[LPAE_ENTRIES] __attribute__((aligned(PAGE_SIZE)));

static pte_t *table_va(pte_t d)
{
	return (pte_t *)phys_to_virt(lpae_oa(d));
}

// Whether a level-2 entry holds a table of the space's own (not a window's).
static int own_table(pte_t d)
{
	return lpae_is_valid(d) && !(d & PTE_WINDOW);
}

void vspace_flush(struct space *s)
{
	if (vspace_asid_live(s))
		tlb_flush_asid(vspace_asid(s));
}

// A zeroed page for a table, charged to s; 0 when the quota or LOWMEM is out.
static uint64_t table_alloc(struct space *s)
{
	uint64_t pa;

	if (quota_charge(s, 1))
		return 0;
	pa = frame_alloc();
	if (!pa)
		quota_release(s, 1);
	return pa;
}

// CPU n's level-1 root of its view of s (VSPACE_ROOT_LEVEL 1).
static pte_t *view_root(struct space *s, unsigned n)
{
	return s->root + 4 * (n + 1);
}

// The shared level-2 table holding s's thread-window region (s has one).
static pte_t *local_l2(struct space *s)
{
	return ROOT_LEVEL == 1 ? table_va(s->root[lpae_index(1, s->local_va)]) : s->root;
}

// Sets level-2 entry e of s to v, in every view of s too.
static void l2_set(struct space *s, pte_t *e, pte_t v)
{
	*e = v;
	if (s->local_va && s->on[0].view) {
		uint32_t i = (uint32_t)(e - local_l2(s));
		if (i < LPAE_ENTRIES)
			for (unsigned n = 0; n < NR_CPUS; n++)
				if (s->on[n].view)
					s->on[n].view[i] = v;
	}
}

// Sets root entry e of s to v (VSPACE_ROOT_LEVEL 1), in every view's root
// too but the one entry each points to its own level-2 copy with.
static void root_set(struct space *s, pte_t *e, pte_t v)
{
	uint32_t i = (uint32_t)(e - s->root);

	*e = v;
	if (s->local_va && s->on[0].view && i != lpae_index(1, s->local_va))
		for (unsigned n = 0; n < NR_CPUS; n++)
			if (s->on[n].view)
				view_root(s, n)[i] = v;
}

void vspace_ttbr_sync(struct space *s)
{
	for (unsigned n = 0; n < NR_CPUS; n++)
		s->on[n].ttbr = (s->on[n].ttbr & ~ASID_MASK) | (s->ttbr0 & ASID_MASK);
}

// Frees s's views (it dies, or they could not all be made); how many.
static uint32_t views_free(struct space *s)
{
	uint32_t n = 0;

	for (unsigned i = 0; i < NR_CPUS; i++) {
		if (!s->on[i].view)
			continue;
		frame_free(virt_to_phys(s->on[i].view));
		s->on[i].view = 0;
		s->on[i].ttbr = s->ttbr0;
		n++;
	}
	return n;
}

// Gives s (whose thread-window region was just reserved) a view for every
// online CPU, when more than one is: E_OK, or E_NOMEM with none made.
static int views_make(struct space *s)
{
	pte_t *shared = local_l2(s);

	if (cpus_online() < 2)
		return E_OK;
	for (unsigned n = 0; n < NR_CPUS; n++) {
		uint64_t pa;
		pte_t *l2, *top;
		if (!cpu_get(n)->online)
			continue;
		pa = table_alloc(s);
		if (!pa) {
			quota_release(s, views_free(s));
			return E_NOMEM;
		}
		l2 = (pte_t *)phys_to_virt(pa);
		memcpy(l2, shared, PAGE_SIZE);
		top = l2;
		if (ROOT_LEVEL == 1) {
			top = view_root(s, n);
			memcpy(top, s->root, 4 * sizeof(pte_t));
			top[lpae_index(1, s->local_va)] = lpae_table(pa);
		}
		s->on[n].view = l2;
		s->on[n].ttbr = virt_to_phys(top) | (s->ttbr0 & ASID_MASK);
	}
	tlb_publish(); // the views are complete before any CPU loads one
	return E_OK;
}

void vspace_init(void)
{
	for (unsigned p = 0; p < 16; p++)
		vspace_slot_attrs[p] =
			lpae_page(0, LPAE_P_USER | (p & PROT_WRITE ? LPAE_P_WRITE : 0) |
					     (p & PROT_NOCACHE ? LPAE_P_NOCACHE : 0));
	vspace_cpu_init();
}

void vspace_cpu_init(void)
{
	vspace_deactivate();
	write_ttbcr(read_ttbcr() & ~TTBCR_EPD0);
	isb();
}

void vspace_deactivate(void)
{
	this_cpu()->asid.active = 0;
	write_ttbr0(virt_to_phys(empty_root));
	isb();
}

void vspace_create(struct space *s, uint64_t root_pa)
{
	s->root = ROOT_LEVEL == 2 ? (pte_t *)phys_to_virt(root_pa)
				  : (pte_t *)((char *)s + VSPACE_ROOT_OFFSET);
	s->ttbr0 = virt_to_phys(s->root); // ASID 0 until it has one
	for (unsigned n = 0; n < NR_CPUS; n++)
		s->on[n].ttbr = s->ttbr0;
	s->asid_gen = ASID_GEN_NONE;
}

// Frees a level-3 table's KFRAME pages.
static void free_l3(pte_t *l3)
{
	for (unsigned i = 0; i < LPAE_ENTRIES; i++)
		if (lpae_is_valid(l3[i]) && (l3[i] & PTE_KFRAME))
			frame_free(lpae_oa(l3[i]));
}

// Frees the level-3 tables of a level-2 table (and their KFRAME pages); how
// many.
static uint32_t free_l2(pte_t *l2)
{
	uint32_t n = 0;

	for (unsigned i = 0; i < LPAE_ENTRIES; i++) {
		if (!own_table(l2[i]))
			continue;
		free_l3(table_va(l2[i]));
		frame_free(lpae_oa(l2[i]));
		n++;
	}
	return n;
}

void vspace_destroy(struct space *s)
{
	uint32_t tables = views_free(s);

	if (ROOT_LEVEL == 1) {
		for (unsigned i = 0; i < ROOT_ENTRIES; i++) {
			if (!lpae_is_valid(s->root[i]))
				continue;
			tables += free_l2(table_va(s->root[i])) + 1;
			frame_free(lpae_oa(s->root[i]));
			s->root[i] = 0;
		}
	} else {
		tables = free_l2(s->root);
		memset(s->root, 0, PAGE_SIZE);
	}
	quota_release(s, tables);
	vspace_free_asid(s);
}

void vspace_free(struct space *s)
{
	if (ROOT_LEVEL == 2)
		frame_free(virt_to_phys(s->root));
}

// The level-2 entry for va (allocating the level-2 table, charged to s,
// with `alloc`), or NULL.
static pte_t *l2_entry(struct space *s, uint32_t va, int alloc)
{
	pte_t *l2 = s->root;

	if (ROOT_LEVEL == 1) {
		pte_t *e = &s->root[lpae_index(1, va)];
		if (!lpae_is_valid(*e)) {
			uint64_t pa = alloc ? table_alloc(s) : 0;
			if (!pa)
				return 0;
			tlb_publish();
			root_set(s, e, lpae_table(pa));
		}
		l2 = table_va(*e);
	}
	return &l2[lpae_index(2, va)];
}

// The level-3 entry for va; with `alloc`, missing tables are allocated and
// charged to s. NULL when a table is missing (without `alloc`), the quota or
// LOWMEM ran out, or va lies in a window's region (not s's own to map).
static pte_t *walk(struct space *s, uint32_t va, int alloc)
{
	pte_t *e = l2_entry(s, va, alloc);

	if (!e || (*e & PTE_WINDOW))
		return 0;
	if (!lpae_is_valid(*e)) {
		uint64_t pa = alloc ? table_alloc(s) : 0;
		if (!pa)
			return 0;
		tlb_publish();
		l2_set(s, e, lpae_table(pa));
	}
	return &table_va(*e)[lpae_index(3, va)];
}

static unsigned lpae_prot(unsigned prot)
{
	unsigned p = LPAE_P_USER;

	if (prot & PROT_WRITE)
		p |= LPAE_P_WRITE;
	if (prot & PROT_EXEC)
		p |= LPAE_P_EXEC;
	if (prot & PROT_NOCACHE)
		p |= LPAE_P_NOCACHE;
	return p;
}

int vspace_map_frame(struct space *s, uint32_t va, uint64_t pa, unsigned prot, unsigned how)
{
	pte_t *e = walk(s, va, 1), d;

	if (!e)
		return E_NOMEM;
	if (lpae_is_valid(*e))
		return E_BUSY;
	d = lpae_page(pa, lpae_prot(prot));
	if (how & MAP_KFRAME)
		d |= PTE_KFRAME;
	if (how & MAP_PINNED)
		d |= PTE_PINNED;
	if (how & MAP_REVOCABLE)
		d |= PTE_REVOCABLE;
	tlb_publish();
	*e = d;
	tlb_publish();
	return E_OK;
}

void vspace_unmap(struct space *s, uint32_t va)
{
	pte_t *e = walk(s, va, 0), old;

	if (!e || !lpae_is_valid(*e))
		return;
	old = *e;
	*e = 0;
	if (vspace_asid_live(s)) // else the TLB holds nothing of s
		tlb_flush_page_asid(va, vspace_asid(s));
	if (old & PTE_KFRAME)
		frame_free(lpae_oa(old));
}

int vspace_in_window(struct space *s, uint32_t va)
{
	pte_t *e = l2_entry(s, va, 0);

	return e && (*e & PTE_WINDOW);
}

int vspace_page_busy(struct space *s, uint32_t va)
{
	pte_t *e = walk(s, va, 0);

	return e ? lpae_is_valid(*e) : vspace_in_window(s, va);
}

int vspace_page_pinned(struct space *s, uint32_t va)
{
	pte_t *e = walk(s, va, 0);

	return e && lpae_is_valid(*e) && (*e & PTE_PINNED);
}

uint32_t vspace_tables_needed(struct space *s, uint32_t va, uint32_t n)
{
	uint32_t need = 0, end = va + n * PAGE_SIZE;
	uint32_t last_l1 = ~0u;

	for (uint32_t a = va & ~(LPAE_L2_SIZE - 1); a < end; a += LPAE_L2_SIZE) {
		pte_t *l2 = 0;
		if (ROOT_LEVEL == 1) {
			pte_t e1 = s->root[lpae_index(1, a)];
			if (!lpae_is_valid(e1)) {
				need += (a >> 30) != last_l1; // one level-2 table per GiB
				last_l1 = a >> 30;
				need++;
				continue;
			}
			l2 = table_va(e1);
		} else {
			l2 = s->root;
		}
		need += !lpae_is_valid(l2[lpae_index(2, a)]);
	}
	return need;
}

uint32_t vspace_slots_revoke(pte_t *l3, uint64_t base, uint64_t end)
{
	uint32_t n = 0;

	for (unsigned i = 0; i < LPAE_ENTRIES; i++) {
		if (lpae_is_valid(l3[i]) && (l3[i] & PTE_REVOCABLE) && lpae_oa(l3[i]) >= base &&
		    lpae_oa(l3[i]) < end) {
			l3[i] = 0;
			n++;
		}
	}
	return n;
}

void vspace_revoke(struct space *s, uint64_t base, uint64_t end)
{
	uint32_t n = 0;

	for (unsigned i = 0; i < ROOT_ENTRIES; i++) {
		pte_t *l2 = s->root;
		if (ROOT_LEVEL == 1) {
			if (!lpae_is_valid(s->root[i]))
				continue;
			l2 = table_va(s->root[i]);
		} else if (i) {
			break; // the root is the one level-2 table
		}
		for (unsigned j = 0; j < LPAE_ENTRIES; j++)
			if (own_table(l2[j]))
				n += vspace_slots_revoke(table_va(l2[j]), base, end);
	}
	if (n)
		vspace_flush(s);
}

// Readies the 2 MiB region at va for a window: its level-2 entry, empty, or
// NULL with *err (see vspace_reserve_window).
static pte_t *window_region(struct space *s, uint32_t va, int *err)
{
	pte_t *e = l2_entry(s, va, 1);

	*err = E_NOMEM;
	if (!e)
		return 0;
	*err = E_BUSY;
	if (own_table(*e)) { // a table of s's own: fine when nothing is mapped in it
		pte_t *l3 = table_va(*e);
		for (unsigned i = 0; i < LPAE_ENTRIES; i++)
			if (lpae_is_valid(l3[i]))
				return 0;
		frame_free(lpae_oa(*e));
		quota_release(s, 1);
		l2_set(s, e, 0);
		vspace_flush(s); // walks may have cached the old table
	}
	if (*e)
		return 0; // another window
	*err = E_OK;
	return e;
}

int vspace_window_check(struct space *s, uint32_t va)
{
	pte_t *e = l2_entry(s, va, 0);

	if (!e)
		return quota_check(s, 1); // the level-2 table window_region adds
	if (own_table(*e))
		return vspace_slots_mapped(table_va(*e), 0, LPAE_ENTRIES) ? E_BUSY : E_OK;
	return *e ? E_BUSY : E_OK;
}

int vspace_local_check(struct space *s, uint32_t va)
{
	int err = vspace_window_check(s, va);
	uint32_t cpus = cpus_online();

	if (err || cpus < 2) // one CPU: no views
		return err;
	return quota_check(s, cpus + !l2_entry(s, va, 0));
}

int vspace_reserve_window(struct space *s, uint32_t va)
{
	int err;
	pte_t *e = window_region(s, va, &err);

	if (!e)
		return err;
	*e = PTE_RESERVED;
	s->local_va = va;
	err = views_make(s);
	if (err) {
		*e = 0;
		s->local_va = 0;
	}
	return err;
}

int vspace_install_window(struct space *s, uint32_t va, pte_t *table)
{
	int err;
	pte_t *e = window_region(s, va, &err);

	if (e) {
		tlb_publish();
		l2_set(s, e, lpae_table(virt_to_phys(table)) | PTE_WINDOW);
	}
	return err;
}

// The level-2 entry of s's thread-window region as CPU c sees it: in its
// view, or (one CPU) in s's own tables.
static pte_t *local_entry(struct space *s, const struct cpu *c)
{
	pte_t *view = s->on[c->id].view;

	return view ? &view[lpae_index(2, s->local_va)] : l2_entry(s, s->local_va, 0);
}

void vspace_switch_window(struct space *s, struct cpu *c, pte_t *table)
{
	pte_t *e = local_entry(s, c);
	int was_valid = lpae_is_valid(*e);

	*e = table ? lpae_table(virt_to_phys(table)) | PTE_WINDOW : PTE_RESERVED;
	if (!s->on[c->id].view) { // one CPU: the shared tables
		if (was_valid)    // the old table's entries must not outlive its turn
			vspace_flush(s);
		return;
	}
	tlb_publish();
	write_ttbr0(s->on[c->id].ttbr);
	isb();
	if (was_valid && vspace_asid_live(s)) // only this CPU walks its view
		tlb_flush_asid_local(vspace_asid(s));
}

void vspace_clear_window(struct space *s, struct cpu *c)
{
	*local_entry(s, c) = PTE_RESERVED;
}

void vspace_remove_window(struct space *s, uint32_t va)
{
	pte_t *e = l2_entry(s, va, 0);

	if (e && (*e & PTE_WINDOW)) {
		l2_set(s, e, 0);
		vspace_flush(s);
	}
}
