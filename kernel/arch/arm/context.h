// A thread's saved user registers, as the exception entry (entry.S) stores
// them: while a thread runs in user mode, the SVC stack pointer points just
// past its struct regs, so an exception pushes straight into it.
#pragma once

#include <stdint.h>

struct regs {
	uint32_t r[13];
	uint32_t sp, lr; // user mode's banked sp and lr
	uint32_t pc;     // where the thread resumes
	uint32_t cpsr;   // its CPSR (user mode, ARM state)
};
_Static_assert(sizeof(struct regs) == 68, "entry.S lays out 17 words");

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
