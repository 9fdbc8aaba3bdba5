// Early translation tables, built with the MMU off. This file is compiled
// position-independent (-fpie, hidden symbols): it runs at the physical
// address the image was loaded at, so every global it names is reached
// PC-relative and resolves to its physical address. Besides inline
// functions it calls only the LPAE encoders, which are pure and built
// position-independent as well.
//
// It maps: the image at PAGE_OFFSET + TEXT_OFFSET page by page with its
// final W^X permissions; the device tree read-only in the FDT window; and
// an identity map of the image's sections so the instructions that turn the
// MMU on keep running. Then it loads MAIR, TTBCR, TTBR0 and TTBR1, as it
// does again on each secondary CPU (the tables stay until every CPU is up).
#include <stdint.h>

#include "cp15.h"
#include "tlb.h"
#include "mmu.h"

int early_mmu_setup(uint32_t phys_base, uint32_t dtb_pa);
void early_mmu_load(void);

static uint32_t pa_of(const void *p)
{
	return (uint32_t)p; // PC-relative code: the address is already physical
}

static void map_image_page(uint32_t pa, unsigned prot)
{
	uint32_t off = pa - pa_of(_text) + TEXT_OFFSET;

	image_l3[off / SECTION_SIZE][lpae_index(3, off)] = lpae_page(pa, prot | LPAE_P_GLOBAL);
}

static void map_image(void)
{
	for (unsigned s = 0; s < IMAGE_SECTIONS; s++) {
		uint32_t va = PAGE_OFFSET + s * SECTION_SIZE;
		kernel_l2[0][lpae_index(2, va)] = lpae_table(pa_of(image_l3[s]));
	}
	for (uint32_t pa = pa_of(_text); pa < pa_of(_etext); pa += PAGE_SIZE)
		map_image_page(pa, LPAE_P_EXEC);
	for (uint32_t pa = pa_of(_etext); pa < pa_of(_erodata); pa += PAGE_SIZE)
		map_image_page(pa, 0);
	for (uint32_t pa = pa_of(_erodata); pa < pa_of(_end); pa += PAGE_SIZE)
		map_image_page(pa, LPAE_P_WRITE);
}

static void link_kernel_l1(void)
{
	for (unsigned i = 0; i < KERNEL_L1_SLOTS; i++)
		kernel_l1[KERNEL_L1_FIRST + i] = lpae_table(pa_of(kernel_l2[i]));
}

static uint64_t kernel_ttbr1(void)
{
#if CONFIG_VMSPLIT == 3
	return pa_of(kernel_l2[0]);
#elif CONFIG_VMSPLIT == 2
	return pa_of(&kernel_l1[2]);
#else
	return pa_of(kernel_l1);
#endif
}

// Two read-only blocks at FDT_VBASE cover any blob up to FDT_MAX_SIZE.
static void map_fdt(uint32_t dtb_pa)
{
	uint32_t base = dtb_pa & ~(SECTION_SIZE - 1);

	for (uint32_t i = 0; i < FDT_VSIZE / SECTION_SIZE; i++)
		*kernel_l2_entry(FDT_VBASE + i * SECTION_SIZE) =
			lpae_block(2, base + i * SECTION_SIZE, LPAE_P_GLOBAL);
}

// Identity map of the sections the image occupies, through TTBR0 when the
// image lies below the user/kernel boundary. Otherwise (VMSPLIT=1G) the
// image's physical addresses fall in the kernel half, which is only
// consistent when the direct map is the identity there.
static int map_identity(uint32_t phys_base)
{
	uint32_t ttbr0_limit = CONFIG_VMSPLIT == 1 ? 0x40000000 : PAGE_OFFSET;

	if (phys_base + IMAGE_SECTIONS * SECTION_SIZE > ttbr0_limit)
		return phys_base == PAGE_OFFSET ? 0 : -1;
	boot_l1[phys_base >> 30] = lpae_table(pa_of(boot_l2));
	for (uint32_t i = 0; i < IMAGE_SECTIONS; i++) {
		uint32_t pa = phys_base + i * SECTION_SIZE;
		boot_l2[lpae_index(2, pa)] = lpae_block(2, pa, LPAE_P_EXEC | LPAE_P_GLOBAL);
	}
	return 0;
}

// Loads the early tables into this CPU (MMU still off): the boot CPU's
// settings, which secondary CPUs take as well before their MMU goes on.
void early_mmu_load(void)
{
	write_mair0(LPAE_MAIR0);
	write_mair1(LPAE_MAIR1);
	write_ttbcr(TTBCR_EAE | TTBCR_SPLIT | TTBCR_WALK0 | TTBCR_WALK1);
	write_ttbr0(pa_of(CONFIG_VMSPLIT == 1 ? boot_l2 : boot_l1));
	write_ttbr1(kernel_ttbr1());
	tlb_flush_all_local(); // whatever this CPU cached before
	iciallu(0);
}

// Returns 0 with the tables loaded (the MMU still off), or -1 when the
// image was loaded where the direct map cannot place it.
int early_mmu_setup(uint32_t phys_base, uint32_t dtb_pa)
{
	if (phys_base & (SECTION_SIZE - 1))
		return -1;
	if (map_identity(phys_base))
		return -1;
	map_image();
	link_kernel_l1();
	if (dtb_pa)
		map_fdt(dtb_pa);
	early_mmu_load();
	return 0;
}
