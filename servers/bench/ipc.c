// IPC, notifications and thread switches, driven by tables.
//
// IPC: an echo server answers each call with the message it got, either a
// thread of this program (same address space, "intraas") or a second copy of
// this program that init starts with ECHO_ARG (other address space,
// "interas"). For every message length of ipc_words[] and every case of
// ipc_cases[] one benchmark:
//   ipc_rt_<space>_w<N>      call + reply, as the caller sees it
//   ipc_call_<space>_w<N>    one way: from the caller's call to the server
//                            running (the server reads the counter first
//                            thing and returns the stamp in MR0)
//   ipc_reply_<space>_w<N>   one way: from the server's reply to the caller
//                            running (stamp in MR1, read just before the reply)
//   ipc_rt_cap_<space>_w<N>  round trip whose call carries a capability
// Messages of up to MSG_REG_WORDS words travel in registers, longer ones
// partly through the IPC buffers; a capability or a long message takes the
// kernel's general path, the rest its fastpath (unless built FASTPATH=0).
//
// Notifications: signal with nobody waiting, wait on a word already
// signalled, and signal until a waiting thread of higher priority runs.
// Thread switch: yield between two threads of one address space.
#include <stdio.h>
#include <string.h>

#include "bench.h"
#include "user.h"

// What a call asks of the echo server (its label).
enum echo_label {
	ECHO_PLAIN = 1, // answer with the message as it came
	ECHO_STAMP = 2, // the same, with the counter at arrival in MR0, before the reply in MR1
	ECHO_CAP = 3,   // a capability should come along: answer ECHO_CAP if it did
	ECHO_CLEAN = 4, // delete the capabilities received so far
	ECHO_MOVE = 5,  // move to CPU MR0 (THREAD_SET_CPU on itself): the error in MR0
	ECHO_QUIT = 0xfff,
};
#define ECHO_NOCAP 0xffe // ECHO_CAP's answer when no capability arrived

// Received capabilities go to CAP_POOL slots in turn; the caller asks for
// ECHO_CLEAN (untimed) before the pool runs out, so no timed call pays for
// deleting one.
#define CAP_POOL 32

struct echo {
	uint32_t ep;   // endpoint served
	uint32_t pool; // first of CAP_POOL empty slots
	uint32_t self; // the serving thread's own slot (ECHO_MOVE)
};

// ECHO_MOVE: the server moves itself to CPU `cpu`; the error. Out of line
// and given no pointer, so that the loop around keeps the message in
// registers and costs the other labels what it did.
static uint32_t __attribute__((noinline)) echo_move_self(uint32_t self, uint32_t cpu)
{
	return (uint32_t)thread_set_cpu(self, cpu);
}

// Serves e->ep until ECHO_QUIT; the kernel's error that ended it, or E_OK.
static int echo_serve(const struct echo *e)
{
	struct ipc_buffer *b = user_ipcbuf();
	struct msg m = { 0 };
	uint32_t next = 0;
	int err;

	b->cap_recv = e->pool;
	err = sys_recv(e->ep, &m);
	while (err == E_OK) {
		uint32_t arrived = ccnt(), label = MSG_LABEL(m.info), len = MSG_LEN(m.info);

		if (label == ECHO_QUIT)
			break;
		if (label == ECHO_MOVE) {
			m.mr[0] = echo_move_self(e->self, m.mr[0]);
			m.info = MSG_INFO(ECHO_MOVE, 1);
		} else if (label == ECHO_STAMP) {
			m.mr[0] = arrived;
			if (len < 2)
				m.info = MSG_INFO(label, 2);
		} else if (label == ECHO_CAP) {
			m.info = MSG_INFO(m.info & MSG_CAP ? ECHO_CAP : ECHO_NOCAP, len);
			next = (next + 1) % CAP_POOL;
			b->cap_recv = e->pool + next;
		} else if (label == ECHO_CLEAN) {
			for (uint32_t i = 0; i < CAP_POOL; i++)
				space_delete(SLOT_SPACE, e->pool + i);
			next = 0;
			b->cap_recv = e->pool;
		}
		m.info &= ~MSG_CAP;
		if (label == ECHO_STAMP)
			m.mr[1] = ccnt();
		err = sys_reply_recv(e->ep, &m);
	}
	if (err == E_OK) {
		m = (struct msg){ MSG_INFO(0, 0), { 0 }, 0 };
		sys_reply(&m);
	}
	return err;
}

// A block of CAP_POOL free slots of the own table, 0 when there is none
// (user_slot_alloc hands them out in order while nothing is freed).
static uint32_t pool_alloc(void)
{
	uint32_t first = user_slot_alloc();

	for (uint32_t i = 1; first && i < CAP_POOL; i++)
		if (user_slot_alloc() != first + i)
			return 0;
	return first;
}

int echo_main(void)
{
	struct echo e = { SLOT_GIFT, pool_alloc(), SLOT_THREAD };

	return e.pool ? echo_serve(&e) : E_NOSLOT;
}

static void echo_thread(uint32_t arg)
{
	echo_serve((const struct echo *)arg);
}

// --- IPC ---------------------------------------------------------------------
enum way { ROUND_TRIP, CALL_WAY, REPLY_WAY };

static const struct ipc_case {
	const char *family; // printf format: the space, then the words
	enum way way;
	int cap;
	const char *op;
} ipc_cases[] = {
	{ "ipc_rt_%s_w%u", ROUND_TRIP, 0, "call + reply (echo)" },
	{ "ipc_call_%s_w%u", CALL_WAY, 0, "one way: call until the server runs" },
	{ "ipc_reply_%s_w%u", REPLY_WAY, 0, "one way: reply until the caller runs" },
	{ "ipc_rt_cap_%s_w%u", ROUND_TRIP, 1, "call carrying a capability + reply" },
};
static const uint32_t ipc_words[] = { 0, 1, 2, 3, 4, 5, 8, 16, 32, 64 };

// Samples one IPC case: `words` message words to the echo server on ep.
static void ipc_case(const char *name, uint32_t ep, const struct ipc_case *c, uint32_t words,
		     const char *space)
{
	struct ipc_buffer *b = user_ipcbuf();
	uint32_t label = c->cap ? ECHO_CAP : c->way == ROUND_TRIP ? ECHO_PLAIN : ECHO_STAMP;
	uint32_t info = MSG_INFO(label, words) | (c->cap ? MSG_CAP : 0);
	uint32_t rlen = c->way == ROUND_TRIP || words >= 2 ? words : 2;
	char params[320];
	struct msg m;
	int bad = 0;

	for (uint32_t i = MSG_REG_WORDS; i < words; i++)
		b->mr[i] = i;
	b->cap_send = c->cap ? ep : 0;
	for (int i = -WARMUP; i < SAMPLES; i++) {
		if (c->cap && (i + WARMUP) % CAP_POOL == 0) {
			m = (struct msg){ MSG_INFO(ECHO_CLEAN, 0), { 0 }, 0 };
			bad += sys_call(ep, &m) != E_OK;
		}
		m = (struct msg){ info, { 0, 1, 2, 3 }, 0 };
		uint32_t t0 = ccnt();
		int err = sys_call(ep, &m);
		uint32_t t1 = ccnt();
		bad += err != E_OK || MSG_LEN(m.info) != rlen || MSG_LABEL(m.info) != label;
		if (i >= 0)
			samples[i] = (c->way == CALL_WAY    ? m.mr[0] - t0
				      : c->way == REPLY_WAY ? t1 - m.mr[1]
							    : t1 - t0) -
				     overhead;
	}
	b->cap_send = 0;
	if (bad)
		bench_fail(name, "a call failed or came back wrong");
	snprintf(params, sizeof(params),
		 "{\"op\": \"%s\", \"space\": \"%s\", \"words\": %u, \"reply_words\": %u, "
		 "\"cap\": %d, \"message\": \"%s\"}",
		 c->op, space, words, rlen, c->cap,
		 words <= MSG_REG_WORDS ? "registers" : "registers + IPC buffer");
	report(name, SAMPLES, params);
}

// Moves the echo server on ep to CPU `cpu`; whether it went.
static int echo_move(uint32_t ep, uint32_t cpu, const char *space)
{
	struct msg m = { MSG_INFO(ECHO_MOVE, 1), { cpu }, 0 };
	int err = sys_call(ep, &m);

	if (err == E_OK && m.mr[0] == E_OK)
		return 1;
	bench_fail(space, err != E_OK ? hmk_strerror(err) : hmk_strerror((int)m.mr[0]));
	return 0;
}

// Every IPC case against the echo server on ep.
static void ipc_cases_on(uint32_t ep, const char *space)
{
	static const struct ipc_case headline = { 0, ROUND_TRIP, 0, "call + reply (echo)" };
	char name[48];
	struct msg m = { MSG_INFO(ECHO_PLAIN, 0), { 0 }, 0 };

	// One call first: the server may not be waiting yet.
	if (sys_call(ep, &m) != E_OK) {
		bench_fail(space, "the echo server does not answer");
		return;
	}
	// The README's headline round trips: 1 word (fastpath), 5 (general path).
	snprintf(name, sizeof(name), "ipc_rt_fast_%s", space);
	ipc_case(name, ep, &headline, 1, space);
	snprintf(name, sizeof(name), "ipc_rt_slow_%s", space);
	ipc_case(name, ep, &headline, MSG_REG_WORDS + 1, space);
	// Several CPUs: the server on CPU 1, this thread on CPU 0 (the general
	// path: the fastpath takes a partner on its own CPU only), then back.
	if (console_cpus(SLOT_CONSOLE) > 1 && echo_move(ep, 1, space)) {
		snprintf(name, sizeof(name), "ipc_rt_xcpu_%s", space);
		ipc_case(name, ep, &headline, 1, space);
		echo_move(ep, 0, space);
	}
	for (unsigned c = 0; c < sizeof(ipc_cases) / sizeof(ipc_cases[0]); c++)
		for (unsigned w = 0; w < sizeof(ipc_words) / sizeof(ipc_words[0]); w++) {
			snprintf(name, sizeof(name), ipc_cases[c].family, space, ipc_words[w]);
			ipc_case(name, ep, &ipc_cases[c], ipc_words[w], space);
		}
	m = (struct msg){ MSG_INFO(ECHO_QUIT, 0), { 0 }, 0 };
	sys_call(ep, &m);
}

static void intra_as(void)
{
	static struct echo e;
	struct user_thread t;
	int err;

	e = (struct echo){ new_object(CAP_ENDPOINT), pool_alloc(), 0 };
	if (!e.ep || !e.pool) {
		bench_fail("ipc intraas", "no endpoint or no free slots");
		return;
	}
	if ((err = thread_spawn(&t, echo_thread, (uint32_t)&e, 2, bench_prio, 0)) != E_OK) {
		bench_fail("ipc intraas", hmk_strerror(err));
		return;
	}
	e.self = t.slot; // read at its first ECHO_MOVE, after this
	ipc_cases_on(e.ep, "intraas");
	thread_destroy(&t);
	delete_object(e.ep);
}

// Asks init to start this program again as the echo server, with our
// endpoint as its gift: the server then runs in another address space.
static void inter_as(void)
{
	uint32_t ep = new_object(CAP_ENDPOINT), child;
	int err, status;

	if (!ep || (err = init_spawn("bench", ECHO_ARG, ep, &child)) != E_OK) {
		bench_fail("ipc interas", ep ? hmk_strerror(err) : "no endpoint");
		return;
	}
	ipc_cases_on(ep, "interas");
	if ((err = init_wait(child, &status)) != E_OK || status != E_OK)
		bench_fail("ipc interas", "the echo server did not end well");
	delete_object(ep);
}

void ipc_benches(void)
{
	intra_as();
	inter_as();
}

// --- notifications and thread switches ---------------------------------------
static volatile uint32_t stamp; // the counter when the signal or the yield went
static uint32_t wake_notify, wake_signal, done_notify;

// Waits on wake_notify for good, taking the time from each signal to here
// into samples[] (the first WARMUP untimed).
static void waiter_thread(uint32_t arg)
{
	struct msg m = { 0 };

	(void)arg;
	for (int i = -WARMUP; sys_recv(wake_notify, &m) == E_OK; i++) {
		uint32_t now = ccnt();
		if (i >= 0 && i < SAMPLES)
			samples[i] = now - stamp - overhead;
	}
}

// Signals wake_signal (WARMUP + SAMPLES times), each time preempted by the
// waiter, then done_notify. It runs below the waiter's priority (a thread
// may not create one above its own), the program's first thread waits.
static void signaller_thread(uint32_t arg)
{
	struct msg m;

	(void)arg;
	for (int i = -WARMUP; i < SAMPLES; i++) {
		m = (struct msg){ 0 };
		stamp = ccnt();
		sys_nbsend(wake_signal, &m);
	}
	m = (struct msg){ 0 };
	sys_nbsend(done_notify, &m);
	thread_exit();
}

// Yields back and forth with the program's first thread, taking the time
// from the first thread's yield to here into samples[].
static void yielder_thread(uint32_t arg)
{
	(void)arg;
	for (int i = -WARMUP; i < SAMPLES; i++) {
		sys_yield();
		uint32_t now = ccnt();
		if (i >= 0)
			samples[i] = now - stamp - overhead;
	}
	thread_exit();
}

void notify_benches(void)
{
	uint32_t done_sig;
	struct user_thread w, s;
	struct msg m;
	int err;

	wake_notify = new_notify(&wake_signal);
	done_notify = new_notify(&done_sig);
	if (!wake_notify || !done_notify) {
		bench_fail("notify", "no notification");
		return;
	}
	BENCH_N("notify_signal", SAMPLES, WARMUP, "{\"op\": \"signal, nobody waiting\"}",
		(m = (struct msg){ 0 }, err = sys_nbsend(wake_signal, &m)), err == E_OK);
	// The wait alone, on a word signalled just before (untimed).
	err = E_OK;
	for (int i = -WARMUP; i < SAMPLES; i++) {
		m = (struct msg){ 0 };
		err |= sys_nbsend(wake_signal, &m);
		uint32_t t0 = ccnt();
		err |= sys_recv(wake_notify, &m);
		uint32_t t1 = ccnt();
		err |= m.badge != 1;
		if (i >= 0)
			samples[i] = t1 - t0 - overhead;
	}
	if (err)
		bench_fail("notify_wait_pending", "a signal or a wait failed");
	report("notify_wait_pending", SAMPLES,
	       "{\"op\": \"wait on a notification signalled before: returns at once\"}");

	// Waiter at our priority, signaller below it; we wait for the end.
	if ((err = thread_spawn(&w, waiter_thread, 0, 1, bench_prio, 0)) ||
	    (err = thread_spawn(&s, signaller_thread, 0, 1, bench_prio - 1, 0)) ||
	    (err = sys_recv(done_notify, &m))) {
		bench_fail("notify_wake_intraas", hmk_strerror(err));
		return;
	}
	report("notify_wake_intraas", SAMPLES,
	       "{\"op\": \"signal until the waiting thread (same space, higher priority) "
	       "runs\"}");
	thread_destroy(&s);
	thread_destroy(&w);

	// Two threads of one space at one priority, yielding to each other.
	if ((err = thread_spawn(&w, yielder_thread, 0, 1, bench_prio, 0))) {
		bench_fail("ctxsw_yield_intraas", hmk_strerror(err));
		return;
	}
	for (int i = -WARMUP; i <= SAMPLES; i++) {
		stamp = ccnt();
		sys_yield();
	}
	report("ctxsw_yield_intraas", SAMPLES,
	       "{\"op\": \"yield until the other thread of the space (same priority) runs\"}");
	thread_destroy(&w);
	delete_object(done_sig);
	delete_object(done_notify);
	delete_object(wake_signal);
	delete_object(wake_notify);
}
