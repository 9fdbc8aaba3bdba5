// A bitmap with summary levels (one bit per non-zero word below), so that
// the first set bit is found in a few steps however large it is. A leaf of
// memsrv: it knows nothing of pages, mappings or requests (host tests:
// servers/memsrv/tests/test_bitset.c).
#pragma once

#include <stddef.h>
#include <stdint.h>

#define BSET_LEVELS 7
struct bset {
	uint32_t nlevels;
	uint32_t *lvl[BSET_LEVELS]; // lvl[0]: one bit per item; the top has one word
};

// Words of memory a set of nbits needs (all levels).
size_t bset_words(uint32_t nbits);
// Lays out an empty set of nbits over mem (bset_words(nbits) zeroed words).
void bset_init(struct bset *b, uint32_t nbits, uint32_t *mem);
// Sets bit i (< nbits).
void bset_set(struct bset *b, uint32_t i);
// Clears bit i (< nbits).
void bset_clear(struct bset *b, uint32_t i);
// Whether bit i (< nbits) is set.
int bset_test(const struct bset *b, uint32_t i);
// The lowest set bit, or -1 when none is.
int32_t bset_first(const struct bset *b);
// The highest set bit, or -1.
int32_t bset_last(const struct bset *b);
