// Debug assertions: invariants the kernel relies on, checked in test
// kernels only. Built with -DCONFIG_KTEST=1 (the test images), a false
// KASSERT panics with its file, line and condition; otherwise it compiles to
// nothing, though the condition is still type-checked.
#pragma once

#include "printk.h"

#ifndef CONFIG_KTEST
#define CONFIG_KTEST 0
#endif

#if CONFIG_KTEST
#define KASSERT(cond)                                                                              \
	do {                                                                                       \
		if (!(cond))                                                                       \
			panic("%s:%d: assertion failed: %s", __FILE__, __LINE__, #cond);           \
	} while (0)
#else
#define KASSERT(cond)                                                                              \
	do {                                                                                       \
		if (0)                                                                             \
			(void)(cond);                                                              \
	} while (0)
#endif
