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
#include "tlb.h"
#include "vspace.h"

// Beyond this many pages (or spaces), one full TLB flush is cheaper than
// one invalidation per page and space.
#define FLUSH_ALL_PAGES 16

// The virtual address of slot 0 in space s.
static uint32_t window_va(const struct window *w, const struct space *s)
{
	return w->kind == WIN_THREAD ? s->local_va : w->va;
}

// Whether thread window w is installed in s for some CPU (only one CPU
// runs its thread, but another may not have switched it out yet).
static int installed_anywhere(const struct space *s, const struct window *w)
{
	for (unsigned n = 0; n < NR_CPUS; n++)
		if (s->on[n].installed == w)
			return 1;
	return 0;
}

// Makes every TLB forget slots [first, first + count) wherever w is in use.
static void window_flush(struct window *w, uint32_t first, uint32_t count)
{
	struct space *only = 0;
	uint32_t n = 0;

	if (w->kind == WIN_THREAD) {
		struct space *s = w->thread ? w->thread->space : 0;
		if (!s || !installed_anywhere(s, w))
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
	if (n == 1 && count <= FLUSH_ALL_PAGES) {
		if (vspace_asid_live(only)) // else the TLB holds nothing of it
			tlb_flush_pages_asid(window_va(w, only) + first * PAGE_SIZE, count,
					     vspace_asid(only));
	} else if (w->kind == WIN_SPACE && count <= FLUSH_ALL_PAGES) {
		tlb_flush_pages(w->va + first * PAGE_SIZE, count); // one address, every ASID
	} else {
		tlb_flush_all();
	}
}

void window_clear(struct window *w, uint32_t first, uint32_t count)
{
	if (vspace_slots_clear(w->table, first, count))
		window_flush(w, first, count);
}

void window_switch_local(struct cpu *c, struct space *s, struct thread *t)
{
	vspace_switch_window(s, c, t->local_win ? t->local_win->table : 0);
	s->on[c->id].installed = t->local_win;
}

// Takes w out of the thread's space, for every CPU it is installed for.
static void uninstall_local(struct window *w)
{
	struct space *s = w->thread->space;
	int any = 0;

	if (!s)
		return;
	for (unsigned n = 0; n < NR_CPUS; n++) {
		if (s->on[n].installed != w)
			continue;
		vspace_clear_window(s, cpu_get(n));
		s->on[n].installed = 0;
		any = 1;
	}
	if (any)
		vspace_flush(s);
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
		if (!s->hdr.dead)
			vspace_remove_window(s, w->va);
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
	if (w->revocable && vspace_slots_revoke(w->table, base, end))
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

// WINDOW_BIND decoded: where, and into which thread's or space's.
struct bind_args {
	uint32_t kind, va;
	struct thread *t; // WIN_THREAD
	struct space *s;  // the space it goes into
};

// WINDOW_BIND: (kind, thread or space slot, va).
static int bind_decode(const struct invocation *inv, const struct window *w, struct bind_args *a)
{
	const struct msg_in *in = &inv->in;
	uint32_t kind = in->mr[0], va = in->mr[2], live = 0;
	struct cap *c;
	int err;

	if (in->len < 3 || (kind != WIN_THREAD && kind != WIN_SPACE) ||
	    (w->kind && w->kind != kind))
		return E_INVAL;
	if ((va & (WINDOW_SIZE - 1)) || va < WINDOW_SIZE || va >= USER_TOP)
		return E_RANGE;
	err = cap_lookup(inv->self, in->mr[1], kind == WIN_THREAD ? CAP_THREAD : CAP_SPACE,
			 RIGHT_WRITE, &c);
	if (err)
		return err;
	a->kind = kind;
	a->va = va;
	if (kind == WIN_THREAD) {
		a->t = (struct thread *)((char *)c->obj - offsetof(struct thread, hdr));
		a->s = a->t->space;
		if (!a->s)
			return E_INVAL; // not configured into a space yet
		if (w->thread || a->t->local_win || (a->s->local_va && a->s->local_va != va))
			return E_BUSY;
		return a->s->local_va ? E_OK : vspace_local_check(a->s, va);
	}
	a->s = (struct space *)c->obj;
	if (w->nspaces && va != w->va)
		return E_INVAL; // one address in every space
	for (uint32_t i = 0; i < w->nspaces; i++)
		live += !w->spaces[i]->hdr.dead; // the dead are dropped when it is bound
	if (live == WIN_MAX_SPACES)
		return E_NOSLOT;
	for (uint32_t i = 0; i < w->nspaces; i++)
		if (w->spaces[i] == a->s)
			return E_BUSY;
	return vspace_window_check(a->s, va);
}

// Fails (E_NOMEM) only when LOWMEM runs out, with nothing changed.
static int bind_perform(struct window *w, const struct bind_args *a)
{
	struct space *s = a->s;
	int err;

	if (a->kind == WIN_THREAD) {
		if (!s->local_va) { // the space's thread-window region, reserved for good
			err = vspace_reserve_window(s, a->va);
			if (err)
				return err;
		}
		w->kind = WIN_THREAD;
		w->thread = a->t;
		a->t->local_win = w;
		kobj_get(&a->t->hdr);
		kobj_get(&w->hdr);
		return E_OK;
	}
	err = vspace_install_window(s, a->va, w->table);
	if (err)
		return err;
	drop_dead_spaces(w);
	w->kind = WIN_SPACE;
	w->va = a->va;
	w->spaces[w->nspaces++] = s;
	kobj_get(&s->hdr);
	return E_OK;
}

// WINDOW_MAP decoded.
struct map_args {
	uint32_t first, n, prot, off;
	struct prange *range;
	struct thread *pin; // MAP_PIN: the thread to pin, else NULL
};

// WINDOW_MAP's arguments: a[] = first slot, range slot, page offset and
// map_word(count, prot); slots [a[0], a[0] + count) of window w = frames of
// the range in the caller's slot a[1] from page a[2]. `to`: the thread a
// reply goes to (which MAP_PIN pins), NULL for an invocation.
static inline int map_decode(struct space *self, const struct window *w, const uint32_t *a,
			     struct thread *to, struct map_args *m)
{
	uint32_t prot = map_word_prot(a[3]);
	struct cap *rc;
	int err;

	m->first = a[0];
	m->off = a[2];
	m->n = map_word_npages(a[3]);
	m->pin = 0;
	if (prot & MAP_PIN) {
		if (!to)
			return E_INVAL; // (in a reply only)
		m->pin = to;
		prot &= ~MAP_PIN;
	}
	m->prot = prot;
	if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_NOCACHE))
		return E_INVAL;
	if (m->prot & PROT_EXEC)
		return E_PERM; // temporary mappings are never executable
	if (!m->n || !(m->prot & (PROT_READ | PROT_WRITE)))
		return E_INVAL;
	if (m->first >= WINDOW_SLOTS || m->n > WINDOW_SLOTS - m->first)
		return E_RANGE;
	err = cap_lookup(self, a[1], CAP_RANGE,
			 RIGHT_READ | (m->prot & PROT_WRITE ? RIGHT_WRITE : 0), &rc);
	if (err)
		return err;
	m->range = (struct prange *)rc->obj;
	if (m->off > m->range->pages || m->n > m->range->pages - m->off)
		return E_RANGE;
	if (!m->pin)
		return E_OK;
	if (w->kind != WIN_THREAD || w->thread != to)
		return E_PERM; // a thread is pinned through its own window only
	return thread_pin_check(to, w);
}

// A slot still holding a frame is emptied first (break before make).
static inline void map_perform(struct window *w, const struct map_args *m)
{
	struct prange *r = m->range;

	if (vspace_slots_mapped(w->table, m->first, m->n))
		window_clear(w, m->first, m->n);
	if (r->derived) {
		r->mapped = 1;
		w->revocable = 1;
	}
	vspace_slots_write(w->table, m->first, m->n, r->base + (uint64_t)m->off * PAGE_SIZE,
			   m->prot, r->derived ? MAP_REVOCABLE : 0);
	if (m->pin)
		thread_pin(m->pin, w, m->first, m->n);
}

// WINDOW_MAP of w, from an invocation (to = NULL) or a reply's MSG_MAP to
// thread `to`.
static int map_slots(struct space *self, struct window *w, const uint32_t *a, struct thread *to)
{
	struct map_args m;
	int err = map_decode(self, w, a, to, &m);

	if (err)
		return err;
	map_perform(w, &m);
	return E_OK;
}

int window_map_request(struct space *self, const uint32_t *map, struct thread *to)
{
	struct cap *wc = cap_slot(self, map[0]);

	if (!wc || wc->type != CAP_WINDOW || wc->obj->dead || !(wc->rights & RIGHT_MANAGE)) {
		int err = cap_lookup(self, map[0], CAP_WINDOW, RIGHT_MANAGE, &wc);
		if (err)
			return err; // (the checks above pass only for a usable capability)
	}
	return map_slots(self, (struct window *)wc->obj, map + 1, to);
}

// WINDOW_CLEAR: (first slot, count, flags).
static int clear_decode(const struct msg_in *in)
{
	if (in->len < 2)
		return E_INVAL;
	if (in->mr[0] >= WINDOW_SLOTS || !in->mr[1] || in->mr[1] > WINDOW_SLOTS - in->mr[0])
		return E_RANGE;
	return E_OK;
}

// WINDOW_INFO (nothing to decode): forgets the spaces that died on the way.
static void info_perform(struct window *w, struct msg_out *out)
{
	uint32_t used = 0;

	drop_dead_spaces(w);
	for (uint32_t i = 0; i < WINDOW_SLOTS; i++)
		used += vspace_slot_mapped(w->table, i);
	out->len = 4;
	out->mr[0] = w->kind;
	out->mr[1] = w->kind == WIN_THREAD && w->thread && w->thread->space
			     ? w->thread->space->local_va
			     : w->va;
	out->mr[2] = w->kind == WIN_THREAD ? (w->thread != 0) : w->nspaces;
	out->mr[3] = used;
}

int window_invoke(struct invocation *inv)
{
	struct window *w = (struct window *)inv->cap->obj;
	const struct msg_in *in = &inv->in;
	struct bind_args bind;
	int err;

	if (!(inv->cap->rights & RIGHT_MANAGE))
		return E_PERM;
	switch (in->label) {
	case WINDOW_BIND:
		err = bind_decode(inv, w, &bind);
		return err ? err : bind_perform(w, &bind);
	case WINDOW_MAP: return in->len < 4 ? E_INVAL : map_slots(inv->self, w, in->mr, 0);
	case WINDOW_CLEAR:
		err = clear_decode(in);
		if (!err)
			window_clear(w, in->mr[0], in->mr[1]);
		return err;
	case WINDOW_INFO: info_perform(w, &inv->out); return E_OK;
	default: return E_NOSYS;
	}
}
