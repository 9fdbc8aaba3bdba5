// The fuzzer's worker: FUZZ_BATCH random calls over every system call,
// invocation and memsrv request, from a generator seeded by (seed, batch).
//
// It may hurt itself only in ways the supervisor notices (a fault ends it,
// a wait that never ends is seen by the supervisor's watchdog), and it
// keeps the means to go on: capabilities init gave it and its echo thread
// are never destroyed, deleted or reconfigured, copies of them lose
// RIGHT_MANAGE and RIGHT_WRITE, its own space is mapped and windowed only
// in an area of its own, new threads run only in child spaces at a
// priority below the supervisor's watchdog, and the pages it lends to
// child spaces and windows are the last ones of its memory, which the
// runtime does not use. kmap_atomic by call is undone at once (a pinned
// worker's waiting IPC fails E_BUSY). What the kernel and memsrv must refuse
// (splitting or destroying SLOT_MEMORY or the console; a kmap_atomic sent
// without waiting for the answer) is tried and checked; memsrv's limits
// (init_spawn_limited in main.c) stop the worker hoarding its pages.
#include <stdio.h>
#include <string.h>

#include "abi/init.h"
#include "abi/memsrv.h"
#include "fuzz.h"
#include "highmem/client.h"
#include "user.h"
#include "worker.h"

// The state args.c shares (worker.h says what each is).
uint32_t rng, echo_rng;
uint32_t pool[POOL_MAX], npool;
uint32_t spaces[4], nspaces;
uint32_t windows[2], nwindows;
uint32_t threads[4], nthreads;
uint32_t notifies[2], nnotifies;
uint32_t replies[2], nreplies;
uint32_t echo_ep, echo_slot;
uint32_t wait_ep, pacer_slot;
uint8_t derived[CAP_SLOTS];
uint8_t echo_copy[CAP_SLOTS];
uint32_t mem_pages, my_prio, client_id;
struct held_block pages[PAGES_MAX];
uint32_t npages;
uint32_t vas[16], nvas;

// The call being made, for the failure report.
static struct {
	const char *kind;
	uint32_t nr, cap, info, mr[4];
} cur;

static uint32_t seed, batch, index_in_batch, failures, trace, made, answered_ok;

// Counts a failure of the current call and prints it, with why.
static void fail_call(const char *why)
{
	failures++;
	printf("fuzz: FAIL seed %u call %u (batch %u): %s nr %u cap %u info 0x%x mr 0x%x 0x%x 0x%x "
	       "0x%x: %s\n",
	       seed, batch * FUZZ_BATCH + index_in_batch, batch, cur.kind, cur.nr, cur.cap,
	       cur.info, cur.mr[0], cur.mr[1], cur.mr[2], cur.mr[3], why);
}

static void check(int err, uint32_t label_err)
{
	char why[64];

	answered_ok += !err && !label_err;
	if ((uint32_t)err < E_COUNT && label_err < E_COUNT)
		return;
	snprintf(why, sizeof why, "error %d, label %u: not a named error", err, label_err);
	fail_call(why);
}

static int do_syscall(uint32_t nr, uint32_t cap, struct msg *m)
{
	cur.nr = nr;
	cur.cap = cap;
	cur.info = m->info;
	memcpy(cur.mr, m->mr, sizeof cur.mr);
	index_in_batch = made++;
	if (trace) {
		printf("fuzz: call %u: %s nr %u cap %u info 0x%x mr 0x%x 0x%x 0x%x 0x%x\n",
		       batch * FUZZ_BATCH + index_in_batch, cur.kind, nr, cap, m->info, m->mr[0],
		       m->mr[1], m->mr[2], m->mr[3]);
		user_console_flush();
	}
	int err = hmk_syscall(nr, cap, m);
	if (trace)
		printf("fuzz: -> %s label %u\n", hmk_strerror(err), MSG_LABEL(m->info));
	return err;
}

// Bookkeeping after an invocation that worked.
static void invocation_done(uint32_t cap, uint32_t label, const uint32_t *w)
{
	struct msg m;

	if (cap == SLOT_SPACE && (label == SPACE_MINT || label == SPACE_CREATE)) {
		uint32_t d = label == SPACE_MINT ? w[0] : w[1];
		derived[d] = label == SPACE_MINT && kept(w[1]);
		echo_copy[d] = label == SPACE_MINT && w[1] < CAP_SLOTS &&
			       (w[1] == echo_ep || echo_copy[w[1]]);
	}
	if (cap == SLOT_SPACE && label == SPACE_DELETE && w[0] < CAP_SLOTS)
		derived[w[0]] = echo_copy[w[0]] = 0;
	if (label == THREAD_ATOMIC && w[0]) // pinned: unpinned at once
		hmk_invoke(cap, THREAD_ATOMIC, 4, 0, w[1], w[2], w[3], &m);
}

static void call_invocation(void)
{
	uint32_t label = pick_label(), cap = pick_target(label), w[4];
	uint32_t len = rnd_below(&rng, 8) ? 4 : rnd_below(&rng, MSG_MAX_WORDS + 2);
	struct msg m;

	uint32_t nr = SYS_CALL;

	if (slot_type(cap) == CAP_ENDPOINT)
		endpoint_guard(cap, &nr, &label);
	if (!invocation_args(cap, label, w))
		return;
	ipcbuf_fill(user_ipcbuf());
	user_ipcbuf()->cap_recv = 0;
	cur.kind = "invocation";
	m = (struct msg){ MSG_INFO(label, len), { w[0], w[1], w[2], w[3] }, 0 };
	if (rnd_below(&rng, 16) == 0)
		m.info |= MSG_CAP;
	int err = do_syscall(nr, cap, &m);
	check(err, 0);
	if (err == E_OK && must_refuse(cap, label, w))
		fail_call("the kernel let it split or destroy what it must keep");
	else if (err == E_OK)
		invocation_done(cap, label, w);
}

// --- raw system calls -------------------------------------------------------
static void call_syscall(void)
{
	uint32_t nr = rnd_below(&rng, 8) ? rnd_below(&rng, SYS_COUNT) : rnd(&rng);
	uint32_t cap = rnd_below(&rng, 3) ? pick_slot() : echo_ep;
	uint32_t label = rnd_below(&rng, 4) ? pick_label() : rnd(&rng) & 0xfffff;
	struct msg m = { MSG_INFO(label, rnd_below(&rng, MSG_MAX_WORDS + 2)) |
				 (rnd_below(&rng, 4) ? 0 : MSG_CAP) |
				 (rnd_below(&rng, 8) ? 0 : MSG_MAP),
			 { rword(), rword(), rword(), rword() },
			 0 };
	uint32_t type = slot_type(cap);

	ipcbuf_fill(user_ipcbuf());
	cur.kind = "syscall";
	switch (nr) {
	case SYS_CALL:
	case SYS_SEND:
	case SYS_NBSEND:
		if (type == CAP_ENDPOINT) {
			label = MSG_LABEL(m.info);
			endpoint_guard(cap, &nr, &label);
			m.info = (m.info & 0xfff) | label << 12;
		} else if (type != CAP_NOTIFY && type != CAP_REPLY) {
			uint32_t w[4];
			if (!invocation_args(cap, MSG_LABEL(m.info), w))
				return;
			memcpy(m.mr, w, sizeof w);
		}
		break;
	case SYS_RECV:
	case SYS_REPLY_RECV: nr = SYS_NBRECV; break;
	}
	uint32_t sent_label = MSG_LABEL(m.info), sent_mr0 = m.mr[0], pinned;
	int err = do_syscall(nr, cap, &m);
	check(err, 0);
	if (nr == SYS_CALL && type != CAP_ENDPOINT && err == E_OK &&
	    must_refuse(cap, sent_label, &sent_mr0))
		fail_call("the kernel let it split or destroy what it must keep");
	if ((nr == SYS_SEND || nr == SYS_NBSEND) && type == CAP_ENDPOINT &&
	    sent_label == MS_KMAP_ATOMIC &&
	    thread_atomic(SLOT_THREAD, ATOMIC_QUERY, &pinned) == E_OK && pinned) {
		fail_call("memsrv pinned a sender it cannot answer");
		thread_atomic(SLOT_THREAD, 0, NULL);
	}
}

// --- memsrv requests --------------------------------------------------------
static void page_forget(uint32_t pfn)
{
	for (uint32_t i = 0; i < npages; i++)
		if (pages[i].pfn == pfn) {
			pages[i] = pages[--npages];
			return;
		}
}

static void call_memsrv(void)
{
	uint32_t label = rnd_below(&rng, 16) ? 1 + rnd_below(&rng, MS_COUNT - 1) : rword();
	uint32_t n = 2, w[MSG_MAX_WORDS];
	struct msg m;

	for (int i = 0; i < MSG_MAX_WORDS; i++)
		w[i] = i < 8 || rnd_below(&rng, 4) ? rword() : 0;
	if (rnd_below(&rng, 6)) {
		switch (label) {
		case MS_ALLOC:
			w[0] = rnd_below(&rng, 8) ? rnd_below(&rng, 4) : rnd_below(&rng, 16);
			w[1] = rnd_below(&rng, 8) ? rnd_below(&rng, 2) : rword();
			break;
		case MS_SHARE: w[1] = rnd_below(&rng, 2) ? client_id : rnd_below(&rng, 16); break;
		case MS_VMAP:
		case MS_VMAP_MORE:
			if (label == MS_VMAP)
				w[0] = 1 + rnd_below(&rng, 16), w[1] = rnd_below(&rng, 16);
			else
				w[0] = pick_va();
			n = 2 + 2 * rnd_below(&rng, 8);
			for (uint32_t i = 2; i < n; i += 2)
				w[i] = pick_pfn(), w[i + 1] = rnd_below(&rng, 4);
			break;
		case MS_KMAP_LOCAL: // the mappings it says it holds: memsrv's count or wrong
			w[0] = pick_pfn(), w[1] = rnd_below(&rng, KMAP_LOCAL_MAX + 2);
			break;
		case MS_KMAP_ATOMIC: // no other atomic mapping: none held, or memsrv says
			w[0] = pick_pfn(), w[1] = rnd_below(&rng, 3);
			break;
		case MS_KMAP:
		case MS_KUNMAP: w[0] = pick_pfn(); break;
		case MS_VUNMAP: w[0] = pick_va(); break;
		}
	}
	if (label == MS_FREE && npages && rnd_below(&rng, 4)) {
		uint32_t i = rnd_below(&rng, npages);
		w[0] = pages[i].pfn, w[1] = pages[i].order;
	}
	if (label == MS_VMAP && rnd_below(&rng, 32) == 0)
		w[0] = 1 + rnd_below(&rng, 32768); // up to more than the vmap area holds
	n = rnd_below(&rng, 8) ? n : rnd_below(&rng, MSG_MAX_WORDS + 1);
	ipcbuf_fill(user_ipcbuf());
	for (uint32_t i = MSG_REG_WORDS; i < n; i++)
		user_ipcbuf()->mr[i] = w[i];
	if (kept(user_ipcbuf()->cap_recv))
		user_ipcbuf()->cap_recv = 0;
	cur.kind = "memsrv";
	m = (struct msg){ MSG_INFO(label, n) | (rnd_below(&rng, 16) ? 0 : MSG_CAP),
			  { w[0], w[1], w[2], w[3] },
			  0 };
	uint32_t ep = rnd_below(&rng, 4) && ms_thread_ep ? ms_thread_ep : SLOT_MEMSRV;
	int err = do_syscall(SYS_CALL, ep, &m);
	uint32_t answer = err ? 0 : MSG_LABEL(m.info);
	check(err, answer);
	if (err || answer)
		return;
	switch (label) {
	case MS_ALLOC:
		if (npages < PAGES_MAX && w[0] <= MEMSRV_MAX_ORDER) {
			pages[npages].pfn = m.mr[0];
			pages[npages++].order = w[0];
		}
		break;
	case MS_FREE: page_forget(w[0]); break;
	case MS_KMAP_ATOMIC: { // pinned until unmapped: at once
		uint32_t was;
		sys_unpin(&was);
		break;
	}
	case MS_KMAP_LOCAL:
	case MS_KMAP:
	case MS_VMAP: vas[nvas++ % 16] = m.mr[0]; break;
	}
}

// --- letting child threads run ---------------------------------------------
// The threads the worker starts in child spaces run below it, so only while
// it waits: it receives on wait_ep (their usual fault endpoint) until the
// pacer, a thread at their priority, has yielded PACER_YIELDS times to them
// and sent its message (the first one it receives may be an old one, so
// two). A fault report is answered at random: resumed elsewhere, retried,
// or left stopped. Child code cannot loop (setup fills it), so the pacer
// always gets its turn.
static void call_wait(void)
{
	struct msg m = { 0 };

	cur.kind = "wait";
	for (int pacer = 0; pacer < 2;) {
		user_ipcbuf()->cap_recv = 0;
		int err = do_syscall(SYS_RECV, wait_ep, &m);
		check(err, 0);
		if (err)
			return; // wait_ep deleted or destroyed
		if (MSG_LABEL(m.info) == PACER && m.badge == 0) {
			pacer++;
			continue;
		}
		if (rnd_below(&rng, 4) == 0)
			continue; // no answer: the caller stays blocked
		m.info = MSG_INFO(rnd_below(&rng, 4) ? FAULT_RESUME : rnd(&rng) & 0xfff,
				  rnd_below(&rng, 2));
		m.mr[0] = CHILD_VA + rnd_below(&rng, LEND_PAGES * PAGE_SIZE / 4) * 4;
		check(do_syscall(SYS_REPLY, 0, &m), 0);
	}
}

static void pacer_main(uint32_t arg)
{
	(void)arg;
	for (;;) {
		for (int i = 0; i < PACER_YIELDS; i++)
			sys_yield();
		struct msg m = { MSG_INFO(PACER, 0), { 0 }, 0 };
		if (sys_send(wait_ep, &m) != E_OK)
			return;
	}
}

// Code for child threads: svc #0, then an undefined instruction, over and
// over: a thread anywhere in it makes at most one system call and faults.
// Written into the pages lent to child spaces, through a mapping of our own.
static int child_code(void)
{
	uint32_t va = FUZZ_MAP_VA + (FUZZ_MAP_PAGES - LEND_PAGES) * PAGE_SIZE;
	int err = space_map(SLOT_SPACE, SLOT_MEMORY, mem_pages - LEND_PAGES, va, LEND_PAGES,
			    PROT_READ | PROT_WRITE);
	if (err)
		return err;
	uint32_t *w = (uint32_t *)va;
	for (uint32_t i = 0; i < LEND_PAGES * PAGE_SIZE / 4; i += 2) {
		w[i] = 0xef000000u;     // svc #0
		w[i + 1] = 0xe7f000f0u; // udf #0
	}
	err = space_unmap(SLOT_SPACE, va, LEND_PAGES);
	// The first child space runs it from the start.
	return err ? err
		   : space_map(spaces[0], SLOT_MEMORY, mem_pages - LEND_PAGES, CHILD_VA, LEND_PAGES,
			       PROT_READ | PROT_EXEC);
}

// --- the echo thread ----------------------------------------------------------
// Answers every message on echo_ep with random words, sometimes with a
// mapping (MSG_MAP); deletes what capability it received. Ends when its
// endpoint is gone.
static void echo_main(uint32_t arg)
{
	struct ipc_buffer *b = user_ipcbuf();
	struct msg m = { 0 };

	(void)arg;
	for (;;) {
		b->cap_recv = ECHO_RECV_SLOT;
		if (sys_recv(echo_ep, &m) != E_OK)
			return;
		if (m.info & MSG_CAP)
			space_delete(SLOT_SPACE, ECHO_RECV_SLOT);
		m.info = MSG_INFO(rnd(&echo_rng) & 0xff, rnd_below(&echo_rng, MSG_MAX_WORDS + 1));
		if (rnd_below(&echo_rng, 4) == 0) {
			m.info |= MSG_MAP;
			b->map[IPC_MAP_WINDOW] =
				nwindows ? windows[rnd_below(&echo_rng, nwindows)] : 0;
			b->map[IPC_MAP_FIRST] = rnd_below(&echo_rng, WINDOW_SLOTS + 4);
			b->map[IPC_MAP_RANGE] = SLOT_MEMORY;
			b->map[IPC_MAP_OFFSET] = mem_pages - 1 - rnd_below(&echo_rng, LEND_PAGES);
			b->map[IPC_MAP_WORD] = map_word(1, rnd_below(&echo_rng, 16));
		}
		if (sys_reply(&m) != E_OK) {
			m.info &= ~MSG_MAP;
			sys_reply(&m);
		}
	}
}

// --- set-up and the loop ------------------------------------------------------
static void pool_add(uint32_t type, uint32_t arg)
{
	uint32_t s = user_slot_alloc();

	if (!s || npool == POOL_MAX || space_create_at(SLOT_SPACE, type, s, arg))
		return;
	pool[npool++] = s;
	if (type == CAP_SPACE)
		spaces[nspaces++] = s;
	if (type == CAP_WINDOW)
		windows[nwindows++] = s;
	if (type == CAP_THREAD)
		threads[nthreads++] = s;
	if (type == CAP_NOTIFY)
		notifies[nnotifies++] = s;
	if (type == CAP_REPLY)
		replies[nreplies++] = s;
}

static int setup(void)
{
	struct msg m;
	struct user_thread echo, pacer;
	uint32_t stats[1];

	if (range_info(SLOT_MEMORY, NULL, &mem_pages) ||
	    thread_info(SLOT_THREAD, NULL, &my_prio, NULL))
		return E_INVAL;
	// Registers the program and this thread with memsrv.
	if (ms_request(MS_STATS, stats, 0, &m))
		return E_INVAL;
	client_id = ms_client_id();
	for (int i = 0; i < 3; i++)
		pool_add(CAP_ENDPOINT, 0);
	echo_ep = pool[0];
	pool_add(CAP_NOTIFY, 0);
	pool_add(CAP_NOTIFY, 0);
	pool_add(CAP_REPLY, 0);
	pool_add(CAP_WINDOW, 0);
	pool_add(CAP_WINDOW, 0);
	pool_add(CAP_SPACE, 32);
	pool_add(CAP_SPACE, 32);
	for (int i = 0; i < 3; i++)
		pool_add(CAP_THREAD, 0);
	if (npool < 13)
		return E_NOMEM;
	wait_ep = pool[1];
	int err = child_code();
	if (!err)
		err = thread_spawn(&echo, echo_main, 0, 2, my_prio, 0);
	echo_slot = err ? 0 : echo.slot;
	if (!err)
		err = thread_spawn(&pacer, pacer_main, 0, 1, CHILD_PRIO, 0);
	pacer_slot = err ? 0 : pacer.slot;
	return err;
}

int worker_main(uint32_t arg)
{
	struct msg m;

	seed = (arg >> 15) & FUZZ_SEED_MASK;
	trace = arg >> 15 & FUZZ_TRACE;
	batch = arg & 0x7fff;
	rng = (seed * 0x9e3779b9u) ^ (batch * 0x85ebca6bu) ^ 0x2545f491u;
	if (!rng)
		rng = 1;
	echo_rng = rng ^ 0x5bd1e995u;
	int err = setup();
	if (err) {
		printf("fuzz: worker of batch %u: set-up failed (%s)\n", batch, hmk_strerror(err));
		return 1;
	}
	while (made < FUZZ_BATCH) { // some draws make no call: the worker would not survive it
		uint32_t r = rnd_below(&rng, 16);

		if (r == 0 && rnd_below(&rng, 2))
			call_wait();
		else if (r < 7)
			call_invocation();
		else if (r < 11)
			call_syscall();
		else
			call_memsrv();
	}
	m = (struct msg){ MSG_INFO(FUZZ_DONE, 3), { made, failures, answered_ok }, 0 };
	user_ipcbuf()->cap_recv = 0;
	err = sys_call(SLOT_GIFT, &m);
	if (err)
		printf("fuzz: worker of batch %u cannot report (%s)\n", batch, hmk_strerror(err));
	return err;
}
