// Other clients, and spaces that are none: the kmap pool is in no space
// that did not say MS_HELLO (a fresh space of ours; a child program before
// its MS_HELLO), each client has its own (another's kmap address faults or
// shows its own page, never the other's), pages can be shared
// with another program, and a program killed with mappings of every kind
// open gives everything back (pages it shared and we still map stay ours to
// read, orphaned, until our last kunmap).
//
// The children are this program again (init starts NAME.elf): the start
// argument makes it a victim, a pre-MS_HELLO probe or a client memsrv
// cannot watch (mstests.h).
#include <stdio.h>

#include "mstests.h"

#define PREHELLO_MAGIC 0x9e4e110u
#define SALT_SHARED 0x54a3ed00u
#define SALT_VICTIM 0x71c7100u

enum { V_HELLO = 1, V_READY = 2 }; // the victim's calls on its SLOT_GIFT

// --- a child before its MS_HELLO --------------------------------------------
int prehello_main(uint32_t slot)
{
	uint32_t addr = MEMSRV_POOL_VA + slot * PAGE_SIZE, v = 0;
	const char *why;
	struct msg r;
	int f;

	// Nothing of memsrv's is in our space yet: not the parent's live kmap.
	if ((f = probe_faults(addr, &v, &why)) < 0)
		return 10;
	if (f != 1)
		return 1;
	if (ms_call2(SLOT_MEMSRV, MS_STATS, 0, 0, 0, &r) != E_PERM ||
	    ms_call2(SLOT_MEMSRV, MS_STATS_MORE, 0, 0, 0, &r) != E_PERM ||
	    ms_call2(SLOT_MEMSRV, MS_ALLOC, 2, 0, 0, &r) != E_PERM)
		return 2;
	// Registered: the parent's kmap address still shows nothing (the
	// parent's pool is the parent's).
	if (!highmem_client_id())
		return 3;
	if ((f = probe_faults(addr, &v, &why)) < 0)
		return 10;
	if (f != 1)
		return 4;
	// With a pool of our own, that address faults or shows our page.
	page_t p;
	uint32_t *own;
	if (alloc_page(0, &p) || !(own = kmap(p)))
		return 6;
	own[0] = ~PREHELLO_MAGIC ^ slot;
	if ((f = probe_faults(addr, &v, &why)) < 0)
		return 10;
	if ((uint32_t)own == addr ? f != 0 || v != own[0] : f != 1)
		return 5;
	return 0;
}

static const char *test_prehello(void)
{
	static const char *const why[] = {
		[1] = "it read the pool before its MS_HELLO",
		[2] = "its requests before MS_HELLO did not get E_PERM",
		[3] = "its MS_HELLO failed",
		[4] = "after its MS_HELLO it read our kmap through our address",
		[5] = "with a kmap of its own, our kmap address did not fault nor show its page",
		[6] = "its own alloc_page or kmap failed",
		[10] = "its probe failed",
	};
	uint32_t *va, id, slot;
	int status;
	page_t p;

	OK(t_alloc(0, 0, &p));
	CHECK(va = t_kmap(p), "kmap: %s", hmk_strerror(highmem_errno));
	slot = ((uint32_t)va - MEMSRV_POOL_VA) / PAGE_SIZE;
	va[0] = PREHELLO_MAGIC ^ slot;
	OK(child_spawn(MODE_ARG(MODE_PREHELLO, slot), 0, &id));
	OK(child_wait(id, &status));
	CHECK(status == 0, "the child exited with %d: %s", status,
	      status > 0 && status <= 10 && why[status] ? why[status] : "it faulted");
	return NULL;
}

// --- a space memsrv never heard of ---------------------------------------------
// Copied to a page of its own and run in a fresh space: loads [r0], then
// stops on an undefined instruction (which says the load went through).
extern char stranger_stub[], stranger_stub_end[];
__asm__(".text\n"
	".global stranger_stub, stranger_stub_end\n"
	".arm\n"
	"stranger_stub:\n"
	"	ldr r1, [r0]\n"
	"	udf #0x51\n"
	"stranger_stub_end:\n");

#define STRANGER_VA USER_TEXT_BASE
#define STRANGER_IPCBUF 0x00200000u
#define STUB_VA (USER_SCRATCH_BASE + 0x00f00000u)

// The page of SLOT_MEMORY that holds the stub (mapped at STUB_VA, once).
static const char *stub_page(uint32_t *offset)
{
	static uint32_t off = ~0u;

	if (off == ~0u) {
		uint32_t pages;
		OK(range_info(SLOT_MEMORY, NULL, &pages));
		uint32_t next = pages - user_pages_free();
		OK(user_pages_alloc(1, STUB_VA));
		for (char *s = stranger_stub, *d = (char *)STUB_VA; s < stranger_stub_end; s++, d++)
			*d = *s; // QEMU keeps instruction fetches coherent with these stores
		off = next;
	}
	*offset = off;
	return NULL;
}

// Runs the stub in a fresh space with r0 = addr; the fault it reports.
static const char *stranger_run(uint32_t addr, struct msg *fault)
{
	uint32_t space, thread, ep, off = 0;
	struct msg m;

	TRY(stub_page(&off));
	OK(t_create(CAP_ENDPOINT, 0, &ep));
	OK(t_create(CAP_SPACE, 16, &space));
	OK(space_map(space, SLOT_MEMORY, off, STRANGER_VA, 1, PROT_READ | PROT_EXEC));
	OK(t_create(CAP_THREAD, 0, &thread));
	OK(thread_configure(thread, space, STRANGER_IPCBUF, ep, my_prio));
	OK(thread_write_regs(thread, STRANGER_VA, 0, addr, 0));
	OK(thread_resume(thread));
	OK(poll_recv(ep, fault));
	m = (struct msg){ .info = MSG_INFO(0, 0) }; // not resumed
	OK(sys_reply(&m));
	OK(inv_destroy(thread));
	OK(inv_destroy(space));
	return NULL;
}

static const char *test_stranger(void)
{
	struct msg f;
	uint32_t *va;
	page_t p;

	OK(t_alloc(0, 0, &p));
	CHECK(va = t_kmap(p), "kmap: %s", hmk_strerror(highmem_errno));
	va[0] = 0x5a5a;
	// The stub runs and loads what is mapped: its own code.
	TRY(stranger_run(STRANGER_VA, &f));
	CHECK(MSG_LABEL(f.info) == FAULT_UNDEF && f.mr[0] == STRANGER_VA + 4,
	      "the stub on its own code: fault 0x%x at 0x%x", MSG_LABEL(f.info), f.mr[0]);
	// Our live kmap, the pool's first page, the local window, the vmap area:
	// nothing there.
	const uint32_t addrs[] = { (uint32_t)va, MEMSRV_POOL_VA, MEMSRV_LOCAL_VA,
				   MEMSRV_VMAP_BASE };
	for (uint32_t i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		TRY(stranger_run(addrs[i], &f));
		CHECK(MSG_LABEL(f.info) == FAULT_DABORT && f.mr[0] == STRANGER_VA &&
			      f.mr[2] == addrs[i] && DFSR_TRANSLATION(f.mr[1]),
		      "a fresh space reading 0x%x: fault 0x%x at pc 0x%x addr 0x%x DFSR 0x%x",
		      addrs[i], MSG_LABEL(f.info), f.mr[0], f.mr[2], f.mr[1]);
	}
	return NULL;
}

// --- the victim -----------------------------------------------------------------
static void atomic_holder(struct tthread *t)
{
	t->out[0] = kmap_atomic(t->arg[0]) != NULL;
	t->out[1] = 1;
	thread_exit(); // suspended: the stop ends the pin, and memsrv takes the mapping back
}

// Holds pages and mappings of every kind, tells the parent (a call on
// SLOT_GIFT), then blocks for ever.
int victim_main(uint32_t parent)
{
	uint32_t me = highmem_client_id(), ep, packed;
	struct msg m = { .info = MSG_INFO(V_HELLO, 1), .mr = { me } };
	struct highmem_stats st;
	struct tthread *t;
	page_t b, q, s, list[10];
	uint32_t *k, *ks;
	void *l, *v;
	int err;

	if (!me || sys_call(SLOT_GIFT, &m))
		return 1;
	s = m.mr[0]; // shared with us
	if (alloc_pages(0, 4, &b) || alloc_page(MS_ALLOC_HIGH, &q))
		return 2;
	for (uint32_t i = 0; i <= 16; i++) {
		page_t p = i < 16 ? b + i : q;

		if (!(l = kmap_local_page(p)))
			return 3;
		page_fill(l, p, SALT_VICTIM);
		kunmap_local(l);
	}
	for (uint32_t i = 0; i < 8; i++)
		list[i] = b + 8 + i;
	list[8] = q;
	list[9] = s; // a page of another client's, shared: counted for its owner
	l = kmap_local_page(b);
	k = kmap(b + 1);
	ks = kmap(s);
	v = vmap(list, 10, PROT_READ | PROT_WRITE);
	if (!l || !k || !ks || !v || share_page(q, parent))
		return 4;
	t = tt_run(atomic_holder, 0, b + 2, 0, &err);
	if (!t || !wait_word(&t->out[1], 1) || !t->out[0] || highmem_stats(&st))
		return 5;
	packed = st.kmap_local | st.kmap_atomic << 4 | st.kmap << 8 | st.vmap << 12 |
		 st.owned_pages << 16 | (uint32_t)page_holds(ks, s, SALT_SHARED) << 31;
	m = (struct msg){ .info = MSG_INFO(V_READY, 4), .mr = { (uint32_t)k, q, b, packed } };
	if (sys_call(SLOT_GIFT, &m))
		return 6;
	if (space_create(SLOT_SPACE, CAP_ENDPOINT, 0, &ep))
		return 7;
	for (;;)
		sys_recv(ep, &m); // nobody sends: until killed
}

// Receives one call of the victim's, with label `label`.
static const char *victim_call(uint32_t ep, uint32_t label, struct msg *m)
{
	OK(poll_recv(ep, m));
	CHECK(MSG_LABEL(m->info) == label, "the victim called with label %u (%u words), not %u",
	      MSG_LABEL(m->info), MSG_LEN(m->info), label);
	return NULL;
}

// Polls MS_STATS until free pages are `want`.
static const char *free_becomes(uint32_t want, struct highmem_stats *st)
{
	for (int i = 0; i < 500; i++) {
		OK(stats(st));
		if (st->free_pages == want)
			return NULL;
		sys_yield();
	}
	return fail_fmt("%u pages free, wanted %u", st->free_pages, want);
}

static const char *test_victim(void)
{
	uint32_t ep, id, me = highmem_client_id(), kva, v = 0, *kq, *kg, *vq;
	struct highmem_stats st0, st;
	struct msg m, r;
	page_t s, q, b, g;
	const char *why;
	int status, f;

	OK(t_alloc(0, 0, &s));
	CHECK(kq = kmap_local_page(s), "kmap_local: %s", hmk_strerror(highmem_errno));
	page_fill(kq, s, SALT_SHARED);
	OK(kunmap_local(kq));
	OK(t_create(CAP_ENDPOINT, 0, &ep));
	OK(stats(&st0));
	OK(child_spawn(MODE_ARG(MODE_VICTIM, me), ep, &id));
	TRY(victim_call(ep, V_HELLO, &m));
	CHECK(m.mr[0] == id, "the victim is client %u, program %u", m.mr[0], id);
	OK(share_page(s, id));
	r = (struct msg){ .info = MSG_INFO(0, 1), .mr = { s } };
	OK(sys_reply(&r));
	TRY(victim_call(ep, V_READY, &m));
	kva = m.mr[0], q = m.mr[1], b = m.mr[2];
	r = (struct msg){ .info = MSG_INFO(0, 0) };
	OK(sys_reply(&r));
	uint32_t c = m.mr[3];
	// Its atomic holder stopped, which ends the pin: memsrv no longer counts
	// that kmap_atomic (and emptied its slots).
	CHECK((c & 0xf) == 1 && (c >> 4 & 0xf) == 0 && (c >> 8 & 0xf) == 2 &&
		      (c >> 12 & 0xf) == 1 && (c >> 16 & 0x7fff) == 17,
	      "the victim's stats: local %u atomic %u kmap %u vmap %u owned %u", c & 0xf,
	      c >> 4 & 0xf, c >> 8 & 0xf, c >> 12 & 0xf, c >> 16 & 0x7fff);
	CHECK(c >> 31, "the victim read another page through its kmap of our shared page");
	EXPECT(__free_page(s), E_BUSY); // in the victim's vmap
	OK(stats(&st));
	CHECK(st.free_pages == st0.free_pages - 17, "%u pages free, %u before the victim",
	      st.free_pages, st0.free_pages);
	// Its live kmap is in its pool, not ours: its address faults here.
	if ((f = probe_faults(kva, &v, &why)) < 0)
		return why;
	CHECK(f == 1, "the victim's kmap at 0x%x reads 0x%x here%s", kva, v,
	      v == page_word(b + 1, 0, SALT_VICTIM) ? ": the victim's page" : "");
	// Its pages are its own.
	EXPECT(__free_pages(b, 4), E_PERM);
	EXPECT(__free_page(q), E_PERM);
	EXPECT(share_page(q, me), E_PERM);
	EXPECT_NULL(kmap_local_page(b + 1), E_PERM);
	EXPECT_NULL(kmap(b + 1), E_PERM);
	EXPECT_NULL(vmap(&b, 1, PROT_READ), E_PERM);
	// But the one it shared we may map.
	CHECK(kq = t_kmap(q), "kmap of the page shared with us: %s", hmk_strerror(highmem_errno));
	CHECK(page_holds(kq, q, SALT_VICTIM), "the shared page reads wrong");
	CHECK(vq = t_vmap(&q, 1, PROT_READ), "vmap of the page shared with us: %s",
	      hmk_strerror(highmem_errno));
	OK(init_kill(id));
	// All back but the page we vmap, orphaned: it stays readable until our
	// vunmap frees it. A kmap does not keep a page (memsrv emptied our slot
	// of it before it left its dead owner).
	TRY(free_becomes(st0.free_pages - 1, &st));
	CHECK(page_holds(vq, q, SALT_VICTIM), "the orphaned page reads wrong through our vmap");
	OK(t_vunmap(vq));
	TRY(free_becomes(st0.free_pages, &st));
	// A vmap of a page shared with us is emptied at its vunmap, not lazily.
	if ((f = probe_faults((uint32_t)vq, &v, &why)) < 0)
		return why;
	CHECK(f == 1, "our vmap of the dead victim's page, vunmapped and freed, reads 0x%x", v);
	if ((f = probe_faults((uint32_t)kq, &v, &why)) < 0)
		return why;
	CHECK(f == 1, "our kmap of the dead victim's page, freed, still reads 0x%x at %p", v, kq);
	EXPECT_NULL(kmap_local_page(q), E_PERM);
	EXPECT(share_page(q, me), E_PERM);
	if ((f = probe_faults(kva, &v, &why)) < 0)
		return why;
	CHECK(f == 1, "the dead victim's kmap at 0x%x still reads 0x%x", kva, v);
	OK(t_kunmap(q)); // our library still has it, stale
	// Given to us now (the highest free page): memsrv maps it back into
	// the slot our library has it in, so its kmap, a hit, reads right.
	OK(t_alloc(0, MS_ALLOC_HIGH, &g));
	CHECK(g == q, "MS_ALLOC_HIGH gave pfn 0x%x, not the victim's 0x%x", g, q);
	CHECK(kg = t_kmap(g), "kmap: %s", hmk_strerror(highmem_errno));
	CHECK(kg == kq && !kg[0], "our page, once the victim's: kmap at %p (was %p) reads 0x%x", kg,
	      kq, kg[0]);
	OK(child_wait(id, &status));
	CHECK(status == -9, "the victim's status %d, not killed", status);
	// Our page it had mapped is still ours, intact.
	CHECK(kq = t_kmap_local(s), "kmap_local: %s", hmk_strerror(highmem_errno));
	CHECK(page_holds(kq, s, SALT_SHARED), "our shared page changed");
	OK(t_kunmap_local(kq));
	return NULL;
}

// --- a client memsrv cannot watch ----------------------------------------------
// Says MS_HELLO with its space without RIGHT_READ (memsrv polls for its
// death instead of watching it), allocates npages pages and exits with them.
int unwatched_main(uint32_t npages)
{
	uint32_t space;
	struct msg r;

	if (slot_mint(user_env.space, SLOT_SPACE, RIGHT_WRITE, 0, &space) ||
	    ms_call(SLOT_MEMSRV, MS_HELLO, NULL, 0, space, 0, &r))
		return 1;
	for (uint32_t i = 0; i < npages; i++)
		if (ms_call2(SLOT_MEMSRV, MS_ALLOC, 2, 0, 0, &r))
			return 2;
	return 0;
}

// Its pages are back at our next MS_STATS, though that would be answered in
// place: while a client is polled, memsrv reaps before any MS_STATS.
static const char *test_unwatched(void)
{
	struct highmem_stats st0, st;
	uint32_t id;
	int status, err;

	OK(stats(&st0));
	OK(child_spawn(MODE_ARG(MODE_UNWATCHED, 8), 0, &id));
	while ((err = child_wait(id, &status)) == E_AGAIN)
		;
	OK(err);
	CHECK(status == 0, "the unwatched child exited with %d", status);
	OK(stats(&st));
	CHECK(st.free_pages == st0.free_pages, "free %u after its exit, %u before", st.free_pages,
	      st0.free_pages);
	return NULL;
}

const struct test client_tests[] = {
	{ test_stranger, "a fresh space has no kmap pool, local window or vmap area" },
	{ test_prehello, "a child before MS_HELLO: no pool, E_PERM; after it, its own pool: our "
			 "kmap address faults there" },
	{ test_victim, "a child killed with kmap_local, kmap_atomic, kmap, vmap and pages "
		       "open: all reclaimed, the page it shared once our vmap of it goes (at "
		       "once); our "
		       "kmap of it faults until the page is ours; our page in its vmap: E_BUSY" },
	{ test_unwatched, "a client memsrv cannot watch: its pages are back at the next MS_STATS" },
	{ 0, 0 },
};
