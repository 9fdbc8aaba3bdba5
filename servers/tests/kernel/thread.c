// Threads: create, configure, registers, resume, suspend, priority, info.
#include "tests.h"

static volatile uint32_t regs_seen[3];

static void regs_fn(uint32_t arg)
{
	regs_seen[0] = arg;
	regs_seen[2] = 1;
}

static const char *test_new_thread_info(void)
{
	uint32_t t = 0, st, prio, faults;
	OK(obj_new_in(SLOT_SPACE, CAP_THREAD, 0, &t));
	OK(thread_info(t, &st, &prio, &faults));
	CHECK(st == TS_INACTIVE && faults == 0, "new thread: state %u faults %u", st, faults);
	// Not configured: nothing to resume.
	EXPECT2(thread_resume(t), E_INVAL, E_BUSY);
	return 0;
}

static const char *test_configure_errors(void)
{
	struct msg m = { 0 };
	uint32_t t = 0, empty = slot_reserve(), st;
	CHECK(empty, "no slot");
	OK(obj_new_in(SLOT_SPACE, CAP_THREAD, 0, &t));
	uint32_t va = scratch_va(1);
	EXPECT(thread_configure(t, empty, va, 0, 1), E_CAP);
	EXPECT(thread_configure(t, SLOT_SPACE, va, empty, 1), E_CAP);
	EXPECT(hmk_invoke(t, THREAD_CONFIGURE, 3, SLOT_SPACE, va, 0, 0, &m), E_INVAL);
	EXPECT2(thread_configure(t, SLOT_SPACE, va + 4, 0, 1), E_RANGE, E_INVAL);
	EXPECT(thread_configure(t, SLOT_SPACE, 0xc0000000u, 0, 1), E_RANGE);
	EXPECT(thread_configure(t, SLOT_SPACE, 0xfffff000u, 0, 1), E_RANGE);
	// Already mapped: our own IPC buffer's page.
	EXPECT(thread_configure(t, SLOT_SPACE, USER_IPCBUF_VA, 0, 1), E_BUSY);
	if (my_prio < PRIO_MAX)
		EXPECT2(thread_configure(t, SLOT_SPACE, va, 0, my_prio + 1), E_PERM, E_INVAL);
	// None of that configured it; this does, once.
	OK(thread_info(t, &st, 0, 0));
	CHECK(st == TS_INACTIVE, "state %u", st);
	OK(thread_configure(t, SLOT_SPACE, va, 0, 1));
	EXPECT(thread_configure(t, SLOT_SPACE, scratch_va(1), 0, 1), E_BUSY);
	return 0;
}

static const char *test_write_regs_resume(void)
{
	uint32_t t, prio;
	regs_seen[0] = regs_seen[2] = 0;
	OK(bare_start(regs_fn, 0x1234abcd, my_prio, &t));
	CHECK(wait_word(&regs_seen[2], 1), "thread never ran");
	CHECK(regs_seen[0] == 0x1234abcd, "r1 arrived as %#x", regs_seen[0]);
	OK(thread_info(t, 0, &prio, 0));
	CHECK(prio == my_prio, "priority %u, configured %u", prio, my_prio);
	// Once running, its registers are not ours to write.
	uint32_t st;
	OK(thread_info(t, &st, 0, 0));
	if (st != TS_STOPPED) // it may have stopped itself already
		EXPECT(thread_write_regs(t, 0, 0, 0, 0), E_BUSY);
	return 0;
}

static void spinner(struct tthread *t)
{
	while (!t->arg[0]) {
		t->out[0]++;
		sys_yield();
	}
}

static const char *test_suspend_resume(void)
{
	int e;
	uint32_t st;
	struct tthread *t = tt_start(spinner, my_prio, 0, 0, &e);
	CHECK(t, "thread: %s", hmk_strerror(e));
	for (int i = 0; i < 100 && t->out[0] < 10; i++)
		sys_yield();
	CHECK(t->out[0] >= 10, "spinner did not run (%u)", t->out[0]);
	OK(thread_suspend(t->slot));
	OK(thread_info(t->slot, &st, 0, 0));
	CHECK(st == TS_STOPPED, "suspended thread in state %u", st);
	uint32_t c = t->out[0];
	for (int i = 0; i < 100; i++)
		sys_yield();
	CHECK(t->out[0] == c, "suspended thread ran (%u -> %u)", c, t->out[0]);
	OK(thread_suspend(t->slot)); // again: no change
	OK(thread_resume(t->slot));
	EXPECT(thread_resume(t->slot), E_BUSY);
	for (int i = 0; i < 100 && t->out[0] < c + 10; i++)
		sys_yield();
	CHECK(t->out[0] >= c + 10, "resumed thread did not run");
	t->arg[0] = 1;
	CHECK(wait_flag(&t->done), "spinner did not end");
	return 0;
}

static volatile uint32_t recv_rc[2];

static void blocked_receiver(uint32_t ep)
{
	struct msg m = { 0 };
	recv_rc[0] = (uint32_t)sys_recv(ep, &m);
	recv_rc[1] = 1;
}

// Suspending a thread in an IPC ends the IPC with E_DEAD for it.
static const char *test_suspend_in_ipc(void)
{
	struct msg m = { 0 };
	uint32_t ep = ep_new(), t, st = 0;
	CHECK(ep, "no endpoint");
	recv_rc[0] = recv_rc[1] = 0;
	OK(bare_start(blocked_receiver, ep, my_prio, &t));
	for (int i = 0; i < WAIT_YIELDS && st != TS_BLOCKED; i++) {
		sys_yield();
		OK(thread_info(t, &st, 0, 0));
	}
	CHECK(st == TS_BLOCKED, "receiver never blocked (state %u)", st);
	OK(thread_suspend(t));
	OK(thread_info(t, &st, 0, 0));
	CHECK(st == TS_STOPPED, "state %u after suspend", st);
	// It left the endpoint's queue: nobody receives now.
	m = msg_make(1, 0, 0, 0, 0, 0);
	EXPECT(sys_nbsend(ep, &m), E_AGAIN);
	OK(thread_resume(t));
	CHECK(wait_word(&recv_rc[1], 1), "receiver did not go on after resume");
	CHECK(recv_rc[0] == E_DEAD, "its recv returned %s, expected E_DEAD",
	      hmk_strerror((int)recv_rc[0]));
	return 0;
}

static const char *test_set_prio(void)
{
	struct msg m = { 0 };
	int e;
	uint32_t prio;
	struct tthread *t = tt_start(spinner, my_prio, 0, 0, &e);
	CHECK(t, "thread: %s", hmk_strerror(e));
	OK(thread_set_prio(t->slot, my_prio - 1));
	OK(thread_info(t->slot, 0, &prio, 0));
	CHECK(prio == my_prio - 1, "priority %u after setting %u", prio, my_prio - 1);
	OK(thread_set_prio(t->slot, my_prio));
	if (my_prio < PRIO_MAX)
		EXPECT(thread_set_prio(t->slot, my_prio + 1), E_PERM);
	EXPECT2(thread_set_prio(t->slot, PRIO_MAX + 1), E_INVAL, E_PERM);
	EXPECT(hmk_invoke(t->slot, THREAD_SET_PRIO, 0, 0, 0, 0, 0, &m), E_INVAL);
	OK(thread_info(t->slot, 0, &prio, 0));
	CHECK(prio == my_prio, "priority %u after refused changes", prio);
	t->arg[0] = 1;
	CHECK(wait_flag(&t->done), "spinner did not end");
	return 0;
}

static const char *test_destroy_thread(void)
{
	uint32_t t;
	regs_seen[2] = 0;
	OK(bare_create(regs_fn, 0, SLOT_SPACE, my_prio, 0, &t));
	OK(inv_destroy(t));
	EXPECT(thread_info(t, 0, 0, 0), E_DEAD);
	EXPECT(inv_identify(t, 0, 0, 0), E_DEAD);
	EXPECT(thread_resume(t), E_DEAD);
	for (int i = 0; i < 50; i++)
		sys_yield();
	CHECK(regs_seen[2] == 0, "destroyed thread ran");
	// The dead capability can still be deleted.
	return 0;
}

// From a thread below our priority: nothing above its own priority.
static void low_prio_ops(struct tthread *t)
{
	struct msg m = { 0 };
	uint32_t own = my_prio - 10;
	t->out[0] = (uint32_t)thread_configure(t->arg[1], SLOT_SPACE, t->out[3], 0, own + 1);
	t->out[1] = (uint32_t)thread_set_prio(t->slot, own + 1);
	t->out[2] = (uint32_t)thread_set_prio(t->slot, own - 1);
	m = msg_make(1, 0, 0, 0, 0, 0);
	sys_send(t->arg[0], &m);
}

static const char *test_prio_above_own(void)
{
	int e;
	uint32_t ep = ep_new(), victim = 0, prio;
	CHECK(ep, "no endpoint");
	CHECK(my_prio >= 12, "own priority %u too low for this test", my_prio);
	OK(obj_new_in(SLOT_SPACE, CAP_THREAD, 0, &victim));
	struct tthread *t = tt_run(low_prio_ops, my_prio - 10, 0, ep, victim, &e);
	CHECK(t, "thread: %s", hmk_strerror(e));
	t->out[3] = scratch_va(1);
	struct msg m = { 0 };
	OK(recv_watchdog(ep, &m));
	CHECK(MSG_LABEL(m.info) == 1, "the low-priority thread never reported");
	CHECK(t->out[0] == E_PERM, "THREAD_CONFIGURE above own priority -> %s, expected E_PERM",
	      hmk_strerror((int)t->out[0]));
	CHECK(t->out[1] == E_PERM, "THREAD_SET_PRIO above own priority -> %s, expected E_PERM",
	      hmk_strerror((int)t->out[1]));
	CHECK(t->out[2] == E_OK, "THREAD_SET_PRIO below own priority -> %s",
	      hmk_strerror((int)t->out[2]));
	OK(thread_info(t->slot, 0, &prio, 0));
	CHECK(prio == my_prio - 11, "priority %u", prio);
	return 0;
}

// The runtime's own helper: many threads one after another (stacks, IPC
// buffers and slots are reused or released each time).
static void quick(struct tthread *t)
{
	t->out[0] = t->arg[0] * 2;
}

static const char *test_many_threads(void)
{
	int e;
	for (uint32_t i = 0; i < 8; i++) {
		struct tthread *t = tt_start(quick, my_prio, i + 1, 0, &e);
		CHECK(t, "thread %u: %s", i, hmk_strerror(e));
		CHECK(wait_flag(&t->done), "thread %u did not finish", i);
		CHECK(t->out[0] == 2 * (i + 1), "thread %u computed %u", i, t->out[0]);
	}
	return 0;
}

const struct test thread_tests[] = {
	{ test_new_thread_info, "new thread is TS_INACTIVE" },
	{ test_configure_errors, "THREAD_CONFIGURE errors" },
	{ test_write_regs_resume, "THREAD_WRITE_REGS and THREAD_RESUME" },
	{ test_suspend_resume, "THREAD_SUSPEND stops, THREAD_RESUME restarts" },
	{ test_suspend_in_ipc, "suspend during recv -> E_DEAD for it" },
	{ test_set_prio, "THREAD_SET_PRIO and its limits" },
	{ test_prio_above_own, "priority above the caller's own -> E_PERM" },
	{ test_destroy_thread, "INV_DESTROY of a thread, then E_DEAD" },
	{ test_many_threads, "8 threads one after another" },
	{ 0, 0 },
};
