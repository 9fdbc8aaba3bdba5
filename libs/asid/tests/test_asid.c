// Host tests of the ASID allocator: simulated CPUs, each with a model of
// its TLB (which space filled the entries under each ASID), switch among
// spaces as vspace_activate does, through many roll-overs; spaces die and
// their root tables are taken again by new ones, as in the kernel.
#include "check/check.h"
#include "asid/asid.h"

#include <string.h>

#define NCPU ASID_MAX_CPUS
#define NSPACE 600
#define NONE (-1)

struct sim_space {
	uint64_t gen, ttbr0;
	int life; // which space lives on this root now: a new one takes a new number
};

static struct asid_alloc alloc;
static struct asid_cpu cpus[NCPU];
static struct sim_space spaces[NSPACE];
static int loaded[NCPU];            // the space each CPU runs, or NONE
static int tlb[NCPU][ASID_COUNT];   // the life whose entries a CPU caches under an ASID
static unsigned stale_uses, shared; // violations seen (each also a CHECK)
static int lives;

static void reset(void)
{
	struct asid_alloc fresh = ASID_ALLOC_INIT;

	alloc = fresh;
	memset(cpus, 0, sizeof(cpus));
	for (int i = 0; i < NSPACE; i++)
		spaces[i] = (struct sim_space){ ASID_GEN_NONE, (uint64_t)(i + 1) << 12, i };
	lives = NSPACE;
	for (int c = 0; c < NCPU; c++) {
		loaded[c] = NONE;
		for (int n = 0; n < ASID_COUNT; n++)
			tlb[c][n] = NONE;
	}
	stale_uses = shared = 0;
}

static void flush_local(int c)
{
	for (int n = 0; n < ASID_COUNT; n++)
		tlb[c][n] = NONE;
}

// CPU c runs its space: its TLB fills under the space's ASID, and must hold
// nothing of another space there (nor of a dead one on the same root).
static void run(int c)
{
	uint32_t n = asid_of(cpus[c].active);
	int life;

	if (loaded[c] == NONE)
		return;
	life = spaces[loaded[c]].life;
	if (tlb[c][n] != NONE && tlb[c][n] != life) {
		stale_uses++;
		CHECK(!"a CPU ran on another space's TLB entries");
	}
	tlb[c][n] = life;
}

// vspace_activate's steps.
static void sim_switch(int c, int s)
{
	if (spaces[s].gen != cpus[c].gen) {
		int r = asid_renew(&alloc, &cpus[c], &spaces[s].gen, &spaces[s].ttbr0);
		CHECK(r == 0 || r == 1);
		if (r == 1)
			flush_local(c);
	}
	CHECK_EQ(spaces[s].gen, alloc.gen);
	cpus[c].active = spaces[s].ttbr0;
	loaded[c] = s;
	run(c);
}

// vspace_deactivate: the empty user half, ASID 0.
static void sim_deactivate(int c)
{
	cpus[c].active = 0;
	loaded[c] = NONE;
}

static int is_loaded(int s)
{
	for (int c = 0; c < NCPU; c++)
		if (loaded[c] == s)
			return 1;
	return 0;
}

// vspace_free_asid and a new space on the same root: every TLB forgets the
// ASID, the allocator takes it back.
static void sim_recycle(int s)
{
	if (spaces[s].gen != ASID_GEN_NONE) {
		for (int c = 0; c < NCPU; c++)
			tlb[c][asid_of(spaces[s].ttbr0)] = NONE;
		CHECK_EQ(asid_release(&alloc, &spaces[s].gen, spaces[s].ttbr0), 0);
	}
	CHECK_EQ(spaces[s].gen, ASID_GEN_NONE);
	spaces[s].ttbr0 = (uint64_t)(s + 1) << 12; // a new space on the same root
	spaces[s].life = lives++;
}

// No two spaces that may use their ASID (current generation, or running)
// have the same one, and no space is running with a number it no longer
// holds.
static void check_unique(void)
{
	int owner[ASID_COUNT];

	for (int n = 0; n < ASID_COUNT; n++)
		owner[n] = NONE;
	for (int s = 0; s < NSPACE; s++) {
		uint32_t n = asid_of(spaces[s].ttbr0);
		if (spaces[s].gen != alloc.gen && !is_loaded(s))
			continue;
		if (n == 0 || (owner[n] != NONE && owner[n] != s)) {
			shared++;
			CHECK(!"two live spaces share an ASID (or one has ASID 0)");
		}
		owner[n] = s;
	}
	for (int c = 0; c < NCPU; c++)
		if (loaded[c] != NONE)
			CHECK_EQ(cpus[c].active, spaces[loaded[c]].ttbr0);
}

static uint32_t rng = 12345;

static uint32_t next_random(void)
{
	rng = rng * 1103515245u + 12345u;
	return rng >> 8;
}

// Random switches, deactivations and deaths on every CPU; after each step
// every CPU runs on (its TLB fills) and the ASIDs are checked.
static void test_random_switching(void)
{
	reset();
	for (int step = 0; step < 200000; step++) {
		int c = (int)(next_random() % NCPU);
		uint32_t what = next_random() % 100;
		// a small hot set and a long tail, so that roll-overs come often
		int s = (int)(next_random() % (what < 60 ? 16 : NSPACE));
		if (what < 90) {
			sim_switch(c, s);
		} else if (what < 93) {
			sim_deactivate(c);
		} else if (!is_loaded(s)) {
			sim_recycle(s);
		}
		for (int k = 0; k < NCPU; k++)
			run(k);
		check_unique();
		if (stale_uses + shared > 3)
			break; // the first failures tell; stop the flood
	}
	CHECK(alloc.rollovers >= 50);
	CHECK_EQ(stale_uses, 0);
	CHECK_EQ(shared, 0);
}

// CPU 1 runs space 0 while CPU 0 goes through enough spaces for three
// roll-overs: space 0 keeps its ASID throughout, nobody else is given it,
// and when it runs on CPU 2 later it still has it, in the new generation.
static void test_running_asid_survives(void)
{
	uint32_t n;

	reset();
	sim_switch(1, 0);
	n = asid_of(spaces[0].ttbr0);
	for (int s = 1; s < 3 * ASID_COUNT; s++) {
		sim_switch(0, s % NSPACE);
		run(1);
		check_unique();
		CHECK_EQ(asid_of(cpus[1].active), n);
	}
	CHECK_EQ(alloc.rollovers, 3);
	CHECK(spaces[0].gen != alloc.gen);
	sim_switch(2, 0);
	CHECK_EQ(asid_of(spaces[0].ttbr0), n);
	CHECK_EQ(spaces[0].gen, alloc.gen);
	CHECK_EQ(stale_uses + shared, 0);
}

// After a roll-over each CPU flushes once, at its next switch, whichever
// space it takes (also one of the new generation); not again after.
static void test_flush_once_per_rollover(void)
{
	reset();
	for (int c = 0; c < 4; c++)
		sim_switch(c, c);
	for (int c = 0; c < 4; c++)
		CHECK_EQ(cpus[c].gen, alloc.gen);
	for (int s = 4; s < ASID_COUNT + 4; s++) // CPU 0 starts a new generation
		sim_switch(0, s);
	CHECK_EQ(alloc.rollovers, 1);
	for (int c = 1; c < 4; c++)
		CHECK_EQ(cpus[c].gen, 0);
	CHECK_EQ(asid_renew(&alloc, &cpus[1], &spaces[ASID_COUNT + 3].gen,
			    &spaces[ASID_COUNT + 3].ttbr0),
		 1); // space ASID_COUNT + 3 is of the new generation already
	CHECK_EQ(asid_renew(&alloc, &cpus[1], &spaces[1].gen, &spaces[1].ttbr0), 0);
	CHECK_EQ(cpus[1].gen, alloc.gen);
}

// A freed ASID is given out again in the same generation: the number of a
// space of the current generation, and the number a roll-over kept for a
// space that is no longer running anywhere.
static void test_release_reuses(void)
{
	uint32_t n;

	reset();
	sim_switch(0, 0);
	n = asid_of(spaces[0].ttbr0);
	sim_switch(0, 1);
	sim_recycle(0);
	sim_switch(0, 2);
	CHECK_EQ(asid_of(spaces[2].ttbr0), n);

	reset();
	sim_switch(1, 0); // reserved through the roll-over below
	n = asid_of(spaces[0].ttbr0);
	for (int s = 1; s < ASID_COUNT + 1; s++)
		sim_switch(0, s);
	CHECK_EQ(alloc.rollovers, 1);
	sim_switch(1, 1);
	sim_recycle(0);
	for (int s = 2; s < ASID_COUNT; s++) { // every free number, before a roll-over
		sim_switch(0, (ASID_COUNT + s) % NSPACE);
		if (asid_of(spaces[(ASID_COUNT + s) % NSPACE].ttbr0) == n)
			break;
	}
	CHECK_EQ(alloc.rollovers, 1);
	CHECK_EQ(asid_of(cpus[0].active), n);
}

// The broken-kernel cases: releasing a space some CPU still runs changes
// nothing; a ninth CPU is refused.
static void test_refusals(void)
{
	struct asid_cpu extra = { 0 };
	uint64_t gen;

	reset();
	sim_switch(3, 7);
	gen = spaces[7].gen;
	CHECK_EQ(asid_release(&alloc, &spaces[7].gen, spaces[7].ttbr0), -1);
	CHECK_EQ(spaces[7].gen, gen);
	for (int c = 0; c < NCPU; c++)
		sim_switch(c, 10 + c);
	CHECK_EQ(asid_renew(&alloc, &extra, &spaces[20].gen, &spaces[20].ttbr0), -1);
	CHECK_EQ(spaces[20].gen, ASID_GEN_NONE);
	CHECK_EQ(alloc.ncpus, NCPU);
}

static const struct check_case cases[] = {
	{ test_random_switching, "8 CPUs switch among 600 spaces through roll-overs" },
	{ test_running_asid_survives, "a running ASID survives roll-overs" },
	{ test_flush_once_per_rollover, "each CPU flushes once after a roll-over" },
	{ test_release_reuses, "a released ASID is given out again" },
	{ test_refusals, "release of a running space, a ninth CPU: refused" },
	{ 0, 0 },
};

int main(void)
{
	return check_run("asid", cases);
}
