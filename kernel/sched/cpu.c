// Per-CPU state: each CPU's struct cpu at the top of its kernel stack.
#include <string.h>

#include "context.h"
#include "cp15.h"
#include "cpu.h"

static uint8_t kstacks[NR_CPUS][KSTACK_SIZE] __attribute__((aligned(8)));

// The struct cpu is also the top of CPU n's kernel stack.
struct cpu *cpu_get(unsigned n)
{
	uint32_t top = (uint32_t)&kstacks[n][KSTACK_SIZE] - sizeof(struct cpu);
	return (struct cpu *)(top & ~7u);
}

struct cpu *cpu_prepare(unsigned n)
{
	struct cpu *c = cpu_get(n);

	memset(c, 0, sizeof(*c));
	c->id = n;
	c->to_user = arch_return_to_user; // KLOCK_NONE
	return c;
}

struct cpu *cpu_if_online(uint32_t n)
{
	return n < NR_CPUS && cpu_get(n)->online ? cpu_get(n) : NULL;
}

unsigned cpus_online(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < NR_CPUS; i++)
		n += cpu_get(i)->online;
	return n;
}

void cpu_start(struct cpu *c)
{
	write_tpidrprw((uint32_t)c);
	write_tpidruro(c->id); // user_cpu(): which CPU a thread runs on, without a call
	// The cycle counter runs (under -icount it counts guest instructions,
	// for make bench); user mode reaches the PMU only in spaces granted it
	// (CONSOLE_PMU), since ARMv7 has no read-only user access.
	write_pmcr(read_pmcr() | 1u | 4u); // enable, reset the cycle counter
	write_pmcntenset(1u << 31);
	write_pmuserenr(0);
	isb();
}

void cpu_init(void)
{
	struct cpu *c = cpu_prepare(0);

	cpu_start(c);
	c->online = 1;
}
