// The boot archive of user-space images.
#pragma once

#include <stdint.h>

#include "fdt/machine.h"

// Finds the initrd /chosen names, checks it is a well-formed cpio archive in
// LOWMEM and lists its files. A missing or malformed initrd is reported and
// left unused; the boot goes on.
void initrd_init(const struct machine *m);
// The archive (kernel view through the direct map), its size and physical
// address; NULL / 0 when there is none or it was refused.
const void *initrd_data(void);
uint32_t initrd_size(void);
uint64_t initrd_phys(void);
