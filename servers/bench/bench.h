// bench: what the benchmark files share (bench.c has the method).
#pragma once

#include <stdint.h>

#define SAMPLES 1000
#define WARMUP 100

// The PMU cycle counter: guest instructions under -icount shift=0.
static inline uint32_t ccnt(void)
{
	uint32_t v;
	__asm__ volatile("mrc p15, 0, %0, c9, c13, 0" : "=r"(v)::"memory");
	return v;
}

extern uint32_t samples[SAMPLES];
extern uint32_t overhead; // the cost of two back-to-back counter reads

// Prints the JSON line of one benchmark from samples[0..n) (which it
// sorts), with `params` (a JSON object's text, or NULL) as its "params",
// and remembers its median for median_of.
void report(const char *name, int n, const char *params);
// The median a benchmark of this run reported, 0 when none did.
uint32_t median_of(const char *name);
// Prints "bench: <name>: <why>" (which makes `make bench` fail).
void bench_fail(const char *name, const char *why);

// Runs `op` warm times untimed, then n timed times, each between two
// counter reads; after each, untimed, `ok` (an expression) must hold, or
// the benchmark is reported failed.
#define BENCH_N(name, n, warm, params, op, ok)                                                     \
	do {                                                                                       \
		int bad_ = 0;                                                                      \
		for (int i_ = 0; i_ < (warm); i_++) {                                              \
			op;                                                                        \
			bad_ += !(ok);                                                             \
		}                                                                                  \
		for (int i_ = 0; i_ < (n); i_++) {                                                 \
			uint32_t t0_ = ccnt();                                                     \
			op;                                                                        \
			uint32_t t1_ = ccnt();                                                     \
			samples[i_] = t1_ - t0_ - overhead;                                        \
			bad_ += !(ok);                                                             \
		}                                                                                  \
		if (bad_)                                                                          \
			bench_fail(name, "an operation failed");                                   \
		report(name, n, params);                                                           \
	} while (0)

// A new kernel object of `type` in a free slot of the own table, 0 when
// that failed; delete_object deletes it and frees the slot.
uint32_t new_object(uint32_t type);
void delete_object(uint32_t slot);
// A capability to a new notification whose signals set bit 0 (badge 1), in
// *sig; the notification itself (to wait on) is the result, 0 on failure.
uint32_t new_notify(uint32_t *sig);

// The program's priority (threads it starts for a benchmark run at it or below).
extern uint32_t bench_prio;

// Start arguments of the parts a copy of the program plays (bench.c).
#define ECHO_ARG 1   // the echo server of the IPC benchmarks (ipc.c)
#define CLIENT_ARG 2 // a live memsrv client (memsrv.c)
#define CPUS_ARG 3   // a worker of the several-CPU benchmarks (memsrv_cpus.c)

// The groups of benchmarks (bench.c runs them in turn).
// ipc.c: IPC by message length, one way and round trip, with and without a
// capability, in one and across two address spaces.
void ipc_benches(void);
// ipc.c: notifications and the switch between threads of one space.
void notify_benches(void);
// kernel_window.c: a window of the program's own, mapped and cleared.
void kernel_window_benches(void);
// memsrv.c: memsrv's primitives through libs/highmem.
void memsrv_benches(void);
// memsrv.c: the same requests again with 4 and 16 live clients.
void memsrv_client_benches(void);
// memsrv_cpus.c: memsrv's requests from 1, 2 and 4 CPUs at once.
void memsrv_cpus_benches(void);
// memsrv.c: figures computed from this run's medians.
void derived_figures(void);

// The parts a copy of the program plays: the echo server of the endpoint
// in SLOT_GIFT (ipc.c), a live memsrv client (memsrv.c), a worker on a CPU
// of its own (memsrv_cpus.c).
int echo_main(void);
int memsrv_client_main(void);
int cpus_worker_main(void);
