// A fair ticket lock, as Linux's ARM arch_spinlock_t: one word, the ticket
// now served (owner, low half) and the next ticket to hand out (high half).
// A CPU takes a ticket with ldrex/strex and waits in wfe until the owner
// reaches it; the release advances the owner and wakes the waiters with
// sev. wfe matters under -icount, where all vCPUs share one host thread: a
// vCPU spinning on a plain load would keep that thread, and with it the
// holder, for the rest of its 100 ms slice; wfe hands it on. The waiting
// loop is the caller's (the big kernel lock does more in it, klock.c).
#pragma once

#include <stdint.h>

struct ticket_lock {
	union {
		uint32_t word; // owner | next << 16 (little-endian)
		struct {
			uint16_t owner, next;
		};
	};
};

// Takes the next ticket of l and returns the word before: the ticket is
// its high half, l is held when that equals the low half. Full barrier
// after: nothing read later is read before the ticket is taken.
static inline uint32_t ticket_take(struct ticket_lock *l)
{
	uint32_t old, tmp, fail;

	__asm__ volatile("1:	ldrex	%0, [%3]\n"
			 "	add	%1, %0, #0x10000\n"
			 "	strex	%2, %1, [%3]\n"
			 "	teq	%2, #0\n"
			 "	bne	1b\n"
			 "	dmb	ish\n"
			 : "=&r"(old), "=&r"(tmp), "=&r"(fail)
			 : "r"(l)
			 : "cc", "memory");
	return old;
}

// The ticket now served, and the next one to hand out: 16 bits each.
static inline uint32_t ticket_owner(const struct ticket_lock *l)
{
	return __atomic_load_n(&l->owner, __ATOMIC_RELAXED);
}
static inline uint32_t ticket_next(const struct ticket_lock *l)
{
	return __atomic_load_n(&l->next, __ATOMIC_RELAXED);
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
