// A minimal test harness shared by the host unit tests of libs/: tests are
// functions in a table, CHECK() records a failure with its line and goes
// on, and check_run() prints one summary line "N passed, N failed" and
// returns the process exit status.
#pragma once

#include <stdio.h>

struct check_case {
	void (*fn)(void);
	const char *name;
};

extern int check_failures; // failures in the running case

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			check_failures++;                                                          \
			printf("    %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);        \
		}                                                                                  \
	} while (0)

// CHECK that two integers are equal, printing both on failure.
#define CHECK_EQ(a, b)                                                                             \
	do {                                                                                       \
		unsigned long long check_a_ = (unsigned long long)(a);                             \
		unsigned long long check_b_ = (unsigned long long)(b);                             \
		if (check_a_ != check_b_) {                                                        \
			check_failures++;                                                          \
			printf("    %s:%d: %s == %s failed: 0x%llx != 0x%llx\n", __FILE__,         \
			       __LINE__, #a, #b, check_a_, check_b_);                              \
		}                                                                                  \
	} while (0)

// Runs every case of a table (ended by {0}); prints "ok"/"FAIL" per case and
// the summary line. Returns 0 when every case passed, 1 otherwise.
int check_run(const char *suite, const struct check_case *cases);
