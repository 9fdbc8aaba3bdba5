// The in-guest suites' shared helpers (utest.h).
#include "utest.h"

#include <stdarg.h>
#include <stdio.h>

static char fail_buf[256];

const char *fail_fmt(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(fail_buf, sizeof(fail_buf), fmt, ap);
	va_end(ap);
	return fail_buf;
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
