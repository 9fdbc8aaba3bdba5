#include "ranges.h"

#include <string.h>

static phys_addr_t range_end(const struct range *r)
{
	return r->base + r->size;
}

static phys_addr_t min_addr(phys_addr_t a, phys_addr_t b)
{
	return a < b ? a : b;
}

static phys_addr_t max_addr(phys_addr_t a, phys_addr_t b)
{
	return a > b ? a : b;
}

// Replaces s->r[i..j) with the k ranges of `with`; the caller checks room.
static void splice(struct range_set *s, unsigned i, unsigned j, const struct range *with,
		   unsigned k)
{
	memmove(&s->r[i + k], &s->r[j], (s->n - j) * sizeof(s->r[0]));
	memcpy(&s->r[i], with, k * sizeof(s->r[0]));
	s->n = s->n - (j - i) + k;
}

void ranges_init(struct ranges *rs)
{
	memset(rs, 0, sizeof(*rs));
}

int range_set_add(struct range_set *s, phys_addr_t base, phys_addr_t size)
{
	if (size > ~base)
		return RANGES_E_INVAL;
	if (size == 0)
		return 0;

	phys_addr_t end = base + size;
	unsigned i = 0;
	while (i < s->n && range_end(&s->r[i]) < base)
		i++;
	unsigned j = i;
	while (j < s->n && s->r[j].base <= end)
		j++;

	if (i == j && s->n == RANGES_MAX)
		return RANGES_E_FULL;
	if (i < j) {
		base = min_addr(base, s->r[i].base);
		end = max_addr(end, range_end(&s->r[j - 1]));
	}
	struct range merged = { base, end - base };
	splice(s, i, j, &merged, 1);
	return 0;
}

int range_set_remove(struct range_set *s, phys_addr_t base, phys_addr_t size)
{
	if (size > ~base)
		return RANGES_E_INVAL;
	if (size == 0)
		return 0;

	phys_addr_t end = base + size;
	unsigned i = 0;
	while (i < s->n && range_end(&s->r[i]) <= base)
		i++;
	unsigned j = i;
	while (j < s->n && s->r[j].base < end)
		j++;
	if (i == j)
		return 0;

	struct range keep[2];
	unsigned k = 0;
	if (s->r[i].base < base)
		keep[k++] = (struct range){ s->r[i].base, base - s->r[i].base };
	if (range_end(&s->r[j - 1]) > end)
		keep[k++] = (struct range){ end, range_end(&s->r[j - 1]) - end };
	if (s->n - (j - i) + k > RANGES_MAX)
		return RANGES_E_FULL;
	splice(s, i, j, keep, k);
	return 0;
}

phys_addr_t range_set_total(const struct range_set *s)
{
	phys_addr_t total = 0;

	for (unsigned i = 0; i < s->n; i++)
		total += s->r[i].size;
	return total;
}

int ranges_add_memory(struct ranges *rs, phys_addr_t base, phys_addr_t size)
{
	return range_set_add(&rs->memory, base, size);
}

int ranges_reserve(struct ranges *rs, phys_addr_t base, phys_addr_t size)
{
	return range_set_add(&rs->reserved, base, size);
}

// Removing a tail never splits a range, so these removals cannot fail.
void ranges_clip_above(struct ranges *rs, phys_addr_t limit)
{
	range_set_remove(&rs->memory, limit, UINT64_MAX - limit);
	range_set_remove(&rs->reserved, limit, UINT64_MAX - limit);
}

void ranges_limit_total(struct ranges *rs, phys_addr_t bytes)
{
	for (unsigned i = 0; i < rs->memory.n; i++) {
		const struct range *r = &rs->memory.r[i];
		if (bytes <= r->size) {
			ranges_clip_above(rs, r->base + bytes);
			return;
		}
		bytes -= r->size;
	}
}

// Index of the first range of `s` ending above `a`, or s->n.
static unsigned first_ending_above(const struct range_set *s, phys_addr_t a)
{
	unsigned i = 0;

	while (i < s->n && range_end(&s->r[i]) <= a)
		i++;
	return i;
}

// Number of ranges of `s` starting below `a` (the last of them is at that
// number minus one).
static unsigned count_starting_below(const struct range_set *s, phys_addr_t a)
{
	unsigned n = 0;

	while (n < s->n && s->r[n].base < a)
		n++;
	return n;
}

int ranges_next_free(const struct ranges *rs, phys_addr_t *pos, phys_addr_t hi, struct range *out)
{
	const struct range_set *res = &rs->reserved;

	for (unsigned m = 0; m < rs->memory.n; m++) {
		const struct range *mem = &rs->memory.r[m];
		if (range_end(mem) <= *pos)
			continue;
		phys_addr_t start = max_addr(*pos, mem->base);
		unsigned i = first_ending_above(res, start);
		if (i < res->n && res->r[i].base <= start)
			start = range_end(&res->r[i++]);
		if (start >= range_end(mem))
			continue;
		if (start >= hi)
			return 0;
		phys_addr_t end = min_addr(range_end(mem), hi);
		if (i < res->n)
			end = min_addr(end, res->r[i].base);
		*out = (struct range){ start, end - start };
		*pos = end;
		return 1;
	}
	return 0;
}

// The mirror of ranges_next_free: the highest maximal free range below
// *top, clipped to [lo, *top); moves *top down to its base.
static int prev_free(const struct ranges *rs, phys_addr_t *top, phys_addr_t lo, struct range *out)
{
	const struct range_set *res = &rs->reserved;

	for (unsigned m = rs->memory.n; m-- > 0;) {
		const struct range *mem = &rs->memory.r[m];
		if (mem->base >= *top)
			continue;
		phys_addr_t end = min_addr(*top, range_end(mem));
		unsigned n = count_starting_below(res, end);
		if (n > 0 && range_end(&res->r[n - 1]) >= end)
			end = res->r[--n].base;
		if (end <= mem->base)
			continue;
		if (end <= lo)
			return 0;
		phys_addr_t start = max_addr(mem->base, lo);
		if (n > 0)
			start = max_addr(start, range_end(&res->r[n - 1]));
		*out = (struct range){ start, end - start };
		*top = start;
		return 1;
	}
	return 0;
}

int ranges_alloc(struct ranges *rs, phys_addr_t size, phys_addr_t align, phys_addr_t lo,
		 phys_addr_t hi, phys_addr_t *out)
{
	if (size == 0 || align == 0 || (align & (align - 1)) || lo >= hi)
		return RANGES_E_INVAL;

	phys_addr_t top = hi;
	struct range gap;
	while (prev_free(rs, &top, lo, &gap)) {
		if (gap.size < size)
			continue;
		phys_addr_t base = (range_end(&gap) - size) & ~(align - 1);
		if (base < gap.base)
			continue;
		int err = ranges_reserve(rs, base, size);
		if (err)
			return err;
		*out = base;
		return 0;
	}
	return RANGES_E_NOMEM;
}
