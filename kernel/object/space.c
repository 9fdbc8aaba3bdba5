// Address spaces: the object, its quota of kernel pages and its capability
// table. Its translation tables and ASID are the arch's (vspace.h).
#include "memory.h"
#include "mmu.h"
#include "objects.h"
#include "printk.h"
#include "sched.h"
#include "vspace.h"

// The pages a space takes besides its header: its capability table, and a
// root table of its own when the arch needs one.
#define SPACE_EXTRA_PAGES (1 + VSPACE_ROOT_PAGES)

static uint32_t next_space_id = 1;

struct space *space_create(struct space *parent, uint32_t quota, int *err)
{
	uint32_t extra = SPACE_EXTRA_PAGES;
	uint64_t caps_pa, root_pa = 0;
	struct space *s;

	*err = E_NOMEM;
	if (parent && (quota > parent->quota || quota_charge(parent, quota + extra)))
		return 0;
	caps_pa = frame_alloc();
	if (caps_pa && VSPACE_ROOT_PAGES)
		root_pa = frame_alloc();
	s = caps_pa && (!VSPACE_ROOT_PAGES || root_pa) ? kobj_alloc(CAP_SPACE, 1, parent) : 0;
	if (!s) {
		if (caps_pa)
			frame_free(caps_pa);
		if (root_pa)
			frame_free(root_pa);
		quota_release(parent, quota + extra);
		return 0;
	}
	s->caps = (struct cap *)phys_to_virt(caps_pa);
	vspace_create(s, root_pa);
	s->quota = quota;
	s->parent = parent;
	if (parent)
		kobj_get(&parent->hdr);
	s->id = next_space_id++;
	*err = E_OK;
	return s;
}

void space_revoke(struct space *s, uint64_t base, uint64_t end)
{
	if (s->revocable)
		vspace_revoke(s, base, end);
}

// Dead spaces still loaded on another CPU, linked through unload_next, each
// holding a reference: a TTBR0 that still names their tables may walk them,
// so the tables (and the ASID the walks would tag entries with) stay until
// every such CPU has loaded something else (space_unloaded).
static struct space *unloading;

static int loaded_anywhere(const struct space *s)
{
	for (unsigned i = 0; i < NR_CPUS; i++) {
		const struct cpu *x = cpu_get(i);
		if (x->online && x->space == s)
			return 1;
	}
	return 0;
}

void space_destroy(struct space *s)
{
	struct cpu *c = this_cpu();
	int elsewhere = 0;

	while (s->threads) // each leaves the list as it dies
		kobj_destroy(&s->threads->hdr);
	for (unsigned i = 1; i < CAP_SLOTS; i++)
		cap_clear(&s->caps[i]);
	for (struct kobj *o = s->owned; o; o = o->charge_next) // freed later, by kobj_reap
		kobj_doom(o);
	if (c->space == s) { // stop walking tables about to be freed
		vspace_deactivate();
		c->space = 0;
	}
	// A CPU that still has s loaded (idle since it ran s, or leaving one of
	// s's threads, evicted above) lets go of it at its SGI (sched_ipi).
	for (unsigned i = 0; i < NR_CPUS; i++) {
		struct cpu *x = cpu_get(i);
		if (x != c && x->online && x->space == s) {
			x->tlb_stale = 1;
			sched_kick(x);
			elsewhere = 1;
		}
	}
	if (!elsewhere) {
		vspace_destroy(s);
		return;
	}
	kobj_get(&s->hdr);
	s->unload_next = unloading;
	unloading = s;
}

void space_unloaded(void)
{
	for (struct space **p = &unloading; *p;) {
		struct space *s = *p;
		if (loaded_anywhere(s)) {
			p = &s->unload_next;
			continue;
		}
		*p = s->unload_next;
		vspace_destroy(s);
		kobj_put(&s->hdr);
	}
}

void space_free(struct space *s)
{
	frame_free(virt_to_phys(s->caps));
	vspace_free(s);
	quota_release(s->parent, s->quota + SPACE_EXTRA_PAGES);
	if (s->parent)
		kobj_put(&s->parent->hdr);
}

static int user_va_ok(uint32_t va, uint32_t n)
{
	return !(va & (PAGE_SIZE - 1)) && n && va >= USER_BASE && va < USER_TOP &&
	       n <= (USER_TOP - va) / PAGE_SIZE;
}

int space_map_check(struct space *s, uint32_t va, uint32_t n, uint32_t extra)
{
	for (uint32_t i = 0; i < n; i++)
		if (vspace_page_busy(s, va + i * PAGE_SIZE))
			return E_BUSY;
	if (vspace_tables_needed(s, va, n) + extra > s->quota - s->used)
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
		err = vspace_map_frame(a->s, va + i * PAGE_SIZE,
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
	for (uint32_t i = 0; i < n; i++)
		if (vspace_page_pinned(a->s, va + i * PAGE_SIZE))
			return E_BUSY;
	return E_OK;
}

static void space_unmap_perform(const struct invocation *inv, const struct space_args *a)
{
	uint32_t va = inv->in.mr[0], n = inv->in.mr[1];

	for (uint32_t i = 0; i < n; i++)
		vspace_unmap(a->s, va + i * PAGE_SIZE);
}

// SPACE_CREATE: (type, dest slot in the caller's table, arg). The quota is
// checked here; only LOWMEM running out can fail the perform.
static int space_create_decode(const struct invocation *inv, struct space_args *a)
{
	uint32_t type = inv->in.mr[0], arg = inv->in.mr[2], pages = 1;
	int err;

	if (inv->in.len < 3)
		return E_INVAL;
	if ((err = cap_empty(inv->self, inv->in.mr[1], &a->slot)))
		return err;
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
		out->mr[2] = vspace_asid_live(a.s) ? vspace_asid(a.s) : 0;
		return E_OK;
	default: return E_NOSYS;
	}
}
