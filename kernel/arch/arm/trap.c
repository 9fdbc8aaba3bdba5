// Exceptions. From user mode: interrupts go to the GIC driver, faults to
// the thread's fault handler (fault.c), and the kernel then schedules. From
// the kernel (which takes interrupts only while idle): an undefined
// instruction or an abort is a kernel bug, reported in full, and stops it.
#include "trap.h"

#include "cp15.h"
#include "fault.h"
#include "lpae/lpae.h"
#include "plat.h"
#include "printk.h"
#include "sched.h"

extern char vectors[];

static const char *mode_name(uint32_t cpsr)
{
	switch (cpsr & 0x1f) {
	case 0x10: return "USR";
	case 0x11: return "FIQ";
	case 0x12: return "IRQ";
	case 0x13: return "SVC";
	case 0x16: return "MON";
	case 0x17: return "ABT";
	case 0x1a: return "HYP";
	case 0x1b: return "UND";
	case 0x1f: return "SYS";
	default: return "???";
	}
}

void trap_init(void)
{
	write_vbar((uint32_t)vectors);
	isb();
}

static void dump_registers(const struct regs *f)
{
	for (int i = 0; i < 13; i++)
		printk("  r%-2d 0x%08x%s", i, regs_gpr(f, i), i % 4 == 3 ? "\n" : "");
	printk("  lr  0x%08x\n  pc  0x%08x  cpsr 0x%08x\n", f->lr, f->pc, f->cpsr);
}

// Reports a fatal exception in the kernel and stops it.
static void __attribute__((noreturn))
fatal(const struct regs *f, const char *what, const char *reg, uint32_t fsr, uint32_t far)
{
	printk("\n*** kernel fault: %s in %s mode at pc 0x%08x\n", what, mode_name(f->cpsr), f->pc);
	if (reg)
		printk("    %s 0x%08x: %s%s, fault address 0x%08x\n", reg, fsr,
		       lpae_fault_name(fsr), fsr & LPAE_FSR_WNR ? " on write" : "", far);
	dump_registers(f);
	kernel_stop("fatal exception");
}

void trap_undef(struct regs *f)
{
	fatal(f, "undefined instruction", 0, 0, 0);
}

void trap_pabort(struct regs *f)
{
	fatal(f, "prefetch abort", "IFSR", read_ifsr(), read_ifar());
}

void trap_dabort(struct regs *f)
{
	fatal(f, "data abort", "DFSR", read_dfsr(), read_dfar());
}

void trap_unexpected(struct regs *f)
{
	fatal(f, "unexpected exception", 0, 0, 0);
}

void trap_irq(struct regs *f)
{
	(void)f;
	gic_dispatch();
}

void trap_user_undef(struct regs *r)
{
	(void)r;
	kernel_enter(0); // the fault happens again
	fault_user(FAULT_UNDEF, 0, 0);
}

void trap_user_pabort(struct regs *r)
{
	(void)r;
	kernel_enter(0); // the fault happens again
	fault_user(FAULT_PABORT, read_ifsr(), read_ifar());
}

void trap_user_dabort(struct regs *r)
{
	(void)r;
	kernel_enter(0); // the fault happens again
	fault_user(FAULT_DABORT, read_dfsr(), read_dfar());
}

void trap_user_unexpected(struct regs *r)
{
	(void)r;
	kernel_enter(0); // the fault happens again
	fault_user(FAULT_UNDEF, 0, 0);
}

void trap_user_irq(struct regs *r)
{
	(void)r;
	kernel_lock();
	gic_dispatch();
	schedule();
}
