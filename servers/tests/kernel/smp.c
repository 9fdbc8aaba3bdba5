// Several CPUs: a thread runs on the CPU THREAD_SET_CPU gives it, IPC works
// between CPUs, a thread killed from another CPU stops, and THREAD_SET_CPU's
// errors. The threads that run on CPU 1 live in a space of their own, whose
// mappings are all made before they run there (TLB maintenance is still
// per-CPU: a space changing mappings under another CPU is not safe yet).
// Their code is a few hand-assembled instructions (as lifetime.c's zombie).
// The tests that need a second CPU say so and are skipped on one.
#include "tests.h"

#define A_CODE_VA 0x00010000u
#define A_DATA_VA 0x00020000u
#define A_IPCBUF_VA 0x00030000u
#define A_EP_SLOT 2     // in the helper space: the echo server's endpoint
#define A_THREAD_SLOT 3 // in the helper space: the helper thread itself

// A few ARM instructions.
static uint32_t mov(unsigned rd, unsigned rm)
{
	return 0xe1a00000 | rd << 12 | rm;
}
static uint32_t mov_imm(unsigned rd, uint32_t imm8)
{
	return 0xe3a00000 | rd << 12 | imm8;
}
static uint32_t movw(unsigned rd, uint32_t v)
{
	return 0xe3000000 | (v >> 12 & 0xf) << 16 | rd << 12 | (v & 0xfff);
}
static uint32_t movt(unsigned rd, uint32_t v)
{
	return 0xe3400000 | (v >> 28 & 0xf) << 16 | rd << 12 | (v >> 16 & 0xfff);
}
static uint32_t add_imm(unsigned rd, unsigned rn, uint32_t imm8)
{
	return 0xe2800000 | rn << 16 | rd << 12 | imm8;
}
static uint32_t str(unsigned rt, unsigned rn, uint32_t off)
{
	return 0xe5800000 | rn << 16 | rt << 12 | off;
}
static uint32_t ldr(unsigned rt, unsigned rn, uint32_t off)
{
	return 0xe5900000 | rn << 16 | rt << 12 | off;
}
#define SVC 0xef000000u
// b from instruction `from` to instruction `to`
static uint32_t b(int from, int to)
{
	return 0xea000000 | ((uint32_t)(to - from - 2) & 0xffffff);
}

// Appends a THREAD_INFO call on the thread whose slot is in register
// `slot` (the CPU that ran it comes back in r5, MR3); the new length.
static unsigned info_call(uint32_t *c, unsigned n, unsigned slot)
{
	uint32_t info = MSG_INFO(THREAD_INFO, 0);

	c[n++] = mov(0, slot);
	c[n++] = movw(1, info);
	c[n++] = movt(1, info);
	c[n++] = mov_imm(7, SYS_CALL);
	c[n++] = SVC;
	return n;
}

// Appends data[0]++, data's address in register `base`; the new length.
static unsigned count_up(uint32_t *c, unsigned n, unsigned base)
{
	c[n++] = ldr(2, base, 0);
	c[n++] = add_imm(2, 2, 1);
	c[n++] = str(2, base, 0);
	return n;
}

// Helper (r0 = data va, r1 = its own thread slot): for ever, THREAD_INFO on
// itself, data[1] = the CPU that ran the call (MR3), data[0]++.
static unsigned counter_code(uint32_t *c)
{
	unsigned n = 0;
	c[n++] = mov(8, 0);
	c[n++] = mov(9, 1);
	n = info_call(c, n, 9); // 2: loop
	c[n++] = str(5, 8, 4);
	n = count_up(c, n, 8);
	c[n] = b((int)n, 2);
	return n + 1;
}

// Helper (r0 = data va, r1 = its own thread slot): one THREAD_INFO on
// itself, data[1] = the CPU that ran it, then for ever data[0]++, never
// entering the kernel again.
static unsigned once_code(uint32_t *c)
{
	unsigned n = 0;
	c[n++] = mov(8, 0);
	n = info_call(c, n, 1);
	c[n++] = str(5, 8, 4);
	unsigned loop = n;
	n = count_up(c, n, 8);
	c[n] = b((int)n, (int)loop);
	return n + 1;
}

// Helper (r0 = data va): for ever data[0]++, never entering the kernel.
static unsigned spin_code(uint32_t *c)
{
	unsigned n = count_up(c, 0, 0);
	c[n] = b((int)n, 0);
	return n + 1;
}

// Helper (r0 = endpoint slot, r1 = its own thread slot): receives, then for
// ever answers MR0 + 1 and, in MR1, the CPU that runs it (THREAD_INFO on
// itself), and receives the next.
static unsigned echo_code(uint32_t *c)
{
	unsigned n = 0;
	c[n++] = mov(8, 0);
	c[n++] = mov(9, 1);
	c[n++] = mov(0, 8);
	c[n++] = mov_imm(1, 0);
	c[n++] = mov_imm(7, SYS_RECV);
	c[n++] = SVC;
	c[n++] = mov(10, 2); // 6: loop
	n = info_call(c, n, 9);
	c[n++] = add_imm(2, 10, 1);
	c[n++] = mov(3, 5);
	c[n++] = mov_imm(1, MSG_INFO(0, 2));
	c[n++] = mov(0, 8);
	c[n++] = mov_imm(7, SYS_REPLY_RECV);
	c[n++] = SVC;
	c[n] = b((int)n, 6);
	return n + 1;
}

struct helper {
	uint32_t space, thread;  // slots of ours
	volatile uint32_t *data; // its data page, as we see it
};

// A new space with `code` at A_CODE_VA, a data page shared with us at
// A_DATA_VA, its thread (configured at `prio`, r0 = `r0`, r1 = its own slot,
// not started) and, when `ep`, that endpoint in its A_EP_SLOT.
static int helper_make(struct helper *h, unsigned (*code)(uint32_t *), uint32_t ep, uint32_t r0,
		       uint32_t prio)
{
	uint32_t crange, coff, drange, doff, va = scratch_va(1), dva = scratch_va(1), insn[32];
	unsigned n = code(insn);
	int e;

	if (!scratch_page(&crange, &coff) || !scratch_page(&drange, &doff))
		return E_NOMEM;
	if ((e = space_map(SLOT_SPACE, crange, coff, va, 1, PROT_READ | PROT_WRITE)))
		return e;
	for (unsigned i = 0; i < n; i++)
		((volatile uint32_t *)va)[i] = insn[i];
	if ((e = space_unmap(SLOT_SPACE, va, 1)) ||
	    (e = space_map(SLOT_SPACE, drange, doff, dva, 1, PROT_READ | PROT_WRITE)))
		return e;
	defer_unmap(dva, 1);
	h->data = (volatile uint32_t *)dva;
	h->data[0] = 0;
	h->data[1] = ~0u;
	if ((e = obj_new_in(SLOT_SPACE, CAP_SPACE, 8, &h->space)) ||
	    (e = space_map(h->space, crange, coff, A_CODE_VA, 1, PROT_READ | PROT_EXEC)) ||
	    (e = space_map(h->space, drange, doff, A_DATA_VA, 1, PROT_READ | PROT_WRITE)) ||
	    (e = obj_new_in(h->space, CAP_THREAD, 0, &h->thread)) ||
	    (e = space_mint(h->space, A_THREAD_SLOT, h->thread, RIGHTS_ALL, 0)) ||
	    (ep && (e = space_mint(h->space, A_EP_SLOT, ep, RIGHTS_ALL, 0))) ||
	    (e = thread_configure(h->thread, h->space, A_IPCBUF_VA, 0, prio)))
		return e;
	return thread_write_regs(h->thread, A_CODE_VA, 0, r0, A_THREAD_SLOT);
}

// Spins (no yield: this CPU runs nothing else meanwhile) until the helper's
// counter moves and it says it ran on `cpu` (ANY_CPU: a helper that does
// not say), for up to about a second: a vCPU is a host thread, which a
// loaded host may leave unrun for milliseconds.
#define ANY_CPU (~0u)
static int runs_on(const struct helper *h, uint32_t cpu)
{
	uint32_t v0 = h->data[0];
	uint64_t end = counter_now() + counter_freq();

	while (counter_now() < end)
		if (h->data[0] != v0 && h->data[0] != v0 + 1 &&
		    (cpu == ANY_CPU || h->data[1] == cpu))
			return 1;
	return 0;
}

// Spins for `ms` milliseconds of the generic timer, not yielding.
static void spin_ms(uint32_t ms)
{
	uint64_t end = counter_now() + (uint64_t)counter_freq() * ms / 1000;

	while (counter_now() < end)
		;
}

// THREAD_INFO's MR3: the CPU of a thread.
static uint32_t cpu_of(uint32_t thread)
{
	struct msg m;
	return hmk_invoke(thread, THREAD_INFO, 0, 0, 0, 0, 0, &m) == E_OK ? m.mr[3] : ~0u;
}

// A thread made ready here and then moved runs on CPU 1 while this one
// spins; moved back while it runs there, it leaves CPU 1 and runs here.
static const char *test_moved_thread_runs_there(void)
{
	struct helper h;

	NEEDS_2_CPUS();
	CHECK(cpu_of(SLOT_THREAD) == 0, "the suite runs on CPU %u", cpu_of(SLOT_THREAD));
	OK(helper_make(&h, counter_code, 0, A_DATA_VA, my_prio));
	CHECK(cpu_of(h.thread) == 0, "a new thread is on CPU %u, not its creator's",
	      cpu_of(h.thread));
	OK(thread_resume(h.thread)); // ready here, behind us
	OK(thread_set_cpu(h.thread, 1));
	CHECK(cpu_of(h.thread) == 1, "THREAD_INFO says CPU %u", cpu_of(h.thread));
	CHECK(runs_on(&h, 1), "the thread does not run on CPU 1 (counter %u, it says CPU %d)",
	      h.data[0], (int)h.data[1]);
	OK(thread_set_cpu(h.thread, 0)); // while it runs on CPU 1
	uint32_t v0 = h.data[0];
	for (int i = 0; i < WAIT_YIELDS && h.data[1] != 0; i++)
		sys_yield();
	CHECK(h.data[1] == 0, "moved back, it still says CPU %d", (int)h.data[1]);
	// Each of its rounds writes the CPU that ran it: never 1 again.
	uint64_t end = counter_now() + counter_freq() / 10;
	while (counter_now() < end) {
		sys_yield();
		CHECK(h.data[1] == 0, "moved back, it ran on CPU %d again", (int)h.data[1]);
	}
	CHECK(h.data[0] != v0, "moved back, it does not run on CPU 0");
	return 0;
}

// Calls from CPU 0 to a server on CPU 1 and its replies: each answers
// MR0 + 1, from CPU 1 (the fastpath does not take a partner on another CPU).
static const char *test_ipc_across_cpus(void)
{
	struct helper h;
	uint32_t ep = ep_new();

	NEEDS_2_CPUS();
	CHECK(ep, "no endpoint");
	OK(helper_make(&h, echo_code, ep, A_EP_SLOT, my_prio));
	OK(thread_set_cpu(h.thread, 1));
	OK(thread_resume(h.thread));
	for (uint32_t i = 0; i < 200; i++) {
		struct msg m = msg_make(1, 1, i, 0, 0, 0);
		OK(sys_call(ep, &m));
		CHECK(m.mr[0] == i + 1 && m.mr[1] == 1,
		      "call %u: answer %u from CPU %u, expected %u from CPU 1", i, m.mr[0], m.mr[1],
		      i + 1);
	}
	return 0;
}

// A thread spinning on CPU 1 without entering the kernel, destroyed from
// CPU 0, stops at once: CPU 1 has the SGI before the destroy returns, and
// takes it before it runs many more instructions of the thread. (Without
// the SGI it would go on until CPU 1's next tick, up to 10 ms.)
static const char *test_kill_across_cpus(void)
{
	struct helper h;
	uint32_t st = 0;

	NEEDS_2_CPUS();
	OK(helper_make(&h, spin_code, 0, A_DATA_VA, my_prio));
	OK(thread_set_cpu(h.thread, 1));
	OK(thread_resume(h.thread));
	CHECK(runs_on(&h, ANY_CPU), "the thread does not run on CPU 1");
	OK(inv_destroy(h.thread));
	uint32_t v0 = h.data[0];
	spin_ms(20);
	CHECK(h.data[0] - v0 < 1000, "the destroyed thread went on on CPU 1 (%u -> %u)", v0,
	      h.data[0]);
	int e = thread_info(h.thread, &st, 0, 0);
	CHECK(e == E_DEAD || (e == E_OK && st == TS_DEAD), "destroyed thread: %s, state %u",
	      hmk_strerror(e), st);
	return 0;
}

// The big lock kept through user mode (KLOCK_KEEP, cpu.h) goes on demand:
// a thread on CPU 1 enters the kernel once, while no other CPU wants the
// lock, and then spins in user mode for ever, so CPU 1 keeps it. The next
// system call here needs CPU 1 to let it go, which only the reschedule SGI
// it sends asks (CPU 1's ticks do not): 1000 calls finish, and CPU 1 goes
// on running its thread.
static const char *test_kept_lock_given_up(void)
{
	struct helper h;

	NEEDS_2_CPUS();
	OK(helper_make(&h, once_code, 0, A_DATA_VA, my_prio));
	OK(thread_set_cpu(h.thread, 1));
	OK(thread_resume(h.thread));
	CHECK(runs_on(&h, 1), "the thread does not run on CPU 1 (counter %u, it says CPU %d)",
	      h.data[0], (int)h.data[1]);
	for (int i = 0; i < 1000; i++)
		CHECK(cpu_of(SLOT_THREAD) == 0, "call %d: this thread is on CPU %u", i,
		      cpu_of(SLOT_THREAD));
	CHECK(runs_on(&h, 1), "CPU 1 no longer runs its thread");
	OK(inv_destroy(h.thread));
	return 0;
}

// Every CPU enters the kernel at once: a thread on each other CPU makes
// system calls for ever (counter_code) while this one makes them too, until
// each of those threads made 50 more and this one 50, for up to 20 s: the
// big lock passes between all of them and nobody starves. (The bound is
// loose: without -icount each vCPU is a host thread, and with more vCPUs
// than host CPUs a hand-over waits for the host to run the next holder.)
static const char *test_all_cpus_enter(void)
{
	uint32_t n = console_cpus(SLOT_CONSOLE), v[8], mine = 0, behind = 0;
	struct helper h[8];

	NEEDS_2_CPUS();
	for (uint32_t i = 1; i < n; i++) {
		OK(helper_make(&h[i], counter_code, 0, A_DATA_VA, my_prio));
		OK(thread_set_cpu(h[i].thread, i));
		OK(thread_resume(h[i].thread));
	}
	for (uint32_t i = 1; i < n; i++) {
		CHECK(runs_on(&h[i], i), "the thread for CPU %u does not run there", i);
		v[i] = h[i].data[0];
	}
	uint64_t end = counter_now() + 20 * (uint64_t)counter_freq();
	do {
		CHECK(cpu_of(SLOT_THREAD) == 0, "this thread left CPU 0");
		mine++;
		behind = 0;
		for (uint32_t i = 1; i < n; i++)
			behind += h[i].data[0] - v[i] < 50;
	} while ((behind || mine < 50) && counter_now() < end);
	for (uint32_t i = 1; i < n; i++)
		CHECK(h[i].data[0] - v[i] >= 50, "CPU %u made %u calls in 20 s, CPU 0 %u", i,
		      h[i].data[0] - v[i], mine);
	for (uint32_t i = 1; i < n; i++)
		OK(inv_destroy(h[i].thread));
	return 0;
}

// kmap_atomic's promise on several CPUs. Thread C counts up for ever on
// CPU 1; thread S shares CPU 1 with it (same priority, round robin) and is
// pinned from here (THREAD_ATOMIC, as memsrv's kmap_atomic reply pins). Once
// S runs, it spins 70 ms (7 ticks: longer than a time slice, within
// ATOMIC_LIMIT_TICKS) and unpins itself: C's count must not move meanwhile,
// while this CPU keeps entering the kernel (the big lock passes back and
// forth, CPU 1 takes its ticks). The space's pinned-time budget, which the
// tests before spent, is earned back first.
static volatile uint32_t atomic_count, atomic_pinned, atomic_stop;

static void atomic_counter(struct tthread *t)
{
	(void)t;
	while (!atomic_stop)
		atomic_count++;
}

static void atomic_spinner(struct tthread *t)
{
	while (!atomic_pinned)
		sys_yield(); // not pinned yet: C and S take turns
	uint32_t c0 = atomic_count;
	uint64_t end = counter_now() + counter_freq() * 7 / 100;
	uint32_t lasted = 0;
	while (counter_now() < end)
		;
	t->out[0] = atomic_count - c0;
	t->out[2] = (uint32_t)thread_atomic(t->slot, 0, &lasted);
	t->out[3] = lasted;
	t->out[1] = 1;
}

static const char *test_atomic_not_preempted(void)
{
	uint32_t w;
	int e;

	NEEDS_2_CPUS();
	spin_ms(ATOMIC_LIMIT_TICKS * ATOMIC_REFILL_TICKS * 10); // the budget back in full
	atomic_count = atomic_pinned = atomic_stop = 0;
	OK(obj_new_in(SLOT_SPACE, CAP_WINDOW, 0, &w));
	struct tthread *c = tt_start(atomic_counter, my_prio, 0, 0, &e);
	CHECK(c, "thread: %s", hmk_strerror(e));
	struct tthread *s = tt_start(atomic_spinner, my_prio, 0, 0, &e);
	CHECK(s, "thread: %s", hmk_strerror(e));
	OK(thread_set_cpu(c->slot, 1));
	OK(thread_set_cpu(s->slot, 1));
	OK(thread_atomic_pin(s->slot, w, 16, 1));
	atomic_pinned = 1;
	for (int i = 0; i < 100000 && !s->out[1]; i++)
		CHECK(cpu_of(SLOT_THREAD) == 0, "this thread left CPU 0");
	atomic_stop = 1;
	CHECK(s->out[1], "the pinned thread never finished");
	CHECK(s->out[0] == 0,
	      "the thread sharing CPU 1 ran %u increments while the other was pinned", s->out[0]);
	EXPECT((int)s->out[2], E_OK);
	CHECK(s->out[3], "the kernel ended the pin before the thread did (budget spent)");
	return 0;
}

// THREAD_SET_CPU's errors: a CPU past NR_CPUS or not online (E_INVAL), no
// RIGHT_MANAGE (E_PERM). Asked of a thread not started, which a wrong
// answer would not strand on a CPU that never runs it.
static const char *test_set_cpu_errors(void)
{
	uint32_t n = console_cpus(SLOT_CONSOLE), t, ro;
	struct msg m;

	CHECK(n >= 1 && n <= 8, "CONSOLE_STATS says %u CPUs online", n);
	OK(obj_new_in(SLOT_SPACE, CAP_THREAD, 0, &t));
	EXPECT(thread_set_cpu(t, 8), E_INVAL);
	EXPECT(thread_set_cpu(t, ~0u), E_INVAL);
	if (n < 8)
		EXPECT(thread_set_cpu(t, n), E_INVAL); // offline
	EXPECT(hmk_invoke(t, THREAD_SET_CPU, 0, 0, 0, 0, 0, &m), E_INVAL);
	OK(mint(t, RIGHT_READ | RIGHT_WRITE, 0, &ro));
	EXPECT(thread_set_cpu(ro, 0), E_PERM);
	OK(thread_set_cpu(t, n - 1));
	CHECK(cpu_of(t) == n - 1, "moved to CPU %u, THREAD_INFO says %u", n - 1, cpu_of(t));
	OK(thread_set_cpu(SLOT_THREAD, 0)); // where it is
	return 0;
}

// CONSOLE_CPU_STATS: E_INVAL without a CPU, past 8 and for the first CPU
// not online; CPU 0's ticks follow timer_ticks (CPU 0 counts them).
static const char *test_cpu_stats(void)
{
	uint32_t n = console_cpus(SLOT_CONSOLE), t0, t1;
	struct msg m;

	EXPECT(hmk_invoke(SLOT_CONSOLE, CONSOLE_CPU_STATS, 0, 0, 0, 0, 0, &m), E_INVAL);
	EXPECT(console_cpu_stats(SLOT_CONSOLE, 8, NULL, NULL, NULL), E_INVAL);
	EXPECT(console_cpu_stats(SLOT_CONSOLE, ~0u, NULL, NULL, NULL), E_INVAL);
	if (n < 8)
		EXPECT(console_cpu_stats(SLOT_CONSOLE, n, NULL, NULL, NULL), E_INVAL); // offline
	OK(console_cpu_stats(SLOT_CONSOLE, 0, &t0, NULL, NULL));
	tick_wait(3);
	OK(console_cpu_stats(SLOT_CONSOLE, 0, &t1, NULL, NULL));
	CHECK(t1 - t0 >= 3, "CPU 0 took %u ticks while timer_ticks went on by 3", t1 - t0);
	return 0;
}

// An idle CPU other than 0 takes no tick but the one at which it stops its
// timer (an SGI wakes it): CPU 1 takes none while CPU 0 takes 5, then
// takes ticks while a thread spins there, and none again once that thread
// is gone and it took the one that stops them (2 of CPU 0's later). The
// checks that it does take them are waits of up to 2 s: a vCPU is a host
// thread, which a loaded host may leave unrun for a while.
static const char *test_idle_cpu_tickless(void)
{
	struct helper h;
	uint32_t t0, t1, s0, s1;
	uint64_t end;

	NEEDS_2_CPUS();
	OK(console_cpu_stats(SLOT_CONSOLE, 1, &t0, NULL, &s0));
	tick_wait(5);
	OK(console_cpu_stats(SLOT_CONSOLE, 1, &t1, NULL, &s1));
	CHECK(t1 == t0, "idle CPU 1 took %u tick(s) while CPU 0 took 5 (it slept %u times)",
	      t1 - t0, s1 - s0);
	OK(helper_make(&h, spin_code, 0, A_DATA_VA, my_prio));
	OK(thread_set_cpu(h.thread, 1));
	OK(thread_resume(h.thread));
	CHECK(runs_on(&h, ANY_CPU), "the thread does not run on CPU 1");
	end = counter_now() + 2 * (uint64_t)counter_freq();
	while (t1 - t0 < 2 && counter_now() < end)
		OK(console_cpu_stats(SLOT_CONSOLE, 1, &t1, NULL, NULL));
	CHECK(t1 - t0 >= 2, "CPU 1 took %u tick(s) in 2 s while a thread spun there", t1 - t0);
	OK(console_cpu_stats(SLOT_CONSOLE, 1, NULL, NULL, &s0)); // busy: it does not sleep
	OK(inv_destroy(h.thread));
	end = counter_now() + 2 * (uint64_t)counter_freq();
	do // until it sleeps again (the destroy's SGI, then its idle loop)
		OK(console_cpu_stats(SLOT_CONSOLE, 1, NULL, NULL, &s1));
	while (s1 == s0 && counter_now() < end);
	CHECK(s1 != s0, "CPU 1 did not go idle in 2 s after its thread was destroyed");
	tick_wait(2);
	OK(console_cpu_stats(SLOT_CONSOLE, 1, &t0, NULL, NULL));
	tick_wait(5);
	OK(console_cpu_stats(SLOT_CONSOLE, 1, &t1, NULL, NULL));
	CHECK(t1 == t0, "CPU 1 took %u tick(s) idle again, after its thread was destroyed",
	      t1 - t0);
	return 0;
}

// A pinned thread (THREAD_ATOMIC) is not moved: the move waits (MR0 1)
// until it is unpinned. Asked again for the CPU it is on, it stays there:
// the waiting move is gone, and the ticks after the unpin leave it here.
static const char *test_set_cpu_pinned(void)
{
	uint32_t w;
	struct msg moved, stay;

	NEEDS_2_CPUS();
	OK(obj_new_in(SLOT_SPACE, CAP_WINDOW, 0, &w));
	OK(thread_atomic_pin(SLOT_THREAD, w, 16, 1)); // pinned: no yield, no wait until unpinned
	int e1 = hmk_invoke(SLOT_THREAD, THREAD_SET_CPU, 1, 1, 0, 0, 0, &moved);
	uint32_t on = hmk_cpu();
	int e2 = hmk_invoke(SLOT_THREAD, THREAD_SET_CPU, 1, 0, 0, 0, 0, &stay);
	OK(thread_atomic(SLOT_THREAD, 0, NULL));
	OK(e1);
	OK(e2);
	CHECK(moved.mr[0] == 1, "the move of a pinned thread does not wait (MR0 %u)", moved.mr[0]);
	CHECK(on == 0, "a pinned thread moved to CPU %u", on);
	CHECK(stay.mr[0] == 0, "a move where the thread is waits (MR0 %u)", stay.mr[0]);
	tick_wait(3);
	CHECK(hmk_cpu() == 0, "moved to CPU %u after all", hmk_cpu());
	return 0;
}

const struct test smp_tests[] = {
	{ test_cpu_stats, "CONSOLE_CPU_STATS: bad or offline CPU -> E_INVAL; CPU 0's ticks" },
	{ test_idle_cpu_tickless, "an idle CPU other than 0 takes no tick; busy, it does" },
	{ test_set_cpu_errors,
	  "THREAD_SET_CPU: offline or bad CPU -> E_INVAL, no right -> E_PERM" },
	{ test_set_cpu_pinned, "THREAD_SET_CPU: a pinned thread's move waits; asked again where "
			       "it is, it stays" },
	{ test_moved_thread_runs_there, "THREAD_SET_CPU: a moved thread runs on its CPU" },
	{ test_ipc_across_cpus, "IPC between threads on CPU 0 and CPU 1" },
	{ test_kill_across_cpus, "a thread spinning on CPU 1 destroyed from CPU 0 stops" },
	{ test_kept_lock_given_up, "the big lock CPU 1 keeps through user mode goes on demand" },
	{ test_all_cpus_enter, "every CPU makes system calls at once: none starves" },
	{ test_atomic_not_preempted,
	  "a pinned thread on CPU 1 is not preempted while CPU 0 is busy" },
	{ 0, 0 },
};
