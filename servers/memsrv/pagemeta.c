// Sparse page metadata: one open-addressing hash (linear probing, grown at
// half full) from (pfn, client index) to a 24-bit value. Index 0 holds a
// page's mapcount (every page-table entry memsrv made for it: local, atomic,
// pool slot, stale or not, and vmap pages); index i > 0 says the page was
// shared with client i. Only mapped or shared pages have entries, and the
// page's own PI_MAPPED / PI_SHARED bits say when to look, so the common
// path never probes and the hash stays small however large HIGHMEM is.
#include <stdlib.h>

#include "pagemeta.h"

#define EMPTY 0xffffffffu
#define VALUE_MAX 0xffffffu

struct hent {
	uint32_t pfn; // EMPTY: a free entry
	uint32_t kv;  // client index << 24 | value
};

static struct hent *tab;
static uint32_t cap, used; // entries, entries in use

static uint32_t hash(uint32_t pfn, uint8_t idx)
{
	return ((pfn ^ (uint32_t)idx << 28) * 0x9e3779b1u) >> 7;
}

static struct hent *find(uint32_t pfn, uint8_t idx)
{
	if (!cap)
		return NULL;
	for (uint32_t i = hash(pfn, idx) & (cap - 1);; i = (i + 1) & (cap - 1)) {
		if (tab[i].pfn == EMPTY)
			return NULL;
		if (tab[i].pfn == pfn && tab[i].kv >> 24 == idx)
			return &tab[i];
	}
}

static void place(struct hent e)
{
	uint32_t i = hash(e.pfn, (uint8_t)(e.kv >> 24)) & (cap - 1);

	while (tab[i].pfn != EMPTY)
		i = (i + 1) & (cap - 1);
	tab[i] = e;
}

// Room for one more entry. E_OK or E_NOMEM (the table is unchanged).
static int reserve(void)
{
	struct hent *old = tab;
	uint32_t ocap = cap, ncap = cap ? cap * 2 : 1024;

	if ((used + 1) * 2 <= cap)
		return E_OK;
	tab = malloc(ncap * sizeof(*tab));
	if (!tab) {
		tab = old;
		return E_NOMEM;
	}
	cap = ncap;
	for (uint32_t i = 0; i < cap; i++)
		tab[i].pfn = EMPTY;
	for (uint32_t i = 0; i < ocap; i++)
		if (old[i].pfn != EMPTY)
			place(old[i]);
	free(old);
	return E_OK;
}

// Removes e, moving later entries of its probe run back (no tombstones).
static void erase(struct hent *e)
{
	uint32_t i = (uint32_t)(e - tab), j = i;

	tab[i].pfn = EMPTY;
	used--;
	for (;;) {
		j = (j + 1) & (cap - 1);
		if (tab[j].pfn == EMPTY)
			return;
		uint32_t home = hash(tab[j].pfn, (uint8_t)(tab[j].kv >> 24)) & (cap - 1);
		// Move j to i when its home is not within (i, j] cyclically.
		if ((i <= j) ? (home <= i || home > j) : (home <= i && home > j)) {
			tab[i] = tab[j];
			tab[j].pfn = EMPTY;
			i = j;
		}
	}
}

uint32_t map_count(uint32_t pfn)
{
	uint16_t *pi = page_info(pfn);
	struct hent *e = pi && (*pi & PI_MAPPED) ? find(pfn, 0) : NULL;

	return e ? e->kv & VALUE_MAX : 0;
}

uint32_t map_put(uint32_t pfn)
{
	uint16_t *pi = page_info(pfn);
	struct hent *e = find(pfn, 0);

	if (!e || !pi)
		return 0; // not reached: every decrement follows an increment
	if ((--e->kv & VALUE_MAX) == 0) {
		erase(e);
		*pi &= (uint16_t)~PI_MAPPED;
		return 0;
	}
	return e->kv & VALUE_MAX;
}

int map_inc(uint32_t pfn, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		uint16_t *pi = page_info(pfn + i);
		struct hent *e = find(pfn + i, 0);
		int err = E_OK;

		if (e && (e->kv & VALUE_MAX) == VALUE_MAX)
			err = E_NOMEM;
		else if (e)
			e->kv++;
		else if (!(err = reserve())) {
			place((struct hent){ pfn + i, 1 });
			used++;
			*pi |= PI_MAPPED;
		}
		if (err) {
			while (i--)
				map_put(pfn + i);
			return err;
		}
	}
	return E_OK;
}

int share_add(uint32_t pfn, uint8_t idx)
{
	int err;

	if (find(pfn, idx))
		return E_OK;
	if ((err = reserve()))
		return err;
	place((struct hent){ pfn, (uint32_t)idx << 24 | 1 });
	used++;
	*page_info(pfn) |= PI_SHARED;
	return E_OK;
}

void share_revoke(uint32_t pfn)
{
	uint16_t *pi = page_info(pfn);

	if (!pi || !(*pi & PI_SHARED))
		return;
	for (uint32_t idx = 1; idx <= MS_CLIENTS_MAX; idx++) {
		struct hent *e = find(pfn, (uint8_t)idx);
		if (e)
			erase(e);
	}
	*pi &= (uint16_t)~PI_SHARED;
}

void share_drop_client(uint8_t idx)
{
	// erase() moves entries backwards: rescan a slot after erasing there.
	for (uint32_t i = 0; i < cap;) {
		if (tab[i].pfn != EMPTY && tab[i].kv >> 24 == idx) {
			erase(&tab[i]);
			continue;
		}
		i++;
	}
	// PI_SHARED stays on pages now shared with nobody: it only means "look".
}

int page_access(uint8_t idx, uint32_t pfn)
{
	uint16_t *pi = page_info(pfn);
	uint32_t owner = pi ? *pi & PI_OWNER : 0;

	if (!owner || owner == PI_ORPHAN)
		return E_PERM; // free, not memsrv's, or its owner died
	if (owner == idx || ((*pi & PI_SHARED) && find(pfn, idx)))
		return E_OK;
	return E_PERM;
}

size_t pagemeta_bytes(void)
{
	return cap * sizeof(struct hent);
}
