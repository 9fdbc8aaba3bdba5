// What the in-guest test suites share (servers/tests/kernel, servers/tests/memsrv): a
// test is a function returning NULL on success or a message saying what
// went wrong; the macros below build that message and return it. Waits are
// bounded, so that a test that would hang fails instead.
#pragma once

#include <stdint.h>

#include "abi/syscall.h"
#include "user.h"

struct test {
	const char *(*fn)(void);
	const char *name;
};

// Prints "ok - name" or "FAIL - name: why" and counts it in *passed or
// *failed; a test whose `why` starts with TEST_SKIP could not run here: it
// prints "skip - name: why" and counts in neither.
#define TEST_SKIP "skip: "
void test_result(const char *name, const char *why, int *passed, int *failed);
// A test that needs a second CPU is skipped on one.
#define NEEDS_2_CPUS()                                                                             \
	do {                                                                                       \
		if (console_cpus(SLOT_CONSOLE) < 2)                                                \
			return TEST_SKIP "needs 2 CPUs";                                           \
	} while (0)

// Formats a failure message into a static buffer (one test at a time).
const char *fail_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

// Checks an error code; on mismatch the test returns a message naming the
// call, the file and line, what came back and what was expected.
#define EXPECT(call, want)                                                                         \
	do {                                                                                       \
		int _r = (call), _w = (want);                                                      \
		if (_r != _w)                                                                      \
			return fail_fmt("%s:%d: %s -> %s, expected %s", __FILE__, __LINE__, #call, \
					hmk_strerror(_r), hmk_strerror(_w));                       \
	} while (0)
// The same where the ABI allows either of two errors.
#define EXPECT2(call, w1, w2)                                                                      \
	do {                                                                                       \
		int _r = (call);                                                                   \
		if (_r != (w1) && _r != (w2))                                                      \
			return fail_fmt("%s:%d: %s -> %s, expected %s or %s", __FILE__, __LINE__,  \
					#call, hmk_strerror(_r), hmk_strerror(w1),                 \
					hmk_strerror(w2));                                         \
	} while (0)
#define OK(call) EXPECT(call, E_OK)
#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond))                                                                       \
			return fail_fmt(__VA_ARGS__);                                              \
	} while (0)
// Returns the message of a sub-check that failed.
#define TRY(expr)                                                                                  \
	do {                                                                                       \
		const char *_m = (expr);                                                           \
		if (_m)                                                                            \
			return _m;                                                                 \
	} while (0)

// Bound on every polling wait: yields of the waiting thread.
#define WAIT_YIELDS 20000

// Yields until *flag != 0 or WAIT_YIELDS pass: nonzero when it became set.
int wait_flag(volatile int *flag);
// Yields until a word reaches a value (or the bound passes): nonzero when it did.
int wait_word(volatile uint32_t *w, uint32_t value);
// Polls an endpoint with SYS_NBRECV, yielding in between: the error of the
// last try (E_AGAIN: nothing came within the bound).
int poll_recv(uint32_t ep, struct msg *m);
// Timer ticks since boot (100 a second; CONSOLE_STATS MR2), 0 when the
// kernel does not say.
uint32_t ticks(void);
// Yields until n ticks have passed.
void tick_wait(uint32_t n);

// A helper thread in the test's own space: the test hands arguments in
// arg[] and reads results from out[], rc, done.
struct tthread;
typedef void (*tthread_fn)(struct tthread *);
struct tthread {
	struct user_thread ut;
	uint32_t slot; // its thread capability
	tthread_fn fn;
	volatile uint32_t arg[4];
	volatile uint32_t out[8];
	volatile int rc;
	volatile int started, done;
};
#define TT_STACK_PAGES 2
// Starts t running fn(t) at `prio` with arg[0..1] = a0, a1 and fault
// endpoint slot `fault_ep` (0: none), with the runtime's thread_spawn. The
// suite registers its own clean-up. E_OK or thread_spawn's error.
int tthread_start(struct tthread *t, tthread_fn fn, uint32_t prio, uint32_t fault_ep, uint32_t a0,
		  uint32_t a1);
