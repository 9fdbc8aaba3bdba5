// A bitmap with summary levels: bit j of level l + 1 is set when word j of
// level l is not zero. Setting and clearing touch one word per level at
// most; the first set bit is found by walking down from the single top word.
// With a 28-bit PFN space that is at most six words read.
#include "bitset.h"

// Words of each level for a set of nbits, top last; returns the levels.
static uint32_t level_words(uint32_t nbits, uint32_t *words)
{
	uint32_t n = nbits ? (nbits + 31) / 32 : 1, l = 0;

	for (;;) {
		words[l++] = n;
		if (n == 1)
			return l;
		n = (n + 31) / 32;
	}
}

size_t bset_words(uint32_t nbits)
{
	uint32_t words[BSET_LEVELS], n = level_words(nbits, words);
	size_t total = 0;

	for (uint32_t l = 0; l < n; l++)
		total += words[l];
	return total;
}

void bset_init(struct bset *b, uint32_t nbits, uint32_t *mem)
{
	uint32_t words[BSET_LEVELS];

	b->nlevels = level_words(nbits, words);
	for (uint32_t l = 0; l < b->nlevels; l++) {
		b->lvl[l] = mem;
		mem += words[l];
	}
}

// The lowest (or, with `last`, highest) set bit, walking down the levels.
static int32_t bset_find(const struct bset *b, int last)
{
	uint32_t i = 0;

	for (uint32_t l = b->nlevels; l-- > 0;) {
		uint32_t w = b->lvl[l][i];

		if (!w)
			return -1;
		i = i * 32 + (uint32_t)(last ? 31 - __builtin_clz(w) : __builtin_ctz(w));
	}
	return (int32_t)i;
}

int32_t bset_first(const struct bset *b)
{
	return bset_find(b, 0);
}

int32_t bset_last(const struct bset *b)
{
	return bset_find(b, 1);
}
