// tests: the in-guest test suite (as xv6's usertests). Runs every case of
// every file's table, prints "ok - name" or "FAIL - name: why", ends with
// "tests: N passed, N failed" and exits with the number of failures.
#include <stdio.h>

#include "tests.h"
#include "user.h"

static const struct test *const tables[] = {
	syscall_tests, ipc_tests,       caps_tests,     space_tests, thread_tests, fault_tests,
	notify_tests,  quota_tests,     sched_tests,    kill_tests,  reply_tests,  irq_tests,
	window_tests,  reply_map_tests, lifetime_tests, smp_tests,
};

int main(void)
{
	int passed = 0, failed = 0;
	uint32_t quota, used0, used;

	if (thread_info(SLOT_THREAD, NULL, &my_prio, NULL) != E_OK || my_prio < 4)
		printf("# tests: own priority %u unknown or too low\n", my_prio);
	if (user_arg) // a copy the suite spawned (lifetime.c)
		return lifetime_child(user_arg);
	int e = scratch_init();
	if (e != E_OK)
		printf("# tests: no scratch pages (%s): mapping tests will fail\n",
		       hmk_strerror(e));
	space_info(SLOT_SPACE, &quota, &used0, NULL);
	printf("# tests: priority %u, quota %u pages, %u used, %u free memory pages\n", my_prio,
	       quota, used0, user_pages_free());

	for (unsigned t = 0; t < sizeof tables / sizeof tables[0]; t++) {
		for (const struct test *c = tables[t]; c->fn; c++) {
			const char *why = c->fn();
			int bad = cleanup_run();
			if (!why && bad)
				why = "clean-up failed";
			test_result(c->name, why, &passed, &failed);
		}
	}
	space_info(SLOT_SPACE, NULL, &used, NULL);
	printf("# tests: %u quota pages used at the end (%u at the start)\n", used, used0);
	printf("tests: %d passed, %d failed\n", passed, failed);
	return failed;
}
