// Saved state of an exception, as vectors.S lays it out on the SVC stack.
#pragma once

#include <stdint.h>

struct trap_frame {
	uint32_t r[13];
	uint32_t lr;   // the interrupted mode's lr when it was SVC
	uint32_t pc;   // faulting instruction, or where to resume
	uint32_t cpsr; // the interrupted state's CPSR
};

// Installs the vector table (VBAR).
void trap_init(void);
// Handlers called from vectors.S.
void trap_undef(struct trap_frame *f);
void trap_svc(struct trap_frame *f);
void trap_pabort(struct trap_frame *f);
void trap_dabort(struct trap_frame *f);
void trap_irq(struct trap_frame *f);
void trap_unexpected(struct trap_frame *f);

static inline void irq_enable(void) { __asm__ volatile("cpsie i" ::: "memory"); }
static inline void irq_disable(void) { __asm__ volatile("cpsid i" ::: "memory"); }
