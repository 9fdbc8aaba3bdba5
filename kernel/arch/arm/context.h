// A thread's saved user registers, as the exception entry (entry.S) stores
// them: while a thread runs in user mode, the SVC stack pointer points just
// past its struct regs, so an exception pushes straight into it.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "abi/abi.h"

struct regs {
	uint32_t r[13];
	uint32_t sp, lr; // user mode's banked sp and lr
	uint32_t pc;     // where the thread resumes
	uint32_t cpsr;   // its CPSR (user mode, ARM state)
};
_Static_assert(sizeof(struct regs) == 68, "entry.S lays out 17 words");
_Static_assert(offsetof(struct regs, sp) == 52 && offsetof(struct regs, lr) == 56 &&
		       offsetof(struct regs, pc) == 60 && offsetof(struct regs, cpsr) == 64,
	       "entry.S's offsets: sp 52, lr 56, FRAME_PC 60, FRAME_CPSR 64");
_Static_assert(REG_MR0 == REG_INFO + 1 && REG_MR0 + MSG_REG_WORDS <= REG_BADGE,
	       "regs_msg: info then MR0..MR3 in consecutive registers");

// The saved registers by their role in the system call ABI (abi.h's REG_*),
// so no code outside this header names r0..r7.
static inline uint32_t regs_cap(const struct regs *r)
{
	return r->r[REG_CAP];
}
static inline uint32_t regs_info(const struct regs *r)
{
	return r->r[REG_INFO];
}
static inline uint32_t regs_mr(const struct regs *r, unsigned i)
{
	return r->r[REG_MR0 + i];
}
static inline void regs_set_err(struct regs *r, uint32_t e)
{
	r->r[REG_ERR] = e;
}
static inline void regs_set_info(struct regs *r, uint32_t info)
{
	r->r[REG_INFO] = info;
}
static inline void regs_set_mr(struct regs *r, unsigned i, uint32_t v)
{
	r->r[REG_MR0 + i] = v;
}
static inline void regs_set_badge(struct regs *r, uint32_t b)
{
	r->r[REG_BADGE] = b;
}
// The message as sent: info, then MR0..MR3 (1 + MSG_REG_WORDS words).
static inline const uint32_t *regs_msg(const struct regs *r)
{
	return &r->r[REG_INFO];
}
// The i-th argument register (r0..r3, the AAPCS's) of a thread about to
// start: its entry point's parameters.
static inline void regs_set_arg(struct regs *r, unsigned i, uint32_t v)
{
	r->r[i] = v;
}
// General register i (r0..r12), for register dumps.
static inline uint32_t regs_gpr(const struct regs *r, unsigned i)
{
	return r->r[i];
}

#define SVC_SIZE 4 // an svc (threads run in ARM state): a system call's pc is past it

#define PSR_MODE_MASK 0x1fu
#define PSR_MODE_USR 0x10u
#define PSR_MODE_SVC 0x13u
#define PSR_T (1u << 5)
#define PSR_F (1u << 6)
#define PSR_I (1u << 7)
#define PSR_A (1u << 8)
#define PSR_E (1u << 9)

struct thread;
// Leaves the kernel into `t` (entry.S): loads its registers and returns to
// user mode. The kernel stack is abandoned.
void arch_return_to_user(struct regs *r) __attribute__((noreturn));
