// Calls into firmware or a hypervisor by the SMC Calling Convention, with
// the hvc or smc instruction (PSCI's "method").
#pragma once

#include <stdint.h>

// smccc_hvc() and smccc_smc(): fid and three arguments in r0-r3; r0 back.
#define SMCCC_CALL(name, insn)                                                                     \
	static inline uint32_t name(uint32_t fid, uint32_t a1, uint32_t a2, uint32_t a3)           \
	{                                                                                          \
		register uint32_t r0 __asm__("r0") = fid;                                          \
		register uint32_t r1 __asm__("r1") = a1;                                           \
		register uint32_t r2 __asm__("r2") = a2;                                           \
		register uint32_t r3 __asm__("r3") = a3;                                           \
		__asm__ volatile(insn : "+r"(r0), "+r"(r1), "+r"(r2), "+r"(r3) : : "memory");      \
		return r0;                                                                         \
	}

SMCCC_CALL(smccc_hvc, ".arch_extension virt\n\thvc #0")
SMCCC_CALL(smccc_smc, ".arch_extension sec\n\tsmc #0")
