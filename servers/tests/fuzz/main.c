// fuzz: the in-guest random-call fuzzer (fuzz.h). This file is the
// supervisor: it runs the campaign batch by batch, each in a worker
// program, checks the system after each, and ends with one line
//   fuzz: N calls (K answered E_OK), seed S, F failures, D worker deaths, H hangs,
//         lowmem_used first/last AK/BK (max MK), memsrv free pages first/last P/Q
// then "fuzz: ok" or "fuzz: FAIL ..." (exit status: the number of failures).
#include <stdio.h>
#include <string.h>

#include "abi/init.h"
#include "abi/memsrv.h"
#include "fuzz.h"
#include "highmem/highmem.h"
#include "user.h"

#define WATCHDOG 0xf1 // label of the watchdog's message
#define WATCHDOG_YIELDS 2000
#define WATCHDOG_PRIO 1   // below the workers' child threads and their pacer (2)
#define LOWMEM_SLACK_K 64 // what the kernel's LOWMEM may differ by between two batches' ends

static uint32_t report_ep, echo_ep;
static volatile uint32_t wd_gen;

// Runs only when every other thread of the supervisor and its worker is
// blocked: that is what a worker that hangs looks like.
static void watchdog_main(uint32_t arg)
{
	(void)arg;
	for (;;) {
		uint32_t gen = wd_gen;
		for (int i = 0; i < WATCHDOG_YIELDS; i++)
			sys_yield();
		struct msg m = { MSG_INFO(WATCHDOG, 1), { gen }, 0 };
		sys_send(report_ep, &m);
	}
}

// Answers each call on echo_ep with its words plus one.
static void echo_main(uint32_t arg)
{
	struct msg m = { 0 };

	(void)arg;
	if (sys_recv(echo_ep, &m))
		return;
	for (;;) {
		for (int i = 0; i < MSG_REG_WORDS; i++)
			m.mr[i]++;
		m.info = MSG_INFO(0, MSG_REG_WORDS);
		if (sys_reply_recv(echo_ep, &m))
			return;
	}
}

static uint32_t lowmem_used(void)
{
	uint32_t kib;

	return console_stats(SLOT_CONSOLE, &kib, NULL, NULL) == E_OK ? kib : 0;
}

static uint32_t memsrv_free(void)
{
	struct highmem_stats st;

	return highmem_stats(&st) == E_OK ? st.free_pages : 0;
}

// The checks after each batch: an IPC round trip, a page through memsrv
// written and read back in a kmap_local, the page freed. NULL when all
// went well, else what failed.
static const char *sanity(uint32_t batch)
{
	struct msg m = { MSG_INFO(1, 4), { batch, 1, 2, 3 }, 0 };
	page_t page;

	if (sys_call(echo_ep, &m) != E_OK || m.mr[0] != batch + 1 || m.mr[3] != 4)
		return "IPC round trip";
	if (alloc_page(0, &page) != E_OK)
		return "alloc_page";
	volatile uint32_t *p = kmap_local_page(page);
	if (!p)
		return "kmap_local_page";
	p[0] = batch;
	p[1023] = ~batch;
	int ok = p[0] == batch && p[1023] == ~batch;
	if (kunmap_local((const void *)p) != E_OK || !ok)
		return ok ? "kunmap_local" : "page read back";
	if (__free_page(page) != E_OK)
		return "__free_page";
	return NULL;
}

// One worker's batch. Returns 1 when it reported, 0 when it died or hung
// (*hung says which); *calls, *oks (calls answered E_OK) and *fails grow by
// what it reported.
static int run_batch(uint32_t seed, uint32_t batch, uint32_t *calls, uint32_t *oks, uint32_t *fails,
		     int *hung)
{
	uint32_t gift = user_slot_alloc(), id;
	struct msg m = { 0 };
	int err, status, reported = 0;

	*hung = 0;
	err = space_mint(SLOT_SPACE, gift, report_ep, RIGHT_WRITE | RIGHT_GRANT, batch + 1);
	if (!err)
		err = init_spawn_limited("fuzz", FUZZ_WORKER | seed << 15 | batch, gift,
					 FUZZ_WORKER_PAGES, FUZZ_WORKER_MAPS, &id);
	space_delete(SLOT_SPACE, gift);
	user_slot_free(gift);
	if (err) {
		printf("fuzz: FAIL seed %u batch %u: cannot start a worker (%s)\n", seed, batch,
		       hmk_strerror(err));
		(*fails)++;
		return 0;
	}
	wd_gen++;
	for (;;) {
		user_ipcbuf()->cap_recv = 0;
		if (sys_recv(report_ep, &m) != E_OK)
			continue;
		uint32_t label = MSG_LABEL(m.info);
		if (label == FUZZ_DONE && m.badge == batch + 1) {
			*calls += m.mr[0];
			*fails += m.mr[1];
			*oks += m.mr[2];
			reported = 1;
			m.info = 0;
			sys_reply(&m);
			break;
		}
		if (label == WATCHDOG && m.badge == 0 && m.mr[0] == wd_gen)
			break; // every thread blocked, or the worker is gone
	}
	if (!reported) {
		// Still there (INIT_WAIT answers E_AGAIN): it hangs.
		struct msg w = { MSG_INFO(INIT_WAIT, 1), { id }, 0 };
		*hung = sys_call(SLOT_INIT, &w) == E_OK && MSG_LABEL(w.info) == E_AGAIN;
		if (*hung)
			init_kill(id);
	}
	err = init_wait(id, &status);
	if (*hung)
		printf("fuzz: batch %u: worker hung (every thread blocked), killed\n", batch);
	else if (!reported)
		printf("fuzz: batch %u: worker ended (status %d) without reporting\n", batch,
		       err == E_OK ? status : -1);
	return reported;
}

int main(void)
{
	struct user_thread wd, echo;

	if (user_arg & FUZZ_WORKER)
		return worker_main(user_arg);

	uint32_t seed = user_arg & (FUZZ_SEED_MASK | FUZZ_TRACE),
		 kcalls = (user_arg >> 16) & 0x7fff;
	uint32_t batches = (kcalls ? kcalls : FUZZ_DEFAULT_KCALLS) * 1000 / FUZZ_BATCH, prio;
	uint32_t calls = 0, oks = 0, fails = 0, deaths = 0, hangs = 0;
	uint32_t low_first = 0, low_last = 0, low_max = 0, ms_first = 0, ms_last = 0;

	if (thread_info(SLOT_THREAD, NULL, &prio, NULL))
		return 1;
	report_ep = user_slot_alloc();
	echo_ep = user_slot_alloc();
	if (space_create_at(SLOT_SPACE, CAP_ENDPOINT, report_ep, 0) ||
	    space_create_at(SLOT_SPACE, CAP_ENDPOINT, echo_ep, 0) || prio <= WATCHDOG_PRIO ||
	    thread_spawn(&wd, watchdog_main, 0, 1, WATCHDOG_PRIO, 0) ||
	    thread_spawn(&echo, echo_main, 0, 1, prio, 0)) {
		printf("fuzz: FAIL: set-up (priority %u)\n", prio);
		return 1;
	}
	printf("fuzz: seed %u, %u batches of %u calls\n", seed, batches, FUZZ_BATCH);
	for (uint32_t b = 0; b < batches; b++) {
		int hung;

		if (!run_batch(seed, b, &calls, &oks, &fails, &hung))
			hung ? hangs++ : deaths++;
		const char *bad = sanity(b);
		if (bad) {
			printf("fuzz: FAIL seed %u after batch %u: sanity check: %s\n", seed, b,
			       bad);
			fails++;
		}
		low_last = lowmem_used();
		low_max = low_last > low_max ? low_last : low_max;
		ms_last = memsrv_free();
		if (b == 0)
			low_first = low_last, ms_first = ms_last;
		if (batches >= 10 && (b + 1) % (batches / 10) == 0)
			printf("fuzz: batch %u/%u, %u calls, %u failures, %u deaths, %u hangs, "
			       "lowmem_used %uK, memsrv free pages %u\n",
			       b + 1, batches, calls, fails, deaths, hangs, low_last, ms_last);
	}
	// memsrv reclaims a dead client's pages when the kernel tells it: give
	// it the time to.
	for (int i = 0; i < 1000 && ms_last != ms_first; i++) {
		sys_yield();
		ms_last = memsrv_free();
	}
	printf("fuzz: %u calls (%u answered E_OK), seed %u, %u failures, %u worker deaths, %u "
	       "hangs, "
	       "lowmem_used first/last %uK/%uK (max %uK), memsrv free pages first/last %u/%u\n",
	       calls, oks, seed, fails, deaths, hangs, low_first, low_last, low_max, ms_first,
	       ms_last);
	if (low_last > low_first + LOWMEM_SLACK_K) {
		printf("fuzz: FAIL: the kernel's LOWMEM grew by %uK over the campaign\n",
		       low_last - low_first);
		fails++;
	}
	if (ms_last != ms_first) {
		printf("fuzz: FAIL: memsrv has %d free pages fewer than after the first batch\n",
		       (int)(ms_first - ms_last));
		fails++;
	}
	printf(fails ? "fuzz: FAIL\n" : "fuzz: ok\n");
	return (int)fails;
}
