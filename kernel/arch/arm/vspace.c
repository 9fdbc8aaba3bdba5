// The LPAE tables of address spaces' user halves: walks, descriptors, the
// regions windows take, and the TLB maintenance each change needs. Tables
// come from LOWMEM and are charged to the space's quota.
#include "vspace.h"

#include <string.h>

#include "memory.h"
#include "mmu.h"

#define ROOT_LEVEL VSPACE_ROOT_LEVEL
#define ROOT_ENTRIES (ROOT_LEVEL == 1 ? 4 : LPAE_ENTRIES)

// Software bits of a level-3 descriptor (ARM ARM: bits 55-58 are ignored).
#define PTE_KFRAME (1ULL << 55) // a LOWMEM frame the kernel gave; freed with the mapping
#define PTE_PINNED (1ULL << 56) // an IPC buffer: user space may not remove it

// A level-1 root (4 entries) shares the space's page, after the struct;
// TTBR0 needs it aligned to its size.
_Static_assert(sizeof(struct space) <= VSPACE_ROOT_OFFSET, "a space ends before its root table");
_Static_assert(VSPACE_ROOT_OFFSET % (4 * sizeof(pte_t)) == 0 &&
		       VSPACE_ROOT_OFFSET + 4 * sizeof(pte_t) <= PAGE_SIZE,
	       "a level-1 root table fits the space's page, aligned");

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

// Forgets every TLB entry of s, if it has an ASID.
static void flush_space(struct space *s)
{
	if (vspace_asid_live(s))
		tlb_flush_asid(vspace_asid(s));
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
	uint32_t tables = 0;

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
			*e = lpae_table(pa);
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
		*e = lpae_table(pa);
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
		flush_space(s);
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
		*e = 0;
		flush_space(s); // walks may have cached the old table
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

int vspace_reserve_window(struct space *s, uint32_t va)
{
	int err;
	pte_t *e = window_region(s, va, &err);

	if (e)
		*e = PTE_RESERVED;
	return err;
}

int vspace_install_window(struct space *s, uint32_t va, pte_t *table)
{
	int err;
	pte_t *e = window_region(s, va, &err);

	if (e) {
		tlb_publish();
		*e = lpae_table(virt_to_phys(table)) | PTE_WINDOW;
	}
	return err;
}

void vspace_switch_window(struct space *s, uint32_t va, pte_t *table)
{
	pte_t *e = l2_entry(s, va, 0);
	int was_valid = e && lpae_is_valid(*e);

	if (!e)
		return; // no window region in this space
	*e = table ? lpae_table(virt_to_phys(table)) | PTE_WINDOW : PTE_RESERVED;
	if (was_valid) // the old table's entries must not outlive its turn
		flush_space(s);
}

void vspace_remove_window(struct space *s, uint32_t va)
{
	pte_t *e = l2_entry(s, va, 0);

	if (e && (*e & PTE_WINDOW)) {
		*e = 0;
		flush_space(s);
	}
}
