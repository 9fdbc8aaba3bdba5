// Host tests of memsrv's summary bitmap: sizes, set/clear/test, first and
// last across levels, and random sets checked against a plain array.
#include <stdlib.h>

#include "check/check.h"
#include "../bitset.h"

static struct bset make(uint32_t nbits, uint32_t **mem)
{
	struct bset b;

	*mem = calloc(bset_words(nbits), sizeof(uint32_t));
	bset_init(&b, nbits, *mem);
	return b;
}

static void test_words(void)
{
	CHECK_EQ(bset_words(0), 1);
	CHECK_EQ(bset_words(1), 1);
	CHECK_EQ(bset_words(32), 1);
	CHECK_EQ(bset_words(33), 2 + 1);
	CHECK_EQ(bset_words(1024), 32 + 1);
	CHECK_EQ(bset_words(1025), 33 + 2 + 1);
	CHECK_EQ(bset_words(1u << 28), (1u << 23) + (1u << 18) + (1u << 13) + 256 + 8 + 1);
}

static void test_empty(void)
{
	uint32_t *mem;
	struct bset b = make(100000, &mem);

	CHECK_EQ(bset_first(&b), -1);
	CHECK_EQ(bset_last(&b), -1);
	CHECK(!bset_test(&b, 0));
	CHECK(!bset_test(&b, 99999));
	free(mem);
}

static void test_levels(void)
{
	uint32_t *mem;
	struct bset b = make(1u << 20, &mem);

	CHECK_EQ(b.nlevels, 4);
	CHECK(bset_empty(&b));
	bset_set(&b, 5);
	CHECK(!bset_empty(&b));
	bset_set(&b, 40000);
	bset_set(&b, (1u << 20) - 1);
	CHECK_EQ(bset_first(&b), 5);
	CHECK_EQ(bset_last(&b), (1 << 20) - 1);
	bset_clear(&b, 5);
	CHECK_EQ(bset_first(&b), 40000);
	bset_clear(&b, (1u << 20) - 1);
	CHECK_EQ(bset_last(&b), 40000);
	bset_set(&b, 40001); // same word: clearing one leaves the summary set
	bset_clear(&b, 40000);
	CHECK_EQ(bset_first(&b), 40001);
	CHECK_EQ(bset_last(&b), 40001);
	bset_clear(&b, 40001);
	CHECK(bset_empty(&b));
	CHECK_EQ(bset_first(&b), -1);
	CHECK_EQ(bset_last(&b), -1);
	bset_clear(&b, 7); // clearing a clear bit changes nothing
	CHECK_EQ(bset_first(&b), -1);
	free(mem);
}

static void test_random(void)
{
	uint32_t n = 70001, *mem;
	struct bset b = make(n, &mem);
	unsigned char *ref = calloc(n, 1);

	srand(12);
	for (int round = 0; round < 200000; round++) {
		uint32_t i = (uint32_t)rand() % n;

		if (rand() & 1) {
			bset_set(&b, i);
			ref[i] = 1;
		} else {
			bset_clear(&b, i);
			ref[i] = 0;
		}
		if (round % 997)
			continue;
		int32_t first = -1, last = -1;
		for (uint32_t j = 0; j < n; j++)
			if (ref[j]) {
				last = (int32_t)j;
				first = first < 0 ? (int32_t)j : first;
			}
		CHECK_EQ(bset_first(&b), first);
		CHECK_EQ(bset_last(&b), last);
		CHECK_EQ(bset_test(&b, i), ref[i]);
	}
	free(ref);
	free(mem);
}

static const struct check_case cases[] = {
	{ test_words, "bset_words counts every level" },
	{ test_empty, "an empty set has no first or last bit" },
	{ test_levels, "first and last follow sets and clears across levels" },
	{ test_random, "random sets and clears agree with a plain array" },
	{ 0 },
};

int main(void)
{
	return check_run("bitset", cases);
}
