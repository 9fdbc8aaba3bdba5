#include "lpae.h"

#define LPAE_P_ALL                                                                                 \
	(LPAE_P_WRITE | LPAE_P_EXEC | LPAE_P_USER | LPAE_P_GLOBAL | LPAE_P_DEVICE | LPAE_P_NOCACHE)

static int prot_valid(unsigned prot)
{
	int kernel_wx = !(prot & LPAE_P_USER) && (prot & LPAE_P_WRITE) && (prot & LPAE_P_EXEC);

	return !(prot & ~LPAE_P_ALL) && !kernel_wx;
}

// XN stops execution at every level, PXN at PL1 only.
static pte_t exec_bits(unsigned prot)
{
	if (prot & LPAE_P_DEVICE)
		return LPAE_D_XN | LPAE_D_PXN;
	if (prot & LPAE_P_USER)
		return LPAE_D_PXN | (prot & LPAE_P_EXEC ? 0 : LPAE_D_XN);
	return prot & LPAE_P_EXEC ? 0 : LPAE_D_XN | LPAE_D_PXN;
}

static pte_t memtype_bits(unsigned prot)
{
	if (prot & LPAE_P_DEVICE)
		return LPAE_D_ATTRIDX(LPAE_MT_DEVICE);
	if (prot & LPAE_P_NOCACHE)
		return LPAE_D_ATTRIDX(LPAE_MT_NOCACHE) | LPAE_D_SH_INNER;
	return LPAE_D_ATTRIDX(LPAE_MT_NORMAL) | LPAE_D_SH_INNER;
}

static pte_t attr_bits(unsigned prot)
{
	pte_t d = LPAE_D_VALID | LPAE_D_AF | memtype_bits(prot) | exec_bits(prot);

	if (!(prot & LPAE_P_WRITE))
		d |= LPAE_D_AP_RO;
	if (prot & LPAE_P_USER)
		d |= LPAE_D_AP_USER;
	if (!(prot & LPAE_P_GLOBAL))
		d |= LPAE_D_NG;
	return d;
}

static int level_shift(int level)
{
	switch (level) {
	case 1: return LPAE_L1_SHIFT;
	case 2: return LPAE_L2_SHIFT;
	case 3: return LPAE_L3_SHIFT;
	default: return 0;
	}
}

static int pa_valid(phys_addr_t pa, int shift)
{
	return pa < LPAE_PA_LIMIT && (pa & ((1ULL << shift) - 1)) == 0;
}

pte_t lpae_block(int level, phys_addr_t pa, unsigned prot)
{
	int shift = level_shift(level);

	if (!shift || !pa_valid(pa, shift) || !prot_valid(prot))
		return 0;
	return pa | attr_bits(prot) | (level == 3 ? LPAE_D_TABLE : 0);
}

pte_t lpae_page(phys_addr_t pa, unsigned prot)
{
	return lpae_block(3, pa, prot);
}

pte_t lpae_table(phys_addr_t pa)
{
	if (!pa_valid(pa, LPAE_L3_SHIFT))
		return 0;
	return pa | LPAE_D_VALID | LPAE_D_TABLE;
}

unsigned lpae_prot_of(pte_t d)
{
	unsigned prot = 0;
	unsigned idx = (d >> 2) & 7;
	int user = (d & LPAE_D_AP_USER) != 0;

	if (!(d & LPAE_D_AP_RO))
		prot |= LPAE_P_WRITE;
	if (user)
		prot |= LPAE_P_USER;
	if (!(d & LPAE_D_NG))
		prot |= LPAE_P_GLOBAL;
	if (idx == LPAE_MT_DEVICE)
		prot |= LPAE_P_DEVICE;
	else if (idx == LPAE_MT_NOCACHE)
		prot |= LPAE_P_NOCACHE;
	if (!(d & LPAE_D_XN) && (user || !(d & LPAE_D_PXN)))
		prot |= LPAE_P_EXEC;
	return prot;
}

// ARM ARM Table B3-24; the last two bits of a "by level" status
// are the lookup level.
static const char *const fault_names[64] = {
	[0x05] = "translation fault, level 1",
	[0x06] = "translation fault, level 2",
	[0x07] = "translation fault, level 3",
	[0x09] = "access flag fault, level 1",
	[0x0a] = "access flag fault, level 2",
	[0x0b] = "access flag fault, level 3",
	[0x0d] = "permission fault, level 1",
	[0x0e] = "permission fault, level 2",
	[0x0f] = "permission fault, level 3",
	[0x10] = "synchronous external abort",
	[0x11] = "asynchronous external abort",
	[0x15] = "synchronous external abort on translation table walk, level 1",
	[0x16] = "synchronous external abort on translation table walk, level 2",
	[0x17] = "synchronous external abort on translation table walk, level 3",
	[0x18] = "synchronous parity or ECC error on memory access",
	[0x19] = "asynchronous parity or ECC error on memory access",
	[0x1d] = "synchronous parity or ECC error on translation table walk, level 1",
	[0x1e] = "synchronous parity or ECC error on translation table walk, level 2",
	[0x1f] = "synchronous parity or ECC error on translation table walk, level 3",
	[0x21] = "alignment fault",
	[0x22] = "debug event",
	[0x30] = "TLB conflict abort",
	[0x34] = "lockdown abort (implementation defined)",
	[0x3a] = "coprocessor abort (implementation defined)",
	[0x3d] = "domain fault, level 1",
	[0x3e] = "domain fault, level 2",
};

const char *lpae_fault_name(uint32_t fsr)
{
	const char *name = fault_names[LPAE_FSR_STATUS(fsr)];

	return name ? name : "unknown fault status";
}
