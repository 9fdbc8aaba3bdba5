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
	struct msg m;

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
		err = hmk_invoke(pool[best].slot, RANGE_SPLIT, 2, npages, rest, 0, 0, &m);
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
