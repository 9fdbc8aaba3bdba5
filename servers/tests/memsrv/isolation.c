// memsrv against a greedy or careless client: memsrv running short of
// capability slots in the middle of a vmap, per-client limits (pages,
// mappings) set by the spawner, a flood of failing requests (the other
// clients' round trips, memsrv's log), a request sent with `send`, and a
// kmap_atomic held until the kernel takes it back.
//
// The children are this program again (mstests.h): MODE_VMAPPER asks for a
// vmap as large as its area, MODE_LIMITED fills its limits, MODE_FLOOD
// sends failing requests.
#include <stdio.h>

#include "highmem/client.h"
#include "mstests.h"

#define SALT 0x150a7100u
#define BIG_VMAP (MEMSRV_VMAP_SIZE / PAGE_SIZE - 2) // the area, less a guard page
#define FLOOD_REQUESTS 20000
#define LIMIT_PAGES 40
#define LIMIT_MAPS 24

enum { C_READY = 1, C_DONE = 2 }; // the children's calls on SLOT_GIFT

// MS_STATS_MORE's log lines written and left out and limits, of the client
// behind ep; E_OK or the error.
static int stats_more(uint32_t ep, uint32_t *written, uint32_t *dropped, uint32_t *pages,
		      uint32_t *maps)
{
	struct msg r;
	int err;

	if ((err = ms_call2(ep, MS_STATS_MORE, 0, 0, 0, &r)))
		return err;
	if (MSG_LEN(r.info) < 5)
		return E_NOSYS;
	*written = r.mr[1];
	*dropped = r.mr[2];
	*pages = r.mr[3];
	*maps = user_ipcbuf()->mr[4];
	return E_OK;
}

// Calls the parent (SLOT_GIFT) with label and up to four words.
static int tell_parent(uint32_t label, uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
	struct msg m = { .info = MSG_INFO(label, 4), .mr = { a, b, c, d } };

	return sys_call(SLOT_GIFT, &m);
}

// Waits until killed.
static int block(void)
{
	uint32_t ep;
	struct msg m = { 0 };

	if (space_create(SLOT_SPACE, CAP_ENDPOINT, 0, &ep))
		return 7;
	for (;;)
		sys_recv(ep, &m); // nobody sends
}

// Receives one call of a child's with `label`, words in *m.
static const char *child_call(uint32_t ep, uint32_t label, struct msg *m)
{
	OK(poll_recv(ep, m));
	CHECK(MSG_LABEL(m->info) == label, "a child called with label %u, not %u",
	      MSG_LABEL(m->info), label);
	return NULL;
}

// --- memsrv short of slots while it builds a vmap ------------------------------
// The largest vmap, then its first page: tells the parent (MS_VMAP's error,
// MS_VMAP_MORE's, whether the page reads right, its vmaps), then blocks.
int vmapper_main(uint32_t param)
{
	uint32_t w[4] = { BIG_VMAP, PROT_READ }, *k, ok = 0, more = ~0u;
	struct highmem_stats st;
	struct msg r;
	page_t p;
	int err;

	(void)param;
	if (alloc_page(0, &p) || !(k = kmap_local_page(p)))
		return 1;
	k[0] = page_word(p, 0, SALT);
	kunmap_local(k);
	err = ms_call(SLOT_MEMSRV, MS_VMAP, w, 2, 0, 0, &r);
	if (!err) {
		uint32_t va = r.mr[0];
		w[0] = va, w[1] = p, w[2] = 1;
		more = (uint32_t)ms_call(SLOT_MEMSRV, MS_VMAP_MORE, w, 3, 0, 0, &r);
		ok = !more && *(volatile uint32_t *)va == page_word(p, 0, SALT);
	}
	if (highmem_stats(&st) || tell_parent(C_DONE, (uint32_t)err, more, ok, st.vmap))
		return 2;
	return block();
}

static const char *test_vmap_slots(void)
{
	enum { N = 4 };
	uint32_t ep, id[N], refused = 0;
	struct msg m, r;
	int status;

	OK(t_create(CAP_ENDPOINT, 0, &ep));
	// Four clients each ask for the largest vmap (56 windows each): memsrv
	// cannot make all of them. Each either gets its vmap whole, or an error
	// and nothing of it.
	for (int i = 0; i < N; i++) {
		OK(child_spawn(MODE_ARG(MODE_VMAPPER, 0), ep, &id[i]));
		TRY(child_call(ep, C_DONE, &m));
		int err = (int)m.mr[0], more = (int)m.mr[1];
		printf("# vmap of %u pages by client %d of %d: %s, then MS_VMAP_MORE %s\n",
		       BIG_VMAP, i + 1, N, hmk_strerror(err), err ? "-" : hmk_strerror(more));
		if (err) {
			CHECK(err == E_NOSLOT || err == E_NOMEM,
			      "client %d: MS_VMAP refused with %s", i + 1, hmk_strerror(err));
			CHECK(m.mr[3] == 0, "client %d: MS_VMAP refused, yet %u vmap(s) left",
			      i + 1, m.mr[3]);
			refused++;
		} else
			CHECK(!more && m.mr[2] && m.mr[3] == 1,
			      "client %d: MS_VMAP answered E_OK, then MS_VMAP_MORE %s, the page %s",
			      i + 1, hmk_strerror(more), m.mr[2] ? "reads right" : "does not read");
		r = (struct msg){ .info = MSG_INFO(0, 0) };
		OK(sys_reply(&r));
	}
	CHECK(refused, "memsrv made all %d vmaps: the test did not run it short of slots", N);
	for (int i = 0; i < N; i++) {
		OK(init_kill(id[i]));
		OK(child_wait(id[i], &status));
	}
	// Nothing of the refused ones stayed: with the others gone, ours is whole.
	page_t p;
	uint32_t w[3] = { BIG_VMAP, PROT_READ }, *k;
	int err = E_NOSLOT;

	OK(t_alloc(0, 0, &p));
	CHECK(k = t_kmap_local(p), "kmap_local: %s", hmk_strerror(highmem_errno));
	k[0] = page_word(p, 0, SALT);
	OK(t_kunmap_local(k));
	for (int i = 0; i < 100 && err == E_NOSLOT; i++) // until memsrv has reaped them
		if ((err = ms_call(SLOT_MEMSRV, MS_VMAP, w, 2, 0, 0, &r)) == E_NOSLOT)
			sys_yield();
	OK(err);
	undo_vunmap(r.mr[0]);
	w[0] = r.mr[0], w[1] = p, w[2] = 1;
	OK(ms_call(SLOT_MEMSRV, MS_VMAP_MORE, w, 3, 0, 0, &r));
	CHECK(*(volatile uint32_t *)w[0] == page_word(p, 0, SALT), "our big vmap reads wrong");
	OK(t_vunmap((void *)w[0]));
	return NULL;
}

// --- limits set by the spawner -----------------------------------------------
// Allocates pages until refused, then kmaps them, one each, until refused;
// unmaps those (stale slots, still counted by memsrv) and kmaps the rest,
// which the library makes room for by emptying the stale slots. Exits with
// 3 when MS_STATS_MORE does not tell its limits; else tells the parent how
// far it got, and which errors ended it, and exits when answered.
int limited_main(uint32_t param)
{
	static page_t got[LIMIT_PAGES + 8];
	uint32_t n = 0, k = 0, more = 0;
	int aerr = E_OK, kerr = E_OK;

	(void)param;
	while (n < LIMIT_PAGES + 8 && !(aerr = alloc_page(0, &got[n])))
		n++;
	while (k < n && kmap(got[k]))
		k++;
	kerr = k < n ? highmem_errno : E_OK;
	for (uint32_t i = 0; i < k; i++)
		kunmap(got[i]);
	while (k + more < n && kmap(got[k + more]))
		more++;
	uint32_t written, dropped, pages, maps; // MS_STATS_MORE tells the limits
	if (stats_more(SLOT_MEMSRV, &written, &dropped, &pages, &maps) || pages != LIMIT_PAGES ||
	    maps != LIMIT_MAPS)
		return 3;
	if (tell_parent(C_DONE, n, k, (uint32_t)aerr | (uint32_t)kerr << 8, more))
		return 2;
	return 0;
}

static const char *test_limits(void)
{
	uint32_t ep, id, c;
	struct msg m, r;
	page_t p;
	void *va;
	int status;

	OK(t_create(CAP_ENDPOINT, 0, &ep));
	OK(child_spawn_limited(MODE_ARG(MODE_LIMITED, 0), ep, LIMIT_PAGES, LIMIT_MAPS, &id));
	TRY(child_call(ep, C_DONE, &m));
	c = m.mr[2];
	CHECK(m.mr[0] == LIMIT_PAGES && (c & 0xff) == E_NOMEM,
	      "a child limited to %u pages got %u, then %s", LIMIT_PAGES, m.mr[0],
	      hmk_strerror((int)(c & 0xff)));
	CHECK(m.mr[1] == LIMIT_MAPS && (c >> 8) == E_NOMEM,
	      "a child limited to %u mappings made %u kmaps, then %s", LIMIT_MAPS, m.mr[1],
	      hmk_strerror((int)(c >> 8)));
	CHECK(m.mr[3] == LIMIT_PAGES - LIMIT_MAPS,
	      "with its %u kmaps unmapped (stale), the child made %u of %u more", LIMIT_MAPS,
	      m.mr[3], LIMIT_PAGES - LIMIT_MAPS);
	// The child holds all it may: we are not affected.
	OK(t_alloc(4, 0, &p));
	CHECK(va = t_kmap(p), "kmap while the child is at its limits: %s",
	      hmk_strerror(highmem_errno));
	r = (struct msg){ .info = MSG_INFO(0, 0) };
	OK(sys_reply(&r));
	OK(child_wait(id, &status));
	CHECK(status == 0, "the limited child exited with %d", status);
	// Only the starter sets limits.
	uint32_t w[3] = { highmem_client_id(), MS_UNLIMITED, MS_UNLIMITED };
	EXPECT(ms_call(SLOT_MEMSRV, MS_LIMIT, w, 3, 0, 0, &r), E_PERM);
	return NULL;
}

// --- a flood of failing requests -----------------------------------------------
// Tells the parent it starts, sends `count` failing requests (each one
// logged, or counted as left out), then tells how many lines memsrv wrote
// and left out for it, and in how many ticks.
int flood_main(uint32_t count)
{
	uint32_t written, dropped, pages, maps, t0;
	struct msg r;

	if (!highmem_client_id() || tell_parent(C_READY, 0, 0, 0, 0))
		return 1;
	t0 = ticks();
	for (uint32_t i = 0; i < count; i++)
		if (ms_call2(SLOT_MEMSRV, MS_KMAP, 1, 0x10, 0, &r) != E_INVAL)
			return 2;
	if (stats_more(SLOT_MEMSRV, &written, &dropped, &pages, &maps))
		written = dropped = 0; // memsrv does not say: the parent's check fails
	if (tell_parent(C_DONE, written, dropped, ticks() - t0, 0))
		return 4;
	return 0;
}

static const char *test_flood(void)
{
	uint32_t ep, id, trips = 0, worst = 0, total = 0, lines, secs, start;
	struct highmem_stats st;
	struct msg m, r;
	int status, err;

	OK(t_create(CAP_ENDPOINT, 0, &ep));
	OK(child_spawn(MODE_ARG(MODE_FLOOD, FLOOD_REQUESTS), ep, &id));
	TRY(child_call(ep, C_READY, &m));
	r = (struct msg){ .info = MSG_INFO(0, 0) };
	OK(sys_reply(&r));
	// Our round trips while it floods (a minute at most): none may wait long.
	start = ticks();
	while ((err = sys_nbrecv(ep, &m)) == E_AGAIN && ticks() - start < 6000) {
		uint32_t t0 = ticks(), dt;

		OK(stats(&st));
		dt = ticks() - t0;
		worst = dt > worst ? dt : worst;
		total += dt;
		trips++;
	}
	CHECK(!err,
	      "the flooding child did not finish in %u ticks (%s); our worst round trip "
	      "took %u ticks",
	      ticks() - start, hmk_strerror(err), worst);
	CHECK(MSG_LABEL(m.info) == C_DONE, "the flooding child called with label %u",
	      MSG_LABEL(m.info));
	OK(sys_reply(&r));
	OK(child_wait(id, &status));
	CHECK(status == 0, "the flooding child exited with %d", status);
	printf("# flood: %u failing requests in %u ticks; our %u round trips meanwhile: worst %u "
	       "ticks, %u in all; memsrv logged %u lines for it, left out %u\n",
	       FLOOD_REQUESTS, m.mr[2], trips, worst, total, m.mr[0], m.mr[1]);
	CHECK(worst <= 50, "a round trip took %u ticks (%u ms) during the flood", worst,
	      worst * 10);
	// At most LOG_LINES a second (plus the interval it started in), and every
	// failure either logged or counted as left out.
	secs = m.mr[2] / 100 + 2;
	lines = m.mr[0];
	CHECK(lines + m.mr[1] >= FLOOD_REQUESTS, "%u lines logged and %u left out for %u failures",
	      lines, m.mr[1], FLOOD_REQUESTS);
	CHECK(lines <= 20 * secs, "memsrv logged %u lines in about %u s", lines, secs);
	return NULL;
}

// --- a request sent, not called --------------------------------------------------
// Registers, then sends MS_KMAP_ATOMIC of arg[0] with `send` through its own
// capability (nobody waits for the answer), then reads its stats.
static void sender(struct tthread *t)
{
	struct highmem_stats st;
	struct msg m = { .info = MSG_INFO(MS_KMAP_ATOMIC, 1), .mr = { t->arg[0] } };

	if (highmem_stats(&st) || !ms_thread_ep) {
		t->rc = E_PERM;
		return;
	}
	t->out[0] = (uint32_t)sys_send(ms_thread_ep, &m);
	t->out[1] = (uint32_t)highmem_stats(&st);
	t->out[2] = st.kmap_atomic;
	if (st.kmap_atomic) // leave nothing behind, whatever memsrv did
		kunmap_atomic((void *)(MEMSRV_LOCAL_VA + KMAP_ATOMIC_FIRST * PAGE_SIZE));
}

static const char *test_send(void)
{
	struct tthread *t;
	page_t p;
	int err;

	OK(t_alloc(0, 0, &p));
	CHECK(t = tt_run(sender, 0, p, 0, &err), "thread: %s", hmk_strerror(err));
	CHECK(wait_flag(&t->done), "the sending thread never finished");
	OK(t->rc);
	OK((int)t->out[0]);
	OK((int)t->out[1]);
	CHECK(t->out[2] == 0,
	      "an MS_KMAP_ATOMIC sent without waiting for the answer left %u "
	      "kmap_atomic mapping(s) (and pinned the sender)",
	      t->out[2]);
	OK(tt_kill(t));
	return NULL;
}

// --- kmap_atomic held until the kernel takes it back -----------------------------
// kmap_atomic of arg[0], then spins (pinned) for 30 ticks: the kernel
// reclaims the mapping after ATOMIC_LIMIT_TICKS. Then its stats and kunmap.
static void overrunner(struct tthread *t)
{
	struct highmem_stats st;
	void *va = kmap_atomic(t->arg[0]);
	uint32_t t0 = ticks();

	if (!va) {
		t->rc = highmem_errno;
		return;
	}
	while (ticks() - t0 < 3 * ATOMIC_LIMIT_TICKS)
		;
	t->out[0] = (uint32_t)highmem_stats(&st);
	t->out[1] = st.kmap_atomic;
	t->out[2] = (uint32_t)kunmap_atomic(va);
}

static const char *test_atomic_overrun(void)
{
	struct highmem_stats st;
	struct tthread *t;
	page_t p;
	int err;

	OK(t_alloc(0, 0, &p));
	CHECK(t = tt_run(overrunner, 0, p, 0, &err), "thread: %s", hmk_strerror(err));
	CHECK(wait_flag(&t->done), "the pinned thread never finished");
	OK(t->rc);
	OK((int)t->out[0]);
	CHECK(t->out[1] == 0, "memsrv counts kmap_atomic=%u after the kernel took the mapping back",
	      t->out[1]);
	EXPECT((int)t->out[2], E_INVAL);
	OK(tt_kill(t));
	OK(stats(&st));
	CHECK(st.kmap_atomic == 0, "kmap_atomic=%u after the thread died", st.kmap_atomic);
	OK(t_free(p, 0));
	return NULL;
}

const struct test isolation_tests[] = {
	{ test_vmap_slots,
	  "vmap while memsrv runs short of slots: whole, or an error and nothing" },
	{ test_limits, "limits from the spawner: E_NOMEM at the child's pages and mappings; we "
		       "are not affected; MS_LIMIT from a client: E_PERM" },
	{ test_flood, "a client's flood of failing requests: our round trips stay short, its "
		      "log lines are limited" },
	{ test_send, "MS_KMAP_ATOMIC sent with send: refused, nothing mapped or pinned" },
	{ test_atomic_overrun, "kmap_atomic reclaimed by the kernel: memsrv counts it gone" },
	{ 0, 0 },
};
