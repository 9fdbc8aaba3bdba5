// Physical-range capabilities: RAM the kernel does not use (HIGHMEM, the
// initrd), named by a base and a size in pages. The kernel keeps no
// per-page state for them and never reads or writes them; SPACE_MAP maps
// their pages for user space. A derived range (RANGE_DERIVE) lends the same
// pages to another space, for as long as that space lives: its mappings
// are marked, and removed everywhere when it dies.
#include "memlayout.h"
#include "objects.h"

struct prange *range_create(uint64_t base, uint32_t pages, struct space *charge)
{
	struct prange *r = kobj_alloc(CAP_RANGE, 1, charge);

	if (r) {
		r->base = base;
		r->pages = pages;
	}
	return r;
}

void range_destroy(struct prange *r)
{
	if (r->mapped)
		kobj_revoke_frames(r->base, r->base + (uint64_t)r->pages * PAGE_SIZE);
}

// A range invocation, decoded: the empty slot the new range goes in, and
// the space it is charged to.
struct range_args {
	struct cap *dest;
	struct space *charge;
};

// RANGE_DERIVE: (space slot, dest slot in that space, rights), RIGHT_MANAGE.
static int derive_decode(const struct invocation *inv, const struct prange *r, struct range_args *a)
{
	const struct msg_in *in = &inv->in;
	struct cap *sc;
	int err;

	if (!(inv->cap->rights & RIGHT_MANAGE))
		return E_PERM;
	if (in->len < 3 || (in->mr[2] & ~RIGHTS_ALL))
		return E_INVAL;
	if (r->derived)
		return E_PERM; // it would outlive the space r is lent to
	err = cap_lookup(inv->self, in->mr[0], CAP_SPACE, RIGHT_MANAGE, &sc);
	if (err)
		return err;
	a->charge = (struct space *)sc->obj;
	err = cap_empty(a->charge, in->mr[1], &a->dest);
	return err ? err : quota_check(a->charge, 1);
}

// Fails (E_NOMEM) only when LOWMEM runs out.
static int derive_perform(const struct invocation *inv, const struct prange *r,
			  const struct range_args *a)
{
	struct prange *n = range_create(r->base, r->pages, a->charge);

	if (!n)
		return E_NOMEM;
	n->derived = 1;
	cap_set(a->dest, &n->hdr, inv->cap->rights & inv->in.mr[2], inv->cap->badge);
	return E_OK;
}

// RANGE_SPLIT: (page offset, dest slot), RIGHT_MANAGE, not of a derived range.
static int split_decode(const struct invocation *inv, const struct prange *r, struct range_args *a)
{
	uint32_t off = inv->in.mr[0];
	int err;

	a->charge = inv->self;
	if (!(inv->cap->rights & RIGHT_MANAGE) || r->derived)
		return E_PERM; // a piece of a derived range would outlive it
	if (inv->in.len < 2)
		return E_INVAL;
	if ((err = cap_empty(inv->self, inv->in.mr[1], &a->dest)))
		return err;
	if (off == 0 || off >= r->pages)
		return E_RANGE;
	return quota_check(a->charge, 1);
}

// Fails (E_NOMEM) only when LOWMEM runs out.
static int split_perform(const struct invocation *inv, struct prange *r, const struct range_args *a)
{
	uint32_t off = inv->in.mr[0];
	struct prange *n = range_create(r->base + (uint64_t)off * 4096, r->pages - off, a->charge);

	if (!n)
		return E_NOMEM;
	r->pages = off;
	cap_set(a->dest, &n->hdr, inv->cap->rights, inv->cap->badge);
	return E_OK;
}

int range_invoke(struct invocation *inv)
{
	struct prange *r = (struct prange *)inv->cap->obj;
	struct range_args a;
	int err;

	switch (inv->in.label) {
	case RANGE_INFO: // nothing to decode, no right needed
		inv->out.len = 3;
		inv->out.mr[0] = (uint32_t)r->base;
		inv->out.mr[1] = (uint32_t)(r->base >> 32);
		inv->out.mr[2] = r->pages;
		return E_OK;
	case RANGE_SPLIT:
		err = split_decode(inv, r, &a);
		return err ? err : split_perform(inv, r, &a);
	case RANGE_DERIVE:
		err = derive_decode(inv, r, &a);
		return err ? err : derive_perform(inv, r, &a);
	default: return E_NOSYS;
	}
}
