// Capability tables: one page of CAP_SLOTS slots per address space.
#include "object.h"

struct cap *cap_slot(struct space *s, uint32_t i)
{
	return i && i < CAP_SLOTS ? &s->caps[i] : 0;
}

int cap_lookup(struct space *s, uint32_t i, uint8_t type, uint8_t rights, struct cap **out)
{
	struct cap *c = cap_slot(s, i);

	if (!c || c->type == CAP_NULL)
		return E_CAP;
	if (type != CAP_NULL && c->type != type)
		return E_TYPE;
	if (c->obj->dead)
		return E_DEAD;
	if ((c->rights & rights) != rights)
		return E_PERM;
	*out = c;
	return E_OK;
}

int cap_empty(struct space *s, uint32_t i, struct cap **out)
{
	struct cap *c = cap_slot(s, i);

	if (!c)
		return E_CAP;
	if (c->type != CAP_NULL)
		return E_BUSY;
	*out = c;
	return E_OK;
}

void cap_set(struct cap *slot, struct kobj *o, uint8_t rights, uint32_t badge)
{
	kobj_get(o);
	o->caps++;
	slot->obj = o;
	slot->type = o->type;
	slot->rights = rights;
	slot->badge = badge;
}

void cap_clear(struct cap *slot)
{
	struct kobj *o = slot->obj;

	if (slot->type == CAP_NULL)
		return;
	slot->type = CAP_NULL;
	slot->obj = 0;
	slot->rights = 0;
	slot->badge = 0;
	if (!--o->caps)
		kobj_lost_caps(o);
	kobj_put(o);
}
