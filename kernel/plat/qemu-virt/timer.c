// ARM generic timer: the non-secure physical timer as the kernel tick.
#include <stdint.h>

#include "cp15.h"
#include "cpu.h"
#include "plat.h"
#include "printk.h"
#include "sched.h"

#define CNTP_CTL_ENABLE (1u << 0)
#define CNTKCTL_PL0VCTEN (1u << 1)

static uint32_t reload, irq;
static volatile uint32_t ticks;

static void timer_cpu_stop(void)
{
	write_cntp_ctl(0);
	isb();
}

// Each CPU's own tick; the boot CPU's counts timer_ticks. Another CPU
// stops its tick at the first one it takes idle (interrupts come only
// there and from user mode, so no current thread means idle): sched_tick
// has nothing to do without a thread, and whatever gives the CPU one sends
// it an SGI (enqueue). schedule starts the tick again as the CPU leaves its
// idle loop. So an idle CPU takes at most one tick, and a CPU that idles
// only between messages pays nothing for it.
static void timer_tick(uint32_t id)
{
	struct cpu *c = this_cpu();

	(void)id;
	c->ticks++;
	if (c->id == 0) {
		ticks++;
	} else if (!c->current) {
		timer_cpu_stop();
		c->tick_off = 1;
		return;
	}
	write_cntp_tval(reload);
	sched_tick();
}

void timer_cpu_init(void)
{
	write_cntp_ctl(0);
	// User space may read the virtual count (and CNTFRQ), never write the
	// timer: a clock for programs, as Linux's vDSO gives.
	write_cntkctl(read_cntkctl() | CNTKCTL_PL0VCTEN);
	isb();
}

void timer_init(const struct machine *m, unsigned hz)
{
	uint32_t freq = m->timer_freq ? m->timer_freq : read_cntfrq();

	if (!freq)
		panic("timer: no frequency in CNTFRQ or the device tree");
	reload = freq / hz;
	irq = m->timer_irq_phys;
	timer_cpu_init();
	gic_enable(irq, timer_tick);
	timer_cpu_start();
	printk("timer: %u Hz counter, tick %u Hz on interrupt %u\n", freq, hz, m->timer_irq_phys);
}

void timer_cpu_start(void)
{
	gic_unmask(irq); // a PPI: banked, this CPU's
	timer_cpu_resume();
}

void timer_cpu_resume(void)
{
	write_cntp_tval(reload);
	write_cntp_ctl(CNTP_CTL_ENABLE);
	isb();
}

uint32_t timer_ticks(void)
{
	return ticks;
}
