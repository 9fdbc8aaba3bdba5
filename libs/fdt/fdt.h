// Flattened device tree reader: a bounds-checked view of a DTB blob.
// Builds for the kernel (freestanding) and for the host tests.
// fdt_open() validates the whole blob once; every later accessor stays
// inside the ranges it checked, so a corrupt blob can never be read out
// of bounds.
#pragma once

#include <stddef.h>
#include <stdint.h>

// Errors are negative ints; fdt_strerror() names them.
enum fdt_err {
	FDT_OK = 0,
	FDT_E_MAGIC = -1,     // not a DTB (bad magic)
	FDT_E_TRUNCATED = -2, // totalsize larger than the bytes available
	FDT_E_VERSION = -3,   // version too old or last_comp_version too new
	FDT_E_LAYOUT = -4,    // a block offset or size out of range, overlap or misaligned
	FDT_E_STRUCT = -5,    // bad token, unbalanced nodes, data past the block
	FDT_E_STRING = -6,    // an unterminated name or string, or nameoff out of range
	FDT_E_DEPTH = -7,     // nesting deeper than FDT_MAX_DEPTH
	FDT_E_NOTFOUND = -8,  // no such node or property
	FDT_E_BADVALUE = -9,  // a property of the wrong length or format
	FDT_E_LOOP = -10,     // a reference chain that does not end (phandles)
};

#define FDT_MAX_DEPTH 32

// A validated blob. Node handles are byte offsets into the structure block
// (always pointing at an FDT_BEGIN_NODE token); -1 ends iteration. Any other
// int passed as a handle (stale, forged, an error code) is still decoded
// with bounds checks and answered with -1, NULL or FDT_E_NOTFOUND.
struct fdt {
	const uint8_t *blob;
	uint32_t totalsize;
	uint32_t off_struct, size_struct;
	uint32_t off_strings, size_strings;
	uint32_t off_memrsv; // memreserve entries, validated up to the terminator
	uint32_t n_memrsv;
};

// Validates header, blocks, every token, name and property; `avail` is how
// many bytes may be read at `blob`. Returns FDT_OK or a negative error.
int fdt_open(struct fdt *fdt, const void *blob, size_t avail);

// Reads only the header's totalsize (after checking magic), so a caller can
// learn how much to map or copy before fdt_open(). Returns 0 on bad magic.
uint32_t fdt_peek_size(const void *blob);

const char *fdt_strerror(int err);

// Root node handle (always valid after fdt_open).
int fdt_root(const struct fdt *fdt);
// First child / next sibling of a node; -1 when there is none.
int fdt_first_child(const struct fdt *fdt, int node);
int fdt_next_sibling(const struct fdt *fdt, int node);
// Parent of a node (found by walking from the root); -1 for the root.
int fdt_parent(const struct fdt *fdt, int node);
// Next node after `node` in document order (depth first); -1 at the end.
int fdt_next_node(const struct fdt *fdt, int node);
// A node's full name, "memory@40000000" ("" for the root); NULL when
// `node` is not a node handle.
const char *fdt_node_name(const struct fdt *fdt, int node);

// Node by absolute path: "/chosen", "/cpus/cpu@0"; a component without a
// unit address ("memory") matches "memory@..." when it is the only
// difference. Returns a handle or FDT_E_NOTFOUND.
int fdt_path(const struct fdt *fdt, const char *path);
// Next node after `from` in document order (negative: start at the root,
// which is included) whose "compatible" list holds `compat`; FDT_E_NOTFOUND
// when there is none.
int fdt_find_compatible(const struct fdt *fdt, int from, const char *compat);
// Next node after `from` whose device_type property equals `type`.
int fdt_find_device_type(const struct fdt *fdt, int from, const char *type);
// Node whose "phandle" (or "linux,phandle") equals `ph`.
int fdt_find_phandle(const struct fdt *fdt, uint32_t ph);

// Property value and length (bytes, `len` may be NULL); NULL when absent.
const void *fdt_prop(const struct fdt *fdt, int node, const char *name, uint32_t *len);
// Property handles (offsets of FDT_PROP tokens) of a node, in order; -1
// ends iteration.
int fdt_first_prop(const struct fdt *fdt, int node);
int fdt_next_prop(const struct fdt *fdt, int prop);
// Value of the property at handle `prop`, its name and length (both
// optional); NULL when `prop` is not a property handle.
const void *fdt_prop_at(const struct fdt *fdt, int prop, const char **name, uint32_t *len);
// Property as a NUL-terminated string inside its value; NULL if absent or
// not terminated.
const char *fdt_prop_str(const struct fdt *fdt, int node, const char *name);
// One big-endian 32-bit cell value; FDT_E_NOTFOUND / FDT_E_BADVALUE.
int fdt_prop_u32(const struct fdt *fdt, int node, const char *name, uint32_t *out);
// True when the string list `name` holds `s`.
int fdt_prop_has_str(const struct fdt *fdt, int node, const char *name, const char *s);

// #address-cells / #size-cells that apply to `node`'s reg (its parent's,
// defaults 2 and 1). Returns FDT_OK, FDT_E_BADVALUE (cells > 2 or 0 addr)
// or FDT_E_NOTFOUND when `node` is not a node.
int fdt_reg_cells(const struct fdt *fdt, int node, uint32_t *acells, uint32_t *scells);
// Number of (address, size) pairs in reg, or a negative error.
int fdt_reg_count(const struct fdt *fdt, int node);
// The idx-th (address, size) pair of reg, as the bus sees it (no "ranges"
// translation); FDT_E_NOTFOUND when idx is out of range.
int fdt_reg(const struct fdt *fdt, int node, int idx, uint64_t *addr, uint64_t *size);

// Number of /memreserve/ entries and the idx-th one (FDT_E_NOTFOUND past
// the end).
uint32_t fdt_memrsv_count(const struct fdt *fdt);
int fdt_memrsv(const struct fdt *fdt, uint32_t idx, uint64_t *addr, uint64_t *size);

// Big-endian helpers, exposed for callers decoding cell arrays.
static inline uint32_t fdt_be32(const void *p)
{
	const uint8_t *b = p;
	return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
}

// Value of `n` (0, 1 or 2) big-endian cells at p, as one number.
static inline uint64_t fdt_cells(const void *p, uint32_t n)
{
	const uint8_t *b = p;
	uint64_t v = 0;

	for (uint32_t i = 0; i < n; i++)
		v = (v << 32) | fdt_be32(b + 4 * i);
	return v;
}
