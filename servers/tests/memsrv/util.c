// Helpers of the memsrv suite: failure messages, page patterns, library
// calls whose undo is registered, raw requests, slots, helper threads and
// bounded waits. The clean-up list is run by the runner after every test,
// newest first, so nested kmap_local mappings come off in order.
#include <stdio.h>
#include <stdlib.h>

#include "mstests.h"

uint32_t my_prio;

void page_fill(void *va, pfn_t pfn, uint32_t salt)
{
	uint32_t *w = va;

	for (uint32_t i = 0; i < PAGE_SIZE / 4; i++)
		w[i] = page_word(pfn, i, salt);
}

int page_holds(const void *va, pfn_t pfn, uint32_t salt)
{
	const volatile uint32_t *w = va;

	for (uint32_t i = 0; i < PAGE_SIZE / 4; i++)
		if (w[i] != page_word(pfn, i, salt))
			return 0;
	return 1;
}

// --- clean-up --------------------------------------------------------------
enum { U_FREE, U_KUNMAP, U_KUNMAP_LOCAL, U_VUNMAP, U_SLOT, U_THREAD, U_MEM, U_CHILD };
struct undo {
	uint8_t kind;
	uint32_t a, b;
	void *p;
};
#define UNDO_MAX 1200
static struct undo undos[UNDO_MAX];
static int nundos;
static int undo_lost; // registrations the full list refused

static void undo_add(uint8_t kind, uint32_t a, uint32_t b, void *p)
{
	if (nundos == UNDO_MAX) {
		undo_lost++;
		return;
	}
	undos[nundos++] = (struct undo){ kind, a, b, p };
}

// Forgets the newest registration of (kind, a).
static void undo_drop(uint8_t kind, uint32_t a)
{
	for (int i = nundos - 1; i >= 0; i--)
		if (undos[i].kind == kind && undos[i].a == a) {
			for (int j = i; j + 1 < nundos; j++)
				undos[j] = undos[j + 1];
			nundos--;
			return;
		}
}

static const char *const undo_names[] = { "free_pages", "kunmap", "kunmap_local", "vunmap",
					  "slot",       "thread", "memory",       "child" };

int cleanup_run(void)
{
	int bad = undo_lost;

	undo_lost = 0;
	while (nundos > 0) {
		struct undo *u = &undos[--nundos];
		int err = E_OK;

		switch (u->kind) {
		case U_FREE: err = __free_pages(u->a, u->b); break;
		case U_KUNMAP: err = kunmap(u->a); break;
		case U_KUNMAP_LOCAL: err = kunmap_local((void *)u->a); break;
		case U_VUNMAP: err = vunmap((void *)u->a); break;
		case U_SLOT:
			err = space_delete(SLOT_SPACE, u->a);
			if (err == E_CAP) // never filled
				err = E_OK;
			user_slot_free(u->a);
			break;
		case U_THREAD: {
			struct tthread *t = u->p;

			err = thread_destroy(&t->ut);
			break;
		}
		case U_MEM: free(u->p); break;
		case U_CHILD: {
			int status;

			if ((err = init_kill(u->a)) == E_OK)
				err = child_wait(u->a, &status);
			break;
		}
		}
		if (err != E_OK) {
			printf("# clean-up: %s of 0x%x failed: %s\n", undo_names[u->kind], u->a,
			       hmk_strerror(err));
			bad++;
		}
	}
	user_ipcbuf()->cap_send = 0;
	user_ipcbuf()->cap_recv = 0;
	return bad;
}

// --- the library, undone after the test ------------------------------------
int t_alloc(unsigned order, uint32_t flags, page_t *page)
{
	int err = alloc_pages(flags, order, page);

	if (!err)
		undo_add(U_FREE, *page, order, NULL);
	return err;
}

int t_free(page_t page, unsigned order)
{
	int err = __free_pages(page, order);

	if (!err)
		undo_drop(U_FREE, page);
	return err;
}

void *t_kmap(page_t page)
{
	void *va = kmap(page);

	if (va)
		undo_add(U_KUNMAP, page, 0, NULL);
	return va;
}

int t_kunmap(page_t page)
{
	int err = kunmap(page);

	if (!err)
		undo_drop(U_KUNMAP, page);
	return err;
}

void *t_kmap_local(page_t page)
{
	void *va = kmap_local_page(page);

	if (va)
		undo_add(U_KUNMAP_LOCAL, (uint32_t)va, 0, NULL);
	return va;
}

int t_kunmap_local(const void *va)
{
	int err = kunmap_local(va);

	if (!err)
		undo_drop(U_KUNMAP_LOCAL, (uint32_t)va & ~(PAGE_SIZE - 1));
	return err;
}

void undo_kunmap_local(const void *va)
{
	undo_add(U_KUNMAP_LOCAL, (uint32_t)va, 0, NULL);
}

void *t_vmap(const page_t *pages, unsigned count, uint32_t prot)
{
	void *va = vmap(pages, count, prot);

	if (va)
		undo_add(U_VUNMAP, (uint32_t)va, 0, NULL);
	return va;
}

void undo_vunmap(uint32_t va)
{
	undo_add(U_VUNMAP, va, 0, NULL);
}

int t_vunmap(const void *va)
{
	int err = vunmap(va);

	if (!err)
		undo_drop(U_VUNMAP, (uint32_t)va);
	return err;
}

int stats(struct highmem_stats *st)
{
	return highmem_stats(st);
}

// --- raw requests ----------------------------------------------------------
int ms_call(uint32_t ep, uint32_t label, const uint32_t *w, uint32_t n, uint32_t cap, uint32_t recv,
	    struct msg *r)
{
	struct ipc_buffer *ipc = user_ipcbuf();
	int err;

	*r = (struct msg){ .info = MSG_INFO(label, n) };
	for (uint32_t i = 0; i < n; i++) {
		if (i < MSG_REG_WORDS)
			r->mr[i] = w[i];
		else
			ipc->mr[i] = w[i];
	}
	if (cap) {
		ipc->cap_send = cap;
		r->info |= MSG_CAP;
	}
	ipc->cap_recv = recv;
	err = sys_call(ep, r);
	ipc->cap_recv = 0;
	return err ? err : (int)MSG_LABEL(r->info);
}

int ms_call2(uint32_t ep, uint32_t label, uint32_t n, uint32_t a0, uint32_t a1, struct msg *r)
{
	uint32_t w[2] = { a0, a1 };

	return ms_call(ep, label, w, n, 0, 0, r);
}

// --- children ----------------------------------------------------------------
int child_spawn(uint32_t arg, uint32_t gift, uint32_t *id)
{
	return child_spawn_limited(arg, gift, 0, 0, id);
}

int child_spawn_limited(uint32_t arg, uint32_t gift, uint32_t ms_pages, uint32_t ms_maps,
			uint32_t *id)
{
	int err = init_spawn_limited("mstests", arg, gift, ms_pages, ms_maps, id);

	if (!err)
		undo_add(U_CHILD, *id, 0, NULL);
	return err;
}

int child_wait(uint32_t id, int *status)
{
	for (int i = 0; i < WAIT_YIELDS; i++) {
		struct msg m = { .info = MSG_INFO(INIT_WAIT, 1), .mr = { id } };
		int err = sys_call(SLOT_INIT, &m);

		if (!err)
			err = (int)MSG_LABEL(m.info);
		if (err != E_AGAIN) {
			if (!err) {
				*status = (int)m.mr[0];
				undo_drop(U_CHILD, id);
			}
			return err;
		}
		sys_yield();
	}
	return E_AGAIN;
}

// --- slots and objects -----------------------------------------------------
uint32_t t_slot(void)
{
	uint32_t s = user_slot_alloc();

	if (s)
		undo_add(U_SLOT, s, 0, NULL);
	return s;
}

int t_create(uint32_t type, uint32_t arg, uint32_t *slot)
{
	uint32_t s = t_slot();

	if (!s)
		return E_NOSLOT;
	*slot = s;
	return space_create_at(SLOT_SPACE, type, s, arg);
}

int t_mint(uint32_t src, uint32_t rights, uint32_t badge, uint32_t *slot)
{
	uint32_t s = t_slot();

	if (!s)
		return E_NOSLOT;
	*slot = s;
	return space_mint(SLOT_SPACE, s, src, rights, badge);
}

// --- helper threads --------------------------------------------------------
struct tthread *tt_run(tthread_fn fn, uint32_t fault_ep, uint32_t a0, uint32_t a1, int *err)
{
	struct tthread *t = calloc(1, sizeof(*t));

	if (!t) {
		*err = E_NOMEM;
		return NULL;
	}
	undo_add(U_MEM, 0, 0, t); // freed after the thread is destroyed
	*err = tthread_start(t, fn, my_prio, fault_ep, a0, a1);
	if (*err != E_OK)
		return NULL;
	undo_add(U_THREAD, t->slot, 0, t);
	return t;
}

int tt_kill(struct tthread *t)
{
	int err = thread_destroy(&t->ut);

	if (err)
		return err;
	undo_drop(U_THREAD, t->slot);
	// memsrv, above us, reaps it at the death notification: it runs as
	// soon as we yield.
	for (int i = 0; i < 10; i++)
		sys_yield();
	return E_OK;
}

uint32_t thread_state(uint32_t slot)
{
	uint32_t state;

	return thread_info(slot, &state, NULL, NULL) ? ~0u : state;
}
