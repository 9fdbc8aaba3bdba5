// The boot archive of user-space images.
#pragma once

#include "fdt/machine.h"

// Finds the initrd /chosen names, checks it is a well-formed cpio archive in
// LOWMEM and lists its files. A missing or malformed initrd is reported and
// left unused; the boot goes on.
void initrd_init(const struct machine *m);
