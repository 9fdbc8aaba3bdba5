// ARMv7 Large Physical Address Extension: long-descriptor encoding for
// 40-bit physical addresses, the MAIR attribute slots hmk uses, and the
// decoding of long-descriptor fault status codes. Pure functions, built
// for the kernel and for host tests.
#pragma once

#include <stdint.h>

typedef uint64_t pte_t;
typedef uint64_t phys_addr_t;

#define LPAE_PA_BITS 40
#define LPAE_PA_LIMIT (1ULL << LPAE_PA_BITS)
#define LPAE_ENTRIES 512 // per level-2/3 table (level 1 has 4 or fewer)
#define LPAE_L1_SHIFT 30 // 1 GiB per level-1 entry
#define LPAE_L2_SHIFT 21 // 2 MiB per level-2 entry
#define LPAE_L3_SHIFT 12 // 4 KiB per level-3 entry
#define LPAE_L1_SIZE (1ULL << LPAE_L1_SHIFT)
#define LPAE_L2_SIZE (1ULL << LPAE_L2_SHIFT)
#define LPAE_L3_SIZE (1ULL << LPAE_L3_SHIFT)

// MAIR0 attribute indexes, and the MAIR0 value that defines them:
// 0 normal write-back read/write-allocate, 1 Device (ARMv8's Device-nGnRE),
// 2 normal non-cacheable.
enum lpae_memtype { LPAE_MT_NORMAL = 0, LPAE_MT_DEVICE = 1, LPAE_MT_NOCACHE = 2 };
#define LPAE_MAIR0 0x004404ffU
#define LPAE_MAIR1 0x00000000U

// Protection requested for a mapping; combine with |.
#define LPAE_P_WRITE (1u << 0)   // writable (otherwise read-only)
#define LPAE_P_EXEC (1u << 1)    // executable by its owner (kernel or user)
#define LPAE_P_USER (1u << 2)    // accessible from PL0 (otherwise PL1 only)
#define LPAE_P_GLOBAL (1u << 3)  // global (kernel); otherwise nG, tagged with an ASID
#define LPAE_P_DEVICE (1u << 4)  // Device-nGnRE memory, never executable
#define LPAE_P_NOCACHE (1u << 5) // normal non-cacheable memory

// Descriptor bits (ARM ARM B3.6.1 and B3.6.2).
#define LPAE_D_VALID (1ULL << 0)
#define LPAE_D_TABLE (1ULL << 1) // table at levels 1-2, page at level 3
#define LPAE_D_ATTRIDX(i) ((uint64_t)(i) << 2)
#define LPAE_D_AP_USER (1ULL << 6) // AP[1]
#define LPAE_D_AP_RO (1ULL << 7)   // AP[2]
#define LPAE_D_SH_INNER (3ULL << 8)
#define LPAE_D_AF (1ULL << 10)
#define LPAE_D_NG (1ULL << 11)
#define LPAE_D_PXN (1ULL << 53)
#define LPAE_D_XN (1ULL << 54)
#define LPAE_D_OA_MASK 0x000000fffffff000ULL // output address bits [39:12]

// Encoders. `level` is 1 (1 GiB block), 2 (2 MiB block) or 3 (4 KiB page).
// The physical address must be below 2^40 and aligned to the mapping size;
// otherwise the result is 0 (an invalid descriptor), never a wrong one, as
// it is for unknown `prot` bits and for a kernel mapping that is both
// writable and executable (the kernel is W^X). In ARMv7, XN forbids
// execution at PL0 and PL1 alike and PXN at PL1 only: user mappings are
// always PXN, and XN unless LPAE_P_EXEC; kernel mappings are XN and PXN
// unless LPAE_P_EXEC (PL0 cannot fetch from them, having no read access);
// device mappings are always XN and PXN. LPAE_P_DEVICE overrides
// LPAE_P_NOCACHE.
pte_t lpae_block(int level, phys_addr_t pa, unsigned prot);
pte_t lpae_page(phys_addr_t pa, unsigned prot);
// A table descriptor pointing at the next-level table at `pa` (4 KiB aligned).
pte_t lpae_table(phys_addr_t pa);

// Decoders.
static inline int lpae_is_valid(pte_t d)
{
	return (d & LPAE_D_VALID) != 0;
}
// A table at levels 1-2 (a page at level 3 has the same bit pattern).
static inline int lpae_is_table(pte_t d)
{
	return (d & 3) == 3;
}
static inline phys_addr_t lpae_oa(pte_t d)
{
	return d & LPAE_D_OA_MASK;
}
// Recovers the LPAE_P_* protection of a valid block or page descriptor.
unsigned lpae_prot_of(pte_t d);

// Index of `va` in a table of the given level (level 1 indexes VA[31:30]).
static inline unsigned lpae_index(int level, uint32_t va)
{
	return level == 1   ? va >> LPAE_L1_SHIFT
	       : level == 2 ? (va >> LPAE_L2_SHIFT) & (LPAE_ENTRIES - 1)
			    : (va >> LPAE_L3_SHIFT) & (LPAE_ENTRIES - 1);
}

// Long-descriptor fault status (DFSR/IFSR with TTBCR.EAE = 1).
#define LPAE_FSR_LPAE (1u << 9) // set when the long-descriptor format reported it
#define LPAE_FSR_WNR (1u << 11) // DFSR: the abort came from a write
#define LPAE_FSR_EXT (1u << 12) // external abort type
#define LPAE_FSR_CM (1u << 13)  // cache maintenance
#define LPAE_FSR_STATUS(fsr) (0x3f & (fsr))
// A readable name for the STATUS field, e.g. "translation fault, level 2",
// "permission fault, level 3", "synchronous external abort"; never NULL
// ("unknown fault status" for reserved codes).
const char *lpae_fault_name(uint32_t fsr);
