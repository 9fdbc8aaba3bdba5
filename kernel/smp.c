// The secondary CPUs' boot story: from PSCI CPU_ON to the scheduler. The
// boot CPU starts them one at a time; each turns its MMU on with the boot
// CPU's tables (boot/head.S), sets up its own exception vectors, struct
// cpu, GIC CPU interface and timer, says it is online, and parks until
// smp_start's SGI lets it into the kernel, where it runs its own run queue
// and tick and idles in wfi.
#include "smp.h"

#include "cp15.h"
#include "cpu.h"
#include "mmu.h"
#include "plat.h"
#include "printk.h"
#include "sched.h"
#include "tlb.h"
#include "trap.h"
#include "vspace.h"

extern char secondary_entry[]; // boot/head.S

void smp_secondary_main(struct cpu *c)
{
	mmu_identity_off();      // runs at its virtual addresses now
	trap_init();             // exception vectors
	cpu_start(c);            // its struct cpu and kernel stack, cycle counter
	gic_cpu_init();          // its GIC CPU interface, its SGIs and PPIs masked
	timer_cpu_init();        // its timer, not ticking yet
	gic_unmask(SGI_RESCHED); // banked: the SGI that wakes it
	__atomic_store_n(&c->online, 1, __ATOMIC_RELEASE);
	sev(); // the boot CPU waits in wfe
	// Parked with interrupts masked until smp_start: wfi sleeps until an
	// interrupt is pending for this CPU (taken later, in the idle loop);
	// under -icount a vCPU in wfe would spin.
	while (!__atomic_load_n(&c->lock, __ATOMIC_ACQUIRE))
		wfi();
	klock_join(c);
	vspace_init();     // its TTBR0 walks on (the slot attributes it sets are the same)
	tlb_flush_all();   // nothing it cached while parked is used
	timer_cpu_start(); // its own tick
	schedule();        // its run queue: idle until a thread is given this CPU
}

// Starts the CPU with MPIDR `mpidr` on kstacks[n] and waits for it. Returns
// NULL when it came up, else why not, with *timed_out set when it was
// started but did not say so in time (it may still come).
static const char *cpu_up(unsigned n, uint32_t mpidr, int *timed_out)
{
	struct cpu *c = cpu_prepare(n);
	uint32_t t0;
	int err;

	if (mpidr == MACHINE_CPU_BAD_REG)
		return "no valid reg in the device tree";
	err = psci_cpu_on(mpidr, (uint32_t)virt_to_phys(secondary_entry), (uint32_t)c);
	if (err)
		return psci_error_name(err);
	t0 = timer_ticks();
	while (!__atomic_load_n(&c->online, __ATOMIC_ACQUIRE)) {
		if (timer_ticks() - t0 >= SMP_UP_TICKS) {
			*timed_out = 1;
			return "started, but not online in time";
		}
		wfe();
	}
	return 0;
}

void smp_init(const struct machine *m)
{
	uint32_t self = read_mpidr() & MACHINE_MPIDR_AFFINITY;
	unsigned listed = m->ncpus < MACHINE_MAX_CPUS ? m->ncpus : MACHINE_MAX_CPUS;
	unsigned next = 1, online = 1; // CPU 0 is this one

	gic_enable(SGI_RESCHED, sched_ipi);
	for (unsigned i = 0; i < listed; i++) {
		uint32_t mpidr = m->cpu_mpidr[i];
		int timed_out = 0;
		const char *why;
		if (mpidr == self)
			continue;
		if (next == NR_CPUS) {
			printk("cpus: CPU %u (MPIDR 0x%x) not started: no room past %u CPUs\n", i,
			       mpidr, NR_CPUS);
			continue;
		}
		why = cpu_up(next, mpidr, &timed_out);
		if (why)
			printk("cpus: CPU %u (MPIDR 0x%x) did not come up (%s)\n", i, mpidr, why);
		else
			online++;
		// A CPU that may still come keeps its stack: the next one takes
		// a fresh one.
		if (!why || timed_out)
			next++;
	}
	if (m->ncpus > MACHINE_MAX_CPUS)
		printk("cpus: %u CPU(s) past the first %u of the device tree not started\n",
		       m->ncpus - MACHINE_MAX_CPUS, MACHINE_MAX_CPUS);
	printk("cpus: %u online\n", online);
}

void smp_start(void)
{
	if (cpus_online() == 1)
		return; // the big lock stays out of the way (KLOCK_NONE)
	klock_join(this_cpu());
	for (unsigned i = 1; i < NR_CPUS; i++) {
		struct cpu *c = cpu_get(i);
		if (!c->online)
			continue;
		__atomic_store_n(&c->lock, KLOCK_TAKE, __ATOMIC_RELEASE); // its go
		sched_kick(c);
	}
}
