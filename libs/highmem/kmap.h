// Inside the highmem library: what kmap.c tells the rest.
#pragma once

#include <stdint.h>

// The program's live kmap references, all threads together.
uint32_t kmap_refs(void);
