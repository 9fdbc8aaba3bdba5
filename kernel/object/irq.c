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

int irqctl_invoke(struct space *self, struct cap *c, const struct msg_in *in, struct msg_out *out)
{
	uint32_t irq = in->mr[0];
	struct cap *nc, *dest;
	struct irq_handler *h;
	int err;

	(void)out;
	if (in->label != IRQCTL_BIND)
		return E_NOSYS;
	if (!(c->rights & RIGHT_MANAGE))
		return E_PERM;
	if (in->len < 3)
		return E_INVAL;
	if (irq < 32 || irq >= gic_lines())
		return E_RANGE; // only shared peripheral interrupts
	err = cap_lookup(self, in->mr[1], CAP_NOTIFY, RIGHT_WRITE, &nc);
	if (err)
		return err;
	dest = cap_slot(self, in->mr[2]);
	if (!dest)
		return E_CAP;
	if (dest->type != CAP_NULL || bound[irq] || gic_claimed(irq))
		return E_BUSY;
	h = kobj_alloc(CAP_IRQ, 1, self);
	if (!h)
		return E_NOMEM;
	h->irq = irq;
	h->notify = (struct notify *)nc->obj;
	h->badge = nc->badge;
	kobj_get(&h->notify->hdr);
	bound[irq] = h;
	cap_set(dest, &h->hdr, RIGHTS_ALL, 0);
	gic_enable(irq, irq_user);
	return E_OK;
}

int irq_invoke(struct cap *c, const struct msg_in *in, struct msg_out *out)
{
	struct irq_handler *h = (struct irq_handler *)c->obj;

	(void)out;
	if (in->label != IRQ_ACK)
		return E_NOSYS;
	if (!(c->rights & RIGHT_WRITE))
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
