// The ASID allocator's logic (asid.h): a bitmap of the numbers given out in
// the current generation, and the CPUs' active and reserved TTBR0 values.
#include "asid/asid.h"

#include <string.h>

static void take(struct asid_alloc *a, uint32_t n)
{
	a->used[n / 32] |= 1u << (n % 32);
}

// A number not given out in this generation, or 0 when all are.
static uint32_t free_number(const struct asid_alloc *a)
{
	for (uint32_t w = 0; w < ASID_COUNT / 32; w++)
		if (~a->used[w])
			return w * 32 + (uint32_t)__builtin_ctz(~a->used[w]);
	return 0;
}

// Ends the generation: the numbers the CPUs run with stay taken, reserved
// for their spaces; every CPU flushes before it loads an ASID again.
static void roll_over(struct asid_alloc *a)
{
	a->gen++;
	a->rollovers++;
	memset(a->used, 0, sizeof(a->used));
	take(a, 0);
	for (unsigned i = 0; i < a->ncpus; i++) {
		struct asid_cpu *c = a->cpu[i];
		// A CPU that has not switched since the last roll-over still
		// runs with the same value: active has not changed.
		c->reserved = c->active;
		take(a, asid_of(c->active));
		c->gen = 0;
	}
}

// Whether a CPU ran with `ttbr0` at the last roll-over: its number was kept
// for that space in this generation.
static int reserved(const struct asid_alloc *a, uint64_t ttbr0)
{
	for (unsigned i = 0; i < a->ncpus; i++)
		if (a->cpu[i]->reserved == ttbr0)
			return 1;
	return 0;
}

// Gives the space (*gen, *ttbr0) an ASID of the current generation.
static void assign(struct asid_alloc *a, uint64_t *gen, uint64_t *ttbr0)
{
	uint32_t n;

	if (*gen != ASID_GEN_NONE && reserved(a, *ttbr0)) {
		*gen = a->gen;
		return;
	}
	n = free_number(a);
	if (!n) {
		roll_over(a);
		n = free_number(a); // at most ASID_MAX_CPUS are reserved
	}
	take(a, n);
	*ttbr0 = (*ttbr0 & ~ASID_MASK) | (uint64_t)n << ASID_SHIFT;
	*gen = a->gen;
}

// Whether `c` has asked before; if not, it is added (0), or -1 when there is
// no room.
static int add_cpu(struct asid_alloc *a, struct asid_cpu *c)
{
	for (unsigned i = 0; i < a->ncpus; i++)
		if (a->cpu[i] == c)
			return 0;
	if (a->ncpus == ASID_MAX_CPUS)
		return -1;
	a->cpu[a->ncpus++] = c;
	return 0;
}

int asid_renew(struct asid_alloc *a, struct asid_cpu *c, uint64_t *gen, uint64_t *ttbr0)
{
	if (add_cpu(a, c))
		return -1;
	if (*gen != a->gen)
		assign(a, gen, ttbr0); // may roll over: then c->gen is 0
	if (c->gen == a->gen)
		return 0;
	c->gen = a->gen;
	return 1;
}

int asid_release(struct asid_alloc *a, uint64_t *gen, uint64_t ttbr0)
{
	uint32_t n = asid_of(ttbr0);
	int held = *gen == a->gen;

	if (*gen == ASID_GEN_NONE)
		return 0;
	for (unsigned i = 0; i < a->ncpus; i++)
		if (a->cpu[i]->active == ttbr0)
			return -1;
	for (unsigned i = 0; i < a->ncpus; i++) {
		if (a->cpu[i]->reserved == ttbr0) { // its number was kept for it
			a->cpu[i]->reserved = 0;
			held = 1;
		}
	}
	if (held)
		a->used[n / 32] &= ~(1u << (n % 32));
	*gen = ASID_GEN_NONE;
	return 0;
}
