// The protocol itself, spoken raw: registration (MS_HELLO, MS_THREAD_HELLO
// and their errors), thread badges, thread-bound requests through the
// program's capability, a dead thread's badge, unknown requests, the words
// of MS_STATS and MS_STATS_MORE.
#include "highmem/client.h"
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

// --- MS_STATS's words and MS_STATS_MORE's ------------------------------------
// Registers, holds one kmap_local of arg[0], stops (its mapping stays).
static void local_holder(struct tthread *t)
{
	t->out[0] = kmap_local_page(t->arg[0]) != NULL;
	t->out[1] = 1;
	thread_exit();
}

// MS_STATS answered in place (our thread's capability, one word) and the
// general way (no held word; the program's capability) while we hold two
// kmap_local, one kmap_atomic, one kmap and one vmap and a second thread
// one kmap_local: the same four words, the counts two a word.
static const char *stats_compare(const struct highmem_stats *st0, page_t page, uint32_t *free)
{
	uint32_t local = 3 | 1u << 16, pool = (st0->kmap_slots + 1) | (st0->vmap + 1) << 16;
	struct msg fast, slow, prog;
	void *atom;
	int err[4];

	CHECK(ms_thread_ep, "no thread capability from memsrv");
	// Pinned from here to kunmap_atomic: no yield, no check that returns.
	atom = kmap_atomic(page);
	err[0] = atom ? ms_call2(ms_thread_ep, MS_STATS, 1, 2, 0, &fast) : E_INVAL;
	err[1] = atom ? ms_call2(ms_thread_ep, MS_STATS, 0, 0, 0, &slow) : E_INVAL;
	err[2] = atom ? ms_call2(SLOT_MEMSRV, MS_STATS, 1, 2, 0, &prog) : E_INVAL;
	err[3] = atom ? kunmap_atomic(atom) : highmem_errno;
	for (int i = 0; i < 4; i++)
		OK(err[i]);
	CHECK(MSG_LEN(fast.info) == 4 && MSG_LEN(slow.info) == 4 && MSG_LEN(prog.info) == 4,
	      "MS_STATS answered %u, %u and %u words, not 4", MSG_LEN(fast.info),
	      MSG_LEN(slow.info), MSG_LEN(prog.info));
	for (int i = 0; i < 4; i++)
		CHECK(fast.mr[i] == slow.mr[i] && fast.mr[i] == prog.mr[i],
		      "MR%d: 0x%x in place, 0x%x and 0x%x the general way", i, fast.mr[i],
		      slow.mr[i], prog.mr[i]);
	CHECK(fast.mr[1] == st0->owned_pages + 4, "owned %u, not %u", fast.mr[1],
	      st0->owned_pages + 4);
	CHECK(fast.mr[2] == local, "kmap_local | kmap_atomic << 16: 0x%x, not 0x%x", fast.mr[2],
	      local);
	CHECK(fast.mr[3] == pool, "kmap slots | vmaps << 16: 0x%x, not 0x%x", fast.mr[3], pool);
	*free = fast.mr[0];
	return NULL;
}

static const char *test_stats_words(void)
{
	struct highmem_stats st0, st;
	uint32_t free = 0, logged;
	struct tthread *t;
	page_t p, two[2];
	struct msg r;
	int err;

	OK(kmap_flush()); // no stale pool slot left to go at our kmap
	OK(stats(&st0));
	OK(t_alloc(2, 0, &p));
	two[0] = p, two[1] = p + 1;
	t = tt_run(local_holder, 0, p, 0, &err);
	CHECK(t, "thread: %s", hmk_strerror(err));
	CHECK(wait_word(&t->out[1], 1) && t->out[0], "the helper's kmap_local failed");
	CHECK(t_kmap_local(p + 1) && t_kmap_local(p + 2), "kmap_local: %s",
	      hmk_strerror(highmem_errno));
	CHECK(t_kmap(p + 3), "kmap: %s", hmk_strerror(highmem_errno));
	CHECK(t_vmap(two, 2, PROT_READ | PROT_WRITE), "vmap: %s", hmk_strerror(highmem_errno));
	TRY(stats_compare(&st0, p, &free));
	// The library's view, used pages from MS_STATS_MORE's total.
	OK(stats(&st));
	CHECK(st.kmap_local == 3 && st.kmap_atomic == 0 && st.kmap_slots == st0.kmap_slots + 1 &&
		      st.vmap == st0.vmap + 1 && st.owned_pages == st0.owned_pages + 4 &&
		      st.free_pages == free && free == st0.free_pages - 4 &&
		      st.used_pages == st0.used_pages + 4,
	      "stats: local %u atomic %u slots %u vmaps %u owned %u free %u used %u", st.kmap_local,
	      st.kmap_atomic, st.kmap_slots, st.vmap, st.owned_pages, st.free_pages, st.used_pages);
	// MS_STATS_MORE: memsrv's pages; one error line more, written or left out.
	OK(ms_call2(SLOT_MEMSRV, MS_STATS_MORE, 0, 0, 0, &r));
	CHECK(MSG_LEN(r.info) == 5, "MS_STATS_MORE answered %u words, not 5", MSG_LEN(r.info));
	CHECK(r.mr[0] == st.free_pages + st.used_pages && r.mr[0] >= free + st.owned_pages,
	      "memsrv's pages %u, with %u free and %u used", r.mr[0], st.free_pages, st.used_pages);
	CHECK(r.mr[3] >= st.owned_pages && user_ipcbuf()->mr[4] >= st.kmap_slots + st.vmap,
	      "limits of %u pages and %u mappings", r.mr[3], user_ipcbuf()->mr[4]);
	logged = r.mr[1] + r.mr[2];
	EXPECT(ms_call2(SLOT_MEMSRV, MS_FREE, 2, 0x10, 0, &r), E_INVAL);
	OK(ms_call2(ms_thread_ep, MS_STATS_MORE, 0, 0, 0, &r));
	CHECK(r.mr[1] + r.mr[2] == logged + 1, "error lines %u + %u, were %u in all", r.mr[1],
	      r.mr[2], logged);
	OK(tt_kill(t));
	return NULL;
}

// --- MS_ENDPOINT: a thread's capability to memsrv's thread on a CPU ----------
static const char *test_endpoint(void)
{
	uint32_t cpus = console_cpus(SLOT_CONSOLE), ep0, type, rights, badge, want;
	struct highmem_stats st;
	struct msg r;

	OK(highmem_stats(&st)); // registers this thread
	ep0 = user_ipcbuf()->memsrv_ep[0];
	CHECK(ep0, "no thread capability from memsrv");
	CHECK(cpus >= 1 && cpus <= HMK_CPUS_MAX, "%u CPUs online", cpus);
	EXPECT(ms_call2(SLOT_MEMSRV, MS_ENDPOINT, 1, 0, 0, &r), E_PERM); // whose thread?
	EXPECT(ms_call2(ep0, MS_ENDPOINT, 0, 0, 0, &r), E_INVAL);        // which CPU?
	EXPECT(ms_call2(ep0, MS_ENDPOINT, 1, HMK_CPUS_MAX, 0, &r), E_INVAL);
	EXPECT(ms_call2(ep0, MS_ENDPOINT, 1, ~0u, 0, &r), E_INVAL);
	if (cpus < HMK_CPUS_MAX) // memsrv serves on every online CPU, on no other
		EXPECT(ms_call2(ep0, MS_ENDPOINT, 1, cpus, 0, &r), E_RANGE);
	for (uint32_t cpu = 0; cpu < cpus; cpu++) {
		uint32_t recv = t_slot();

		CHECK(recv, "no slot");
		OK(ms_call(ep0, MS_ENDPOINT, &cpu, 1, 0, recv, &r));
		CHECK(r.info & MSG_CAP, "CPU %u: no capability came with the answer", cpu);
		OK(space_identify(SLOT_SPACE, recv, &type, &rights, &badge));
		OK(space_identify(SLOT_SPACE, ep0, NULL, NULL, &want));
		CHECK(type == CAP_ENDPOINT && badge == want,
		      "CPU %u: capability type %u badge 0x%x, wanted our thread's 0x%x", cpu, type,
		      badge, want);
		CHECK(!(rights & RIGHT_READ) && (rights & RIGHT_WRITE), "capability rights 0x%x",
		      rights);
		OK(ms_call2(recv, MS_STATS, 0, 0, 0, &r)); // and it serves us
	}
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
	{ test_stats_words, "MS_STATS's four words in place and the general way; MS_STATS_MORE" },
	{ test_endpoint, "MS_ENDPOINT: our thread's capability for each CPU; E_PERM, E_INVAL, "
			 "E_RANGE" },
	{ 0, 0 },
};
