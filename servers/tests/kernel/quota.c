// Quotas: a child space gets pages from its parent's quota; objects created
// through the child's capability are charged to the child until E_NOMEM,
// and the parent's use does not move meanwhile.
#include "tests.h"

#define MAX_OBJECTS 48

static const char *exhaust(uint32_t child, uint32_t type, uint32_t *made)
{
	uint32_t q0, u0, u1, q1, slot;
	int e = E_OK;
	OK(space_info(SLOT_SPACE, &q0, &u0, 0));
	*made = 0;
	while (*made < MAX_OBJECTS && (e = obj_new_in(child, type, 0, &slot)) == E_OK)
		(*made)++;
	CHECK(e == E_NOMEM, "after %u objects of type %u: %s, expected E_NOMEM", *made, type,
	      hmk_strerror(e));
	OK(space_info(SLOT_SPACE, &q1, &u1, 0));
	CHECK(q1 == q0 && u1 == u0, "our quota moved: %u/%u -> %u/%u", u0, q0, u1, q1);
	return 0;
}

static const char *test_child_quota(void)
{
	uint32_t q0, u0, q1, u1, child = 0, cq, cu, made;
	OK(space_info(SLOT_SPACE, &q0, &u0, 0));
	OK(obj_new_in(SLOT_SPACE, CAP_SPACE, 4, &child));
	OK(space_info(SLOT_SPACE, &q1, &u1, 0));
	CHECK(q1 == q0 && u1 >= u0 + 4, "creating a child of 4 pages: used %u -> %u", u0, u1);
	OK(space_info(child, &cq, &cu, 0));
	CHECK(cq == 4 && cu == 0, "child: quota %u used %u", cq, cu);
	TRY(exhaust(child, CAP_ENDPOINT, &made));
	CHECK(made >= 1 && made <= 4, "%u endpoints in 4 pages", made);
	OK(space_info(child, &cq, &cu, 0));
	CHECK(cu <= cq, "child used %u of %u", cu, cq);
	return 0;
}

static const char *test_child_quota_kinds(void)
{
	uint32_t child = 0, made;
	static const uint32_t types[] = { CAP_THREAD, CAP_NOTIFY, CAP_SPACE };
	for (unsigned i = 0; i < 3; i++) {
		OK(obj_new_in(SLOT_SPACE, CAP_SPACE, 3, &child));
		TRY(exhaust(child, types[i], &made));
	}
	return 0;
}

static const char *test_quota_too_big(void)
{
	uint32_t q, u, s = 0;
	OK(space_info(SLOT_SPACE, &q, &u, 0));
	EXPECT(obj_new_in(SLOT_SPACE, CAP_SPACE, q - u + 1, &s), E_NOMEM);
	EXPECT(obj_new_in(SLOT_SPACE, CAP_SPACE, 0xffffffffu, &s), E_NOMEM);
	uint32_t q1, u1;
	OK(space_info(SLOT_SPACE, &q1, &u1, 0));
	CHECK(q1 == q && u1 == u, "a refused child changed our quota: %u/%u -> %u/%u", u, q, u1,
	      q1);
	return 0;
}

// Pages come back: deleting the objects returns them to the child, and
// deleting the child returns its quota to us.
static const char *test_quota_returned(void)
{
	uint32_t q0, u0, u1, child, cu, made;
	OK(space_info(SLOT_SPACE, &q0, &u0, 0));
	OK(space_create(SLOT_SPACE, CAP_SPACE, 6, &child));
	const char *why = exhaust(child, CAP_NOTIFY, &made);
	cleanup_run(); // deletes the notifications (and nothing else: child is not registered)
	if (!why && space_info(child, 0, &cu, 0) == E_OK && cu != 0)
		why = fail_fmt("child still uses %u pages after its objects went", cu);
	OK(slot_delete(SLOT_SPACE, child));
	if (why)
		return why;
	OK(space_info(SLOT_SPACE, 0, &u1, 0));
	CHECK(u1 == u0, "used %u after deleting the child, %u before", u1, u0);
	return 0;
}

// A grandchild takes its quota from the child, not from us.
static const char *test_nested_quota(void)
{
	uint32_t u0, u1, child = 0, grand = 0, cq, cu, gq, made;
	OK(obj_new_in(SLOT_SPACE, CAP_SPACE, 8, &child));
	OK(space_info(SLOT_SPACE, 0, &u0, 0));
	OK(obj_new_in(child, CAP_SPACE, 3, &grand));
	OK(space_info(SLOT_SPACE, 0, &u1, 0));
	CHECK(u1 == u0, "our use moved %u -> %u", u0, u1);
	OK(space_info(child, &cq, &cu, 0));
	OK(space_info(grand, &gq, 0, 0));
	CHECK(cq == 8 && cu >= 3 && gq == 3, "child %u/%u grandchild quota %u", cu, cq, gq);
	EXPECT(obj_new_in(child, CAP_SPACE, 8, &made), E_NOMEM);
	TRY(exhaust(grand, CAP_ENDPOINT, &made));
	return 0;
}

// Threads configured into a space pay for their IPC buffer there.
static const char *test_thread_charged_to_space(void)
{
	uint32_t child = 0, t = 0, u0, u1;
	OK(obj_new_in(SLOT_SPACE, CAP_SPACE, 8, &child));
	OK(obj_new_in(SLOT_SPACE, CAP_THREAD, 0, &t));
	OK(space_info(child, 0, &u0, 0));
	OK(thread_configure(t, child, 0x100000, 0, 1));
	OK(space_info(child, 0, &u1, 0));
	CHECK(u1 > u0, "child used %u -> %u after a thread moved in", u0, u1);
	return 0;
}

// A chain of address spaces, each holding the only capability to the next,
// freed by deleting its head: the kernel frees them one after another, not
// recursively (which would overrun its stack), and every page comes back.
static const char *test_space_chain(void)
{
	enum { DEPTH = 400 };
	uint32_t head = slot_reserve(), tmp[2] = { slot_reserve(), slot_reserve() };
	uint32_t used0, used, quota = 3 * DEPTH + 8;

	CHECK(head && tmp[0] && tmp[1], "no slots");
	OK(space_info(SLOT_SPACE, NULL, &used0, NULL));
	OK(space_create_at(SLOT_SPACE, CAP_SPACE, head, quota));
	uint32_t prev = head;
	for (int i = 0; i < DEPTH; i++) {
		uint32_t next = tmp[i & 1];
		quota -= 3;
		OK(space_create_at(prev, CAP_SPACE, next, quota));
		// The new space's only capability goes into its parent's table.
		OK(space_mint(prev, 1, next, RIGHTS_ALL, 0));
		if (prev != head)
			OK(space_delete(SLOT_SPACE, prev));
		prev = next;
	}
	OK(space_delete(SLOT_SPACE, prev));
	OK(space_delete(SLOT_SPACE, head));
	OK(space_info(SLOT_SPACE, NULL, &used, NULL));
	CHECK(used == used0, "%u quota pages used after the chain died, %u before", used, used0);
	return 0;
}

// The kernel's own count of LOWMEM follows the objects it makes and frees.
static const char *test_kernel_lowmem_stats(void)
{
	uint32_t before, after, freed, frames, ep;

	OK(console_stats(SLOT_CONSOLE, &before, &frames, NULL));
	CHECK(before > 0 && frames > 0, "lowmem_used %u KiB, %u frames free", before, frames);
	OK(obj_new_in(SLOT_SPACE, CAP_ENDPOINT, 0, &ep));
	OK(console_stats(SLOT_CONSOLE, &after, NULL, NULL));
	OK(space_delete(SLOT_SPACE, ep));
	undefer_slot(ep);
	OK(console_stats(SLOT_CONSOLE, &freed, NULL, NULL));
	CHECK(after == before + 4 && freed == before,
	      "lowmem_used %u KiB, %u with an endpoint, %u after", before, after, freed);
	return 0;
}

const struct test quota_tests[] = {
	{ test_kernel_lowmem_stats, "CONSOLE_STATS: the kernel's LOWMEM follows its objects" },
	{ test_space_chain, "400 spaces each holding the next, freed at once" },
	{ test_child_quota, "child quota: endpoints until E_NOMEM, ours unaffected" },
	{ test_child_quota_kinds, "child quota: threads, notifications, spaces" },
	{ test_quota_too_big, "quota beyond ours -> E_NOMEM" },
	{ test_quota_returned, "quota comes back on delete" },
	{ test_nested_quota, "grandchild quota comes from the child" },
	{ test_thread_charged_to_space, "IPC buffer charged to the thread's space" },
	{ 0, 0 },
};
