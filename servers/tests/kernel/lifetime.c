// What a program leaves behind when it exits, and what it may do to what
// init gave it. The suite spawns copies of itself (servers/tests/kernel) with a
// non-zero argument: the copy runs one child_main mode and exits.
//   - a space holding itself (and a second space in a cycle with it), with a
//     thread writing a counter into the program's RAM, must die with the
//     program: the next program given that RAM sees it stay still, and the
//     kernel's LOWMEM goes back to what it was;
//   - a program's SLOT_MEMORY cannot shrink or kill init's pool, and its copy
//     of interrupt control cannot be destroyed for everyone.
#include <stdio.h>

#include "tests.h"
#include "user.h"

// The start argument of a child: mode in bits 28..31, a value below.
#define MODE_ARG(mode, value) ((uint32_t)(mode) << 28 | (value))
enum child_mode {
	MODE_ZOMBIE = 1,  // leave a cycle of spaces with a running thread; exit with its page's
			  // frame number
	MODE_WATCH = 2,   // value: a frame number; exit 0 when that page of ours stays still
	MODE_SPLIT = 3,   // RANGE_SPLIT of SLOT_MEMORY; exit with the error
	MODE_DESTROY = 4, // INV_DESTROY of SLOT_MEMORY; exit with the error
	MODE_SIZE = 5,    // value: pages; exit 0 when SLOT_MEMORY has that many
	MODE_GIFT_DESTROY = 6, // INV_DESTROY of SLOT_GIFT; exit with the error
	MODE_LEND = 7,         // call SLOT_GIFT (an endpoint) with SLOT_MEMORY; exit on the reply
};
// A zombie's exit status is a frame number (RAM starts far above this);
// smaller statuses are errors.
#define STATUS_FRAME_MIN 0x1000

// Virtual addresses in the zombie's spaces and in ours.
#define Z_CODE_VA 0x00010000u
#define Z_DATA_VA 0x00020000u
#define Z_IPCBUF_VA 0x00030000u
#define OWN_VA (USER_SCRATCH_BASE + 0x0a000000u)

static int map(uint32_t space, uint32_t off, uint32_t va, uint32_t prot)
{
	return space_map(space, SLOT_MEMORY, off, va, 1, prot);
}

static int unmap(uint32_t va)
{
	return space_unmap(SLOT_SPACE, va, 1);
}

// counter = 0; for (;;) *(uint32_t *)Z_DATA_VA = ++counter;
static const uint32_t zombie_code[] = {
	0xe3001000 | (Z_DATA_VA & 0xfff) | (Z_DATA_VA >> 12 & 0xf) << 16,       // movw r1, #lo
	0xe3401000 | (Z_DATA_VA >> 16 & 0xfff) | (Z_DATA_VA >> 28 & 0xf) << 16, // movt r1, #hi
	0xe3a00000,                                                             // mov r0, #0
	0xe2800001,                                                             // 1: add r0, r0, #1
	0xe5810000,                                                             // str r0, [r1]
	0xeafffffc,                                                             // b 1b
};

// The counter page seen from our space, read twice with time between.
static int page_moves(uint32_t va)
{
	volatile uint32_t *p = (volatile uint32_t *)va;
	uint32_t v0 = *p;

	for (int i = 0; i < 10; i++)
		sys_yield();
	return *p != v0;
}

// MODE_ZOMBIE: space a holds itself and space b, b holds a; a thread of a
// (its capability in a) counts into the last page of our SLOT_MEMORY. Our
// own capabilities go with us; theirs keep the cycle.
static int zombie(void)
{
	uint32_t a, b, t, pages;
	uint64_t base;
	int e;

	if (range_info(SLOT_MEMORY, &base, &pages) || pages < 2)
		return 1;
	uint32_t code = pages - 2, data = pages - 1;
	if (map(SLOT_SPACE, code, OWN_VA, PROT_READ | PROT_WRITE))
		return 2;
	for (unsigned i = 0; i < sizeof zombie_code / sizeof zombie_code[0]; i++)
		((volatile uint32_t *)OWN_VA)[i] = zombie_code[i];
	if (unmap(OWN_VA) || map(SLOT_SPACE, data, OWN_VA, PROT_READ))
		return 3;
	if ((e = space_create(SLOT_SPACE, CAP_SPACE, 16, &a)) ||
	    (e = space_create(SLOT_SPACE, CAP_SPACE, 4, &b)) ||
	    (e = space_mint(a, 1, a, RIGHTS_ALL, 0)) || (e = space_mint(a, 2, b, RIGHTS_ALL, 0)) ||
	    (e = space_mint(b, 1, a, RIGHTS_ALL, 0)) ||
	    (e = map(a, code, Z_CODE_VA, PROT_READ | PROT_EXEC)) ||
	    (e = map(a, data, Z_DATA_VA, PROT_READ | PROT_WRITE)) ||
	    (e = space_create(a, CAP_THREAD, 0, &t)) ||
	    (e = thread_configure(t, a, Z_IPCBUF_VA, 0, my_prio)) ||
	    (e = thread_write_regs(t, Z_CODE_VA, 0, 0, 0)) ||
	    (e = space_mint(a, 3, t, RIGHTS_ALL, 0)) || (e = thread_resume(t))) {
		printf("tests: zombie set-up: %s\n", hmk_strerror(e));
		return 4;
	}
	if (!page_moves(OWN_VA))
		return 5; // the thread does not run: nothing to leave behind
	return (int)((base >> 12) + data);
}

// MODE_WATCH: the page at frame `frame` must be ours, and stay still.
static int watch(uint32_t frame)
{
	uint32_t pages;
	uint64_t base;

	if (range_info(SLOT_MEMORY, &base, &pages))
		return 1;
	if (frame < base >> 12 || frame - (base >> 12) >= pages)
		return 2; // init gave us other RAM: nothing to check
	if (map(SLOT_SPACE, frame - (uint32_t)(base >> 12), OWN_VA, PROT_READ))
		return 3;
	return page_moves(OWN_VA) ? 4 : 0;
}

int lifetime_child(uint32_t arg)
{
	uint32_t value = arg & 0x0fffffffu, pages, s;
	uint64_t base;
	struct msg m;

	switch (arg >> 28) {
	case MODE_ZOMBIE: return zombie();
	case MODE_WATCH: return watch(value);
	case MODE_SPLIT: s = user_slot_alloc(); return s ? range_split(SLOT_MEMORY, 1, s) : -1;
	case MODE_DESTROY: return inv_destroy(SLOT_MEMORY);
	case MODE_SIZE:
		if (range_info(SLOT_MEMORY, &base, &pages))
			return 1;
		return pages == value ? 0 : 2;
	case MODE_GIFT_DESTROY: return inv_destroy(SLOT_GIFT);
	case MODE_LEND:
		m = msg_make(1, 0, 0, 0, 0, 0);
		m.info |= MSG_CAP;
		ipcbuf()->cap_send = SLOT_MEMORY;
		return sys_call(SLOT_GIFT, &m);
	default: return -1;
	}
}

// Spawns a copy of the suite in `mode` and waits for its status.
static int child_run(uint32_t arg, uint32_t gift, int *status)
{
	uint32_t id;
	int e = init_spawn("tests", arg, gift, &id);

	return e ? e : init_wait(id, status);
}

static int lowmem_used(uint32_t *kib)
{
	return console_stats(SLOT_CONSOLE, kib, NULL, NULL);
}

static const char *test_exit_kills_cycles(void)
{
	int status, watched;

	OK(child_run(MODE_ARG(MODE_ZOMBIE, 0), 0, &status));
	CHECK(status >= STATUS_FRAME_MIN, "the child could not set up its thread: status %d",
	      status);
	OK(child_run(MODE_ARG(MODE_WATCH, (uint32_t)status), 0, &watched));
	CHECK(watched != 2, "init gave the next program other RAM than frame %#x", status);
	CHECK(watched == 0,
	      "frame %#x changes under the next program (status %d): a thread of "
	      "the dead program still runs",
	      status, watched);
	return 0;
}

static const char *test_exit_returns_lowmem(void)
{
	uint32_t first = 0, now = 0;
	int status;

	for (int i = 0; i < 4; i++) {
		OK(child_run(MODE_ARG(MODE_ZOMBIE, 0), 0, &status));
		CHECK(status >= STATUS_FRAME_MIN, "run %d: the child could not set up: status %d",
		      i, status);
		OK(lowmem_used(i ? &now : &first));
	}
	CHECK(now == first,
	      "lowmem_used %u KiB after the first such program, %u KiB after the "
	      "fourth",
	      first, now);
	return 0;
}

// A program passes its memory to us, we map a page of it in our space and
// two in a window (one through our reply's MSG_MAP, the IPC fastpath's
// case), and it exits: every mapping must go with it (init hands that RAM
// out again), and the capability we got must be dead.
static const char *test_exit_revokes_lent_memory(void)
{
	uint32_t ep = ep_new(), ep2 = ep_new(), gift, r = slot_reserve(), win, id, scratch, off,
		 used;
	uint32_t va = scratch_va(1), win_va = USER_SCRATCH_BASE + 0x0c000000u;
	struct msg m = { 0 };
	int status, e;

	CHECK(ep && ep2 && r && scratch_page(&scratch, &off), "no endpoints, slot or scratch page");
	OK(mint(ep, RIGHT_WRITE | RIGHT_GRANT, 0, &gift));
	OK(obj_new_in(SLOT_SPACE, CAP_WINDOW, 0, &win));
	OK(window_bind(win, WIN_SPACE, SLOT_SPACE, win_va));
	OK(init_spawn("tests", MODE_ARG(MODE_LEND, 0), gift, &id));
	ipcbuf()->cap_recv = r;
	e = recv_watchdog(ep, &m);
	ipcbuf()->cap_recv = 0;
	OK(e);
	CHECK(m.info & MSG_CAP, "the child's memory did not arrive (info %#x)", m.info);
	OK(space_map(SLOT_SPACE, r, 0, va, 1, PROT_READ));
	defer_unmap(va, 1);
	OK(window_map(win, 0, r, 0, 1, PROT_READ));
	(void)*(volatile uint32_t *)va;
	// The reply maps page 2 into slot 1; we wait on ep2 until the program
	// is gone and only the watchdog is left.
	ipc_buffer_map(ipcbuf(), win, 1, r, 2, 1, PROT_READ);
	m = msg_make(0, 0, 0, 0, 0, 0);
	m.info |= MSG_MAP;
	e = reply_recv_watchdog(ep2, &m);
	CHECK(e == E_OK && MSG_LABEL(m.info) == WATCHDOG_LABEL, "after the reply: %s, label %#x",
	      hmk_strerror(e), MSG_LABEL(m.info));
	OK(init_wait(id, &status));
	CHECK(status == 0, "the child ended with status %d", status);
	e = space_map(SLOT_SPACE, scratch, off, va, 1, PROT_READ);
	CHECK(e == E_OK, "mapping over the dead program's page: %s (its mapping stays)",
	      hmk_strerror(e));
	OK(window_info(win, NULL, NULL, NULL, &used));
	e = space_map(SLOT_SPACE, r, 1, va + 0x1000000u, 1, PROT_READ);
	if (e == E_OK)
		space_unmap(SLOT_SPACE, va + 0x1000000u, 1);
	CHECK(used == 0, "the window still holds %u of the dead program's pages", used);
	CHECK(e == E_DEAD, "its memory still maps after it died: %s", hmk_strerror(e));
	return 0;
}

// A child does `mode` to its SLOT_MEMORY; the next child must still get
// as many pages as we have.
static const char *memory_abuse(uint32_t mode, const char *what)
{
	uint32_t pages;
	uint64_t base;
	int done, status, e;

	OK(range_info(SLOT_MEMORY, &base, &pages)); // every copy of the suite gets as much
	OK(child_run(MODE_ARG(mode, 0), 0, &done));
	e = child_run(MODE_ARG(MODE_SIZE, pages), 0, &status);
	CHECK(e == E_OK && status == 0,
	      "after a child's %s (%s), spawning the next gives %s, status "
	      "%d (0: %u pages)",
	      what, hmk_strerror(done), hmk_strerror(e), status, pages);
	EXPECT(done, E_PERM);
	return 0;
}

static const char *test_memory_split(void)
{
	return memory_abuse(MODE_SPLIT, "RANGE_SPLIT of SLOT_MEMORY");
}

static const char *test_memory_destroy(void)
{
	return memory_abuse(MODE_DESTROY, "INV_DESTROY of SLOT_MEMORY");
}

static const char *test_irqctl_copy_destroy(void)
{
	uint32_t copy, n = notify_new(), dest = slot_reserve(), dest2 = slot_reserve();
	int status, e;

	CHECK(n && dest && dest2, "no notification or slots");
	OK(mint(SLOT_IRQCTL, RIGHTS_ALL, 0, &copy));
	OK(child_run(MODE_ARG(MODE_GIFT_DESTROY, 0), copy, &status));
	e = irqctl_bind(SLOT_IRQCTL, 40, n, dest);
	CHECK(e == E_OK, "after a child destroyed its copy (%s), ours gives %s",
	      hmk_strerror(status), hmk_strerror(e));
	OK(inv_destroy(dest));
	EXPECT(status, E_PERM);
	EXPECT(inv_destroy(copy), E_PERM);
	OK(irqctl_bind(SLOT_IRQCTL, 40, n, dest2));
	OK(inv_destroy(dest2));
	return 0;
}

const struct test lifetime_tests[] = {
	{ test_exit_kills_cycles, "exit kills the program's cycles of spaces and their threads" },
	{ test_exit_returns_lowmem, "exit returns the LOWMEM of the program's cycles" },
	{ test_exit_revokes_lent_memory, "exit revokes the memory the program passed on" },
	{ test_memory_split, "SLOT_MEMORY: a split does not shrink init's pool" },
	{ test_memory_destroy, "SLOT_MEMORY: a destroy does not kill init's pool" },
	{ test_irqctl_copy_destroy, "a copy of interrupt control cannot destroy it" },
	{ 0, 0 },
};
