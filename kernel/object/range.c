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

// RANGE_DERIVE: (space slot, dest slot in that space, rights).
static int range_derive(struct space *self, struct cap *c, const struct msg_in *in)
{
	struct prange *r = (struct prange *)c->obj, *n;
	struct cap *sc, *dest;
	int err;

	if (in->len < 3 || (in->mr[2] & ~RIGHTS_ALL))
		return E_INVAL;
	if (r->derived)
		return E_PERM; // it would outlive the space r is lent to
	err = cap_lookup(self, in->mr[0], CAP_SPACE, RIGHT_MANAGE, &sc);
	if (err)
		return err;
	dest = cap_slot((struct space *)sc->obj, in->mr[1]);
	if (!dest)
		return E_CAP;
	if (dest->type != CAP_NULL)
		return E_BUSY;
	n = range_create(r->base, r->pages, (struct space *)sc->obj);
	if (!n)
		return E_NOMEM;
	n->derived = 1;
	cap_set(dest, &n->hdr, c->rights & in->mr[2], c->badge);
	return E_OK;
}

int range_invoke(struct space *self, struct cap *c, const struct msg_in *in, struct msg_out *out)
{
	struct prange *r = (struct prange *)c->obj;

	switch (in->label) {
	case RANGE_INFO:
		out->len = 3;
		out->mr[0] = (uint32_t)r->base;
		out->mr[1] = (uint32_t)(r->base >> 32);
		out->mr[2] = r->pages;
		return E_OK;
	case RANGE_SPLIT: {
		uint32_t off = in->mr[0];
		struct cap *dest = cap_slot(self, in->mr[1]);
		struct prange *n;
		if (!(c->rights & RIGHT_MANAGE) || r->derived)
			return E_PERM; // a piece of a derived range would outlive it
		if (in->len < 2)
			return E_INVAL;
		if (!dest)
			return E_CAP;
		if (dest->type != CAP_NULL)
			return E_BUSY;
		if (off == 0 || off >= r->pages)
			return E_RANGE;
		n = range_create(r->base + (uint64_t)off * 4096, r->pages - off, self);
		if (!n)
			return E_NOMEM;
		r->pages = off;
		cap_set(dest, &n->hdr, c->rights, c->badge);
		return E_OK;
	}
	case RANGE_DERIVE:
		return c->rights & RIGHT_MANAGE ? range_derive(self, c, in) : E_PERM;
	default:
		return E_NOSYS;
	}
}
