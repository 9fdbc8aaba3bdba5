// A fair ticket lock, as Linux's ARM arch_spinlock_t: one word, the ticket
// now served (owner, low half) and the next ticket to hand out (high half).
// A CPU takes a ticket with ldrex/strex and waits in wfe until the owner
// reaches it; the release advances the owner and wakes the waiters with
// sev. wfe matters under -icount, where all vCPUs share one host thread: a
// vCPU spinning on a plain load would keep that thread, and with it the
// holder, for the rest of its 100 ms slice; wfe hands it on. The waiting
// loop is the caller's (the big kernel lock does more in it, klock.c).
//
// Tickets go up by TICKET_STEP (2), so that bit 0 of the owner half is
// free: TICKET_FLAG, which only the holder sets and clears. The big lock
// sets it while its holder keeps the lock through user mode, so that a CPU
// taking a ticket learns that from the word it read, with no other load.
// The flag is clear when the lock is released.
//
// The operations on the word are written once, as assembler macros
// (entry.S uses them inline in the system call entry and exit, and makes
// the functions C calls from them).
#pragma once

#define TICKET_STEP 2
#define TICKET_FLAG 1

#ifdef __ASSEMBLER__
// clang-format off

// Takes a ticket of the lock at [\lock]: \old is the word before (the
// ticket is its high half; the lock is held when that equals the low half,
// that is when \old equals itself rotated by 16) and \new the word after.
// No barrier: the caller's, once it knows it holds the lock.
.macro	ticket_take lock, old, new, tmp
.Lticket_take\@:
	ldrex	\old, [\lock]
	add	\new, \old, #(TICKET_STEP << 16)
	strex	\tmp, \new, [\lock]
	teq	\tmp, #0
	bne	.Lticket_take\@
.endm

// Releases the lock at [\lock] (its flag clear) to the next ticket: a
// barrier first (everything done under the lock is seen before the
// release), the owner half advanced with a halfword store (only the holder
// writes it), then dsb + sev to wake the CPUs waiting in wfe.
.macro	ticket_unlock lock, tmp
	dmb	ish
	ldrh	\tmp, [\lock]
	add	\tmp, \tmp, #TICKET_STEP
	strh	\tmp, [\lock]
	dsb	ishst
	sev
.endm
// clang-format on

#else

#include <stdint.h>

struct ticket_lock {
	union {
		uint32_t word; // owner | next << 16 (little-endian)
		struct {
			uint16_t owner, next;
		};
	};
};

// ticket_take with a full barrier after: the word before, as the macro's
// \old. (entry.S)
uint32_t ticket_take(struct ticket_lock *l);
// ticket_unlock (entry.S).
void ticket_unlock(struct ticket_lock *l);

// The owner half, flag included, and the next ticket to hand out.
static inline uint32_t ticket_owner(const struct ticket_lock *l)
{
	return __atomic_load_n(&l->owner, __ATOMIC_RELAXED);
}
static inline uint32_t ticket_next(const struct ticket_lock *l)
{
	return __atomic_load_n(&l->next, __ATOMIC_RELAXED);
}

// The holder of l (ticket `me`) sets the flag if no CPU has taken a ticket
// after it, in one atomic step with that check: a CPU taking a ticket then
// reads the flag. Nonzero when set.
static inline int ticket_flag_if_alone(struct ticket_lock *l, uint32_t me)
{
	uint32_t alone = ((me + TICKET_STEP) & 0xffff) << 16 | me;

	return __atomic_compare_exchange_n(&l->word, &alone, alone | TICKET_FLAG, 0,
					   __ATOMIC_RELAXED, __ATOMIC_RELAXED);
}

// The holder clears the flag (only it writes the owner half).
static inline void ticket_flag_clear(struct ticket_lock *l)
{
	__atomic_store_n(&l->owner, (uint16_t)(l->owner & ~TICKET_FLAG), __ATOMIC_RELAXED);
}

#endif
