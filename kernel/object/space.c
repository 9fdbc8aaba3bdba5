// Address spaces: LPAE tables for the user half (TTBR0) in LOWMEM, one ASID
// each, a capability table and a quota of kernel pages.
#include <string.h>

#include "cp15.h"
#include "memory.h"
#include "mmu.h"
#include "objects.h"
#include "printk.h"
#include "sched.h"

// The user half is 1 GiB with VMSPLIT=1G: TTBR0 then walks from level 2.
#define ROOT_LEVEL (USER_TOP <= (1u << 30) ? 2 : 1)
#define ROOT_ENTRIES (ROOT_LEVEL == 1 ? 4 : LPAE_ENTRIES)
// A level-1 root (at most 4 entries) shares the space's page, after the
// struct; TTBR0 needs it aligned to its size. A level-2 root has a page.
#define SPACE_ROOT_OFFSET 2048
_Static_assert(sizeof(struct space) <= SPACE_ROOT_OFFSET, "a space ends before its root table");
_Static_assert(SPACE_ROOT_OFFSET % (4 * sizeof(pte_t)) == 0 &&
		       SPACE_ROOT_OFFSET + 4 * sizeof(pte_t) <= PAGE_SIZE,
	       "a level-1 root table fits the space's page, aligned");

// Software bits of a level-3 descriptor (ARM ARM: bits 55-58 are ignored).
#define PTE_KFRAME (1ULL << 55) // a LOWMEM frame the kernel gave; freed with the mapping
#define PTE_PINNED (1ULL << 56) // an IPC buffer: user space may not remove it

uint32_t asid_generation = 1;
static uint32_t asid_used[256 / 32] = { 1 }; // ASID 0 is never given out
static uint32_t next_space_id = 1;

static pte_t *table_va(pte_t d)
{
	return (pte_t *)phys_to_virt(lpae_oa(d));
}

// Whether a level-2 entry holds a table of the space's own (not a window's).
static int own_table(pte_t d)
{
	return lpae_is_valid(d) && !(d & PTE_WINDOW);
}

void space_new_asid(struct space *s)
{
	for (int pass = 0; pass < 2; pass++) {
		for (unsigned a = 1; a < 256; a++) {
			if (asid_used[a / 32] & (1u << (a % 32)))
				continue;
			asid_used[a / 32] |= 1u << (a % 32);
			s->ttbr0 = virt_to_phys(s->root) | (uint64_t)a << 48;
			s->asid_gen = asid_generation;
			return;
		}
		// Every ASID is taken: start a new generation. Spaces get new
		// ASIDs when they next run; the TLB forgets the old ones.
		asid_generation++;
		memset(asid_used, 0, sizeof(asid_used));
		asid_used[0] = 1;
		tlb_flush_all();
	}
	panic("no ASID after a new generation");
}

static uint32_t asid_of(const struct space *s)
{
	return (uint32_t)(s->ttbr0 >> 48) & 0xff;
}

static void tlb_flush_page(struct space *s, uint32_t va)
{
	if (s->asid_gen != asid_generation)
		return; // its ASID is stale: the TLB holds nothing of it
	dsb();
	tlbimva((va & ~0xfffu) | asid_of(s));
	dsb();
	isb();
}

// An empty user half, loaded while no space is (ASID 0 is never given out,
// so nothing is ever cached under it).
static pte_t empty_root[LPAE_ENTRIES] __attribute__((aligned(PAGE_SIZE)));

void space_init(void)
{
	write_ttbr0(virt_to_phys(empty_root));
	write_ttbcr(read_ttbcr() & ~TTBCR_EPD0);
	isb();
}

// The pages a space takes besides its header: its capability table, and
// with a 1 GiB user half its level-2 root.
#define SPACE_EXTRA_PAGES (1 + (ROOT_LEVEL == 2))

struct space *space_create(struct space *parent, uint32_t quota, int *err)
{
	uint32_t extra = SPACE_EXTRA_PAGES;
	uint64_t caps_pa, root_pa = 0;
	struct space *s;

	*err = E_NOMEM;
	if (parent && (quota > parent->quota || quota_charge(parent, quota + extra)))
		return 0;
	caps_pa = frame_alloc();
	if (caps_pa && ROOT_LEVEL == 2)
		root_pa = frame_alloc();
	s = caps_pa && (ROOT_LEVEL == 1 || root_pa) ? kobj_alloc(CAP_SPACE, 1, parent) : 0;
	if (!s) {
		if (caps_pa)
			frame_free(caps_pa);
		if (root_pa)
			frame_free(root_pa);
		quota_release(parent, quota + extra);
		return 0;
	}
	s->caps = (struct cap *)phys_to_virt(caps_pa);
	s->root = ROOT_LEVEL == 2 ? (pte_t *)phys_to_virt(root_pa)
				  : (pte_t *)((char *)s + SPACE_ROOT_OFFSET);
	s->quota = quota;
	s->parent = parent;
	if (parent)
		kobj_get(&parent->hdr);
	s->id = next_space_id++;
	*err = E_OK;
	return s;
}

// Frees a level-3 table's KFRAME pages.
static void free_l3(pte_t *l3)
{
	for (unsigned i = 0; i < LPAE_ENTRIES; i++)
		if (lpae_is_valid(l3[i]) && (l3[i] & PTE_KFRAME))
			frame_free(lpae_oa(l3[i]));
}


static void free_l2(pte_t *l2)
{
	for (unsigned i = 0; i < LPAE_ENTRIES; i++) {
		if (!own_table(l2[i]))
			continue;
		free_l3(table_va(l2[i]));
		frame_free(lpae_oa(l2[i]));
	}
}

uint32_t revoke_l3(pte_t *l3, uint64_t base, uint64_t end)
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

void space_revoke(struct space *s, uint64_t base, uint64_t end)
{
	uint32_t n = 0;

	if (!s->revocable)
		return;
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
				n += revoke_l3(table_va(l2[j]), base, end);
	}
	if (n)
		space_tlb_flush(s);
}

// Releases the tables, the frames mapped from the kernel and the ASID.
static void space_free_tables(struct space *s)
{
	uint32_t tables = 0;

	if (ROOT_LEVEL == 1) {
		for (unsigned i = 0; i < ROOT_ENTRIES; i++) {
			if (!lpae_is_valid(s->root[i]))
				continue;
			pte_t *l2 = table_va(s->root[i]);
			for (unsigned j = 0; j < LPAE_ENTRIES; j++)
				tables += own_table(l2[j]);
			free_l2(l2);
			frame_free(lpae_oa(s->root[i]));
			tables++;
			s->root[i] = 0;
		}
	} else {
		for (unsigned j = 0; j < LPAE_ENTRIES; j++)
			tables += own_table(s->root[j]);
		free_l2(s->root);
		memset(s->root, 0, PAGE_SIZE);
	}
	quota_release(s, tables);
	if (s->asid_gen == asid_generation) {
		uint32_t a = asid_of(s);
		dsb();
		tlbiasid(a);
		dsb();
		isb();
		asid_used[a / 32] &= ~(1u << (a % 32));
		s->asid_gen = 0;
	}
}

void space_destroy(struct space *s)
{
	struct cpu *c = this_cpu();

	while (s->threads) // each leaves the list as it dies
		kobj_destroy(&s->threads->hdr);
	for (unsigned i = 1; i < CAP_SLOTS; i++)
		cap_clear(&s->caps[i]);
	for (struct kobj *o = s->owned; o; o = o->charge_next) // freed later, by kobj_reap
		kobj_doom(o);
	if (c->space == s) { // stop walking tables about to be freed
		write_ttbr0(virt_to_phys(empty_root));
		isb();
		c->space = 0;
	}
	space_free_tables(s);
}

void space_free(struct space *s)
{
	frame_free(virt_to_phys(s->caps));
	if (ROOT_LEVEL == 2)
		frame_free(virt_to_phys(s->root));
	quota_release(s->parent, s->quota + 1 + (ROOT_LEVEL == 2));
	if (s->parent)
		kobj_put(&s->parent->hdr);
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

pte_t *space_l2_entry(struct space *s, uint32_t va, int alloc)
{
	pte_t *l2 = s->root;

	if (ROOT_LEVEL == 1) {
		pte_t *e = &s->root[lpae_index(1, va)];
		if (!lpae_is_valid(*e)) {
			uint64_t pa = alloc ? table_alloc(s) : 0;
			if (!pa)
				return 0;
			dsb();
			*e = lpae_table(pa);
		}
		l2 = table_va(*e);
	}
	return &l2[lpae_index(2, va)];
}

int space_region_for_window(struct space *s, uint32_t va, pte_t **out)
{
	pte_t *e = space_l2_entry(s, va, 1);

	if (!e)
		return E_NOMEM;
	if (own_table(*e)) { // a table of s's own: fine when nothing is mapped in it
		pte_t *l3 = table_va(*e);
		for (unsigned i = 0; i < LPAE_ENTRIES; i++)
			if (lpae_is_valid(l3[i]))
				return E_BUSY;
		frame_free(lpae_oa(*e));
		quota_release(s, 1);
		*e = 0;
		space_tlb_flush(s); // walks may have cached the old table
	}
	if (*e)
		return E_BUSY; // another window
	*out = e;
	return E_OK;
}

int space_region_check(struct space *s, uint32_t va)
{
	pte_t *e = space_l2_entry(s, va, 0);

	if (!e)
		return quota_check(s, 1); // the level-2 table space_region_for_window adds
	if (own_table(*e)) {
		pte_t *l3 = table_va(*e);
		for (unsigned i = 0; i < LPAE_ENTRIES; i++)
			if (lpae_is_valid(l3[i]))
				return E_BUSY;
		return E_OK;
	}
	return *e ? E_BUSY : E_OK;
}

int space_in_window(struct space *s, uint32_t va)
{
	pte_t *e = space_l2_entry(s, va, 0);

	return e && (*e & PTE_WINDOW);
}

void space_tlb_flush(struct space *s)
{
	if (s->asid_gen != asid_generation)
		return;
	dsb();
	tlbiasid(asid_of(s));
	dsb();
	isb();
}

// The level-3 entry for va; with `alloc`, missing tables are allocated and
// charged to s. NULL when a table is missing (without `alloc`), the quota or
// LOWMEM ran out, or va lies in a window's region (not s's own to map).
static pte_t *space_walk(struct space *s, uint32_t va, int alloc)
{
	pte_t *e = space_l2_entry(s, va, alloc);

	if (!e || (*e & PTE_WINDOW))
		return 0;
	if (!lpae_is_valid(*e)) {
		uint64_t pa = alloc ? table_alloc(s) : 0;
		if (!pa)
			return 0;
		dsb();
		*e = lpae_table(pa);
	}
	return &table_va(*e)[lpae_index(3, va)];
}

// Tables missing on the way to the level-3 entries of [va, va + n pages).
static uint32_t tables_needed(struct space *s, uint32_t va, uint32_t n)
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

int space_map_frame(struct space *s, uint32_t va, uint64_t pa, unsigned prot, unsigned how)
{
	pte_t *e = space_walk(s, va, 1), d;

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
	dsb();
	*e = d;
	dsb();
	return E_OK;
}

void space_unmap_kernel(struct space *s, uint32_t va)
{
	pte_t *e = space_walk(s, va, 0);

	if (!e || !lpae_is_valid(*e))
		return;
	*e = 0;
	tlb_flush_page(s, va);
}

static int user_va_ok(uint32_t va, uint32_t n)
{
	return !(va & (PAGE_SIZE - 1)) && n && va >= USER_BASE && va < USER_TOP &&
	       n <= (USER_TOP - va) / PAGE_SIZE;
}

int space_map_check(struct space *s, uint32_t va, uint32_t n, uint32_t extra)
{
	for (uint32_t i = 0; i < n; i++) {
		pte_t *e = space_walk(s, va + i * PAGE_SIZE, 0);
		if ((e && lpae_is_valid(*e)) || space_in_window(s, va + i * PAGE_SIZE))
			return E_BUSY;
	}
	if (tables_needed(s, va, n) + extra > s->quota - s->used)
		return E_NOMEM;
	return E_OK;
}

// A space invocation, decoded: the objects its arguments name.
struct space_args {
	struct space *s; // the invoked space
	// SPACE_CREATE: the caller's empty dest slot; SPACE_MINT: the empty
	// dest slot in s; SPACE_DELETE, _IDENTIFY, _DESTROY: the slot in s.
	struct cap *slot;
	struct cap *src;      // SPACE_MINT: the caller's source capability
	struct prange *range; // SPACE_MAP
};

// SPACE_MAP: (range slot, page offset, va, npages | prot << 24).
static int space_map_decode(const struct invocation *inv, struct space_args *a)
{
	const struct msg_in *in = &inv->in;
	uint32_t off = in->mr[1], va = in->mr[2], n = map_word_npages(in->mr[3]),
		 prot = map_word_prot(in->mr[3]);
	struct cap *rc;
	int err;

	if (in->len < 4 || (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_NOCACHE)) || !prot)
		return E_INVAL;
	err = cap_lookup(inv->self, in->mr[0], CAP_RANGE,
			 RIGHT_READ | (prot & PROT_WRITE ? RIGHT_WRITE : 0), &rc);
	if (err)
		return err;
	a->range = (struct prange *)rc->obj;
	if (!user_va_ok(va, n) || off > a->range->pages || n > a->range->pages - off)
		return E_RANGE;
	return space_map_check(a->s, va, n, 0);
}

// Fails only when LOWMEM itself runs out: the pages before stay mapped.
static int space_map_perform(const struct invocation *inv, const struct space_args *a)
{
	uint32_t off = inv->in.mr[1], va = inv->in.mr[2], n = map_word_npages(inv->in.mr[3]),
		 prot = map_word_prot(inv->in.mr[3]);
	struct prange *r = a->range;
	int err;

	r->mapped |= r->derived;
	a->s->revocable |= r->derived;
	for (uint32_t i = 0; i < n; i++) {
		err = space_map_frame(a->s, va + i * PAGE_SIZE,
				      r->base + (uint64_t)(off + i) * PAGE_SIZE, prot,
				      r->derived ? MAP_REVOCABLE : 0);
		if (err)
			return err;
	}
	return E_OK;
}

// SPACE_UNMAP: (va, npages). Pages not mapped are skipped.
static int space_unmap_decode(const struct invocation *inv, const struct space_args *a)
{
	uint32_t va = inv->in.mr[0], n = inv->in.mr[1];

	if (inv->in.len < 2)
		return E_INVAL;
	if (!user_va_ok(va, n))
		return E_RANGE;
	for (uint32_t i = 0; i < n; i++) {
		pte_t *e = space_walk(a->s, va + i * PAGE_SIZE, 0);
		if (e && lpae_is_valid(*e) && (*e & PTE_PINNED))
			return E_BUSY;
	}
	return E_OK;
}

static void space_unmap_perform(const struct invocation *inv, const struct space_args *a)
{
	uint32_t va = inv->in.mr[0], n = inv->in.mr[1];

	for (uint32_t i = 0; i < n; i++) {
		pte_t *e = space_walk(a->s, va + i * PAGE_SIZE, 0);
		if (!e || !lpae_is_valid(*e))
			continue;
		pte_t old = *e;
		*e = 0;
		tlb_flush_page(a->s, va + i * PAGE_SIZE);
		if (old & PTE_KFRAME)
			frame_free(lpae_oa(old));
	}
}

// SPACE_CREATE: (type, dest slot in the caller's table, arg). The quota is
// checked here; only LOWMEM running out can fail the perform.
static int space_create_decode(const struct invocation *inv, struct space_args *a)
{
	uint32_t type = inv->in.mr[0], arg = inv->in.mr[2], pages = 1;

	a->slot = cap_slot(inv->self, inv->in.mr[1]);
	if (inv->in.len < 3)
		return E_INVAL;
	if (!a->slot)
		return E_CAP;
	if (a->slot->type != CAP_NULL)
		return E_BUSY;
	switch (type) {
	case CAP_SPACE: // its own quota, taken from s's, its tables and its header
		if (arg > a->s->quota)
			return E_NOMEM;
		pages = arg + SPACE_EXTRA_PAGES + 1;
		break;
	case CAP_THREAD:
	case CAP_ENDPOINT:
	case CAP_NOTIFY:
	case CAP_REPLY: break;
	case CAP_WINDOW: // the object's page and its table's
		pages = 2;
		break;
	default: return E_INVAL;
	}
	return quota_check(a->s, pages);
}

static int space_create_perform(const struct invocation *inv, const struct space_args *a)
{
	uint32_t type = inv->in.mr[0];
	struct space *s = a->s;
	struct kobj *o = 0;
	int err = E_NOMEM;

	switch (type) {
	case CAP_SPACE: {
		struct space *n = space_create(s, inv->in.mr[2], &err);
		o = n ? &n->hdr : 0;
		break;
	}
	case CAP_THREAD: {
		struct thread *t = thread_create(s);
		o = t ? &t->hdr : 0;
		break;
	}
	case CAP_WINDOW: {
		quota_charge(s, 1); // the table's page (checked)
		uint64_t table = frame_alloc();
		struct window *w = table ? kobj_alloc(CAP_WINDOW, 1, s) : 0;
		if (!w) {
			if (table)
				frame_free(table);
			quota_release(s, 1);
			return E_NOMEM;
		}
		w->table = (pte_t *)phys_to_virt(table);
		w->hdr.pages = 2; // both go back to the quota when it is freed
		o = &w->hdr;
		break;
	}
	default: // CAP_ENDPOINT, CAP_NOTIFY, CAP_REPLY: the header starts each
		o = kobj_alloc((uint8_t)type, 1, s);
		break;
	}
	if (!o)
		return err;
	cap_set(a->slot, o, RIGHTS_ALL, 0);
	return E_OK;
}

// SPACE_MINT: (dest slot in s, source slot in the caller's table, rights, badge).
static int space_mint_decode(const struct invocation *inv, struct space_args *a)
{
	const struct msg_in *in = &inv->in;
	int err;

	a->slot = cap_slot(a->s, in->mr[0]);
	if (in->len < 4 || (in->mr[2] & ~RIGHTS_ALL))
		return E_INVAL;
	if (!a->slot)
		return E_CAP;
	err = cap_lookup(inv->self, in->mr[1], CAP_NULL, 0, &a->src);
	if (err)
		return err;
	if (a->slot->type != CAP_NULL)
		return E_BUSY;
	if (a->src->badge && in->mr[3] && in->mr[3] != a->src->badge)
		return E_PERM; // a badge, once given, stays
	return E_OK;
}

static void space_mint_perform(const struct invocation *inv, const struct space_args *a)
{
	const struct cap *src = a->src;

	cap_set(a->slot, src->obj, src->rights & inv->in.mr[2],
		src->badge ? src->badge : inv->in.mr[3]);
}

// SPACE_DELETE and SPACE_IDENTIFY: (slot in s), which must hold a capability.
static int space_slot_decode(const struct invocation *inv, struct space_args *a)
{
	a->slot = cap_slot(a->s, inv->in.mr[0]);
	if (inv->in.len < 1)
		return E_INVAL;
	if (!a->slot || a->slot->type == CAP_NULL)
		return E_CAP;
	return E_OK;
}

// SPACE_DESTROY: (slot in s), with RIGHT_MANAGE on that capability too.
static int space_destroy_decode(const struct invocation *inv, struct space_args *a)
{
	int err = inv->in.len < 1
			  ? E_INVAL
			  : cap_lookup(a->s, inv->in.mr[0], CAP_NULL, RIGHT_MANAGE, &a->slot);

	return err ? err : kobj_destroy_check(a->slot);
}

int space_invoke(struct invocation *inv)
{
	struct space_args a = { .s = (struct space *)inv->cap->obj };
	struct msg_out *out = &inv->out;
	int err;

	if (!(inv->cap->rights & RIGHT_MANAGE))
		return E_PERM;
	switch (inv->in.label) {
	case SPACE_CREATE:
		err = space_create_decode(inv, &a);
		return err ? err : space_create_perform(inv, &a);
	case SPACE_MINT:
		err = space_mint_decode(inv, &a);
		if (!err)
			space_mint_perform(inv, &a);
		return err;
	case SPACE_DELETE:
		err = space_slot_decode(inv, &a);
		if (!err)
			cap_clear(a.slot);
		return err;
	case SPACE_IDENTIFY:
		err = space_slot_decode(inv, &a);
		if (!err && a.slot->obj->dead)
			err = E_DEAD;
		if (err)
			return err;
		out->len = 3;
		out->mr[0] = a.slot->type;
		out->mr[1] = a.slot->rights;
		out->mr[2] = a.slot->badge;
		return E_OK;
	case SPACE_DESTROY:
		err = space_destroy_decode(inv, &a);
		if (!err)
			kobj_destroy(a.slot->obj);
		return err;
	case SPACE_MAP:
		err = space_map_decode(inv, &a);
		return err ? err : space_map_perform(inv, &a);
	case SPACE_UNMAP:
		err = space_unmap_decode(inv, &a);
		if (!err)
			space_unmap_perform(inv, &a);
		return err;
	case SPACE_INFO: // nothing to decode
		out->len = 3;
		out->mr[0] = a.s->quota;
		out->mr[1] = a.s->used;
		out->mr[2] = a.s->asid_gen == asid_generation ? asid_of(a.s) : 0;
		return E_OK;
	default:
		return E_NOSYS;
	}
}
