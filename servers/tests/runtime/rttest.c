// rttest: checks the user runtime (libs/user) and init's requests from a
// program's side: printf, long output, malloc through sbrk, errno in TLS,
// threads (their own stdout, TLS and IPC buffer), and spawn/wait/kill of
// children, one of which faults. Started with run=rttest; started with a
// non-zero argument it is one of its own children (1: exit 7, 2: fault,
// 3: spin until killed).
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "user.h"

static int passed, failed;

#define EXPECT(cond)                                                                               \
	do {                                                                                       \
		if (cond)                                                                          \
			passed++;                                                                  \
		else {                                                                             \
			failed++;                                                                  \
			printf("rttest: line %d: %s failed\n", __LINE__, #cond);                   \
		}                                                                                  \
	} while (0)

static void test_output(void)
{
	char line[600];

	memset(line, '=', sizeof(line) - 2);
	line[sizeof(line) - 2] = '\n';
	line[sizeof(line) - 1] = 0;
	EXPECT(printf("%s", line) == (int)strlen(line)); // several CONSOLE_WRITEs
	EXPECT(user_console_write("rttest: direct write\n", 21) == E_OK);
}

static void test_heap(void)
{
	uint32_t before = user_pages_free();
	char *small = malloc(100), *big = malloc(1 << 20);

	EXPECT(small && big);
	if (!small || !big)
		return;
	memset(big, 0xa5, 1 << 20);
	EXPECT(big[0] == (char)0xa5 && big[(1 << 20) - 1] == (char)0xa5);
	EXPECT(before - user_pages_free() >= 256);
	free(big);
	free(small);
	errno = 0;
	EXPECT(malloc(0x20000000) == NULL); // more than USER_HEAP_MAX allows
	EXPECT(errno == ENOMEM);
}

static volatile uint32_t thread_done[4];
static volatile int thread_errno_seen[4];

static void worker(uint32_t i)
{
	errno = (int)(100 + i); // TLS: every thread has its own
	printf("rttest: thread %u says hello\n", i);
	for (int k = 0; k < 1000; k++)
		sys_yield();
	thread_errno_seen[i] = errno;
	thread_done[i] = 1;
}

static void test_threads(void)
{
	struct user_thread t[4];
	int spawned = 0;

	uint32_t prio = 0; // our own priority: a thread may not start above it

	thread_info(SLOT_THREAD, NULL, &prio, NULL);
	errno = 5;
	for (uint32_t i = 0; i < 4; i++)
		if (thread_spawn(&t[i], worker, i, 4, prio, 0) == E_OK)
			spawned++;
	EXPECT(spawned == 4);
	for (int k = 0; k < 100000; k++) {
		int all = 1;

		for (int i = 0; i < spawned; i++)
			all &= thread_done[i];
		if (all)
			break;
		sys_yield();
	}
	for (int i = 0; i < spawned; i++) {
		EXPECT(thread_done[i] == 1);
		EXPECT(thread_errno_seen[i] == 100 + i);
		EXPECT(thread_destroy(&t[i]) == E_OK);
	}
	EXPECT(errno == 5);
	struct user_thread again;
	EXPECT(thread_spawn(&again, worker, 0, 17, PRIO_MAX, 0) == E_INVAL);
}

static void test_children(void)
{
	uint32_t id, spin;
	int status = 0;

	EXPECT(init_spawn("rttest", 1, 0, &id) == E_OK);
	EXPECT(init_wait(id, &status) == E_OK && status == 7);
	EXPECT(init_wait(id, &status) == E_INVAL); // already reaped
	EXPECT(init_spawn("rttest", 2, 0, &id) == E_OK);
	EXPECT(init_wait(id, &status) == E_OK && status == -1); // faulted
	EXPECT(init_spawn("rttest", 3, 0, &spin) == E_OK);
	EXPECT(init_kill(spin) == E_OK);
	EXPECT(init_wait(spin, &status) == E_OK && status == -9);
	EXPECT(init_spawn("no-such-program", 0, 0, &id) == E_INVAL);
	EXPECT(init_spawn("a-name-that-is-longer-than-31-bytes", 0, 0, &id) == E_INVAL);
	EXPECT(init_kill(12345) == E_INVAL);
}

int main(void)
{
	switch (user_arg) {
	case 1: return 7;
	case 2: {
		volatile uint32_t *null;

		__asm__("mov %0, #0" : "=r"(null)); // hidden from the compiler's checks
		*null = 1;                          // page 0 is never mapped
		return 0;
	}
	case 3:
		for (;;)
			sys_yield();
	}
	test_output();
	test_heap();
	test_threads();
	test_children();
	printf("rttest: %d passed, %d failed\n", passed, failed);
	return failed != 0;
}
