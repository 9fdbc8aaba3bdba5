// Flattened device tree reader (see fdt.h and the devicetree specification,
// chapter 5). Every read of the structure block goes through token(), which
// checks bounds itself, so even a stale or forged handle stays in the blob.
#include "fdt.h"

#include <string.h>

#define FDT_MAGIC 0xd00dfeedu
#define HEADER_SIZE 40 // version 17 header; a version 16 one is 36 bytes
#define MEMRSV_ENTRY 16
#define MAX_TOTALSIZE 0x7fffffffu // keeps every offset representable as an int handle

enum { TOK_BEGIN = 1, TOK_END = 2, TOK_PROP = 3, TOK_NOP = 4, TOK_FINISH = 9 };

enum {
	H_MAGIC = 0,
	H_TOTALSIZE = 4,
	H_OFF_STRUCT = 8,
	H_OFF_STRINGS = 12,
	H_OFF_MEMRSV = 16,
	H_VERSION = 20,
	H_LAST_COMP = 24,
	H_SIZE_STRINGS = 32,
	H_SIZE_STRUCT = 36,
};

static uint32_t header(const void *blob, unsigned field)
{
	return fdt_be32((const uint8_t *)blob + field);
}

static const uint8_t *in_struct(const struct fdt *fdt, uint32_t off)
{
	return fdt->blob + fdt->off_struct + off;
}

// Length of the string at p when a NUL lies within max bytes, else -1.
static int64_t bounded_strlen(const uint8_t *p, uint32_t max)
{
	for (uint32_t i = 0; i < max; i++)
		if (!p[i])
			return i;
	return -1;
}

static uint32_t align4(uint32_t off)
{
	return (off + 3) & ~3u;
}

// Decodes the token at structure offset `off`, checking that it, its name
// and its value lie inside the blocks. Returns the token and sets *next, or
// FDT_E_STRUCT / FDT_E_STRING.
static int token(const struct fdt *fdt, uint32_t off, uint32_t *next)
{
	uint32_t size = fdt->size_struct, len, nameoff;
	int64_t n;

	if ((off & 3) || size < 4 || off > size - 4)
		return FDT_E_STRUCT;
	uint32_t tok = fdt_be32(in_struct(fdt, off));
	off += 4;
	switch (tok) {
	case TOK_BEGIN:
		n = bounded_strlen(in_struct(fdt, off), size - off);
		if (n < 0)
			return FDT_E_STRING;
		off = align4(off + (uint32_t)n + 1);
		break;
	case TOK_PROP:
		if (size - off < 8)
			return FDT_E_STRUCT;
		len = fdt_be32(in_struct(fdt, off));
		nameoff = fdt_be32(in_struct(fdt, off + 4));
		off += 8;
		if (len > size - off)
			return FDT_E_STRUCT;
		if (nameoff >= fdt->size_strings ||
		    bounded_strlen(fdt->blob + fdt->off_strings + nameoff,
				   fdt->size_strings - nameoff) < 0)
			return FDT_E_STRING;
		off = align4(off + len);
		break;
	case TOK_END:
	case TOK_NOP:
	case TOK_FINISH: break;
	default: return FDT_E_STRUCT;
	}
	if (off > size)
		return FDT_E_STRUCT;
	*next = off;
	return (int)tok;
}

static int is_node(const struct fdt *fdt, int node)
{
	uint32_t next;

	return node >= 0 && token(fdt, (uint32_t)node, &next) == TOK_BEGIN;
}

// First token at or after `off` that is neither a property nor a NOP: its
// offset, with the token in *tok (negative on a decoding error).
static uint32_t skip_props(const struct fdt *fdt, uint32_t off, int *tok)
{
	uint32_t next;

	while ((*tok = token(fdt, off, &next)) == TOK_PROP || *tok == TOK_NOP)
		off = next;
	return off;
}

// A block [off, off + size) must start after the header and end inside
// totalsize without wrapping.
static int block_ok(uint32_t off, uint32_t size, uint32_t total, uint32_t header_size)
{
	return off >= header_size && off <= total && size <= total - off;
}

static int overlap(uint32_t a, uint32_t alen, uint32_t b, uint32_t blen)
{
	return alen && blen && a < b + blen && b < a + alen;
}

static int check_blocks(struct fdt *f, const void *blob)
{
	uint32_t version = header(blob, H_VERSION);
	uint32_t hsize = version >= 17 ? HEADER_SIZE : HEADER_SIZE - 4;

	f->off_struct = header(blob, H_OFF_STRUCT);
	f->off_strings = header(blob, H_OFF_STRINGS);
	f->size_strings = header(blob, H_SIZE_STRINGS);
	f->off_memrsv = header(blob, H_OFF_MEMRSV);
	if (f->off_struct > f->totalsize)
		return FDT_E_LAYOUT;
	f->size_struct = version >= 17 ? header(blob, H_SIZE_STRUCT) : f->totalsize - f->off_struct;
	if (!block_ok(f->off_struct, f->size_struct, f->totalsize, hsize) || (f->off_struct & 3) ||
	    !block_ok(f->off_strings, f->size_strings, f->totalsize, hsize))
		return FDT_E_LAYOUT;
	if (version >= 17 &&
	    overlap(f->off_struct, f->size_struct, f->off_strings, f->size_strings))
		return FDT_E_LAYOUT;
	return FDT_OK;
}

// Counts the memreserve entries up to the (0, 0) terminator, which must lie
// inside totalsize and clear of the other blocks.
static int check_memrsv(struct fdt *f)
{
	uint32_t off = f->off_memrsv;

	if ((off & 7) || off < HEADER_SIZE)
		return FDT_E_LAYOUT;
	for (;;) {
		if (off > f->totalsize - MEMRSV_ENTRY)
			return FDT_E_LAYOUT;
		if (!fdt_cells(f->blob + off, 2) && !fdt_cells(f->blob + off + 8, 2))
			break;
		off += MEMRSV_ENTRY;
	}
	f->n_memrsv = (off - f->off_memrsv) / MEMRSV_ENTRY;
	uint32_t len = off + MEMRSV_ENTRY - f->off_memrsv;
	if (overlap(f->off_memrsv, len, f->off_struct, f->size_struct) ||
	    overlap(f->off_memrsv, len, f->off_strings, f->size_strings))
		return FDT_E_LAYOUT;
	return FDT_OK;
}

// Walks every token once: one root, balanced nodes no deeper than
// FDT_MAX_DEPTH, properties only inside nodes, FDT_END after the root.
static int check_struct(const struct fdt *f)
{
	uint32_t off = 0, next;
	int depth = 0, seen_root = 0;

	for (;; off = next) {
		int tok = token(f, off, &next);
		switch (tok) {
		case TOK_BEGIN:
			if (seen_root && !depth)
				return FDT_E_STRUCT;
			if (depth == FDT_MAX_DEPTH)
				return FDT_E_DEPTH;
			depth++;
			seen_root = 1;
			break;
		case TOK_END:
			if (!depth--)
				return FDT_E_STRUCT;
			break;
		case TOK_PROP:
			if (!depth)
				return FDT_E_STRUCT;
			break;
		case TOK_NOP: break;
		case TOK_FINISH: return seen_root && !depth ? FDT_OK : FDT_E_STRUCT;
		default: return tok;
		}
	}
}

int fdt_open(struct fdt *fdt, const void *blob, size_t avail)
{
	struct fdt f = { .blob = blob };
	int err;

	if (!blob)
		return FDT_E_MAGIC;
	if (avail < 4)
		return FDT_E_TRUNCATED;
	if (header(blob, H_MAGIC) != FDT_MAGIC)
		return FDT_E_MAGIC;
	if (avail < HEADER_SIZE)
		return FDT_E_TRUNCATED;
	if (header(blob, H_VERSION) < 16 || header(blob, H_LAST_COMP) > 17)
		return FDT_E_VERSION;
	f.totalsize = header(blob, H_TOTALSIZE);
	if (f.totalsize > avail)
		return FDT_E_TRUNCATED;
	if (f.totalsize < HEADER_SIZE || f.totalsize > MAX_TOTALSIZE)
		return FDT_E_LAYOUT;
	if ((err = check_blocks(&f, blob)) || (err = check_memrsv(&f)) || (err = check_struct(&f)))
		return err;
	*fdt = f;
	return FDT_OK;
}

uint32_t fdt_peek_size(const void *blob)
{
	if (!blob || header(blob, H_MAGIC) != FDT_MAGIC)
		return 0;
	return header(blob, H_TOTALSIZE);
}

const char *fdt_strerror(int err)
{
	switch (err) {
	case FDT_OK: return "ok";
	case FDT_E_MAGIC: return "not a device tree (bad magic)";
	case FDT_E_TRUNCATED: return "device tree truncated";
	case FDT_E_VERSION: return "unsupported device tree version";
	case FDT_E_LAYOUT: return "device tree block out of range, overlapping or misaligned";
	case FDT_E_STRUCT: return "malformed structure block";
	case FDT_E_STRING: return "unterminated name or string";
	case FDT_E_DEPTH: return "nodes nested too deep";
	case FDT_E_NOTFOUND: return "not found";
	case FDT_E_BADVALUE: return "bad property value";
	case FDT_E_LOOP: return "reference loop";
	default: return "unknown error";
	}
}

int fdt_root(const struct fdt *fdt)
{
	uint32_t off = 0, next;
	int tok;

	while ((tok = token(fdt, off, &next)) == TOK_NOP)
		off = next;
	return tok == TOK_BEGIN ? (int)off : -1;
}

int fdt_first_child(const struct fdt *fdt, int node)
{
	uint32_t next;
	int tok;

	if (node < 0 || token(fdt, (uint32_t)node, &next) != TOK_BEGIN)
		return -1;
	next = skip_props(fdt, next, &tok);
	return tok == TOK_BEGIN ? (int)next : -1;
}

int fdt_next_sibling(const struct fdt *fdt, int node)
{
	uint32_t off = (uint32_t)node, next;
	int depth = 0, tok;

	if (!is_node(fdt, node))
		return -1;
	do {
		tok = token(fdt, off, &next);
		if (tok == TOK_BEGIN)
			depth++;
		else if (tok == TOK_END)
			depth--;
		else if (tok < 0 || tok == TOK_FINISH)
			return -1;
		off = next;
	} while (depth > 0);
	off = skip_props(fdt, off, &tok);
	return tok == TOK_BEGIN ? (int)off : -1;
}

int fdt_parent(const struct fdt *fdt, int node)
{
	int stack[FDT_MAX_DEPTH], depth = 0, root = fdt_root(fdt);
	uint32_t off = (uint32_t)root, next;

	if (root < 0)
		return -1;
	for (;; off = next) {
		int tok = token(fdt, off, &next);
		if (tok == TOK_BEGIN) {
			if (off == (uint32_t)node)
				return depth ? stack[depth - 1] : -1;
			if (depth == FDT_MAX_DEPTH)
				return -1;
			stack[depth++] = (int)off;
		} else if (tok == TOK_END) {
			if (!depth--)
				return -1;
		} else if (tok != TOK_PROP && tok != TOK_NOP) {
			return -1;
		}
	}
}

const char *fdt_node_name(const struct fdt *fdt, int node)
{
	if (!is_node(fdt, node))
		return NULL;
	return (const char *)in_struct(fdt, (uint32_t)node + 4);
}

int fdt_next_node(const struct fdt *fdt, int node)
{
	uint32_t off, next;

	if (node < 0 || token(fdt, (uint32_t)node, &off) < 0)
		return -1;
	for (;; off = next) {
		int tok = token(fdt, off, &next);
		if (tok == TOK_BEGIN)
			return (int)off;
		if (tok < 0 || tok == TOK_FINISH)
			return -1;
	}
}

// Does node name `name` match path component comp[0..len)? "memory" also
// matches "memory@40000000".
static int name_matches(const char *name, const char *comp, size_t len)
{
	if (strncmp(name, comp, len))
		return 0;
	if (!name[len])
		return 1;
	for (size_t i = 0; i < len; i++)
		if (comp[i] == '@')
			return 0;
	return name[len] == '@';
}

int fdt_path(const struct fdt *fdt, const char *path)
{
	int node = fdt_root(fdt);

	if (!path || path[0] != '/' || node < 0)
		return FDT_E_NOTFOUND;
	for (;;) {
		while (*path == '/')
			path++;
		if (!*path)
			return node;
		size_t len = 0;
		while (path[len] && path[len] != '/')
			len++;
		int child = fdt_first_child(fdt, node);
		while (child >= 0 && !name_matches(fdt_node_name(fdt, child), path, len))
			child = fdt_next_sibling(fdt, child);
		if (child < 0)
			return FDT_E_NOTFOUND;
		node = child;
		path += len;
	}
}

// The property at or after `off` before the next node token, or -1.
static int prop_from(const struct fdt *fdt, uint32_t off)
{
	uint32_t next;
	int tok;

	while ((tok = token(fdt, off, &next)) == TOK_NOP)
		off = next;
	return tok == TOK_PROP ? (int)off : -1;
}

int fdt_first_prop(const struct fdt *fdt, int node)
{
	uint32_t next;

	if (node < 0 || token(fdt, (uint32_t)node, &next) != TOK_BEGIN)
		return -1;
	return prop_from(fdt, next);
}

int fdt_next_prop(const struct fdt *fdt, int prop)
{
	uint32_t next;

	if (prop < 0 || token(fdt, (uint32_t)prop, &next) != TOK_PROP)
		return -1;
	return prop_from(fdt, next);
}

// Name, value and length of a property token that token() accepted.
static const void *prop_fields(const struct fdt *fdt, uint32_t off, const char **name,
			       uint32_t *len)
{
	uint32_t nameoff = fdt_be32(in_struct(fdt, off + 8));

	if (name)
		*name = (const char *)fdt->blob + fdt->off_strings + nameoff;
	if (len)
		*len = fdt_be32(in_struct(fdt, off + 4));
	return in_struct(fdt, off + 12);
}

const void *fdt_prop_at(const struct fdt *fdt, int prop, const char **name, uint32_t *len)
{
	uint32_t next;

	if (prop < 0 || token(fdt, (uint32_t)prop, &next) != TOK_PROP)
		return NULL;
	return prop_fields(fdt, (uint32_t)prop, name, len);
}

// One token decode per property: this is the hot path of every lookup.
const void *fdt_prop(const struct fdt *fdt, int node, const char *name, uint32_t *len)
{
	uint32_t off, next;
	int tok;
	const char *pname;

	if (node < 0 || token(fdt, (uint32_t)node, &off) != TOK_BEGIN)
		return NULL;
	for (; (tok = token(fdt, off, &next)) == TOK_PROP || tok == TOK_NOP; off = next) {
		if (tok == TOK_NOP)
			continue;
		prop_fields(fdt, off, &pname, NULL);
		if (!strcmp(pname, name))
			return prop_fields(fdt, off, NULL, len);
	}
	return NULL;
}

uint32_t fdt_memrsv_count(const struct fdt *fdt)
{
	return fdt->n_memrsv;
}

int fdt_memrsv(const struct fdt *fdt, uint32_t idx, uint64_t *addr, uint64_t *size)
{
	if (idx >= fdt->n_memrsv)
		return FDT_E_NOTFOUND;
	const uint8_t *e = fdt->blob + fdt->off_memrsv + idx * MEMRSV_ENTRY;
	*addr = fdt_cells(e, 2);
	*size = fdt_cells(e + 8, 2);
	return FDT_OK;
}
