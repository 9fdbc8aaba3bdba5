// System control coprocessor (CP15) accessors: the one place C code reads
// or writes ARM system registers. Names follow the ARM ARM.
#pragma once

#include <stdint.h>

#define CP15_RW32(name, op1, crn, crm, op2)                                                        \
	static inline uint32_t read_##name(void)                                                   \
	{                                                                                          \
		uint32_t v;                                                                        \
		__asm__ volatile("mrc p15, " #op1 ", %0, " #crn ", " #crm ", " #op2 : "=r"(v));    \
		return v;                                                                          \
	}                                                                                          \
	static inline void write_##name(uint32_t v)                                                \
	{                                                                                          \
		__asm__ volatile("mcr p15, " #op1 ", %0, " #crn ", " #crm ", " #op2 ::"r"(v)       \
				 : "memory");                                                      \
	}

#define CP15_RW64(name, op1, crm)                                                                  \
	static inline uint64_t read_##name(void)                                                   \
	{                                                                                          \
		uint32_t lo, hi;                                                                   \
		__asm__ volatile("mrrc p15, " #op1 ", %0, %1, " #crm : "=r"(lo), "=r"(hi));        \
		return ((uint64_t)hi << 32) | lo;                                                  \
	}                                                                                          \
	static inline void write_##name(uint64_t v)                                                \
	{                                                                                          \
		__asm__ volatile("mcrr p15, " #op1 ", %0, %1, " #crm ::"r"((uint32_t)v),           \
				 "r"((uint32_t)(v >> 32))                                          \
				 : "memory");                                                      \
	}

#define CP15_WO32(name, op1, crn, crm, op2)                                                        \
	static inline void name(uint32_t v)                                                        \
	{                                                                                          \
		__asm__ volatile("mcr p15, " #op1 ", %0, " #crn ", " #crm ", " #op2 ::"r"(v)       \
				 : "memory");                                                      \
	}

CP15_RW32(midr, 0, c0, c0, 0)
CP15_RW32(mpidr, 0, c0, c0, 5)
CP15_RW32(sctlr, 0, c1, c0, 0)
CP15_RW32(ttbcr, 0, c2, c0, 2)
CP15_RW64(ttbr0, 0, c2)
CP15_RW64(ttbr1, 1, c2)
CP15_RW32(dfsr, 0, c5, c0, 0)
CP15_RW32(ifsr, 0, c5, c0, 1)
CP15_RW32(dfar, 0, c6, c0, 0)
CP15_RW32(ifar, 0, c6, c0, 2)
CP15_RW32(mair0, 0, c10, c2, 0)
CP15_RW32(mair1, 0, c10, c2, 1)
CP15_RW32(vbar, 0, c12, c0, 0)
CP15_RW32(tpidrprw, 0, c13, c0, 4) // this CPU's struct cpu (cpu.h)
CP15_RW32(tpidruro, 0, c13, c0, 3) // this CPU's index, read-only to user mode (abi.h)
CP15_RW32(pmcr, 0, c9, c12, 0)
CP15_RW32(pmcntenset, 0, c9, c12, 1)
CP15_RW32(pmuserenr, 0, c9, c14, 0)
CP15_RW32(cntfrq, 0, c14, c0, 0)
CP15_RW32(cntkctl, 0, c14, c1, 0)
CP15_RW32(cntp_tval, 0, c14, c2, 0)
CP15_RW32(cntp_ctl, 0, c14, c2, 1)
CP15_RW64(cntpct, 0, c14)

// TLB and cache maintenance (write-only operations; the value is ignored
// or is the address). The ...is forms act on every CPU of the inner
// shareable domain (all of ours), the others on this CPU only.
CP15_WO32(tlbiall, 0, c8, c7, 0)
CP15_WO32(tlbiallis, 0, c8, c3, 0)
CP15_WO32(tlbimvais, 0, c8, c3, 1)  // by address and ASID
CP15_WO32(tlbiasidis, 0, c8, c3, 2) // every entry of one ASID
CP15_WO32(tlbiasid, 0, c8, c7, 2)   // the same, this CPU only
CP15_WO32(tlbimvaais, 0, c8, c3, 3) // by address, every ASID
CP15_WO32(iciallu, 0, c7, c5, 0)
CP15_WO32(bpiall, 0, c7, c5, 6)
CP15_WO32(bpiallis, 0, c7, c1, 6)

#define SCTLR_M (1u << 0)    // MMU
#define SCTLR_A (1u << 1)    // alignment checking
#define SCTLR_C (1u << 2)    // data and unified caches
#define SCTLR_Z (1u << 11)   // branch prediction
#define SCTLR_I (1u << 12)   // instruction cache
#define SCTLR_V (1u << 13)   // high vectors
#define SCTLR_WXN (1u << 19) // writable implies execute-never
#define SCTLR_TE (1u << 30)  // exceptions taken in Thumb

#define TTBCR_EAE (1u << 31)
#define TTBCR_EPD0 (1u << 7) // no table walks through TTBR0
// Walks through TTBR0/TTBR1 are inner and outer write-back write-allocate
// cacheable and inner shareable.
#define TTBCR_WALK0 ((1u << 8) | (1u << 10) | (3u << 12))
#define TTBCR_WALK1 ((1u << 24) | (1u << 26) | (3u << 28))
#define TTBCR_T0SZ(n) ((uint32_t)(n) << 0)
#define TTBCR_T1SZ(n) ((uint32_t)(n) << 16)

// Waits until this CPU's earlier memory accesses and maintenance operations
// are complete for every CPU of the inner shareable domain (table walkers
// included: the walks are inner shareable, TTBCR_WALK0/1).
static inline void dsb_ish(void)
{
	__asm__ volatile("dsb ish" ::: "memory");
}
// Orders this CPU's memory accesses before and after it, as every CPU of
// the inner shareable domain sees them.
static inline void dmb_ish(void)
{
	__asm__ volatile("dmb ish" ::: "memory");
}
static inline void isb(void)
{
	__asm__ volatile("isb" ::: "memory");
}
static inline void wfi(void)
{
	__asm__ volatile("wfi" ::: "memory");
}
// Waits for an event: another CPU's sev, or an interrupt this CPU takes.
static inline void wfe(void)
{
	__asm__ volatile("wfe" ::: "memory");
}
// Signals an event to every CPU (wakes their wfe).
static inline void sev(void)
{
	__asm__ volatile("dsb ish\n\tsev" ::: "memory");
}
