// What hmk learns about the machine from its device tree: RAM, reserved
// regions, the command line, the initrd and the devices the kernel drives.
// Filled by machine_from_fdt(); nothing here is hard-coded for a board.
#pragma once

#include <stdint.h>

#include "fdt.h"

#define MACHINE_MAX_MEM 16 // /memory ranges (over all nodes)
#define MACHINE_MAX_RSV 16 // memreserve + /reserved-memory ranges
#define MACHINE_BOOTARGS_MAX 256
#define MACHINE_PATH_MAX 64
#define MACH_PAGE_SIZE 4096ull             // RAM and reserved ranges come in whole pages
#define MACHINE_MAX_CPUS 8                 // a GICv2 serves 8 CPU interfaces
#define MACHINE_CPU_BAD_REG 0xffffffffu    // a CPU node whose reg names no MPIDR
#define MACHINE_MPIDR_AFFINITY 0x00ffffffu // Aff2, Aff1, Aff0 of an ARMv7 MPIDR

struct mach_range {
	uint64_t base;
	uint64_t size;
};

enum psci_conduit { PSCI_NONE = 0, PSCI_HVC, PSCI_SMC };

struct machine {
	struct mach_range mem[MACHINE_MAX_MEM]; // sorted by base, overlaps merged, below 1 TiB,
	unsigned n_mem;                         // rounded inwards to pages (less than one: gone)
	struct mach_range rsv[MACHINE_MAX_RSV]; // memreserve then reserved-memory, as found,
						// rounded outwards to pages
	unsigned n_rsv;

	char bootargs[MACHINE_BOOTARGS_MAX]; // /chosen/bootargs ("" if absent)
	char stdout_path[MACHINE_PATH_MAX];  // stdout-path without ":options", alias resolved
	uint64_t initrd_start, initrd_end;   // 0, 0 when there is none

	uint64_t uart_base, uart_size; // the PL011 named by stdout-path, else the first
	uint32_t uart_irq;             // GIC interrupt ID (SPI n -> 32 + n)

	uint64_t gicd_base, gicd_size; // GICv2 distributor
	uint64_t gicc_base, gicc_size; // GICv2 CPU interface

	uint32_t timer_irq_phys; // non-secure physical PPI as GIC ID; 0: no timer
	uint32_t timer_irq_virt; // virtual timer PPI, as GIC ID
	uint32_t timer_freq;     // clock-frequency if given, else 0 (read CNTFRQ)

	enum psci_conduit psci_method;
	uint32_t psci_system_off; // function IDs: the standard ones for PSCI 0.2+,
	uint32_t psci_cpu_on;     // the node's cpu_on for PSCI 0.1 (0: none)

	unsigned ncpus; // /cpus/cpu@* nodes with device_type "cpu"
	// The MPIDR affinity (Aff2..Aff0, as CPU_ON takes it) of the first
	// MACHINE_MAX_CPUS of them, in tree order: their reg, or
	// MACHINE_CPU_BAD_REG when it is missing, malformed or wider than the
	// 24 affinity bits.
	uint32_t cpu_mpidr[MACHINE_MAX_CPUS];
};

// Fills `m` from a validated tree. On failure returns a negative fdt_err and
// points *why at a static message naming what is missing or malformed.
// Requires at least one /memory range, a PL011 and a GIC; RAM ranges are
// clipped to the 40-bit physical space LPAE reaches and rounded inwards to
// pages, reserved ranges rounded outwards. The PL011, then PSCI, then
// /chosen are read first: after a failure, what is set of uart_base, bootargs
// and psci_method lets the caller report it and power off.
int machine_from_fdt(const struct fdt *fdt, struct machine *m, const char **why);

// Value of "key=value" in a command line, copied into buf (NUL-terminated,
// cut to len - 1). Returns 1 when found, 0 when not. A bare "key" is found
// with an empty value; when a key appears twice, the last one wins.
int cmdline_get(const char *cmdline, const char *key, char *buf, unsigned len);

// Parses a size with an optional K/M/G suffix ("512M", "0x1000", "6G").
// Returns 0 and sets *out, or -1 on a malformed or overflowing value.
int parse_size(const char *s, uint64_t *out);
