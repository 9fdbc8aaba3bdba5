// Physical memory: what RAM exists (from the device tree), what is
// reserved, and how it splits into LOWMEM (permanently mapped by the kernel)
// and HIGHMEM (never mapped by the kernel; a short list of ranges).
#pragma once

#include <stdint.h>

#include "alloc/ranges.h"
#include "fdt/machine.h"

// Builds the early range allocator from the machine description (RAM,
// mem= from the command line, the image, the device tree, the initrd,
// /memreserve/ and /reserved-memory), splits RAM into LOWMEM and HIGHMEM,
// maps LOWMEM into the direct map and hands its free pages to the frame
// allocator. Panics only when no LOWMEM is left to run the kernel.
void memory_init(const struct machine *m, uint64_t dtb_pa, uint32_t dtb_size);

// Prints the boot report's memory lines (format documented in README).
void memory_report(void);
// LOWMEM the kernel holds now: its image, boot page tables and every frame
// it took since (kernel objects, page tables, IPC buffers), in KiB.
uint32_t memory_lowmem_used_kib(void);

// The LOWMEM ranges (RAM in the direct map).
const struct range_set *memory_lowmem(void);
// The HIGHMEM ranges (for the servers that will own them).
const struct range_set *memory_highmem(void);

// The LOWMEM block set aside for user programs when HIGHMEM is scarce, or
// NULL.
const struct range *memory_user_pool(void);

// LOWMEM page frames for kernel objects. frame_alloc() returns the
// physical address of a zeroed page, or 0 when LOWMEM is exhausted.
uint64_t frame_alloc(void);
void frame_free(uint64_t pa);
// Pages currently free in the frame allocator.
uint32_t frame_free_count(void);
// Gives the free pages of [base, base + size) to the allocator (boot only).
void frame_add_range(uint64_t base, uint64_t size);
