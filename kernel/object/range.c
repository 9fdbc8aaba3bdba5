// Physical-range capabilities: RAM the kernel does not use (HIGHMEM, the
// initrd), named by a base and a size in pages. The kernel keeps no
// per-page state for them and never reads or writes them; SPACE_MAP maps
// their pages for user space.
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
		if (!(c->rights & RIGHT_MANAGE))
			return E_PERM;
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
	default:
		return E_NOSYS;
	}
}
