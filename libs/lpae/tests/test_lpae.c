// Host tests of the LPAE encoders and decoders. Expected descriptors are
// written out by hand from the ARM ARM bit layout (B3.6.1, B3.6.2):
// [1:0] type, [4:2] AttrIndx, [7:6] AP[2:1], [9:8] SH, [10] AF, [11] nG,
// [39:12] output address, [53] PXN, [54] XN.
#include "check/check.h"
#include "lpae/lpae.h"

#include <string.h>

#define P_ALL 0x3fu
#define XN_PXN 0x0060000000000000ULL
#define PXN 0x0020000000000000ULL

static void test_known_descriptors(void)
{
	// Page, normal (AttrIndx 0), kernel RW, global, inner shareable, AF,
	// XN + PXN: 0x3 | 0x300 | 0x400.
	CHECK_EQ(lpae_page(0xfffffff000ULL, LPAE_P_WRITE | LPAE_P_GLOBAL), 0x006000fffffff703ULL);
	// 2 MiB block, user RO, nG: 0x1 | AP 0xc0 | 0x300 | 0x400 | 0x800.
	CHECK_EQ(lpae_block(2, 0x140000000ULL, LPAE_P_USER), 0x0060000140000fc1ULL);
	// Device page (AttrIndx 1, not shareable), kernel RW global (PL011).
	CHECK_EQ(lpae_page(0x09000000, LPAE_P_WRITE | LPAE_P_GLOBAL | LPAE_P_DEVICE),
		 0x0060000009000407ULL);
	// Kernel text: RO, executable at PL1 (neither XN nor PXN).
	CHECK_EQ(lpae_page(0x40100000, LPAE_P_EXEC | LPAE_P_GLOBAL), 0x0000000040100783ULL);
	// User RWX non-cacheable (AttrIndx 2): PXN only.
	CHECK_EQ(lpae_page(0x1000, LPAE_P_WRITE | LPAE_P_EXEC | LPAE_P_USER | LPAE_P_NOCACHE),
		 0x0020000000001f4bULL);
	// User RX page: PXN only, AP RO + user.
	CHECK_EQ(lpae_page(0x2000, LPAE_P_EXEC | LPAE_P_USER), 0x0020000000002fc3ULL);
	// 1 GiB block at 2^39, kernel RO global.
	CHECK_EQ(lpae_block(1, 0x8000000000ULL, LPAE_P_GLOBAL), 0x0060008000000781ULL);
	// Device wins over non-cacheable and is never executable.
	CHECK_EQ(lpae_block(2, 0x08000000,
			    LPAE_P_DEVICE | LPAE_P_NOCACHE | LPAE_P_USER | LPAE_P_EXEC),
		 0x0060000008000cc5ULL);
	// Level 3 through lpae_block is a page.
	CHECK_EQ(lpae_block(3, 0x5000, LPAE_P_WRITE), lpae_page(0x5000, LPAE_P_WRITE));
	CHECK_EQ(lpae_table(0xabcdef1000ULL), 0x000000abcdef1003ULL);
	CHECK_EQ(lpae_table(0), 3);
}

static void test_mair(void)
{
	CHECK_EQ((LPAE_MAIR0 >> (8 * LPAE_MT_NORMAL)) & 0xff, 0xff);
	CHECK_EQ((LPAE_MAIR0 >> (8 * LPAE_MT_DEVICE)) & 0xff, 0x04);
	CHECK_EQ((LPAE_MAIR0 >> (8 * LPAE_MT_NOCACHE)) & 0xff, 0x44);
}

static int level_shift(int level)
{
	return level == 1 ? LPAE_L1_SHIFT : level == 2 ? LPAE_L2_SHIFT : LPAE_L3_SHIFT;
}

// Every address bit the level can hold comes back out unchanged and leaves
// the attribute bits alone; bits below the mapping size or at 2^40 and
// above give 0.
static void test_address_bits(void)
{
	const unsigned prot = LPAE_P_WRITE | LPAE_P_USER;

	for (int level = 1; level <= 3; level++) {
		pte_t attrs = lpae_block(level, 0, prot);
		CHECK(attrs != 0);
		CHECK_EQ(lpae_oa(attrs), 0);
		for (int bit = 0; bit < 64; bit++) {
			phys_addr_t pa = 1ULL << bit;
			pte_t d = lpae_block(level, pa, prot);
			if (bit >= level_shift(level) && bit < LPAE_PA_BITS) {
				CHECK_EQ(d, attrs | pa);
				CHECK_EQ(lpae_oa(d), pa);
			} else {
				CHECK_EQ(d, 0);
			}
		}
		phys_addr_t all = LPAE_PA_LIMIT - (1ULL << level_shift(level));
		CHECK_EQ(lpae_oa(lpae_block(level, all, prot)), all);
		CHECK_EQ(lpae_block(level, all, prot) & ~LPAE_D_OA_MASK, attrs);
	}
	for (int bit = 0; bit < 64; bit++) {
		phys_addr_t pa = 1ULL << bit;
		CHECK_EQ(lpae_table(pa), bit >= 12 && bit < 40 ? pa | 3 : 0);
	}
}

static void test_rejects(void)
{
	CHECK_EQ(lpae_page(0x1800, 0), 0);
	CHECK_EQ(lpae_page(0x1001, 0), 0);
	CHECK_EQ(lpae_page(LPAE_PA_LIMIT, 0), 0);
	CHECK_EQ(lpae_page(UINT64_MAX & ~0xfffULL, 0), 0);
	CHECK_EQ(lpae_block(2, 0x40100000, 0), 0);
	CHECK_EQ(lpae_block(2, LPAE_PA_LIMIT - LPAE_L2_SIZE, 0) != 0, 1);
	CHECK_EQ(lpae_block(2, LPAE_PA_LIMIT, 0), 0);
	CHECK_EQ(lpae_block(1, 0x60000000, 0), 0);
	CHECK_EQ(lpae_block(1, 3 * LPAE_L1_SIZE, 0) != 0, 1);
	CHECK_EQ(lpae_block(0, 0, 0), 0);
	CHECK_EQ(lpae_block(4, 0, 0), 0);
	CHECK_EQ(lpae_block(-1, 0, 0), 0);
	CHECK_EQ(lpae_table(0x1234), 0);
	CHECK_EQ(lpae_table(LPAE_PA_LIMIT), 0);
	// W^X for the kernel, whatever else is asked; users may have both.
	CHECK_EQ(lpae_page(0x1000, LPAE_P_WRITE | LPAE_P_EXEC), 0);
	CHECK_EQ(lpae_page(0x1000, LPAE_P_WRITE | LPAE_P_EXEC | LPAE_P_GLOBAL), 0);
	CHECK_EQ(lpae_page(0x1000, LPAE_P_WRITE | LPAE_P_EXEC | LPAE_P_DEVICE), 0);
	CHECK_EQ(lpae_block(2, 0, LPAE_P_WRITE | LPAE_P_EXEC | LPAE_P_NOCACHE), 0);
	CHECK(lpae_page(0x1000, LPAE_P_WRITE | LPAE_P_EXEC | LPAE_P_USER) != 0);
	// Unknown protection bits.
	CHECK_EQ(lpae_page(0x1000, 1u << 6), 0);
	CHECK_EQ(lpae_page(0x1000, LPAE_P_WRITE | (1u << 31)), 0);
}

// What lpae_prot_of() must give back for a request: device memory drops
// NOCACHE and EXEC.
static unsigned expected_prot(unsigned prot)
{
	if (prot & LPAE_P_DEVICE)
		return prot & ~(LPAE_P_NOCACHE | LPAE_P_EXEC);
	return prot;
}

// The execute rights the descriptor grants, computed from the bits alone.
static void check_exec_bits(pte_t d, unsigned prot)
{
	int user_exec = (prot & LPAE_P_USER) && !(d & LPAE_D_XN);
	int kernel_exec = !(d & LPAE_D_XN) && !(d & LPAE_D_PXN);

	CHECK_EQ(user_exec,
		 (prot & LPAE_P_USER) && (prot & LPAE_P_EXEC) && !(prot & LPAE_P_DEVICE));
	CHECK_EQ(kernel_exec,
		 !(prot & LPAE_P_USER) && (prot & LPAE_P_EXEC) && !(prot & LPAE_P_DEVICE));
}

static void test_prot_round_trip(void)
{
	unsigned refused = 0;

	for (unsigned prot = 0; prot <= P_ALL; prot++) {
		int kernel_wx = (prot & (LPAE_P_USER | LPAE_P_WRITE | LPAE_P_EXEC)) ==
				(LPAE_P_WRITE | LPAE_P_EXEC);
		for (int level = 1; level <= 3; level++) {
			pte_t d = lpae_block(level, 0x4000000000ULL, prot);
			if (kernel_wx) {
				CHECK_EQ(d, 0);
				refused++;
				continue;
			}
			CHECK(lpae_is_valid(d));
			CHECK_EQ(lpae_is_table(d), level == 3);
			CHECK_EQ(lpae_oa(d), 0x4000000000ULL);
			CHECK(d & LPAE_D_AF);
			CHECK_EQ(lpae_prot_of(d), expected_prot(prot));
			check_exec_bits(d, prot);
			if (!(prot & LPAE_P_DEVICE))
				CHECK_EQ(d & LPAE_D_SH_INNER, LPAE_D_SH_INNER);
		}
	}
	CHECK_EQ(refused, 3 * 8);
}

// Descriptors written by someone else: each execute-never bit counts on its
// own, and AttrIndx values hmk does not define are plain normal memory.
static void test_prot_of_foreign(void)
{
	const pte_t base = 0x40000000ULL | LPAE_D_AF | 3;

	CHECK_EQ(lpae_prot_of(base | LPAE_D_PXN), LPAE_P_WRITE | LPAE_P_GLOBAL);
	CHECK_EQ(lpae_prot_of(base | LPAE_D_XN), LPAE_P_WRITE | LPAE_P_GLOBAL);
	CHECK_EQ(lpae_prot_of(base), LPAE_P_WRITE | LPAE_P_GLOBAL | LPAE_P_EXEC);
	CHECK_EQ(lpae_prot_of(base | LPAE_D_AP_USER | LPAE_D_PXN),
		 LPAE_P_WRITE | LPAE_P_GLOBAL | LPAE_P_USER | LPAE_P_EXEC);
	CHECK_EQ(lpae_prot_of(base | LPAE_D_AP_USER | LPAE_D_XN),
		 LPAE_P_WRITE | LPAE_P_GLOBAL | LPAE_P_USER);
	for (unsigned idx = 3; idx < 8; idx++)
		CHECK_EQ(lpae_prot_of(base | LPAE_D_XN | LPAE_D_ATTRIDX(idx)),
			 LPAE_P_WRITE | LPAE_P_GLOBAL);
}

static void test_index(void)
{
	CHECK_EQ(lpae_index(1, 0x00000000), 0);
	CHECK_EQ(lpae_index(1, 0x3fffffff), 0);
	CHECK_EQ(lpae_index(1, 0x40000000), 1);
	CHECK_EQ(lpae_index(1, 0xbfffffff), 2);
	CHECK_EQ(lpae_index(1, 0xc0000000), 3);
	CHECK_EQ(lpae_index(2, 0x40200000), 1);
	CHECK_EQ(lpae_index(2, 0x401fffff), 0);
	CHECK_EQ(lpae_index(2, 0xc0a00000), 5);
	CHECK_EQ(lpae_index(2, 0xffffffff), 511);
	CHECK_EQ(lpae_index(3, 0x00005000), 5);
	CHECK_EQ(lpae_index(3, 0x001ff000), 511);
	CHECK_EQ(lpae_index(3, 0x00200fff), 0);
	CHECK_EQ(lpae_index(3, 0xffffffff), 511);
	// Each level takes its own bits.
	uint32_t va = (2u << 30) | (0x123u << 21) | (0x1a5u << 12) | 0xabc;
	CHECK_EQ(lpae_index(1, va), 2);
	CHECK_EQ(lpae_index(2, va), 0x123);
	CHECK_EQ(lpae_index(3, va), 0x1a5);
}

static const struct {
	uint32_t status;
	const char *name;
} fault_table[] = {
	{ 0x05, "translation fault, level 1" },
	{ 0x06, "translation fault, level 2" },
	{ 0x07, "translation fault, level 3" },
	{ 0x09, "access flag fault, level 1" },
	{ 0x0a, "access flag fault, level 2" },
	{ 0x0b, "access flag fault, level 3" },
	{ 0x0d, "permission fault, level 1" },
	{ 0x0e, "permission fault, level 2" },
	{ 0x0f, "permission fault, level 3" },
	{ 0x10, "synchronous external abort" },
	{ 0x11, "asynchronous external abort" },
	{ 0x15, "synchronous external abort on translation table walk, level 1" },
	{ 0x16, "synchronous external abort on translation table walk, level 2" },
	{ 0x17, "synchronous external abort on translation table walk, level 3" },
	{ 0x18, "synchronous parity or ECC error on memory access" },
	{ 0x19, "asynchronous parity or ECC error on memory access" },
	{ 0x1d, "synchronous parity or ECC error on translation table walk, level 1" },
	{ 0x1e, "synchronous parity or ECC error on translation table walk, level 2" },
	{ 0x1f, "synchronous parity or ECC error on translation table walk, level 3" },
	{ 0x21, "alignment fault" },
	{ 0x22, "debug event" },
	{ 0x30, "TLB conflict abort" },
	{ 0x34, "lockdown abort (implementation defined)" },
	{ 0x3a, "coprocessor abort (implementation defined)" },
	{ 0x3d, "domain fault, level 1" },
	{ 0x3e, "domain fault, level 2" },
};

#define FAULTS (sizeof(fault_table) / sizeof(fault_table[0]))

static const char *defined_name(uint32_t status)
{
	for (unsigned i = 0; i < FAULTS; i++)
		if (fault_table[i].status == status)
			return fault_table[i].name;
	return 0;
}

static void test_fault_names(void)
{
	const uint32_t extra = LPAE_FSR_LPAE | LPAE_FSR_WNR | LPAE_FSR_EXT | LPAE_FSR_CM;
	unsigned unknown = 0;

	for (uint32_t status = 0; status < 64; status++) {
		const char *want = defined_name(status);
		const char *got = lpae_fault_name(status);
		CHECK(got != 0);
		if (!got)
			continue;
		if (!want) {
			want = "unknown fault status";
			unknown++;
		}
		if (strcmp(got, want) != 0)
			printf("    status 0x%02x: \"%s\", want \"%s\"\n", (unsigned)status, got,
			       want);
		CHECK(strcmp(got, want) == 0);
		CHECK(lpae_fault_name(status | extra) == got);
		CHECK(lpae_fault_name(status | 0xffffffc0u) == got);
	}
	CHECK_EQ(unknown, 64 - FAULTS);
	// The reserved level-0 encodings of the level-indexed faults.
	CHECK(strcmp(lpae_fault_name(0x04), "unknown fault status") == 0);
	CHECK(strcmp(lpae_fault_name(0x0c), "unknown fault status") == 0);
	CHECK(strcmp(lpae_fault_name(0x3f), "unknown fault status") == 0);
}

static const struct check_case cases[] = {
	{ test_known_descriptors, "descriptors for known inputs" },
	{ test_mair, "MAIR0 matches the attribute indexes" },
	{ test_address_bits, "every output address bit survives" },
	{ test_rejects, "misaligned, >= 2^40, kernel W+X, unknown prot" },
	{ test_prot_round_trip, "prot round-trips for every combination" },
	{ test_prot_of_foreign, "prot of hand-made descriptors" },
	{ test_index, "table indexes for levels 1-3" },
	{ test_fault_names, "fault status names" },
	{ 0 },
};

int main(void)
{
	return check_run("lpae", cases);
}
