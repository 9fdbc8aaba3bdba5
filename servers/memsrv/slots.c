// memsrv's own capability slots: taking one (collecting idle objects
// when its table is full), creating an object in one, and letting one go.
#include "ms.h"

// Lets idle objects go, so that their slots are free again.
static void slots_reclaim(void)
{
	vmap_gc();
	pool_gc();
}

uint32_t ms_slot_alloc(void)
{
	uint32_t s = user_slot_alloc();

	if (!s) {
		slots_reclaim();
		s = user_slot_alloc();
	}
	return s;
}

void ms_slot_delete(uint32_t slot)
{
	if (slot)
		slot_delete(user_env.space, slot);
}

void ms_slot_destroy(uint32_t slot)
{
	if (slot)
		inv_destroy(slot);
	ms_slot_delete(slot);
}

int ms_create(uint32_t type, uint32_t *slot)
{
	int err = space_create(user_env.space, type, 0, slot);

	if (err == E_NOSLOT) {
		slots_reclaim();
		err = space_create(user_env.space, type, 0, slot);
	}
	return err;
}
