// The in-guest suites' shared helpers (utest.h).
#include "utest.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static char fail_buf[256];

const char *fail_fmt(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(fail_buf, sizeof(fail_buf), fmt, ap);
	va_end(ap);
	return fail_buf;
}

void test_result(const char *name, const char *why, int *passed, int *failed)
{
	if (why && !strncmp(why, TEST_SKIP, strlen(TEST_SKIP))) {
		printf("skip - %s: %s\n", name, why + strlen(TEST_SKIP));
	} else if (why) {
		printf("FAIL - %s: %s\n", name, why);
		(*failed)++;
	} else {
		printf("ok - %s\n", name);
		(*passed)++;
	}
}

int wait_flag(volatile int *flag)
{
	for (int i = 0; i < WAIT_YIELDS && !*flag; i++)
		sys_yield();
	return *flag != 0;
}

int wait_word(volatile uint32_t *w, uint32_t value)
{
	for (int i = 0; i < WAIT_YIELDS && *w != value; i++)
		sys_yield();
	return *w == value;
}

int poll_recv(uint32_t ep, struct msg *m)
{
	int err = E_AGAIN;

	for (int i = 0; i < WAIT_YIELDS; i++) {
		m->info = 0;
		if ((err = sys_nbrecv(ep, m)) != E_AGAIN)
			break;
		sys_yield();
	}
	return err;
}

uint32_t ticks(void)
{
	uint32_t t;

	return console_stats(user_env.console, NULL, NULL, &t) ? 0 : t;
}

void tick_wait(uint32_t n)
{
	uint32_t t0 = ticks();

	while (ticks() - t0 < n)
		sys_yield();
}

static void tthread_entry(uint32_t arg)
{
	struct tthread *t = (struct tthread *)arg;

	t->started = 1;
	t->fn(t);
	t->done = 1;
}

int tthread_start(struct tthread *t, tthread_fn fn, uint32_t prio, uint32_t fault_ep, uint32_t a0,
		  uint32_t a1)
{
	int err;

	t->fn = fn;
	t->arg[0] = a0;
	t->arg[1] = a1;
	err = thread_spawn(&t->ut, tthread_entry, (uint32_t)t, TT_STACK_PAGES, prio, fault_ep);
	if (err == E_OK)
		t->slot = t->ut.slot;
	return err;
}
