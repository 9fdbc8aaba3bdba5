// Exception entry and exit. Two worlds meet here:
// - From user mode, the SVC stack pointer points just past the running
//   thread's struct regs (context.h): the entry stores the user registers
//   straight into the thread, then takes this CPU's kernel stack from
//   TPIDRPRW and calls a C handler that never returns: it leaves through
//   arch_return_to_user() into whichever thread runs next.
// - From the kernel (only the idle loop takes interrupts; anything else is
//   a kernel bug), the same 17-word frame goes on the kernel stack and the
//   handler returns into the interrupted code with rfe.
	.arch	armv7ve
	.syntax	unified
	.text

#define PSR_MODE_SVC 0x13
#define FRAME_PC 60	// offsetof(struct regs, pc) - the frame is r0-r12, sp, lr, pc, cpsr
#define FRAME_CPSR 64
#define SYS_CALL 0	// libs/abi/abi.h; checked in fastpath.c
#define SYS_REPLY_RECV 1
#define SYS_UNPIN 2
#define SVC_SIZE 4	// context.h
#define CPU_LEAVING 2136	// offsetof(struct cpu, leaving); checked in klock.c

#include "spinlock.h"

// name, what to take from lr to reach the faulting/return address, C
// handler for user mode, C handler for kernel mode
.macro	vector_entry name, adjust, user_handler, kernel_handler
\name:
	.if	\adjust
	sub	lr, lr, #\adjust
	.endif
	srsdb	sp!, #PSR_MODE_SVC		// pc and cpsr of the interrupted state
	cps	#PSR_MODE_SVC
	sub	sp, sp, #FRAME_PC
	stmia	sp, {r0-r12}
	ldr	r0, [sp, #FRAME_CPSR]
	tst	r0, #0xf			// user mode is 0x10
	bne	1f
	add	r0, sp, #52
	stmia	r0, {sp, lr}^			// user sp and lr
	mov	r0, sp				// the thread's struct regs
	mrc	p15, 0, sp, c13, c0, 4		// this CPU's kernel stack
	bl	\user_handler			// does not return
1:	add	r1, sp, #68
	str	r1, [sp, #52]			// sp before the exception
	str	lr, [sp, #56]
	mov	r4, sp
	bic	sp, sp, #7
	mov	r0, r4
	bl	\kernel_handler
	mov	sp, r4
	ldmia	sp, {r0-r12}
	ldr	lr, [sp, #56]
	add	sp, sp, #FRAME_PC
	rfeia	sp!
.endm

// The vector tables (VBAR), one per state of this CPU's big kernel lock
// (cpu.h): they differ only in where a system call goes.
.macro	vector_table name, svc
	.balign	32
	.global	\name
\name:
	b	vec_reset
	b	vec_undef
	b	\svc
	b	vec_pabort
	b	vec_dabort
	b	vec_hyp
	b	vec_irq
	b	vec_fiq
.endm
	vector_table vectors, vec_svc		// KLOCK_NONE: one CPU
	vector_table vectors_smp, vec_svc_lock	// KLOCK_TAKE
	vector_table vectors_keep, vec_svc_keep	// KLOCK_KEEP

// A system call always comes from user mode (the kernel makes none): its
// registers go into the thread, and sp becomes this CPU's kernel stack.
.macro	svc_save
	srsdb	sp!, #PSR_MODE_SVC
	sub	sp, sp, #FRAME_PC
	stmia	sp, {r0-r14}^
	mrc	p15, 0, sp, c13, c0, 4
.endm

// The calls with a fastpath, numbers 0 to 2, go straight to it through a
// table (the two IPC calls with r0, the capability, and r1, the message
// info, still in place): 3 instructions to each, one fewer to the general
// path than one test after another.
.macro	svc_dispatch call, reply_recv
#if CONFIG_FASTPATH
	cmp	r7, #SYS_UNPIN
	addls	pc, pc, r7, lsl #2	// pc reads as this instruction + 8
	b	1f
	b	\call			// SYS_CALL
	b	\reply_recv		// SYS_REPLY_RECV
	b	fastpath_unpin		// SYS_UNPIN
1:
#endif
	mov	r0, r7
	b	syscall_handle
.endm

vec_svc:
	svc_save
	svc_dispatch fastpath_call, fastpath_reply_recv

// Several CPUs: the big lock first (klock.c), then the fastpaths that
// check the partner's CPU. The common contended case is done here, with
// r2, r3, r12 and lr (r0, r1 and r7 go to the dispatch), from the word
// ticket_take read: if the lock is held by a CPU that does not keep it
// (no TICKET_FLAG), a wait in wfe, and this CPU does not keep it either
// (another waited before it) and its exit releases it; if it is free and
// by then another CPU waits, nothing more. C does the rest: telling a
// keeping holder (klock_svc_wait), keeping the lock (klock_svc_keep), a
// thread another CPU took from this one (sched_evicted).
vec_svc_lock:
	svc_save
	ldr	r2, =big_lock			// one load (movw + movt are two)
	ticket_take r2, r3, r12, lr		// r3: the word before, r12: after
	cmp	r3, r3, ror #16			// its ticket served? (flag clear)
	beq	3f				// free
	tst	r3, #TICKET_FLAG
	bne	4f				// kept by its holder
2:	wfe					// the release's sev
	ldrh	lr, [r2]
	cmp	lr, r3, lsr #16
	bne	2b
	dmb	ish
1:	ldr	lr, [sp, #CPU_LEAVING]		// sp is this CPU's struct cpu
	cmp	lr, #0
	beq	svc_smp
	mov	r0, #SVC_SIZE			// its thread was taken: undo the entry
	b	sched_evicted
3:	dmb	ish
	ldr	lr, [r2]			// another CPU took a ticket since?
	cmp	lr, r12
	bne	1b
	push	{r0, r1}
	lsr	r0, r3, #16
	bl	klock_svc_keep
	pop	{r0, r1}
	b	svc_smp
4:	push	{r0, r1}
	mov	r0, r3
	bl	klock_svc_wait
	pop	{r0, r1}
	b	svc_smp
vec_svc_keep:
	svc_save
svc_smp:
	svc_dispatch fastpath_call_smp, fastpath_reply_recv_smp

	vector_entry vec_reset, 0, trap_user_unexpected, trap_unexpected
	vector_entry vec_undef, 4, trap_user_undef, trap_undef
	vector_entry vec_pabort, 4, trap_user_pabort, trap_pabort
	vector_entry vec_dabort, 8, trap_user_dabort, trap_dabort
	vector_entry vec_hyp, 0, trap_user_unexpected, trap_unexpected
	vector_entry vec_irq, 4, trap_user_irq, trap_irq
	vector_entry vec_fiq, 4, trap_user_unexpected, trap_unexpected

// The big lock's word operations for C (spinlock.h).
	.global	ticket_take
ticket_take:
	ticket_take r0, r1, r2, r3
	dmb	ish
	mov	r0, r1
	bx	lr

	.global	ticket_unlock
ticket_unlock:
	ticket_unlock r0, r1
	bx	lr

// void klock_exit_release(struct regs *r), c->to_user under KLOCK_TAKE:
// releases the big lock, then arch_return_to_user(r), into which it runs.
	.global	klock_exit_release
klock_exit_release:
	ldr	r1, =big_lock
	ticket_unlock r1, r2

// void arch_return_to_user(struct regs *r): into user mode with r's state.
// Afterwards the SVC stack pointer is just past r, ready for the next entry.
	.global	arch_return_to_user
arch_return_to_user:
	mov	sp, r0
	ldmia	sp, {r0-r14}^
	add	sp, sp, #FRAME_PC
	rfeia	sp!
