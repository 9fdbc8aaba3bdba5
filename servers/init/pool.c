// Physical memory for programs: a list of CAP_RANGE chunks. A request takes
// the first chunk large enough, splitting off the rest with RANGE_SPLIT;
// chunks given back are reused as they are (the ABI has no merge).
#include "init.h"

#define POOL_MAX 64

static struct chunk pool[POOL_MAX];
static uint32_t npool;

void pool_add(uint32_t slot, uint32_t pages)
{
	if (npool < POOL_MAX && pages)
		pool[npool++] = (struct chunk){ slot, pages };
}

uint32_t pool_pages(void)
{
	uint32_t sum = 0;

	for (uint32_t i = 0; i < npool; i++)
		sum += pool[i].pages;
	return sum;
}

int pool_take(uint32_t npages, struct chunk *c)
{
	uint32_t best = npool;

	// Best fit, so that large chunks stay large.
	for (uint32_t i = 0; i < npool; i++)
		if (pool[i].pages >= npages && (best == npool || pool[i].pages < pool[best].pages))
			best = i;
	if (best == npool)
		return E_NOMEM;
	if (pool[best].pages > npages) {
		uint32_t rest = user_slot_alloc();
		int err;

		if (!rest)
			return E_NOSLOT;
		err = range_split(pool[best].slot, npages, rest);
		if (err) {
			user_slot_free(rest);
			return err;
		}
		*c = (struct chunk){ pool[best].slot, npages };
		pool[best] = (struct chunk){ rest, pool[best].pages - npages };
		return E_OK;
	}
	*c = pool[best];
	pool[best] = pool[--npool];
	return E_OK;
}

void pool_give(struct chunk *c)
{
	if (c->pages)
		pool_add(c->slot, c->pages);
	c->pages = 0;
}

// The base of a chunk's range (RANGE_INFO); ~0 when the kernel will not say.
static uint64_t chunk_base(const struct chunk *c)
{
	uint64_t base;

	return range_info(c->slot, &base, NULL) ? ~0ull : base;
}

uint32_t pool_handover(uint32_t keep, struct chunk *out, uint32_t max)
{
	struct chunk sorted[POOL_MAX];
	uint64_t base[POOL_MAX];
	uint32_t n = 0, kept = 0, count = npool;

	// Sort by base (insertion: a few entries); an unknown base goes last.
	for (uint32_t i = 0; i < count; i++) {
		uint64_t b = chunk_base(&pool[i]);
		uint32_t j = i;

		for (; j > 0 && b < base[j - 1]; j--) {
			sorted[j] = sorted[j - 1];
			base[j] = base[j - 1];
		}
		sorted[j] = pool[i];
		base[j] = b;
	}
	npool = 0;
	for (uint32_t i = 0; i < count; i++) {
		struct chunk c = sorted[i];
		uint32_t rest;

		if (kept < keep && c.pages > keep - kept && n < max && (rest = user_slot_alloc())) {
			// Straddles: the pool keeps [0, keep - kept), the rest goes.
			if (range_split(c.slot, keep - kept, rest) == E_OK) {
				out[n++] = (struct chunk){ rest, c.pages - (keep - kept) };
				c.pages = keep - kept;
			} else {
				user_slot_free(rest);
			}
		}
		if (kept < keep || n == max) {
			kept += c.pages;
			pool[npool++] = c;
		} else {
			out[n++] = c;
		}
	}
	return n;
}
