// Registration with memsrv and the call every request goes through.
//
// The program registers once (MS_HELLO with a copy of its space capability),
// each thread once more (MS_THREAD_HELLO with a copy of its thread
// capability), lazily, at its first request. Both copies carry RIGHT_WRITE
// (memsrv binds windows with it) and RIGHT_READ (it watches them die,
// INV_WATCH), nothing more. When memsrv answers
// MS_THREAD_HELLO with a capability (an endpoint badged for that thread),
// the thread's later requests go there; otherwise through SLOT_MEMSRV.
#include "client.h"

enum { PROG_NONE, PROG_BUSY, PROG_DONE };

static uint32_t client_id;
static int prog_state;           // PROG_*: atomic, so that two first threads register once
static __thread int thread_done; // this thread sent MS_THREAD_HELLO

// One call on ep: sends capability `cap` when not 0, takes one into slot
// `recv` when not 0. Returns the kernel's error, else the reply's label.
static int call(uint32_t ep, struct msg *m, uint32_t cap, uint32_t recv)
{
	struct ipc_buffer *ipc = user_ipcbuf();
	uint32_t old_recv = ipc->cap_recv;
	int err;

	if (cap) {
		ipc->cap_send = cap;
		m->info |= MSG_CAP;
	}
	ipc->cap_recv = recv;
	err = sys_call(ep, m);
	ipc->cap_recv = old_recv;
	return err ? err : (int)MSG_LABEL(m->info);
}

// A new slot holding a copy of own capability `src` with only RIGHT_READ
// and RIGHT_WRITE; 0 when no slot is free or the kernel refuses.
static uint32_t mint_for_memsrv(uint32_t src)
{
	uint32_t slot;

	slot_mint(user_env.space, src, RIGHT_READ | RIGHT_WRITE, 0, &slot);
	return slot;
}

// MS_HELLO with the own space. Returns E_OK or the error.
static int program_hello(void)
{
	uint32_t space = mint_for_memsrv(user_env.space);
	struct msg m = { .info = MSG_INFO(MS_HELLO, 0) };
	int err;

	if (!space)
		return E_NOSLOT;
	err = call(SLOT_MEMSRV, &m, space, 0);
	slot_delete(user_env.space, space);
	if (err == E_OK)
		client_id = m.mr[0];
	return err;
}

// The program registers once; a thread that finds another registering it
// waits for the outcome (and tries itself if that one failed).
static int program_register(void)
{
	for (;;) {
		int state = PROG_NONE, err;

		if (__atomic_load_n(&prog_state, __ATOMIC_ACQUIRE) == PROG_DONE)
			return E_OK;
		if (!__atomic_compare_exchange_n(&prog_state, &state, PROG_BUSY, 0,
						 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
			sys_yield();
			continue;
		}
		err = program_hello();
		__atomic_store_n(&prog_state, err ? PROG_NONE : PROG_DONE, __ATOMIC_RELEASE);
		return err;
	}
}

// MS_THREAD_HELLO with the calling thread, keeping the endpoint memsrv may
// give in reply (of its thread on CPU 0). Returns E_OK or the error.
static int thread_register(void)
{
	uint32_t thread = mint_for_memsrv(user_tcb()->thread_slot), recv = user_slot_alloc();
	struct msg m = { .info = MSG_INFO(MS_THREAD_HELLO, 0) };
	int err = E_NOSLOT;

	if (thread && recv)
		err = call(SLOT_MEMSRV, &m, thread, recv);
	if (thread)
		slot_delete(user_env.space, thread);
	if (recv && err == E_OK && (m.info & MSG_CAP))
		user_ipcbuf()->memsrv_ep[0] = recv;
	else if (recv && (m.info & MSG_CAP))
		slot_delete(user_env.space, recv); // a capability with an error: not ours to keep
	else if (recv)
		user_slot_free(recv);
	if (err == E_OK)
		thread_done = 1;
	return err;
}

// The calling thread's endpoint for the CPU it runs on, asked of memsrv
// (MS_ENDPOINT) through its first one when it has none yet for that CPU.
// memsrv's thread on CPU 0 stands in when memsrv has none there, or cannot
// answer; SLOT_MEMSRV when the thread has no endpoint at all.
static uint32_t cpu_endpoint(void)
{
	struct ipc_buffer *ipc = user_ipcbuf();
	uint32_t cpu = hmk_cpu() & (HMK_CPUS_MAX - 1), recv;
	struct msg m = { .info = MSG_INFO(MS_ENDPOINT, 1), .mr = { cpu } };

	if (ipc->memsrv_ep[cpu])
		return ipc->memsrv_ep[cpu];
	if (!ipc->memsrv_ep[0])
		return SLOT_MEMSRV;
	if ((recv = user_slot_alloc()) && call(ipc->memsrv_ep[0], &m, 0, recv) == E_OK &&
	    (m.info & MSG_CAP))
		return ipc->memsrv_ep[cpu] = recv;
	if (recv && (m.info & MSG_CAP))
		slot_delete(user_env.space, recv); // a capability with an error: not ours to keep
	else if (recv)
		user_slot_free(recv);
	return ipc->memsrv_ep[cpu] = ipc->memsrv_ep[0];
}

int ms_request(uint32_t label, const uint32_t *w, uint32_t n, struct msg *r)
{
	struct ipc_buffer *ipc;
	uint32_t ep;
	int err;

	if (n > MSG_MAX_WORDS)
		return E_INVAL;
	if (!thread_done && ((err = program_register()) || (err = thread_register())))
		return err;
	ep = cpu_endpoint();
	// Registration replies may have used the IPC buffer: fill it only now.
	ipc = user_ipcbuf();
	*r = (struct msg){ .info = MSG_INFO(label, n) };
	for (uint32_t i = 0; i < n; i++) {
		if (i < MSG_REG_WORDS)
			r->mr[i] = w[i];
		else
			ipc->mr[i] = w[i];
	}
	return call(ep, r, 0, 0);
}

uint32_t ms_client_id(void)
{
	return client_id;
}

// ms_request_regs's way before the thread has memsrv's endpoint:
// ms_request, which fills *r afresh, so the words go from a copy.
int ms_request_regs_slow(uint32_t label, uint32_t n, struct msg *r)
{
	uint32_t w[MSG_REG_WORDS];

	for (uint32_t i = 0; i < n; i++)
		w[i] = r->mr[i];
	return ms_request(label, w, n, r);
}

int ms_request2_slow(uint32_t label, uint32_t nargs, uint32_t a0, uint32_t a1, uint32_t *out)
{
	uint32_t w[2] = { a0, a1 };
	struct msg m;
	int err = ms_request(label, w, nargs, &m);

	if (!err && out)
		*out = m.mr[0];
	return err;
}
