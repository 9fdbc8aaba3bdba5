// Address spaces: SPACE_INFO, SPACE_MAP / SPACE_UNMAP and their errors,
// ranges.
#include "tests.h"

static int map(uint32_t range, uint32_t off, uint32_t va, uint32_t n, uint32_t prot)
{
	return space_map(SLOT_SPACE, range, off, va, n, prot);
}

static int unmap(uint32_t va, uint32_t n)
{
	return space_unmap(SLOT_SPACE, va, n);
}

static const char *test_space_info(void)
{
	uint32_t q, u, asid;
	OK(space_info(SLOT_SPACE, &q, &u, &asid));
	CHECK(q > 0 && u <= q, "quota %u used %u", q, u);
	CHECK(asid > 0 && asid < 256, "ASID %u", asid);
	uint32_t child = 0, casid;
	OK(obj_new_in(SLOT_SPACE, CAP_SPACE, 2, &child));
	OK(space_info(child, &q, &u, &casid));
	CHECK(q == 2 && u == 0, "child quota %u used %u", q, u);
	CHECK(casid != asid, "child shares our ASID %u", asid);
	return 0;
}

static const char *test_map_unmap(void)
{
	uint32_t range, off, va = scratch_va(1), va2 = scratch_va(1);
	CHECK(scratch_page(&range, &off), "no scratch page");
	OK(map(range, off, va, 1, PROT_READ | PROT_WRITE));
	defer_unmap(va, 1);
	// The same frame twice: what one view writes the other reads.
	OK(map(range, off, va2, 1, PROT_READ));
	defer_unmap(va2, 1);
	*(volatile uint32_t *)(va + 100) = 0x13572468;
	CHECK(*(volatile uint32_t *)(va2 + 100) == 0x13572468, "second view reads %#x",
	      *(volatile uint32_t *)(va2 + 100));
	// A mapped page is not mapped over.
	EXPECT(map(range, off, va, 1, PROT_READ), E_BUSY);
	OK(unmap(va2, 1));
	OK(unmap(va, 1));
	OK(map(range, off, va, 1, PROT_READ));
	CHECK(*(volatile uint32_t *)(va + 100) == 0x13572468, "remapped page reads %#x",
	      *(volatile uint32_t *)(va + 100));
	return 0;
}

static const char *test_map_errors(void)
{
	struct msg m = { 0 };
	uint32_t range, off, va = scratch_va(1), pages;
	CHECK(scratch_page(&range, &off), "no scratch page");
	OK(range_info(range, NULL, &pages));
	EXPECT2(map(range, off, va + 8, 1, PROT_READ), E_RANGE, E_INVAL); // unaligned
	EXPECT(map(range, off, 0xc0000000u, 1, PROT_READ), E_RANGE);      // kernel half
	EXPECT(map(range, off, 0xfffff000u, 1, PROT_READ), E_RANGE);
	EXPECT(map(range, off, 0xbffff000u, 2, PROT_READ), E_RANGE); // runs into the kernel half
	EXPECT(map(range, off, 0, 1, PROT_READ), E_RANGE);           // page 0
	EXPECT(map(range, pages, va, 1, PROT_READ), E_RANGE);        // beyond the range
	EXPECT(map(range, pages - 1, va, 2, PROT_READ), E_RANGE);
	EXPECT(map(range, 0xffffffffu, va, 1, PROT_READ), E_RANGE);
	EXPECT2(map(range, off, va, 0, PROT_READ), E_INVAL, E_RANGE); // no pages
	EXPECT(map(range, off, va, 1, 0), E_INVAL);                   // no access
	EXPECT(map(range, off, va, 1, 0x80), E_INVAL);                // unknown bit
	EXPECT(hmk_invoke(SLOT_SPACE, SPACE_MAP, 3, range, off, va, 0, &m), E_INVAL);
	// Nothing got mapped by any of that.
	OK(map(range, off, va, 1, PROT_READ));
	defer_unmap(va, 1);
	return 0;
}

static const char *test_map_rights(void)
{
	uint32_t range, off, va = scratch_va(1), ro, sp;
	CHECK(scratch_page(&range, &off), "no scratch page");
	OK(mint(range, RIGHT_READ | RIGHT_MANAGE, 0, &ro));
	EXPECT(map(ro, off, va, 1, PROT_READ | PROT_WRITE), E_PERM);
	OK(map(ro, off, va, 1, PROT_READ));
	defer_unmap(va, 1);
	uint32_t none;
	OK(mint(range, RIGHT_WRITE, 0, &none));
	EXPECT(map(none, off, scratch_va(1), 1, PROT_READ), E_PERM);
	// A space capability without RIGHT_MANAGE maps nothing.
	OK(mint(SLOT_SPACE, RIGHT_READ | RIGHT_WRITE, 0, &sp));
	EXPECT(space_map(sp, range, off, scratch_va(1), 1, PROT_READ), E_PERM);
	EXPECT(space_unmap(sp, va, 1), E_PERM);
	return 0;
}

static void idle_fn(uint32_t arg)
{
	(void)arg;
}

static const char *test_unmap_errors(void)
{
	struct msg m = { 0 };
	uint32_t va = scratch_va(1), t = 0;
	EXPECT2(unmap(va + 4, 1), E_RANGE, E_INVAL);
	EXPECT(unmap(0xc0000000u, 1), E_RANGE);
	EXPECT(unmap(0xbffff000u, 2), E_RANGE);
	EXPECT2(unmap(va, 0), E_RANGE, E_INVAL);
	EXPECT(hmk_invoke(SLOT_SPACE, SPACE_UNMAP, 1, va, 0, 0, 0, &m), E_INVAL);
	// A thread's IPC buffer stays while the thread lives.
	OK(bare_create(idle_fn, 0, SLOT_SPACE, 1, 0, &t));
	EXPECT(unmap(bare_last_ipcbuf, 1), E_BUSY);
	return 0;
}

// Mapping into another space through its capability.
static const char *test_map_other_space(void)
{
	uint32_t child = 0, range, off, u0, u1;
	CHECK(scratch_page(&range, &off), "no scratch page");
	OK(obj_new_in(SLOT_SPACE, CAP_SPACE, 4, &child));
	OK(space_info(child, 0, &u0, 0));
	OK(space_map(child, range, off, 0x100000, 1, PROT_READ));
	OK(space_info(child, 0, &u1, 0));
	CHECK(u1 > u0, "page tables not charged to the child (%u -> %u)", u0, u1);
	EXPECT(space_map(child, range, off, 0x100000, 1, PROT_READ), E_BUSY);
	OK(space_unmap(child, 0x100000, 1));
	// Tables for a far-away address need more quota than is left.
	uint32_t q;
	OK(space_info(child, &q, &u1, 0));
	int e = E_OK;
	uint32_t va = 0x100000;
	for (int i = 0; i < 8 && e == E_OK; i++) {
		va += 0x01000000u; // 16 MiB on: a new level-3 table each time (any VMSPLIT)
		e = space_map(child, range, off, va, 1, PROT_READ);
	}
	CHECK(e == E_NOMEM, "mapping far apart in a 4-page child: %s, expected E_NOMEM",
	      hmk_strerror(e));
	return 0;
}

static const char *test_range_info(void)
{
	uint32_t s = slot_reserve(), pages, n;
	uint64_t base;
	CHECK(s, "no slot");
	OK(range_info(SLOT_MEMORY, &base, &pages));
	CHECK(pages > 0 && (base & 0xfff) == 0, "range base %#llx pages %u", base, pages);
	// RANGE_INFO needs no right.
	uint32_t none;
	OK(mint(SLOT_MEMORY, 0, 0, &none));
	OK(range_info(none, NULL, &n));
	CHECK(n == pages, "a copy reports %u pages", n);
	// Our memory is lent to us (RANGE_DERIVE, map rights only): it cannot be
	// split or derived again, inside the range or out of it.
	EXPECT(range_split(SLOT_MEMORY, 1, s), E_PERM);
	EXPECT(range_split(SLOT_MEMORY, pages + 100, s), E_PERM);
	EXPECT(range_derive(SLOT_MEMORY, SLOT_SPACE, s, RIGHTS_ALL), E_PERM);
	EXPECT(range_split(none, 1, s), E_PERM);
	EXPECT(inv_identify(s, 0, 0, 0), E_CAP);
	OK(range_info(SLOT_MEMORY, NULL, &n));
	CHECK(n == pages, "range shrank to %u pages", n);
	return 0;
}

const struct test space_tests[] = {
	{ test_space_info, "SPACE_INFO" },
	{ test_map_unmap, "SPACE_MAP and SPACE_UNMAP, one frame twice" },
	{ test_map_errors, "SPACE_MAP errors: alignment, kernel half, range" },
	{ test_map_rights, "SPACE_MAP rights -> E_PERM" },
	{ test_unmap_errors, "SPACE_UNMAP errors" },
	{ test_map_other_space, "map into a child space, its quota" },
	{ test_range_info, "RANGE_INFO; RANGE_SPLIT and RANGE_DERIVE of SLOT_MEMORY refused" },
	{ 0, 0 },
};
