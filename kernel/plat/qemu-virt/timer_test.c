// Self test of the timer interrupt path (GIC + generic timer).
#include "cp15.h"
#include "ktest.h"
#include "plat.h"

const char *test_timer_ticks(void)
{
	uint32_t start = timer_ticks();
	uint64_t deadline = read_cntpct() + (uint64_t)read_cntfrq(); // one second

	while (timer_ticks() - start < 3)
		if (read_cntpct() > deadline)
			return "fewer than 3 ticks in a second";
	return 0;
}
