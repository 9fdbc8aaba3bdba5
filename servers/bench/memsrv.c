// memsrv's primitives as a client sees them (libs/highmem: each is one or
// more IPC round trips to memsrv, which maps through the kernel's windows):
// the requests of ms_ops[], the kmap pool's wrap, vmap + vunmap from 1 to
// 4096 pages, alloc + free of every order, the first touch of a page just
// mapped; then ms_ops[] again with 4 and 16 live clients (copies of this
// program started with CLIENT_ARG, each holding pages, a kmap, a vmap and a
// kmap_local); and last the figures derived from this run's medians.
//
// Every figure is the whole operation as the caller pays it: the calls,
// memsrv's work and the kernel's. Pages come from alloc_pages (memsrv's
// lowest free blocks), so every run is the same.
#include <stdio.h>
#include <string.h>

#include "bench.h"
#include "highmem/highmem.h"
#include "user.h"

#define RW (PROT_READ | PROT_WRITE)
#define POOL_SLOT(va) (((uint32_t)(va)-MEMSRV_POOL_VA) / PAGE_SIZE)
#define MISS_PAGES 1024 // twice the pool: a page comes back only after a wrap flushed it
// Fewer samples where one costs much (figures barely vary; -icount runs
// about 25 million guest instructions a second, and make bench boots twice).
#define WRAP_SAMPLES 64 // each costs a whole turn of the pool (512 misses)
#define COLD_ORDER 8    // memsrv_kmap_pair_hit*_cold: 256 pages, half the pool
#define COLD_PAGES (1u << COLD_ORDER)
#define WRAP_WARMUP 2
#define VMAP_MAX 4096

static page_t contig[VMAP_MAX];  // four blocks of order 10
static page_t scatter[VMAP_MAX]; // every other page of eight blocks
static page_t miss_base;         // MISS_PAGES pages
static uint32_t miss_next;       // the next of them to kmap
static uint32_t aux[SAMPLES];

// Allocates nblocks blocks of order 10 and lists every `step`th page of
// them into pages[] (VMAP_MAX at most). E_OK or the error.
static int pages_from_blocks(page_t *pages, unsigned nblocks, unsigned step)
{
	unsigned n = 0;
	page_t b;
	int err;

	for (unsigned i = 0; i < nblocks; i++) {
		if ((err = alloc_pages(0, MEMSRV_MAX_ORDER, &b)))
			return err;
		for (unsigned j = 0; j < (1u << MEMSRV_MAX_ORDER) && n < VMAP_MAX; j += step)
			pages[n++] = b + j;
	}
	return E_OK;
}

// kmap + kunmap of the next page of the miss set; its pool slot.
static uint32_t miss_pair(int *bad)
{
	page_t p = miss_base + miss_next++ % MISS_PAGES;
	void *va = kmap(p);

	*bad += !va || kunmap(p);
	return POOL_SLOT(va);
}

// The kmap that wraps the pool cursor (and flushes the stale slots), as
// one sample each: misses untimed until one took the pool's last slot,
// then the next miss, timed. That last untimed-in-spirit miss (slot 511)
// is timed too, into aux[]: a kmap miss alone, without a wrap.
static void bench_wrap(void)
{
	int bad = 0;

	for (int i = -WRAP_WARMUP; i < WRAP_SAMPLES && !bad; i++) {
		uint32_t slot = 0, n = 0;
		page_t p;
		void *va;

		while (slot != KMAP_POOL_SLOTS - 2 && n++ < 2 * KMAP_POOL_SLOTS)
			slot = miss_pair(&bad);
		p = miss_base + miss_next++ % MISS_PAGES;
		uint32_t t0 = ccnt();
		va = kmap(p);
		uint32_t t1 = ccnt();
		bad += !va || POOL_SLOT(va) != KMAP_POOL_SLOTS - 1 || kunmap(p);
		p = miss_base + miss_next++ % MISS_PAGES;
		uint32_t t2 = ccnt();
		va = kmap(p);
		uint32_t t3 = ccnt();
		bad += !va || POOL_SLOT(va) != 0 || kunmap(p);
		if (i >= 0) {
			aux[i] = t1 - t0 - overhead;
			samples[i] = t3 - t2 - overhead;
		}
	}
	if (bad) {
		bench_fail("memsrv_kmap_wrap",
			   "a kmap failed or the pool cursor was not where expected");
		return;
	}
	report("memsrv_kmap_wrap", WRAP_SAMPLES,
	       "{\"op\": \"kmap of a page not in the pool, the one that wraps the cursor "
	       "(slot 511 -> 0) and so flushes the 512 stale slots first (one MS_KUNMAP "
	       "naming them, one WINDOW_CLEAR)\", "
	       "\"stale_slots_flushed\": 512}");
	memcpy(samples, aux, sizeof(aux[0]) * WRAP_SAMPLES);
	report("memsrv_kmap_miss", WRAP_SAMPLES,
	       "{\"op\": \"kmap alone of a page not in the pool, no wrap (the kmap into "
	       "slot 511 just before each memsrv_kmap_wrap sample)\"}");
}

// kmap + kunmap of pages in the pool but not mapped lately: COLD_PAGES
// pages in turn, each in a stale slot (memsrv_kmap_pair_hit_cold), then
// each held once more (memsrv_kmap_pair_hit_held_cold): the counterparts
// of memsrv_kmap_pair_hit and _hit_held, which take one page again and
// again. (memsrv_kmap_pair_miss is 1,024 pages in turn already.)
static void bench_kmap_cold(void)
{
	static void *cold_va[COLD_PAGES];
	uint32_t next = 0, held_ok = 0;
	page_t base, p;
	void *va = NULL;
	int e = kmap_flush(); // a new turn: the COLD_PAGES slots stay till the end

	if (e || (e = alloc_pages(0, COLD_ORDER, &base))) {
		bench_fail("memsrv_kmap_pair_hit_cold", hmk_strerror(e));
		return;
	}
	for (uint32_t i = 0; i < COLD_PAGES; i++)
		if ((cold_va[i] = kmap(base + i)))
			kunmap(base + i);
	BENCH_N("memsrv_kmap_pair_hit_cold", SAMPLES, WARMUP,
		"{\"op\": \"kmap + kunmap of a page whose stale pool slot is still there, "
		"256 pages in turn (each mapped last 255 pairs ago): no kernel call\"}",
		(p = base + next % COLD_PAGES, va = kmap(p), e = kunmap(p)),
		va && va == cold_va[next++ % COLD_PAGES] && !e);
	for (uint32_t i = 0; i < COLD_PAGES; i++)
		held_ok += kmap(base + i) == cold_va[i];
	next = 0;
	BENCH_N("memsrv_kmap_pair_hit_held_cold", SAMPLES, WARMUP,
		"{\"op\": \"kmap + kunmap of a page kmapped already (one more reference), "
		"256 pages in turn\"}",
		(p = base + next % COLD_PAGES, va = kmap(p), e = kunmap(p)),
		held_ok == COLD_PAGES && va == cold_va[next++ % COLD_PAGES] && !e);
	for (uint32_t i = 0; i < COLD_PAGES; i++)
		kunmap(base + i);
	__free_pages(base, COLD_ORDER);
}

// First access to a page just mapped by kmap_local (so no TLB holds it),
// the access alone; then a second access to the same page.
// The counter difference across one load from p: counter read, load and
// counter read in one asm statement, so that nothing the compiler
// schedules lands between them.
static inline uint32_t timed_load(const volatile uint32_t *p)
{
	uint32_t t0, t1, v;

	__asm__ volatile("mrc p15, 0, %0, c9, c13, 0\n\t"
			 "ldr %1, [%3]\n\t"
			 "mrc p15, 0, %2, c9, c13, 0"
			 : "=&r"(t0), "=&r"(v), "=r"(t1)
			 : "r"(p)
			 : "memory");
	(void)v;
	return t1 - t0;
}

static void bench_touch(page_t p)
{
	int bad = 0;

	for (int i = -WARMUP; i < SAMPLES; i++) {
		volatile uint32_t *va = kmap_local_page(p);

		if (!va) {
			bad++;
			continue;
		}
		uint32_t first = timed_load(va), second = timed_load(va + 1);
		bad += kunmap_local((void *)va) != E_OK;
		if (i >= 0) {
			samples[i] = first - overhead;
			aux[i] = second - overhead;
		}
	}
	if (bad)
		bench_fail("memsrv_first_touch", "kmap_local or kunmap_local failed");
	report("memsrv_first_touch", SAMPLES,
	       "{\"op\": \"one load from a page kmap_local mapped just before (TLB miss and "
	       "table walk)\", \"caveat\": \"under -icount a TLB miss and walk cost no "
	       "guest instructions: this counts the load only\"}");
	memcpy(samples, aux, sizeof(aux[0]) * SAMPLES);
	report("memsrv_second_touch", SAMPLES,
	       "{\"op\": \"the next load from the same page (TLB warm)\"}");
}

// vmap + vunmap of pages[0..n); params say how many runs (of consecutive
// frames) and calls to memsrv (vmap's messages and vunmap) that takes.
static void bench_vmap(const char *name, const page_t *pages, unsigned n, int nsamples, int warm)
{
	unsigned runs = 1, msgs;
	char params[160];
	void *va = NULL;
	int e = 0;

	for (unsigned i = 1; i < n; i++)
		runs += pages[i] != pages[i - 1] + 1;
	msgs = (runs + MS_VMAP_RUNS - 1) / MS_VMAP_RUNS;
	snprintf(params, sizeof(params),
		 "{\"op\": \"vmap + vunmap\", \"pages\": %u, \"runs\": %u, \"calls\": %u}", n, runs,
		 msgs + 1);
	BENCH_N(name, nsamples, warm, params, (va = vmap(pages, n, RW), e = vunmap(va)), va && !e);
}

// "int.dd" of num / den, rounded (den > 0).
static const char *fixed2(char *buf, size_t size, int64_t num, int64_t den)
{
	int neg = num < 0;
	uint64_t v = ((uint64_t)(neg ? -num : num) * 100 + (uint64_t)den / 2) / (uint64_t)den;

	snprintf(buf, size, "%s%u.%02u", neg ? "-" : "", (uint32_t)(v / 100), (uint32_t)(v % 100));
	return buf;
}

// How vmap grows with its pages, from <base>_16, _256 and _4096: the cost
// per page from 16 to 256 and from 256 to 4096, and their ratio.
static void vmap_slope(const char *base, const char *what)
{
	char n16[48], n256[48], n4096[48], a[24], b[24], c[24], d[24];

	snprintf(n16, sizeof(n16), "%s_16", base);
	snprintf(n256, sizeof(n256), "%s_256", base);
	snprintf(n4096, sizeof(n4096), "%s_4096", base);
	uint32_t v16 = median_of(n16), v256 = median_of(n256), v4096 = median_of(n4096);
	if (!v16 || !v256 || !v4096)
		return;
	int64_t d1 = (int64_t)v256 - v16, d2 = (int64_t)v4096 - v256;
	printf("{\"derived\": \"%s_slope\", \"unit\": \"instructions/page\", "
	       "\"slope_16_256\": %s, \"slope_256_4096\": %s, \"slope_ratio\": %s, "
	       "\"ratio_4096_256\": %s, \"text\": \"%s: %s (16..256), %s (256..4096), ratio %s "
	       "(1.00 = linear); %s / %s = %s (16 if proportional)\"}\n",
	       base, fixed2(a, sizeof(a), d1, 240), fixed2(b, sizeof(b), d2, 3840),
	       fixed2(c, sizeof(c), d2 * 240, d1 * 3840), fixed2(d, sizeof(d), v4096, v256), what,
	       a, b, c, n4096, n256, d);
}

// Figures computed from this run's medians: the kmap_local pair on a page
// not mapped lately against the goal of one IPC round trip and little more
// (at most 450 instructions), what the pair costs beyond its IPC, the
// kmap_atomic pair against it (at most 1.25 times), vmap's cost per page,
// the kernel's per page, the pool wrap's flush.
void derived_figures(void)
{
	uint32_t pair = median_of("memsrv_kmap_local_pair_cold"),
		 ipc = median_of("ipc_rt_fast_interas");
	uint32_t warm = median_of("memsrv_kmap_local_pair");
	uint32_t wmap = median_of("kernel_window_map"), wclear = median_of("kernel_window_clear");
	uint32_t wmap512 = median_of("kernel_window_map_512");
	uint32_t wclear512 = median_of("kernel_window_clear_512");
	uint32_t wrap = median_of("memsrv_kmap_wrap"), miss = median_of("memsrv_kmap_miss");
	char a[24], b[24];

	if (pair && ipc) {
		int met = pair <= 450;
		printf("{\"derived\": \"memsrv_kmap_local_pair_per_ipc_rt\", \"value\": %s, "
		       "\"limit_instructions\": 450, \"met\": %s, \"text\": \"kmap_local pair on "
		       "a page not mapped lately %u (the same page each time: %u) / null IPC round "
		       "trip (ipc_rt_fast_interas) %u = %s (goal: at most 450 instructions, one "
		       "round trip and little more: %s)\"}\n",
		       fixed2(a, sizeof(a), pair, ipc), met ? "true" : "false", pair, warm, ipc,
		       fixed2(b, sizeof(b), pair, ipc), met ? "met" : "NOT met");
	}
	if (pair && ipc && wmap && wclear) {
		uint32_t inv = median_of("kernel_invoke_identify");
		int32_t beyond = (int32_t)pair - (int32_t)ipc;

		printf("{\"derived\": \"memsrv_kmap_local_pair_beyond_ipc\", \"value\": %d, "
		       "\"ipc_rt\": %u, \"kernel_invoke_identify\": %u, \"kernel_window_map\": "
		       "%u, \"kernel_window_clear\": %u, \"text\": \"cold pair %u - a null IPC "
		       "round trip %u = %d for memsrv, libhighmem and the kernel's mapping work; "
		       "for scale, from a program: a bare invocation %u, WINDOW_MAP %u, "
		       "WINDOW_CLEAR %u\"}\n",
		       (int)beyond, ipc, inv, wmap, wclear, pair, ipc, (int)beyond, inv, wmap,
		       wclear);
	}
	uint32_t atomic = median_of("memsrv_kmap_atomic_pair_cold");
	if (pair && atomic) {
		int met = (uint64_t)atomic * 100 <= (uint64_t)pair * 125;

		printf("{\"derived\": \"memsrv_kmap_atomic_per_local\", \"value\": %s, "
		       "\"limit\": 1.25, \"met\": %s, \"text\": \"kmap_atomic pair %u / "
		       "kmap_local pair %u, both on a page not mapped lately = %s (goal: at most "
		       "1.25: %s)\"}\n",
		       fixed2(a, sizeof(a), atomic, pair), met ? "true" : "false", atomic, pair, a,
		       met ? "met" : "NOT met");
	}
	vmap_slope("memsrv_vmap", "vmap+vunmap per page");
	vmap_slope("memsrv_vmap_scattered", "vmap+vunmap per page, one run per page");
	if (wmap && wclear && wmap512 && wclear512)
		printf("{\"derived\": \"kernel_window_per_page\", \"unit\": \"instructions/page\", "
		       "\"map\": %s, \"clear\": %s, \"text\": \"kernel per page, from 1 and 512 "
		       "pages: WINDOW_MAP %s, WINDOW_CLEAR %s\"}\n",
		       fixed2(a, sizeof(a), (int64_t)wmap512 - wmap, 511),
		       fixed2(b, sizeof(b), (int64_t)wclear512 - wclear, 511), a, b);
	if (wrap && miss)
		printf("{\"derived\": \"memsrv_kmap_wrap_flush\", \"flush\": %d, \"per_miss\": %s, "
		       "\"text\": \"the wrap's flush: kmap_wrap %u - kmap_miss %u = %d, spread "
		       "over "
		       "the 512 misses of a pool turn: %s per miss\"}\n",
		       (int)wrap - (int)miss, fixed2(a, sizeof(a), (int64_t)wrap - miss, 512), wrap,
		       miss, (int)wrap - (int)miss, a);
}

// The pages the requests work on (memsrv_benches allocates them).
static page_t one, hit, held;
static uint32_t cold_next; // the next page of the miss set for a cold pair

// kmap_local (atomic: kmap_atomic) + its unmap of a page not mapped lately:
// the next of the MISS_PAGES pages in turn. Counts a failure into *bad.
static inline void cold_pair(int atomic, int *bad)
{
	page_t p = miss_base + cold_next++ % MISS_PAGES;
	void *va = atomic ? kmap_atomic(p) : kmap_local_page(p);

	*bad += !va || (atomic ? kunmap_atomic(va) : kunmap_local(va));
}

// One request benchmark "memsrv_<what><suffix>", op a sentence, `more`
// further params (JSON members with a leading comma, or "").
#define MS_REQUEST(what, suffix, op, more, expr, ok)                                               \
	do {                                                                                       \
		char name_[64], params_[320];                                                      \
		snprintf(name_, sizeof(name_), "memsrv_%s%s", what, suffix);                       \
		snprintf(params_, sizeof(params_), "{\"op\": \"%s\"%s}", op, more);                \
		BENCH_N(name_, SAMPLES, WARMUP, params_, expr, ok);                                \
	} while (0)

// The requests: alone (suffix "", clients = 1) and again with more live
// clients (suffix "_clients<N>"), when alloc_free_o0 and vmap_16 come too
// (alone, the sweeps of memsrv_benches measure them).
static void ms_requests(const char *suffix, unsigned clients)
{
	char more[32] = "";
	struct highmem_stats st;
	page_t pg;
	void *va = NULL;
	int e = 0, e2 = 0;

	if (*suffix)
		snprintf(more, sizeof(more), ", \"clients\": %u", clients);
	if (!kmap(held)) // for kmap_pair_hit_held
		bench_fail("memsrv_kmap_pair_hit_held", hmk_strerror(highmem_errno));
	MS_REQUEST("kmap_local_pair", suffix, "kmap_local_page + kunmap_local of one owned page",
		   more, (va = kmap_local_page(one), e = kunmap_local(va)), va && !e);
	MS_REQUEST("kmap_local_pair_cold", suffix,
		   "kmap_local_page + kunmap_local of a page not mapped lately (1024 pages in "
		   "turn)",
		   more, (e = 0, cold_pair(0, &e)), !e);
	MS_REQUEST("kmap_atomic_pair", suffix,
		   "kmap_atomic + kunmap_atomic of one owned page (the reply pins the thread, "
		   "SYS_UNPIN ends it)",
		   more, (va = kmap_atomic(one), e = kunmap_atomic(va)), va && !e);
	MS_REQUEST("kmap_atomic_pair_cold", suffix,
		   "kmap_atomic + kunmap_atomic of a page not mapped lately (1024 pages in turn)",
		   more, (e = 0, cold_pair(1, &e)), !e);
	MS_REQUEST("kmap_pair_hit", suffix,
		   "kmap + kunmap of a page whose stale pool slot is still there (the same page "
		   "each time): no request, no kernel call",
		   more, (va = kmap(hit), e = kunmap(hit)), va && !e);
	MS_REQUEST("kmap_pair_hit_held", suffix,
		   "kmap + kunmap of a page kmapped already (one more reference)", more,
		   (va = kmap(held), e = kunmap(held)), va && !e);
	MS_REQUEST("kmap_pair_miss", suffix,
		   "kmap + kunmap of a page not in the pool (1024 pages in turn): one request "
		   "(MS_KMAP); one sample in 512 is the wrap's (see memsrv_kmap_wrap): the max",
		   more, (e = 0, miss_pair(&e)), !e);
	kunmap(held);
	MS_REQUEST("stats", suffix,
		   "highmem_stats: free and used pages, the caller's live mappings (four words in "
		   "registers, answered in place; memsrv looks through its thread table)",
		   more, e = highmem_stats(&st), !e);
	if (!*suffix)
		return;
	MS_REQUEST("alloc_free_o0", suffix, "alloc_pages + __free_pages of one page (zeroed)", more,
		   (e = alloc_pages(0, 0, &pg), e2 = e ? 0 : __free_pages(pg, 0)), !e && !e2);
	MS_REQUEST("vmap_16", suffix, "vmap + vunmap of 16 consecutive pages", more,
		   (va = vmap(contig, 16, RW), e = vunmap(va)), va && !e);
}

// Samples for a costly benchmark: `budget` divided by its size, clamped
// to [min, SAMPLES] (figures of big operations barely vary; -icount runs
// about 25 million guest instructions a second and make bench boots twice).
static int samples_for(unsigned budget, unsigned size, int min)
{
	unsigned n = budget / size;
	return n < (unsigned)min ? min : n > SAMPLES ? SAMPLES : (int)n;
}

void memsrv_benches(void)
{
	char name[48];
	int e = 0;

	// (INV_IDENTIFY cannot tell: a call on an endpoint is IPC.) The first
	// request registers the program and its thread.
	if (!highmem_client_id() && highmem_errno == E_CAP) {
		printf("# bench: no memsrv (SLOT_MEMSRV empty): memsrv benchmarks skipped\n");
		return;
	}
	if (!highmem_client_id() || (e = alloc_page(0, &one)) || (e = alloc_page(0, &hit)) ||
	    (e = alloc_page(0, &held)) || (e = alloc_pages(0, MEMSRV_MAX_ORDER, &miss_base)) ||
	    (e = pages_from_blocks(contig, VMAP_MAX >> MEMSRV_MAX_ORDER, 1)) ||
	    (e = pages_from_blocks(scatter, 2 * VMAP_MAX >> MEMSRV_MAX_ORDER, 2))) {
		bench_fail("memsrv", hmk_strerror(e ? e : highmem_errno));
		return;
	}
	ms_requests("", 1);
	bench_wrap();
	bench_kmap_cold();

	// vmap + vunmap: consecutive frames (one run each) at every power of
	// two, every other frame (a run per page) at every power of four.
	for (unsigned n = 1; n <= VMAP_MAX; n *= 2) {
		int k = samples_for(64000, n, 20);
		snprintf(name, sizeof(name), "memsrv_vmap_%u", n);
		bench_vmap(name, contig, n, k, k / 10 + 1);
	}
	for (unsigned n = 1; n <= VMAP_MAX; n *= 4) {
		int k = samples_for(16000, n, 10);
		snprintf(name, sizeof(name), "memsrv_vmap_scattered_%u", n);
		bench_vmap(name, scatter, n, k, k / 10 + 1);
	}

	// alloc + free by order; memsrv zeroes what it hands out.
	for (unsigned order = 0; order <= MEMSRV_MAX_ORDER; order++) {
		char params[160];
		page_t pg;
		int e2 = 0, k = samples_for(20000, 1u << order, 20);

		snprintf(name, sizeof(name), "memsrv_alloc_free_o%u", order);
		snprintf(params, sizeof(params),
			 "{\"op\": \"alloc_pages + __free_pages\", \"order\": %u, \"pages\": %u, "
			 "\"zeroed\": \"memsrv zeroes every allocation (%u KiB here)\"}",
			 order, 1u << order, 4u << order);
		BENCH_N(name, k, k / 10 + 1, params,
			(e = alloc_pages(0, order, &pg), e2 = e ? 0 : __free_pages(pg, order)),
			!e && !e2);
	}
	// kmap_local + kunmap_local on top of depth - 1 kmap_local mappings the
	// thread holds already (its stack holds 16).
	for (unsigned depth = 1; depth <= 16; depth *= 2) {
		char params[160];
		void *held_va[16], *va = NULL;
		unsigned n = 0;

		while (n < depth - 1 && (held_va[n] = kmap_local_page(contig[n])))
			n++;
		snprintf(name, sizeof(name), "memsrv_kmap_local_depth%u", depth);
		snprintf(params, sizeof(params),
			 "{\"op\": \"kmap_local_page + kunmap_local with %u kmap_local mappings "
			 "held below it\", \"depth\": %u}",
			 depth - 1, depth);
		BENCH_N(name, SAMPLES, WARMUP, params,
			(va = kmap_local_page(one), e = kunmap_local(va)),
			n == depth - 1 && va && !e);
		while (n > 0)
			kunmap_local(held_va[--n]);
	}
	bench_touch(one);
}

// share_page of a page just allocated (untimed) with client `to`: a new
// share record; then the same share again (the record is there already).
// The page is freed after (untimed), which drops the record.
static void bench_share(uint32_t to)
{
	int bad = 0;

	for (int i = -WARMUP; i < SAMPLES; i++) {
		page_t pg;

		if (alloc_page(0, &pg)) {
			bad++;
			continue;
		}
		uint32_t t0 = ccnt();
		int e = share_page(pg, to);
		uint32_t t1 = ccnt();
		uint32_t t2 = ccnt();
		int e2 = share_page(pg, to);
		uint32_t t3 = ccnt();
		bad += e || e2 || __free_page(pg);
		if (i >= 0) {
			samples[i] = t1 - t0 - overhead;
			aux[i] = t3 - t2 - overhead;
		}
	}
	if (bad)
		bench_fail("memsrv_share_page", "alloc_page, share_page or __free_page failed");
	report("memsrv_share_page", SAMPLES,
	       "{\"op\": \"share_page of an owned page with another live client (a new share "
	       "record)\"}");
	memcpy(samples, aux, sizeof(aux[0]) * SAMPLES);
	report("memsrv_share_page_again", SAMPLES,
	       "{\"op\": \"share_page of a page shared with that client already\"}");
}

// --- live clients ------------------------------------------------------------
#define CLIENTS_MAX 16
#define CLIENT_READY 1

// A live client: pages, a kmap, a vmap and a kmap_local held while it
// waits (for good: the benchmark kills it, and memsrv reclaims all that).
int memsrv_client_main(void)
{
	page_t b, pages[4];
	struct msg m;
	int err = alloc_pages(0, 4, &b);

	for (unsigned i = 0; i < 4; i++)
		pages[i] = b + 2 * i;
	if (!err && (!kmap(b) || !vmap(pages, 4, RW) || !kmap_local_page(b + 1)))
		err = highmem_errno ? highmem_errno : E_NOMEM;
	m = (struct msg){ MSG_INFO(CLIENT_READY, 2), { (uint32_t)err, highmem_client_id() }, 0 };
	sys_call(SLOT_GIFT, &m);
	uint32_t never = new_object(CAP_ENDPOINT);
	if (never)
		sys_recv(never, &m); // nobody sends here
	return err;
}

static uint32_t client_ids[CLIENTS_MAX];    // init's program ids (to kill them)
static uint32_t client_ms_ids[CLIENTS_MAX]; // memsrv's client ids (to share with)
static unsigned nclients = 1;               // this program

// Starts clients until `want` are live (counting this program).
static int clients_up_to(uint32_t ep, unsigned want)
{
	struct msg m = { 0 };
	int err;

	while (nclients < want) {
		if ((err = init_spawn("bench", CLIENT_ARG, ep, &client_ids[nclients])) ||
		    (err = sys_recv(ep, &m)))
			return err;
		err = MSG_LABEL(m.info) == CLIENT_READY ? (int)m.mr[0] : E_INVAL;
		client_ms_ids[nclients] = m.mr[1];
		m = (struct msg){ MSG_INFO(0, 0), { 0 }, 0 };
		sys_reply(&m);
		if (err)
			return err;
		nclients++;
	}
	return E_OK;
}

void memsrv_client_benches(void)
{
	static const unsigned counts[] = { 1, 4, CLIENTS_MAX };
	uint32_t ep;
	int err;

	if (!one)
		return; // memsrv_benches found no memsrv
	ep = new_object(CAP_ENDPOINT);
	err = ep ? E_OK : E_NOSLOT;
	for (unsigned c = 0; !err && c < sizeof(counts) / sizeof(counts[0]); c++) {
		char suffix[16];

		if ((err = clients_up_to(ep, counts[c])))
			break;
		snprintf(suffix, sizeof(suffix), "_clients%u", counts[c]);
		ms_requests(suffix, counts[c]);
		if (nclients == 4) // the first time there is another client to share with
			bench_share(client_ms_ids[1]);
	}
	if (err)
		bench_fail("memsrv clients", hmk_strerror(err));
	for (unsigned i = 1; i < nclients; i++)
		init_kill(client_ids[i]);
	if (ep)
		delete_object(ep);
}
