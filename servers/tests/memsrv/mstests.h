// mstests: the memory server's in-guest suite. Each test is a function that
// returns NULL on success or a message saying what went wrong; the runner
// (main.c) undoes what a test left registered, pass or fail, and then checks
// that memsrv is back where it was (free pages, no mapping, no page owned).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "abi/init.h"
#include "abi/memsrv.h"
#include "highmem/highmem.h"
#include "user.h"
#include "utest.h"

// A library call returning a pointer must fail with `want` in highmem_errno.
#define EXPECT_NULL(call, want)                                                                    \
	do {                                                                                       \
		void *_p = (void *)(call);                                                         \
		if (_p || highmem_errno != (want))                                                 \
			return fail_fmt("%s:%d: %s -> %p (%s), expected NULL with %s", __FILE__,   \
					__LINE__, #call, _p, hmk_strerror(highmem_errno),          \
					hmk_strerror(want));                                       \
	} while (0)

#define PFN_4G 0x100000u // the first frame above 4 GiB

// Start arguments of mstests itself (init starts the suite with 0): the
// mode in bits 0..7, a parameter above.
enum ms_mode {
	MODE_SUITE = 0,
	MODE_VICTIM = 1,
	MODE_PREHELLO = 2,
	MODE_VMAPPER = 3,
	MODE_LIMITED = 4,
	MODE_FLOOD = 5,
	MODE_SAMPLED = 6, // the sampled integrity check alone ("run=mstests:6")
	MODE_UNWATCHED = 7,
};
#define MODE_ARG(mode, param) ((uint32_t)(mode) | (uint32_t)(param) << 8)

// --- the word every test writes into a page (util.c) -----------------------
// A value no other page or salt gives: what page pfn holds at word i.
static inline uint32_t page_word(pfn_t pfn, uint32_t i, uint32_t salt)
{
	return (pfn * 0x9e3779b1u) ^ (i * 0x01000193u) ^ salt;
}
void page_fill(void *va, pfn_t pfn, uint32_t salt);
// 1 when the page at va holds page_fill(pfn, salt) in full.
int page_holds(const void *va, pfn_t pfn, uint32_t salt);

// --- memsrv through the library, undone after the test (util.c) ------------
// alloc_pages, registered to be freed after the test. E_OK or the error.
int t_alloc(unsigned order, uint32_t flags, page_t *page);
// __free_pages of a block t_alloc gave, unregistered. E_OK or the error.
int t_free(page_t page, unsigned order);
// kmap / kmap_local_page / vmap whose unmap is registered; NULL on failure.
void *t_kmap(page_t page);
void *t_kmap_local(page_t page);
void *t_vmap(const page_t *pages, unsigned count, uint32_t prot);
// Registers a kunmap_local of va for after the test (in mapping order).
void undo_kunmap_local(const void *va);
// Registers a vunmap of a vmap made by hand.
void undo_vunmap(uint32_t va);
// The unmaps, unregistering them. E_OK or the error.
int t_kunmap(page_t page);
int t_kunmap_local(const void *va);
int t_vunmap(const void *va);

// MS_STATS of this client (the library's view), or a failing test.
int stats(struct highmem_stats *st);

// --- raw requests (util.c) -------------------------------------------------
// One call of `label` with words w[0..n) on endpoint ep (SLOT_MEMSRV or a
// thread's capability), sending capability `cap` (0: none) and taking one
// into slot `recv` (0: none). Returns the kernel's error, else memsrv's
// answer; *r holds the reply's registers (MR4.. in the IPC buffer).
int ms_call(uint32_t ep, uint32_t label, const uint32_t *w, uint32_t n, uint32_t cap, uint32_t recv,
	    struct msg *r);
// The same with up to two words and no capability.
int ms_call2(uint32_t ep, uint32_t label, uint32_t n, uint32_t a0, uint32_t a1, struct msg *r);

// --- children: this program again (util.c) ------------------------------------
// init_spawn of mstests with start argument arg (and a capability in its
// SLOT_GIFT when gift is not 0), killed after the test unless waited for.
int child_spawn(uint32_t arg, uint32_t gift, uint32_t *id);
// The same with its memsrv limits lowered (init_spawn_limited).
int child_spawn_limited(uint32_t arg, uint32_t gift, uint32_t ms_pages, uint32_t ms_maps,
			uint32_t *id);
// INIT_WAIT, polled at most WAIT_YIELDS times: E_OK with its exit status
// (-9: killed, -1: faulted), E_AGAIN while it runs on, or init's error.
int child_wait(uint32_t id, int *status);

// --- capability slots and clean-up (util.c) -------------------------------
// A free slot of our table, deleted and freed after the test.
uint32_t t_slot(void);
// A new object of `type` made from our space (arg as SPACE_CREATE), its
// slot registered. E_OK or the error.
int t_create(uint32_t type, uint32_t arg, uint32_t *slot);
// SPACE_MINT of our `src` into a new registered slot.
int t_mint(uint32_t src, uint32_t rights, uint32_t badge, uint32_t *slot);
// Runs the registered clean-ups, newest first; returns how many failed.
int cleanup_run(void);

// --- helper threads in our own space (util.c) ------------------------------
// struct tthread (utest.h), destroyed after the test.
// A running thread at our priority, faults to fault_ep (0: none).
struct tthread *tt_run(tthread_fn fn, uint32_t fault_ep, uint32_t a0, uint32_t a1, int *err);
// Destroys it now (before the clean-up), and yields so memsrv reaps it.
int tt_kill(struct tthread *t);
extern uint32_t my_prio;

// THREAD_INFO state of a thread (TS_*), or ~0u.
uint32_t thread_state(uint32_t slot);

// --- accesses that may fault (probe.c) ------------------------------------
// In a helper thread whose faults go to an endpoint served by serve_probes:
// one load (store) at addr; 0 when it went through (*word read), 1 when it
// took a data abort there (the thread goes on after it).
int probe_load(const volatile uint32_t *addr, uint32_t *word);
int probe_store(volatile uint32_t *addr, uint32_t word);
int probe_at(struct tthread *t, uint32_t addr, uint32_t *word);
int probe_store_at(struct tthread *t, uint32_t addr, uint32_t word);
#define PROBE_ADDR 7 // out[] of the probing thread: the address being probed
#define PROBE_DFSR 6 // and the fault status of its last abort
// Long-descriptor DFSR: a translation fault (nothing mapped, levels 1..3),
// a permission fault.
#define DFSR_TRANSLATION(s) (((s)&0x3cu) == 0x04u)
#define DFSR_PERMISSION(s) (((s)&0x3cu) == 0x0cu)
// Answers the probe faults of t arriving on ep until t is done (or *until
// is set). NULL, or a message when t faulted elsewhere or never finished.
const char *serve_probes(uint32_t ep, struct tthread *t, volatile uint32_t *until);
// Reads each address of addrs[0..n) (n <= 512) from a new helper thread:
// faulted[i] = 1 when the read took a translation fault at exactly that
// address, else value[i] = the word. NULL, or what went wrong.
const char *probe_reads(const uint32_t *addrs, uint32_t n, uint32_t *value, uint8_t *faulted);
// The same from a helper thread on CPU `cpu` (it moves there first).
const char *probe_reads_on(uint32_t cpu, const uint32_t *addrs, uint32_t n, uint32_t *value,
			   uint8_t *faulted);
// One address: 1 when it faults, 0 when it reads (the word into *value),
// -1 when the probe itself failed (the message in *why).
int probe_faults(uint32_t addr, uint32_t *value, const char **why);

// --- the test tables of each file -------------------------------------------
extern const struct test pages_tests[], local_tests[], pool_tests[], vmap_tests[], proto_tests[],
	client_tests[], isolation_tests[], integrity_tests[], sampled_tests[], smp_tests[];

// main.c: the child modes (clients.c).
int victim_main(uint32_t param);
int prehello_main(uint32_t param);
int unwatched_main(uint32_t npages);
// isolation.c
int vmapper_main(uint32_t param);
int limited_main(uint32_t param);
int flood_main(uint32_t count);
