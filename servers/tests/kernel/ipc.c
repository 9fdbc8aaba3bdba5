// IPC on endpoints: send/recv/call/reply and their non-blocking forms,
// ordering, long messages, badges and rights.
#include <string.h>

#include "tests.h"

// Waits until a thread is blocked (in an IPC), within the bound.
static int wait_blocked(uint32_t slot)
{
	uint32_t st = 0;
	for (int i = 0; i < WAIT_YIELDS; i++) {
		if (thread_info(slot, &st, NULL, NULL) == E_OK && st == TS_BLOCKED)
			return 1;
		sys_yield();
	}
	return 0;
}

static const char *test_nb_nobody(void)
{
	uint32_t ep = ep_new();
	CHECK(ep, "no endpoint");
	struct msg m = msg_make(7, 1, 42, 0, 0, 0);
	EXPECT(sys_nbsend(ep, &m), E_AGAIN);
	EXPECT(sys_nbrecv(ep, &m), E_AGAIN);
	return 0;
}

static const char *test_reply_no_caller(void)
{
	struct msg m = msg_make(1, 0, 0, 0, 0, 0);
	EXPECT(sys_reply(&m), E_NOREPLY);
	EXPECT(sys_reply(&m), E_NOREPLY);
	return 0;
}

// A receiver that records what it got.
static void receiver(struct tthread *t)
{
	struct msg m = { 0 };
	t->rc = sys_recv(t->arg[0], &m);
	t->out[0] = m.info;
	for (int i = 0; i < 4; i++)
		t->out[1 + i] = m.mr[i];
	t->out[5] = m.badge;
}

static const char *test_send_blocks_until_recv(void)
{
	int e;
	uint32_t ep = ep_new();
	CHECK(ep, "no endpoint");
	struct tthread *t = tt_start(receiver, my_prio, ep, 0, &e);
	CHECK(t, "thread: %s", hmk_strerror(e));
	// The receiver has not run yet (same priority, we did not yield): the
	// send blocks until it comes.
	struct msg m = msg_make(0x123, 3, 10, 20, 30, 0);
	OK(sys_send(ep, &m));
	CHECK(wait_flag(&t->done), "receiver did not finish");
	OK(t->rc);
	CHECK(MSG_LABEL(t->out[0]) == 0x123 && MSG_LEN(t->out[0]) == 3, "info %#x", t->out[0]);
	CHECK(t->out[1] == 10 && t->out[2] == 20 && t->out[3] == 30, "words %u %u %u", t->out[1],
	      t->out[2], t->out[3]);
	CHECK(t->out[5] == 0, "badge %#x from an unbadged capability", t->out[5]);
	return 0;
}

static const char *test_recv_blocks_until_send(void)
{
	int e;
	uint32_t ep = ep_new();
	CHECK(ep, "no endpoint");
	struct tthread *t = tt_start(receiver, my_prio, ep, 0, &e);
	CHECK(t, "thread: %s", hmk_strerror(e));
	CHECK(wait_blocked(t->slot), "receiver never blocked");
	CHECK(!t->done, "recv returned with nobody sending");
	struct msg m = msg_make(5, 4, 1, 2, 3, 4);
	OK(sys_nbsend(ep, &m)); // a receiver waits: no E_AGAIN
	CHECK(wait_flag(&t->done), "receiver did not finish");
	OK(t->rc);
	CHECK(t->out[1] == 1 && t->out[4] == 4 && MSG_LEN(t->out[0]) == 4, "got %#x %u..%u",
	      t->out[0], t->out[1], t->out[4]);
	return 0;
}

// Serves arg[1] calls: replies label + 1 and every word + 1.
static void adder(struct tthread *t)
{
	struct msg m = { 0 };
	int e = sys_recv(t->arg[0], &m);
	for (uint32_t n = 1; e == E_OK; n++) {
		t->out[0] = n;
		t->out[1] = m.badge;
		uint32_t len = MSG_LEN(m.info);
		struct msg r = msg_make(MSG_LABEL(m.info) + 1, len, m.mr[0] + 1, m.mr[1] + 1,
					m.mr[2] + 1, m.mr[3] + 1);
		if (n == t->arg[1]) {
			t->rc = sys_reply(&r);
			return;
		}
		m = r;
		e = sys_reply_recv(t->arg[0], &m);
	}
	t->rc = e;
}

static const char *test_call_reply(void)
{
	int e;
	uint32_t ep = ep_new();
	CHECK(ep, "no endpoint");
	struct tthread *t = tt_start(adder, my_prio, ep, 10, &e);
	CHECK(t, "thread: %s", hmk_strerror(e));
	for (uint32_t i = 0; i < 10; i++) {
		struct msg m = msg_make(100 + i, 4, i, 2 * i, 3 * i, 0xffffffffu);
		OK(sys_call(ep, &m));
		CHECK(MSG_LABEL(m.info) == 101 + i && MSG_LEN(m.info) == 4, "reply %u info %#x", i,
		      m.info);
		CHECK(m.mr[0] == i + 1 && m.mr[1] == 2 * i + 1 && m.mr[2] == 3 * i + 1 &&
			      m.mr[3] == 0,
		      "reply %u words %u %u %u %u", i, m.mr[0], m.mr[1], m.mr[2], m.mr[3]);
	}
	CHECK(wait_flag(&t->done), "server did not finish");
	OK(t->rc);
	return 0;
}

// Sends arg[1] on arg[0].
static void sender(struct tthread *t)
{
	struct msg m = msg_make(0x77, 1, t->arg[1], 0, 0, 0);
	t->rc = sys_send(t->arg[0], &m);
}

static const char *test_recv_of_send_no_reply(void)
{
	int e;
	uint32_t ep = ep_new();
	CHECK(ep, "no endpoint");
	struct tthread *t = tt_start(sender, my_prio, ep, 5, &e);
	CHECK(t, "thread: %s", hmk_strerror(e));
	struct msg m = { 0 };
	OK(poll_recv(ep, &m));
	CHECK(m.mr[0] == 5, "got %u", m.mr[0]);
	EXPECT(sys_reply(&m), E_NOREPLY);
	CHECK(wait_flag(&t->done), "sender did not finish");
	OK(t->rc);
	return 0;
}

static const char *test_fifo(void)
{
	int e;
	uint32_t ep = ep_new();
	CHECK(ep, "no endpoint");
	struct tthread *t[4];
	for (uint32_t i = 0; i < 4; i++) {
		t[i] = tt_start(sender, my_prio, ep, 1000 + i, &e);
		CHECK(t[i], "thread %u: %s", i, hmk_strerror(e));
		CHECK(wait_blocked(t[i]->slot), "sender %u never blocked", i);
	}
	for (uint32_t i = 0; i < 4; i++) {
		struct msg m = { 0 };
		OK(sys_nbrecv(ep, &m));
		CHECK(m.mr[0] == 1000 + i, "message %u came from sender %u", i, m.mr[0] - 1000);
	}
	struct msg m = { 0 };
	EXPECT(sys_nbrecv(ep, &m), E_AGAIN);
	for (int i = 0; i < 4; i++) {
		CHECK(wait_flag(&t[i]->done), "sender %d did not finish", i);
		OK(t[i]->rc);
	}
	return 0;
}

// Long messages: MR4.. go through the IPC buffers of both sides.
static void long_server(struct tthread *t)
{
	struct msg m = { 0 };
	struct ipc_buffer *b = ipcbuf();
	t->rc = sys_recv(t->arg[0], &m);
	if (t->rc != E_OK)
		return;
	uint32_t len = MSG_LEN(m.info);
	t->out[0] = len;
	t->out[1] = 0; // words that were wrong
	for (uint32_t i = 0; i < len; i++) {
		uint32_t got = i < MSG_REG_WORDS ? m.mr[i] : b->mr[i];
		if (got != 0x5a000000u + i)
			t->out[1]++;
	}
	for (uint32_t i = MSG_REG_WORDS; i < len; i++)
		b->mr[i] = 0xa5000000u + i;
	struct msg r = msg_make(2, len, 0xa5000000u, 0xa5000001u, 0xa5000002u, 0xa5000003u);
	t->rc = sys_reply(&r);
}

static const char *long_call(uint32_t len)
{
	int e;
	uint32_t ep = ep_new();
	CHECK(ep, "no endpoint");
	struct tthread *t = tt_start(long_server, my_prio, ep, 0, &e);
	CHECK(t, "thread: %s", hmk_strerror(e));
	struct ipc_buffer *b = ipcbuf();
	for (uint32_t i = MSG_REG_WORDS; i < MSG_MAX_WORDS; i++)
		b->mr[i] = 0x5a000000u + i;
	struct msg m = msg_make(1, len, 0x5a000000u, 0x5a000001u, 0x5a000002u, 0x5a000003u);
	OK(sys_call(ep, &m));
	CHECK(wait_flag(&t->done), "server did not finish");
	OK(t->rc);
	CHECK(t->out[0] == len && t->out[1] == 0, "server got %u words, %u wrong", t->out[0],
	      t->out[1]);
	CHECK(MSG_LEN(m.info) == len, "reply of %u words", MSG_LEN(m.info));
	for (uint32_t i = 0; i < len; i++) {
		uint32_t got = i < MSG_REG_WORDS ? m.mr[i] : b->mr[i];
		CHECK(got == 0xa5000000u + i, "reply word %u is %#x", i, got);
	}
	return 0;
}

static const char *test_long_5(void)
{
	return long_call(5);
}
static const char *test_long_64(void)
{
	return long_call(64);
}

static const char *test_long_65(void)
{
	uint32_t ep = ep_new();
	CHECK(ep, "no endpoint");
	struct msg m = msg_make(1, 65, 0, 0, 0, 0);
	EXPECT(sys_call(ep, &m), E_INVAL);
	m = msg_make(1, 65, 0, 0, 0, 0);
	EXPECT(sys_send(ep, &m), E_INVAL);
	m = msg_make(1, 65, 0, 0, 0, 0);
	EXPECT(sys_nbsend(ep, &m), E_INVAL);
	m = msg_make(1, 127, 0, 0, 0, 0);
	EXPECT(sys_nbsend(ep, &m), E_INVAL);
	m = msg_make(1, 65, 0, 0, 0, 0);
	EXPECT(sys_reply(&m), E_INVAL);
	return 0;
}

static const char *test_badges(void)
{
	int e;
	uint32_t ep = ep_new(), a, b;
	CHECK(ep, "no endpoint");
	OK(mint(ep, RIGHT_WRITE, 0x11, &a));
	OK(mint(ep, RIGHT_WRITE, 0x2200, &b));
	struct tthread *ta = tt_start(sender, my_prio, a, 1, &e);
	CHECK(ta, "thread: %s", hmk_strerror(e));
	CHECK(wait_blocked(ta->slot), "sender a never blocked");
	struct tthread *tb = tt_start(sender, my_prio, b, 2, &e);
	CHECK(tb, "thread: %s", hmk_strerror(e));
	CHECK(wait_blocked(tb->slot), "sender b never blocked");
	struct tthread *tc = tt_start(sender, my_prio, ep, 3, &e);
	CHECK(tc, "thread: %s", hmk_strerror(e));
	CHECK(wait_blocked(tc->slot), "sender c never blocked");
	struct msg m = { 0 };
	OK(sys_nbrecv(ep, &m));
	CHECK(m.mr[0] == 1 && m.badge == 0x11, "first: word %u badge %#x", m.mr[0], m.badge);
	OK(sys_nbrecv(ep, &m));
	CHECK(m.mr[0] == 2 && m.badge == 0x2200, "second: word %u badge %#x", m.mr[0], m.badge);
	OK(sys_nbrecv(ep, &m));
	CHECK(m.mr[0] == 3 && m.badge == 0, "third: word %u badge %#x", m.mr[0], m.badge);
	return 0;
}

static const char *test_rights(void)
{
	uint32_t ep = ep_new(), ro, wo;
	CHECK(ep, "no endpoint");
	OK(mint(ep, RIGHT_READ, 0, &ro));
	OK(mint(ep, RIGHT_WRITE, 0, &wo));
	struct msg m = msg_make(1, 0, 0, 0, 0, 0);
	EXPECT(sys_send(ro, &m), E_PERM);
	EXPECT(sys_nbsend(ro, &m), E_PERM);
	EXPECT(sys_call(ro, &m), E_PERM);
	EXPECT(sys_recv(wo, &m), E_PERM);
	EXPECT(sys_nbrecv(wo, &m), E_PERM);
	EXPECT(sys_reply_recv(wo, &m), E_PERM);
	// And the rights they have work.
	EXPECT(sys_nbsend(wo, &m), E_AGAIN);
	EXPECT(sys_nbrecv(ro, &m), E_AGAIN);
	return 0;
}

const struct test ipc_tests[] = {
	{ test_nb_nobody, "nbsend/nbrecv with nobody -> E_AGAIN" },
	{ test_reply_no_caller, "reply with no caller -> E_NOREPLY" },
	{ test_send_blocks_until_recv, "send blocks until a receiver comes" },
	{ test_recv_blocks_until_send, "recv blocks until a sender comes" },
	{ test_call_reply, "call and reply_recv, 10 round trips" },
	{ test_recv_of_send_no_reply, "reply to a send -> E_NOREPLY" },
	{ test_fifo, "senders are served in FIFO order" },
	{ test_long_5, "5-word message through the IPC buffer" },
	{ test_long_64, "64-word message" },
	{ test_long_65, "65-word message -> E_INVAL" },
	{ test_badges, "badges tell senders apart" },
	{ test_rights, "endpoint rights -> E_PERM" },
	{ 0, 0 },
};
