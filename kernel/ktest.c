// The self-test runner: one table, one summary line.
#include "ktest.h"

#include "printk.h"

static const struct {
	const char *(*fn)(void);
	const char *name;
} tests[] = {
	{ test_frames_zeroed_distinct, "frames are zeroed, aligned and distinct" },
	{ test_frames_cover_lowmem, "every free LOWMEM frame is mapped and writable" },
	{ test_kernel_wx, "kernel image is W^X" },
	{ test_kernel_maps_only_lowmem, "kernel maps only LOWMEM, devices and the FDT" },
	{ test_identity_map_gone, "boot identity map removed" },
	{ test_timer_ticks, "timer interrupts tick" },
	{ test_asid_rollover, "ASIDs roll over, never shared, the loaded one kept" },
};

void ktest_run(void)
{
	unsigned passed = 0, failed = 0;

	for (unsigned i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		const char *err = tests[i].fn();
		if (err) {
			printk("ktest: FAIL %s: %s\n", tests[i].name, err);
			failed++;
		} else {
			printk("ktest: ok   %s\n", tests[i].name);
			passed++;
		}
	}
	printk("ktest: %u passed, %u failed\n", passed, failed);
}
