// Exception vectors. Every entry saves the interrupted state as a
// struct trap_frame on the SVC stack (srsdb + push), calls its C handler
// with a pointer to the frame on an 8-byte-aligned stack, and returns with
// rfe, so a handler may change the frame to change where execution resumes.
	.arch	armv7ve
	.text

#define PSR_MODE_SVC 0x13

// name, amount to take from lr to reach the faulting/return address, handler
.macro	vector_entry name, adjust, handler
\name:
	.if	\adjust
	sub	lr, lr, #\adjust
	.endif
	srsdb	sp!, #PSR_MODE_SVC		// lr and spsr of the mode we entered
	cps	#PSR_MODE_SVC
	push	{r0-r12, lr}			// with them: struct trap_frame
	mov	r4, sp
	bic	sp, sp, #7
	mov	r0, r4
	bl	\handler
	mov	sp, r4
	pop	{r0-r12, lr}
	rfeia	sp!
.endm

	.balign	32
	.global	vectors
vectors:
	b	vec_reset
	b	vec_undef
	b	vec_svc
	b	vec_pabort
	b	vec_dabort
	b	vec_hyp
	b	vec_irq
	b	vec_fiq

	vector_entry vec_reset, 0, trap_unexpected
	vector_entry vec_undef, 4, trap_undef
	vector_entry vec_svc, 0, trap_svc
	vector_entry vec_pabort, 4, trap_pabort
	vector_entry vec_dabort, 8, trap_dabort
	vector_entry vec_hyp, 0, trap_unexpected
	vector_entry vec_irq, 4, trap_irq
	vector_entry vec_fiq, 4, trap_unexpected
