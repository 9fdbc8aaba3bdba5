// The kernel's translation tables and the TTBCR split that goes with each
// VMSPLIT. The kernel half is walked through TTBR1:
//   3G: T1SZ=2, the walk starts at level 2 (kernel_l2[0], 1 GiB);
//   2G: T1SZ=1, level 1 with two entries (&kernel_l1[2]);
//   1G: T0SZ=2 and T1SZ=0, TTBR1 takes all of 1..4 GiB, level 1 with four
//       entries (kernel_l1, slot 0 unused).
#pragma once

#include <stdint.h>

#include "cp15.h"
#include "lpae/lpae.h"
#include "memlayout.h"

#if CONFIG_VMSPLIT == 3
#define TTBCR_SPLIT (TTBCR_T0SZ(0) | TTBCR_T1SZ(2))
#elif CONFIG_VMSPLIT == 2
#define TTBCR_SPLIT (TTBCR_T0SZ(0) | TTBCR_T1SZ(1))
#else
#define TTBCR_SPLIT (TTBCR_T0SZ(2) | TTBCR_T1SZ(0))
#endif

// Sections (2 MiB) of the direct map that hold the kernel image; mapped
// page by page so that text, read-only data and data get W^X permissions.
#define IMAGE_SECTIONS 2

// Shared with the early boot code, which runs before the MMU is on and
// reaches these through PC-relative addresses (hence hidden visibility).
#define BOOT_VISIBLE __attribute__((visibility("hidden")))
extern pte_t kernel_l1[4] BOOT_VISIBLE;
extern pte_t kernel_l2[KERNEL_L1_SLOTS][LPAE_ENTRIES] BOOT_VISIBLE;
extern pte_t image_l3[IMAGE_SECTIONS][LPAE_ENTRIES] BOOT_VISIBLE;
extern pte_t boot_l1[4] BOOT_VISIBLE;
extern pte_t boot_l2[LPAE_ENTRIES] BOOT_VISIBLE;

// Linker-script symbols bounding the image's parts.
extern char _text[] BOOT_VISIBLE, _etext[] BOOT_VISIBLE, _erodata[] BOOT_VISIBLE,
	_end[] BOOT_VISIBLE;

// Physical address the direct map starts at: the image's load address
// minus TEXT_OFFSET, 2 MiB-aligned (PAGE_OFFSET maps to it).
extern uint32_t phys_offset;

static inline uint32_t phys_to_virt(uint64_t pa)
{
	return (uint32_t)(pa - phys_offset) + PAGE_OFFSET;
}
static inline uint64_t virt_to_phys(const void *va)
{
	return (uint32_t)va - PAGE_OFFSET + (uint64_t)phys_offset;
}

// The level-2 entry that translates kernel virtual address `va`.
static inline pte_t *kernel_l2_entry(uint32_t va)
{
	return &kernel_l2[(va - PAGE_OFFSET) >> 30][lpae_index(2, va)];
}

// Stops this CPU's TTBR0 walks (through the boot identity map) until user
// space has tables of its own, and forgets what it cached of them. Each CPU
// calls it once it runs at its virtual addresses.
void mmu_identity_off(void);
// Clears the boot identity map, once no CPU will need it to turn its MMU
// on: after the secondary CPUs are up. (A CPU that comes up after the
// boot CPU stopped waiting for it, and after this, faults as its MMU goes
// on, with no vectors: it loops in its own aborts, outside the kernel.)
void mmu_drop_identity(void);
// Maps `size` bytes of device registers at physical `pa` into the device
// window, uncached and never executable. Returns the virtual address;
// panics when the window is full (a kernel bug, not a user's doing).
volatile void *ioremap(uint64_t pa, uint32_t size);

struct range;
// Maps the LOWMEM ranges `ram` (physical, inside the direct map's reach)
// read-write and never executable: 2 MiB blocks where a range covers a whole
// section, pages elsewhere. Level-3 tables come from alloc_page(below),
// which must return a LOWMEM page under `below` (memory there is mapped by
// then) and never fails. Adds entries only: nothing live is replaced.
void mmu_map_lowmem(const struct range *ram, unsigned n, uint64_t (*alloc_page)(uint64_t below));
