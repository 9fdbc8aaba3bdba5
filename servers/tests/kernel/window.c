// Windows (the kernel's mechanism under memsrv): binding, mapping frames of
// a range into slots, clearing, a thread window private to its thread,
// THREAD_ATOMIC pins, INV_WATCH and bound notifications.
#include <stdio.h>

#include "tests.h"

#define WIN_VA_SPACE 0x3c000000u  // test windows bound to a space
#define WIN_VA_THREAD 0x3e000000u // this space's thread-window region

static int win_new(uint32_t *slot)
{
	return obj_new_in(SLOT_SPACE, CAP_WINDOW, 0, slot);
}

static const char *test_window_errors(void)
{
	uint32_t w, range, off, ro;
	struct msg m;

	OK(win_new(&w));
	CHECK(scratch_page(&range, &off), "no scratch page");
	EXPECT(window_bind(w, 7, SLOT_SPACE, WIN_VA_SPACE), E_INVAL);
	EXPECT(window_bind(w, WIN_SPACE, SLOT_SPACE, WIN_VA_SPACE + 4096), E_RANGE);
	EXPECT(window_bind(w, WIN_SPACE, SLOT_SPACE, 0xc0000000u), E_RANGE);
	EXPECT(window_bind(w, WIN_SPACE, SLOT_THREAD, WIN_VA_SPACE), E_TYPE);
	EXPECT(window_bind(w, WIN_SPACE, SLOT_SPACE, 0), E_RANGE); // page 0 stays unmapped
	// Where our own pages are mapped (the heap), no window goes.
	EXPECT(window_bind(w, WIN_SPACE, SLOT_SPACE, USER_HEAP_BASE), E_BUSY);
	EXPECT(window_map(w, 0, range, off, 1, PROT_EXEC), E_PERM);
	EXPECT(window_map(w, 0, range, off, 0, PROT_READ), E_INVAL);
	EXPECT(window_map(w, 511, range, off, 2, PROT_READ), E_RANGE);
	EXPECT(window_map(w, 512, range, off, 1, PROT_READ), E_RANGE);
	EXPECT(window_map(w, 0, range, 0xffffff, 1, PROT_READ), E_RANGE);
	EXPECT(window_map(w, 0, SLOT_CONSOLE, off, 1, PROT_READ), E_TYPE);
	OK(mint(range, RIGHT_READ, 0, &ro));
	EXPECT(window_map(w, 0, ro, off, 1, PROT_READ | PROT_WRITE), E_PERM);
	OK(window_map(w, 0, ro, off, 1, PROT_READ));
	EXPECT(window_clear(w, 0, 0), E_RANGE);
	EXPECT(window_clear(w, 500, 13), E_RANGE);
	OK(window_clear(w, 0, 1));
	EXPECT(hmk_invoke(w, 0x7ff, 0, 0, 0, 0, 0, &m), E_NOSYS);
	return 0;
}

// A thread that reads one word at arg[0] (reporting it in out[0]).
static void reader(struct tthread *t)
{
	t->out[0] = *(volatile uint32_t *)t->arg[0];
	t->out[1] = 1;
}

// Waits for a data abort at `addr` on endpoint ep; leaves the thread stopped.
static const char *expect_dabort(uint32_t ep, uint32_t addr)
{
	struct msg m = { 0 };

	OK(poll_recv(ep, &m));
	CHECK(MSG_LABEL(m.info) == FAULT_DABORT, "fault label %#x, wanted a data abort",
	      MSG_LABEL(m.info));
	CHECK(m.mr[2] == addr, "fault address %#x, wanted %#x", m.mr[2], addr);
	struct msg r = msg_make(0, 0, 0, 0, 0, 0); // not resumed: it stays stopped
	OK(sys_reply(&r));
	return 0;
}

static const char *test_window_space(void)
{
	uint32_t w, range, off, va = scratch_va(1), ep = ep_new(), used, kind, spaces, wva;
	int e;

	CHECK(ep && scratch_page(&range, &off), "no endpoint or scratch page");
	OK(win_new(&w));
	OK(window_bind(w, WIN_SPACE, SLOT_SPACE, WIN_VA_SPACE));
	EXPECT(window_bind(w, WIN_SPACE, SLOT_SPACE, WIN_VA_SPACE), E_BUSY);
	// Nothing of our own may be mapped in the window's region.
	EXPECT(space_map(SLOT_SPACE, range, off, WIN_VA_SPACE + 4096, 1, PROT_READ | PROT_WRITE),
	       E_BUSY);
	// The same frame through a plain mapping and through slot 3 of the window.
	OK(space_map(SLOT_SPACE, range, off, va, 1, PROT_READ | PROT_WRITE));
	defer_unmap(va, 1);
	OK(window_map(w, 3, range, off, 1, PROT_READ | PROT_WRITE));
	volatile uint32_t *plain = (volatile uint32_t *)va,
			  *win = (volatile uint32_t *)(WIN_VA_SPACE + 3 * 4096);
	plain[5] = 0x600dcafe;
	CHECK(win[5] == 0x600dcafe, "window reads %#x", win[5]);
	win[6] = 0xfeed;
	CHECK(plain[6] == 0xfeed, "plain mapping reads %#x", plain[6]);
	OK(window_info(w, &kind, &wva, &spaces, &used));
	CHECK(kind == WIN_SPACE && wva == WIN_VA_SPACE && spaces == 1 && used == 1,
	      "info kind %u va %#x spaces %u used %u", kind, wva, spaces, used);
	// Cleared, the slot faults: the TLB forgot it.
	OK(window_clear(w, 3, 1));
	struct tthread *t = tt_run(reader, my_prio, ep, WIN_VA_SPACE + 3 * 4096, 0, &e);
	CHECK(t, "thread: %s", hmk_strerror(e));
	TRY(expect_dabort(ep, WIN_VA_SPACE + 3 * 4096));
	// Destroyed, the window leaves the space: the region can be mapped again.
	OK(inv_destroy(w));
	OK(space_map(SLOT_SPACE, range, off, WIN_VA_SPACE, 1, PROT_READ));
	OK(space_unmap(SLOT_SPACE, WIN_VA_SPACE, 1));
	return 0;
}

static const char *test_window_shared(void)
{
	uint32_t w, child, spaces;

	OK(obj_new_in(SLOT_SPACE, CAP_SPACE, 16, &child));
	OK(win_new(&w));
	OK(window_bind(w, WIN_SPACE, SLOT_SPACE, WIN_VA_SPACE));
	EXPECT(window_bind(w, WIN_SPACE, child, WIN_VA_SPACE + WINDOW_SIZE), E_INVAL);
	OK(window_bind(w, WIN_SPACE, child, WIN_VA_SPACE));
	OK(window_info(w, NULL, NULL, &spaces, NULL));
	CHECK(spaces == 2, "bound in %u spaces", spaces);
	// The child dies first: the window stays good for us, and forgets it.
	OK(inv_destroy(child));
	OK(window_info(w, NULL, NULL, &spaces, NULL));
	CHECK(spaces == 1, "bound in %u spaces after the child died", spaces);
	OK(inv_destroy(w));
	return 0;
}

static const char *test_window_thread(void)
{
	uint32_t w, range, off, va = scratch_va(1), ep = ep_new(), fep;
	int e;

	CHECK(ep && scratch_page(&range, &off), "no endpoint or scratch page");
	OK(space_map(SLOT_SPACE, range, off, va, 1, PROT_READ | PROT_WRITE));
	defer_unmap(va, 1);
	*(volatile uint32_t *)(va + 8) = 0x10ca1;
	OK(mint(ep, RIGHT_WRITE, 0, &fep));
	// The owner: its window shows the frame at slot 2.
	struct tthread *owner = tt_start(reader, my_prio, WIN_VA_THREAD + 2 * 4096 + 8, 0, &e);
	CHECK(owner, "thread: %s", hmk_strerror(e));
	OK(thread_suspend(owner->slot));
	OK(win_new(&w));
	EXPECT(window_bind(w, WIN_THREAD, owner->slot, WIN_VA_THREAD + 1), E_RANGE);
	OK(window_bind(w, WIN_THREAD, owner->slot, WIN_VA_THREAD));
	EXPECT(window_bind(w, WIN_THREAD, owner->slot, WIN_VA_THREAD), E_BUSY);
	OK(window_map(w, 2, range, off, 1, PROT_READ));
	// A sibling in the same space faults on the very address.
	struct tthread *sib = tt_run(reader, my_prio, fep, WIN_VA_THREAD + 2 * 4096 + 8, 0, &e);
	CHECK(sib, "thread: %s", hmk_strerror(e));
	TRY(expect_dabort(ep, WIN_VA_THREAD + 2 * 4096 + 8));
	// The owner, resumed, reads it (it had not started reading: the
	// suspend came first, or its read ran before the bind and faulted).
	OK(thread_resume(owner->slot));
	CHECK(wait_word(&owner->out[1], 1), "owner never read");
	CHECK(owner->out[0] == 0x10ca1, "owner read %#x through its window", owner->out[0]);
	OK(inv_destroy(w));
	return 0;
}

static volatile uint32_t views_go;

// Once views_go is set, reads the word at arg[0] 100000 times, yielding
// every 256 reads, and counts those that are not arg[1]: out[0] the count,
// out[2] the last wrong value, out[1] = 1 when done.
static void view_reader(struct tthread *t)
{
	volatile uint32_t *p = (volatile uint32_t *)t->arg[0];
	uint32_t bad = 0;

	while (!views_go)
		sys_yield();
	for (uint32_t n = 0; n < 100000; n++) {
		uint32_t v = *p;
		if (v != t->arg[1]) {
			bad++;
			t->out[2] = v;
		}
		if ((n & 255) == 0)
			sys_yield();
	}
	t->out[0] = bad;
	t->out[1] = 1;
}

// Several CPUs: kmap_local's privacy in hardware. Threads of one space share
// its tables, so each CPU sees the thread-window region through a view of
// its own. Thread A on CPU 1 and thread B on CPU 0 (where this thread runs
// too: B's window goes in and out as the two take turns) each read slot 2
// of their own window at once, and each only ever sees its own frame. A
// third thread of the space, without a window, faults at the same address
// on CPU 0 meanwhile. (With one shared region, the switches on CPU 0 take
// A's window away from CPU 1: A faults or reads B's frame.)
static const char *test_window_views(void)
{
	uint32_t wa, wb, ra, oa, rb, ob, va = scratch_va(2), ep = ep_new(), fep;
	uint32_t addr = WIN_VA_THREAD + 2 * 4096 + 8;
	int e;

	NEEDS_2_CPUS();
	CHECK(ep && scratch_page(&ra, &oa) && scratch_page(&rb, &ob), "no endpoint or pages");
	OK(space_map(SLOT_SPACE, ra, oa, va, 1, PROT_READ | PROT_WRITE));
	OK(space_map(SLOT_SPACE, rb, ob, va + 4096, 1, PROT_READ | PROT_WRITE));
	defer_unmap(va, 2);
	*(volatile uint32_t *)(va + 8) = 0xaaaa;
	*(volatile uint32_t *)(va + 4096 + 8) = 0xbbbb;
	OK(mint(ep, RIGHT_WRITE, 0, &fep));
	views_go = 0;
	struct tthread *a = tt_start(view_reader, my_prio, addr, 0xaaaa, &e);
	CHECK(a, "thread: %s", hmk_strerror(e));
	struct tthread *b = tt_start(view_reader, my_prio, addr, 0xbbbb, &e);
	CHECK(b, "thread: %s", hmk_strerror(e));
	OK(win_new(&wa));
	OK(win_new(&wb));
	OK(window_bind(wa, WIN_THREAD, a->slot, WIN_VA_THREAD));
	OK(window_bind(wb, WIN_THREAD, b->slot, WIN_VA_THREAD));
	OK(window_map(wa, 2, ra, oa, 1, PROT_READ));
	OK(window_map(wb, 2, rb, ob, 1, PROT_READ));
	OK(thread_set_cpu(a->slot, 1));
	views_go = 1;
	struct tthread *sib = tt_run(reader, my_prio, fep, addr, 0, &e);
	CHECK(sib, "thread: %s", hmk_strerror(e));
	TRY(expect_dabort(ep, addr));
	CHECK(wait_word(&a->out[1], 1), "the reader on CPU 1 never finished");
	CHECK(wait_word(&b->out[1], 1), "the reader on CPU 0 never finished");
	CHECK(a->out[0] == 0, "CPU 1: %u reads of another frame (last %#x)", a->out[0], a->out[2]);
	CHECK(b->out[0] == 0, "CPU 0: %u reads of another frame (last %#x)", b->out[0], b->out[2]);
	OK(inv_destroy(wa));
	OK(inv_destroy(wb));
	return 0;
}

static volatile uint32_t pin_state[4];

// Pinned (by the test, before it runs), it checks what it may not do.
static void pinned_thread(struct tthread *t)
{
	struct msg m = { 0 };
	t->out[0] = (uint32_t)sys_yield();
	t->out[1] = (uint32_t)sys_recv(t->arg[0], &m);
	m = msg_make(1, 0, 0, 0, 0, 0);
	t->out[2] = (uint32_t)sys_send(t->arg[0], &m);
	t->out[3] = (uint32_t)sys_nbrecv(t->arg[0], &m);
	t->out[4] = 1;
}

static const char *test_atomic_pin(void)
{
	uint32_t w, ep = ep_new(), ro;
	int e;

	CHECK(ep, "no endpoint");
	OK(win_new(&w));
	struct tthread *t = tt_start(pinned_thread, my_prio, ep, 0, &e);
	CHECK(t, "thread: %s", hmk_strerror(e));
	OK(mint(t->slot, RIGHT_READ, 0, &ro));
	EXPECT(thread_atomic_pin(ro, w, 16, 1), E_PERM);
	EXPECT(thread_atomic_pin(t->slot, w, 510, 3), E_RANGE);
	EXPECT(thread_atomic_pin(t->slot, SLOT_SPACE, 16, 1), E_TYPE);
	OK(thread_atomic_pin(t->slot, w, 16, 1));
	CHECK(wait_word(&t->out[4], 1), "pinned thread never finished");
	EXPECT((int)t->out[0], E_BUSY);  // yield
	EXPECT((int)t->out[1], E_BUSY);  // a recv that would wait
	EXPECT((int)t->out[2], E_BUSY);  // a send that would wait
	EXPECT((int)t->out[3], E_AGAIN); // never waits: allowed
	OK(thread_atomic(t->slot, 0, NULL));
	return 0;
}

// Spins while pinned, counting how often the test's main thread ran.
static void spinner(struct tthread *t)
{
	uint32_t seen = pin_state[0], others = 0;
	for (uint32_t i = 0; i < 200000000u && !pin_state[1]; i++) {
		if (pin_state[0] != seen) { // main ran while we were pinned
			others++;
			seen = pin_state[0];
		}
		if (pin_state[2])
			break; // the kernel unpinned us: main says so
	}
	t->out[0] = others;
	t->out[1] = 1;
}

static const char *test_atomic_overrun(void)
{
	uint32_t w, range, off, used;
	int e;

	CHECK(scratch_page(&range, &off), "no scratch page");
	OK(win_new(&w));
	OK(window_map(w, 16, range, off, 1, PROT_READ));
	pin_state[0] = pin_state[1] = pin_state[2] = 0;
	struct tthread *t = tt_start(spinner, my_prio, 0, 0, &e);
	CHECK(t, "thread: %s", hmk_strerror(e));
	OK(thread_atomic_pin(t->slot, w, 16, 1));
	// We run again only once the kernel unpinned the spinner (after
	// ATOMIC_LIMIT_TICKS): it must have seen no run of ours before.
	sys_yield();
	pin_state[0]++;
	pin_state[2] = 1;
	CHECK(wait_word(&t->out[1], 1), "spinner never finished");
	CHECK(t->out[0] <= 1, "main ran %u times while the spinner was pinned", t->out[0]);
	OK(window_info(w, NULL, NULL, NULL, &used));
	CHECK(used == 0, "%u slots still mapped: the overrun did not reclaim the atomic slot",
	      used);
	return 0;
}

// Re-pins itself every 20 ms for up to 3 s; after its third pin it makes
// the test's main thread (of higher priority) ready with a send.
static volatile uint64_t repin_woke_at;
static volatile uint32_t repin_woke_tick;
static volatile uint32_t repin_stop;

static void repinner(struct tthread *t)
{
	uint64_t step = counter_freq() / 50;
	struct msg m;
	int e;

	for (uint32_t i = 0; i < 150 && !repin_stop; i++) {
		e = thread_atomic_pin(t->slot, t->arg[1], 16, 1);
		if (e) {
			t->out[0]++; // refused
			t->out[1] = (uint32_t)e;
		}
		if (i == 2) {
			m = msg_make(1, 0, 0, 0, 0, 0);
			uint32_t tick = 0;
			console_stats(user_env.console, NULL, NULL, &tick);
			repin_woke_tick = tick;
			repin_woke_at = counter_now();
			t->out[2] = (uint32_t)sys_nbsend(t->arg[0], &m);
		}
		for (uint64_t end = counter_now() + step; counter_now() < end && !repin_stop;)
			;
	}
	thread_atomic(t->slot, 0, NULL);
	m = msg_make(2, 0, 0, 0, 0, 0);
	sys_send(t->arg[0], &m); // unpinned: the test waits for this
}

// Earlier pins of this program may have spent its pinned-time budget: waits
// until it has earned all of it back (freq: the counter's, non-zero).
static void budget_refill(uint32_t freq)
{
	for (uint64_t end = counter_now() +
			    (uint64_t)freq * (ATOMIC_LIMIT_TICKS + 1) * ATOMIC_REFILL_TICKS / 100;
	     counter_now() < end;)
		;
}

static const char *test_atomic_repin(void)
{
	uint32_t w, ep = ep_new(), freq = counter_freq();
	struct msg m = { 0 };
	int e;

	CHECK(ep, "no endpoint");
	CHECK(freq, "no counter frequency");
	OK(win_new(&w));
	budget_refill(freq);
	repin_stop = 0;
	repin_woke_at = 0;
	struct tthread *t = tt_start(repinner, my_prio - 1, ep, w, &e);
	CHECK(t, "thread: %s", hmk_strerror(e));
	OK(recv_watchdog(ep, &m));
	uint64_t now = counter_now();
	uint32_t tick = 0;
	OK(console_stats(user_env.console, NULL, NULL, &tick));
	// It ran out of pinned time: a pin is refused until it earns some back.
	int again = thread_atomic_pin(t->slot, w, 16, 1);
	repin_stop = 1;
	CHECK(MSG_LABEL(m.info) == 1, "woken by label %#x, not the repinner's send",
	      MSG_LABEL(m.info));
	OK(recv_watchdog(ep, &m));
	CHECK(MSG_LABEL(m.info) == 2, "repinner did not stop (label %#x)", MSG_LABEL(m.info));
	CHECK(repin_woke_at && t->out[2] == E_OK, "repinner's send: %s",
	      hmk_strerror((int)t->out[2]));
	// Ready from its send on, we must run within the pinned-time budget
	// (ATOMIC_LIMIT_TICKS) and a tick of slack, whatever it re-pins. The
	// budget is kept in kernel ticks, so the wait is measured in ticks: a
	// loaded host that stalls QEMU moves the wall clock (and the counter)
	// on without ticking, which says nothing about the kernel.
	uint32_t waited_ms = (uint32_t)((now - repin_woke_at) * 1000 / freq);
	uint32_t waited_ticks = tick - repin_woke_tick;
	printf("# THREAD_ATOMIC re-pinned: the ready thread ran after %u ticks (%u ms), %u pin(s) "
	       "refused\n",
	       waited_ticks, waited_ms, t->out[0]);
	CHECK(waited_ticks <= ATOMIC_LIMIT_TICKS + 2,
	      "a ready higher-priority thread waited %u ticks (%u ms) behind a re-pinning one (%u "
	      "pins refused)",
	      waited_ticks, waited_ms, t->out[0]);
	CHECK(t->out[0] == 0 || t->out[1] == E_AGAIN, "a pin refused with %s, not E_AGAIN",
	      hmk_strerror((int)t->out[1]));
	CHECK(again == E_AGAIN, "a pin with the budget spent: %s, not E_AGAIN",
	      hmk_strerror(again));
	return 0;
}

static void idle_thread(uint32_t arg)
{
	(void)arg;
	for (;;)
		sys_yield();
}

static const char *test_watch(void)
{
	uint32_t n = notify_new(), ro, word;
	struct msg m;

	CHECK(n, "no notification");
	uint32_t t;
	OK(bare_create(idle_thread, 0, SLOT_SPACE, my_prio, 0, &t)); // configured, never started
	OK(mint(t, RIGHT_WRITE, 0, &ro));
	EXPECT(inv_watch(ro, n, 0x40), E_PERM);
	EXPECT(hmk_invoke(t, INV_WATCH, 1, n, 0, 0, 0, &m), E_INVAL);
	OK(inv_watch(t, n, 0x40));
	EXPECT(inv_watch(t, n, 0x80), E_BUSY);
	OK(notify_poll(n, &word));
	CHECK(word == 0, "word %#x before the death", word);
	OK(inv_destroy(t));
	OK(notify_poll(n, &word));
	CHECK(word == 0x40, "word %#x after the death, wanted 0x40", word);
	return 0;
}

static void bound_receiver(struct tthread *t)
{
	struct msg m = { 0 };
	t->rc = sys_recv(t->arg[0], &m);
	t->out[0] = MSG_LABEL(m.info);
	t->out[1] = m.badge;
	t->out[2] = 1;
}

static const char *test_bound_notify(void)
{
	uint32_t ep = ep_new(), n = notify_new(), sig;
	struct msg m;
	int e;

	CHECK(ep && n, "no endpoint or notification");
	OK(mint(n, RIGHT_WRITE, 0x5, &sig));
	struct tthread *t = tt_start(bound_receiver, my_prio, ep, 0, &e);
	CHECK(t, "thread: %s", hmk_strerror(e));
	OK(thread_bind_notify(t->slot, n));
	EXPECT(thread_bind_notify(SLOT_THREAD, n), E_BUSY);
	for (int i = 0; i < 10; i++)
		sys_yield();
	CHECK(!t->out[2], "receiver did not wait");
	m = msg_make(0, 0, 0, 0, 0, 0);
	OK(sys_send(sig, &m)); // signal
	CHECK(wait_word(&t->out[2], 1), "the signal did not end the receive");
	OK(t->rc);
	CHECK(t->out[0] == MSG_LABEL_NOTIFY && t->out[1] == 0x5, "label %#x badge %#x", t->out[0],
	      t->out[1]);
	// A signal already there ends the next receive at once.
	OK(sys_send(sig, &m));
	OK(thread_bind_notify(SLOT_THREAD, 0));
	OK(thread_bind_notify(t->slot, 0));
	OK(thread_bind_notify(SLOT_THREAD, n));
	m = (struct msg){ 0 };
	OK(sys_recv(ep, &m));
	CHECK(MSG_LABEL(m.info) == MSG_LABEL_NOTIFY && m.badge == 0x5, "label %#x badge %#x",
	      MSG_LABEL(m.info), m.badge);
	OK(thread_bind_notify(SLOT_THREAD, 0));
	return 0;
}

const struct test window_tests[] = {
	{ test_window_errors, "WINDOW_BIND/MAP/CLEAR errors" },
	{ test_window_space,
	  "window in a space: same frame as a plain mapping, cleared slot faults" },
	{ test_window_shared, "one window in two spaces" },
	{ test_window_thread, "thread window: its thread reads it, a sibling faults" },
	{ test_window_views,
	  "thread windows on two CPUs at once: each sees its own, a sibling faults" },
	{ test_atomic_pin, "THREAD_ATOMIC: no yield, no waiting IPC" },
	{ test_atomic_overrun, "THREAD_ATOMIC overrun: unpinned, atomic slots reclaimed" },
	{ test_atomic_repin, "THREAD_ATOMIC re-pinned every 20 ms: a ready higher priority still "
			     "runs within the bound" },
	{ test_watch, "INV_WATCH signals a death" },
	{ test_bound_notify, "bound notification ends a receive" },
	{ 0, 0 },
};

// A caller asking for a mapping: the reply (MSG_MAP) maps and answers at once.
static void map_asker(struct tthread *t)
{
	struct msg m = msg_make(1, 0, 0, 0, 0, 0);
	t->rc = sys_call(t->arg[0], &m);
	t->out[0] = *(volatile uint32_t *)(WIN_VA_SPACE + 7 * 4096 + 16);
	t->out[1] = 1;
}

static const char *test_reply_map(void)
{
	uint32_t w, range, off, va = scratch_va(1), ep = ep_new();
	struct ipc_buffer *ipc = ipcbuf();
	struct msg m;
	int e;

	CHECK(ep && scratch_page(&range, &off), "no endpoint or scratch page");
	OK(space_map(SLOT_SPACE, range, off, va, 1, PROT_READ | PROT_WRITE));
	defer_unmap(va, 1);
	*(volatile uint32_t *)(va + 16) = 0x3a9;
	OK(win_new(&w));
	OK(window_bind(w, WIN_SPACE, SLOT_SPACE, WIN_VA_SPACE));
	// Only a reply may carry MSG_MAP.
	m = msg_make(1, 0, 0, 0, 0, 0);
	m.info |= MSG_MAP;
	EXPECT(sys_nbsend(ep, &m), E_INVAL);
	struct tthread *t = tt_start(map_asker, my_prio, ep, 0, &e);
	CHECK(t, "thread: %s", hmk_strerror(e));
	OK(poll_recv(ep, &m));
	// A refused mapping (no such window) sends nothing: the caller still waits.
	ipc_buffer_map(ipc, CAP_SLOTS - 1, 7, range, off, 1, PROT_READ);
	m = msg_make(0, 0, 0, 0, 0, 0);
	m.info |= MSG_MAP;
	EXPECT(sys_reply(&m), E_CAP);
	ipc->map[IPC_MAP_WINDOW] = w;
	ipc->map[IPC_MAP_WORD] = map_word(1, PROT_EXEC);
	m = msg_make(0, 0, 0, 0, 0, 0);
	m.info |= MSG_MAP;
	EXPECT(sys_reply(&m), E_PERM);
	CHECK(!t->out[1], "the caller went on after a refused mapping");
	ipc->map[IPC_MAP_WORD] = map_word(1, PROT_READ);
	m = msg_make(0, 0, 0, 0, 0, 0);
	m.info |= MSG_MAP;
	OK(sys_reply(&m));
	CHECK(wait_word(&t->out[1], 1), "caller never came back");
	OK(t->rc);
	CHECK(t->out[0] == 0x3a9, "read %#x through the mapping its reply made", t->out[0]);
	OK(inv_destroy(w));
	return 0;
}

// A caller whose reply maps into its own thread window and pins it
// (MAP_PIN): it reads the page, yields (refused while pinned), unpins.
static void pin_asker(struct tthread *t)
{
	struct msg m = msg_make(1, 0, 0, 0, 0, 0);
	uint32_t was = 0;

	t->rc = sys_call(t->arg[0], &m);
	t->out[0] = *(volatile uint32_t *)(WIN_VA_THREAD + 5 * 4096 + 16);
	t->out[1] = (uint32_t)sys_yield();
	t->out[2] = (uint32_t)sys_unpin(&was);
	t->out[3] = was;
	t->out[4] = (uint32_t)sys_yield();
	t->out[5] = 1;
}

static const char *test_reply_pin(void)
{
	uint32_t w, wsp, range, off, va = scratch_va(1), ep = ep_new(), was = 7;
	uint32_t freq = counter_freq();
	struct ipc_buffer *ipc = ipcbuf();
	struct msg m;
	int e;

	CHECK(ep && scratch_page(&range, &off), "no endpoint or scratch page");
	CHECK(freq, "no counter frequency");
	budget_refill(freq);
	OK(space_map(SLOT_SPACE, range, off, va, 1, PROT_READ | PROT_WRITE));
	defer_unmap(va, 1);
	*(volatile uint32_t *)(va + 16) = 0x9e2;
	// SYS_UNPIN of a thread that is not pinned: nothing to end.
	OK(sys_unpin(&was));
	CHECK(was == 0, "SYS_UNPIN says an unpinned thread was pinned (%u)", was);
	// MAP_PIN belongs to replies: an invocation with it is malformed.
	OK(win_new(&wsp));
	OK(window_bind(wsp, WIN_SPACE, SLOT_SPACE, WIN_VA_SPACE));
	EXPECT(window_map(wsp, 5, range, off, 1, PROT_READ | MAP_PIN), E_INVAL);
	struct tthread *t = tt_start(pin_asker, my_prio, ep, 0, &e);
	CHECK(t, "thread: %s", hmk_strerror(e));
	OK(poll_recv(ep, &m));
	OK(win_new(&w));
	OK(window_bind(w, WIN_THREAD, t->slot, WIN_VA_THREAD));
	// Only the caller's own thread window pins it: not a space's window,
	// and nothing goes out (the caller still waits).
	ipc_buffer_map(ipc, wsp, 5, range, off, 1, PROT_READ | MAP_PIN);
	m = msg_make(0, 0, 0, 0, 0, 0);
	m.info |= MSG_MAP;
	EXPECT(sys_reply(&m), E_PERM);
	CHECK(!t->out[5], "the caller went on after a refused pin");
	ipc_buffer_map(ipc, w, 5, range, off, 1, PROT_READ | MAP_PIN);
	m = msg_make(0, 0, 0, 0, 0, 0);
	m.info |= MSG_MAP;
	OK(sys_reply(&m));
	CHECK(wait_word(&t->out[5], 1), "caller never came back");
	OK(t->rc);
	CHECK(t->out[0] == 0x9e2, "read %#x through the mapping its reply made", t->out[0]);
	EXPECT((int)t->out[1], E_BUSY); // pinned by the reply
	OK((int)t->out[2]);
	CHECK(t->out[3] == 1, "SYS_UNPIN says the reply did not pin (%u)", t->out[3]);
	OK((int)t->out[4]); // unpinned: it may give way again
	OK(inv_destroy(w));
	OK(inv_destroy(wsp));
	return 0;
}

const struct test reply_map_tests[] = {
	{ test_reply_map,
	  "a reply with MSG_MAP maps before it answers; refused, it sends nothing" },
	{ test_reply_pin, "MAP_PIN: a reply pins its caller through the caller's own window only; "
			  "SYS_UNPIN ends it and says whether it held" },
	{ 0, 0 },
};
