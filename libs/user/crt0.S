// Entry of every user program, and picolibc's thread pointer.
//
// _start: r0 = the start argument, sp = the top of a 64 KiB-aligned stack
// (USER_STACK_TOP for a program's first thread). The top USER_TCB_BYTES of
// the stack are the thread's struct user_tcb (user.h); the rest is stack.

#define USER_TCB_BYTES 512

	.section .text.start, "ax"
	.arm
	.global _start
	.type _start, %function
_start:
	sub	sp, sp, #USER_TCB_BYTES	// the first thread's control block
	mov	fp, #0			// end of the frame chain for debuggers
	mov	lr, #0
	b	user_start		// (arg) in C, never returns
	.size _start, . - _start

// void *__aeabi_read_tp(void): the running thread's TLS pointer, read from
// its control block at the top of its stack. May change r0 only (RTABI).
	.text
	.global __aeabi_read_tp
	.type __aeabi_read_tp, %function
__aeabi_read_tp:
	orr	r0, sp, #0xff00		// sp | 0xffff: the stack's last byte
	orr	r0, r0, #0xff
	ldr	r0, [r0, #(1 - USER_TCB_BYTES)]	// user_tcb.tp
	bx	lr
	.size __aeabi_read_tp, . - __aeabi_read_tp

	.section .note.GNU-stack, "", %progbits
