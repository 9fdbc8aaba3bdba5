// The client library's API (highmem.h): each function is one request to
// memsrv (client.c), or a few for vmap and the copy helpers; kmap_local and
// kmap_atomic are in local.c, kmap and kunmap in kmap.c.
#include <string.h>

#include "client.h"
#include "highmem.h"
#include "kmap.h"
#include "runs.h"

__thread int highmem_errno;

// A request of up to two words answered by one word (or none).
static int request(uint32_t label, uint32_t nargs, uint32_t a0, uint32_t a1, uint32_t *out)
{
	return hm_failed(ms_request2(label, nargs, a0, a1, out));
}

int alloc_pages(uint32_t flags, unsigned order, page_t *page)
{
	return request(MS_ALLOC, 2, order, flags, page);
}

int alloc_page(uint32_t flags, page_t *page)
{
	return alloc_pages(flags, 0, page);
}

int __free_pages(page_t page, unsigned order)
{
	uint32_t kmapped = 0;
	int err = request(MS_FREE, 2, page, order, &kmapped);

	if (!err && kmapped) // memsrv emptied those slots of our kmap pool
		kmap_forget(page, 1u << order);
	return err;
}

int __free_page(page_t page)
{
	return __free_pages(page, 0);
}

int share_page(page_t page, uint32_t client)
{
	return request(MS_SHARE, 2, page, client, NULL);
}

// A vmap request of n words: in registers only (ms_request_regs) when they
// fit (a one-run MS_VMAP, as memsrv's fast path takes it); else as every
// request.
static int vmap_request(uint32_t label, const uint32_t *w, uint32_t n, struct msg *r)
{
	if (n > MSG_REG_WORDS)
		return ms_request(label, w, n, r);
	*r = (struct msg){ 0 };
	for (uint32_t i = 0; i < n; i++)
		r->mr[i] = w[i];
	return ms_request_regs(label, n, r);
}

// MS_VMAP carries the first runs after (n, prot); each MS_VMAP_MORE the
// next after (va), until memsrv has all n pages. A failure part-way
// unmaps what was mapped.
void *vmap(const page_t *pages, unsigned count, uint32_t prot)
{
	uint32_t w[MSG_MAX_WORDS], va;
	unsigned next = 0, runs;
	struct msg r;
	int err;

	if (!pages || !count) {
		hm_failed(E_INVAL);
		return NULL;
	}
	w[0] = count;
	w[1] = prot;
	runs = highmem_runs_pack(pages, count, &next, w + 2, MS_VMAP_RUNS);
	if ((err = vmap_request(MS_VMAP, w, 2 + 2 * runs, &r))) {
		hm_failed(err);
		return NULL;
	}
	va = r.mr[0];
	while (next < count) {
		if (r.mr[1] != next) { // memsrv and we disagree on what is mapped
			err = E_INVAL;
			goto undo;
		}
		w[0] = va;
		runs = highmem_runs_pack(pages, count, &next, w + 1, MS_VMAP_RUNS);
		if ((err = vmap_request(MS_VMAP_MORE, w, 1 + 2 * runs, &r)))
			goto undo;
	}
	return (void *)va;
undo:
	vunmap((void *)va);
	hm_failed(err);
	return NULL;
}

int vunmap(const void *addr)
{
	return request(MS_VUNMAP, 1, (uint32_t)addr, 0, NULL);
}

// Checks that [offset, offset + len) lies within one page.
static int in_page(size_t offset, size_t len)
{
	return offset <= PAGE_SIZE && len <= PAGE_SIZE - offset;
}

int memcpy_to_page(page_t page, size_t offset, const void *from, size_t len)
{
	char *va;

	if (!in_page(offset, len))
		return hm_failed(E_RANGE);
	if (!(va = kmap_local_page(page)))
		return highmem_errno;
	memcpy(va + offset, from, len);
	return kunmap_local(va);
}

int memcpy_from_page(void *to, page_t page, size_t offset, size_t len)
{
	const char *va;

	if (!in_page(offset, len))
		return hm_failed(E_RANGE);
	if (!(va = kmap_local_page(page)))
		return highmem_errno;
	memcpy(to, va + offset, len);
	return kunmap_local(va);
}

int memzero_page(page_t page, size_t offset, size_t len)
{
	char *va;

	if (!in_page(offset, len))
		return hm_failed(E_RANGE);
	if (!(va = kmap_local_page(page)))
		return highmem_errno;
	memset(va + offset, 0, len);
	return kunmap_local(va);
}

int copy_highpage(page_t to, page_t from)
{
	void *src, *dst;
	int err;

	if (!(src = kmap_local_page(from)))
		return highmem_errno;
	if (!(dst = kmap_local_page(to))) {
		err = highmem_errno;
		kunmap_local(src);
		return hm_failed(err);
	}
	memcpy(dst, src, PAGE_SIZE);
	err = kunmap_local(dst); // newest first
	if (kunmap_local(src) && !err)
		err = highmem_errno;
	return hm_failed(err);
}

// memsrv's pages: free + used, fixed once it serves (MS_STATS_MORE tells
// them), so that MS_STATS need not; 0 until asked.
static uint32_t ms_total;

int highmem_stats(struct highmem_stats *st)
{
	uint32_t total = __atomic_load_n(&ms_total, __ATOMIC_RELAXED);
	// held: so that memsrv counts our own exactly
	struct msg r = { .mr = { kmap_local_depth() } };
	int err;

	if (!total) {
		if ((err = ms_request(MS_STATS_MORE, NULL, 0, &r)))
			return hm_failed(err);
		__atomic_store_n(&ms_total, total = r.mr[0], __ATOMIC_RELAXED);
		r.mr[0] = kmap_local_depth();
	}
	if ((err = ms_request_regs(MS_STATS, 1, &r)))
		return hm_failed(err);
	st->free_pages = r.mr[0];
	st->used_pages = total - r.mr[0];
	st->owned_pages = r.mr[1];
	st->kmap_local = MS_STATS_LO(r.mr[2]);
	st->kmap_atomic = MS_STATS_HI(r.mr[2]);
	st->kmap_slots = MS_STATS_LO(r.mr[3]);
	st->vmap = MS_STATS_HI(r.mr[3]);
	st->kmap = kmap_refs();
	return E_OK;
}

uint32_t highmem_client_id(void)
{
	uint32_t none;

	// Any request registers; MS_STATS changes nothing.
	if (!ms_client_id())
		request(MS_STATS, 0, 0, 0, &none);
	return ms_client_id();
}
