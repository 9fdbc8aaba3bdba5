// Typed wrappers for the kernel's invocations (abi.h's enum hmk_invocation):
// one function per label, named after it, taking its arguments by name and
// returning the kernel's error (E_OK or an enum hmk_err). Results go to the
// out pointers, each of which may be NULL. Static inline, so a hot path
// (memsrv's request handlers, the benchmarks) costs what a bare hmk_invoke
// does. Any thread, any time. space_create and slot_delete (user.h) add the
// slot allocator to SPACE_CREATE and SPACE_DELETE.
//
// Code that must send a malformed invocation on purpose (the fuzzer, tests
// of the kernel's checks) calls hmk_invoke itself.
#pragma once

#include "abi/syscall.h"

// --- any capability ---------------------------------------------------------

// Invocation `label` of cap with `n` (0 or 1) argument words, arg: its
// answer's MR0..MR2 into *r0..*r2 (each may be NULL), on E_OK.
static inline int invoke_out3(uint32_t cap, uint32_t label, uint32_t n, uint32_t arg, uint32_t *r0,
			      uint32_t *r1, uint32_t *r2)
{
	struct msg m;
	int err = hmk_invoke(cap, label, n, arg, 0, 0, 0, &m);

	if (err == E_OK && r0)
		*r0 = m.mr[0];
	if (err == E_OK && r1)
		*r1 = m.mr[1];
	if (err == E_OK && r2)
		*r2 = m.mr[2];
	return err;
}

// INV_IDENTIFY: the type, rights and badge of the capability in slot cap.
static inline int inv_identify(uint32_t cap, uint32_t *type, uint32_t *rights, uint32_t *badge)
{
	return invoke_out3(cap, INV_IDENTIFY, 0, 0, type, rights, badge);
}

// INV_DESTROY: the object cap names dies (not an endpoint: a call on it is IPC).
static inline int inv_destroy(uint32_t cap)
{
	struct msg m;
	return hmk_invoke(cap, INV_DESTROY, 0, 0, 0, 0, 0, &m);
}

// INV_WATCH: when cap's object dies, the kernel signals badge on notification notify.
static inline int inv_watch(uint32_t cap, uint32_t notify, uint32_t badge)
{
	struct msg m;
	return hmk_invoke(cap, INV_WATCH, 2, notify, badge, 0, 0, &m);
}

// --- CAP_SPACE --------------------------------------------------------------

// SPACE_CREATE: a new object of type (arg: quota pages for CAP_SPACE, else 0)
// in the caller's slot dest, charged to space.
static inline int space_create_at(uint32_t space, uint32_t type, uint32_t dest, uint32_t arg)
{
	struct msg m;
	return hmk_invoke(space, SPACE_CREATE, 3, type, dest, arg, 0, &m);
}

// SPACE_MINT: a copy of the caller's slot src in space's slot dest, with
// only `rights` and, when src has none, badge.
static inline int space_mint(uint32_t space, uint32_t dest, uint32_t src, uint32_t rights,
			     uint32_t badge)
{
	struct msg m;
	return hmk_invoke(space, SPACE_MINT, 4, dest, src, rights, badge, &m);
}

// SPACE_DELETE: empties space's slot (the object lives on while other
// capabilities name it).
static inline int space_delete(uint32_t space, uint32_t slot)
{
	struct msg m;
	return hmk_invoke(space, SPACE_DELETE, 1, slot, 0, 0, 0, &m);
}

// SPACE_MAP: npages frames of range from page off at va in space, PROT_* prot.
static inline int space_map(uint32_t space, uint32_t range, uint32_t off, uint32_t va,
			    uint32_t npages, uint32_t prot)
{
	struct msg m;
	return hmk_invoke(space, SPACE_MAP, 4, range, off, va, map_word(npages, prot), &m);
}

// SPACE_UNMAP: npages pages from va in space.
static inline int space_unmap(uint32_t space, uint32_t va, uint32_t npages)
{
	struct msg m;
	return hmk_invoke(space, SPACE_UNMAP, 2, va, npages, 0, 0, &m);
}

// SPACE_INFO: space's quota and used pages, and its ASID.
static inline int space_info(uint32_t space, uint32_t *quota, uint32_t *used, uint32_t *asid)
{
	struct msg m;
	int err = hmk_invoke(space, SPACE_INFO, 0, 0, 0, 0, 0, &m);

	if (err == E_OK && quota)
		*quota = m.mr[0];
	if (err == E_OK && used)
		*used = m.mr[1];
	if (err == E_OK && asid)
		*asid = m.mr[2];
	return err;
}

// SPACE_IDENTIFY: inv_identify of space's slot, without calling it.
static inline int space_identify(uint32_t space, uint32_t slot, uint32_t *type, uint32_t *rights,
				 uint32_t *badge)
{
	return invoke_out3(space, SPACE_IDENTIFY, 1, slot, type, rights, badge);
}

// SPACE_DESTROY: inv_destroy of the object in space's slot (endpoints too).
static inline int space_destroy(uint32_t space, uint32_t slot)
{
	struct msg m;
	return hmk_invoke(space, SPACE_DESTROY, 1, slot, 0, 0, 0, &m);
}

// --- CAP_THREAD -------------------------------------------------------------

// THREAD_CONFIGURE: thread runs in space, IPC buffer at ipcbuf_va, faults to
// fault_ep (0: none), at priority prio.
static inline int thread_configure(uint32_t thread, uint32_t space, uint32_t ipcbuf_va,
				   uint32_t fault_ep, uint32_t prio)
{
	struct msg m;
	return hmk_invoke(thread, THREAD_CONFIGURE, 4, space, ipcbuf_va, fault_ep, prio, &m);
}

// THREAD_WRITE_REGS: a stopped thread's pc, sp, r0 and r1.
static inline int thread_write_regs(uint32_t thread, uint32_t pc, uint32_t sp, uint32_t r0,
				    uint32_t r1)
{
	struct msg m;
	return hmk_invoke(thread, THREAD_WRITE_REGS, 4, pc, sp, r0, r1, &m);
}

// THREAD_RESUME: starts or resumes a configured, stopped thread.
static inline int thread_resume(uint32_t thread)
{
	struct msg m;
	return hmk_invoke(thread, THREAD_RESUME, 0, 0, 0, 0, 0, &m);
}

// THREAD_SUSPEND: stops thread wherever it is.
static inline int thread_suspend(uint32_t thread)
{
	struct msg m;
	return hmk_invoke(thread, THREAD_SUSPEND, 0, 0, 0, 0, 0, &m);
}

// THREAD_SET_PRIO: thread's priority, at most the caller's own.
static inline int thread_set_prio(uint32_t thread, uint32_t prio)
{
	struct msg m;
	return hmk_invoke(thread, THREAD_SET_PRIO, 1, prio, 0, 0, 0, &m);
}

// THREAD_INFO: thread's state (enum thread_state), priority and fault count.
static inline int thread_info(uint32_t thread, uint32_t *state, uint32_t *prio, uint32_t *faults)
{
	struct msg m;
	int err = hmk_invoke(thread, THREAD_INFO, 0, 0, 0, 0, 0, &m);

	if (err == E_OK && state)
		*state = m.mr[0];
	if (err == E_OK && prio)
		*prio = m.mr[1];
	if (err == E_OK && faults)
		*faults = m.mr[2];
	return err;
}

// THREAD_SET_CPU: thread runs on CPU `cpu` from now on (E_INVAL: not
// online; E_BUSY: pinned, or holding kmap_local or kmap_atomic mappings,
// on another CPU).
static inline int thread_set_cpu(uint32_t thread, uint32_t cpu)
{
	struct msg m;
	return hmk_invoke(thread, THREAD_SET_CPU, 1, cpu, 0, 0, 0, &m);
}

// THREAD_BIND_NOTIFY: a signal on notify (0: unbind) ends thread's recv.
static inline int thread_bind_notify(uint32_t thread, uint32_t notify)
{
	struct msg m;
	return hmk_invoke(thread, THREAD_BIND_NOTIFY, 1, notify, 0, 0, 0, &m);
}

// THREAD_ATOMIC(1, win, first, count): pins thread; on an overrun the kernel
// clears window win's slots [first, first + count).
static inline int thread_atomic_pin(uint32_t thread, uint32_t win, uint32_t first, uint32_t count)
{
	struct msg m;
	return hmk_invoke(thread, THREAD_ATOMIC, 4, 1, win, first, count, &m);
}

// THREAD_ATOMIC(on) with on 0 (unpin) or ATOMIC_QUERY: *pinned (when not
// NULL) is 1 when the thread was pinned.
static inline int thread_atomic(uint32_t thread, uint32_t on, uint32_t *pinned)
{
	struct msg m;
	int err = hmk_invoke(thread, THREAD_ATOMIC, 1, on, 0, 0, 0, &m);

	if (err == E_OK && pinned)
		*pinned = m.mr[0];
	return err;
}

// --- CAP_RANGE --------------------------------------------------------------

// RANGE_INFO: range's physical base and size in pages.
static inline int range_info(uint32_t range, uint64_t *base, uint32_t *npages)
{
	struct msg m;
	int err = hmk_invoke(range, RANGE_INFO, 0, 0, 0, 0, 0, &m);

	if (err == E_OK && base)
		*base = (uint64_t)m.mr[1] << 32 | m.mr[0];
	if (err == E_OK && npages)
		*npages = m.mr[2];
	return err;
}

// RANGE_SPLIT: range keeps pages [0, off), the caller's slot dest gets the rest.
static inline int range_split(uint32_t range, uint32_t off, uint32_t dest)
{
	struct msg m;
	return hmk_invoke(range, RANGE_SPLIT, 2, off, dest, 0, 0, &m);
}

// RANGE_DERIVE: a range of the same pages with `rights` in space's slot
// dest, which dies with that space.
static inline int range_derive(uint32_t range, uint32_t space, uint32_t dest, uint32_t rights)
{
	struct msg m;
	return hmk_invoke(range, RANGE_DERIVE, 3, space, dest, rights, 0, &m);
}

// --- CAP_IRQCTL, CAP_IRQ, CAP_NOTIFY, CAP_REPLY -----------------------------

// IRQCTL_BIND: interrupt irq signals notify; its CAP_IRQ lands in slot dest.
static inline int irqctl_bind(uint32_t irqctl, uint32_t irq, uint32_t notify, uint32_t dest)
{
	struct msg m;
	return hmk_invoke(irqctl, IRQCTL_BIND, 3, irq, notify, dest, 0, &m);
}

// IRQ_ACK: unmasks the interrupt after handling it.
static inline int irq_ack(uint32_t irq)
{
	struct msg m;
	return hmk_invoke(irq, IRQ_ACK, 0, 0, 0, 0, 0, &m);
}

// NOTIFY_POLL: *word (when not NULL) = notify's word, which is cleared. Never blocks.
static inline int notify_poll(uint32_t notify, uint32_t *word)
{
	struct msg m;
	int err = hmk_invoke(notify, NOTIFY_POLL, 0, 0, 0, 0, 0, &m);

	if (err == E_OK && word)
		*word = m.mr[0];
	return err;
}

// REPLY_SAVE: moves the caller's pending caller into reply object reply.
static inline int reply_save(uint32_t reply)
{
	struct msg m;
	return hmk_invoke(reply, REPLY_SAVE, 0, 0, 0, 0, 0, &m);
}

// --- CAP_CONSOLE ------------------------------------------------------------

// CONSOLE_POWEROFF: powers the machine off (returns only on failure).
static inline int console_poweroff(uint32_t console)
{
	struct msg m;
	return hmk_invoke(console, CONSOLE_POWEROFF, 0, 0, 0, 0, 0, &m);
}

// CONSOLE_STATS: LOWMEM the kernel holds (KiB), free LOWMEM frames, ticks since boot.
static inline int console_stats(uint32_t console, uint32_t *lowmem_kib, uint32_t *free_frames,
				uint32_t *ticks)
{
	return invoke_out3(console, CONSOLE_STATS, 0, 0, lowmem_kib, free_frames, ticks);
}

// CONSOLE_STATS's count of CPUs online (THREAD_SET_CPU takes 0 to it - 1), 0 on error.
static inline uint32_t console_cpus(uint32_t console)
{
	struct msg m;
	return hmk_invoke(console, CONSOLE_STATS, 0, 0, 0, 0, 0, &m) == E_OK ? m.mr[3] : 0;
}

// CONSOLE_CPU_STATS: what CPU cpu took since it came up: timer ticks,
// reschedule SGIs, idle sleeps (each pointer may be NULL).
static inline int console_cpu_stats(uint32_t console, uint32_t cpu, uint32_t *ticks, uint32_t *sgis,
				    uint32_t *sleeps)
{
	return invoke_out3(console, CONSOLE_CPU_STATS, 1, cpu, ticks, sgis, sleeps);
}

// CONSOLE_PMU: on = 1 lets space's threads use the performance monitors, 0 takes it back.
static inline int console_pmu(uint32_t console, uint32_t space, uint32_t on)
{
	struct msg m;
	return hmk_invoke(console, CONSOLE_PMU, 2, space, on, 0, 0, &m);
}

// --- CAP_WINDOW -------------------------------------------------------------

// WINDOW_BIND: installs win at va (2 MiB aligned) for thread or space
// `target`, as kind (WIN_THREAD or WIN_SPACE).
static inline int window_bind(uint32_t win, uint32_t kind, uint32_t target, uint32_t va)
{
	struct msg m;
	return hmk_invoke(win, WINDOW_BIND, 3, kind, target, va, 0, &m);
}

// WINDOW_MAP: win's slots [first, first + npages) = range's frames from
// page off, PROT_* prot.
static inline int window_map(uint32_t win, uint32_t first, uint32_t range, uint32_t off,
			     uint32_t npages, uint32_t prot)
{
	struct msg m;
	return hmk_invoke(win, WINDOW_MAP, 4, first, range, off, map_word(npages, prot), &m);
}

// WINDOW_CLEAR: empties win's slots [first, first + count).
static inline int window_clear(uint32_t win, uint32_t first, uint32_t count)
{
	struct msg m;
	return hmk_invoke(win, WINDOW_CLEAR, 3, first, count, 0, 0, &m);
}

// WINDOW_INFO: win's kind, va, the spaces it is bound in and its slots in use.
static inline int window_info(uint32_t win, uint32_t *kind, uint32_t *va, uint32_t *spaces,
			      uint32_t *used)
{
	struct msg m;
	int err = hmk_invoke(win, WINDOW_INFO, 0, 0, 0, 0, 0, &m);

	if (err == E_OK && kind)
		*kind = m.mr[0];
	if (err == E_OK && va)
		*va = m.mr[1];
	if (err == E_OK && spaces)
		*spaces = m.mr[2];
	if (err == E_OK && used)
		*used = m.mr[3];
	return err;
}
