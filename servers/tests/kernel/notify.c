// Notifications: signal (send) ORs the capability's badge into the word;
// wait (recv) takes and clears it, the word in the badge register;
// NOTIFY_POLL reads and clears without blocking.
#include "tests.h"

static const char *signal_via(uint32_t cap)
{
	struct msg m = msg_make(0, 0, 0, 0, 0, 0);
	return sys_send(cap, &m) == E_OK ? 0 : "signal failed";
}

static const char *test_or_combines(void)
{
	uint32_t n = notify_new(), a, b, word;
	CHECK(n, "no notification");
	OK(mint(n, RIGHT_WRITE, 0x1, &a));
	OK(mint(n, RIGHT_WRITE, 0x4, &b));
	TRY(signal_via(a));
	TRY(signal_via(b));
	TRY(signal_via(a));
	struct msg m = { 0 };
	OK(sys_recv(n, &m)); // bits are there: it does not block
	CHECK(m.badge == 0x5, "wait returned %#x, expected 0x5", m.badge);
	EXPECT(sys_nbrecv(n, &m), E_AGAIN);
	OK(notify_poll(n, &word));
	CHECK(word == 0, "word %#x after the wait cleared it", word);
	return 0;
}

static const char *test_poll(void)
{
	uint32_t n = notify_new(), c, word;
	CHECK(n, "no notification");
	struct msg m = { 0 };
	OK(notify_poll(n, &word));
	CHECK(word == 0, "fresh word %#x", word);
	OK(mint(n, RIGHT_WRITE, 0x80000000u, &c));
	m = msg_make(0, 0, 0, 0, 0, 0);
	OK(sys_nbsend(c, &m)); // a signal never waits
	OK(notify_poll(n, &word));
	CHECK(word == 0x80000000u, "poll %#x", word);
	OK(notify_poll(n, &word));
	CHECK(word == 0, "second poll %#x", word);
	EXPECT(sys_nbrecv(n, &m), E_AGAIN);
	return 0;
}

static void waiter(struct tthread *t)
{
	struct msg m = { 0 };
	t->rc = sys_recv(t->arg[0], &m);
	t->out[0] = m.badge;
}

static const char *test_wait_blocks(void)
{
	uint32_t word;
	int e;
	uint32_t n = notify_new(), c, st = 0;
	CHECK(n, "no notification");
	OK(mint(n, RIGHT_WRITE, 0x10, &c));
	struct tthread *t = tt_start(waiter, my_prio, n, 0, &e);
	CHECK(t, "thread: %s", hmk_strerror(e));
	for (int i = 0; i < WAIT_YIELDS && st != TS_BLOCKED; i++) {
		sys_yield();
		OK(thread_info(t->slot, &st, 0, 0));
	}
	CHECK(st == TS_BLOCKED && !t->done, "waiter did not block (state %u)", st);
	TRY(signal_via(c));
	CHECK(wait_flag(&t->done), "waiter did not wake");
	OK(t->rc);
	CHECK(t->out[0] == 0x10, "waiter got %#x", t->out[0]);
	OK(notify_poll(n, &word));
	CHECK(word == 0, "word %#x left after the waiter took it", word);
	return 0;
}

// One waiter at a time.
static const char *test_second_waiter(void)
{
	int e;
	uint32_t n = notify_new(), c, st = 0;
	CHECK(n, "no notification");
	OK(mint(n, RIGHT_WRITE, 0x2, &c));
	struct tthread *a = tt_start(waiter, my_prio, n, 0, &e);
	CHECK(a, "thread: %s", hmk_strerror(e));
	for (int i = 0; i < WAIT_YIELDS && st != TS_BLOCKED; i++) {
		sys_yield();
		OK(thread_info(a->slot, &st, 0, 0));
	}
	CHECK(st == TS_BLOCKED, "first waiter did not block");
	struct tthread *b = tt_start(waiter, my_prio, n, 0, &e);
	CHECK(b, "thread: %s", hmk_strerror(e));
	int came = wait_flag(&b->done);
	TRY(signal_via(c)); // wakes whoever waits
	CHECK(came, "second waiter blocked as well");
	EXPECT(b->rc, E_BUSY);
	CHECK(wait_flag(&a->done), "first waiter did not wake");
	CHECK(a->rc == E_OK && a->out[0] == 0x2, "first waiter: %s %#x", hmk_strerror(a->rc),
	      a->out[0]);
	return 0;
}

static const char *test_notify_rights(void)
{
	uint32_t n = notify_new(), r, w;
	CHECK(n, "no notification");
	OK(mint(n, RIGHT_READ, 0, &r));
	OK(mint(n, RIGHT_WRITE, 0x1, &w));
	struct msg m = msg_make(0, 0, 0, 0, 0, 0);
	EXPECT(sys_send(r, &m), E_PERM);
	EXPECT(sys_nbsend(r, &m), E_PERM);
	EXPECT(sys_recv(w, &m), E_PERM);
	EXPECT(sys_nbrecv(w, &m), E_PERM);
	EXPECT(notify_poll(w, NULL), E_PERM);
	return 0;
}

const struct test notify_tests[] = {
	{ test_or_combines, "signals OR badges, wait takes and clears" },
	{ test_poll, "NOTIFY_POLL reads and clears" },
	{ test_wait_blocks, "wait blocks until a signal" },
	{ test_second_waiter, "second waiter -> E_BUSY" },
	{ test_notify_rights, "notification rights -> E_PERM" },
	{ 0, 0 },
};
