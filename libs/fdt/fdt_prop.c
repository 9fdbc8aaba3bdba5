// Device tree property values, searches by property and "reg" decoding,
// built on the bounds-checked structure walk of fdt.c.
#include "fdt.h"

#include <string.h>

// Length of the string at p when a NUL lies within max bytes, else -1.
static int64_t str_len(const uint8_t *p, uint32_t max)
{
	for (uint32_t i = 0; i < max; i++)
		if (!p[i])
			return i;
	return -1;
}

const char *fdt_prop_str(const struct fdt *fdt, int node, const char *name)
{
	uint32_t len;
	const uint8_t *v = fdt_prop(fdt, node, name, &len);

	return v && str_len(v, len) >= 0 ? (const char *)v : NULL;
}

int fdt_prop_u32(const struct fdt *fdt, int node, const char *name, uint32_t *out)
{
	uint32_t len;
	const void *v = fdt_prop(fdt, node, name, &len);

	if (!v)
		return FDT_E_NOTFOUND;
	if (len != 4)
		return FDT_E_BADVALUE;
	*out = fdt_be32(v);
	return FDT_OK;
}

int fdt_prop_has_str(const struct fdt *fdt, int node, const char *name, const char *s)
{
	uint32_t len;
	const uint8_t *v = fdt_prop(fdt, node, name, &len);
	size_t n = strlen(s);

	while (v && len > n) {
		if (!memcmp(v, s, n) && !v[n])
			return 1;
		int64_t skip = str_len(v, len);
		if (skip < 0)
			return 0;
		v += skip + 1;
		len -= (uint32_t)skip + 1;
	}
	return 0;
}

// A cell-count property of `node`, `def` when absent.
static int cells_of(const struct fdt *fdt, int node, const char *name, uint32_t def, uint32_t *out)
{
	int err = fdt_prop_u32(fdt, node, name, out);

	if (err == FDT_E_NOTFOUND) {
		*out = def;
		return FDT_OK;
	}
	return err;
}

int fdt_reg_cells(const struct fdt *fdt, int node, uint32_t *acells, uint32_t *scells)
{
	if (!fdt_node_name(fdt, node))
		return FDT_E_NOTFOUND;
	int parent = fdt_parent(fdt, node);
	*acells = 2;
	*scells = 1;
	if (parent >= 0 && (cells_of(fdt, parent, "#address-cells", 2, acells) ||
			    cells_of(fdt, parent, "#size-cells", 1, scells)))
		return FDT_E_BADVALUE;
	if (!*acells || *acells > 2 || *scells > 2)
		return FDT_E_BADVALUE;
	return FDT_OK;
}

// The reg property of `node` with its cell counts; number of entries or a
// negative error.
static int reg_of(const struct fdt *fdt, int node, const uint8_t **reg, uint32_t *ac, uint32_t *sc)
{
	uint32_t len;
	int err = fdt_reg_cells(fdt, node, ac, sc);

	if (err)
		return err;
	*reg = fdt_prop(fdt, node, "reg", &len);
	if (!*reg)
		return FDT_E_NOTFOUND;
	uint32_t stride = (*ac + *sc) * 4;
	if (len % stride)
		return FDT_E_BADVALUE;
	return (int)(len / stride);
}

int fdt_reg_count(const struct fdt *fdt, int node)
{
	const uint8_t *reg;
	uint32_t ac, sc;

	return reg_of(fdt, node, &reg, &ac, &sc);
}

int fdt_reg(const struct fdt *fdt, int node, int idx, uint64_t *addr, uint64_t *size)
{
	const uint8_t *reg = NULL;
	uint32_t ac, sc;
	int n = reg_of(fdt, node, &reg, &ac, &sc);

	if (n < 0)
		return n;
	if (idx < 0 || idx >= n)
		return FDT_E_NOTFOUND;
	reg += (uint32_t)idx * (ac + sc) * 4;
	*addr = fdt_cells(reg, ac);
	*size = fdt_cells(reg + ac * 4, sc);
	return FDT_OK;
}

// Next node after `from` (-1: from the root, inclusive) whose string list
// `prop` holds `value`.
static int find_with(const struct fdt *fdt, int from, const char *prop, const char *value)
{
	int node = from < 0 ? fdt_root(fdt) : fdt_next_node(fdt, from);

	for (; node >= 0; node = fdt_next_node(fdt, node))
		if (fdt_prop_has_str(fdt, node, prop, value))
			return node;
	return FDT_E_NOTFOUND;
}

int fdt_find_compatible(const struct fdt *fdt, int from, const char *compat)
{
	return find_with(fdt, from, "compatible", compat);
}

int fdt_find_device_type(const struct fdt *fdt, int from, const char *type)
{
	return find_with(fdt, from, "device_type", type);
}

int fdt_find_phandle(const struct fdt *fdt, uint32_t ph)
{
	uint32_t v;

	if (!ph || ph == 0xffffffffu)
		return FDT_E_NOTFOUND;
	for (int node = fdt_root(fdt); node >= 0; node = fdt_next_node(fdt, node))
		if ((!fdt_prop_u32(fdt, node, "phandle", &v) && v == ph) ||
		    (!fdt_prop_u32(fdt, node, "linux,phandle", &v) && v == ph))
			return node;
	return FDT_E_NOTFOUND;
}
