// A fair ticket lock, as Linux's ARM arch_spinlock_t: one word, the ticket
// now served (owner, low half) and the next ticket to hand out (high half).
// A CPU takes a ticket with ldrex/strex and waits in wfe until the owner
// reaches it; the release advances the owner and wakes the waiters with
// sev. wfe matters under -icount, where all vCPUs share one host thread: a
// vCPU spinning on a plain load would keep that thread, and with it the
// holder, for the rest of its 100 ms slice; wfe hands it on.
#pragma once

#include <stdint.h>

struct ticket_lock {
	uint32_t word; // owner | next << 16
};

// Takes l, in ticket order. Full barrier after: nothing the lock guards is
// read before it is held. Kernel mode.
static inline void ticket_lock(struct ticket_lock *l)
{
	uint32_t old, tmp, fail;

	__asm__ volatile("1:	ldrex	%0, [%3]\n"
			 "	add	%1, %0, #0x10000\n" // the next ticket is ours
			 "	strex	%2, %1, [%3]\n"
			 "	teq	%2, #0\n"
			 "	bne	1b\n"
			 "	cmp	%0, %0, ror #16\n" // owner == our ticket: held
			 "	beq	3f\n"
			 "	lsr	%0, %0, #16\n"
			 "2:	wfe\n"
			 "	ldrh	%1, [%3]\n"
			 "	cmp	%1, %0\n"
			 "	bne	2b\n"
			 "3:	dmb	ish\n"
			 : "=&r"(old), "=&r"(tmp), "=&r"(fail)
			 : "r"(l)
			 : "cc", "memory");
}

// Releases l to the next ticket: a barrier first (everything done under
// the lock is seen before the release), the owner's half advanced with a
// halfword store (only the holder writes it), then dsb + sev to wake the
// CPUs waiting in wfe.
static inline void ticket_unlock(struct ticket_lock *l)
{
	uint32_t tmp;

	__asm__ volatile("	dmb	ish\n"
			 "	ldrh	%0, [%1]\n"
			 "	add	%0, %0, #1\n"
			 "	strh	%0, [%1]\n"
			 "	dsb	ishst\n"
			 "	sev\n"
			 : "=&r"(tmp)
			 : "r"(l)
			 : "memory");
}
