// The fuzzer worker's choices: which slot, label, words and IPC-buffer
// contents a call gets (mostly values that look valid, so that calls get
// past the first checks), and what it must never do to itself (worker.c
// says why).
#include <string.h>

#include "abi/init.h"
#include "abi/memsrv.h"
#include "fuzz.h"
#include "highmem/client.h"
#include "user.h"
#include "worker.h"

int is_protected(uint32_t s)
{
	return (s >= 1 && s < SLOT_FIRST_FREE) || (s && (s == echo_slot || s == pacer_slot)) ||
	       (s && s == ms_thread_ep) || s == ECHO_RECV_SLOT;
}

int kept(uint32_t s)
{
	return s < CAP_SLOTS && (is_protected(s) || derived[s]);
}

int must_refuse(uint32_t cap, uint32_t label, const uint32_t *w)
{
	uint32_t target = cap == SLOT_SPACE && label == SPACE_DESTROY ? w[0] : cap;

	if (label == RANGE_SPLIT)
		return target == SLOT_MEMORY;
	return (label == INV_DESTROY || (cap == SLOT_SPACE && label == SPACE_DESTROY)) &&
	       (target == SLOT_MEMORY || target == SLOT_CONSOLE);
}

uint32_t land_slot(void)
{
	return FUZZ_LAND_FIRST + rnd_below(&rng, CAP_SLOTS - FUZZ_LAND_FIRST);
}

// Any slot, mostly one that holds something.
uint32_t pick_slot(void)
{
	switch (rnd_below(&rng, 10)) {
	case 0: return rnd_below(&rng, 4) ? rnd_below(&rng, CAP_SLOTS + 4) : rnd(&rng);
	case 1:
	case 2: return 1 + rnd_below(&rng, SLOT_MEMSRV);
	case 3: return land_slot();
	default: return npool ? pool[rnd_below(&rng, npool)] : 0;
	}
}

uint32_t pick_pfn(void)
{
	if (npages && rnd_below(&rng, 8))
		return pages[rnd_below(&rng, npages)].pfn + rnd_below(&rng, 2);
	return rnd_below(&rng, 2) ? rnd(&rng) & 0x0fffffff : rnd_below(&rng, 16);
}

uint32_t pick_va(void)
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
uint32_t rword(void)
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

uint32_t prio_arg(void)
{
	return rnd_below(&rng, 4) ? CHILD_PRIO : my_prio + 1 + rnd_below(&rng, 300);
}

void lent_pages(uint32_t *offset, uint32_t *count)
{
	uint32_t first = mem_pages > LEND_PAGES ? mem_pages - LEND_PAGES : 0;
	uint32_t off = rnd_below(&rng, LEND_PAGES);

	*offset = first + off;
	*count = map_word(1 + rnd_below(&rng, LEND_PAGES - off), map_word_prot(*count));
}

// A message to an endpoint: only the servers that answer (memsrv, init and
// the echo thread while it waits) may be called or sent to in a way that
// blocks; to any other endpoint *nr becomes SYS_NBSEND. Labels that end the
// worker (INIT_EXIT, a fault report) or pin it (MS_KMAP_ATOMIC by call: then
// every IPC that waits fails E_BUSY) are changed. MS_KMAP_ATOMIC by send is
// made: memsrv must refuse it unanswered, and worker.c checks no pin stays.
void endpoint_guard(uint32_t cap, uint32_t *nr, uint32_t *label)
{
	int memsrv = cap == SLOT_MEMSRV || (cap && cap == ms_thread_ep);

	if (cap == SLOT_INIT && (*label == INIT_EXIT || *label == INIT_SPAWN ||
				 (*label >= FAULT_UNDEF && *label <= FAULT_DABORT)))
		*label = INIT_WAIT;
	if (memsrv && *label == MS_KMAP_ATOMIC && *nr != SYS_SEND && *nr != SYS_NBSEND)
		*label = MS_STATS; // pins: only call_memsrv asks, and unmaps at once
	if ((*nr == SYS_CALL || *nr == SYS_SEND) && !memsrv && cap != SLOT_INIT &&
	    !((cap == echo_ep || (cap < CAP_SLOTS && echo_copy[cap])) && echo_waits()))
		*nr = SYS_NBSEND;
}

// --- invocations --------------------------------------------------------------
// Fills the words of invocation `label` on `cap` with values that look valid
// (mostly), then makes them safe for the worker. Returns 0 when the call
// must not be made at all.
int invocation_args(uint32_t cap, uint32_t label, uint32_t *w)
{
	uint32_t prot = rnd_below(&rng, 16);

	for (int i = 0; i < 4; i++)
		w[i] = rword();
	if (rnd_below(&rng, 5)) {
		switch (label) {
		case INV_WATCH:
			w[0] = pick_slot();
			w[1] = rword();
			break;
		case SPACE_CREATE:
			w[0] = 1 + rnd_below(&rng, CAP_TYPE_COUNT);
			w[1] = land_slot();
			w[2] = w[0] == CAP_SPACE    ? rnd_below(&rng, 64)
			       : rnd_below(&rng, 4) ? 0
						    : rword();
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
			w[3] = map_word(1 + rnd_below(&rng, 8), prot);
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
			w[0] = CHILD_VA + rnd_below(&rng, (rnd_below(&rng, 4) ? LEND_PAGES : 64) *
								  PAGE_SIZE / 4) *
						  4;
			w[1] = CHILD_VA + rnd_below(&rng, 64) * PAGE_SIZE;
			break;
		case THREAD_SET_PRIO: w[0] = prio_arg(); break;
		case RANGE_SPLIT:
			w[0] = rnd_below(&rng, 4096);
			w[1] = land_slot();
			break;
		case CONSOLE_WRITE:
			w[0] = rnd_below(&rng, 2) ? 0 : 253 + rnd_below(&rng, 4096);
			break;
		case THREAD_BIND_NOTIFY: w[0] = rnd_below(&rng, 3) ? pick_slot() : 0; break;
		case THREAD_ATOMIC:
			w[0] = rnd_below(&rng, 2);
			w[1] = nwindows ? windows[rnd_below(&rng, nwindows)] : pick_slot();
			w[2] = rnd_below(&rng, WINDOW_SLOTS + 8);
			w[3] = rnd_below(&rng, 16);
			break;
		case WINDOW_BIND:
			w[0] = rnd_below(&rng, 4);
			w[1] = rnd_below(&rng, 3) && nspaces ? spaces[rnd_below(&rng, nspaces)]
							     : pick_slot();
			w[2] = rnd_below(&rng, 32) * WINDOW_SIZE +
			       (rnd_below(&rng, 8) ? 0 : PAGE_SIZE);
			break;
		case WINDOW_MAP:
			w[0] = rnd_below(&rng, WINDOW_SLOTS + 8);
			w[1] = rnd_below(&rng, 4) ? SLOT_MEMORY : pick_slot();
			w[3] = map_word(1 + rnd_below(&rng, 8), prot);
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
	case RANGE_SPLIT: return !kept(cap) || must_refuse(cap, label, w);
	case INV_WATCH: return !kept(cap);
	case SPACE_CREATE:
		w[1] = land_slot();
		if (w[0] == CAP_SPACE && w[2] > 64)
			w[2] = 64; // our quota feeds it
		return 1;
	case SPACE_MINT:
		if (cap == SLOT_SPACE)
			w[0] = land_slot();
		if (kept(w[1]))
			w[2] &= RIGHT_READ | RIGHT_GRANT;
		return 1;
	case SPACE_DELETE:
	case SPACE_DESTROY:
		return !(cap == SLOT_SPACE && is_protected(w[0])) || must_refuse(cap, label, w);
	case SPACE_MAP:
		if (cap == SLOT_SPACE)
			w[2] = FUZZ_MAP_VA +
			       rnd_below(&rng, FUZZ_MAP_PAGES - LEND_PAGES) * PAGE_SIZE;
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

uint32_t one_of(const uint32_t *slots, uint32_t n)
{
	return n ? slots[rnd_below(&rng, n)] : pick_slot();
}

// The slot to invoke `label` on: mostly an object of the kind it is for.
uint32_t pick_target(uint32_t label)
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
uint32_t pick_label(void)
{
	switch (rnd_below(&rng, 16)) {
	case 0: return rnd(&rng) & 0xfffff;
	case 1: return rnd_below(&rng, 2) ? 0 : INV_COUNT + rnd_below(&rng, 4);
	default: return 1 + rnd_below(&rng, INV_COUNT - 1);
	}
}

// The words MR4.. of the IPC buffer, and its capability and map fields.
void ipcbuf_fill(struct ipc_buffer *b)
{
	for (int i = MSG_REG_WORDS; i < 8 + (int)rnd_below(&rng, MSG_MAX_WORDS - 8); i++)
		b->mr[i] = rword();
	b->cap_send = rnd_below(&rng, 2) ? pick_slot() : 0;
	b->cap_recv = rnd_below(&rng, 4) ? land_slot() : rnd_below(&rng, 2) ? 0 : pick_slot();
	if (kept(b->cap_recv))
		b->cap_recv = 0;
	b->map[IPC_MAP_WINDOW] =
		nwindows && rnd_below(&rng, 4) ? windows[rnd_below(&rng, nwindows)] : pick_slot();
	b->map[IPC_MAP_FIRST] = rnd_below(&rng, WINDOW_SLOTS + 8);
	b->map[IPC_MAP_RANGE] = rnd_below(&rng, 4) ? SLOT_MEMORY : pick_slot();
	b->map[IPC_MAP_WORD] = map_word(0, rnd_below(&rng, 16));
	if (b->map[IPC_MAP_RANGE] == SLOT_MEMORY)
		lent_pages(&b->map[IPC_MAP_OFFSET], &b->map[IPC_MAP_WORD]);
	else {
		b->map[IPC_MAP_OFFSET] = rword();
		b->map[IPC_MAP_WORD] =
			map_word(rnd_below(&rng, 16), map_word_prot(b->map[IPC_MAP_WORD]));
	}
}

uint32_t slot_type(uint32_t s)
{
	uint32_t type;

	return s < CAP_SLOTS && space_identify(SLOT_SPACE, s, &type, NULL, NULL) == E_OK ? type : 0;
}

int echo_waits(void)
{
	uint32_t state;

	return thread_info(echo_slot, &state, NULL, NULL) == E_OK && state == TS_BLOCKED;
}
