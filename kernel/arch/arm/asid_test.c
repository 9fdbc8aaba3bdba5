// Self tests of the ASID allocator on this CPU, with real spaces and TTBR0
// loads (libs/asid/tests simulates several CPUs): ASIDs across a roll-over,
// the loaded one kept, freed ones given out again, and no leak.
#include "ktest.h"
#include "memory.h"
#include "objects.h"
#include "vspace.h"

// Creates spaces s[0..n) and loads each in turn; before s[reload], s[0] is
// loaded again (ASID 1, the first a roll-over would give out). Returns NULL
// or why not; *rollovers counts the new generations, *held is the space
// loaded when the first began, *kept its ASID.
static const char *load_spaces(struct space **s, int n, int reload, int *rollovers, int *held,
			       uint32_t *kept)
{
	struct space *loaded = 0;
	int e;

	for (int i = 0; i < n; i++) {
		s[i] = space_create(0, 16, &e);
		if (!s[i])
			return "space_create failed";
		kobj_get(&s[i]->hdr);
		if (i == reload) {
			vspace_activate(this_cpu(), s[0], &s[0]->on[this_cpu()->id], 1);
			loaded = s[0];
		}
		vspace_activate(this_cpu(), s[i], &s[i]->on[this_cpu()->id], 1);
		if (loaded && s[i]->asid_gen != loaded->asid_gen) { // s[i] began a generation
			if (!(*rollovers)++) {
				*held = loaded == s[0] ? 0 : i - 1;
				*kept = vspace_asid(loaded);
			}
		}
		loaded = s[i];
		// Spaces of one generation never share an ASID.
		for (int j = 0; j < i; j++)
			if (s[j]->asid_gen == s[i]->asid_gen &&
			    vspace_asid(s[j]) == vspace_asid(s[i]))
				return "two spaces of one generation share an ASID";
		if (vspace_asid(s[i]) == 0)
			return "ASID 0 given out";
		if (*rollovers && i != *held && vspace_asid(s[i]) == *kept)
			return "the ASID loaded at the roll-over was given to another space";
	}
	return 0;
}

static void put_spaces(struct space **s, int n)
{
	vspace_deactivate();
	for (int i = 0; i < n; i++)
		if (s[i])
			kobj_put(&s[i]->hdr);
	kobj_reap();
}

const char *test_asid_rollover(void)
{
	enum { N = 300 };
	static struct space *s[N];
	uint32_t before = frame_free_count(), kept = 0;
	const char *err;
	int held = -1, rollovers = 0;

	err = load_spaces(s, N, ASID_COUNT - 1, &rollovers, &held, &kept);
	if (!err && (rollovers != 1 || held != 0))
		err = "300 spaces did not start exactly one new generation, with s[0] loaded";
	if (!err) {
		vspace_activate(this_cpu(), s[0], &s[0]->on[this_cpu()->id], 1);
		if (s[0]->asid_gen != s[N - 1]->asid_gen || vspace_asid(s[0]) != kept)
			err = "the space loaded at the roll-over did not keep its ASID";
	}
	put_spaces(s, N);
	if (err)
		return err;
	// Every ASID of this generation was freed with its space: 254 new
	// spaces take them again without a roll-over.
	rollovers = 0;
	err = load_spaces(s, ASID_COUNT - 2, -1, &rollovers, &held, &kept);
	if (!err && rollovers)
		err = "freed ASIDs were not given out again";
	put_spaces(s, ASID_COUNT - 2);
	if (!err && frame_free_count() != before)
		err = "frames leaked";
	return err;
}
