// Self tests of the ASID allocator: ASIDs across a roll-over, and no leak.
#include "ktest.h"
#include "memory.h"
#include "objects.h"
#include "vspace.h"

const char *test_asid_rollover(void)
{
	enum { N = 300 };
	static struct space *s[N];
	uint32_t before = frame_free_count(), gen = asid_generation;
	const char *err = 0;
	int e;

	for (int i = 0; i < N && !err; i++) {
		s[i] = space_create(0, 16, &e);
		if (!s[i])
			return "space_create failed";
		kobj_get(&s[i]->hdr);
		vspace_new_asid(s[i]);
		// Spaces of the current generation never share an ASID.
		for (int j = 0; j < i && !err; j++)
			if (vspace_asid_live(s[j]) && vspace_asid(s[j]) == vspace_asid(s[i]))
				err = "two live spaces share an ASID";
		if (vspace_asid(s[i]) == 0)
			err = "ASID 0 given out";
	}
	if (!err && asid_generation != gen + 1)
		err = "300 spaces did not start exactly one new ASID generation";
	for (int i = 0; i < N; i++)
		if (s[i])
			kobj_put(&s[i]->hdr);
	kobj_reap();
	if (!err && frame_free_count() != before)
		err = "frames leaked";
	return err;
}
