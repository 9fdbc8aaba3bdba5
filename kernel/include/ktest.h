// In-kernel self tests, built into the test kernel only (make KTEST=1, which
// sets CONFIG_KTEST) and run at boot with "ktest" on the command line. Each
// test returns NULL when it passes or a message saying what went wrong.
#pragma once

// Runs every self test and prints "ktest: N passed, N failed".
void ktest_run(void);

const char *test_frames_zeroed_distinct(void);
const char *test_frames_cover_lowmem(void);
const char *test_kernel_wx(void);
const char *test_kernel_maps_only_lowmem(void);
const char *test_identity_map_gone(void);
const char *test_timer_ticks(void);
const char *test_asid_rollover(void);
