// Windows: one level-3 table of 512 page slots (2 MiB of virtual space)
// that the kernel installs into address spaces, the mechanism behind every
// temporary mapping memsrv hands out. A WIN_THREAD window is in its
// thread's space only while that thread runs (kmap_local: its siblings
// fault on it); a WIN_SPACE window stays in each space it is bound to (the
// shared kmap pool in every client, vmap areas in one). memsrv writes and
// clears slots with frames of physical ranges; the kernel checks both
// capabilities and every frame, keeps the TLB right, and never touches the
// frames themselves.
#include "memory.h"
#include "mmu.h"
#include "objects.h"
#include "printk.h"

// Beyond this many pages (or spaces), one full TLB flush is cheaper than
// one invalidation per page and space.
#define FLUSH_ALL_PAGES 16

// The attribute bits of a slot's descriptor (user, not global, never
// executable), indexed by writable | uncached << 1: lpae_page's encoding,
// computed once.
pte_t slot_attrs[4];

void window_init(void)
{
	for (unsigned i = 0; i < 4; i++)
		slot_attrs[i] = lpae_page(0, LPAE_P_USER | (i & 1 ? LPAE_P_WRITE : 0) |
						  (i & 2 ? LPAE_P_NOCACHE : 0));
}

static uint64_t table_descriptor(const struct window *w)
{
	return lpae_table(virt_to_phys(w->table)) | PTE_WINDOW;
}

// The virtual address of slot 0 in space s.
static uint32_t window_va(const struct window *w, const struct space *s)
{
	return w->kind == WIN_THREAD ? s->local_va : w->va;
}

// Makes every TLB forget slots [first, first + count) wherever w is in use.
static void window_flush(struct window *w, uint32_t first, uint32_t count)
{
	struct space *only = 0;
	uint32_t n = 0;

	if (w->kind == WIN_THREAD) {
		struct space *s = w->thread ? w->thread->space : 0;
		if (!s || s->local_installed != w)
			return; // not installed: its entries were flushed when it left
		only = s;
		n = 1;
	} else {
		for (uint32_t i = 0; i < w->nspaces; i++)
			n += !w->spaces[i]->hdr.dead;
		if (n == 1)
			for (uint32_t i = 0; i < w->nspaces && !only; i++)
				only = w->spaces[i]->hdr.dead ? 0 : w->spaces[i];
	}
	if (!n)
		return;
	dsb();
	if (n == 1 && count <= FLUSH_ALL_PAGES) {
		if (only->asid_gen == asid_generation)
			for (uint32_t i = first; i < first + count; i++)
				tlbimva((window_va(w, only) + i * PAGE_SIZE) | (uint32_t)(only->ttbr0 >> 48));
	} else if (w->kind == WIN_SPACE && count <= FLUSH_ALL_PAGES) {
		for (uint32_t i = first; i < first + count; i++) // one address, every ASID
			tlbimvaa(w->va + i * PAGE_SIZE);
	} else {
		tlbiall(0);
	}
	dsb();
	isb();
}

void window_clear(struct window *w, uint32_t first, uint32_t count)
{
	int any = 0;

	for (uint32_t i = first; i < first + count; i++) {
		any |= lpae_is_valid(w->table[i]);
		w->table[i] = 0;
	}
	if (any)
		window_flush(w, first, count);
}

void window_switch_local(struct space *s, struct thread *t)
{
	pte_t *e = space_l2_entry(s, s->local_va, 0);
	int was_valid = e && lpae_is_valid(*e);

	if (!e)
		return; // no window region in this space
	*e = t->local_win ? table_descriptor(t->local_win) : PTE_RESERVED;
	s->local_installed = t->local_win;
	if (was_valid) // the sibling's entries must not outlive its turn
		space_tlb_flush(s);
}

// Takes w out of the thread's space, if it is installed there.
static void uninstall_local(struct window *w)
{
	struct space *s = w->thread->space;

	if (s && s->local_installed == w) {
		pte_t *e = space_l2_entry(s, s->local_va, 0);
		*e = PTE_RESERVED;
		s->local_installed = 0;
		space_tlb_flush(s);
	}
}

void window_thread_gone(struct thread *t)
{
	struct window *w = t->local_win;

	if (!w)
		return;
	uninstall_local(w);
	t->local_win = 0;
	w->thread = 0;
	kobj_put(&t->hdr);
	kobj_put(&w->hdr);
}

void window_destroy(struct window *w)
{
	if (w->kind == WIN_THREAD && w->thread)
		window_thread_gone(w->thread);
	for (uint32_t i = 0; i < w->nspaces; i++) {
		struct space *s = w->spaces[i];
		pte_t *e = s->hdr.dead ? 0 : space_l2_entry(s, w->va, 0);
		if (e && (*e & PTE_WINDOW)) {
			*e = 0;
			space_tlb_flush(s);
		}
		kobj_put(&s->hdr);
	}
	w->nspaces = 0;
	w->kind = WIN_NONE;
}

void window_free(struct window *w)
{
	frame_free(virt_to_phys(w->table));
}

void window_revoke(struct window *w, uint64_t base, uint64_t end)
{
	if (w->revocable && revoke_l3(w->table, base, end))
		window_flush(w, 0, WINDOW_SLOTS);
}

// Forgets the spaces that died since they were bound (a shared pool sees
// clients come and go), releasing their headers.
static void drop_dead_spaces(struct window *w)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < w->nspaces; i++) {
		if (w->spaces[i]->hdr.dead)
			kobj_put(&w->spaces[i]->hdr);
		else
			w->spaces[n++] = w->spaces[i];
	}
	w->nspaces = n;
}

// WINDOW_BIND: (kind, thread or space slot, va).
static int window_bind(struct space *self, struct window *w, const struct msg_in *in)
{
	uint32_t kind = in->mr[0], va = in->mr[2];
	struct cap *c;
	int err;

	if (in->len < 3 || (kind != WIN_THREAD && kind != WIN_SPACE) || (w->kind && w->kind != kind))
		return E_INVAL;
	if ((va & (WINDOW_SIZE - 1)) || va < WINDOW_SIZE || va >= USER_TOP)
		return E_RANGE;
	err = cap_lookup(self, in->mr[1], kind == WIN_THREAD ? CAP_THREAD : CAP_SPACE, RIGHT_WRITE, &c);
	if (err)
		return err;
	if (kind == WIN_THREAD) {
		struct thread *t = (struct thread *)((char *)c->obj - offsetof(struct thread, hdr));
		struct space *s = t->space;
		if (!s)
			return E_INVAL; // not configured into a space yet
		if (w->thread || t->local_win || (s->local_va && s->local_va != va))
			return E_BUSY;
		if (!s->local_va) { // the space's thread-window region, reserved for good
			pte_t *e;
			err = space_region_for_window(s, va, &e);
			if (err)
				return err;
			*e = PTE_RESERVED;
			s->local_va = va;
		}
		w->kind = WIN_THREAD;
		w->thread = t;
		t->local_win = w;
		kobj_get(&t->hdr);
		kobj_get(&w->hdr);
		return E_OK;
	}
	struct space *s = (struct space *)c->obj;
	if (w->nspaces && va != w->va)
		return E_INVAL; // one address in every space
	drop_dead_spaces(w);
	if (w->nspaces == WIN_MAX_SPACES)
		return E_NOSLOT;
	for (uint32_t i = 0; i < w->nspaces; i++)
		if (w->spaces[i] == s)
			return E_BUSY;
	pte_t *e;
	err = space_region_for_window(s, va, &e);
	if (err)
		return err;
	dsb();
	*e = table_descriptor(w);
	w->kind = WIN_SPACE;
	w->va = va;
	w->spaces[w->nspaces++] = s;
	kobj_get(&s->hdr);
	return E_OK;
}

// WINDOW_MAP's work: a[] = first slot, range slot, page offset and
// map_word(count, prot); slots [a[0], a[0] + count) of w = frames of the
// range in the caller's slot a[1] from page a[2]. Checks everything before
// it changes anything.
static int map_slots(struct space *self, struct window *w, const uint32_t *a)
{
	uint32_t first = a[0], off = a[2], n = map_word_npages(a[3]), prot = map_word_prot(a[3]);
	struct prange *r;
	struct cap *rc;
	int err, any = 0;

	if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_NOCACHE))
		return E_INVAL;
	if (prot & PROT_EXEC)
		return E_PERM; // temporary mappings are never executable
	if (!n || !(prot & (PROT_READ | PROT_WRITE)))
		return E_INVAL;
	if (first >= WINDOW_SLOTS || n > WINDOW_SLOTS - first)
		return E_RANGE;
	err = cap_lookup(self, a[1], CAP_RANGE, RIGHT_READ | (prot & PROT_WRITE ? RIGHT_WRITE : 0), &rc);
	if (err)
		return err;
	r = (struct prange *)rc->obj;
	if (off > r->pages || n > r->pages - off)
		return E_RANGE;
	pte_t *e = &w->table[first];
	for (uint32_t i = 0; i < n; i++) {
		if (lpae_is_valid(e[i])) { // break before make
			e[i] = 0;
			any = 1;
		}
	}
	if (any)
		window_flush(w, first, n);
	pte_t d = (r->base + (uint64_t)off * PAGE_SIZE) |
		  slot_attrs[(prot & PROT_WRITE ? 1 : 0) | (prot & PROT_NOCACHE ? 2 : 0)];
	if (r->derived) {
		d |= PTE_REVOCABLE;
		r->mapped = 1;
		w->revocable = 1;
	}
	for (uint32_t i = 0; i < n; i++, d += PAGE_SIZE)
		e[i] = d;
	dsb();
	return E_OK;
}

int window_map_request(struct space *self, const uint32_t *map)
{
	struct cap *wc = cap_slot(self, map[0]);

	if (!wc || wc->type != CAP_WINDOW || wc->obj->dead || !(wc->rights & RIGHT_MANAGE)) {
		int err = cap_lookup(self, map[0], CAP_WINDOW, RIGHT_MANAGE, &wc);
		if (err)
			return err; // (the checks above pass only for a usable capability)
	}
	return map_slots(self, (struct window *)wc->obj, map + 1);
}

int window_invoke(struct space *self, struct cap *c, const struct msg_in *in, struct msg_out *out)
{
	struct window *w = (struct window *)c->obj;

	if (!(c->rights & RIGHT_MANAGE))
		return E_PERM;
	switch (in->label) {
	case WINDOW_BIND: return window_bind(self, w, in);
	case WINDOW_MAP: return in->len < 4 ? E_INVAL : map_slots(self, w, in->mr);
	case WINDOW_CLEAR:
		if (in->len < 2)
			return E_INVAL;
		if (in->mr[0] >= WINDOW_SLOTS || !in->mr[1] || in->mr[1] > WINDOW_SLOTS - in->mr[0])
			return E_RANGE;
		window_clear(w, in->mr[0], in->mr[1]);
		return E_OK;
	case WINDOW_INFO: {
		uint32_t used = 0;
		drop_dead_spaces(w);
		for (uint32_t i = 0; i < WINDOW_SLOTS; i++)
			used += lpae_is_valid(w->table[i]);
		out->len = 4;
		out->mr[0] = w->kind;
		out->mr[1] = w->kind == WIN_THREAD && w->thread && w->thread->space ? w->thread->space->local_va : w->va;
		out->mr[2] = w->kind == WIN_THREAD ? (w->thread != 0) : w->nspaces;
		out->mr[3] = used;
		return E_OK;
	}
	default:
		return E_NOSYS;
	}
}
