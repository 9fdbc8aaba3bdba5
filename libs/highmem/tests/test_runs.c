// Host tests of vmap's run compression: hand-made arrays, the message
// limit, pfn wrap-around, and random arrays expanded back and compared.
#include <stdlib.h>

#include "check/check.h"
#include "highmem/runs.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void test_empty(void)
{
	uint32_t out[4] = { 0 };
	unsigned next = 0;

	CHECK_EQ(highmem_runs_pack(NULL, 0, &next, out, 2), 0);
	CHECK_EQ(next, 0);
	CHECK_EQ(highmem_runs_count(NULL, 0), 0);
	// max 0 packs nothing and does not move.
	uint32_t one[] = { 7 };
	CHECK_EQ(highmem_runs_pack(one, 1, &next, out, 0), 0);
	CHECK_EQ(next, 0);
}

static void test_one_run(void)
{
	uint32_t pages[] = { 0x100000, 0x100001, 0x100002, 0x100003 }, out[4];
	unsigned next = 0;

	CHECK_EQ(highmem_runs_pack(pages, N(pages), &next, out, 2), 1);
	CHECK_EQ(next, 4);
	CHECK_EQ(out[0], 0x100000);
	CHECK_EQ(out[1], 4);
	CHECK_EQ(highmem_runs_count(pages, N(pages)), 1);
}

static void test_mixed(void)
{
	// Runs: 5..7, 3, 9, 9 (a repeat is a new run), 10..11, 1.
	uint32_t pages[] = { 5, 6, 7, 3, 9, 9, 10, 11, 1 }, out[16];
	uint32_t want[] = { 5, 3, 3, 1, 9, 1, 9, 3, 1, 1 };
	unsigned next = 0;

	CHECK_EQ(highmem_runs_count(pages, N(pages)), 5);
	CHECK_EQ(highmem_runs_pack(pages, N(pages), &next, out, 8), 5);
	CHECK_EQ(next, N(pages));
	for (unsigned i = 0; i < N(want); i++)
		CHECK_EQ(out[i], want[i]);
}

static void test_limit(void)
{
	// Three runs, two per message: the second message carries the last.
	uint32_t pages[] = { 1, 2, 10, 20, 21, 22 }, out[4];
	unsigned next = 0;

	CHECK_EQ(highmem_runs_pack(pages, N(pages), &next, out, 2), 2);
	CHECK_EQ(next, 3);
	CHECK_EQ(out[0], 1);
	CHECK_EQ(out[1], 2);
	CHECK_EQ(out[2], 10);
	CHECK_EQ(out[3], 1);
	CHECK_EQ(highmem_runs_pack(pages, N(pages), &next, out, 2), 1);
	CHECK_EQ(next, 6);
	CHECK_EQ(out[0], 20);
	CHECK_EQ(out[1], 3);
	CHECK_EQ(highmem_runs_pack(pages, N(pages), &next, out, 2), 0);
	CHECK_EQ(next, 6);
}

static void test_no_wrap(void)
{
	uint32_t pages[] = { UINT32_MAX - 1, UINT32_MAX, 0, 1 }, out[8];
	unsigned next = 0;

	CHECK_EQ(highmem_runs_pack(pages, N(pages), &next, out, 4), 2);
	CHECK_EQ(out[0], UINT32_MAX - 1);
	CHECK_EQ(out[1], 2);
	CHECK_EQ(out[2], 0);
	CHECK_EQ(out[3], 2);
}

// Random arrays with many short runs, packed a few runs at a time the way
// vmap sends them, expanded again: the same array, and as many runs as
// highmem_runs_count said.
static void test_random(void)
{
	srand(12345);
	for (int round = 0; round < 2000; round++) {
		unsigned count = 1 + (unsigned)rand() % 300, max = 1 + (unsigned)rand() % 31;
		uint32_t *pages = malloc(count * sizeof(*pages)),
			 *back = malloc(count * sizeof(*back));
		uint32_t out[62];
		unsigned next = 0, got = 0, runs = 0, n;

		for (unsigned i = 0; i < count; i++)
			pages[i] = i && rand() % 3 ? pages[i - 1] + 1 : (uint32_t)rand() % 64;
		while ((n = highmem_runs_pack(pages, count, &next, out, max))) {
			CHECK(n <= max);
			runs += n;
			for (unsigned r = 0; r < n; r++) {
				CHECK(out[2 * r + 1] >= 1);
				for (uint32_t k = 0; k < out[2 * r + 1] && got < count; k++)
					back[got++] = out[2 * r] + k;
			}
		}
		CHECK_EQ(next, count);
		CHECK_EQ(got, count);
		CHECK_EQ(runs, highmem_runs_count(pages, count));
		for (unsigned i = 0; i < count && i < got; i++)
			if (back[i] != pages[i]) {
				CHECK_EQ(back[i], pages[i]);
				break;
			}
		free(pages);
		free(back);
	}
}

int main(void)
{
	static const struct check_case cases[] = {
		{ test_empty, "empty array, max 0" },
		{ test_one_run, "consecutive frames make one run" },
		{ test_mixed, "runs break at gaps, repeats and going down" },
		{ test_limit, "at most max runs per message, then the rest" },
		{ test_no_wrap, "a run does not wrap past pfn 0xffffffff" },
		{ test_random, "random arrays expand back to themselves" },
		{ 0 },
	};
	return check_run("highmem", cases);
}
