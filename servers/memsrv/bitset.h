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
// Sets bit i (< nbits). Inline, as the next two: the allocator's fast
// paths call them for every order they split or merge.
static inline void bset_set(struct bset *b, uint32_t i)
{
	for (uint32_t l = 0; l < b->nlevels; l++, i /= 32) {
		uint32_t *w = &b->lvl[l][i / 32], was = *w;

		*w = was | 1u << (i % 32);
		if (was)
			return; // the levels above already know
	}
}

// Clears bit i (< nbits).
static inline void bset_clear(struct bset *b, uint32_t i)
{
	for (uint32_t l = 0; l < b->nlevels; l++, i /= 32) {
		uint32_t *w = &b->lvl[l][i / 32];

		*w &= ~(1u << (i % 32));
		if (*w)
			return;
	}
}

// Whether bit i (< nbits) is set.
static inline int bset_test(const struct bset *b, uint32_t i)
{
	return (b->lvl[0][i / 32] >> (i % 32)) & 1;
}

// Whether no bit is set.
static inline int bset_empty(const struct bset *b)
{
	return !b->lvl[b->nlevels - 1][0];
}
// The lowest set bit, or -1 when none is.
int32_t bset_first(const struct bset *b);
// The highest set bit, or -1.
int32_t bset_last(const struct bset *b);
