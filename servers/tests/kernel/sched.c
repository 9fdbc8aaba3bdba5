// Scheduling: fixed priorities, round-robin by yield, and timer preemption
// among equal priorities. Every wait here is bounded.
#include "tests.h"

static volatile uint32_t order[8];
static volatile uint32_t norder;

// Logs arg[1], then sends on arg[0] when arg[2] says so.
static void logger(struct tthread *t)
{
	order[norder++] = t->arg[1];
	if (t->arg[2]) {
		struct msg m = msg_make(1, 0, 0, 0, 0, 0);
		t->rc = sys_send(t->arg[0], &m);
	}
}

static const char *test_higher_first(void)
{
	int e;
	uint32_t ep = ep_new();
	CHECK(ep, "no endpoint");
	CHECK(my_prio >= 4, "own priority %u too low for this test", my_prio);
	norder = 0;
	// Both are below us: neither runs until we block. The lower one is
	// made first.
	struct tthread *lo = tt_start(logger, my_prio - 2, ep, 1, &e);
	CHECK(lo, "thread: %s", hmk_strerror(e));
	struct tthread *hi = tt_start(logger, my_prio - 1, ep, 2, &e);
	CHECK(hi, "thread: %s", hmk_strerror(e));
	lo->arg[2] = 1; // the last one to run tells us
	for (int i = 0; i < 100; i++)
		sys_yield();
	CHECK(norder == 0, "a lower-priority thread ran while we were ready");
	struct msg m = { 0 };
	OK(recv_watchdog(ep, &m));
	CHECK(MSG_LABEL(m.info) != WATCHDOG_LABEL, "timed out: order has %u entries", norder);
	CHECK(norder == 2 && order[0] == 2 && order[1] == 1, "ran in order %u, %u (%u entries)",
	      order[0], order[1], norder);
	return 0;
}

// A thread made ready by our send, at a higher priority than the sender's
// other peers, runs before them.
static void prio_receiver(struct tthread *t)
{
	struct msg m = { 0 };
	t->rc = sys_recv(t->arg[0], &m);
	order[norder++] = t->arg[1];
}

static const char *test_wakeup_preempts(void)
{
	int e;
	uint32_t ep = ep_new();
	CHECK(ep, "no endpoint");
	norder = 0;
	// At our priority the receiver blocks first; once woken by our send it
	// is ready at the same priority, so it runs after we yield.
	struct tthread *r = tt_start(prio_receiver, my_prio, ep, 7, &e);
	CHECK(r, "thread: %s", hmk_strerror(e));
	for (int i = 0; i < 10; i++)
		sys_yield();
	struct msg m = msg_make(1, 0, 0, 0, 0, 0);
	OK(sys_nbsend(ep, &m));
	order[norder++] = 1; // we go on first, or it ran first: both are allowed at equal prio
	CHECK(wait_flag(&r->done), "receiver did not finish");
	CHECK(norder == 2, "%u entries", norder);
	return 0;
}

static void yielder(struct tthread *t)
{
	for (int i = 0; i < 3; i++) {
		if (norder < 8)
			order[norder++] = t->arg[0];
		sys_yield();
	}
}

static const char *test_yield_round_robin(void)
{
	int e;
	norder = 0;
	struct tthread *a = tt_start(yielder, my_prio, 1, 0, &e);
	CHECK(a, "thread: %s", hmk_strerror(e));
	struct tthread *b = tt_start(yielder, my_prio, 2, 0, &e);
	CHECK(b, "thread: %s", hmk_strerror(e));
	CHECK(wait_flag(&a->done) && wait_flag(&b->done), "yielders did not finish");
	CHECK(norder == 6, "%u entries", norder);
	// Each yield hands over to the other: they alternate.
	for (unsigned i = 1; i < 6; i++)
		CHECK(order[i] != order[i - 1], "order %u %u %u %u %u %u", order[0], order[1],
		      order[2], order[3], order[4], order[5]);
	return 0;
}

// Two threads that never yield, at our priority: both make progress only if
// the timer preempts them. Each spins at most SPIN_MAX rounds, so a kernel
// without preemption fails this test instead of hanging the suite.
#define SPIN_MAX 30000000u
static volatile uint32_t spin_count[2], spin_stop, spin_other_seen[2];

static void spin(struct tthread *t)
{
	uint32_t me = t->arg[0], other = 1 - me;
	uint32_t first_other = spin_count[other];
	for (uint32_t i = 0; i < SPIN_MAX && !spin_stop; i++) {
		spin_count[me]++;
		if (spin_count[other] != first_other)
			spin_other_seen[me] = 1;
	}
}

static const char *test_preemption(void)
{
	int e;
	spin_count[0] = spin_count[1] = spin_stop = 0;
	spin_other_seen[0] = spin_other_seen[1] = 0;
	struct tthread *a = tt_start(spin, my_prio, 0, 0, &e);
	CHECK(a, "thread: %s", hmk_strerror(e));
	struct tthread *b = tt_start(spin, my_prio, 1, 0, &e);
	CHECK(b, "thread: %s", hmk_strerror(e));
	// We get the CPU back only through preemption too.
	for (int i = 0; i < WAIT_YIELDS && !(spin_other_seen[0] && spin_other_seen[1]); i++) {
		if (a->done && b->done)
			break;
		sys_yield();
	}
	int both = spin_other_seen[0] && spin_other_seen[1];
	int finished_alone = a->done || b->done;
	spin_stop = 1;
	CHECK(wait_flag(&a->done) && wait_flag(&b->done), "spinners did not stop");
	CHECK(both, "no interleaving: counts %u and %u, one ran to its end alone: %d",
	      spin_count[0], spin_count[1], finished_alone);
	return 0;
}

// A lower-priority thread gets the CPU only when we block.
static void flag_setter(struct tthread *t)
{
	t->out[0] = 1;
	struct msg m = msg_make(1, 0, 0, 0, 0, 0);
	t->rc = sys_send(t->arg[0], &m);
}

static const char *test_lower_waits(void)
{
	int e;
	uint32_t ep = ep_new();
	CHECK(ep, "no endpoint");
	struct tthread *t = tt_start(flag_setter, my_prio - 1, ep, 0, &e);
	CHECK(t, "thread: %s", hmk_strerror(e));
	for (int i = 0; i < 200; i++)
		sys_yield();
	CHECK(t->out[0] == 0, "lower priority ran while we yielded");
	struct msg m = { 0 };
	OK(recv_watchdog(ep, &m));
	CHECK(MSG_LABEL(m.info) == 1, "got label %#x (watchdog: the thread never ran)",
	      MSG_LABEL(m.info));
	CHECK(t->out[0] == 1, "flag not set");
	return 0;
}

// Lowering our own helper's priority below ours and raising it back.
static const char *test_prio_change_runs(void)
{
	int e;
	struct msg m = { 0 };
	uint32_t ep = ep_new();
	CHECK(ep, "no endpoint");
	struct tthread *t = tt_start(flag_setter, my_prio - 1, ep, 0, &e);
	CHECK(t, "thread: %s", hmk_strerror(e));
	CHECK(t->out[0] == 0, "ran before we yielded");
	OK(thread_set_prio(t->slot, my_prio));
	OK(poll_recv(ep, &m)); // at equal priority our yields let it run
	CHECK(t->out[0] == 1, "flag not set");
	return 0;
}

const struct test sched_tests[] = {
	{ test_higher_first, "higher priority runs first" },
	{ test_wakeup_preempts, "woken receiver runs" },
	{ test_yield_round_robin, "yield alternates equal priorities" },
	{ test_preemption, "timer preempts equal-priority spinners" },
	{ test_lower_waits, "lower priority runs only when we block" },
	{ test_prio_change_runs, "raised priority lets a thread run" },
	{ 0, 0 },
};
