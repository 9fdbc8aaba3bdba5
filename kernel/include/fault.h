// User faults (kernel/fault.c).
#pragma once

#include <stdint.h>

// The running thread faulted (kind FAULT_*, status register, address): the
// fault goes as a message to its fault endpoint, or, with none, the thread
// is stopped and one line logged. Then schedules; does not return.
void fault_user(uint32_t kind, uint32_t fsr, uint32_t far) __attribute__((noreturn));
