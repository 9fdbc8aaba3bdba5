// The protocol itself, spoken raw: registration (MS_HELLO, MS_THREAD_HELLO
// and their errors), thread badges, thread-bound requests through the
// program's capability, a dead thread's badge, unknown requests.
#include "mstests.h"

// Idles until destroyed: a thread for memsrv to know, never calling it.
static void idler(struct tthread *t)
{
	(void)t;
	for (;;)
		sys_yield();
}

static const char *test_hello_again(void)
{
	uint32_t space;
	struct msg r;

	// The suite registered at start; a second MS_HELLO is refused.
	OK(t_mint(SLOT_SPACE, RIGHT_READ | RIGHT_WRITE, 0, &space));
	EXPECT(ms_call(SLOT_MEMSRV, MS_HELLO, NULL, 0, space, 0, &r), E_INVAL);
	EXPECT(ms_call(SLOT_MEMSRV, MS_HELLO, NULL, 0, 0, 0, &r), E_INVAL);
	// The client goes on as before.
	OK(ms_call2(SLOT_MEMSRV, MS_STATS, 0, 0, 0, &r));
	return NULL;
}

static const char *test_unknown_request(void)
{
	struct msg r;

	EXPECT(ms_call2(SLOT_MEMSRV, MS_COUNT, 0, 0, 0, &r), E_NOSYS);
	EXPECT(ms_call2(SLOT_MEMSRV, 0, 0, 0, 0, &r), E_NOSYS);
	EXPECT(ms_call2(SLOT_MEMSRV, 0x7ffff, 1, 5, 0, &r), E_NOSYS);
	OK(ms_call2(SLOT_MEMSRV, MS_STATS, 0, 0, 0, &r));
	return NULL;
}

// MS_THREAD_HELLO with capability `cap` (0: none) into reply slot `recv`.
static int thread_hello(uint32_t cap, uint32_t recv, struct msg *r)
{
	return ms_call(SLOT_MEMSRV, MS_THREAD_HELLO, NULL, 0, cap, recv, r);
}

static const char *test_thread_hello_errors(void)
{
	uint32_t ro, ep, recv = t_slot();
	struct tthread *t;
	struct msg r;
	int err;

	CHECK(recv, "no slot");
	t = tt_run(idler, 0, 0, 0, &err);
	CHECK(t, "thread: %s", hmk_strerror(err));
	EXPECT(thread_hello(0, recv, &r), E_INVAL);
	OK(t_create(CAP_NOTIFY, 0, &ep));
	EXPECT(thread_hello(ep, recv, &r), E_TYPE);
	OK(t_mint(t->slot, RIGHT_READ, 0, &ro));
	EXPECT(thread_hello(ro, recv, &r), E_PERM);
	// Our own first thread is registered already: its window is taken.
	OK(t_mint(SLOT_THREAD, RIGHT_READ | RIGHT_WRITE, 0, &ro));
	EXPECT(thread_hello(ro, recv, &r), E_BUSY);
	OK(ms_call2(SLOT_MEMSRV, MS_STATS, 0, 0, 0, &r));
	return NULL;
}

// Sends MS_THREAD_HELLO with the endpoint in arg[0] as its capability.
static void endpoint_sender(struct tthread *t)
{
	struct msg r;

	t->rc = ms_call(SLOT_MEMSRV, MS_THREAD_HELLO, NULL, 0, t->arg[0], 0, &r);
}

// memsrv checks what a client sends with INV_IDENTIFY, which on an endpoint
// is no invocation but a call: memsrv would wait on the client's endpoint,
// and every client with it. The client here answers that call (so memsrv
// goes on) and the test says what happened.
static const char *test_hello_endpoint(void)
{
	uint32_t ep;
	struct tthread *t;
	struct msg m = { 0 };
	int err, called = 0;

	OK(t_create(CAP_ENDPOINT, 0, &ep));
	t = tt_run(endpoint_sender, 0, ep, 0, &err);
	CHECK(t, "thread: %s", hmk_strerror(err));
	for (int i = 0; i < WAIT_YIELDS && !t->done; i++) {
		m = (struct msg){ 0 };
		if (sys_nbrecv(ep, &m) == E_OK) {
			called = 1; // memsrv is blocked in this call: let it go on
			m = (struct msg){ .info = MSG_INFO(0, 3), .mr = { CAP_ENDPOINT, 0, 0 } };
			sys_reply(&m);
		}
		sys_yield();
	}
	CHECK(t->done, "MS_THREAD_HELLO with an endpoint never answered");
	CHECK(!called,
	      "memsrv called into the endpoint a client sent (INV_IDENTIFY on an endpoint "
	      "is IPC): it waited on that client, and so did every other (answered %s "
	      "once released)",
	      hmk_strerror(t->rc));
	CHECK(t->rc != E_OK, "MS_THREAD_HELLO with an endpoint accepted");
	return NULL;
}

static const char *test_thread_badges(void)
{
	uint32_t cap, recv = t_slot(), badge, type, rights, got;
	struct tthread *t;
	struct msg r;
	page_t p;
	int err;

	CHECK(recv, "no slot");
	OK(t_alloc(0, 0, &p));
	t = tt_run(idler, 0, 0, 0, &err);
	CHECK(t, "thread: %s", hmk_strerror(err));
	OK(t_mint(t->slot, RIGHT_READ | RIGHT_WRITE, 0, &cap));
	OK(thread_hello(cap, recv, &r));
	badge = r.mr[0];
	CHECK(r.info & MSG_CAP, "no capability came with the answer");
	CHECK(badge & (1u << 31), "thread badge 0x%x without bit 31", badge);
	// It is memsrv's endpoint with that badge, to call and not to receive on.
	OK(space_identify(SLOT_SPACE, recv, &type, &rights, &got));
	CHECK(type == CAP_ENDPOINT && got == badge, "capability type %u badge 0x%x, wanted 0x%x",
	      type, got, badge);
	CHECK(!(rights & RIGHT_READ) && (rights & RIGHT_WRITE), "capability rights 0x%x", rights);
	// Through it: any request, for our client.
	OK(ms_call2(recv, MS_STATS, 0, 0, 0, &r));
	OK(kmap_flush()); // slot 0 empty for the library and memsrv alike
	OK(ms_call2(recv, MS_KMAP, 2, p, 0, &r));
	uint32_t w[2] = { 0, 1 }; // slot 0
	OK(ms_call(recv, MS_KUNMAP, w, 2, 0, 0, &r));
	// Two registered threads: a thread-bound request through the
	// program's capability cannot say which.
	EXPECT(ms_call2(SLOT_MEMSRV, MS_KMAP_LOCAL, 1, p, 0, &r), E_PERM);
	EXPECT(ms_call2(SLOT_MEMSRV, MS_KMAP_ATOMIC, 1, p, 0, &r), E_PERM);
	// The thread dies: memsrv reaps it, and its badge is nobody's.
	OK(tt_kill(t));
	EXPECT(ms_call2(recv, MS_STATS, 0, 0, 0, &r), E_PERM);
	EXPECT(ms_call2(recv, MS_ALLOC, 2, 0, 0, &r), E_PERM);
	// The program's capability works again for thread-bound requests:
	// one registered thread is left, the caller.
	// kmap_local says how many of its mappings the thread still holds:
	// never more than memsrv gave it.
	OK(ms_call2(SLOT_MEMSRV, MS_KMAP_LOCAL, 2, p, 0, &r));
	EXPECT(ms_call2(SLOT_MEMSRV, MS_KMAP_LOCAL, 2, p, 2, &r), E_INVAL);
	OK(ms_call2(SLOT_MEMSRV, MS_KMAP_LOCAL, 2, p, 1, &r));
	OK(ms_call2(SLOT_MEMSRV, MS_KMAP_LOCAL, 2, p, 0, &r)); // both forgotten: one left
	return NULL;
}

// A helper registers itself through the library: its own badge.
static void lib_user(struct tthread *t)
{
	struct highmem_stats st;

	t->rc = highmem_stats(&st);
	t->out[0] = 1;
	for (;;)
		sys_yield();
}

static const char *test_thread_lazy(void)
{
	struct tthread *t;
	int err;

	t = tt_run(lib_user, 0, 0, 0, &err);
	CHECK(t, "thread: %s", hmk_strerror(err));
	CHECK(wait_word(&t->out[0], 1), "helper never answered");
	OK(t->rc);
	OK(tt_kill(t));
	return NULL;
}

const struct test proto_tests[] = {
	{ test_hello_again, "MS_HELLO again: E_INVAL" },
	{ test_unknown_request, "unknown requests: E_NOSYS" },
	{ test_thread_hello_errors, "MS_THREAD_HELLO errors: E_INVAL, E_TYPE, E_PERM, E_BUSY" },
	{ test_hello_endpoint, "MS_THREAD_HELLO with an endpoint: memsrv must not call it" },
	{ test_thread_badges, "thread badges; thread-bound requests need them; a dead thread's "
			      "badge gets E_PERM" },
	{ test_thread_lazy, "a second thread registers through the library" },
	{ 0, 0 },
};
