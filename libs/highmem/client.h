// Inside the highmem library: how a request reaches memsrv.
#pragma once

#include <stdint.h>

#include "abi/memsrv.h"
#include "user.h"

// Sends request `label` with words w[0..n) (n <= MSG_MAX_WORDS; MR4.. go
// through the IPC buffer) to memsrv, registering the program and the
// calling thread first when they are not yet. On E_OK, *r holds the reply
// (MR0..MR3; MR4.. are in user_ipcbuf()). Returns the kernel's error of the
// call, else memsrv's answer (the reply's label).
int ms_request(uint32_t label, const uint32_t *w, uint32_t n, struct msg *r);

// The same for a request of one word answered by one word (*out, when not
// NULL), by the shortest way once the thread is registered: the hot path
// of kmap_local and the like.
int ms_request1(uint32_t label, uint32_t arg, uint32_t *out);

// The client id memsrv gave at MS_HELLO, 0 before.
uint32_t ms_client_id(void);
