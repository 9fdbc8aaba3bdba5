// The fuzzer's worker: FUZZ_BATCH random calls over every system call,
// invocation and memsrv request, from a generator seeded by (seed, batch).
//
// It may hurt itself only in ways the supervisor notices (a fault ends it,
// a wait that never ends is seen by the supervisor's watchdog), and it
// keeps the means to go on: capabilities init gave it and its echo thread
// are never destroyed, deleted or reconfigured, copies of them lose
// RIGHT_MANAGE and RIGHT_WRITE, its own space is mapped and windowed only
// in an area of its own, new threads run only in child spaces at a
// priority below the supervisor's watchdog, and the pages it lends to
// child spaces and windows are the last ones of its memory, which the
// runtime does not use. It also keeps away from known defects that are
// another change's business: no space or thread capability is minted into
// another space (issue 10, defect 2), SLOT_MEMORY is never split or
// destroyed (defect 4), kmap_atomic is undone at once (defects 3, 8), and
// vmaps stay small (defect 6).
#include <stdio.h>
#include <string.h>

#include "abi/init.h"
#include "abi/memsrv.h"
#include "fuzz.h"
#include "highmem/client.h"
#include "user.h"

#define POOL_MAX 16
#define ECHO_RECV_SLOT (FUZZ_LAND_FIRST - 1) // where the echo thread receives
#define LEND_PAGES 16                        // last pages of SLOT_MEMORY lent out
#define PAGES_MAX 48                         // memsrv pages held at most
#define CHILD_VA 0x00400000u                 // where child spaces get pages mapped
#define CHILD_PRIO 2                         // threads in child spaces, and the pacer
#define PACER_YIELDS 100
#define PACER 0xf2                           // label of the pacer's message

static uint32_t rng, echo_rng;
static uint32_t pool[POOL_MAX], npool;            // objects made at start
static uint32_t spaces[4], nspaces;               // child spaces among them
static uint32_t windows[2], nwindows;
static uint32_t threads[4], nthreads;
static uint32_t notifies[2], nnotifies;
static uint32_t replies[2], nreplies;
static uint32_t echo_ep, echo_slot;               // the echo thread and its endpoint
static uint32_t wait_ep, pacer_slot;              // where the worker waits for its children
static uint8_t derived[CAP_SLOTS];                // 1: a copy of a protected capability
static uint8_t echo_copy[CAP_SLOTS];              // 1: a copy of echo_ep
static uint32_t mem_pages, my_prio, client_id;
static struct { uint32_t pfn, order; } pages[PAGES_MAX];
static uint32_t npages, owned;                   // blocks held, pages in them
static uint32_t vas[16], nvas;                    // addresses memsrv mapped for us

// The call being made, for the failure report.
static struct {
	const char *kind;
	uint32_t nr, cap, info, mr[4];
} cur;

static uint32_t seed, batch, index_in_batch, failures, trace, made, answered_ok;

// Slots the worker must keep: what init gave it, its echo thread, memsrv's
// endpoint for the main thread.
static int is_protected(uint32_t s)
{
	return (s >= 1 && s < SLOT_FIRST_FREE) || (s && (s == echo_slot || s == pacer_slot)) ||
	       (s && s == ms_thread_ep) || s == ECHO_RECV_SLOT;
}

static int kept(uint32_t s)
{
	return s < CAP_SLOTS && (is_protected(s) || derived[s]);
}

static uint32_t land_slot(void)
{
	return FUZZ_LAND_FIRST + rnd_below(&rng, CAP_SLOTS - FUZZ_LAND_FIRST);
}

// Any slot, mostly one that holds something.
static uint32_t pick_slot(void)
{
	switch (rnd_below(&rng, 10)) {
	case 0: return rnd_below(&rng, 4) ? rnd_below(&rng, CAP_SLOTS + 4) : rnd(&rng);
	case 1:
	case 2: return 1 + rnd_below(&rng, SLOT_MEMSRV);
	case 3: return land_slot();
	default: return npool ? pool[rnd_below(&rng, npool)] : 0;
	}
}

static uint32_t pick_pfn(void)
{
	if (npages && rnd_below(&rng, 8))
		return pages[rnd_below(&rng, npages)].pfn + rnd_below(&rng, 2);
	return rnd_below(&rng, 2) ? rnd(&rng) & 0x0fffffff : rnd_below(&rng, 16);
}

static uint32_t pick_va(void)
{
	switch (rnd_below(&rng, 6)) {
	case 0: return rnd(&rng);
	case 1: return MEMSRV_LOCAL_VA + rnd_below(&rng, WINDOW_SLOTS) * PAGE_SIZE;
	case 2: return MEMSRV_POOL_VA + rnd_below(&rng, WINDOW_SLOTS) * PAGE_SIZE;
	case 3: return MEMSRV_VMAP_BASE + rnd_below(&rng, 64) * PAGE_SIZE;
	default: return nvas ? vas[rnd_below(&rng, nvas)] + rnd_below(&rng, PAGE_SIZE) : 0;
	}
}

// A word that often means something: small numbers, slots, page numbers,
// addresses, extremes.
static uint32_t rword(void)
{
	switch (rnd_below(&rng, 8)) {
	case 0: return rnd(&rng);
	case 1: return rnd_below(&rng, 4);
	case 2: return rnd_below(&rng, 64);
	case 3: return pick_slot();
	case 4: return pick_va();
	case 5: return rnd_below(&rng, 2) ? 0xffffffffu : 0x80000000u;
	case 6: return pick_pfn();
	default: return (rnd(&rng) & 0x3ffff) << 12;
	}
}

static uint32_t prio_arg(void)
{
	return rnd_below(&rng, 4) ? CHILD_PRIO : my_prio + 1 + rnd_below(&rng, 300);
}

static void lent_pages(uint32_t *offset, uint32_t *count)
{
	uint32_t first = mem_pages > LEND_PAGES ? mem_pages - LEND_PAGES : 0;
	uint32_t off = rnd_below(&rng, LEND_PAGES);

	*offset = first + off;
	*count = (*count & ~0xffffffu) | (1 + rnd_below(&rng, LEND_PAGES - off));
}

static uint32_t slot_type(uint32_t s);
static int echo_waits(void);

// A message to an endpoint: only the servers that answer (memsrv, init and
// the echo thread while it waits) may be called or sent to in a way that
// blocks; to any other endpoint *nr becomes SYS_NBSEND. Labels that end the
// worker (INIT_EXIT, a fault report) or pin it (MS_KMAP_ATOMIC: then every
// IPC that waits fails E_BUSY, and by send it is defect 8) are changed.
static void endpoint_guard(uint32_t cap, uint32_t *nr, uint32_t *label)
{
	int memsrv = cap == SLOT_MEMSRV || (cap && cap == ms_thread_ep);

	if (cap == SLOT_INIT && (*label == INIT_EXIT || *label == INIT_SPAWN ||
				 (*label >= FAULT_UNDEF && *label <= FAULT_DABORT)))
		*label = INIT_WAIT;
	if (memsrv && *label == MS_KMAP_ATOMIC)
		*label = MS_STATS; // pins: only call_memsrv asks, and unmaps at once
	if ((*nr == SYS_CALL || *nr == SYS_SEND) && !memsrv && cap != SLOT_INIT &&
	    !((cap == echo_ep || (cap < CAP_SLOTS && echo_copy[cap])) && echo_waits()))
		*nr = SYS_NBSEND;
}

// --- invocations --------------------------------------------------------------
// Fills the words of invocation `label` on `cap` with values that look valid
// (mostly), then makes them safe for the worker. Returns 0 when the call
// must not be made at all.
static int invocation_args(uint32_t cap, uint32_t label, uint32_t *w)
{
	uint32_t prot = rnd_below(&rng, 16);

	for (int i = 0; i < 4; i++)
		w[i] = rword();
	if (rnd_below(&rng, 5)) {
		switch (label) {
		case INV_WATCH: w[0] = pick_slot(); w[1] = rword(); break;
		case SPACE_CREATE:
			w[0] = 1 + rnd_below(&rng, CAP_TYPE_COUNT);
			w[1] = land_slot();
			w[2] = w[0] == CAP_SPACE ? rnd_below(&rng, 64) : rnd_below(&rng, 4) ? 0 : rword();
			break;
		case SPACE_MINT:
			w[0] = land_slot();
			w[1] = pick_slot();
			w[2] = rnd_below(&rng, 16);
			w[3] = rnd_below(&rng, 2) ? 0 : rword();
			break;
		case SPACE_DELETE:
		case SPACE_DESTROY:
		case SPACE_IDENTIFY: w[0] = rnd_below(&rng, 2) ? land_slot() : pick_slot(); break;
		case SPACE_MAP:
			w[0] = rnd_below(&rng, 4) ? SLOT_MEMORY : pick_slot();
			w[2] = CHILD_VA + rnd_below(&rng, 64) * PAGE_SIZE;
			w[3] = (1 + rnd_below(&rng, 8)) | prot << 24;
			break;
		case SPACE_UNMAP:
			w[0] = CHILD_VA + rnd_below(&rng, 64) * PAGE_SIZE;
			w[1] = rnd_below(&rng, 16);
			break;
		case THREAD_CONFIGURE:
			w[0] = nspaces ? spaces[rnd_below(&rng, nspaces)] : pick_slot();
			w[1] = CHILD_VA + rnd_below(&rng, 64) * PAGE_SIZE;
			w[2] = rnd_below(&rng, 4) ? wait_ep : rnd_below(&rng, 2) ? 0 : pick_slot();
			w[3] = prio_arg();
			break;
		case THREAD_WRITE_REGS:
			w[0] = CHILD_VA + rnd_below(&rng, (rnd_below(&rng, 4) ? LEND_PAGES : 64) * PAGE_SIZE / 4) * 4;
			w[1] = CHILD_VA + rnd_below(&rng, 64) * PAGE_SIZE;
			break;
		case THREAD_SET_PRIO: w[0] = prio_arg(); break;
		case RANGE_SPLIT: w[0] = rnd_below(&rng, 4096); w[1] = land_slot(); break;
		case CONSOLE_WRITE: w[0] = rnd_below(&rng, 2) ? 0 : 253 + rnd_below(&rng, 4096); break;
		case THREAD_BIND_NOTIFY: w[0] = rnd_below(&rng, 3) ? pick_slot() : 0; break;
		case THREAD_ATOMIC:
			w[0] = rnd_below(&rng, 2);
			w[1] = nwindows ? windows[rnd_below(&rng, nwindows)] : pick_slot();
			w[2] = rnd_below(&rng, WINDOW_SLOTS + 8);
			w[3] = rnd_below(&rng, 16);
			break;
		case WINDOW_BIND:
			w[0] = rnd_below(&rng, 4);
			w[1] = rnd_below(&rng, 3) && nspaces ? spaces[rnd_below(&rng, nspaces)] : pick_slot();
			w[2] = rnd_below(&rng, 32) * WINDOW_SIZE + (rnd_below(&rng, 8) ? 0 : PAGE_SIZE);
			break;
		case WINDOW_MAP:
			w[0] = rnd_below(&rng, WINDOW_SLOTS + 8);
			w[1] = rnd_below(&rng, 4) ? SLOT_MEMORY : pick_slot();
			w[3] = (1 + rnd_below(&rng, 8)) | prot << 24;
			break;
		case WINDOW_CLEAR:
			w[0] = rnd_below(&rng, WINDOW_SLOTS + 8);
			w[1] = rnd_below(&rng, 64);
			w[2] = rnd_below(&rng, 4);
			break;
		}
	}
	// What the worker keeps.
	switch (label) {
	case INV_DESTROY:
	case INV_WATCH:
	case RANGE_SPLIT:
		return !kept(cap);
	case SPACE_CREATE:
		w[1] = land_slot();
		if (w[0] == CAP_SPACE && w[2] > 64)
			w[2] = 64; // our quota feeds it
		return 1;
	case SPACE_MINT:
		if (cap == SLOT_SPACE)
			w[0] = land_slot();
		else if (w[1] < CAP_SLOTS) {
			struct msg m;
			if (hmk_invoke(SLOT_SPACE, SPACE_IDENTIFY, 1, w[1], 0, 0, 0, &m) == E_OK &&
			    (m.mr[0] == CAP_SPACE || m.mr[0] == CAP_THREAD))
				return 0; // defect 2: a space kept alive by what it holds
		}
		if (kept(w[1]))
			w[2] &= RIGHT_READ | RIGHT_GRANT;
		return 1;
	case SPACE_DELETE:
	case SPACE_DESTROY: return !(cap == SLOT_SPACE && is_protected(w[0]));
	case SPACE_MAP:
		if (cap == SLOT_SPACE)
			w[2] = FUZZ_MAP_VA + rnd_below(&rng, FUZZ_MAP_PAGES - LEND_PAGES) * PAGE_SIZE;
		if (w[0] == SLOT_MEMORY)
			lent_pages(&w[1], &w[3]);
		return 1;
	case SPACE_UNMAP:
		if (cap == SLOT_SPACE) {
			w[0] = FUZZ_MAP_VA + rnd_below(&rng, FUZZ_MAP_PAGES - 64) * PAGE_SIZE;
			w[1] = rnd_below(&rng, 64);
		}
		return 1;
	case THREAD_CONFIGURE:
		if (kept(cap) || kept(w[0]))
			return 0; // threads run only in child spaces
		if (w[2] == SLOT_INIT)
			w[2] = wait_ep; // init takes a fault there for the worker's and ends it
		if (w[3] <= my_prio)
			w[3] = CHILD_PRIO;
		return 1;
	case THREAD_SET_PRIO:
		if (w[0] <= my_prio)
			w[0] = CHILD_PRIO;
		return !kept(cap);
	case THREAD_WRITE_REGS:
	case THREAD_RESUME:
	case THREAD_SUSPEND:
	case THREAD_BIND_NOTIFY:
	case THREAD_ATOMIC: return !kept(cap);
	case WINDOW_BIND:
		if (kept(w[1]))
			w[2] = FUZZ_WIN_VA + rnd_below(&rng, FUZZ_WIN_COUNT) * WINDOW_SIZE;
		return 1;
	case WINDOW_MAP:
		if (w[1] == SLOT_MEMORY)
			lent_pages(&w[2], &w[3]);
		return 1;
	case CONSOLE_WRITE:
		if (w[0] && w[0] <= 252)
			w[0] = 0; // no noise on the console
		return 1;
	}
	return 1;
}

static uint32_t one_of(const uint32_t *slots, uint32_t n)
{
	return n ? slots[rnd_below(&rng, n)] : pick_slot();
}

// The slot to invoke `label` on: mostly an object of the kind it is for.
static uint32_t pick_target(uint32_t label)
{
	if (rnd_below(&rng, 4) == 0)
		return pick_slot();
	if (label >= SPACE_CREATE && label <= SPACE_DESTROY)
		return rnd_below(&rng, 3) ? one_of(spaces, nspaces) : SLOT_SPACE;
	if ((label >= THREAD_CONFIGURE && label <= THREAD_INFO) || label == THREAD_BIND_NOTIFY ||
	    label == THREAD_ATOMIC)
		return one_of(threads, nthreads);
	if (label >= WINDOW_BIND && label <= WINDOW_INFO)
		return one_of(windows, nwindows);
	switch (label) {
	case RANGE_INFO:
	case RANGE_SPLIT: return SLOT_MEMORY;
	case CONSOLE_WRITE:
	case CONSOLE_POWEROFF:
	case CONSOLE_STATS: return SLOT_CONSOLE;
	case NOTIFY_POLL: return one_of(notifies, nnotifies);
	case REPLY_SAVE: return one_of(replies, nreplies);
	}
	return pick_slot();
}

// Label of an invocation: mostly a real one.
static uint32_t pick_label(void)
{
	switch (rnd_below(&rng, 16)) {
	case 0: return rnd(&rng) & 0xfffff;
	case 1: return rnd_below(&rng, 2) ? 0 : INV_COUNT + rnd_below(&rng, 4);
	default: return 1 + rnd_below(&rng, INV_COUNT - 1);
	}
}

// The words MR4.. of the IPC buffer, and its capability and map fields.
static void ipcbuf_fill(struct ipc_buffer *b)
{
	for (int i = MSG_REG_WORDS; i < 8 + (int)rnd_below(&rng, MSG_MAX_WORDS - 8); i++)
		b->mr[i] = rword();
	b->cap_send = rnd_below(&rng, 2) ? pick_slot() : 0;
	b->cap_recv = rnd_below(&rng, 4) ? land_slot() : rnd_below(&rng, 2) ? 0 : pick_slot();
	if (kept(b->cap_recv))
		b->cap_recv = 0;
	b->map[0] = nwindows && rnd_below(&rng, 4) ? windows[rnd_below(&rng, nwindows)] : pick_slot();
	b->map[1] = rnd_below(&rng, WINDOW_SLOTS + 8);
	b->map[2] = rnd_below(&rng, 4) ? SLOT_MEMORY : pick_slot();
	b->map[4] = rnd_below(&rng, 16) << 24;
	if (b->map[2] == SLOT_MEMORY)
		lent_pages(&b->map[3], &b->map[4]);
	else
		b->map[3] = rword(), b->map[4] |= rnd_below(&rng, 16);
}

static void check(int err, uint32_t label_err)
{
	answered_ok += !err && !label_err;
	if ((uint32_t)err < E_COUNT && label_err < E_COUNT)
		return;
	failures++;
	printf("fuzz: FAIL seed %u call %u (batch %u): %s nr %u cap %u info 0x%x mr 0x%x 0x%x 0x%x "
	       "0x%x -> error %d, label %u: not a named error\n",
	       seed, batch * FUZZ_BATCH + index_in_batch, batch, cur.kind, cur.nr, cur.cap, cur.info,
	       cur.mr[0], cur.mr[1], cur.mr[2], cur.mr[3], err, label_err);
}

static int do_syscall(uint32_t nr, uint32_t cap, struct msg *m)
{
	cur.nr = nr;
	cur.cap = cap;
	cur.info = m->info;
	memcpy(cur.mr, m->mr, sizeof cur.mr);
	index_in_batch = made++;
	if (trace) {
		printf("fuzz: call %u: %s nr %u cap %u info 0x%x mr 0x%x 0x%x 0x%x 0x%x\n",
		       batch * FUZZ_BATCH + index_in_batch, cur.kind, nr, cap, m->info, m->mr[0],
		       m->mr[1], m->mr[2], m->mr[3]);
		user_console_flush();
	}
	int err = hmk_syscall(nr, cap, m);
	if (trace)
		printf("fuzz: -> %s label %u\n", hmk_strerror(err), MSG_LABEL(m->info));
	return err;
}

// Bookkeeping after an invocation that worked.
static void invocation_done(uint32_t cap, uint32_t label, const uint32_t *w)
{
	struct msg m;

	if (cap == SLOT_SPACE && (label == SPACE_MINT || label == SPACE_CREATE)) {
		uint32_t d = label == SPACE_MINT ? w[0] : w[1];
		derived[d] = label == SPACE_MINT && kept(w[1]);
		echo_copy[d] = label == SPACE_MINT && w[1] < CAP_SLOTS && (w[1] == echo_ep || echo_copy[w[1]]);
	}
	if (cap == SLOT_SPACE && label == SPACE_DELETE && w[0] < CAP_SLOTS)
		derived[w[0]] = echo_copy[w[0]] = 0;
	if (label == THREAD_ATOMIC && w[0]) // pinned: unpinned at once
		hmk_invoke(cap, THREAD_ATOMIC, 4, 0, w[1], w[2], w[3], &m);
}

static void call_invocation(void)
{
	uint32_t label = pick_label(), cap = pick_target(label), w[4];
	uint32_t len = rnd_below(&rng, 8) ? 4 : rnd_below(&rng, MSG_MAX_WORDS + 2);
	struct msg m;

	uint32_t nr = SYS_CALL;

	if (slot_type(cap) == CAP_ENDPOINT)
		endpoint_guard(cap, &nr, &label);
	if (!invocation_args(cap, label, w))
		return;
	ipcbuf_fill(user_ipcbuf());
	user_ipcbuf()->cap_recv = 0;
	cur.kind = "invocation";
	m = (struct msg){ MSG_INFO(label, len), { w[0], w[1], w[2], w[3] }, 0 };
	if (rnd_below(&rng, 16) == 0)
		m.info |= MSG_CAP;
	int err = do_syscall(nr, cap, &m);
	check(err, 0);
	if (err == E_OK)
		invocation_done(cap, label, w);
}

// --- raw system calls -------------------------------------------------------
static uint32_t slot_type(uint32_t s)
{
	struct msg m;

	return s < CAP_SLOTS && hmk_invoke(SLOT_SPACE, SPACE_IDENTIFY, 1, s, 0, 0, 0, &m) == E_OK
		       ? m.mr[0]
		       : 0;
}

static int echo_waits(void)
{
	struct msg m;

	return hmk_invoke(echo_slot, THREAD_INFO, 0, 0, 0, 0, 0, &m) == E_OK && m.mr[0] == TS_BLOCKED;
}

static void call_syscall(void)
{
	uint32_t nr = rnd_below(&rng, 8) ? rnd_below(&rng, SYS_COUNT) : rnd(&rng);
	uint32_t cap = rnd_below(&rng, 3) ? pick_slot() : echo_ep;
	uint32_t label = rnd_below(&rng, 4) ? pick_label() : rnd(&rng) & 0xfffff;
	struct msg m = { MSG_INFO(label, rnd_below(&rng, MSG_MAX_WORDS + 2)) |
				 (rnd_below(&rng, 4) ? 0 : MSG_CAP) | (rnd_below(&rng, 8) ? 0 : MSG_MAP),
			 { rword(), rword(), rword(), rword() }, 0 };
	uint32_t type = slot_type(cap);

	ipcbuf_fill(user_ipcbuf());
	cur.kind = "syscall";
	switch (nr) {
	case SYS_CALL:
	case SYS_SEND:
	case SYS_NBSEND:
		if (type == CAP_ENDPOINT) {
			label = MSG_LABEL(m.info);
			endpoint_guard(cap, &nr, &label);
			m.info = (m.info & 0xfff) | label << 12;
		} else if (type != CAP_NOTIFY && type != CAP_REPLY) {
			uint32_t w[4];
			if (!invocation_args(cap, MSG_LABEL(m.info), w))
				return;
			memcpy(m.mr, w, sizeof w);
		}
		break;
	case SYS_RECV:
	case SYS_REPLY_RECV: nr = SYS_NBRECV; break;
	}
	int err = do_syscall(nr, cap, &m);
	check(err, 0);
}

// --- memsrv requests --------------------------------------------------------
static void page_forget(uint32_t pfn)
{
	for (uint32_t i = 0; i < npages; i++)
		if (pages[i].pfn == pfn) {
			owned -= 1u << pages[i].order;
			pages[i] = pages[--npages];
			return;
		}
}

static void call_memsrv(void)
{
	uint32_t label = rnd_below(&rng, 16) ? 1 + rnd_below(&rng, MS_COUNT - 1) : rword();
	uint32_t n = 2, w[MSG_MAX_WORDS];
	struct msg m;

	for (int i = 0; i < MSG_MAX_WORDS; i++)
		w[i] = i < 8 || rnd_below(&rng, 4) ? rword() : 0;
	if (rnd_below(&rng, 6)) {
		switch (label) {
		case MS_ALLOC:
			w[0] = rnd_below(&rng, 8) ? rnd_below(&rng, 4) : rnd_below(&rng, 16);
			w[1] = rnd_below(&rng, 8) ? rnd_below(&rng, 2) : rword();
			if (owned + (1u << (w[0] & 15)) > PAGES_MAX)
				label = MS_FREE; // defect 7: no one may hoard memsrv's pages
			break;
		case MS_SHARE: w[1] = rnd_below(&rng, 2) ? client_id : rnd_below(&rng, 16); break;
		case MS_VMAP:
		case MS_VMAP_MORE:
			if (label == MS_VMAP)
				w[0] = 1 + rnd_below(&rng, 16), w[1] = rnd_below(&rng, 16);
			else
				w[0] = pick_va();
			n = 2 + 2 * rnd_below(&rng, 8);
			for (uint32_t i = 2; i < n; i += 2)
				w[i] = pick_pfn(), w[i + 1] = rnd_below(&rng, 4);
			break;
		case MS_KMAP_LOCAL:
		case MS_KMAP_ATOMIC:
		case MS_KMAP:
		case MS_KUNMAP: w[0] = pick_pfn(); break;
		case MS_KUNMAP_LOCAL:
		case MS_KUNMAP_ATOMIC:
		case MS_VUNMAP: w[0] = pick_va(); break;
		}
	}
	if (label == MS_FREE && npages && rnd_below(&rng, 4)) {
		uint32_t i = rnd_below(&rng, npages);
		w[0] = pages[i].pfn, w[1] = pages[i].order;
	}
	if (label == MS_VMAP && w[0] > 16)
		w[0] = 16; // defect 6: vmaps big enough to run memsrv out of slots
	n = rnd_below(&rng, 8) ? n : rnd_below(&rng, MSG_MAX_WORDS + 1);
	ipcbuf_fill(user_ipcbuf());
	for (uint32_t i = MSG_REG_WORDS; i < n; i++)
		user_ipcbuf()->mr[i] = w[i];
	if (kept(user_ipcbuf()->cap_recv))
		user_ipcbuf()->cap_recv = 0;
	cur.kind = "memsrv";
	m = (struct msg){ MSG_INFO(label, n) | (rnd_below(&rng, 16) ? 0 : MSG_CAP),
			  { w[0], w[1], w[2], w[3] }, 0 };
	uint32_t ep = rnd_below(&rng, 4) && ms_thread_ep ? ms_thread_ep : SLOT_MEMSRV;
	int err = do_syscall(SYS_CALL, ep, &m);
	uint32_t answer = err ? 0 : MSG_LABEL(m.info);
	check(err, answer);
	if (err || answer)
		return;
	switch (label) {
	case MS_ALLOC:
		if (npages < PAGES_MAX && w[0] <= MEMSRV_MAX_ORDER) {
			pages[npages].pfn = m.mr[0];
			pages[npages++].order = w[0];
			owned += 1u << w[0];
		}
		break;
	case MS_FREE: page_forget(w[0]); break;
	case MS_KMAP_ATOMIC: // pinned until unmapped: at once
		hmk_invoke(ep, MS_KUNMAP_ATOMIC, 1, m.mr[0], 0, 0, 0, &m);
		break;
	case MS_KMAP_LOCAL:
	case MS_KMAP:
	case MS_VMAP: vas[nvas++ % 16] = m.mr[0]; break;
	}
}

// --- letting child threads run ---------------------------------------------
// The threads the worker starts in child spaces run below it, so only while
// it waits: it receives on wait_ep (their usual fault endpoint) until the
// pacer, a thread at their priority, has yielded PACER_YIELDS times to them
// and sent its message (the first one it receives may be an old one, so
// two). A fault report is answered at random: resumed elsewhere, retried,
// or left stopped. Child code cannot loop (setup fills it), so the pacer
// always gets its turn.
static void call_wait(void)
{
	struct msg m = { 0 };

	cur.kind = "wait";
	for (int pacer = 0; pacer < 2;) {
		user_ipcbuf()->cap_recv = 0;
		int err = do_syscall(SYS_RECV, wait_ep, &m);
		check(err, 0);
		if (err)
			return; // wait_ep deleted or destroyed
		if (MSG_LABEL(m.info) == PACER && m.badge == 0) {
			pacer++;
			continue;
		}
		if (rnd_below(&rng, 4) == 0)
			continue; // no answer: the caller stays blocked
		m.info = MSG_INFO(rnd_below(&rng, 4) ? FAULT_RESUME : rnd(&rng) & 0xfff,
				  rnd_below(&rng, 2));
		m.mr[0] = CHILD_VA + rnd_below(&rng, LEND_PAGES * PAGE_SIZE / 4) * 4;
		check(do_syscall(SYS_REPLY, 0, &m), 0);
	}
}

static void pacer_main(uint32_t arg)
{
	(void)arg;
	for (;;) {
		for (int i = 0; i < PACER_YIELDS; i++)
			sys_yield();
		struct msg m = { MSG_INFO(PACER, 0), { 0 }, 0 };
		if (sys_send(wait_ep, &m) != E_OK)
			return;
	}
}

// Code for child threads: svc #0, then an undefined instruction, over and
// over: a thread anywhere in it makes at most one system call and faults.
// Written into the pages lent to child spaces, through a mapping of our own.
static int child_code(void)
{
	uint32_t va = FUZZ_MAP_VA + (FUZZ_MAP_PAGES - LEND_PAGES) * PAGE_SIZE;
	struct msg m;
	int err = hmk_invoke(SLOT_SPACE, SPACE_MAP, 4, SLOT_MEMORY, mem_pages - LEND_PAGES, va,
			     LEND_PAGES | (PROT_READ | PROT_WRITE) << 24, &m);
	if (err)
		return err;
	uint32_t *w = (uint32_t *)va;
	for (uint32_t i = 0; i < LEND_PAGES * PAGE_SIZE / 4; i += 2) {
		w[i] = 0xef000000u;     // svc #0
		w[i + 1] = 0xe7f000f0u; // udf #0
	}
	err = hmk_invoke(SLOT_SPACE, SPACE_UNMAP, 2, va, LEND_PAGES, 0, 0, &m);
	// The first child space runs it from the start.
	return err ? err : hmk_invoke(spaces[0], SPACE_MAP, 4, SLOT_MEMORY, mem_pages - LEND_PAGES,
				      CHILD_VA, LEND_PAGES | (PROT_READ | PROT_EXEC) << 24, &m);
}

// --- the echo thread ----------------------------------------------------------
// Answers every message on echo_ep with random words, sometimes with a
// mapping (MSG_MAP); deletes what capability it received. Ends when its
// endpoint is gone.
static void echo_main(uint32_t arg)
{
	struct ipc_buffer *b = user_ipcbuf();
	struct msg m = { 0 }, d;

	(void)arg;
	for (;;) {
		b->cap_recv = ECHO_RECV_SLOT;
		if (sys_recv(echo_ep, &m) != E_OK)
			return;
		if (m.info & MSG_CAP)
			hmk_invoke(SLOT_SPACE, SPACE_DELETE, 1, ECHO_RECV_SLOT, 0, 0, 0, &d);
		m.info = MSG_INFO(rnd(&echo_rng) & 0xff, rnd_below(&echo_rng, MSG_MAX_WORDS + 1));
		if (rnd_below(&echo_rng, 4) == 0) {
			m.info |= MSG_MAP;
			b->map[0] = nwindows ? windows[rnd_below(&echo_rng, nwindows)] : 0;
			b->map[1] = rnd_below(&echo_rng, WINDOW_SLOTS + 4);
			b->map[2] = SLOT_MEMORY;
			b->map[3] = mem_pages - 1 - rnd_below(&echo_rng, LEND_PAGES);
			b->map[4] = 1 | rnd_below(&echo_rng, 16) << 24;
		}
		if (sys_reply(&m) != E_OK) {
			m.info &= ~MSG_MAP;
			sys_reply(&m);
		}
	}
}

// --- set-up and the loop ------------------------------------------------------
static void pool_add(uint32_t type, uint32_t arg)
{
	uint32_t s = user_slot_alloc();
	struct msg m;

	if (!s || npool == POOL_MAX || hmk_invoke(SLOT_SPACE, SPACE_CREATE, 3, type, s, arg, 0, &m))
		return;
	pool[npool++] = s;
	if (type == CAP_SPACE)
		spaces[nspaces++] = s;
	if (type == CAP_WINDOW)
		windows[nwindows++] = s;
	if (type == CAP_THREAD)
		threads[nthreads++] = s;
	if (type == CAP_NOTIFY)
		notifies[nnotifies++] = s;
	if (type == CAP_REPLY)
		replies[nreplies++] = s;
}

static int setup(void)
{
	struct msg m;
	struct user_thread echo, pacer;
	uint32_t stats[1];

	if (hmk_invoke(SLOT_MEMORY, RANGE_INFO, 0, 0, 0, 0, 0, &m))
		return E_INVAL;
	mem_pages = m.mr[2];
	if (hmk_invoke(SLOT_THREAD, THREAD_INFO, 0, 0, 0, 0, 0, &m))
		return E_INVAL;
	my_prio = m.mr[1];
	// Registers the program and this thread with memsrv.
	if (ms_request(MS_STATS, stats, 0, &m))
		return E_INVAL;
	client_id = ms_client_id();
	for (int i = 0; i < 3; i++)
		pool_add(CAP_ENDPOINT, 0);
	echo_ep = pool[0];
	pool_add(CAP_NOTIFY, 0);
	pool_add(CAP_NOTIFY, 0);
	pool_add(CAP_REPLY, 0);
	pool_add(CAP_WINDOW, 0);
	pool_add(CAP_WINDOW, 0);
	pool_add(CAP_SPACE, 32);
	pool_add(CAP_SPACE, 32);
	for (int i = 0; i < 3; i++)
		pool_add(CAP_THREAD, 0);
	if (npool < 13)
		return E_NOMEM;
	wait_ep = pool[1];
	int err = child_code();
	if (!err)
		err = thread_spawn(&echo, echo_main, 0, 2, my_prio, 0);
	echo_slot = err ? 0 : echo.slot;
	if (!err)
		err = thread_spawn(&pacer, pacer_main, 0, 1, CHILD_PRIO, 0);
	pacer_slot = err ? 0 : pacer.slot;
	return err;
}

int worker_main(uint32_t arg)
{
	struct msg m;

	seed = (arg >> 15) & FUZZ_SEED_MASK;
	trace = arg >> 15 & FUZZ_TRACE;
	batch = arg & 0x7fff;
	rng = (seed * 0x9e3779b9u) ^ (batch * 0x85ebca6bu) ^ 0x2545f491u;
	if (!rng)
		rng = 1;
	echo_rng = rng ^ 0x5bd1e995u;
	int err = setup();
	if (err) {
		printf("fuzz: worker of batch %u: set-up failed (%s)\n", batch, hmk_strerror(err));
		return 1;
	}
	while (made < FUZZ_BATCH) { // some draws make no call: the worker would not survive it
		uint32_t r = rnd_below(&rng, 16);

		if (r == 0 && rnd_below(&rng, 2))
			call_wait();
		else if (r < 7)
			call_invocation();
		else if (r < 11)
			call_syscall();
		else
			call_memsrv();
	}
	m = (struct msg){ MSG_INFO(FUZZ_DONE, 3), { made, failures, answered_ok }, 0 };
	user_ipcbuf()->cap_recv = 0;
	err = sys_call(SLOT_GIFT, &m);
	if (err)
		printf("fuzz: worker of batch %u cannot report (%s)\n", batch, hmk_strerror(err));
	return err;
}
