// Kernel entry, as the Linux ARM boot protocol leaves it: SVC or HYP mode,
// MMU and caches off, r2 = physical address of the device tree. The image
// runs at PAGE_OFFSET + TEXT_OFFSET once the MMU is on; until then it runs
// wherever it was loaded, and that load address fixes where the direct map
// starts (phys_offset = load address - TEXT_OFFSET).
//
// Secondary CPUs enter at secondary_entry, where PSCI CPU_ON sends them:
// the same state (SVC or HYP, MMU off), r0 = the context the boot CPU
// passed, the virtual address of the CPU's struct cpu (cpu.h).
#include "memlayout.h"

#define PSR_MODE_MASK	0x1f
#define PSR_MODE_SVC	0x13
#define PSR_MODE_HYP	0x1a
#define PSR_AIF		0x1c0
#define SCTLR_ON	((1 << 0) | (1 << 2) | (1 << 11) | (1 << 12))	// M, C, Z, I
#define SCTLR_OFF	((1 << 1) | (1 << 13) | (1 << 19) | (1 << 30))	// A, V, WXN, TE

	.arch	armv7ve
	.arch_extension virt

// Leaves HYP mode, when the CPU entered in it, for SVC: lets PL1 use the
// physical counter and timer and zeroes the virtual offset first (each CPU
// has its own). Ends in SVC with every interrupt masked and r9 = 1 when it
// came from HYP, else 0. Clobbers r0.
.macro	enter_svc
	mrs	r0, cpsr
	and	r0, r0, #PSR_MODE_MASK
	cmp	r0, #PSR_MODE_HYP
	movne	r9, #0
	bne	9f
	mov	r9, #1
	mrc	p15, 4, r0, c14, c1, 0		// CNTHCTL
	orr	r0, r0, #3			// PL1PCTEN | PL1PCEN
	mcr	p15, 4, r0, c14, c1, 0
	mov	r0, #0
	mcrr	p15, 4, r0, r0, c14		// CNTVOFF
	adr	r0, 9f
	msr	elr_hyp, r0
	mov	r0, #(PSR_MODE_SVC | PSR_AIF)
	msr	spsr_cxsf, r0			// SPSR_hyp: own-mode banked access is UNPREDICTABLE
	eret
9:	cpsid	aif, #PSR_MODE_SVC
.endm

// Turns the MMU and caches on with the tables early_mmu loaded. The next
// instruction still runs through the identity map. Clobbers r0, r1.
.macro	mmu_on
	mrc	p15, 0, r0, c1, c0, 0		// SCTLR
	ldr	r1, =SCTLR_OFF
	bic	r0, r0, r1
	ldr	r1, =SCTLR_ON
	orr	r0, r0, r1
	dsb
	mcr	p15, 0, r0, c1, c0, 0
	isb
.endm

	.section .text.head, "ax"
	.global	_start
_start:
	mov	r10, r2				// r10 = device tree, physical
	enter_svc
	adr	r4, _start			// where we run
	ldr	r5, =_start			// where we are linked
	sub	r11, r5, r4			// r11 = virtual - physical
	sub	r6, r4, #TEXT_OFFSET		// r6 = phys_offset

	// Zero .bss through its physical address: the early tables live there.
	ldr	r0, =__bss_start
	ldr	r1, =__bss_end
	sub	r0, r0, r11
	sub	r1, r1, r11
	mov	r2, #0
2:	cmp	r0, r1
	strlo	r2, [r0], #4
	blo	2b

	ldr	sp, =boot_stack_top
	sub	sp, sp, r11
	mov	r0, r6
	mov	r1, r10
	bl	early_mmu_setup			// tables built, TTBRs loaded
	cmp	r0, #0
	bne	halt

	mmu_on
	ldr	pc, =virtual_entry		// leave the identity map

virtual_entry:
	ldr	sp, =boot_stack_top
	mov	r0, r6
	mov	r1, r10
	mov	r2, r9
	bl	kernel_main			// does not return

halt:	wfi
	b	halt

	.global	secondary_entry
secondary_entry:
	mov	r10, r0				// r10 = this CPU's struct cpu, virtual
	enter_svc
	adr	r4, secondary_entry		// where we run
	ldr	r5, =secondary_entry		// where we are linked
	sub	r11, r5, r4			// r11 = virtual - physical
	sub	sp, r10, r11			// its kernel stack (below struct cpu), physical
	bl	early_mmu_load			// the boot CPU's tables and settings
	mmu_on
	ldr	pc, =secondary_virtual		// leave the identity map

secondary_virtual:
	mov	sp, r10
	mov	r0, r10
	bl	smp_secondary_main		// does not return

	.section .bss.boot_stack, "aw", %nobits
	.balign	8
boot_stack:
	.space	8192
	.global	boot_stack_top
boot_stack_top:
