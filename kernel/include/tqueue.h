// Queues of threads (run queues, endpoint queues), linked through the
// thread's next/prev: a thread is in at most one queue at a time.
#pragma once

#include "object.h"

static inline void tq_append(struct tqueue *q, struct thread *t)
{
	t->next = 0;
	t->prev = q->tail;
	if (q->tail)
		q->tail->next = t;
	else
		q->head = t;
	q->tail = t;
}

static inline void tq_prepend(struct tqueue *q, struct thread *t)
{
	t->prev = 0;
	t->next = q->head;
	if (q->head)
		q->head->prev = t;
	else
		q->tail = t;
	q->head = t;
}

static inline void tq_remove(struct tqueue *q, struct thread *t)
{
	if (t->prev)
		t->prev->next = t->next;
	else
		q->head = t->next;
	if (t->next)
		t->next->prev = t->prev;
	else
		q->tail = t->prev;
	t->next = t->prev = 0;
}
