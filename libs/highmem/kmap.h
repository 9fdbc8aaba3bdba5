// Inside the highmem library: what kmap.c tells the rest.
#pragma once

#include <stdint.h>

#include "highmem.h"

// The program's live kmap references, all threads together.
uint32_t kmap_refs(void);
// Pages [page, page + n) were freed, and memsrv emptied their pool slots:
// the pool forgets them, referenced or not (kunmap of one: E_INVAL).
void kmap_forget(page_t page, uint32_t n);
