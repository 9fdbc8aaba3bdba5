// User-side system call stubs: one inline `svc #0` per call, with the
// registers of abi.h. Built for the target only (ARM state).
#pragma once

#include "abi/abi.h"

// A message as it travels in registers: info, MR0..MR3, and the badge the
// receiver learns.
struct msg {
	uint32_t info;
	uint32_t mr[MSG_REG_WORDS];
	uint32_t badge;
};

// The one system call shape: r0 = cap, r1 = info, r2..r5 = MR0..MR3, r7 =
// number; returns r0 (error) and leaves info, MRs and badge in *m.
static inline int hmk_syscall(uint32_t nr, uint32_t cap, struct msg *m)
{
	register uint32_t r0 __asm__("r0") = cap;
	register uint32_t r1 __asm__("r1") = m->info;
	register uint32_t r2 __asm__("r2") = m->mr[0];
	register uint32_t r3 __asm__("r3") = m->mr[1];
	register uint32_t r4 __asm__("r4") = m->mr[2];
	register uint32_t r5 __asm__("r5") = m->mr[3];
	register uint32_t r6 __asm__("r6");
	register uint32_t r7 __asm__("r7") = nr;

	__asm__ volatile("svc #0"
			 : "+r"(r0), "+r"(r1), "+r"(r2), "+r"(r3), "+r"(r4), "+r"(r5), "=r"(r6)
			 : "r"(r7)
			 : "memory");
	m->info = r1;
	m->mr[0] = r2;
	m->mr[1] = r3;
	m->mr[2] = r4;
	m->mr[3] = r5;
	m->badge = r6;
	return (int)r0;
}

// SYS_CALL with one word, all in registers: r0 = cap, r1 = info, r2 = arg;
// returns r0 (error) with the reply's info in *out_info and MR0 in *out_mr0
// (only registers, nothing through memory: the shortest call, for hot paths).
static inline int hmk_call1(uint32_t cap, uint32_t info, uint32_t arg, uint32_t *out_info,
			    uint32_t *out_mr0)
{
	register uint32_t r0 __asm__("r0") = cap;
	register uint32_t r1 __asm__("r1") = info;
	register uint32_t r2 __asm__("r2") = arg;
	register uint32_t r7 __asm__("r7") = SYS_CALL;

	__asm__ volatile("svc #0"
			 : "+r"(r0), "+r"(r1), "+r"(r2)
			 : "r"(r7)
			 : "r3", "r4", "r5", "r6", "memory");
	*out_info = r1;
	*out_mr0 = r2;
	return (int)r0;
}

// The same with two words (MR0 = a0, MR1 = a1).
static inline int hmk_call2(uint32_t cap, uint32_t info, uint32_t a0, uint32_t a1,
			    uint32_t *out_info, uint32_t *out_mr0)
{
	register uint32_t r0 __asm__("r0") = cap;
	register uint32_t r1 __asm__("r1") = info;
	register uint32_t r2 __asm__("r2") = a0;
	register uint32_t r3 __asm__("r3") = a1;
	register uint32_t r7 __asm__("r7") = SYS_CALL;

	__asm__ volatile("svc #0"
			 : "+r"(r0), "+r"(r1), "+r"(r2), "+r"(r3)
			 : "r"(r7)
			 : "r4", "r5", "r6", "memory");
	*out_info = r1;
	*out_mr0 = r2;
	return (int)r0;
}

static inline int sys_call(uint32_t cap, struct msg *m)
{
	return hmk_syscall(SYS_CALL, cap, m);
}
static inline int sys_reply_recv(uint32_t ep, struct msg *m)
{
	return hmk_syscall(SYS_REPLY_RECV, ep, m);
}
static inline int sys_send(uint32_t cap, struct msg *m)
{
	return hmk_syscall(SYS_SEND, cap, m);
}
static inline int sys_nbsend(uint32_t cap, struct msg *m)
{
	return hmk_syscall(SYS_NBSEND, cap, m);
}
static inline int sys_recv(uint32_t cap, struct msg *m)
{
	return hmk_syscall(SYS_RECV, cap, m);
}
static inline int sys_nbrecv(uint32_t cap, struct msg *m)
{
	return hmk_syscall(SYS_NBRECV, cap, m);
}
static inline int sys_reply(struct msg *m)
{
	return hmk_syscall(SYS_REPLY, 0, m);
}

static inline int sys_yield(void)
{
	struct msg m = { 0 };
	return hmk_syscall(SYS_YIELD, 0, &m);
}

static inline int sys_null(void)
{
	struct msg m = { 0 };
	return hmk_syscall(SYS_NULL, 0, &m);
}

// An invocation with up to four register arguments; results in m->mr.
static inline int hmk_invoke(uint32_t cap, uint32_t label, uint32_t nargs, uint32_t a0, uint32_t a1,
			     uint32_t a2, uint32_t a3, struct msg *m)
{
	m->info = MSG_INFO(label, nargs);
	m->mr[0] = a0;
	m->mr[1] = a1;
	m->mr[2] = a2;
	m->mr[3] = a3;
	return sys_call(cap, m);
}
