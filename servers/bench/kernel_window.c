// The kernel's part of a temporary mapping, measured without memsrv: the
// program makes a window of its own (SPACE_CREATE of CAP_WINDOW), binds it
// WIN_SPACE into its own space, then maps one page of its SLOT_MEMORY range
// into slot 0 (WINDOW_MAP) and clears it again (WINDOW_CLEAR), timing each
// invocation apart. That is what memsrv asks of the kernel for one
// kmap_local + kunmap_local (its per-thread window is WIN_THREAD, but with
// one space to flush the kernel takes the same path: one TLBIMVA).
#include <stdio.h>

#include "bench.h"
#include "user.h"

// Where the window goes: in the program's scratch area (init.h), away from
// memsrv's windows (the vmap area 0x38000000..0x3effffff, the local window
// and the pool at 0x3f000000..).
#define KWIN_VA USER_SCRATCH_BASE
#define KWIN_PAGE_VA (USER_SCRATCH_BASE + WINDOW_SIZE) // where the page is taken

static uint32_t clear_samples[SAMPLES];

// Times WINDOW_MAP of `pages` pages of SLOT_MEMORY from page `off` into
// slot 0 of win, and the WINDOW_CLEAR after it, each apart: n samples after
// `warmup` runs, reported under the two names.
static void map_clear(uint32_t win, uint32_t off, uint32_t pages, uint32_t prot, int n, int warmup,
		      const char *map_name, const char *clear_name, const char *map_params,
		      const char *clear_params)
{
	int bad = 0;

	for (int i = -warmup; i < n; i++) {
		uint32_t t0 = ccnt();
		int e1 = window_map(win, 0, SLOT_MEMORY, off, pages, prot);
		uint32_t t1 = ccnt();
		uint32_t t2 = ccnt();
		int e2 = window_clear(win, 0, pages);
		uint32_t t3 = ccnt();
		bad += e1 || e2;
		if (i >= 0) {
			samples[i] = t1 - t0 - overhead;
			clear_samples[i] = t3 - t2 - overhead;
		}
	}
	if (bad)
		bench_fail(map_name, "WINDOW_MAP or WINDOW_CLEAR failed");
	report(map_name, n, map_params);
	for (int i = 0; i < n; i++)
		samples[i] = clear_samples[i];
	report(clear_name, n, clear_params);
}

void kernel_window_benches(void)
{
	static const char *const params =
		"{\"window\": \"WIN_SPACE, own space\", \"pages\": 1, \"prot\": \"RW\"}";
	uint32_t win, off, pages;
	int err;

	// One page of SLOT_MEMORY, taken from the runtime's allocator (so that
	// nothing else uses it): its offset in the range is the allocator's cursor.
	if ((err = range_info(SLOT_MEMORY, NULL, &pages))) {
		bench_fail("kernel_window_map", hmk_strerror(err));
		return;
	}
	off = pages - user_pages_free();
	if ((err = user_pages_alloc(1, KWIN_PAGE_VA)) ||
	    (err = space_create(SLOT_SPACE, CAP_WINDOW, 0, &win)) ||
	    (err = window_bind(win, WIN_SPACE, SLOT_SPACE, KWIN_VA))) {
		bench_fail("kernel_window_map", hmk_strerror(err));
		return;
	}
	// The least invocation: INV_IDENTIFY of a capability that is no endpoint.
	BENCH_N("kernel_invoke_identify", SAMPLES, WARMUP,
		"{\"op\": \"INV_IDENTIFY of a range capability: the least invocation\"}",
		err = inv_identify(SLOT_MEMORY, NULL, NULL, NULL), err == E_OK);
	map_clear(win, off, 1, PROT_READ | PROT_WRITE, SAMPLES, WARMUP, "kernel_window_map",
		  "kernel_window_clear", params, params);

	// A whole window: the kernel's per-page part (and the full TLB flush a
	// clear of more than 16 pages takes). The frames are the range's first
	// 512 pages, mapped read-only and never touched: mapping them is harmless.
	if (range_info(SLOT_MEMORY, NULL, &pages) == E_OK && pages >= WINDOW_SLOTS)
		map_clear(win, 0, WINDOW_SLOTS, PROT_READ, SAMPLES / 10, WARMUP / 10,
			  "kernel_window_map_512", "kernel_window_clear_512",
			  "{\"window\": \"WIN_SPACE, own space\", \"pages\": 512, \"prot\": \"R\"}",
			  "{\"window\": \"WIN_SPACE, own space\", \"pages\": 512, \"tlb\": \"full "
			  "flush (over 16 pages)\"}");
	inv_destroy(win);
	delete_object(win);
}
