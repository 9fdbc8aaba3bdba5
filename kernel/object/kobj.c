// Object memory, quotas and reference counts: every object is whole LOWMEM
// pages from the frame allocator, charged to one address space's quota,
// and dies with that space (see object.h).
#include <string.h>

#include "memory.h"
#include "mmu.h"
#include "object.h"
#include "objects.h"
#include "printk.h"

int quota_check(const struct space *s, uint32_t pages)
{
	return s && (s->hdr.dead || pages > s->quota - s->used) ? E_NOMEM : E_OK;
}

int quota_charge(struct space *s, uint32_t pages)
{
	if (quota_check(s, pages))
		return E_NOMEM;
	if (s)
		s->used += pages;
	return E_OK;
}

void quota_release(struct space *s, uint32_t pages)
{
	if (s)
		s->used -= pages;
}

// Every object not yet freed (kobj_revoke_frames walks it).
static struct kobj *all_objects;

// Links o into a doubly linked list through its next/prev fields.
#define LIST_ADD(head, o, next, prev)                                                              \
	do {                                                                                       \
		(o)->next = (head);                                                                \
		(o)->prev = 0;                                                                     \
		if (head)                                                                          \
			(head)->prev = (o);                                                        \
		(head) = (o);                                                                      \
	} while (0)
#define LIST_DEL(head, o, next, prev)                                                              \
	do {                                                                                       \
		if ((o)->prev)                                                                     \
			(o)->prev->next = (o)->next;                                               \
		else                                                                               \
			(head) = (o)->next;                                                        \
		if ((o)->next)                                                                     \
			(o)->next->prev = (o)->prev;                                               \
	} while (0)

void *kobj_alloc(uint8_t type, uint32_t pages, struct space *charge)
{
	struct kobj *o;
	uint64_t pa;

	if (pages != 1 || quota_charge(charge, 1))
		return 0;
	pa = frame_alloc();
	if (!pa) {
		quota_release(charge, 1);
		return 0;
	}
	o = (struct kobj *)phys_to_virt(pa);
	if (type == CAP_THREAD) // the header follows the saved registers
		o = &((struct thread *)o)->hdr;
	o->type = type;
	o->pages = 1;
	o->refs = 0;
	o->charged = charge;
	if (charge) {
		kobj_get(&charge->hdr);
		LIST_ADD(charge->owned, o, charge_next, charge_prev);
	}
	LIST_ADD(all_objects, o, all_next, all_prev);
	return type == CAP_THREAD ? (void *)((char *)o - offsetof(struct thread, hdr)) : (void *)o;
}

// The page an object starts on.
static void *kobj_base(struct kobj *o)
{
	return o->type == CAP_THREAD ? (void *)((char *)o - offsetof(struct thread, hdr))
				     : (void *)o;
}

void kobj_destroy(struct kobj *o)
{
	if (o->dead)
		return;
	o->dead = 1;
	o->refs++; // teardown may drop references to o itself
	switch (o->type) {
	case CAP_SPACE: space_destroy((struct space *)o); break;
	case CAP_THREAD: thread_destroy(kobj_base(o)); break;
	case CAP_ENDPOINT: endpoint_destroy((struct endpoint *)o); break;
	case CAP_NOTIFY: notify_destroy((struct notify *)o); break;
	case CAP_IRQ: irq_handler_destroy((struct irq_handler *)o); break;
	case CAP_REPLY: reply_destroy((struct reply *)o); break;
	case CAP_WINDOW: window_destroy((struct window *)o); break;
	case CAP_RANGE: range_destroy((struct prange *)o); break;
	default: break;
	}
	if (o->watch) { // whoever watches learns of the death
		notify_signal(o->watch, o->watch_badge);
		kobj_put(&o->watch->hdr);
		o->watch = 0;
	}
	kobj_put(o);
}

int kobj_destroy_check(const struct cap *c)
{
	return !(c->rights & RIGHT_MANAGE) || !c->obj->pages ? E_PERM : E_OK;
}

static struct kobj *reap_list;

// Queued to be killed when its last capability went (KILL) or its owner
// died (DOOM), or to be freed (FREE).
enum { REAP_NONE, REAP_KILL, REAP_DOOM, REAP_FREE };

static void reap_queue(struct kobj *o, uint8_t why)
{
	o->reap = why;
	o->reap_next = reap_list;
	reap_list = o;
}

void kobj_release(struct kobj *o)
{
	reap_queue(o, REAP_FREE);
}

void kobj_lost_caps(struct kobj *o)
{
	if (o->dead || !o->pages || o->reap)
		return; // dead, a boot object, or queued already (its fate is checked then)
	o->refs++;      // the queue's own, until it is killed
	reap_queue(o, REAP_KILL);
}

void kobj_doom(struct kobj *o)
{
	if (o->dead || o->reap == REAP_DOOM || o->reap == REAP_FREE)
		return;             // dead, or going to be (a FREE object is killed first)
	if (o->reap == REAP_KILL) { // queued already, holding the queue's reference
		o->reap = REAP_DOOM;
		return;
	}
	o->refs++; // the queue's own, until it is killed
	reap_queue(o, REAP_DOOM);
}

void kobj_revoke_frames(uint64_t base, uint64_t end)
{
	for (struct kobj *o = all_objects; o; o = o->all_next) {
		if (o->dead)
			continue;
		if (o->type == CAP_SPACE)
			space_revoke((struct space *)o, base, end);
		else if (o->type == CAP_WINDOW)
			window_revoke((struct window *)o, base, end);
	}
}

static void kobj_free(struct kobj *o)
{
	struct space *charged = o->charged;
	uint32_t pages = o->pages;

	LIST_DEL(all_objects, o, all_next, all_prev);
	if (charged)
		LIST_DEL(charged->owned, o, charge_next, charge_prev);
	if (o->type == CAP_SPACE)
		space_free((struct space *)o);
	if (o->type == CAP_WINDOW)
		window_free((struct window *)o);
	frame_free(virt_to_phys(kobj_base(o)));
	if (charged) {
		quota_release(charged, pages);
		kobj_put(&charged->hdr);
	}
}

void kobj_reap(void)
{
	struct kobj *o;

	while ((o = reap_list)) {
		reap_list = o->reap_next;
		if (o->reap == REAP_KILL || o->reap == REAP_DOOM) {
			uint8_t why = o->reap;
			o->reap = REAP_NONE;
			if (why == REAP_DOOM || !o->caps)
				kobj_destroy(o);
			kobj_put(o);
			continue;
		}
		o->reap = REAP_NONE;
		if (!o->dead) { // a live object no capability and no pointer names
			o->refs = 1;
			kobj_destroy(o);
			if (--o->refs)
				continue;
		}
		kobj_free(o);
	}
}
