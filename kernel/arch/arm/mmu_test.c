// Self tests of the kernel's translation tables.
#include "ktest.h"
#include "memory.h"
#include "mmu.h"

static const char *check_image_page(uint32_t va, unsigned prot)
{
	int text = va >= (uint32_t)_text && va < (uint32_t)_etext;
	int rodata = va >= (uint32_t)_etext && va < (uint32_t)_erodata;
	int data = va >= (uint32_t)_erodata && va < (uint32_t)_end;

	if ((prot & LPAE_P_WRITE) && (prot & LPAE_P_EXEC))
		return "a kernel page is writable and executable";
	if (text && (prot & (LPAE_P_WRITE | LPAE_P_EXEC)) != LPAE_P_EXEC)
		return "text is not read-only executable";
	if (rodata && (prot & (LPAE_P_WRITE | LPAE_P_EXEC)))
		return "read-only data is writable or executable";
	if (!text && !rodata && !data && (prot & LPAE_P_EXEC))
		return "LOWMEM outside the text is executable";
	if (data && (prot & (LPAE_P_WRITE | LPAE_P_EXEC)) != LPAE_P_WRITE)
		return "data is not read-write, execute-never";
	return 0;
}

const char *test_kernel_wx(void)
{
	for (int s = 0; s < IMAGE_SECTIONS; s++)
		for (int i = 0; i < LPAE_ENTRIES; i++) {
			pte_t d = image_l3[s][i];
			uint32_t va = PAGE_OFFSET + s * SECTION_SIZE + i * PAGE_SIZE;
			const char *err =
				lpae_is_valid(d) ? check_image_page(va, lpae_prot_of(d)) : 0;
			if (err)
				return err;
		}
	for (uint32_t va = PAGE_OFFSET; va >= PAGE_OFFSET && va < LOWMEM_VEND; va += SECTION_SIZE) {
		pte_t d = *kernel_l2_entry(va);
		if (lpae_is_valid(d) && !lpae_is_table(d) && (lpae_prot_of(d) & LPAE_P_EXEC))
			return "a LOWMEM block is executable";
	}
	return 0;
}

static int overlaps(const struct range_set *s, uint64_t pa, uint64_t size)
{
	for (unsigned i = 0; i < s->n; i++)
		if (pa < s->r[i].base + s->r[i].size && s->r[i].base < pa + size)
			return 1;
	return 0;
}

// One leaf mapping: direct-map addresses must map their own LOWMEM frame;
// nothing anywhere may map HIGHMEM.
static const char *check_leaf(uint32_t va, pte_t d, uint64_t size)
{
	uint64_t pa = lpae_oa(d);

	if (overlaps(memory_highmem(), pa, size))
		return "a kernel mapping reaches HIGHMEM";
	if (va < LOWMEM_VEND &&
	    (pa != virt_to_phys((void *)va) || !overlaps(memory_lowmem(), pa, size)))
		return "a direct-map address maps the wrong frame";
	return 0;
}

const char *test_kernel_maps_only_lowmem(void)
{
	for (uint32_t va = PAGE_OFFSET; va >= PAGE_OFFSET; va += SECTION_SIZE) {
		pte_t d = *kernel_l2_entry(va);
		const char *err = 0;

		if (!lpae_is_valid(d))
			continue;
		if (!lpae_is_table(d)) {
			err = check_leaf(va, d, SECTION_SIZE);
		} else {
			const pte_t *l3 = (const pte_t *)phys_to_virt(lpae_oa(d));
			for (int i = 0; i < LPAE_ENTRIES && !err; i++)
				if (lpae_is_valid(l3[i]))
					err = check_leaf(va + i * PAGE_SIZE, l3[i], PAGE_SIZE);
		}
		if (err)
			return err;
	}
	return 0;
}

const char *test_identity_map_gone(void)
{
	for (int i = 0; i < 4; i++)
		if (boot_l1[i])
			return "boot level-1 entry still set";
	for (int i = 0; i < LPAE_ENTRIES; i++)
		if (boot_l2[i])
			return "boot level-2 entry still set";
	return read_ttbcr() & TTBCR_EPD0 ? 0 : "TTBR0 walks still enabled";
}
