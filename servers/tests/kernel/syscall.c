// System call entry: numbers, slots and labels the kernel must refuse.
#include "tests.h"

// An svc with an arbitrary number in r7 (hmk_syscall takes any number too,
// but this one spells it out in the instruction stream).
static int raw_svc(uint32_t nr, uint32_t cap)
{
	register uint32_t r0 __asm__("r0") = cap;
	register uint32_t r1 __asm__("r1") = 0;
	register uint32_t r7 __asm__("r7") = nr;
	__asm__ volatile("svc #0"
			 : "+r"(r0), "+r"(r1)
			 : "r"(r7)
			 : "r2", "r3", "r4", "r5", "r6", "memory");
	return (int)r0;
}

static const char *test_null(void)
{
	for (int i = 0; i < 10; i++)
		OK(sys_null());
	return 0;
}

static const char *test_yield_alone(void)
{
	OK(sys_yield());
	return 0;
}

static const char *test_unknown_syscall(void)
{
	EXPECT(raw_svc(99, SLOT_SPACE), E_NOSYS);
	EXPECT(raw_svc(SYS_COUNT, SLOT_SPACE), E_NOSYS);
	EXPECT(raw_svc(0xffffffffu, 0), E_NOSYS);
	// The suite is still alive, and ordinary calls still work.
	OK(sys_null());
	return 0;
}

// Registers other than r0, r1 and r2..r6 come back as they went in.
static const char *test_regs_preserved(void)
{
	uint32_t out[5];
	register uint32_t r0 __asm__("r0") = 0;
	register uint32_t r7 __asm__("r7") = SYS_NULL;
	register uint32_t r8 __asm__("r8") = 0x88888888u;
	register uint32_t r9 __asm__("r9") = 0x99999999u;
	register uint32_t r10 __asm__("r10") = 0xaaaaaaaau;
	register uint32_t r12 __asm__("r12") = 0xccccccccu;
	__asm__ volatile("svc #0"
			 : "+r"(r0), "+r"(r7), "+r"(r8), "+r"(r9), "+r"(r10), "+r"(r12)
			 :
			 : "r1", "r2", "r3", "r4", "r5", "r6", "lr", "memory");
	out[0] = r7;
	out[1] = r8;
	out[2] = r9;
	out[3] = r10;
	out[4] = r12;
	CHECK(r0 == E_OK, "SYS_NULL -> %s", hmk_strerror((int)r0));
	CHECK(out[0] == SYS_NULL && out[1] == 0x88888888u && out[2] == 0x99999999u &&
		      out[3] == 0xaaaaaaaau && out[4] == 0xccccccccu,
	      "r7..r12 changed: %#x %#x %#x %#x %#x", out[0], out[1], out[2], out[3], out[4]);
	return 0;
}

static const char *test_bad_slots(void)
{
	struct msg m = { 0 };
	// Slot 0 is always empty; 256 and beyond are out of the table.
	EXPECT(inv_identify(0, NULL, NULL, NULL), E_CAP);
	EXPECT(inv_identify(CAP_SLOTS, NULL, NULL, NULL), E_CAP);
	EXPECT(inv_identify(0xffffffffu, NULL, NULL, NULL), E_CAP);
	uint32_t empty = slot_reserve();
	CHECK(empty, "no free slot");
	EXPECT(inv_identify(empty, NULL, NULL, NULL), E_CAP);
	m = msg_make(1, 0, 0, 0, 0, 0);
	EXPECT(sys_send(empty, &m), E_CAP);
	EXPECT(sys_nbsend(empty, &m), E_CAP);
	EXPECT(sys_recv(empty, &m), E_CAP);
	EXPECT(sys_nbrecv(empty, &m), E_CAP);
	EXPECT(sys_reply_recv(empty, &m), E_CAP);
	EXPECT(sys_call(CAP_SLOTS + 5, &m), E_CAP);
	return 0;
}

static const char *test_unknown_label(void)
{
	struct msg m = { 0 };
	EXPECT(hmk_invoke(SLOT_SPACE, INV_COUNT, 0, 0, 0, 0, 0, &m), E_NOSYS);
	EXPECT(hmk_invoke(SLOT_SPACE, 0, 0, 0, 0, 0, 0, &m), E_NOSYS);
	EXPECT(hmk_invoke(SLOT_SPACE, 0xfffff, 0, 0, 0, 0, 0, &m), E_NOSYS);
	EXPECT(hmk_invoke(SLOT_THREAD, 0x777, 0, 0, 0, 0, 0, &m), E_NOSYS);
	uint32_t n = notify_new();
	CHECK(n, "no notification");
	EXPECT(hmk_invoke(n, INV_COUNT + 1, 0, 0, 0, 0, 0, &m), E_NOSYS);
	EXPECT(hmk_invoke(SLOT_MEMORY, 0x4242, 0, 0, 0, 0, 0, &m), E_NOSYS);
	EXPECT(hmk_invoke(SLOT_CONSOLE, 0x4242, 0, 0, 0, 0, 0, &m), E_NOSYS);
	return 0;
}

// An operation of another kind of object: the label exists, but not for
// this capability.
static const char *test_label_of_other_type(void)
{
	EXPECT2(thread_resume(SLOT_SPACE), E_NOSYS, E_TYPE);
	EXPECT2(space_info(SLOT_THREAD, NULL, NULL, NULL), E_NOSYS, E_TYPE);
	EXPECT2(notify_poll(SLOT_MEMORY, NULL), E_NOSYS, E_TYPE);
	return 0;
}

// IPC system calls on capabilities that are not endpoints.
static const char *test_ipc_wrong_type(void)
{
	struct msg m = msg_make(1, 0, 0, 0, 0, 0);
	EXPECT(sys_send(SLOT_SPACE, &m), E_TYPE);
	EXPECT(sys_nbsend(SLOT_THREAD, &m), E_TYPE);
	EXPECT(sys_recv(SLOT_SPACE, &m), E_TYPE);
	EXPECT(sys_nbrecv(SLOT_MEMORY, &m), E_TYPE);
	EXPECT(sys_reply_recv(SLOT_THREAD, &m), E_TYPE);
	return 0;
}

static const char *test_console_write(void)
{
	struct msg m = { 0 };
	OK(console_write(SLOT_CONSOLE, "# console\n", 10));
	// More than 252 bytes: the kernel refuses (console_write would not send it).
	EXPECT(hmk_invoke(SLOT_CONSOLE, CONSOLE_WRITE, 1, 253, 0, 0, 0, &m), E_INVAL);
	// Our console capability is write only: no power-off.
	EXPECT(console_poweroff(SLOT_CONSOLE), E_PERM);
	return 0;
}

const struct test syscall_tests[] = {
	{ test_null, "sys_null" },
	{ test_yield_alone, "sys_yield" },
	{ test_unknown_syscall, "unknown syscall number -> E_NOSYS" },
	{ test_regs_preserved, "syscall preserves r7-r12" },
	{ test_bad_slots, "bad slots -> E_CAP" },
	{ test_unknown_label, "unknown label -> E_NOSYS" },
	{ test_label_of_other_type, "label of another object type" },
	{ test_ipc_wrong_type, "IPC on non-endpoints -> E_TYPE" },
	{ test_console_write, "console write and its errors" },
	{ 0, 0 },
};
