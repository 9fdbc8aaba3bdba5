// Capability slots of the own table: a bitmap of the free ones.
#include "user.h"

static uint32_t slot_used[CAP_SLOTS / 32];
static uint32_t slot_first = SLOT_FIRST_FREE;

void user_slots_init(uint32_t first)
{
	slot_first = first;
}

uint32_t user_slot_alloc(void)
{
	for (uint32_t s = slot_first; s < CAP_SLOTS; s++)
		if (!(slot_used[s / 32] & (1u << (s % 32)))) {
			slot_used[s / 32] |= 1u << (s % 32);
			return s;
		}
	return 0;
}

void user_slot_free(uint32_t slot)
{
	if (slot >= slot_first && slot < CAP_SLOTS)
		slot_used[slot / 32] &= ~(1u << (slot % 32));
}

int space_create(uint32_t space, uint32_t type, uint32_t arg, uint32_t *slot)
{
	uint32_t s = user_slot_alloc();
	int err;

	*slot = 0;
	if (!s)
		return E_NOSLOT;
	err = space_create_at(space, type, s, arg);
	if (err) {
		user_slot_free(s);
		return err;
	}
	*slot = s;
	return E_OK;
}

int slot_mint(uint32_t space, uint32_t src, uint32_t rights, uint32_t badge, uint32_t *slot)
{
	uint32_t s = user_slot_alloc();
	int err;

	*slot = 0;
	if (!s)
		return E_NOSLOT;
	err = space_mint(space, s, src, rights, badge);
	if (err) {
		user_slot_free(s);
		return err;
	}
	*slot = s;
	return E_OK;
}

int slot_delete(uint32_t space, uint32_t slot)
{
	int err = space_delete(space, slot);

	user_slot_free(slot);
	return err;
}
