// Destruction in the middle of things: partners of an IPC learn E_DEAD,
// dead capabilities answer E_DEAD, waiters on dying objects wake.
#include "tests.h"

static volatile uint32_t k_state[4];

// A server that takes one call and then never answers: it yields until it
// is destroyed (receiving again would drop the caller with E_NOREPLY).
static void silent_server(uint32_t ep)
{
	struct msg m = { 0 };
	k_state[0] = (uint32_t)sys_recv(ep, &m);
	k_state[1] = 1;
	for (;;)
		sys_yield();
}

static void caller_thread(struct tthread *t)
{
	struct msg m = msg_make(1, 1, 5, 0, 0, 0);
	t->rc = sys_call(t->arg[0], &m);
}

static const char *test_server_destroyed(void)
{
	int e;
	uint32_t ep = ep_new(), srv;
	CHECK(ep, "no endpoint");
	k_state[0] = k_state[1] = 0;
	OK(bare_start(silent_server, ep, my_prio, &srv));
	struct tthread *c = tt_start(caller_thread, my_prio, ep, 0, &e);
	CHECK(c, "thread: %s", hmk_strerror(e));
	CHECK(wait_word(&k_state[1], 1), "server never got the call");
	OK(k_state[0]);
	// The server has the call and holds the reply; the caller waits.
	for (int i = 0; i < 20; i++)
		sys_yield();
	CHECK(!c->done, "caller returned before any reply (%s)", hmk_strerror(c->rc));
	OK(inv_destroy(srv));
	CHECK(wait_flag(&c->done), "caller still blocked after its server died");
	EXPECT(c->rc, E_DEAD);
	return 0;
}

static void bare_caller(uint32_t ep)
{
	struct msg m = msg_make(1, 1, 5, 0, 0, 0);
	k_state[2] = (uint32_t)sys_call(ep, &m);
	k_state[3] = 1;
}

static const char *test_caller_destroyed(void)
{
	struct msg m = { 0 };
	uint32_t ep = ep_new(), c;
	CHECK(ep, "no endpoint");
	k_state[3] = 0;
	OK(bare_start(bare_caller, ep, my_prio, &c));
	OK(poll_recv(ep, &m));
	CHECK(m.mr[0] == 5, "got %u", m.mr[0]);
	OK(inv_destroy(c));
	m = msg_make(2, 0, 0, 0, 0, 0);
	EXPECT(sys_reply(&m), E_DEAD);
	// Only once: then there is no caller at all.
	EXPECT(sys_reply(&m), E_NOREPLY);
	CHECK(k_state[3] == 0, "destroyed caller went on");
	return 0;
}

// A caller still waiting to be received when it dies leaves the queue.
static const char *test_queued_sender_destroyed(void)
{
	struct msg m = { 0 };
	uint32_t ep = ep_new(), c, st = 0;
	CHECK(ep, "no endpoint");
	OK(bare_start(bare_caller, ep, my_prio, &c));
	for (int i = 0; i < WAIT_YIELDS && st != TS_BLOCKED; i++) {
		sys_yield();
		OK(thread_info(c, &st, 0, 0));
	}
	CHECK(st == TS_BLOCKED, "caller never blocked");
	OK(inv_destroy(c));
	EXPECT(sys_nbrecv(ep, &m), E_AGAIN);
	return 0;
}

static void bare_receiver(uint32_t ep)
{
	struct msg m = { 0 };
	k_state[0] = (uint32_t)sys_recv(ep, &m);
	k_state[1] = 1;
}

// Deleting the last capability of an endpoint kills it: a receiver blocked
// on it fails with E_DEAD.
static const char *test_endpoint_deleted_under_receiver(void)
{
	uint32_t ep, t, st = 0;
	OK(space_create(SLOT_SPACE, CAP_ENDPOINT, 0, &ep));
	k_state[1] = 0;
	const char *why = 0;
	if (bare_start(bare_receiver, ep, my_prio, &t) != E_OK)
		why = "thread failed";
	for (int i = 0; !why && i < WAIT_YIELDS && st != TS_BLOCKED; i++) {
		sys_yield();
		thread_info(t, &st, 0, 0);
	}
	if (!why && st != TS_BLOCKED)
		why = "receiver never blocked";
	OK(slot_delete(SLOT_SPACE, ep));
	if (why)
		return why;
	CHECK(wait_word(&k_state[1], 1), "receiver still blocked on a deleted endpoint");
	CHECK(k_state[0] == E_DEAD, "its recv returned %s", hmk_strerror((int)k_state[0]));
	return 0;
}

static const char *test_destroy_then_identify(void)
{
	uint32_t n = notify_new(), copy, sp = 0, t = 0;
	CHECK(n, "no notification");
	OK(mint(n, RIGHT_WRITE, 0x3, &copy));
	OK(inv_destroy(n));
	EXPECT(inv_identify(n, 0, 0, 0), E_DEAD);
	EXPECT(inv_identify(copy, 0, 0, 0), E_DEAD);
	struct msg m = msg_make(0, 0, 0, 0, 0, 0);
	EXPECT(sys_send(copy, &m), E_DEAD);
	EXPECT(notify_poll(n, NULL), E_DEAD);
	EXPECT(inv_destroy(n), E_DEAD);
	OK(obj_new_in(SLOT_SPACE, CAP_SPACE, 2, &sp));
	OK(inv_destroy(sp));
	EXPECT(inv_identify(sp, 0, 0, 0), E_DEAD);
	EXPECT(space_info(sp, 0, 0, 0), E_DEAD);
	EXPECT(obj_new_in(sp, CAP_ENDPOINT, 0, &t), E_DEAD);
	return 0;
}

// A waiter on a notification that dies wakes with E_DEAD.
static const char *test_notify_destroyed_under_waiter(void)
{
	uint32_t n = notify_new(), t, st = 0;
	CHECK(n, "no notification");
	k_state[1] = 0;
	OK(bare_start(bare_receiver, n, my_prio, &t));
	for (int i = 0; i < WAIT_YIELDS && st != TS_BLOCKED; i++) {
		sys_yield();
		OK(thread_info(t, &st, 0, 0));
	}
	CHECK(st == TS_BLOCKED, "waiter never blocked");
	OK(inv_destroy(n));
	CHECK(wait_word(&k_state[1], 1), "waiter still blocked on a dead notification");
	CHECK(k_state[0] == E_DEAD, "its wait returned %s", hmk_strerror((int)k_state[0]));
	return 0;
}

// Destroying a space kills the threads in it.
static const char *test_space_destroy_kills_threads(void)
{
	uint32_t ep = ep_new(), sp = 0, t = 0, st = 0;
	CHECK(ep, "no endpoint");
	OK(obj_new_in(SLOT_SPACE, CAP_SPACE, 8, &sp));
	OK(obj_new_in(SLOT_SPACE, CAP_THREAD, 0, &t));
	OK(thread_configure(t, sp, 0x100000, ep, my_prio));
	OK(inv_destroy(sp));
	int e = thread_info(t, &st, 0, 0);
	CHECK(e == E_DEAD || (e == E_OK && st == TS_DEAD),
	      "thread in a destroyed space: %s state %u", hmk_strerror(e), st);
	EXPECT2(thread_resume(t), E_DEAD, E_INVAL);
	return 0;
}

// Suspending a caller that waits for its reply: the server's reply then
// finds nobody.
static const char *test_caller_suspended(void)
{
	struct msg m = { 0 };
	uint32_t ep = ep_new(), c;
	CHECK(ep, "no endpoint");
	k_state[2] = k_state[3] = 0;
	OK(bare_start(bare_caller, ep, my_prio, &c));
	OK(poll_recv(ep, &m));
	OK(thread_suspend(c));
	m = msg_make(2, 0, 0, 0, 0, 0);
	EXPECT(sys_reply(&m), E_DEAD);
	OK(thread_resume(c));
	CHECK(wait_word(&k_state[3], 1), "caller did not go on after resume");
	CHECK(k_state[2] == E_DEAD, "its call returned %s", hmk_strerror((int)k_state[2]));
	return 0;
}

const struct test kill_tests[] = {
	{ test_server_destroyed, "server destroyed while caller waits -> E_DEAD" },
	{ test_caller_destroyed, "reply to a destroyed caller -> E_DEAD" },
	{ test_queued_sender_destroyed, "destroyed sender leaves the queue" },
	{ test_endpoint_deleted_under_receiver, "endpoint deleted under a receiver -> E_DEAD" },
	{ test_destroy_then_identify, "INV_DESTROY then E_DEAD everywhere" },
	{ test_notify_destroyed_under_waiter, "notification destroyed under a waiter" },
	{ test_space_destroy_kills_threads, "space destroyed kills its threads" },
	{ test_caller_suspended, "caller suspended: reply -> E_DEAD, call -> E_DEAD" },
	{ 0, 0 },
};
