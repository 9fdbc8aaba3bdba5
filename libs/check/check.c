#include "check.h"

int check_failures;

int check_run(const char *suite, const struct check_case *cases)
{
	int passed = 0, failed = 0;

	for (const struct check_case *c = cases; c->fn; c++) {
		check_failures = 0;
		c->fn();
		if (check_failures) {
			printf("FAIL %s: %s\n", suite, c->name);
			failed++;
		} else {
			printf("ok   %s: %s\n", suite, c->name);
			passed++;
		}
	}
	printf("%s: %d passed, %d failed\n", suite, passed, failed);
	return failed ? 1 : 0;
}
