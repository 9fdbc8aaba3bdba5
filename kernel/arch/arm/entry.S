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
#define CPU_LOCK 2105	// offsetof(struct cpu, lock); checked in klock.c
#define CPU_LEAVING 2136	// offsetof(struct cpu, leaving)
#define KLOCK_KEEP 2	// cpu.h

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
// r2, r3, r12 and lr (r0, r1 and r7 go to the dispatch): a ticket; if the
// lock is held by a CPU that does not keep it, a wait in wfe; then, if
// another CPU waits by now, nothing more (this CPU does not keep the lock,
// and its exit releases it). C does the rest: telling a keeping holder
// (klock_svc_wait), keeping the lock (klock_svc_keep), a thread another CPU
// took from this one (sched_evicted).
vec_svc_lock:
	svc_save
	movw	r2, #:lower16:big_lock
	movt	r2, #:upper16:big_lock
1:	ldrex	r3, [r2]			// ticket_take
	add	r12, r3, #0x10000
	strex	lr, r12, [r2]
	teq	lr, #0
	bne	1b
	dmb	ish
	lsr	r12, r3, #16			// this CPU's ticket
	uxth	lr, r3				// the one served when it took it
	cmp	lr, r12
	beq	3f				// free
	movw	lr, #:lower16:klock_holder	// does the holder keep it? (after the
	movt	lr, #:upper16:klock_holder	//   ticket: klock_keep's argument)
	ldr	lr, [lr]
	cmp	lr, #0
	beq	2f
	ldrb	lr, [lr, #CPU_LOCK]
	cmp	lr, #KLOCK_KEEP
	beq	4f
2:	wfe					// the release's sev
	ldrh	lr, [r2]
	cmp	lr, r12
	bne	2b
	dmb	ish
3:	ldrh	lr, [r2, #2]			// the next ticket: does a CPU wait?
	add	r3, r12, #1
	uxth	r3, r3
	cmp	lr, r3
	beq	5f
	ldr	lr, [sp, #CPU_LEAVING]		// sp is this CPU's struct cpu
	cmp	lr, #0
	beq	svc_smp
	mov	r0, #SVC_SIZE			// its thread was taken: undo the entry
	b	sched_evicted
4:	push	{r0, r1}
	mov	r0, r3
	bl	klock_svc_wait
	pop	{r0, r1}
	b	svc_smp
5:	push	{r0, r1}
	mov	r0, r12
	bl	klock_svc_keep
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

// void arch_return_to_user(struct regs *r): into user mode with r's state.
// Afterwards the SVC stack pointer is just past r, ready for the next entry.
	.global	arch_return_to_user
arch_return_to_user:
	mov	sp, r0
	ldmia	sp, {r0-r14}^
	add	sp, sp, #FRAME_PC
	rfeia	sp!
