// The in-guest test suite: shared helpers. Each test is a function that
// returns NULL on success or a message saying what went wrong; the runner
// (main.c) cleans up every object a test registered, pass or fail.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "abi/abi.h"
#include "abi/init.h"
#include "abi/syscall.h"
#include "user.h"

#include "utest.h"

// --- capability slots and objects (util.c) ----------------------------------
// Slots of our table come from user_slot_alloc (libs/user/user.h); the
// runner's cleanup deletes and frees those registered with defer_slot (the
// *_new helpers do that).
// Registers a slot to be deleted (and freed) after the current test.
void defer_slot(uint32_t slot);
// A slot kept free of other allocations until the test ends; whatever
// lands in it then is deleted.
uint32_t slot_reserve(void);
// Forgets a registered slot the test deleted itself (and frees it).
void undefer_slot(uint32_t slot);
// Registers a mapping of our space to be removed after the current test.
void defer_unmap(uint32_t va, uint32_t npages);
// Runs the registered clean-ups, newest first; returns how many failed.
int cleanup_run(void);

// SPACE_CREATE on `space` of an object of `type` into a new registered slot;
// the error (E_OK: *slot is set).
int obj_new_in(uint32_t space, uint32_t type, uint32_t arg, uint32_t *slot);
// The same on our own space; 0 when that fails.
uint32_t ep_new(void);
uint32_t notify_new(void);
// SPACE_MINT of `src` into a new registered slot of our own table.
int mint(uint32_t src, uint32_t rights, uint32_t badge, uint32_t *slot);

// Our own priority (read once at start).
extern uint32_t my_prio;

// The calling thread's IPC buffer (main thread or a tthread).
struct ipc_buffer *ipcbuf(void);

// --- helper threads in our own space ---------------------------------------
// struct tthread (utest.h), destroyed after the test.
// A running thread at `prio` with fault endpoint slot `fault_ep` (0: none)
// and arg[0..1] = a0, a1, destroyed after the test. NULL on failure (the
// error in *err).
struct tthread *tt_run(tthread_fn fn, uint32_t prio, uint32_t fault_ep, uint32_t a0, uint32_t a1,
		       int *err);
struct tthread *tt_start(tthread_fn fn, uint32_t prio, uint32_t a0, uint32_t a1, int *err);

// A bare thread (no runtime block: system calls and memory only) in our
// table, configured into `space`, not started; its slot is deleted after the
// test, so the test may destroy it as it likes.
int bare_create(void (*fn)(uint32_t), uint32_t arg, uint32_t space, uint32_t prio,
		uint32_t fault_ep, uint32_t *slot);
// The IPC buffer address of the newest bare thread.
extern uint32_t bare_last_ipcbuf;
// bare_create in our space, then THREAD_RESUME.
int bare_start(void (*fn)(uint32_t), uint32_t arg, uint32_t prio, uint32_t *slot);

// Blocks in SYS_RECV on `ep`, with a watchdog thread at the lowest priority
// that sends label WATCHDOG_LABEL on `ep` when nothing else can run for a
// long while (so a test that would hang fails instead).
#define WATCHDOG_LABEL 0xdead
int recv_watchdog(uint32_t ep, struct msg *m);
// Replies with *m, then waits on `ep` as recv_watchdog does (sys_reply_recv,
// the IPC fastpath's reply).
int reply_recv_watchdog(uint32_t ep, struct msg *m);

// A message with a label and up to four register words.
static inline struct msg msg_make(uint32_t label, uint32_t len, uint32_t a, uint32_t b, uint32_t c,
				  uint32_t d)
{
	struct msg m = { MSG_INFO(label, len), { a, b, c, d }, 0 };
	return m;
}

// The generic timer's virtual count and its frequency (Hz), which the
// kernel lets user space read: a clock for tests that bound a delay.
static inline uint64_t counter_now(void)
{
	uint64_t v;
	__asm__ volatile("isb\n\tmrrc p15, 1, %Q0, %R0, c14" : "=r"(v)::"memory");
	return v;
}
static inline uint32_t counter_freq(void)
{
	uint32_t f;
	__asm__ volatile("mrc p15, 0, %0, c14, c0, 0" : "=r"(f));
	return f;
}

// Takes the pages scratch_page hands out from the runtime (once, at start).
int scratch_init(void);
// One page of RAM of ours for mapping tests: a range slot and page offset
// that nobody else maps. 0 when none could be found.
int scratch_page(uint32_t *range, uint32_t *offset);
// A free virtual page of our scratch area, different at each call.
uint32_t scratch_va(uint32_t npages);

// --- the test tables of each file ------------------------------------------
extern const struct test syscall_tests[], ipc_tests[], caps_tests[], space_tests[], thread_tests[],
	fault_tests[], notify_tests[], quota_tests[], sched_tests[], kill_tests[], reply_tests[],
	irq_tests[], window_tests[], reply_map_tests[], lifetime_tests[], smp_tests[];
// A copy of the suite spawned with a non-zero argument runs this and exits.
int lifetime_child(uint32_t arg);
