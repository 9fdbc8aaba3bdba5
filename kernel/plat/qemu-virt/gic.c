// GICv2 interrupt controller: the distributor routes interrupts to CPUs,
// the CPU interface acknowledges them.
#include <stdint.h>

#include "cpu.h"
#include "mmu.h"
#include "plat.h"
#include "printk.h"

#define GICD_CTLR 0x000
#define GICD_TYPER 0x004
#define GICD_ISENABLER 0x100
#define GICD_ICENABLER 0x180
#define GICD_ICPENDR 0x280
#define GICD_IPRIORITYR 0x400
#define GICD_ITARGETSR 0x800
#define GICD_SGIR 0xf00
#define GICC_CTLR 0x00
#define GICC_PMR 0x04
#define GICC_IAR 0x0c
#define GICC_EOIR 0x10
#define GICC_SIZE 0x2000

#define GIC_MAX_IRQ 1020
#define GIC_SPURIOUS 1023
#define GIC_PRIO_DEFAULT 0xa0

static volatile uint32_t *gicd, *gicc;
static unsigned nr_irqs;
static void (*handlers[GIC_MAX_IRQ])(uint32_t id);

static void dist_write(unsigned off, uint32_t v)
{
	gicd[off / 4] = v;
}
static uint32_t dist_read(unsigned off)
{
	return gicd[off / 4];
}
static void cpu_write(unsigned off, uint32_t v)
{
	gicc[off / 4] = v;
}
static uint32_t cpu_read(unsigned off)
{
	return gicc[off / 4];
}

// Masks lines [from, to) (multiples of 32), clears them pending and gives
// them the default priority.
static void disable_lines(unsigned from, unsigned to)
{
	for (unsigned i = from; i < to; i += 32) {
		dist_write(GICD_ICENABLER + i / 8, 0xffffffff);
		dist_write(GICD_ICPENDR + i / 8, 0xffffffff);
	}
	for (unsigned i = from; i < to; i += 4)
		dist_write(GICD_IPRIORITYR + i, GIC_PRIO_DEFAULT * 0x01010101u);
}

void gic_cpu_init(void)
{
	disable_lines(0, 32); // SGIs and PPIs: banked, this CPU's own
	this_cpu()->gic_mask = (uint8_t)dist_read(GICD_ITARGETSR);
	cpu_write(GICC_PMR, 0xf0);
	cpu_write(GICC_CTLR, 1);
}

void gic_init(const struct machine *m)
{
	gicd = ioremap(m->gicd_base, PAGE_SIZE);
	gicc = ioremap(m->gicc_base, GICC_SIZE);

	dist_write(GICD_CTLR, 0);
	nr_irqs = 32 * ((dist_read(GICD_TYPER) & 0x1f) + 1);
	if (nr_irqs > GIC_MAX_IRQ)
		nr_irqs = GIC_MAX_IRQ;
	disable_lines(32, nr_irqs);
	dist_write(GICD_CTLR, 1);
	gic_cpu_init();
	printk("gic: GICv2 at 0x%llx/0x%llx, %u interrupt lines\n", m->gicd_base, m->gicc_base,
	       nr_irqs);
}

void gic_enable(uint32_t id, void (*handler)(uint32_t id))
{
	if (id >= nr_irqs)
		panic("gic: interrupt %u beyond the %u lines", id, nr_irqs);
	handlers[id] = handler;
	if (id >= 32) { // SPIs need a target; SGIs and PPIs are banked per CPU
		volatile uint8_t *targets = (volatile uint8_t *)gicd + GICD_ITARGETSR;
		targets[id] = this_cpu()->gic_mask;
	}
	dist_write(GICD_ISENABLER + (id / 32) * 4, 1u << (id % 32));
}

void gic_send_sgi(uint32_t mask, uint32_t id)
{
	dsb_ish(); // what the SGI announces is seen first
	dist_write(GICD_SGIR, (mask & 0xff) << 16 | id);
}

void gic_dispatch(void)
{
	for (;;) {
		uint32_t iar = cpu_read(GICC_IAR);
		uint32_t id = iar & 0x3ff;

		if (id == GIC_SPURIOUS)
			return;
		if (id < nr_irqs && handlers[id])
			handlers[id](id);
		else
			printk("gic: interrupt %u with no handler\n", id);
		cpu_write(GICC_EOIR, iar);
	}
}

uint32_t gic_lines(void)
{
	return nr_irqs;
}

int gic_claimed(uint32_t id)
{
	return id < nr_irqs && handlers[id];
}

void gic_mask(uint32_t id)
{
	dist_write(GICD_ICENABLER + (id / 32) * 4, 1u << (id % 32));
}

void gic_unmask(uint32_t id)
{
	dist_write(GICD_ISENABLER + (id / 32) * 4, 1u << (id % 32));
}

void gic_release(uint32_t id)
{
	if (id < nr_irqs)
		handlers[id] = 0;
}
