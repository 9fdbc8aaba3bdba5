// Synchronous IPC on endpoints (kernel/ipc/ipc.c): the general path that
// handles every case; fastpath.c takes the common call/reply_recv case.
#pragma once

#include "object.h"

// Returned instead of an error when the thread's r0 is not to be written
// now: it blocked (r0 is written when it wakes), or it is written already.
#define E_BLOCKED (-1)

// Sends the message in t's registers (info, MR0..3; MR4.. and a capability
// from its IPC buffer) on `ep` with the badge of the capability used.
// `call`: t then waits for the reply. `block`: wait for a receiver (else
// E_AGAIN). Arguments were checked by the caller.
int ipc_send(struct thread *t, struct endpoint *ep, uint32_t badge, int call, int block);
// A fault message from t (already in t->snd) to its fault endpoint.
void ipc_send_fault(struct thread *t, struct endpoint *ep, uint32_t badge);
// Receives on `ep` into t's registers; an unanswered caller t still held
// fails with E_NOREPLY.
int ipc_recv(struct thread *t, struct endpoint *ep, int block);
// Replies to the caller t holds with the message in t's registers: E_OK,
// E_NOREPLY (no caller) or E_DEAD (it died first).
int ipc_reply(struct thread *t);
// Replies through a reply object (SYS_SEND on CAP_REPLY), like ipc_reply.
int ipc_reply_saved(struct thread *t, struct reply *r);
// Delivers a reply in t's registers to `caller` (no longer held by anyone);
// returns the caller to wake, or NULL when it stays stopped (a fault not
// resumed).
struct thread *ipc_deliver_reply(struct thread *t, struct thread *caller);
// t waited in an IPC that can no longer complete (its partner or the object
// is gone): it wakes with err, or, when its message was a fault, it stays
// stopped and the kernel says why in one line.
void ipc_abort(struct thread *t, int err, const char *why);
// Waits on a notification (or takes its bits at once).
int notify_wait(struct thread *t, struct notify *n, int block);
