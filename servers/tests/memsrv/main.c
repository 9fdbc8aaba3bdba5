// mstests: the memory server's in-guest suite (run with "run=mstests").
// Runs every case of every file's table, prints "ok - name" or "FAIL -
// name: why", ends with "mstests: N passed, N failed" and exits with the
// number of failures. After each case the runner undoes what the case
// registered and checks that memsrv is back where it was: as many free
// pages as before, and no mapping or page left to this client.
//
// The same program is its own child for the cases that need a second
// client: the start argument says which part it plays (mstests.h).
#include <stdio.h>

#include "mstests.h"

static const struct test *const tables[] = {
	proto_tests,   pages_tests,     local_tests,     pool_tests, vmap_tests,
	client_tests,  isolation_tests, integrity_tests, smp_tests,
	sampled_tests, // last: run=mstests:6 runs it alone
};

// Polls MS_STATS (memsrv reaps dead threads and children when it gets
// to it) until this client holds nothing and free pages are back at
// `free`. NULL, or what is left over.
static const char *settled(uint32_t free, struct highmem_stats *st)
{
	for (int i = 0; i < 200; i++) {
		if (stats(st))
			return fail_fmt("MS_STATS: %s", hmk_strerror(highmem_errno));
		if (st->free_pages == free && !st->kmap_local && !st->kmap_atomic && !st->kmap &&
		    !st->vmap && !st->owned_pages)
			return NULL;
		sys_yield();
	}
	return fail_fmt("memsrv not back: free %u (was %u), kmap_local %u kmap_atomic %u kmap %u "
			"vmap %u owned %u",
			st->free_pages, free, st->kmap_local, st->kmap_atomic, st->kmap, st->vmap,
			st->owned_pages);
}

int main(void)
{
	struct highmem_stats st;
	int passed = 0, failed = 0;
	uint32_t kib;

	thread_info(SLOT_THREAD, NULL, &my_prio, NULL);
	switch (user_arg & 0xff) {
	case MODE_SUITE: break;
	case MODE_SAMPLED: break;
	case MODE_VICTIM: return victim_main(user_arg >> 8);
	case MODE_PREHELLO: return prehello_main(user_arg >> 8);
	case MODE_VMAPPER: return vmapper_main(user_arg >> 8);
	case MODE_LIMITED: return limited_main(user_arg >> 8);
	case MODE_FLOOD: return flood_main(user_arg >> 8);
	case MODE_UNWATCHED: return unwatched_main(user_arg >> 8);
	default: return 100;
	}
	// The fixed point: this program and its first thread are registered
	// with memsrv (MS_HELLO, MS_THREAD_HELLO), and nothing else is held.
	if (stats(&st)) {
		printf("mstests: no memsrv (%s): run with memsrv.elf in the initrd\n",
		       hmk_strerror(highmem_errno));
		printf("mstests: 0 passed, 1 failed\n");
		return 1;
	}
	if (console_stats(SLOT_CONSOLE, &kib, NULL, NULL) == E_OK)
		printf("mstests: kernel lowmem_used=%uK\n", kib);
	else
		printf("mstests: CONSOLE_STATS refused\n");
	printf("# mstests: client %u, priority %u, %u HIGHMEM pages free, %u used\n",
	       highmem_client_id(), my_prio, st.free_pages, st.used_pages);
	uint32_t free = st.free_pages;

	for (unsigned t = user_arg == MODE_SAMPLED ? sizeof(tables) / sizeof(tables[0]) - 1 : 0;
	     t < sizeof(tables) / sizeof(tables[0]); t++) {
		for (const struct test *c = tables[t]; c->fn; c++) {
			const char *why = c->fn();
			char msg[256];
			int bad = cleanup_run();

			if (!why && bad)
				why = "clean-up failed";
			if (why) { // settled() reuses fail_fmt's buffer
				snprintf(msg, sizeof(msg), "%s", why);
				why = msg;
			}
			const char *left = settled(free, &st);
			if (left) {
				free = st.free_pages; // do not blame the next case
				if (!why)
					why = left;
			}
			test_result(c->name, why, &passed, &failed);
		}
	}
	printf("mstests: %d passed, %d failed\n", passed, failed);
	return failed;
}
