// The boot story: from the first C instruction to an idle, ticking kernel.
#include <stdint.h>
#include <string.h>

#include "fdt/fdt.h"
#include "fdt/machine.h"
#include "initrd.h"
#include "ktest.h"
#include "cpu.h"
#include "objects.h"
#include "sched.h"
#include "smp.h"
#include "userboot.h"
#include "memory.h"
#include "mmu.h"
#include "plat.h"
#include "printk.h"
#include "trap.h"
#include "vspace.h"

#define HZ 100

void kernel_main(uint32_t phys_base, uint32_t dtb_pa, uint32_t from_hyp) __attribute__((noreturn));

static struct machine machine;
static uint32_t entered_hyp; // the boot CPU entered in HYP mode (boot/head.S)

// Reads the device tree through the FDT window the early tables mapped. A
// refused tree is reported on its console when it names one, and the
// kernel powers off when its command line says "poweroff" and it names
// PSCI. Without a tree that opens there is no console, command line or
// PSCI to go by: the kernel reports on the board's debug UART and stops.
static void machine_init(uint32_t dtb_pa, struct fdt *fdt)
{
	uint32_t off = dtb_pa & (SECTION_SIZE - 1);
	const char *why = "";
	char arg[16];
	int err;

	err = dtb_pa ? fdt_open(fdt, (const void *)(FDT_VBASE + off), FDT_VSIZE - off)
		     : FDT_E_MAGIC;
	if (err) {
		machine.uart_base = PLAT_DEBUG_UART_PA;
		console_init(&machine);
		printk("hmk: device tree at 0x%x unusable: %s\n", (unsigned)dtb_pa,
		       dtb_pa ? fdt_strerror(err) : "none given (r2 = 0)");
		kernel_stop("unusable device tree");
	}
	err = machine_from_fdt(fdt, &machine, &why);
	if (!err)
		return;
	if (machine.uart_base)
		console_init(&machine);
	psci_init(&machine, entered_hyp);
	stop_powers_off = cmdline_get(machine.bootargs, "poweroff", arg, sizeof(arg));
	printk("hmk: device tree at 0x%x refused: %s (%s)\n", (unsigned)dtb_pa, why,
	       fdt_strerror(err));
	kernel_stop("unusable device tree");
}

// Deliberate faults, to see the exception reports: fault=undef|pabort|dabort|wx.
static void inject_fault(const char *kind)
{
	static const uint32_t not_code[1] = { 0xe12fff1e }; // "bx lr" in a data page
	static volatile uint32_t *volatile unmapped = (volatile uint32_t *)0x10;

	printk("hmk: injecting fault=%s\n", kind);
	if (!strcmp(kind, "undef"))
		__asm__ volatile("udf #0");
	else if (!strcmp(kind, "pabort"))
		((void (*)(void))(uintptr_t)not_code)();
	else if (!strcmp(kind, "dabort"))
		(void)*unmapped;
	else if (!strcmp(kind, "wx"))
		*(volatile uint32_t *)(uintptr_t)kernel_main = 0;
	printk("hmk: no such fault kind (undef, pabort, dabort, wx)\n");
}

void kernel_main(uint32_t phys_base, uint32_t dtb_pa, uint32_t from_hyp)
{
	struct fdt fdt;
	char arg[16];

	phys_offset = phys_base;
	entered_hyp = from_hyp;
	mmu_identity_off();         // this CPU is done with the boot identity map
	trap_init();                // exception vectors
	machine_init(dtb_pa, &fdt); // every hardware fact, from the device tree
	console_init(&machine);     // PL011 console
	cpu_init();                 // per-CPU state, kernel stack, cycle counter
	stop_powers_off = cmdline_get(machine.bootargs, "poweroff", arg, sizeof(arg));
	printk("\nhmk: LPAE microkernel, %u CPU(s), cmdline \"%s\"\n", machine.ncpus,
	       machine.bootargs);
	psci_init(&machine, entered_hyp);             // power control
	memory_init(&machine, dtb_pa, fdt.totalsize); // memblock, zones, direct map, frames
	gic_init(&machine);                           // interrupt controller
	timer_init(&machine, HZ);                     // scheduler tick
	irq_enable();
	smp_init(&machine);    // the other CPUs: started, set up, parked
	mmu_drop_identity();   // no CPU needs the boot identity map now
	memory_report();       // the boot report
	initrd_init(&machine); // the user-space images

	if (cmdline_get(machine.bootargs, "ktest", arg, sizeof(arg))) {
		if (CONFIG_KTEST) // self tests: only the test kernel has them
			ktest_run();
		else
			printk("ktest: not in this kernel (make KTEST=1 builds them in)\n");
	}
	if (cmdline_get(machine.bootargs, "fault", arg, sizeof(arg)))
		inject_fault(arg);
	vspace_init();                        // TTBR0 walks on: user space may run
	irq_disable();                        // from here the kernel runs with interrupts off
	if (userboot_start(&machine) == E_OK) // init, from the initrd
		printk("hmk: boot complete, running init\n");
	else if (stop_powers_off) {
		printk("hmk: boot complete, powering off\n");
		psci_system_off();
	} else
		printk("hmk: boot complete, idle (QEMU: Ctrl-A X to quit)\n");
	smp_start(); // the other CPUs into the kernel, under its lock from here
	schedule();
}
