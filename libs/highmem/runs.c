// Run compression for vmap (runs.h).
#include "runs.h"

// Pages in the run that starts at pages[i]: frames each one above the last.
static unsigned run_length(const uint32_t *pages, unsigned count, unsigned i)
{
	uint32_t first = pages[i];
	unsigned n = 1, max = count - i;

	if (max - 1 > UINT32_MAX - first) // no frame comes after UINT32_MAX
		max = UINT32_MAX - first + 1;
	while (n < max && pages[i + n] == first + n)
		n++;
	return n;
}

unsigned highmem_runs_pack(const uint32_t *pages, unsigned count, unsigned *next, uint32_t *out,
			   unsigned max)
{
	unsigned runs = 0, i = *next;

	while (i < count && runs < max) {
		unsigned n = run_length(pages, count, i);

		out[2 * runs] = pages[i];
		out[2 * runs + 1] = n;
		runs++;
		i += n;
	}
	*next = i;
	return runs;
}

unsigned highmem_runs_count(const uint32_t *pages, unsigned count)
{
	unsigned runs = 0;

	for (unsigned i = 0; i < count; i += run_length(pages, count, i))
		runs++;
	return runs;
}
