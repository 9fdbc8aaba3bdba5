// Self tests of the LOWMEM frame allocator.
#include "ktest.h"
#include "memory.h"
#include "mmu.h"

static int in_set(const struct range_set *s, uint64_t pa, uint64_t size)
{
	for (unsigned i = 0; i < s->n; i++)
		if (pa >= s->r[i].base && pa + size <= s->r[i].base + s->r[i].size)
			return 1;
	return 0;
}

const char *test_frames_zeroed_distinct(void)
{
	enum { N = 64 };
	uint64_t pa[N];
	uint32_t before = frame_free_count();

	for (int i = 0; i < N; i++) {
		pa[i] = frame_alloc();
		if (!pa[i])
			return "frame_alloc failed with frames free";
		if (pa[i] & (PAGE_SIZE - 1) || !in_set(memory_lowmem(), pa[i], PAGE_SIZE))
			return "frame not page-aligned LOWMEM";
		uint32_t *w = (uint32_t *)phys_to_virt(pa[i]);
		for (int k = 0; k < PAGE_SIZE / 4; k++)
			if (w[k])
				return "frame not zeroed";
		for (int k = 0; k < PAGE_SIZE / 4; k++)
			w[k] = 0xdead0000u | (uint32_t)i;
		for (int j = 0; j < i; j++)
			if (pa[j] == pa[i])
				return "frame handed out twice";
	}
	for (int i = 0; i < N; i++)
		frame_free(pa[i]);
	return frame_free_count() == before ? 0 : "free count not restored";
}

// Takes every free frame, checks it is LOWMEM the direct map reaches and
// holds what was written, then gives them all back.
const char *test_frames_cover_lowmem(void)
{
	uint32_t before = frame_free_count(), taken = 0;
	uint64_t chain = 0, pa;
	const char *err = 0;

	while ((pa = frame_alloc())) {
		uint32_t *w = (uint32_t *)phys_to_virt(pa);
		if (!in_set(memory_lowmem(), pa, PAGE_SIZE) && !err)
			err = "frame outside LOWMEM";
		w[PAGE_SIZE / 4 - 1] = (uint32_t)pa ^ 0x5a5a5a5au;
		*(uint64_t *)w = chain;
		chain = pa;
		taken++;
	}
	while (chain) {
		uint32_t *w = (uint32_t *)phys_to_virt(chain);
		uint64_t next = *(uint64_t *)w;
		if (w[PAGE_SIZE / 4 - 1] != ((uint32_t)chain ^ 0x5a5a5a5au) && !err)
			err = "frame lost what was written";
		frame_free(chain);
		chain = next;
	}
	if (taken != before && !err)
		err = "took a different number of frames than were free";
	return err;
}
