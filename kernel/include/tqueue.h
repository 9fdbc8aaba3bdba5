// Queues of threads (run queues, endpoint queues), linked through the
// thread's next/prev: a thread is in at most one queue at a time.
#pragma once

#include "debug.h"
#include "object.h"

// A queue is empty at both ends or at neither, and nothing lies beyond its
// ends (debug assertions).
static inline int tq_ends_ok(const struct tqueue *q)
{
	return !q->head == !q->tail && (!q->head || (!q->head->prev && !q->tail->next));
}

static inline void tq_append(struct tqueue *q, struct thread *t)
{
	KASSERT(!t->next && !t->prev && q->head != t); // in no queue
	KASSERT(tq_ends_ok(q));
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
	KASSERT(!t->next && !t->prev && q->head != t); // in no queue
	KASSERT(tq_ends_ok(q));
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
	KASSERT(t->prev ? t->prev->next == t : q->head == t); // in q
	KASSERT(t->next ? t->next->prev == t : q->tail == t);
	if (t->prev)
		t->prev->next = t->next;
	else
		q->head = t->next;
	if (t->next)
		t->next->prev = t->prev;
	else
		q->tail = t->prev;
	t->next = t->prev = 0;
	KASSERT(tq_ends_ok(q));
}

// Takes the head out of q (which is not empty) and returns it: tq_remove
// of the head, which has no thread before it (the fastpath's receiver).
static inline struct thread *tq_pop_head(struct tqueue *q)
{
	struct thread *t = q->head, *next = t->next;

	KASSERT(!t->prev && (next ? next->prev == t : q->tail == t));
	q->head = next;
	if (next)
		next->prev = 0;
	else
		q->tail = 0;
	t->next = 0;
	KASSERT(tq_ends_ok(q));
	return t;
}
