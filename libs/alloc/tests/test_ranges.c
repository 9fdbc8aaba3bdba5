// Host tests of the range allocator: hand-made cases, then a randomized
// cross-check against a page bitmap.
#include "alloc/ranges.h"
#include "check/check.h"

#include <string.h>

#define KIB 0x400ULL
#define MIB 0x100000ULL
#define GIB 0x40000000ULL
#define PG 0x1000ULL

// Sorted, non-empty, non-overlapping, non-adjacent, and below 2^64.
static int set_valid(const struct range_set *s)
{
	if (s->n > RANGES_MAX)
		return 0;
	for (unsigned i = 0; i < s->n; i++) {
		if (s->r[i].size == 0 || s->r[i].size > ~s->r[i].base)
			return 0;
		if (i > 0 && s->r[i].base <= s->r[i - 1].base + s->r[i - 1].size)
			return 0;
	}
	return 1;
}

static void set_print(const char *what, const struct range_set *s)
{
	printf("    %s (%u):", what, s->n);
	for (unsigned i = 0; i < s->n; i++)
		printf(" [0x%llx, +0x%llx)", (unsigned long long)s->r[i].base,
		       (unsigned long long)s->r[i].size);
	printf("\n");
}

// 1 when the set is valid and holds exactly `want`, printing it otherwise.
static int set_is(const struct range_set *s, const struct range *want, unsigned n)
{
	int same = set_valid(s) && s->n == n && memcmp(s->r, want, n * sizeof(*want)) == 0;

	if (!same)
		set_print("set", s);
	return same;
}

#define SET_IS(s, ...)                                                                             \
	CHECK(set_is((s), (const struct range[]){ __VA_ARGS__ },                                   \
		     sizeof((const struct range[]){ __VA_ARGS__ }) / sizeof(struct range)))
#define SET_EMPTY(s) CHECK((s)->n == 0)

static void test_add_merges(void)
{
	struct range_set s = { 0 };

	CHECK_EQ(range_set_add(&s, 0x5000, 0x1000), 0);
	CHECK_EQ(range_set_add(&s, 0x1000, 0x1000), 0);
	CHECK_EQ(range_set_add(&s, 0x9000, 0x1000), 0);
	SET_IS(&s, { 0x1000, 0x1000 }, { 0x5000, 0x1000 }, { 0x9000, 0x1000 });
	// Adjacent on both sides: the first two become one.
	CHECK_EQ(range_set_add(&s, 0x2000, 0x3000), 0);
	SET_IS(&s, { 0x1000, 0x5000 }, { 0x9000, 0x1000 });
	// Adjacent on the left only, at 0.
	CHECK_EQ(range_set_add(&s, 0, 0x1000), 0);
	SET_IS(&s, { 0, 0x6000 }, { 0x9000, 0x1000 });
	// Contained: no change.
	CHECK_EQ(range_set_add(&s, 0x2000, 0x100), 0);
	SET_IS(&s, { 0, 0x6000 }, { 0x9000, 0x1000 });
	// Overlapping the end of one and the start of the next.
	CHECK_EQ(range_set_add(&s, 0x5800, 0x3900), 0);
	SET_IS(&s, { 0, 0xa000 });
	// Swallowing several ranges at once.
	CHECK_EQ(range_set_add(&s, 0x20000, 0x1000), 0);
	CHECK_EQ(range_set_add(&s, 0x30000, 0x1000), 0);
	CHECK_EQ(range_set_add(&s, 0x1f000, 0x20000), 0);
	SET_IS(&s, { 0, 0xa000 }, { 0x1f000, 0x20000 });
	// A one-byte gap stays a gap.
	CHECK_EQ(range_set_add(&s, 0xa001, 0xfff), 0);
	SET_IS(&s, { 0, 0xa000 }, { 0xa001, 0xfff }, { 0x1f000, 0x20000 });
	CHECK_EQ(range_set_total(&s), 0xa000 + 0xfff + 0x20000);
}

static void test_zero_and_overflow(void)
{
	struct range_set s = { 0 };
	const phys_addr_t top = UINT64_MAX;

	CHECK_EQ(range_set_add(&s, 0x1000, 0), 0);
	SET_EMPTY(&s);
	CHECK_EQ(range_set_add(&s, top, 1), RANGES_E_INVAL);
	CHECK_EQ(range_set_add(&s, top - 0xfff, 0x1000), RANGES_E_INVAL);
	CHECK_EQ(range_set_add(&s, 1, top), RANGES_E_INVAL);
	CHECK_EQ(range_set_add(&s, top, top), RANGES_E_INVAL);
	SET_EMPTY(&s);
	// Ending exactly at UINT64_MAX is allowed.
	CHECK_EQ(range_set_add(&s, top - 0x1000, 0x1000), 0);
	SET_IS(&s, { top - 0x1000, 0x1000 });
	CHECK_EQ(range_set_add(&s, 0, top), 0);
	SET_IS(&s, { 0, top });
	CHECK_EQ(range_set_total(&s), top);

	CHECK_EQ(range_set_remove(&s, top, 1), RANGES_E_INVAL);
	CHECK_EQ(range_set_remove(&s, 2, top - 1), RANGES_E_INVAL);
	CHECK_EQ(range_set_remove(&s, 0x1000, 0), 0);
	SET_IS(&s, { 0, top });
	CHECK_EQ(range_set_remove(&s, top - 1, 1), 0);
	SET_IS(&s, { 0, top - 1 });
	CHECK_EQ(range_set_remove(&s, 0, top), 0);
	SET_EMPTY(&s);
}

static void test_remove_splits(void)
{
	struct range_set s = { 0 };

	CHECK_EQ(range_set_add(&s, 0x1000, 0x8000), 0);
	CHECK_EQ(range_set_remove(&s, 0x3000, 0x1000), 0);
	SET_IS(&s, { 0x1000, 0x2000 }, { 0x4000, 0x5000 });
	// Trim both ends.
	CHECK_EQ(range_set_remove(&s, 0, 0x1800), 0);
	CHECK_EQ(range_set_remove(&s, 0x8800, 0x10000), 0);
	SET_IS(&s, { 0x1800, 0x1800 }, { 0x4000, 0x4800 });
	// Outside or in the gap: no change.
	CHECK_EQ(range_set_remove(&s, 0x3000, 0x1000), 0);
	CHECK_EQ(range_set_remove(&s, 0x100000, 0x1000), 0);
	SET_IS(&s, { 0x1800, 0x1800 }, { 0x4000, 0x4800 });
	// Across the gap, keeping a piece on each side.
	CHECK_EQ(range_set_remove(&s, 0x2000, 0x3000), 0);
	SET_IS(&s, { 0x1800, 0x800 }, { 0x5000, 0x3800 });
	// Exactly one whole range, then a span covering everything.
	CHECK_EQ(range_set_remove(&s, 0x1800, 0x800), 0);
	SET_IS(&s, { 0x5000, 0x3800 });
	CHECK_EQ(range_set_add(&s, 0x20000, 0x1000), 0);
	CHECK_EQ(range_set_remove(&s, 0x5000, 0x1c000), 0);
	SET_EMPTY(&s);
}

// RANGES_MAX one-page ranges, one page apart, from 0x10000.
static void fill(struct range_set *s)
{
	for (unsigned i = 0; i < RANGES_MAX; i++)
		CHECK_EQ(range_set_add(s, 0x10000 + 2 * i * PG, PG), 0);
	CHECK_EQ(s->n, RANGES_MAX);
}

static void test_full_set(void)
{
	struct range_set s = { 0 }, copy;

	fill(&s);
	copy = s;
	CHECK_EQ(range_set_add(&s, 0, PG), RANGES_E_FULL);
	CHECK_EQ(range_set_add(&s, 0x10000 + 2 * RANGES_MAX * PG, PG), RANGES_E_FULL);
	CHECK_EQ(range_set_remove(&s, 0x10000 + 0x200, 0x100), RANGES_E_FULL);
	CHECK(memcmp(&s, &copy, sizeof(s)) == 0);
	// What needs no new slot still works: growing, bridging, trimming.
	CHECK_EQ(range_set_add(&s, 0xf000, PG), 0);
	CHECK_EQ(s.n, RANGES_MAX);
	CHECK_EQ(range_set_add(&s, 0x11000, PG), 0);
	CHECK_EQ(s.n, RANGES_MAX - 1);
	CHECK_EQ(range_set_remove(&s, 0x10200, 0x100), 0);
	CHECK_EQ(range_set_remove(&s, 0x12800, 0x800), 0);
	CHECK_EQ(s.n, RANGES_MAX);
	CHECK(set_valid(&s));
	CHECK_EQ(s.r[0].base, 0xf000);
	CHECK_EQ(s.r[1].base, 0x10300);
	CHECK_EQ(s.r[1].size, 0x2500);
	CHECK_EQ(range_set_total(&s), (RANGES_MAX + 2) * PG - 0x100 - 0x800);
}

// QEMU virt with 8 GiB: one range from 1 GiB to 9 GiB.
static void virt_8g(struct ranges *rs)
{
	ranges_init(rs);
	CHECK_EQ(ranges_add_memory(rs, 0x40000000, 8 * GIB), 0);
}

static void test_clip_above(void)
{
	struct ranges rs;

	virt_8g(&rs);
	CHECK_EQ(ranges_reserve(&rs, 0x40000000, 16 * MIB), 0);
	CHECK_EQ(ranges_reserve(&rs, 0xfff00000, 2 * MIB), 0);
	CHECK_EQ(ranges_reserve(&rs, 0x200000000, 4 * KIB), 0);
	ranges_clip_above(&rs, 0x100000000);
	SET_IS(&rs.memory, { 0x40000000, 3 * GIB });
	SET_IS(&rs.reserved, { 0x40000000, 16 * MIB }, { 0xfff00000, MIB });
	// At or above everything: no change.
	ranges_clip_above(&rs, 0x100000000);
	ranges_clip_above(&rs, UINT64_MAX);
	SET_IS(&rs.memory, { 0x40000000, 3 * GIB });
	ranges_clip_above(&rs, 0x40000000);
	SET_EMPTY(&rs.memory);
	SET_EMPTY(&rs.reserved);

	ranges_init(&rs);
	CHECK_EQ(ranges_add_memory(&rs, UINT64_MAX - 0x3000, 0x3000), 0);
	ranges_clip_above(&rs, UINT64_MAX);
	SET_IS(&rs.memory, { UINT64_MAX - 0x3000, 0x3000 });
	ranges_clip_above(&rs, UINT64_MAX - 1);
	SET_IS(&rs.memory, { UINT64_MAX - 0x3000, 0x2fff });
	ranges_clip_above(&rs, 0);
	SET_EMPTY(&rs.memory);
}

static void test_limit_total_8g(void)
{
	struct ranges rs;

	virt_8g(&rs);
	ranges_limit_total(&rs, 16 * GIB);
	ranges_limit_total(&rs, 8 * GIB);
	SET_IS(&rs.memory, { 0x40000000, 8 * GIB });
	ranges_limit_total(&rs, 5 * GIB);
	SET_IS(&rs.memory, { 0x40000000, 5 * GIB });
	CHECK_EQ(range_set_total(&rs.memory), 5 * GIB);
	ranges_limit_total(&rs, 3 * GIB);
	SET_IS(&rs.memory, { 0x40000000, 3 * GIB });
	ranges_limit_total(&rs, 1 * GIB + 4 * KIB);
	SET_IS(&rs.memory, { 0x40000000, GIB + 4 * KIB });
	ranges_limit_total(&rs, 0);
	SET_EMPTY(&rs.memory);
}

static void test_limit_total_ranges(void)
{
	struct ranges rs;

	ranges_init(&rs);
	CHECK_EQ(ranges_add_memory(&rs, 0x10000000, 256 * MIB), 0);
	CHECK_EQ(ranges_add_memory(&rs, 0x40000000, GIB), 0);
	CHECK_EQ(ranges_add_memory(&rs, 0x100000000, 4 * GIB), 0);
	CHECK_EQ(ranges_reserve(&rs, 0x30000000, MIB), 0);
	CHECK_EQ(ranges_reserve(&rs, 0x5ff00000, 2 * MIB), 0);
	CHECK_EQ(ranges_reserve(&rs, 0x100000000, MIB), 0);
	CHECK_EQ(range_set_total(&rs.memory), 256 * MIB + 5 * GIB);

	// Into the third range (above 4 GiB), then halfway through the second.
	ranges_limit_total(&rs, 256 * MIB + GIB + 2 * GIB);
	SET_IS(&rs.memory, { 0x10000000, 256 * MIB }, { 0x40000000, GIB },
	       { 0x100000000, 2 * GIB });
	CHECK_EQ(rs.reserved.n, 3);
	ranges_limit_total(&rs, 256 * MIB + 512 * MIB);
	SET_IS(&rs.memory, { 0x10000000, 256 * MIB }, { 0x40000000, 512 * MIB });
	SET_IS(&rs.reserved, { 0x30000000, MIB }, { 0x5ff00000, MIB });
	// Ending exactly with the first range drops what lies past its end,
	// reservations in the gap included.
	ranges_limit_total(&rs, 256 * MIB);
	SET_IS(&rs.memory, { 0x10000000, 256 * MIB });
	SET_EMPTY(&rs.reserved);
}

static void test_alloc_top_down(void)
{
	struct ranges rs;
	phys_addr_t a = 0;

	virt_8g(&rs);
	CHECK_EQ(ranges_reserve(&rs, 0x40000000, 16 * MIB), 0);
	CHECK_EQ(ranges_reserve(&rs, 0x23fff0000, 64 * KIB), 0);

	// Below 4 GiB, highest first.
	CHECK_EQ(ranges_alloc(&rs, PG, PG, 0, 0x100000000, &a), 0);
	CHECK_EQ(a, 0xfffff000);
	CHECK_EQ(ranges_alloc(&rs, PG, PG, 0, 0x100000000, &a), 0);
	CHECK_EQ(a, 0xffffe000);
	// Anywhere, 2 MiB aligned: below the top reservation.
	CHECK_EQ(ranges_alloc(&rs, 2 * MIB, 2 * MIB, 0, UINT64_MAX, &a), 0);
	CHECK_EQ(a, 0x23fc00000);
	// A byte-aligned odd size sits right under the reservation.
	CHECK_EQ(ranges_alloc(&rs, 0x123, 1, 0, 0x23fc00000, &a), 0);
	CHECK_EQ(a, 0x23fc00000 - 0x123);
	// Within a window whose top is not aligned.
	CHECK_EQ(ranges_alloc(&rs, PG, 16 * KIB, 0x80000000, 0x80006800, &a), 0);
	CHECK_EQ(a, 0x80004000);
	SET_IS(&rs.reserved, { 0x40000000, 16 * MIB }, { 0x80004000, PG }, { 0xffffe000, 2 * PG },
	       { 0x23fc00000 - 0x123, 2 * MIB + 0x123 }, { 0x23fff0000, 64 * KIB });
	SET_IS(&rs.memory, { 0x40000000, 8 * GIB });
}

static void test_alloc_skips_reservations(void)
{
	struct ranges rs;
	phys_addr_t a = 0;

	ranges_init(&rs);
	CHECK_EQ(ranges_add_memory(&rs, 0, 0x10000), 0);
	CHECK_EQ(ranges_add_memory(&rs, 0x20000, 0x4000), 0);
	CHECK_EQ(ranges_reserve(&rs, 0xc000, 0x4000), 0);
	CHECK_EQ(ranges_reserve(&rs, 0x5000, 0x3000), 0);
	CHECK_EQ(ranges_reserve(&rs, 0x21000, 0x1000), 0);
	// [0x22000, 0x24000) and [0x20000, 0x21000) are too small.
	CHECK_EQ(ranges_alloc(&rs, 0x4000, PG, 0, UINT64_MAX, &a), 0);
	CHECK_EQ(a, 0x8000);
	CHECK_EQ(ranges_alloc(&rs, 0x4000, PG, 0, UINT64_MAX, &a), 0);
	CHECK_EQ(a, 0x1000);
	CHECK_EQ(ranges_alloc(&rs, 0x2000, PG, 0, UINT64_MAX, &a), 0);
	CHECK_EQ(a, 0x22000);
	CHECK_EQ(ranges_alloc(&rs, 0x2000, PG, 0, UINT64_MAX, &a), RANGES_E_NOMEM);
	// Aligned to 256 KiB, [0x20000, 0x21000) has no candidate.
	CHECK_EQ(ranges_alloc(&rs, PG, 0x40000, 0, UINT64_MAX, &a), 0);
	CHECK_EQ(a, 0);
	CHECK_EQ(ranges_alloc(&rs, PG, PG, 0, UINT64_MAX, &a), 0);
	CHECK_EQ(a, 0x20000);
	CHECK_EQ(ranges_alloc(&rs, 1, 1, 0, UINT64_MAX, &a), RANGES_E_NOMEM);
	SET_IS(&rs.reserved, { 0, 0x10000 }, { 0x20000, 0x4000 });
}

static void test_alloc_bounds(void)
{
	struct ranges rs;
	phys_addr_t a = 0;

	ranges_init(&rs);
	CHECK_EQ(ranges_add_memory(&rs, 0, MIB), 0);
	CHECK_EQ(ranges_alloc(&rs, PG, PG, 0x3000, 0x5800, &a), 0);
	CHECK_EQ(a, 0x4000);
	// The aligned candidate would fall below lo.
	CHECK_EQ(ranges_alloc(&rs, PG, PG, 0x3800, 0x4800, &a), RANGES_E_NOMEM);
	CHECK_EQ(ranges_alloc(&rs, PG, PG, 0x3000, 0x4800, &a), 0);
	CHECK_EQ(a, 0x3000);
	// The window is only partly memory.
	CHECK_EQ(ranges_alloc(&rs, 0x2000, PG, 0xff000, 0x200000, &a), RANGES_E_NOMEM);
	CHECK_EQ(ranges_alloc(&rs, 0x2000, PG, 0xfe000, 0x200000, &a), 0);
	CHECK_EQ(a, 0xfe000);
	SET_IS(&rs.reserved, { 0x3000, 0x2000 }, { 0xfe000, 0x2000 });

	struct ranges copy = rs;
	a = 0x1234;
	CHECK_EQ(ranges_alloc(&rs, 0, PG, 0, UINT64_MAX, &a), RANGES_E_INVAL);
	CHECK_EQ(ranges_alloc(&rs, PG, 0, 0, UINT64_MAX, &a), RANGES_E_INVAL);
	CHECK_EQ(ranges_alloc(&rs, PG, 0x3000, 0, UINT64_MAX, &a), RANGES_E_INVAL);
	CHECK_EQ(ranges_alloc(&rs, PG, PG, 0x5000, 0x5000, &a), RANGES_E_INVAL);
	CHECK_EQ(ranges_alloc(&rs, PG, PG, 0x6000, 0x5000, &a), RANGES_E_INVAL);
	CHECK_EQ(ranges_alloc(&rs, 2 * MIB, PG, 0, UINT64_MAX, &a), RANGES_E_NOMEM);
	CHECK(memcmp(&rs, &copy, sizeof(rs)) == 0);
	CHECK_EQ(a, 0x1234);
}

static void test_alloc_exhaustion(void)
{
	struct ranges rs;
	phys_addr_t a = 0;

	ranges_init(&rs);
	CHECK_EQ(ranges_add_memory(&rs, 0x100000, 16 * PG), 0);
	for (unsigned i = 0; i < 16; i++) {
		CHECK_EQ(ranges_alloc(&rs, PG, PG, 0, UINT64_MAX, &a), 0);
		CHECK_EQ(a, 0x100000 + (15 - i) * PG);
	}
	CHECK_EQ(ranges_alloc(&rs, PG, PG, 0, UINT64_MAX, &a), RANGES_E_NOMEM);
	SET_IS(&rs.reserved, { 0x100000, 16 * PG });
	CHECK_EQ(range_set_remove(&rs.reserved, 0x104000, PG), 0);
	CHECK_EQ(ranges_alloc(&rs, PG, PG, 0, UINT64_MAX, &a), 0);
	CHECK_EQ(a, 0x104000);
}

static void test_alloc_top_of_space(void)
{
	struct ranges rs;
	phys_addr_t a = 0;

	ranges_init(&rs);
	CHECK_EQ(ranges_add_memory(&rs, UINT64_MAX - 0x10000, 0x10000), 0);
	CHECK_EQ(ranges_alloc(&rs, PG, PG, 0, UINT64_MAX, &a), 0);
	CHECK_EQ(a, 0xffffffffffffe000ULL);
	// What is left above it ends at UINT64_MAX.
	CHECK_EQ(ranges_alloc(&rs, 0xfff, 1, 0, UINT64_MAX, &a), 0);
	CHECK_EQ(a, UINT64_MAX - 0xfff);
	SET_IS(&rs.reserved, { 0xffffffffffffe000ULL, 0x1fff });
	// Rounding down to 2^63 would leave the range: no wrap, no result.
	CHECK_EQ(ranges_alloc(&rs, PG, 1ULL << 63, 0, UINT64_MAX, &a), RANGES_E_NOMEM);
	CHECK_EQ(ranges_add_memory(&rs, 1ULL << 63, 2 * PG), 0);
	CHECK_EQ(ranges_alloc(&rs, PG, 1ULL << 63, 0, UINT64_MAX, &a), 0);
	CHECK_EQ(a, 1ULL << 63);
	CHECK_EQ(ranges_alloc(&rs, PG, 1ULL << 63, 0, UINT64_MAX, &a), RANGES_E_NOMEM);
	CHECK_EQ(ranges_alloc(&rs, UINT64_MAX, 1, 0, UINT64_MAX, &a), RANGES_E_NOMEM);
}

static void test_alloc_reserved_full(void)
{
	struct ranges rs;
	phys_addr_t a = 0;

	ranges_init(&rs);
	CHECK_EQ(ranges_add_memory(&rs, 0, MIB), 0);
	fill(&rs.reserved); // every other page from 0x10000 to 0x4e000
	struct ranges copy = rs;
	// The top of memory touches no reservation: no slot for a new one.
	CHECK_EQ(ranges_alloc(&rs, PG, PG, 0, UINT64_MAX, &a), RANGES_E_FULL);
	CHECK(memcmp(&rs, &copy, sizeof(rs)) == 0);
	// Filling a one-page hole merges two reservations.
	CHECK_EQ(ranges_alloc(&rs, PG, PG, 0, 0x4e000, &a), 0);
	CHECK_EQ(a, 0x4d000);
	CHECK_EQ(rs.reserved.n, RANGES_MAX - 1);
	CHECK(set_valid(&rs.reserved));
}

static void test_next_free(void)
{
	struct ranges rs;
	struct range r = { 0 };
	phys_addr_t pos = 0;

	ranges_init(&rs);
	CHECK_EQ(ranges_next_free(&rs, &pos, UINT64_MAX, &r), 0);
	CHECK_EQ(ranges_add_memory(&rs, 0x1000, 0x8000), 0);
	CHECK_EQ(ranges_add_memory(&rs, 0x10000, 0x10000), 0);
	CHECK_EQ(ranges_add_memory(&rs, 0x40000, 0x1000), 0);
	CHECK_EQ(ranges_reserve(&rs, 0x2000, 0x1000), 0);
	CHECK_EQ(ranges_reserve(&rs, 0x8000, 0x9000), 0);
	CHECK_EQ(ranges_reserve(&rs, 0x1f000, 0x11000), 0);
	CHECK_EQ(ranges_reserve(&rs, 0x40000, 0x1000), 0);

	const struct range all[] = { { 0x1000, 0x1000 }, { 0x3000, 0x5000 }, { 0x11000, 0xe000 } };
	for (unsigned i = 0; i < 3; i++) {
		CHECK_EQ(ranges_next_free(&rs, &pos, UINT64_MAX, &r), 1);
		CHECK_EQ(r.base, all[i].base);
		CHECK_EQ(r.size, all[i].size);
		CHECK_EQ(pos, all[i].base + all[i].size);
	}
	CHECK_EQ(ranges_next_free(&rs, &pos, UINT64_MAX, &r), 0);

	// Clipped to [pos, hi), starting inside a reservation.
	pos = 0x8800;
	CHECK_EQ(ranges_next_free(&rs, &pos, 0x12000, &r), 1);
	CHECK_EQ(r.base, 0x11000);
	CHECK_EQ(r.size, 0x1000);
	CHECK_EQ(ranges_next_free(&rs, &pos, 0x12000, &r), 0);
	pos = 0x4000;
	CHECK_EQ(ranges_next_free(&rs, &pos, 0x4800, &r), 1);
	CHECK_EQ(r.base, 0x4000);
	CHECK_EQ(r.size, 0x800);
	CHECK_EQ(pos, 0x4800);
	CHECK_EQ(ranges_next_free(&rs, &pos, 0x4800, &r), 0);
}

// The randomized cross-check: a window of MODEL_PAGES pages, mirrored by
// one byte per page for memory and for reservations.
#define MODEL_PAGES 256

struct model {
	phys_addr_t base;
	uint8_t mem[MODEL_PAGES];
	uint8_t res[MODEL_PAGES];
};

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng >> 32) % n;
}

static phys_addr_t page_addr(const struct model *m, unsigned p)
{
	return m->base + p * PG;
}

static unsigned runs(const uint8_t *bits)
{
	unsigned n = 0;

	for (unsigned p = 0; p < MODEL_PAGES; p++)
		n += bits[p] && (p == 0 || !bits[p - 1]);
	return n;
}

static int in_set(const struct range_set *s, phys_addr_t a)
{
	for (unsigned i = 0; i < s->n; i++)
		if (a >= s->r[i].base && a - s->r[i].base < s->r[i].size)
			return 1;
	return 0;
}

static int matches(const struct model *m, const struct range_set *s, const uint8_t *bits)
{
	unsigned pages = 0;

	if (!set_valid(s))
		return 0;
	for (unsigned p = 0; p < MODEL_PAGES; p++) {
		if (in_set(s, page_addr(m, p)) != bits[p] ||
		    in_set(s, page_addr(m, p) + PG - 1) != bits[p])
			return 0;
		pages += bits[p];
	}
	return range_set_total(s) == pages * PG;
}

static int page_free(const struct model *m, unsigned p)
{
	return m->mem[p] && !m->res[p];
}

// Applies a set operation to the set and to the model's bitmap; the set must
// refuse (RANGES_E_FULL, unchanged) exactly when the result has too many runs.
static void random_set_op(struct model *m, struct range_set *s, uint8_t *bits, int add)
{
	unsigned p = rnd(MODEL_PAGES), len = rnd(5);
	uint8_t want[MODEL_PAGES];
	struct range_set before = *s;

	if (len > MODEL_PAGES - p)
		len = MODEL_PAGES - p;
	memcpy(want, bits, sizeof(want));
	memset(want + p, add, len);
	int rc = add ? range_set_add(s, page_addr(m, p), len * PG)
		     : range_set_remove(s, page_addr(m, p), len * PG);
	if (runs(want) > RANGES_MAX) {
		CHECK_EQ(rc, RANGES_E_FULL);
		CHECK(memcmp(s, &before, sizeof(*s)) == 0);
	} else {
		CHECK_EQ(rc, 0);
		memcpy(bits, want, sizeof(want));
	}
}

// The highest page index where `pages` free pages fit aligned inside
// [lo, hi), or -1.
static int model_fit(const struct model *m, unsigned pages, phys_addr_t align, phys_addr_t lo,
		     phys_addr_t hi)
{
	for (int p = MODEL_PAGES - (int)pages; p >= 0; p--) {
		phys_addr_t a = page_addr(m, p);
		if (a < lo || a + pages * PG > hi || (a & (align - 1)))
			continue;
		unsigned k = 0;
		while (k < pages && page_free(m, p + k))
			k++;
		if (k == pages)
			return p;
	}
	return -1;
}

static phys_addr_t random_bound(const struct model *m)
{
	unsigned pick = rnd(20);

	if (pick == 0)
		return 0;
	if (pick == 1)
		return UINT64_MAX;
	return page_addr(m, rnd(MODEL_PAGES + 1));
}

static void random_alloc(struct model *m, struct ranges *rs)
{
	unsigned pages = 1 + rnd(8);
	phys_addr_t align = rnd(4) ? PG : 1;
	align <<= rnd(6);
	phys_addr_t lo = random_bound(m), hi = random_bound(m);
	phys_addr_t a = 0;

	if (lo > hi && rnd(4)) {
		a = lo;
		lo = hi;
		hi = a;
	}
	struct ranges before = *rs;

	int rc = ranges_alloc(rs, pages * PG, align, lo, hi, &a);
	if (lo >= hi) {
		CHECK_EQ(rc, RANGES_E_INVAL);
		return;
	}
	int p = model_fit(m, pages, align, lo, hi);
	if (p < 0) {
		CHECK_EQ(rc, RANGES_E_NOMEM);
		CHECK(memcmp(rs, &before, sizeof(*rs)) == 0);
		return;
	}
	uint8_t want[MODEL_PAGES];
	memcpy(want, m->res, sizeof(want));
	memset(want + p, 1, pages);
	if (runs(want) > RANGES_MAX) {
		CHECK_EQ(rc, RANGES_E_FULL);
		CHECK(memcmp(rs, &before, sizeof(*rs)) == 0);
		return;
	}
	CHECK_EQ(rc, 0);
	CHECK_EQ(a, page_addr(m, p));
	memcpy(m->res, want, sizeof(want));
}

static void model_clip(struct model *m, unsigned limit_page)
{
	for (unsigned p = limit_page; p < MODEL_PAGES; p++)
		m->mem[p] = m->res[p] = 0;
}

static void random_clip(struct model *m, struct ranges *rs)
{
	unsigned limit = rnd(MODEL_PAGES + 1);

	ranges_clip_above(rs, page_addr(m, limit));
	model_clip(m, limit);
}

// mem= in the model: the limit is the end of the last page kept, or the
// first memory page when none is kept.
static void random_limit(struct model *m, struct ranges *rs)
{
	unsigned keep = rnd(MODEL_PAGES + 1), seen = 0;

	ranges_limit_total(rs, keep * PG);
	for (unsigned p = 0; p < MODEL_PAGES; p++) {
		if (!m->mem[p])
			continue;
		if (seen == keep) {
			model_clip(m, p);
			return;
		}
		if (++seen == keep) {
			model_clip(m, p + 1);
			return;
		}
	}
}

static void random_iterate(const struct model *m, const struct ranges *rs)
{
	unsigned from = rnd(MODEL_PAGES + 1), to = rnd(MODEL_PAGES + 1);
	phys_addr_t pos = page_addr(m, from);
	phys_addr_t hi = rnd(4) ? page_addr(m, to) : UINT64_MAX;
	struct range r;

	if (hi == UINT64_MAX)
		to = MODEL_PAGES;
	for (unsigned p = from; p < to; p++) {
		if (!page_free(m, p) || (p > from && page_free(m, p - 1)))
			continue;
		unsigned q = p;
		while (q < to && page_free(m, q))
			q++;
		CHECK_EQ(ranges_next_free(rs, &pos, hi, &r), 1);
		CHECK_EQ(r.base, page_addr(m, p));
		CHECK_EQ(r.size, (q - p) * PG);
		CHECK_EQ(pos, page_addr(m, q));
	}
	CHECK_EQ(ranges_next_free(rs, &pos, hi, &r), 0);
}

static void random_run(phys_addr_t base)
{
	struct model m = { .base = base };
	struct ranges rs;

	ranges_init(&rs);
	for (unsigned i = 0; i < 40000 && !check_failures; i++) {
		unsigned op = rnd(128);
		if (op < 28)
			random_set_op(&m, &rs.memory, m.mem, 1);
		else if (op < 52)
			random_set_op(&m, &rs.memory, m.mem, 0);
		else if (op < 76)
			random_set_op(&m, &rs.reserved, m.res, 1);
		else if (op < 96)
			random_set_op(&m, &rs.reserved, m.res, 0);
		else if (op < 116)
			random_alloc(&m, &rs);
		else if (op < 125)
			random_iterate(&m, &rs);
		else if (op < 127)
			random_clip(&m, &rs);
		else
			random_limit(&m, &rs);
		CHECK(matches(&m, &rs.memory, m.mem));
		CHECK(matches(&m, &rs.reserved, m.res));
	}
}

static void test_random_low(void)
{
	random_run(0);
}

// The window's last page ends 4 KiB below 2^64.
static void test_random_top(void)
{
	random_run(0ULL - (MODEL_PAGES + 1) * PG);
}

static const struct check_case cases[] = {
	{ test_add_merges, "add merges overlaps and neighbours" },
	{ test_zero_and_overflow, "zero sizes and 64-bit overflow" },
	{ test_remove_splits, "remove trims and splits" },
	{ test_full_set, "a full set refuses, unchanged" },
	{ test_clip_above, "clip above a limit" },
	{ test_limit_total_8g, "mem= on QEMU virt 8G" },
	{ test_limit_total_ranges, "mem= across several ranges" },
	{ test_alloc_top_down, "alloc top-down, aligned" },
	{ test_alloc_skips_reservations, "alloc skips reservations" },
	{ test_alloc_bounds, "alloc within [lo, hi), bad arguments" },
	{ test_alloc_exhaustion, "alloc until exhausted" },
	{ test_alloc_top_of_space, "alloc at the top of the address space" },
	{ test_alloc_reserved_full, "alloc with a full reserved set" },
	{ test_next_free, "free-range iteration" },
	{ test_random_low, "random cross-check against a page bitmap (low)" },
	{ test_random_top, "random cross-check against a page bitmap (top)" },
	{ 0 },
};

int main(void)
{
	return check_run("ranges", cases);
}
