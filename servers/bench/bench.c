// bench: cost of the kernel's primitives in guest instructions. Under
// `qemu-system-arm -icount shift=0` the PMU cycle counter (PMCCNTR, which
// the kernel opens to user mode) counts instructions, so every figure
// repeats exactly. Each benchmark: warm-up, then SAMPLES samples of one
// operation between two counter reads, less the cost of two back-to-back
// reads; one JSON line per benchmark with min/median/max/mean (and, for
// some, "params" saying what exactly was measured).
//
// Then the kernel's window invocations (kernel_window.c) and memsrv's
// primitives as a client pays them (memsrv.c), which ends with "derived"
// JSON lines: figures computed from this run's medians (the kmap_local
// pair against a null IPC round trip, vmap's cost per page).
//
// With argument 1 the program is the echo server of the cross-address-
// space benchmarks: it answers every call on the endpoint in SLOT_GIFT with
// the message it got, until a call with label BENCH_QUIT.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "user.h"

#define BENCH_QUIT 0xfff
#define ECHO_ARG 1

uint32_t samples[SAMPLES];
uint32_t overhead;

// The medians reported so far, by name, for the derived figures.
#define MAX_FIGURES 64
static struct {
	const char *name;
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
	printf("{\"bench\": \"%s\", \"unit\": \"instructions\", \"samples\": %d, \"min\": %u, "
	       "\"median\": %u, \"max\": %u, \"mean\": %u.%02u, \"stddev\": %u.%02u",
	       name, n, samples[0], median, samples[n - 1], (uint32_t)(mean100 / 100),
	       (uint32_t)(mean100 % 100), (uint32_t)(sd100 / 100), (uint32_t)(sd100 % 100));
	if (params)
		printf(", \"params\": %s", params);
	printf("}\n");
	if (nfigures < MAX_FIGURES)
		figures[nfigures++] = (typeof(figures[0])){ name, median };
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

// --- the echo server ---------------------------------------------------------
// Answers each call with the same message (MR4.. stay in its IPC buffer,
// where the call put them, so they go back as they came).
static int echo_serve(uint32_t ep)
{
	struct msg m = { 0 };
	int err = sys_recv(ep, &m);
	while (err == E_OK && MSG_LABEL(m.info) != BENCH_QUIT) {
		m.info &= ~MSG_CAP;
		err = sys_reply_recv(ep, &m);
	}
	if (err == E_OK) {
		m = (struct msg){ MSG_INFO(0, 0), { 0 }, 0 };
		sys_reply(&m);
	}
	return err;
}

static void echo_thread(uint32_t ep)
{
	echo_serve(ep);
}

// --- the benchmarks ----------------------------------------------------------
static const char *round_trips(uint32_t ep, const char *fast, const char *slow)
{
	struct ipc_buffer *b = user_ipcbuf();
	struct msg m;
	int err;

	// One call first: the server may not be waiting yet.
	m = (struct msg){ MSG_INFO(1, 1), { 1 }, 0 };
	if ((err = sys_call(ep, &m)) != E_OK)
		return hmk_strerror(err);
	BENCH(fast, (m = (struct msg){ MSG_INFO(1, 1), { 1 }, 0 }, sys_call(ep, &m)));
	b->mr[4] = 5;
	BENCH(slow, (m = (struct msg){ MSG_INFO(1, 5), { 1, 2, 3, 4 }, 0 }, sys_call(ep, &m)));
	m = (struct msg){ MSG_INFO(1, 5), { 1, 2, 3, 4 }, 0 };
	b->mr[4] = 0x55;
	err = sys_call(ep, &m);
	if (err != E_OK || m.mr[3] != 4 || b->mr[4] != 0x55)
		return "echo came back wrong";
	return 0;
}

static const char *intra_as(uint32_t prio)
{
	struct user_thread t;
	struct msg m;
	uint32_t ep = user_slot_alloc();
	int err = hmk_invoke(SLOT_SPACE, SPACE_CREATE, 3, CAP_ENDPOINT, ep, 0, 0, &m);
	if (err)
		return hmk_strerror(err);
	if ((err = thread_spawn(&t, echo_thread, ep, 2, prio, 0)) != E_OK)
		return hmk_strerror(err);
	const char *why = round_trips(ep, "ipc_rt_fast_intraas", "ipc_rt_slow_intraas");
	m = (struct msg){ MSG_INFO(BENCH_QUIT, 0), { 0 }, 0 };
	sys_call(ep, &m);
	thread_destroy(&t);
	hmk_invoke(SLOT_SPACE, SPACE_DELETE, 1, ep, 0, 0, 0, &m);
	return why;
}

// Asks init to start this program again as the echo server, with our
// endpoint as its gift: the server then runs in another address space.
static const char *inter_as(void)
{
	struct ipc_buffer *b = user_ipcbuf();
	struct msg m;
	uint32_t ep = user_slot_alloc(), name[INIT_NAME_WORDS] = { 0 };
	int err = hmk_invoke(SLOT_SPACE, SPACE_CREATE, 3, CAP_ENDPOINT, ep, 0, 0, &m);
	if (err)
		return hmk_strerror(err);
	memcpy(name, "bench", 6);
	m = (struct msg){ MSG_INFO(INIT_SPAWN, 1 + INIT_NAME_WORDS) | MSG_CAP,
			  { ECHO_ARG, name[0], name[1], name[2] },
			  0 };
	for (int i = 3; i < INIT_NAME_WORDS; i++)
		b->mr[1 + i] = name[i];
	b->cap_send = ep;
	err = sys_call(SLOT_INIT, &m);
	b->cap_send = 0;
	if (err != E_OK || MSG_LABEL(m.info) != E_OK)
		return err ? hmk_strerror(err) : hmk_strerror((int)MSG_LABEL(m.info));
	uint32_t child = m.mr[0];
	const char *why = round_trips(ep, "ipc_rt_fast_interas", "ipc_rt_slow_interas");
	m = (struct msg){ MSG_INFO(BENCH_QUIT, 0), { 0 }, 0 };
	sys_call(ep, &m);
	// Wait for it to exit (init answers E_AGAIN while it runs).
	for (int i = 0; i < 10000; i++) {
		m = (struct msg){ MSG_INFO(INIT_WAIT, 1), { child }, 0 };
		if (sys_call(SLOT_INIT, &m) != E_OK || MSG_LABEL(m.info) != E_AGAIN)
			break;
		sys_yield();
	}
	return why;
}

int main(void)
{
	if (user_arg == ECHO_ARG)
		return echo_serve(SLOT_GIFT);

	uint32_t prio = 0;
	struct msg m;
	if (hmk_invoke(SLOT_THREAD, THREAD_INFO, 0, 0, 0, 0, 0, &m) == E_OK)
		prio = m.mr[1];
	uint32_t a = ccnt(), b = ccnt();
	if (a == b)
		printf("bench: the cycle counter does not move (%u)\n", a);
	measure_overhead();
	printf("# bench: counter read overhead %u, samples %d after %d warm-up\n", overhead,
	       SAMPLES, WARMUP);

	BENCH("null_syscall", sys_null());
	BENCH("yield", sys_yield());
	const char *why = intra_as(prio);
	if (why)
		printf("bench: intra-AS IPC failed: %s\n", why);
	why = inter_as();
	if (why)
		printf("bench: inter-AS IPC failed: %s\n", why);
	kernel_window_benches();
	memsrv_benches();
	printf("bench: done\n");
	return 0;
}
