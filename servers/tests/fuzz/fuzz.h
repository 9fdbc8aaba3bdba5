// The in-guest fuzzer: random system calls, invocations and memsrv
// requests with random slots, labels, lengths and arguments, biased toward
// values that look valid so that they get past the first checks.
//
// One program, two roles, told apart by its start argument:
//  - the supervisor (started by init with "run=fuzz:ARG", ARG = seed in bits
//    0..14, FUZZ_TRACE, thousands of calls in bits 16..30, 0 for 20): runs the campaign
//    as batches, each in a worker program it spawns, restarts after a worker
//    that died or hung, checks the system after every batch (an IPC round
//    trip, an alloc/kmap_local/free through memsrv, the kernel's LOWMEM) and
//    prints one summary line;
//  - a worker (argument FUZZ_WORKER | (seed | FUZZ_TRACE) << 15 | batch): FUZZ_BATCH calls
//    from a generator seeded by (seed, batch), so that any batch is replayed
//    exactly. A call answered with an error that has no name in abi.h is a
//    failure, printed with the seed and the campaign's call index. With
//    FUZZ_TRACE, the worker prints each call before it makes it (to find
//    the call a worker hangs or dies in).
#pragma once

#include <stdint.h>

#include "abi/abi.h"
#include "abi/syscall.h"

#define FUZZ_WORKER (1u << 31)
#define FUZZ_SEED_MASK 0x7fffu
#define FUZZ_TRACE 0x8000u
#define FUZZ_BATCH 1000u       // calls per worker
#define FUZZ_WORKER_PAGES 256u // a worker's memsrv limits (reached often)
#define FUZZ_WORKER_MAPS 64u
#define FUZZ_DEFAULT_KCALLS 20u
#define FUZZ_DONE 0xf0          // label of the worker's report to the supervisor
#define FUZZ_MAP_VA 0x30000000u // own-space pages the fuzzer may map and unmap
#define FUZZ_MAP_PAGES 0x4000u  // (64 MiB)
#define FUZZ_WIN_VA 0x34000000u // and where it may bind windows (32 of 2 MiB)
#define FUZZ_WIN_COUNT 32u
#define FUZZ_LAND_FIRST 192u // slots where created and received capabilities land

// xorshift32: small, and the same sequence on every build.
static inline uint32_t rnd(uint32_t *s)
{
	uint32_t x = *s;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x;
}

// Uniform in [0, n) (n > 0).
static inline uint32_t rnd_below(uint32_t *s, uint32_t n)
{
	return rnd(s) % n;
}

// The worker's run (worker.c): returns the number of failures.
int worker_main(uint32_t arg);
