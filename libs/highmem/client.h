// Inside the highmem library: how a request reaches memsrv.
#pragma once

#include <stdint.h>

#include "abi/memsrv.h"
#include "highmem.h"
#include "user.h"

// Sends request `label` with words w[0..n) (n <= MSG_MAX_WORDS; MR4.. go
// through the IPC buffer) to memsrv, registering the program and the
// calling thread first when they are not yet. On E_OK, *r holds the reply
// (MR0..MR3; MR4.. are in user_ipcbuf()). Returns the kernel's error of the
// call, else memsrv's answer (the reply's label).
int ms_request(uint32_t label, const uint32_t *w, uint32_t n, struct msg *r);

// The endpoint memsrv gave the calling thread for the CPU it runs on (its
// thread there: MS_ENDPOINT), or 0 when the thread has none for that CPU
// yet: ms_request gets it.
#define ms_thread_ep (user_ipcbuf()->memsrv_ep[hmk_cpu()])

// ms_request for up to two words answered by one word (*out, when not NULL).
int ms_request2_slow(uint32_t label, uint32_t nargs, uint32_t a0, uint32_t a1, uint32_t *out);

// The same by the shortest way once the thread is registered: one call in
// registers (the hot path of kmap_local and the like).
static inline int ms_request2(uint32_t label, uint32_t nargs, uint32_t a0, uint32_t a1,
			      uint32_t *out)
{
	uint32_t ep = ms_thread_ep;
	uint32_t info, mr0;
	int err;

	if (!ep)
		return ms_request2_slow(label, nargs, a0, a1, out);
	err = hmk_call2(ep, MSG_INFO(label, nargs), a0, a1, &info, &mr0);
	if (err)
		return err; // the kernel's error
	if (MSG_LABEL(info))
		return (int)MSG_LABEL(info); // memsrv's
	if (out)
		*out = mr0;
	return E_OK;
}

// The same for a request of n words (n <= MSG_REG_WORDS) in r->mr answered
// in registers only (r->mr): no registration, no IPC buffer, once the
// thread is registered.
int ms_request_regs_slow(uint32_t label, uint32_t n, struct msg *r);
static inline int ms_request_regs(uint32_t label, uint32_t n, struct msg *r)
{
	uint32_t ep = ms_thread_ep;
	int err;

	if (!ep)
		return ms_request_regs_slow(label, n, r);
	r->info = MSG_INFO(label, n);
	err = sys_call(ep, r);
	return err ? err : (int)MSG_LABEL(r->info);
}

// Records err for the caller (highmem_errno) and returns it.
static inline int hm_failed(int err)
{
	if (err)
		highmem_errno = err;
	return err;
}

// How many kmap_local mappings the calling thread holds (local.c).
uint32_t kmap_local_depth(void);

// The client id memsrv gave at MS_HELLO, 0 before.
uint32_t ms_client_id(void);
