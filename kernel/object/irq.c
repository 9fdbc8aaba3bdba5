// Interrupts for user space: IRQCTL_BIND ties a line to a notification;
// when it fires the kernel masks it and signals; IRQ_ACK unmasks it.
#include "objects.h"
#include "plat.h"

struct kobj irqctl_object = { .type = CAP_IRQCTL, .refs = 1 };
static struct irq_handler *bound[1020];

static void irq_user(uint32_t id)
{
	struct irq_handler *h = bound[id];

	gic_mask(id);
	notify_signal(h->notify, h->badge);
}

// IRQCTL_BIND decoded: the line, the notification and the empty slot.
struct bind_args {
	uint32_t irq;
	struct cap *notify, *dest;
};

// IRQCTL_BIND: (irq number, notification slot, dest slot), RIGHT_MANAGE.
static int bind_decode(const struct invocation *inv, struct bind_args *a)
{
	const struct msg_in *in = &inv->in;
	int err;

	a->irq = in->mr[0];
	if (!(inv->cap->rights & RIGHT_MANAGE))
		return E_PERM;
	if (in->len < 3)
		return E_INVAL;
	if (a->irq < 32 || a->irq >= gic_lines())
		return E_RANGE; // only shared peripheral interrupts
	err = cap_lookup(inv->self, in->mr[1], CAP_NOTIFY, RIGHT_WRITE, &a->notify);
	if (err)
		return err;
	err = cap_empty(inv->self, in->mr[2], &a->dest);
	if (err)
		return err;
	if (bound[a->irq] || gic_claimed(a->irq))
		return E_BUSY;
	return quota_check(inv->self, 1);
}

// Fails (E_NOMEM) only when LOWMEM runs out.
static int bind_perform(const struct invocation *inv, const struct bind_args *a)
{
	struct irq_handler *h = kobj_alloc(CAP_IRQ, 1, inv->self);

	if (!h)
		return E_NOMEM;
	h->irq = a->irq;
	h->notify = (struct notify *)a->notify->obj;
	h->badge = a->notify->badge;
	kobj_get(&h->notify->hdr);
	bound[a->irq] = h;
	cap_set(a->dest, &h->hdr, RIGHTS_ALL, 0);
	gic_enable(a->irq, irq_user);
	return E_OK;
}

int irqctl_invoke(struct invocation *inv)
{
	struct bind_args a;
	int err;

	if (inv->in.label != IRQCTL_BIND)
		return E_NOSYS;
	err = bind_decode(inv, &a);
	return err ? err : bind_perform(inv, &a);
}

int irq_invoke(struct invocation *inv)
{
	struct irq_handler *h = (struct irq_handler *)inv->cap->obj;

	if (inv->in.label != IRQ_ACK) // the one label, and its one check
		return E_NOSYS;
	if (!(inv->cap->rights & RIGHT_WRITE))
		return E_PERM;
	gic_unmask(h->irq);
	return E_OK;
}

void irq_handler_destroy(struct irq_handler *h)
{
	gic_mask(h->irq);
	gic_release(h->irq);
	bound[h->irq] = 0;
	kobj_put(&h->notify->hdr);
}
