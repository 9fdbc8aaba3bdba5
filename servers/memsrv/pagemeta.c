// Sparse page metadata: one open-addressing hash (linear probing, grown at
// half full) from (pfn, client index) to a 24-bit value. Index i > 0 says
// the page was shared with client i; index 0, the page's own entry, holds
// its mapcount (the vmap pages memsrv made of it for clients it was shared
// with: kmap pool and kmap_local slots and its owner's own vmaps are found in
// memsrv's other records) in bits 0..17 and how many clients
// it is shared with in bits 18..23. A page has an own entry exactly when it
// is mapped or shared, and then its PI_META bit, so the common path never
// probes and the hash stays small however large HIGHMEM is.
#include <stdlib.h>

#include "pagemeta.h"

#define EMPTY 0xffffffffu
#define VALUE_MASK 0xffffffu
#define COUNT_MAX 0x3ffffu   // a page's own entry: its mapcount
#define SHARE_ONE (1u << 18) // and one share
_Static_assert(MS_CLIENTS_MAX < VALUE_MASK / SHARE_ONE, "every share fits the count");

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

// Room for n more entries. E_OK or E_NOMEM (the table is unchanged).
static int reserve(uint32_t n)
{
	struct hent *old = tab;
	uint32_t ocap = cap, ncap = cap ? cap * 2 : 1024;

	if ((used + n) * 2 <= cap)
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

// pfn's own entry (mapcount and shares), or NULL when it has none.
static struct hent *own(uint32_t pfn, const pinfo_t *pi)
{
	return pi && (*pi & PI_META) ? find(pfn, 0) : NULL;
}

// Drops pfn's own entry e when it counts nothing any more, and PI_META.
static void settle(struct hent *e, pinfo_t *pi)
{
	if (e->kv & VALUE_MASK)
		return;
	erase(e);
	*pi &= (pinfo_t)~PI_META;
}

uint32_t map_count(uint32_t pfn)
{
	struct hent *e = own(pfn, page_info(pfn));

	return e ? e->kv & COUNT_MAX : 0;
}

uint32_t map_put(uint32_t pfn, uint32_t n)
{
	uint32_t unmapped = 0;

	for (uint32_t i = 0; i < n; i++) {
		pinfo_t *pi = page_info(pfn + i);
		struct hent *e = own(pfn + i, pi);

		if (!e || !(e->kv & COUNT_MAX))
			continue; // not reached: every decrement follows an increment
		if (!(--e->kv & COUNT_MAX)) {
			unmapped++;
			settle(e, pi);
		}
	}
	return unmapped;
}

int map_inc(uint32_t pfn, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		pinfo_t *pi = page_info(pfn + i);
		struct hent *e = own(pfn + i, pi);
		int err = E_OK;

		if (e && (e->kv & COUNT_MAX) == COUNT_MAX)
			err = E_NOMEM;
		else if (e)
			e->kv++;
		else if (!(err = reserve(1))) {
			place((struct hent){ pfn + i, 1 });
			used++;
			*pi |= PI_META;
		}
		if (err) {
			map_put(pfn, i);
			return err;
		}
	}
	return E_OK;
}

int share_add(uint32_t pfn, uint8_t idx)
{
	pinfo_t *pi = page_info(pfn);
	struct hent *e;
	int err;

	if ((*pi & PI_META) && find(pfn, idx))
		return E_OK;
	if ((err = reserve(2)))
		return err;
	place((struct hent){ pfn, (uint32_t)idx << 24 | 1 });
	used++;
	if ((e = own(pfn, pi)))
		e->kv += SHARE_ONE;
	else {
		place((struct hent){ pfn, SHARE_ONE });
		used++;
		*pi |= PI_META;
	}
	return E_OK;
}

void share_revoke(uint32_t pfn)
{
	pinfo_t *pi = page_info(pfn);
	struct hent *e = own(pfn, pi);

	if (!e || e->kv < SHARE_ONE)
		return;
	for (uint32_t idx = 1; idx <= MS_CLIENTS_MAX; idx++)
		if ((e = find(pfn, (uint8_t)idx)))
			erase(e);
	e = find(pfn, 0); // erasing moved entries
	e->kv &= COUNT_MAX;
	settle(e, pi);
}

void share_drop_client(uint8_t idx)
{
	// erase() moves entries backwards: rescan a slot after erasing there.
	// Own entries left counting nothing go in a second pass, so that no
	// erase moves an entry behind the scan.
	for (uint32_t i = 0; i < cap;) {
		if (tab[i].pfn != EMPTY && tab[i].kv >> 24 == idx) {
			uint32_t pfn = tab[i].pfn;

			erase(&tab[i]);
			find(pfn, 0)->kv -= SHARE_ONE;
			continue;
		}
		i++;
	}
	for (uint32_t i = 0; i < cap;) {
		if (tab[i].pfn != EMPTY && !tab[i].kv) {
			*page_info(tab[i].pfn) &= (pinfo_t)~PI_META;
			erase(&tab[i]);
			continue;
		}
		i++;
	}
}

int page_access(uint8_t idx, uint32_t pfn)
{
	pinfo_t *pi = page_info(pfn);
	uint32_t owner = pi ? *pi & PI_OWNER : 0;

	if (!owner || owner == PI_ORPHAN || !idx)
		return E_PERM; // free, not memsrv's, or its owner died
	if (owner == idx || ((*pi & PI_META) && find(pfn, idx)))
		return E_OK;
	return E_PERM;
}

size_t pagemeta_bytes(void)
{
	return cap * sizeof(struct hent);
}
