// Kernel console output.
#pragma once

#include <stdarg.h>

// Formats to the console: %s %c %d %u %x %p with width, '0' and '-' flags,
// a precision for strings (%.8s, %.*s) and the l / ll length modifiers.
// Safe in any context once the console is up; before that, output is dropped.
void printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vprintk(const char *fmt, va_list ap);

// Stops the kernel after a fatal error: prints the reason and either powers
// the machine off (when booted with "poweroff", as the tests do) or waits
// forever with interrupts masked, for a person or a debugger to look.
void kernel_stop(const char *why) __attribute__((noreturn));
extern int stop_powers_off;

// A broken kernel invariant: reports it and stops. Never for bad input.
#define panic(...)                                                                                 \
	do {                                                                                       \
		printk("\n*** panic: " __VA_ARGS__);                                               \
		printk("\n");                                                                      \
		kernel_stop("panic");                                                              \
	} while (0)
