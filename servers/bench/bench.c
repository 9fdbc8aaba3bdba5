// bench: what the kernel's primitives and the memory server's requests cost,
// in guest instructions. Under `qemu-system-arm -icount shift=0` the PMU
// cycle counter (PMCCNTR, which the kernel opens to user mode) counts guest
// instructions, as does the instructions-retired event, so every figure
// repeats exactly (docs/benchmarking.md has the method). The program runs
// the groups of its table in order; each benchmark takes WARMUP untimed
// runs, then SAMPLES samples of one operation between two counter reads,
// less the cost of two back-to-back reads, and prints one JSON line with
// min/median/max/mean/stddev and "params" saying what exactly it measured.
//
// Started by itself with a start argument, the program plays a part for
// another copy of it: ECHO_ARG the echo server of the IPC benchmarks in
// another address space (ipc.c), CLIENT_ARG a live memsrv client (memsrv.c),
// CPUS_ARG a worker of the several-CPU benchmarks (memsrv_cpus.c).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "user.h"

uint32_t samples[SAMPLES];
uint32_t overhead;

// The medians reported so far, by name, for the derived figures.
#define MAX_FIGURES 256
static struct {
	char name[48]; // a copy: callers may print names from a buffer of theirs
	uint32_t median;
} figures[MAX_FIGURES];
static int nfigures;

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

// The population standard deviation of samples[0..n) around mean, times
// 100, rounded. In software floating point (libgcc; user programs have no
// VFP), so it repeats exactly; the square root by Newton's method.
static uint64_t stddev100(int n, double mean)
{
	double var = 0, sd;

	for (int i = 0; i < n; i++) {
		double d = samples[i] - mean;
		var += d * d;
	}
	var /= n;
	sd = var > 1 ? var : 1;
	for (int i = 0; i < 64 && var > 0; i++)
		sd = (sd + var / sd) / 2;
	return var > 0 ? (uint64_t)(sd * 100 + 0.5) : 0;
}

void report(const char *name, int n, const char *params)
{
	uint64_t sum = 0;
	for (int i = 0; i < n; i++)
		sum += samples[i];
	qsort(samples, n, sizeof samples[0], cmp_u32);
	uint32_t median = n % 2 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2;
	uint64_t mean100 = (sum * 100 + n / 2) / n;
	uint64_t sd100 = stddev100(n, (double)sum / n);
	printf("{\"bench\": \"%s\", \"unit\": \"instructions\", \"counter\": \"PMCCNTR\", "
	       "\"samples\": %d, \"min\": %u, "
	       "\"median\": %u, \"max\": %u, \"mean\": %u.%02u, \"stddev\": %u.%02u",
	       name, n, samples[0], median, samples[n - 1], (uint32_t)(mean100 / 100),
	       (uint32_t)(mean100 % 100), (uint32_t)(sd100 / 100), (uint32_t)(sd100 % 100));
	if (params)
		printf(", \"params\": %s", params);
	printf("}\n");
	if (nfigures < MAX_FIGURES) {
		snprintf(figures[nfigures].name, sizeof(figures[0].name), "%s", name);
		figures[nfigures++].median = median;
	}
}

uint32_t median_of(const char *name)
{
	for (int i = 0; i < nfigures; i++)
		if (!strcmp(figures[i].name, name))
			return figures[i].median;
	return 0;
}

void bench_fail(const char *name, const char *why)
{
	printf("bench: %s: %s\n", name, why);
}

// The counter's own cost: the least difference of two back-to-back reads.
static void measure_overhead(void)
{
	uint32_t best = ~0u;
	for (int i = 0; i < WARMUP + SAMPLES; i++) {
		uint32_t a = ccnt();
		uint32_t b = ccnt();
		if (b - a < best)
			best = b - a;
	}
	overhead = best;
}

uint32_t new_object(uint32_t type)
{
	uint32_t slot;

	space_create(SLOT_SPACE, type, 0, &slot);
	return slot;
}

void delete_object(uint32_t slot)
{
	slot_delete(SLOT_SPACE, slot);
}

uint32_t new_notify(uint32_t *sig)
{
	uint32_t n = new_object(CAP_NOTIFY);

	*sig = n ? user_slot_alloc() : 0;
	if (*sig && space_mint(SLOT_SPACE, *sig, n, RIGHTS_ALL, 1) == E_OK)
		return n;
	if (n)
		delete_object(n);
	return 0;
}

// PMU event counter 0 set to count instructions retired (event 0x08);
// PMUSERENR.EN, which the kernel sets, opens the PMU to user mode.
static void evcnt_setup(void)
{
	__asm__ volatile("mcr p15, 0, %0, c9, c12, 5" ::"r"(0u));    // PMSELR: counter 0
	__asm__ volatile("mcr p15, 0, %0, c9, c13, 1" ::"r"(0x08u)); // PMXEVTYPER: INST_RETIRED
	__asm__ volatile("mcr p15, 0, %0, c9, c12, 1" ::"r"(1u));    // PMCNTENSET: counter 0
	__asm__ volatile("isb" ::: "memory");
}

static inline uint32_t evcnt(void)
{
	uint32_t v;
	__asm__ volatile("mrc p15, 0, %0, c9, c13, 2" : "=r"(v)::"memory"); // PMXEVCNTR
	return v;
}

// The method, on one line: the counter, its overhead, the samples, and a
// check that the cycle counter and the instructions-retired event count
// the same over a stretch of system calls (they must, under -icount).
static void method(void)
{
	uint32_t c0, e0, c1, e1;

	evcnt_setup();
	c0 = ccnt();
	e0 = evcnt();
	for (int i = 0; i < SAMPLES; i++)
		sys_null();
	c1 = ccnt();
	e1 = evcnt();
	printf("{\"meta\": \"method\", \"counter\": \"PMCCNTR\", \"unit\": \"guest instructions "
	       "(qemu -icount shift=0)\", \"overhead\": %u, \"samples\": %d, \"warmup\": %d, "
	       "\"check\": {\"op\": \"%d null system calls\", \"pmccntr\": %u, "
	       "\"inst_retired\": %u, \"agree\": %s}}\n",
	       overhead, SAMPLES, WARMUP, SAMPLES, c1 - c0, e1 - e0,
	       c1 - c0 == e1 - e0 ? "true" : "false");
	if (c1 - c0 != e1 - e0)
		bench_fail("counter", "PMCCNTR and the instructions-retired event disagree");
}

uint32_t bench_prio;

static void entry_benches(void)
{
	BENCH_N("null_syscall", SAMPLES, WARMUP,
		"{\"op\": \"a system call that does nothing (enter and leave the kernel)\"}",
		sys_null(), 1);
	BENCH_N("yield", SAMPLES, WARMUP,
		"{\"op\": \"yield with no other thread of the priority ready\"}", sys_yield(), 1);
}

// The groups, in the order they run (derived_figures uses the medians of
// those before it).
static const struct {
	const char *name;
	void (*run)(void);
} groups[] = {
	{ "kernel entry", entry_benches },
	{ "IPC", ipc_benches },
	{ "notifications and thread switches", notify_benches },
	{ "kernel windows", kernel_window_benches },
	{ "memory server", memsrv_benches },
	{ "memory server against live clients", memsrv_client_benches },
	{ "memory server on several CPUs", memsrv_cpus_benches },
	{ "derived figures", derived_figures },
};

int main(void)
{
	if (user_arg == ECHO_ARG)
		return echo_main();
	if (user_arg == CLIENT_ARG)
		return memsrv_client_main();
	if (user_arg == CPUS_ARG)
		return cpus_worker_main();
	thread_info(SLOT_THREAD, NULL, &bench_prio, NULL);
	uint32_t a = ccnt(), b = ccnt();
	if (a == b)
		printf("bench: the cycle counter does not move (%u)\n", a);
	measure_overhead();
	method();
	for (unsigned i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		printf("# bench: %s\n", groups[i].name);
		groups[i].run();
	}
	printf("bench: done\n");
	return 0;
}
