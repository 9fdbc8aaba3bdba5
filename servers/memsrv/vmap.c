// vmap: runs of frames mapped side by side into the client's vmap area,
// MEMSRV_VMAP_BASE.. (56 windows of 2 MiB, bound WIN_SPACE into that client
// only, made when first needed and kept while the client lives or until
// memsrv runs short of capability slots). A vmap takes the first gap that
// holds it and one unmapped guard page after it (as Linux's vmalloc area);
// it is never executable, read-only or uncached as its prot says. A vmap
// longer than one message is completed by MS_VMAP_MORE. A vmap of one page
// the client owns, and a vunmap, have a fast path (vmap_fast): the kernel
// maps that page with the reply (MSG_MAP), no WINDOW_MAP.
//
// memsrv keeps each vmap's runs. They are what holds the client's own pages
// (free_pages of a page its owner vmaps answers E_BUSY: vmap_holds), so those
// cost no per-page record; only the pages it was shared count in the page
// metadata (map_inc), since their owner must see them mapped. A page keeps
// its owner while its owner vmaps it (its free is refused; at the owner's
// death its vmaps go first), so vunmap finds the same pages counted.
//
// Lazy vunmap, as Linux's lazy purge of vmap areas: the vunmap of a vmap
// of the client's own pages only (every run RUN_OWN) leaves its slots
// mapped, stale, in [stale_lo, stale_hi) of the area, which no new vmap
// takes. They are emptied together (vmap_purge: one WINDOW_CLEAR per
// window) when a vmap finds no room otherwise or would need a window not
// made yet (so a client holds no more windows than before), and always
// before a page of
// the client leaves it (MS_FREE purges first; at the client's death its
// windows go before its pages). So a use after vunmap may still reach the
// client's own page until the purge, never a page that left the client. A
// vmap holding a page shared with the client is emptied at its vunmap: the
// page's owner may free it at once.
#include <stdlib.h>
#include <string.h>

#include "ms.h"

#define VMAP_INLINE_RUNS 4 // runs a vmap's record holds in itself
#define VMAP_SPARE 64      // records kept for reuse at most

struct vmap {
	struct vmap *next; // the client's, sorted by address
	uint32_t start;    // first page, from MEMSRV_VMAP_BASE
	uint32_t npages;   // asked for
	uint32_t mapped;   // mapped so far, from start
	uint32_t prot;
	uint32_t nruns;
	uint32_t shared; // of them, runs not RUN_OWN (their pages are counted)
	uint32_t room;   // runs that fit in runs[] (it doubles as it fills)
	uint32_t *runs;  // pfn, count pairs: inl, or from malloc when more
	uint32_t inl[2 * VMAP_INLINE_RUNS];
};

// Records of vunmapped vmaps, kept for the next vmaps (no malloc).
static struct vmap *spare;
static uint32_t nspare;

static uint32_t vmap_va(const struct vmap *v)
{
	return MEMSRV_VMAP_BASE + v->start * PAGE_SIZE;
}

// In memsrv's copy of a run (runs_check marks it): all its pages are the
// client's own, so none of them is counted.
#define RUN_OWN 0x80000000u
#define RUN_PAGES(n) ((n) & ~RUN_OWN)
_Static_assert(MS_VMAP_PAGES < RUN_OWN, "a run's pages leave its RUN_OWN bit alone");

// Client c owns pfn.
static inline int owned(const struct client *c, uint32_t pfn)
{
	const pinfo_t *pi = page_info(pfn);

	return pi && (*pi & PI_OWNER) == c->idx;
}

// Client c owns all n pages from pfn: one zone's bytes, compared four at a
// time.
static int run_owned(const struct client *c, uint32_t pfn, uint32_t n)
{
	const struct zone *z = zone_of(pfn);
	const pinfo_t *pi;

	if (!z || n > z->base + z->npages - pfn)
		return 0;
	pi = &z->info[pfn - z->origin];
	for (; n && ((uintptr_t)pi & 3); n--, pi++)
		if ((*pi & PI_OWNER) != c->idx)
			return 0;
	for (uint32_t w; n >= 4; n -= 4, pi += 4) { // four pages a word
		memcpy(&w, pi, 4);
		if ((w & PI_OWNER * 0x01010101u) != c->idx * 0x01010101u)
			return 0;
	}
	for (; n; n--, pi++)
		if ((*pi & PI_OWNER) != c->idx)
			return 0;
	return 1;
}

// Counts one mapping more (up) or less of each page of the marked runs that
// client c does not own. E_OK, or E_NOMEM (counting up) with nothing counted.
static int count(const struct client *c, const uint32_t *runs, uint32_t nruns, int up)
{
	for (uint32_t r = 0; r < nruns; r++) {
		if (runs[2 * r + 1] & RUN_OWN)
			continue;
		for (uint32_t p = runs[2 * r], e = p + runs[2 * r + 1]; p < e; p++) {
			if (owned(c, p))
				continue;
			if (!up)
				map_dec(p, 1);
			else if (map_inc(p, 1)) { // undo what was counted
				while (p-- > runs[2 * r])
					if (!owned(c, p))
						map_dec(p, 1);
				count(c, runs, r, 0);
				return E_NOMEM;
			}
		}
	}
	return E_OK;
}

// Checks the runs of a message (pfn, count pairs; at most `left` pages in
// all, each page the client's own or shared with it) and marks those of
// the client's own pages (RUN_OWN). Sets *total.
static int runs_check(struct req *q, uint32_t *runs, uint32_t nruns, uint32_t left, uint32_t *total)
{
	uint64_t sum = 0;
	int err;

	for (uint32_t r = 0; r < nruns; r++) {
		uint32_t pfn = runs[2 * r], n = runs[2 * r + 1];

		sum += n;
		if (!n || sum > left)
			return req_fail(q, E_INVAL, "vmap run %u (pfn 0x%x, %u pages): %s", r, pfn,
					n, n ? "more pages than asked for" : "empty");
		if (run_owned(q->c, pfn, n)) {
			runs[2 * r + 1] |= RUN_OWN;
			continue;
		}
		for (uint32_t i = 0; i < n; i++)
			if ((err = page_access(q->c->idx, pfn + i)))
				return req_fail(q, err,
						"vmap of pfn 0x%x: neither owned nor shared",
						pfn + i);
	}
	*total = (uint32_t)sum;
	return E_OK;
}

// Clears area pages [first, first + n) of client c, one batch per window.
static void area_clear(struct client *c, uint32_t first, uint32_t n)
{
	while (n) {
		uint32_t w = first / WINDOW_SLOTS, s = first % WINDOW_SLOTS;
		uint32_t k = WINDOW_SLOTS - s < n ? WINDOW_SLOTS - s : n;

		if (c->vwin[w])
			slots_clear(c->vwin[w], s, k);
		first += k;
		n -= k;
	}
}

// The windows under area pages [first, first + n) of client c are made.
static int area_made(const struct client *c, uint32_t first, uint32_t n)
{
	for (uint32_t w = first / WINDOW_SLOTS; w <= (first + n - 1) / WINDOW_SLOTS; w++)
		if (!c->vwin[w])
			return 0;
	return 1;
}

// Makes the windows under area pages [first, first + n) of client c.
static int area_windows(struct req *q, uint32_t first, uint32_t n)
{
	struct client *c = q->c;
	int err;

	for (uint32_t w = first / WINDOW_SLOTS; w <= (first + n - 1) / WINDOW_SLOTS; w++) {
		uint32_t va = MEMSRV_VMAP_BASE + w * WINDOW_SIZE;

		if (c->vwin[w])
			continue;
		if ((err = ms_create(CAP_WINDOW, &c->vwin[w])))
			return req_fail(q, err, "vmap: no window for 0x%x", va);
		if ((err = window_bind(c->vwin[w], WIN_SPACE, c->space, va))) {
			ms_slot_destroy(c->vwin[w]);
			c->vwin[w] = 0;
			return req_fail(q, err, "vmap: cannot bind a window at 0x%x", va);
		}
	}
	return E_OK;
}

// Maps the checked runs (total pages) at the end of v. E_OK or an error
// (logged), with nothing of them left mapped or counted.
static int runs_map(struct req *q, struct vmap *v, const uint32_t *runs, uint32_t nruns,
		    uint32_t total)
{
	uint32_t *grown, at = v->start + v->mapped, r;
	int err = E_OK;

	if (!nruns)
		return E_OK;
	if (v->nruns + nruns > v->room) {
		// Doubling keeps a vmap of many messages linear. malloc + copy, not
		// realloc: picolibc's realloc took ~46,000 instructions to grow
		// this block by 8 bytes (make bench, memsrv_vmap_scattered_32).
		uint32_t room = v->nruns + nruns > 2 * v->room ? v->nruns + nruns : 2 * v->room;

		if (!(grown = malloc(room * 2 * sizeof(*grown))))
			return req_fail(q, E_NOMEM, "vmap: no memory for its record");
		memcpy(grown, v->runs, v->nruns * 2 * sizeof(*grown));
		if (v->runs != v->inl)
			free(v->runs);
		v->runs = grown;
		v->room = room;
	}
	if ((err = count(q->c, runs, nruns, 1)))
		return req_fail(q, err, "vmap: no memory for mapping counts");
	for (r = 0; r < nruns && !err; r++) {
		uint32_t pfn = runs[2 * r], n = RUN_PAGES(runs[2 * r + 1]);

		while (n && !err) {
			uint32_t w = at / WINDOW_SLOTS, s = at % WINDOW_SLOTS;
			uint32_t k = WINDOW_SLOTS - s < n ? WINDOW_SLOTS - s : n;

			err = frames_map(q->c->vwin[w], s, pfn, k, v->prot);
			pfn += k;
			at += k;
			n -= k;
		}
	}
	if (err) {
		area_clear(q->c, v->start + v->mapped, total);
		count(q->c, runs, nruns, 0);
		return req_fail(q, err, "vmap at 0x%x: window map", vmap_va(v));
	}
	memcpy(&v->runs[2 * v->nruns], runs, nruns * 2 * sizeof(*runs));
	for (r = 0; r < nruns; r++)
		v->shared += !(runs[2 * r + 1] & RUN_OWN);
	v->nruns += nruns;
	v->mapped += total;
	return E_OK;
}

// Undoes the mapping counts of client c's vmap v (out of its list) and
// frees it (kept for reuse while there are few spare).
static void vmap_free(const struct client *c, struct vmap *v)
{
	if (v->shared)
		count(c, v->runs, v->nruns, 0);
	if (v->runs != v->inl)
		free(v->runs);
	if (nspare < VMAP_SPARE) {
		v->next = spare;
		spare = v;
		nspare++;
	} else
		free(v);
}

static void windows_gc(struct client *c);

// The first gap of client c's vmap area that holds n pages and a guard
// page, none of them stale: sets *start and returns where its record goes
// in c->vmaps, or NULL when there is none.
static struct vmap **area_find(struct client *c, uint32_t n, uint32_t *start)
{
	struct vmap **p = &c->vmaps;
	uint32_t s = 0;

	for (;;) { // (a live vmap is never in a stale slot, though maybe between two)
		if (s < c->stale_hi && c->stale_lo < s + n + 1)
			s = c->stale_hi;
		while (*p && (*p)->start + (*p)->npages + 1 <= s)
			p = &(*p)->next;
		if (!*p || (*p)->start >= s + n + 1)
			break;
		s = (*p)->start + (*p)->npages + 1; // first fit, a guard page after each
	}
	*start = s;
	return s + n + 1 <= MS_VMAP_PAGES ? p : NULL;
}

// A record for a vmap of n pages at start, linked in at *p (area_find's),
// nothing mapped yet; NULL when memory is short.
static struct vmap *vmap_insert(struct vmap **p, uint32_t start, uint32_t n, uint32_t prot)
{
	struct vmap *v = spare;

	if (v) {
		spare = v->next;
		nspare--;
	} else if (!(v = malloc(sizeof(*v))))
		return NULL;
	v->start = start;
	v->npages = n;
	v->mapped = 0;
	v->prot = prot | PROT_READ;
	v->nruns = 0;
	v->shared = 0;
	v->room = VMAP_INLINE_RUNS;
	v->runs = v->inl;
	v->next = *p;
	*p = v;
	return v;
}

// MS_VMAP (n, prot, runs...) -> MR0 va, MR1 pages mapped so far.
int ms_vmap(struct req *q)
{
	uint32_t n = q->w[0], prot = q->w[1], nruns = (q->len - 2) / 2, total, start;
	struct vmap **p, *v;
	int err;

	if (q->len < 2 || q->len % 2)
		return req_fail(q, E_INVAL, "vmap: %u words, not (n, prot, pfn-count pairs)",
				q->len);
	if (prot & PROT_EXEC)
		return req_fail(q, E_PERM, "vmap with PROT_EXEC");
	if (!n || (prot & ~(PROT_READ | PROT_WRITE | PROT_NOCACHE)) ||
	    !(prot & (PROT_READ | PROT_WRITE)))
		return req_fail(q, E_INVAL, "vmap of %u pages with prot 0x%x", n, prot);
	if (n >= MS_VMAP_PAGES)
		return req_fail(q, E_NOMEM, "vmap of %u pages: larger than its vmap area", n);
	if ((err = limit_maps(q, "vmap")) || (err = runs_check(q, &q->w[2], nruns, n, &total)))
		return err;
	// Stale slots go when there is no room otherwise, or before a window
	// is made for them: vmaps and vunmaps cycle through the windows made.
	p = area_find(q->c, n, &start);
	if ((!p || !area_made(q->c, start, n)) && q->c->stale_hi) {
		vmap_purge(q->c);
		p = area_find(q->c, n, &start);
	}
	if (!p)
		return req_fail(q, E_NOMEM, "vmap of %u pages: no room in its vmap area", n);
	// In the list before its windows are made: should memsrv run short of
	// slots meanwhile, vmap_gc then sees them in use and keeps them.
	if (!(v = vmap_insert(p, start, n, prot)))
		return req_fail(q, E_NOMEM, "vmap: no memory for its record");
	if ((err = area_windows(q, start, n)) || (err = runs_map(q, v, &q->w[2], nruns, total))) {
		*p = v->next;
		vmap_free(q->c, v);
		windows_gc(q->c); // the windows only it needed go too
		return err;
	}
	q->c->nvmaps++;
	q->out[0] = vmap_va(v);
	q->out[1] = v->mapped;
	q->nout = 2;
	return E_OK;
}

// Where client c's list links its vmap at va: *the result is that vmap, or
// NULL when none starts there.
static struct vmap **find(struct client *c, uint32_t va)
{
	struct vmap **p = &c->vmaps;

	while (*p && vmap_va(*p) != va)
		p = &(*p)->next;
	return p;
}

// MS_VMAP_MORE (va, runs...) -> MR0 va, MR1 pages mapped so far.
int ms_vmap_more(struct req *q)
{
	uint32_t va = q->w[0], nruns = (q->len - 1) / 2, total;
	struct vmap *v = q->len ? *find(q->c, va) : NULL;
	int err;

	if (!v || v->mapped == v->npages)
		return req_fail(q, E_INVAL, "vmap_more of 0x%x: no vmap being built there", va);
	if (q->len % 2 == 0)
		return req_fail(q, E_INVAL, "vmap_more: %u words, not (va, pfn-count pairs)",
				q->len);
	if ((err = runs_check(q, &q->w[1], nruns, v->npages - v->mapped, &total)) ||
	    (err = runs_map(q, v, &q->w[1], nruns, total)))
		return err;
	q->out[0] = va;
	q->out[1] = v->mapped;
	q->nout = 2;
	return E_OK;
}

uint32_t vmap_holds(const struct client *c, uint32_t pfn, uint32_t n)
{
	for (const struct vmap *v = c->vmaps; v; v = v->next)
		for (uint32_t r = 0; r < v->nruns; r++)
			if (v->runs[2 * r] < pfn + n &&
			    pfn < v->runs[2 * r] + RUN_PAGES(v->runs[2 * r + 1]))
				return vmap_va(v);
	return 0;
}

// Every page of vmap v is its client's own (its runs RUN_OWN), and one at
// least is mapped: its vunmap may leave them stale.
static inline int vmap_lazy(const struct vmap *v)
{
	return !v->shared && v->mapped;
}

// Client c's vmap at *p goes: its slots are emptied now, or left stale
// (vmap_lazy), within [c->stale_lo, c->stale_hi).
static void vmap_drop(struct client *c, struct vmap **p)
{
	struct vmap *v = *p;

	if (!vmap_lazy(v))
		area_clear(c, v->start, v->mapped);
	else {
		if (!c->stale_hi || v->start < c->stale_lo)
			c->stale_lo = v->start;
		if (v->start + v->mapped > c->stale_hi)
			c->stale_hi = v->start + v->mapped;
	}
	*p = v->next;
	c->nvmaps--;
	vmap_free(c, v);
}

int ms_vunmap(struct req *q)
{
	uint32_t va = q->w[0];
	struct vmap **p = find(q->c, va);

	if (!q->len || !*p)
		return req_fail(q, E_INVAL, "vunmap of 0x%x: no vmap starts there", va);
	vmap_drop(q->c, p);
	return E_OK;
}

void vmap_purge(struct client *c)
{
	uint32_t at = c->stale_lo, hi = c->stale_hi;

	// The live vmaps between stale slots stay.
	for (const struct vmap *v = c->vmaps; v && v->start < hi; v = v->next) {
		if (v->start > at)
			area_clear(c, at, v->start - at);
		if (v->start + v->npages > at)
			at = v->start + v->npages;
	}
	if (at < hi)
		area_clear(c, at, hi - at);
	c->stale_lo = c->stale_hi = 0;
}

// MS_VMAP of one page its client owns and MS_VUNMAP of a vmap of its own
// pages, answered in place: a registered thread's capability, within the
// client's limit, room in its area where its window is made, a spare
// record. The same steps as ms_vmap and ms_vunmap, the page mapped by the
// reply (MSG_MAP) into an empty slot; anything else returns 0 and goes the
// general way, which also names the error.
static inline __attribute__((always_inline)) int vmap_fast(struct msg *m, struct ipc_buffer *ipc)
{
	uint32_t pfn = m->mr[2], prot = m->mr[1], start;
	struct mthread *t = fast_thread(m->badge);
	struct zone *z = &zones[0]; // usually the only one
	struct vmap **p, *v;
	struct client *c;

	if (!t)
		return 0;
	c = t->c;
	if (m->info == (MSG_INFO(MS_VUNMAP, 1) | MSG_CALL)) {
		p = find(c, m->mr[0]);
		if (!*p || !vmap_lazy(*p))
			return 0;
		vmap_drop(c, p);
		m->info = MSG_INFO(E_OK, 0);
		return 1;
	}
	// MS_VMAP (1, prot, pfn, 1): prot PROT_READ, PROT_WRITE or both
	if (m->info != (MSG_INFO(MS_VMAP, 4) | MSG_CALL) || m->mr[0] != 1 || m->mr[3] != 1 ||
	    !prot || (prot & ~MS_PAGE_RW) || pfn - z->base >= z->npages ||
	    (z->info[pfn - z->origin] & PI_OWNER) != c->idx || maps_full(c) || !spare ||
	    !(p = area_find(c, 1, &start)) || !c->vwin[start / WINDOW_SLOTS])
		return 0;
	v = vmap_insert(p, start, 1, prot);
	v->inl[0] = pfn;
	v->inl[1] = 1 | RUN_OWN;
	v->nruns = 1;
	v->mapped = 1;
	c->nvmaps++;
	ipc_buffer_map(ipc, c->vwin[start / WINDOW_SLOTS], start % WINDOW_SLOTS, z->slot,
		       pfn - z->base, 1, v->prot);
	m->info = MSG_INFO(E_OK, 2) | MSG_MAP;
	m->mr[0] = vmap_va(v);
	m->mr[1] = 1;
	return 1;
}

FAST_SERVE(vmap_serve_fast, vmap_fast)

void vmap_reclaim(struct client *c)
{
	for (uint32_t w = 0; w < MS_VMAP_WINDOWS; w++) { // their stale slots with them
		ms_slot_destroy(c->vwin[w]);
		c->vwin[w] = 0;
	}
	c->stale_lo = c->stale_hi = 0;
	while (c->vmaps) {
		struct vmap *v = c->vmaps;
		c->vmaps = v->next;
		vmap_free(c, v);
	}
	c->nvmaps = 0;
}

// Destroys the vmap windows of c that no vmap of c uses.
static void windows_gc(struct client *c)
{
	for (uint32_t w = 0; w < MS_VMAP_WINDOWS; w++) {
		struct vmap *v = c->vmaps;

		while (v && v->start + v->npages <= w * WINDOW_SLOTS)
			v = v->next;
		if (c->vwin[w] && (!v || v->start >= (w + 1) * WINDOW_SLOTS)) {
			ms_slot_destroy(c->vwin[w]);
			c->vwin[w] = 0;
		}
	}
}

void vmap_gc(void)
{
	for (uint32_t i = 1; i <= MS_CLIENTS_MAX; i++)
		if (clients[i].id)
			windows_gc(&clients[i]);
}
