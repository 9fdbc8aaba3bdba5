// Sparse page metadata: how many mappings a page has (all clients together)
// and which clients it is shared with, in one hash; the page's own
// PI_META bit (buddy.h) says when to look. A leaf of
// memsrv above the allocator's page information: it frees nothing and knows
// nothing of mappers (host tests: servers/memsrv/tests/test_pagemeta.c).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "buddy.h"

// Mapcount of pfn (0 when unmapped, or not memsrv's).
uint32_t map_count(uint32_t pfn);
// One more mapping of each of the n pages from pfn (memsrv's pages). E_OK,
// or E_NOMEM (no memory for the record, or a count at its limit: nothing
// changed).
int map_inc(uint32_t pfn, uint32_t n);
// One mapping less of each of the n pages from pfn (each had one); returns
// how many of them are now unmapped.
uint32_t map_put(uint32_t pfn, uint32_t n);
// Lets owner tag idx map pfn (a page memsrv owns). E_OK or E_NOMEM.
int share_add(uint32_t pfn, uint8_t idx);
// Forgets every share of pfn.
void share_revoke(uint32_t pfn);
// Forgets every share to owner tag idx.
void share_drop_client(uint8_t idx);
// E_OK when owner tag idx may map pfn (owns it, or it was shared), else
// E_PERM (also for a free page, an orphan, or one memsrv does not own).
int page_access(uint8_t idx, uint32_t pfn);
// Bytes the hash holds now.
size_t pagemeta_bytes(void);
