// Address spaces: the object, its quota of kernel pages and its capability
// table. Its translation tables and ASID are the arch's (vspace.h).
#include "memory.h"
#include "mmu.h"
#include "objects.h"
#include "printk.h"
#include "sched.h"
#include "vspace.h"

static uint32_t next_space_id = 1;

struct space *space_create(struct space *parent, uint32_t quota, int *err)
{
	uint32_t extra = 1 + VSPACE_ROOT_PAGES; // capability table, a root of its own
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
		vspace_deactivate();
		c->space = 0;
	}
	vspace_destroy(s);
}

void space_free(struct space *s)
{
	frame_free(virt_to_phys(s->caps));
	vspace_free(s);
	quota_release(s->parent, s->quota + 1 + VSPACE_ROOT_PAGES);
	if (s->parent)
		kobj_put(&s->parent->hdr);
}

static int user_va_ok(uint32_t va, uint32_t n)
{
	return !(va & (PAGE_SIZE - 1)) && n && va >= USER_BASE && va < USER_TOP &&
	       n <= (USER_TOP - va) / PAGE_SIZE;
}

// SPACE_MAP: (range slot, page offset, va, npages | prot << 24).
static int space_map(struct space *self, struct space *s, const struct msg_in *in)
{
	uint32_t off = in->mr[1], va = in->mr[2], n = map_word_npages(in->mr[3]),
		 prot = map_word_prot(in->mr[3]);
	struct cap *rc;
	int err;

	if (in->len < 4 || (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_NOCACHE)) || !prot)
		return E_INVAL;
	err = cap_lookup(self, in->mr[0], CAP_RANGE, RIGHT_READ | (prot & PROT_WRITE ? RIGHT_WRITE : 0), &rc);
	if (err)
		return err;
	struct prange *r = (struct prange *)rc->obj;
	if (!user_va_ok(va, n) || off > r->pages || n > r->pages - off)
		return E_RANGE;
	for (uint32_t i = 0; i < n; i++)
		if (vspace_page_busy(s, va + i * PAGE_SIZE))
			return E_BUSY;
	if (vspace_tables_needed(s, va, n) > s->quota - s->used)
		return E_NOMEM;
	r->mapped |= r->derived;
	s->revocable |= r->derived;
	for (uint32_t i = 0; i < n; i++) {
		err = vspace_map_frame(s, va + i * PAGE_SIZE,
				       r->base + (uint64_t)(off + i) * PAGE_SIZE, prot,
				       r->derived ? MAP_REVOCABLE : 0);
		if (err)
			return err; // LOWMEM itself ran out: the pages before stay mapped
	}
	return E_OK;
}

// SPACE_UNMAP: (va, npages). Pages not mapped are skipped.
static int space_unmap(struct space *s, const struct msg_in *in)
{
	uint32_t va = in->mr[0], n = in->mr[1];

	if (in->len < 2)
		return E_INVAL;
	if (!user_va_ok(va, n))
		return E_RANGE;
	for (uint32_t i = 0; i < n; i++)
		if (vspace_page_pinned(s, va + i * PAGE_SIZE))
			return E_BUSY;
	for (uint32_t i = 0; i < n; i++)
		vspace_unmap(s, va + i * PAGE_SIZE);
	return E_OK;
}

// SPACE_CREATE: (type, dest slot in the caller's table, arg).
static int space_create_obj(struct space *self, struct space *s, const struct msg_in *in)
{
	uint32_t type = in->mr[0], arg = in->mr[2];
	struct cap *dest = cap_slot(self, in->mr[1]);
	struct kobj *o = 0;
	int err = E_NOMEM;

	if (in->len < 3)
		return E_INVAL;
	if (!dest)
		return E_CAP;
	if (dest->type != CAP_NULL)
		return E_BUSY;
	switch (type) {
	case CAP_SPACE: {
		struct space *n = space_create(s, arg, &err);
		o = n ? &n->hdr : 0;
		break;
	}
	case CAP_THREAD: {
		struct thread *t = thread_create(s);
		o = t ? &t->hdr : 0;
		break;
	}
	case CAP_ENDPOINT:
	case CAP_NOTIFY:
	case CAP_REPLY: // the header starts each of these
		o = kobj_alloc((uint8_t)type, 1, s);
		break;
	case CAP_WINDOW: { // the object's page and its table's
		if (quota_charge(s, 1))
			return E_NOMEM;
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
	default:
		return E_INVAL;
	}
	if (!o)
		return err;
	cap_set(dest, o, RIGHTS_ALL, 0);
	return E_OK;
}

// SPACE_MINT: (dest slot in s, source slot in the caller's table, rights, badge).
static int space_mint(struct space *self, struct space *s, const struct msg_in *in)
{
	struct cap *dest = cap_slot(s, in->mr[0]), *src;
	int err;

	if (in->len < 4 || (in->mr[2] & ~RIGHTS_ALL))
		return E_INVAL;
	if (!dest)
		return E_CAP;
	err = cap_lookup(self, in->mr[1], CAP_NULL, 0, &src);
	if (err)
		return err;
	if (dest->type != CAP_NULL)
		return E_BUSY;
	if (src->badge && in->mr[3] && in->mr[3] != src->badge)
		return E_PERM; // a badge, once given, stays
	cap_set(dest, src->obj, src->rights & in->mr[2], src->badge ? src->badge : in->mr[3]);
	return E_OK;
}

int space_invoke(struct space *self, struct cap *c, const struct msg_in *in, struct msg_out *out)
{
	struct space *s = (struct space *)c->obj;

	if (!(c->rights & RIGHT_MANAGE))
		return E_PERM;
	switch (in->label) {
	case SPACE_CREATE: return space_create_obj(self, s, in);
	case SPACE_MINT: return space_mint(self, s, in);
	case SPACE_DELETE: {
		struct cap *slot = cap_slot(s, in->mr[0]);
		if (in->len < 1)
			return E_INVAL;
		if (!slot || slot->type == CAP_NULL)
			return E_CAP;
		cap_clear(slot);
		return E_OK;
	}
	case SPACE_IDENTIFY: {
		struct cap *slot = cap_slot(s, in->mr[0]);
		if (in->len < 1)
			return E_INVAL;
		if (!slot || slot->type == CAP_NULL)
			return E_CAP;
		if (slot->obj->dead)
			return E_DEAD;
		out->len = 3;
		out->mr[0] = slot->type;
		out->mr[1] = slot->rights;
		out->mr[2] = slot->badge;
		return E_OK;
	}
	case SPACE_DESTROY: {
		struct cap *slot;
		int err = in->len < 1 ? E_INVAL : cap_lookup(s, in->mr[0], CAP_NULL, RIGHT_MANAGE, &slot);
		return err ? err : kobj_destroy_by(slot);
	}
	case SPACE_MAP: return space_map(self, s, in);
	case SPACE_UNMAP: return space_unmap(s, in);
	case SPACE_INFO:
		out->len = 3;
		out->mr[0] = s->quota;
		out->mr[1] = s->used;
		out->mr[2] = vspace_asid_live(s) ? vspace_asid(s) : 0;
		return E_OK;
	default:
		return E_NOSYS;
	}
}
