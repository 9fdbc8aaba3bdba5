// Faults: delivered to a fault endpoint as a call, resumed by a
// FAULT_RESUME reply; without a handler the thread stops and the rest of
// the program goes on.
#include "tests.h"

// fault_udf: an undefined instruction, then return (when resumed past it).
void fault_udf(void);
__asm__(".text\n"
	".global fault_udf\n"
	".type fault_udf, %function\n"
	".arm\n"
	"fault_udf:\n"
	"	udf #0x42\n"
	"	bx lr\n");

static void udf_thread(struct tthread *t)
{
	t->out[0] = 1;
	fault_udf();
	t->out[0] = 2;
}

static const char *test_undef_handled(void)
{
	int e;
	uint32_t ep = ep_new(), fep, faults;
	CHECK(ep, "no endpoint");
	OK(mint(ep, RIGHT_WRITE, 0xf00, &fep));
	struct tthread *t = tt_run(udf_thread, my_prio, fep, 0, 0, &e);
	CHECK(t, "thread: %s", hmk_strerror(e));
	struct msg m = { 0 };
	OK(poll_recv(ep, &m));
	CHECK(MSG_LABEL(m.info) == FAULT_UNDEF, "fault label %#x", MSG_LABEL(m.info));
	CHECK(m.badge == 0xf00, "badge %#x", m.badge);
	CHECK(m.mr[0] == (uint32_t)fault_udf, "pc %#x, udf at %#x", m.mr[0], (uint32_t)fault_udf);
	CHECK(m.mr[1] == 0, "status %#x for undef", m.mr[1]);
	uint32_t sp = m.mr[3];
	CHECK(sp > t->ut.stack_top - t->ut.stack_pages * 4096u && sp <= t->ut.stack_top,
	      "sp %#x outside the thread's stack", sp);
	CHECK(t->out[0] == 1 && !t->done, "thread ran on past the fault");
	OK(thread_info(t->slot, 0, 0, &faults));
	CHECK(faults == 1, "fault count %u", faults);
	// Resume at pc + 4: past the udf.
	struct msg r = msg_make(FAULT_RESUME, 1, m.mr[0] + 4, 0, 0, 0);
	OK(sys_reply(&r));
	CHECK(wait_flag(&t->done), "thread did not finish after the resume");
	CHECK(t->out[0] == 2, "out %u", t->out[0]);
	return 0;
}

// A FAULT_RESUME with no words retries the instruction: the same fault again.
static const char *test_undef_retry(void)
{
	int e;
	uint32_t ep = ep_new(), faults;
	CHECK(ep, "no endpoint");
	struct tthread *t = tt_run(udf_thread, my_prio, ep, 0, 0, &e);
	CHECK(t, "thread: %s", hmk_strerror(e));
	struct msg m = { 0 };
	OK(poll_recv(ep, &m));
	CHECK(MSG_LABEL(m.info) == FAULT_UNDEF, "fault label %#x", MSG_LABEL(m.info));
	struct msg r = msg_make(FAULT_RESUME, 0, 0, 0, 0, 0);
	OK(sys_reply(&r));
	OK(poll_recv(ep, &m));
	CHECK(MSG_LABEL(m.info) == FAULT_UNDEF && m.mr[0] == (uint32_t)fault_udf,
	      "second fault: label %#x pc %#x", MSG_LABEL(m.info), m.mr[0]);
	OK(thread_info(t->slot, 0, 0, &faults));
	CHECK(faults == 2, "fault count %u", faults);
	r = msg_make(FAULT_RESUME, 1, m.mr[0] + 4, 0, 0, 0);
	OK(sys_reply(&r));
	CHECK(wait_flag(&t->done), "thread did not finish");
	return 0;
}

// Any other reply leaves the thread stopped.
static const char *test_fault_not_resumed(void)
{
	int e;
	uint32_t ep = ep_new(), st;
	CHECK(ep, "no endpoint");
	struct tthread *t = tt_run(udf_thread, my_prio, ep, 0, 0, &e);
	CHECK(t, "thread: %s", hmk_strerror(e));
	struct msg m = { 0 };
	OK(poll_recv(ep, &m));
	OK(thread_info(t->slot, &st, 0, 0));
	CHECK(st == TS_BLOCKED, "faulted thread waiting for its handler in state %u", st);
	struct msg r = msg_make(0x55, 1, m.mr[0] + 4, 0, 0, 0);
	OK(sys_reply(&r));
	for (int i = 0; i < 50; i++)
		sys_yield();
	OK(thread_info(t->slot, &st, 0, 0));
	CHECK(st == TS_STOPPED, "state %u after a non-resume reply", st);
	CHECK(!t->done, "thread went on");
	return 0;
}

static const char *test_unhandled(void)
{
	int e;
	uint32_t st = 0, faults = 0;
	struct tthread *t = tt_start(udf_thread, my_prio, 0, 0, &e);
	CHECK(t, "thread: %s", hmk_strerror(e));
	for (int i = 0; i < WAIT_YIELDS && st != TS_STOPPED; i++) {
		sys_yield();
		OK(thread_info(t->slot, &st, 0, &faults));
	}
	CHECK(st == TS_STOPPED, "unhandled fault left state %u", st);
	CHECK(faults == 1, "fault count %u", faults);
	CHECK(t->out[0] == 1 && !t->done, "thread went on past the fault");
	// We are fine, and can still resume it by hand past the udf.
	return 0;
}

// Loads (arg[1] == 0) or stores (arg[1] == 1) at arg[0].
static void touch_thread(struct tthread *t)
{
	volatile uint32_t *p = (volatile uint32_t *)t->arg[0];
	if (t->arg[1])
		*p = 0x600dcafe;
	else
		t->out[0] = *p;
}

static const char *test_dabort_map_retry(void)
{
	int e;
	struct msg m = { 0 };
	uint32_t ep = ep_new(), range, off, va = scratch_va(1);
	CHECK(ep, "no endpoint");
	CHECK(scratch_page(&range, &off), "no scratch page");
	struct tthread *t = tt_run(touch_thread, my_prio, ep, va + 8, 0, &e);
	CHECK(t, "thread: %s", hmk_strerror(e));
	OK(poll_recv(ep, &m));
	CHECK(MSG_LABEL(m.info) == FAULT_DABORT, "fault label %#x", MSG_LABEL(m.info));
	CHECK(m.mr[2] == va + 8, "fault address %#x, expected %#x", m.mr[2], va + 8);
	CHECK(m.mr[1] != 0, "no fault status");
	CHECK(!(m.mr[1] & (1u << 11)), "DFSR %#x says write for a load", m.mr[1]);
	OK(space_map(SLOT_SPACE, range, off, va, 1, PROT_READ | PROT_WRITE));
	defer_unmap(va, 1);
	((volatile uint32_t *)va)[2] = 0xfeedbeef;
	struct msg r = msg_make(FAULT_RESUME, 0, 0, 0, 0, 0);
	OK(sys_reply(&r));
	CHECK(wait_flag(&t->done), "thread did not finish after the retry");
	CHECK(t->out[0] == 0xfeedbeef, "load read %#x", t->out[0]);
	return 0;
}

// A store to a read-only page: a permission fault on write; the handler
// maps the page writable and the store goes through.
static const char *test_dabort_write_ro(void)
{
	int e;
	struct msg m = { 0 };
	uint32_t ep = ep_new(), range, off, va = scratch_va(1);
	CHECK(ep, "no endpoint");
	CHECK(scratch_page(&range, &off), "no scratch page");
	OK(space_map(SLOT_SPACE, range, off, va, 1, PROT_READ));
	defer_unmap(va, 1);
	struct tthread *t = tt_run(touch_thread, my_prio, ep, va, 1, &e);
	CHECK(t, "thread: %s", hmk_strerror(e));
	OK(poll_recv(ep, &m));
	CHECK(MSG_LABEL(m.info) == FAULT_DABORT, "fault label %#x", MSG_LABEL(m.info));
	CHECK(m.mr[2] == va, "fault address %#x, expected %#x", m.mr[2], va);
	CHECK(m.mr[1] & (1u << 11), "DFSR %#x: not a write", m.mr[1]);
	OK(space_unmap(SLOT_SPACE, va, 1));
	OK(space_map(SLOT_SPACE, range, off, va, 1, PROT_READ | PROT_WRITE));
	struct msg r = msg_make(FAULT_RESUME, 0, 0, 0, 0, 0);
	OK(sys_reply(&r));
	CHECK(wait_flag(&t->done), "thread did not finish after the retry");
	CHECK(*(volatile uint32_t *)va == 0x600dcafe, "store left %#x", *(volatile uint32_t *)va);
	return 0;
}

// A thread in an empty address space faults on its first instruction.
static const char *test_pabort_empty_space(void)
{
	struct msg m = { 0 };
	uint32_t ep = ep_new(), sp = 0, t = 0;
	CHECK(ep, "no endpoint");
	OK(obj_new_in(SLOT_SPACE, CAP_SPACE, 8, &sp));
	OK(obj_new_in(SLOT_SPACE, CAP_THREAD, 0, &t));
	OK(thread_configure(t, sp, 0x100000, ep, my_prio));
	OK(thread_write_regs(t, 0x200000, 0x300000, 0, 0));
	OK(thread_resume(t));
	OK(poll_recv(ep, &m));
	CHECK(MSG_LABEL(m.info) == FAULT_PABORT, "fault label %#x", MSG_LABEL(m.info));
	CHECK(m.mr[0] == 0x200000 && m.mr[2] == 0x200000, "pc %#x address %#x", m.mr[0], m.mr[2]);
	CHECK(m.mr[3] == 0x300000, "sp %#x", m.mr[3]);
	struct msg r = msg_make(0, 0, 0, 0, 0, 0); // leave it stopped
	OK(sys_reply(&r));
	return 0;
}

// pmu_read: reads the cycle counter (PMCCNTR) into r0, then returns.
uint32_t pmu_read(void);
__asm__(".text\n"
	".global pmu_read\n"
	".type pmu_read, %function\n"
	".arm\n"
	"pmu_read:\n"
	"	mrc p15, 0, r0, c9, c13, 0\n"
	"	bx lr\n");

static void pmu_thread(struct tthread *t)
{
	t->out[0] = 1;
	t->out[1] = pmu_read();
	t->out[0] = 2;
}

// The PMU belongs to programs granted it (init grants bench): ours is not,
// so a read is an undefined instruction, and we cannot grant ourselves.
static const char *test_pmu_ungranted(void)
{
	int e;
	uint32_t ep = ep_new();
	struct msg m = { 0 };
	CHECK(ep, "no endpoint");
	struct tthread *t = tt_run(pmu_thread, my_prio, ep, 0, 0, &e);
	CHECK(t, "thread: %s", hmk_strerror(e));
	for (int i = 0; i < 100 && !t->done; i++)
		sys_yield();
	CHECK(!t->done, "read the PMU without a grant: PMCCNTR = %u", t->out[1]);
	OK(poll_recv(ep, &m));
	CHECK(MSG_LABEL(m.info) == FAULT_UNDEF && m.mr[0] == (uint32_t)pmu_read,
	      "fault label %#x at pc %#x, PMU read at %#x", MSG_LABEL(m.info), m.mr[0],
	      (uint32_t)pmu_read);
	struct msg r = msg_make(FAULT_RESUME, 1, m.mr[0] + 4, 0, 0, 0);
	OK(sys_reply(&r));
	CHECK(wait_flag(&t->done), "thread did not finish after the resume");
	EXPECT(console_pmu(SLOT_CONSOLE, SLOT_SPACE, 1), E_PERM);
	return 0;
}

const struct test fault_tests[] = {
	{ test_undef_handled, "undef handled: FAULT_UNDEF, resumed at pc+4" },
	{ test_undef_retry, "FAULT_RESUME without a pc retries" },
	{ test_fault_not_resumed, "other reply leaves the thread stopped" },
	{ test_unhandled, "unhandled fault: TS_STOPPED, suite goes on" },
	{ test_dabort_map_retry, "data abort fixed by mapping, then retried" },
	{ test_dabort_write_ro, "write to read-only page faults, fixed" },
	{ test_pabort_empty_space, "prefetch abort in an empty space" },
	{ test_pmu_ungranted, "PMU access without a grant: undefined instruction; no self-grant" },
	{ 0, 0 },
};
