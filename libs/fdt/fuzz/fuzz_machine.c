// libFuzzer harness of the machine description: machine_from_fdt() on any
// tree fdt_open() accepts, then what the kernel reads from it at boot
// (cmdline_get of each key it looks up, parse_size of mem=), with the
// promises of machine.h checked: RAM sorted, disjoint, non-empty, in whole
// pages, below 1 TiB; reservations in whole pages; counts within their
// arrays; strings terminated.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fdt/machine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PHYS_LIMIT (1ull << 40)

static const char *const keys[] = { "poweroff", "mem", "ktest", "fault", "run", "" };

static void check(const struct machine *m)
{
	if (!m->n_mem || m->n_mem > MACHINE_MAX_MEM || m->n_rsv > MACHINE_MAX_RSV)
		abort();
	for (unsigned i = 0; i < m->n_mem; i++) {
		const struct mach_range *r = &m->mem[i];

		if (!r->size || r->base >= PHYS_LIMIT || r->size > PHYS_LIMIT - r->base)
			abort();
		if ((r->base | r->size) & (MACH_PAGE_SIZE - 1))
			abort(); // the kernel maps RAM by pages
		if (i && m->mem[i - 1].base + m->mem[i - 1].size >= r->base)
			abort(); // touching ranges are merged
	}
	for (unsigned i = 0; i < m->n_rsv; i++)
		if ((m->rsv[i].base | m->rsv[i].size) & (MACH_PAGE_SIZE - 1))
			abort();
	if (!memchr(m->bootargs, 0, sizeof m->bootargs) ||
	    !memchr(m->stdout_path, 0, sizeof m->stdout_path))
		abort();
}

static void cmdline(const char *line)
{
	char buf[64];
	uint64_t v;

	for (unsigned i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		int found = cmdline_get(line, keys[i], buf, sizeof buf);

		if (found && !memchr(buf, 0, sizeof buf))
			abort();
		if (found)
			parse_size(buf, &v);
	}
	cmdline_get(line, "mem", buf, 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *blob = malloc(size ? size : 1);
	struct fdt fdt;

	memcpy(blob, data, size);
	if (fdt_open(&fdt, blob, size) == FDT_OK) {
		struct machine m;
		const char *why = NULL;

		memset(&m, 0xa5, sizeof m); // the kernel's copy is not zeroed before
		int err = machine_from_fdt(&fdt, &m, &why);
		if (err && !why)
			abort(); // a refusal names its reason
		if (!err) {
			check(&m);
			cmdline(m.bootargs);
		}
	} else {
		// Not a tree: the bytes are a command line instead.
		char *line = malloc(size + 1);

		memcpy(line, data, size);
		line[size] = 0;
		cmdline(line);
		free(line);
	}
	free(blob);
	return 0;
}
