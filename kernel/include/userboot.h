// The first user program (kernel/userboot.c).
#pragma once

#include "fdt/machine.h"

// Loads init.elf from the initrd into a new address space with every boot
// capability and makes it ready to run. E_OK, or an error after a log line
// when there is no usable init (the kernel then idles).
int userboot_start(const struct machine *m);
