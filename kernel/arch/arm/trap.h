// Exception handlers called from entry.S.
#pragma once

#include <stdint.h>

#include "context.h"

// Installs the vector table (VBAR).
void trap_init(void);
// From the kernel: `f` is the interrupted state on the kernel stack.
void trap_undef(struct regs *f);
void trap_pabort(struct regs *f);
void trap_dabort(struct regs *f);
void trap_irq(struct regs *f);
void trap_unexpected(struct regs *f);
// From user mode: `r` is the running thread's saved registers. None returns.
void trap_user_undef(struct regs *r) __attribute__((noreturn));
void trap_user_pabort(struct regs *r) __attribute__((noreturn));
void trap_user_dabort(struct regs *r) __attribute__((noreturn));
void trap_user_unexpected(struct regs *r) __attribute__((noreturn));
void trap_user_irq(struct regs *r) __attribute__((noreturn));

static inline void irq_enable(void)
{
	__asm__ volatile("cpsie i" ::: "memory");
}
static inline void irq_disable(void)
{
	__asm__ volatile("cpsid i" ::: "memory");
}
