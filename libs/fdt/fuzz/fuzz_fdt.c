// libFuzzer harness of the device tree reader: fdt_open() on any bytes and,
// when it accepts them, every accessor over every node and property, plus
// forged handles (the header promises that any int is answered safely).
// The input is copied into an exact-size heap buffer, so AddressSanitizer
// sees any read past its end.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fdt/fdt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const paths[] = {
	"/",      "/chosen", "/memory",  "/cpus", "/cpus/cpu@0", "/psci", "/pl011", "/intc",
	"/a/b/c", "//",      "/chosen/", "",      "memory",
};
static const char *const compats[] = { "arm,pl011", "arm,cortex-a15-gic", "arm,armv7-timer",
				       "arm,psci-0.2", "" };

static void props(const struct fdt *fdt, int node, int deep)
{
	for (int p = fdt_first_prop(fdt, node); p >= 0; p = fdt_next_prop(fdt, p)) {
		const char *name;
		uint32_t len;
		const uint8_t *v = fdt_prop_at(fdt, p, &name, &len);

		if (!v || !name)
			abort();                              // a handle from iteration must decode
		volatile uint8_t sink = len ? v[len - 1] : 0; // the whole value is readable
		(void)sink;
		if (deep) {
			if (fdt_prop(fdt, node, name, NULL) == NULL)
				abort(); // and be found by its name
			fdt_prop_str(fdt, node, name);
			fdt_prop_has_str(fdt, node, name, "x");
			uint32_t u;
			fdt_prop_u32(fdt, node, name, &u);
		}
		fdt_prop_at(fdt, p + 1, NULL, NULL); // forged
	}
}

// fdt_parent(), fdt_next_sibling() and fdt_find_phandle() walk the tree (and
// fdt_reg_cells(), fdt_reg() call fdt_parent()), property look-ups the node:
// `deep` says whether to make those calls for this node (for a few: else a
// tree of a hundred nodes takes tens of milliseconds).
static void node_calls(const struct fdt *fdt, int node, int deep)
{
	uint32_t ac, sc, ph;
	uint64_t a, s;
	const char *name = fdt_node_name(fdt, node);

	if (!name)
		abort(); // a handle from iteration must decode
	(void)strlen(name);
	fdt_first_child(fdt, node);
	if (deep) {
		fdt_next_sibling(fdt, node);
		fdt_parent(fdt, node);
		fdt_reg_cells(fdt, node, &ac, &sc);
		int n = fdt_reg_count(fdt, node);
		for (int i = 0; i < n && i < 4; i++)
			fdt_reg(fdt, node, i, &a, &s);
		fdt_reg(fdt, node, n < 0 ? 0 : n, &a, &s);
	}
	if (deep && fdt_prop_u32(fdt, node, "phandle", &ph) == FDT_OK)
		fdt_find_phandle(fdt, ph);
	props(fdt, node, deep);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *blob = malloc(size ? size : 1);
	struct fdt fdt;

	memcpy(blob, data, size);
	if (size >= 8)
		fdt_peek_size(blob);
	int err = fdt_open(&fdt, blob, size);
	fdt_strerror(err);
	if (err == FDT_OK) {
		unsigned nodes = 0;

		for (int n = fdt_root(&fdt); n >= 0 && nodes < 100000;
		     n = fdt_next_node(&fdt, n), nodes++)
			node_calls(&fdt, n, nodes < 8 || nodes % 16 == 0);
		for (unsigned i = 0; i < sizeof paths / sizeof paths[0]; i++)
			fdt_path(&fdt, paths[i]);
		for (unsigned i = 0; i < sizeof compats / sizeof compats[0]; i++)
			for (int n = fdt_find_compatible(&fdt, -1, compats[i]); n >= 0;
			     n = fdt_find_compatible(&fdt, n, compats[i]))
				;
		for (int n = fdt_find_device_type(&fdt, -1, "memory"); n >= 0;
		     n = fdt_find_device_type(&fdt, n, "memory"))
			;
		uint64_t a, s;
		for (uint32_t i = 0; i <= fdt_memrsv_count(&fdt); i++)
			fdt_memrsv(&fdt, i, &a, &s);
		// Forged handles: every word of the input, and the edges.
		int forged[] = { -2,
				 0,
				 1,
				 3,
				 4,
				 (int)fdt.size_struct,
				 (int)fdt.size_struct - 4,
				 0x7fffffff,
				 (int)0x80000000 };
		for (unsigned i = 0; i < sizeof forged / sizeof forged[0] + size / 4 && i < 64;
		     i++) {
			int h = i < sizeof forged / sizeof forged[0]
					? forged[i]
					: (int)fdt_be32(data +
							4 * (i - sizeof forged / sizeof forged[0]));
			fdt_node_name(&fdt, h);
			fdt_first_child(&fdt, h);
			fdt_next_sibling(&fdt, h);
			fdt_next_node(&fdt, h);
			fdt_prop(&fdt, h, "reg", NULL);
			fdt_first_prop(&fdt, h);
			fdt_next_prop(&fdt, h);
			fdt_prop_at(&fdt, h, NULL, NULL);
			fdt_reg_count(&fdt, h);
		}
	}
	free(blob);
	return 0;
}
