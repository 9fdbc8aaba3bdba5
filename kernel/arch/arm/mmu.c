// The kernel's translation tables after boot: the LOWMEM direct map,
// device registers in the device window, and the end of the boot identity
// map. Every table here is in the image's .bss or in LOWMEM, so all of them
// sit below 4 GiB physical (QEMU 7.2 misreads tables above it).
#include "mmu.h"

#include "alloc/ranges.h"
#include "printk.h"
#include "tlb.h"

#define PAGE_ALIGNED __attribute__((aligned(PAGE_SIZE), section(".bss.page_aligned")))

pte_t kernel_l2[KERNEL_L1_SLOTS][LPAE_ENTRIES] PAGE_ALIGNED;
pte_t image_l3[IMAGE_SECTIONS][LPAE_ENTRIES] PAGE_ALIGNED;
pte_t boot_l2[LPAE_ENTRIES] PAGE_ALIGNED;
static pte_t device_l3[LPAE_ENTRIES] PAGE_ALIGNED;
pte_t kernel_l1[4] __attribute__((aligned(32)));
pte_t boot_l1[4] __attribute__((aligned(32)));

uint32_t phys_offset;
static uint32_t device_next = DEVICE_VBASE;

void mmu_identity_off(void)
{
	write_ttbcr(read_ttbcr() | TTBCR_EPD0);
	tlb_flush_all_local(); // only this CPU's TTBCR changed
}

void mmu_drop_identity(void)
{
	for (int i = 0; i < 4; i++)
		boot_l1[i] = 0;
	for (int i = 0; i < LPAE_ENTRIES; i++)
		boot_l2[i] = 0;
	tlb_flush_all();
}

volatile void *ioremap(uint64_t pa, uint32_t size)
{
	uint64_t base = pa & ~(uint64_t)(PAGE_SIZE - 1);
	uint32_t pages = (uint32_t)((pa + size - base + PAGE_SIZE - 1) >> PAGE_SHIFT);
	uint32_t va = device_next;

	if (va + pages * PAGE_SIZE > DEVICE_VBASE + SECTION_SIZE)
		panic("ioremap: device window full mapping 0x%llx", pa);
	if (!lpae_is_valid(*kernel_l2_entry(DEVICE_VBASE)))
		*kernel_l2_entry(DEVICE_VBASE) = lpae_table(virt_to_phys(device_l3));
	for (uint32_t i = 0; i < pages; i++)
		device_l3[lpae_index(3, va + i * PAGE_SIZE)] = lpae_page(
			base + i * PAGE_SIZE, LPAE_P_WRITE | LPAE_P_DEVICE | LPAE_P_GLOBAL);
	device_next += pages * PAGE_SIZE;
	tlb_publish();
	return (volatile void *)(va + (uint32_t)(pa - base));
}

static void map_pages(pte_t *l3, uint64_t pa, uint64_t end)
{
	for (; pa < end; pa += PAGE_SIZE) {
		pte_t *e = &l3[lpae_index(3, phys_to_virt(pa))];
		if (!lpae_is_valid(*e)) // the image's pages keep their own rights
			*e = lpae_page(pa, LPAE_P_WRITE | LPAE_P_GLOBAL);
	}
}

enum section_kind { SECTION_WHOLE, SECTION_IMAGE, SECTION_PARTIAL };

static enum section_kind section_kind(uint64_t sec, uint64_t pa, uint64_t end)
{
	if (phys_to_virt(sec) - PAGE_OFFSET < IMAGE_SECTIONS * SECTION_SIZE)
		return SECTION_IMAGE;
	return pa == sec && end >= sec + SECTION_SIZE ? SECTION_WHOLE : SECTION_PARTIAL;
}

// The level-3 table for a section mapped page by page.
static pte_t *section_table(uint32_t va, uint64_t below, uint64_t (*alloc_page)(uint64_t))
{
	pte_t *e = kernel_l2_entry(va);
	uint32_t off = va - PAGE_OFFSET;

	if (off < IMAGE_SECTIONS * SECTION_SIZE)
		return image_l3[off / SECTION_SIZE];
	if (!lpae_is_valid(*e)) {
		uint64_t pa = alloc_page(below);
		pte_t *t = (pte_t *)phys_to_virt(pa);
		for (int i = 0; i < LPAE_ENTRIES; i++)
			t[i] = 0;
		tlb_publish();
		*e = lpae_table(pa);
	}
	return (pte_t *)phys_to_virt(lpae_oa(*e));
}

// Maps the sections of [pa, end) that are of the given kind. Returns the
// lowest physical address of a partly covered section seen (or `low`).
static uint64_t map_range(uint64_t pa, uint64_t end, enum section_kind kind, uint64_t low,
			  uint64_t (*alloc_page)(uint64_t))
{
	while (pa < end) {
		uint64_t sec = pa & ~(uint64_t)(SECTION_SIZE - 1);
		uint64_t sec_end = sec + SECTION_SIZE < end ? sec + SECTION_SIZE : end;
		uint32_t va = phys_to_virt(sec);
		enum section_kind k = section_kind(sec, pa, end);

		if (k == SECTION_PARTIAL && sec < low)
			low = sec;
		if (k == kind && k == SECTION_WHOLE)
			*kernel_l2_entry(va) = lpae_block(2, sec, LPAE_P_WRITE | LPAE_P_GLOBAL);
		else if (k == kind)
			map_pages(section_table(va, low, alloc_page), pa, sec_end);
		pa = sec_end;
	}
	return low;
}

void mmu_map_lowmem(const struct range *ram, unsigned n, uint64_t (*alloc_page)(uint64_t))
{
	uint64_t low = UINT64_MAX;

	// Whole sections and the image's first, so that the tables partly
	// covered sections need can come from memory already mapped.
	for (enum section_kind k = SECTION_WHOLE; k <= SECTION_PARTIAL; k++)
		for (unsigned i = 0; i < n; i++)
			low = map_range(ram[i].base, ram[i].base + ram[i].size, k, low, alloc_page);
	tlb_flush_all();
}
