// The virtual address space, for each VMSPLIT (chosen at build time with
// make VMSPLIT=3G|2G|1G, as Linux's CONFIG_VMSPLIT_*). Included by C and by
// the linker script, so it holds only preprocessor constants and asserts.
//
//                  VMSPLIT=3G (default)   VMSPLIT=2G             VMSPLIT=1G
// 0xffff_ffff     ┌───────────────────┐  ┌───────────────────┐  ┌───────────────────┐
//                 │ FDT window     4M │  │ FDT window     4M │  │ FDT window     4M │
// 0xffc0_0000     ├───────────────────┤  ├───────────────────┤  ├───────────────────┤
//                 │ devices       12M │  │ devices       12M │  │ devices       12M │
// 0xff00_0000     ├───────────────────┤  ├───────────────────┤  ├───────────────────┤
//                 │ LOWMEM      1008M │  │ LOWMEM      2032M │  │ LOWMEM      3056M │
//                 │ (direct map,      │  │                   │  │                   │
//                 │  image at +64K)   │  │                   │  │                   │
// PAGE_OFFSET     ├───────────────────┤  ├───────────────────┤  ├───────────────────┤
//                 │ user 3G           │  │ user 2G           │  │ user 1G           │
// 0x0000_0000     └───────────────────┘  └───────────────────┘  └───────────────────┘
//   PAGE_OFFSET = 0xc000_0000             0x8000_0000            0x4000_0000
//
// The kernel half is translated through TTBR1 (global mappings); the user
// half through TTBR0, one table per address space. The kernel image sits in
// the direct map at PAGE_OFFSET + TEXT_OFFSET, loaded at the start of RAM +
// TEXT_OFFSET (as Linux's zImage/Image). LOWMEM is the RAM the direct map
// covers; every other byte of RAM is HIGHMEM, which the kernel never maps.
#pragma once

#ifndef CONFIG_VMSPLIT
#define CONFIG_VMSPLIT 3
#endif

#if CONFIG_VMSPLIT == 3
#define PAGE_OFFSET 0xc0000000
#elif CONFIG_VMSPLIT == 2
#define PAGE_OFFSET 0x80000000
#elif CONFIG_VMSPLIT == 1
#define PAGE_OFFSET 0x40000000
#else
#error "CONFIG_VMSPLIT must be 3, 2 or 1 (GiB of user space)"
#endif

#define PAGE_SHIFT 12
#define PAGE_SIZE (1 << PAGE_SHIFT)
#define SECTION_SIZE 0x200000 // one level-2 block

// The image is loaded TEXT_OFFSET past a 2 MiB-aligned physical base, the
// start of the RAM the direct map begins with.
#define TEXT_OFFSET 0x10000
#define KERNEL_VBASE (PAGE_OFFSET + TEXT_OFFSET)

#define USER_BASE 0x00001000 // page 0 stays unmapped: null pointers fault
#define USER_TOP PAGE_OFFSET

#define LOWMEM_VBASE PAGE_OFFSET
#define DEVICE_VBASE 0xff000000 // device registers, mapped page by page
#define DEVICE_VSIZE 0x00c00000
#define FDT_VBASE 0xffc00000 // the boot device tree, read-only, two 2 MiB blocks
#define FDT_VSIZE 0x00400000
#define FDT_MAX_SIZE 0x00200000 // the largest blob the window is sure to hold

// The most RAM the direct map can hold.
#define LOWMEM_VEND DEVICE_VBASE
#define LOWMEM_MAX (LOWMEM_VEND - PAGE_OFFSET)

// Level-1 slots (1 GiB each) the kernel half spans.
#define KERNEL_L1_FIRST (PAGE_OFFSET >> 30)
#define KERNEL_L1_SLOTS (4 - KERNEL_L1_FIRST)

#ifndef __ASSEMBLER__
_Static_assert((PAGE_OFFSET & 0x3fffffff) == 0, "PAGE_OFFSET on a level-1 boundary");
_Static_assert(USER_BASE < USER_TOP && USER_TOP == LOWMEM_VBASE, "user below the kernel");
_Static_assert(LOWMEM_VBASE < LOWMEM_VEND, "LOWMEM is not empty");
_Static_assert(LOWMEM_VEND <= DEVICE_VBASE, "LOWMEM below the device window");
_Static_assert(DEVICE_VBASE + DEVICE_VSIZE <= FDT_VBASE, "devices below the FDT window");
_Static_assert(FDT_VBASE + (FDT_VSIZE - 1) == 0xffffffffu, "FDT window ends the space");
_Static_assert(FDT_VSIZE >= 2 * FDT_MAX_SIZE, "a blob straddling 2 MiB fits");
_Static_assert((DEVICE_VBASE & (SECTION_SIZE - 1)) == 0 && (FDT_VBASE & (SECTION_SIZE - 1)) == 0,
	       "windows on 2 MiB boundaries");
_Static_assert((TEXT_OFFSET & (PAGE_SIZE - 1)) == 0 && TEXT_OFFSET < SECTION_SIZE,
	       "image inside the first section");
#endif
