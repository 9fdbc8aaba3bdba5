// Interrupt control (SLOT_IRQCTL, which init gives the programs it starts
// from its command line) and destroying objects by slot (SPACE_DESTROY).
#include "tests.h"

#define IRQ_FREE 40 // an SPI nothing on QEMU virt uses

static int bind(uint32_t irq, uint32_t notify, uint32_t dest)
{
	return irqctl_bind(SLOT_IRQCTL, irq, notify, dest);
}

static const char *test_irq_bind_errors(void)
{
	uint32_t n = notify_new(), dest = slot_reserve(), dest2 = slot_reserve(), ro, type;
	struct msg m;

	CHECK(n && dest && dest2, "no notification or slots");
	OK(inv_identify(SLOT_IRQCTL, &type, NULL, NULL));
	CHECK(type == CAP_IRQCTL, "SLOT_IRQCTL holds type %u", type);
	EXPECT(bind(30, n, dest), E_RANGE);   // the kernel's timer (a PPI)
	EXPECT(bind(31, n, dest), E_RANGE);   // no SGIs or PPIs
	EXPECT(bind(1020, n, dest), E_RANGE); // past every line
	EXPECT(bind(IRQ_FREE, SLOT_CONSOLE, dest), E_TYPE);
	OK(mint(n, RIGHT_READ, 0, &ro));
	EXPECT(bind(IRQ_FREE, ro, dest), E_PERM); // the kernel must be able to signal it
	EXPECT(bind(IRQ_FREE, n, 0), E_CAP);
	EXPECT(hmk_invoke(SLOT_IRQCTL, IRQCTL_BIND, 2, IRQ_FREE, n, 0, 0, &m), E_INVAL);
	OK(bind(IRQ_FREE, n, dest));
	OK(inv_identify(dest, &type, NULL, NULL));
	CHECK(type == CAP_IRQ, "bound handler has type %u", type);
	EXPECT(bind(IRQ_FREE, n, dest2), E_BUSY);    // bound once only
	EXPECT(bind(IRQ_FREE + 1, n, dest), E_BUSY); // the slot is taken
	OK(irq_ack(dest));
	// Destroying the handler frees the line for another binding.
	OK(inv_destroy(dest));
	OK(bind(IRQ_FREE, n, dest2));
	OK(inv_destroy(dest2));
	return 0;
}

static void blocked_receiver(struct tthread *t)
{
	struct msg m = { 0 };
	t->rc = sys_recv(t->arg[0], &m);
}

static const char *test_space_destroy_endpoint(void)
{
	uint32_t ep = ep_new(), ro;
	struct msg m = msg_make(1, 0, 0, 0, 0, 0);
	int e;

	CHECK(ep, "no endpoint");
	struct tthread *r = tt_start(blocked_receiver, my_prio, ep, 0, &e);
	CHECK(r, "thread: %s", hmk_strerror(e));
	for (int i = 0; i < 10; i++)
		sys_yield();
	CHECK(!r->done, "receiver did not block");
	OK(mint(ep, RIGHT_WRITE, 0, &ro));
	EXPECT(space_destroy(SLOT_SPACE, ro), E_PERM);
	EXPECT(hmk_invoke(SLOT_SPACE, SPACE_DESTROY, 0, 0, 0, 0, 0, &m), E_INVAL);
	EXPECT(space_destroy(SLOT_SPACE, CAP_SLOTS), E_CAP);
	OK(space_destroy(SLOT_SPACE, ep));
	CHECK(wait_flag(&r->done), "receiver still blocked on a destroyed endpoint");
	EXPECT(r->rc, E_DEAD);
	m = msg_make(1, 0, 0, 0, 0, 0);
	EXPECT(sys_send(ro, &m), E_DEAD);
	EXPECT(sys_call(ro, &m), E_DEAD);
	EXPECT(sys_nbsend(ro, &m), E_DEAD);
	EXPECT(space_destroy(SLOT_SPACE, ep), E_DEAD);
	return 0;
}

static const char *test_space_identify(void)
{
	uint32_t ep = ep_new(), badged, badge, rights, type;
	struct msg m;

	CHECK(ep, "no endpoint");
	OK(mint(ep, RIGHT_WRITE, 0x77, &badged));
	// An endpoint named by slot: no IPC happens (nobody receives on it).
	OK(space_identify(SLOT_SPACE, badged, &type, &rights, &badge));
	CHECK(type == CAP_ENDPOINT && rights == RIGHT_WRITE && badge == 0x77,
	      "type %u rights %#x badge %#x", type, rights, badge);
	EXPECT(space_identify(SLOT_SPACE, 0, NULL, NULL, NULL), E_CAP);
	EXPECT(hmk_invoke(SLOT_SPACE, SPACE_IDENTIFY, 0, 0, 0, 0, 0, &m), E_INVAL);
	OK(space_destroy(SLOT_SPACE, ep));
	EXPECT(space_identify(SLOT_SPACE, badged, NULL, NULL, NULL), E_DEAD);
	return 0;
}

const struct test irq_tests[] = {
	{ test_space_identify,
	  "SPACE_IDENTIFY names an endpoint without IPC; E_DEAD once destroyed" },
	{ test_irq_bind_errors, "IRQCTL_BIND errors, IRQ_ACK, rebinding after destroy" },
	{ test_space_destroy_endpoint,
	  "SPACE_DESTROY of an endpoint: waiters and senders -> E_DEAD" },
	{ 0, 0 },
};
