// Capabilities: identify, create, mint, delete, rights, and transfer in
// messages.
#include "tests.h"

static const char *test_identify_own(void)
{
	uint32_t type, rights, badge;
	OK(inv_identify(SLOT_SPACE, &type, &rights, &badge));
	CHECK(type == CAP_SPACE && rights == RIGHTS_ALL && badge == 0, "space: %u %#x %#x", type,
	      rights, badge);
	OK(inv_identify(SLOT_THREAD, &type, &rights, &badge));
	CHECK(type == CAP_THREAD && rights == RIGHTS_ALL, "thread: %u %#x", type, rights);
	OK(inv_identify(SLOT_CONSOLE, &type, &rights, &badge));
	CHECK(type == CAP_CONSOLE && (rights & RIGHT_WRITE) && !(rights & RIGHT_MANAGE),
	      "console: %u %#x", type, rights);
	OK(inv_identify(SLOT_MEMORY, &type, &rights, &badge));
	CHECK(type == CAP_RANGE && rights == (RIGHT_READ | RIGHT_WRITE), "memory: %u %#x", type,
	      rights); // map rights only: init's pool stays whole
	uint32_t n = notify_new();
	CHECK(n, "no notification");
	OK(inv_identify(n, &type, &rights, &badge));
	CHECK(type == CAP_NOTIFY && rights == RIGHTS_ALL && badge == 0,
	      "new notification: %u %#x %#x", type, rights, badge);
	return 0;
}

static const char *test_create_errors(void)
{
	struct msg m = { 0 };
	uint32_t n = notify_new();
	CHECK(n, "no notification");
	// Destination taken, slot 0, out of the table.
	EXPECT(space_create_at(SLOT_SPACE, CAP_ENDPOINT, n, 0), E_BUSY);
	EXPECT(space_create_at(SLOT_SPACE, CAP_ENDPOINT, 0, 0), E_CAP);
	EXPECT(space_create_at(SLOT_SPACE, CAP_ENDPOINT, CAP_SLOTS, 0), E_CAP);
	uint32_t s = slot_reserve();
	CHECK(s, "no slot");
	// Types that cannot be created, and a short message.
	EXPECT(space_create_at(SLOT_SPACE, CAP_RANGE, s, 0), E_INVAL);
	EXPECT(space_create_at(SLOT_SPACE, CAP_CONSOLE, s, 0), E_INVAL);
	EXPECT(space_create_at(SLOT_SPACE, CAP_NULL, s, 0), E_INVAL);
	EXPECT(space_create_at(SLOT_SPACE, 99, s, 0), E_INVAL);
	EXPECT(hmk_invoke(SLOT_SPACE, SPACE_CREATE, 1, CAP_ENDPOINT, 0, 0, 0, &m), E_INVAL);
	// Invoked on something that is not a space.
	EXPECT2(space_create_at(n, CAP_ENDPOINT, s, 0), E_TYPE, E_NOSYS);
	// And the slot stayed empty through all of that.
	EXPECT(inv_identify(s, 0, 0, 0), E_CAP);
	// Then it works.
	OK(space_create_at(SLOT_SPACE, CAP_NOTIFY, s, 0));
	return 0;
}

static const char *test_mint(void)
{
	uint32_t n = notify_new(), a, b, c, type, rights, badge;
	CHECK(n, "no notification");
	OK(mint(n, RIGHT_WRITE | RIGHT_READ, 0x5, &a));
	OK(inv_identify(a, &type, &rights, &badge));
	CHECK(type == CAP_NOTIFY && rights == (RIGHT_WRITE | RIGHT_READ) && badge == 0x5,
	      "minted: %u %#x %#x", type, rights, badge);
	// A badged capability keeps its badge when minted again.
	OK(mint(a, RIGHT_WRITE, 0, &b));
	OK(inv_identify(b, &type, &rights, &badge));
	CHECK(rights == RIGHT_WRITE && badge == 0x5, "re-minted: %#x %#x", rights, badge);
	// Asking for another badge: refused, or the old one stays.
	int e = mint(a, RIGHT_WRITE, 0x9, &c);
	if (e == E_OK) {
		OK(inv_identify(c, &type, &rights, &badge));
		CHECK(badge == 0x5, "badge %#x replaced 0x5", badge);
	} else {
		CHECK(e == E_PERM, "re-badge -> %s", hmk_strerror(e));
	}
	// Minting never adds rights.
	e = mint(b, RIGHTS_ALL, 0, &c);
	if (e == E_OK) {
		OK(inv_identify(c, &type, &rights, &badge));
		CHECK(rights == RIGHT_WRITE, "rights grew from %#x to %#x", RIGHT_WRITE, rights);
	} else {
		CHECK(e == E_PERM, "mint with more rights -> %s", hmk_strerror(e));
	}
	return 0;
}

static const char *test_mint_errors(void)
{
	uint32_t n = notify_new(), other = notify_new(), empty = slot_reserve(), ro;
	CHECK(n && other && empty, "no objects");
	EXPECT(space_mint(SLOT_SPACE, other, n, RIGHTS_ALL, 0), E_BUSY);
	EXPECT(space_mint(SLOT_SPACE, empty, empty, RIGHTS_ALL, 0), E_CAP);
	EXPECT(space_mint(SLOT_SPACE, 0, n, RIGHTS_ALL, 0), E_CAP);
	EXPECT(space_mint(SLOT_SPACE, CAP_SLOTS, n, RIGHTS_ALL, 0), E_CAP);
	// A space capability without RIGHT_MANAGE mints nothing.
	OK(mint(SLOT_SPACE, RIGHT_READ | RIGHT_WRITE | RIGHT_GRANT, 0, &ro));
	EXPECT(space_mint(ro, empty, n, RIGHTS_ALL, 0), E_PERM);
	EXPECT(inv_identify(empty, 0, 0, 0), E_CAP);
	return 0;
}

static const char *test_delete(void)
{
	struct msg m = { 0 };
	uint32_t s = slot_reserve();
	CHECK(s, "no slot");
	OK(space_create_at(SLOT_SPACE, CAP_NOTIFY, s, 0));
	OK(space_delete(SLOT_SPACE, s));
	EXPECT(inv_identify(s, 0, 0, 0), E_CAP);
	EXPECT(space_delete(SLOT_SPACE, s), E_CAP);
	EXPECT(space_delete(SLOT_SPACE, 0), E_CAP);
	EXPECT(space_delete(SLOT_SPACE, CAP_SLOTS), E_CAP);
	EXPECT(hmk_invoke(SLOT_SPACE, SPACE_DELETE, 0, 0, 0, 0, 0, &m), E_INVAL);
	// Deleting a copy leaves the original alive.
	uint32_t n = notify_new(), c;
	CHECK(n, "no notification");
	OK(mint(n, RIGHT_WRITE, 3, &c));
	OK(space_delete(SLOT_SPACE, c));
	undefer_slot(c);
	OK(inv_identify(n, 0, 0, 0));
	m = msg_make(0, 0, 0, 0, 0, 0);
	OK(sys_send(n, &m)); // a signal with badge 0
	return 0;
}

static const char *test_manage_right(void)
{
	uint32_t n = notify_new(), w, type;
	CHECK(n, "no notification");
	OK(mint(n, RIGHT_WRITE | RIGHT_READ | RIGHT_GRANT, 0, &w));
	EXPECT(inv_destroy(w), E_PERM);
	OK(inv_identify(n, 0, 0, 0)); // still alive
	// INV_IDENTIFY needs no right at all.
	uint32_t none;
	OK(mint(n, 0, 0, &none));
	OK(inv_identify(none, &type, 0, 0));
	CHECK(type == CAP_NOTIFY, "type %u", type);
	// Other invocations need RIGHT_MANAGE.
	uint32_t th;
	OK(mint(SLOT_THREAD, RIGHT_READ | RIGHT_WRITE, 0, &th));
	EXPECT(thread_info(th, NULL, NULL, NULL), E_PERM);
	uint32_t sp;
	OK(mint(SLOT_SPACE, RIGHT_READ, 0, &sp));
	EXPECT(space_info(sp, NULL, NULL, NULL), E_PERM);
	EXPECT(space_create_at(sp, CAP_NOTIFY, none, 0), E_PERM);
	return 0;
}

static const char *test_wrong_type_args(void)
{
	uint32_t n = notify_new(), t = 0;
	CHECK(n, "no notification");
	OK(obj_new_in(SLOT_SPACE, CAP_THREAD, 0, &t));
	// A notification where a range, a space or an endpoint belongs.
	EXPECT(space_map(SLOT_SPACE, n, 0, scratch_va(1), 1, PROT_READ), E_TYPE);
	EXPECT(thread_configure(t, n, scratch_va(1), 0, 1), E_TYPE);
	EXPECT(thread_configure(t, SLOT_SPACE, scratch_va(1), n, 1), E_TYPE);
	return 0;
}

// --- transfer ----------------------------------------------------------------
// Receives once with cap_recv = arg[1]; out[0] = info.
static void cap_receiver(struct tthread *t)
{
	struct msg m = { 0 };
	ipcbuf()->cap_recv = t->arg[1];
	t->rc = sys_recv(t->arg[0], &m);
	t->out[0] = m.info;
	t->out[1] = m.mr[0];
}

static const char *send_cap(uint32_t ep, uint32_t cap, struct tthread **rt, uint32_t dest)
{
	int e;
	struct tthread *t = tt_start(cap_receiver, my_prio, ep, dest, &e);
	CHECK(t, "thread: %s", hmk_strerror(e));
	*rt = t;
	ipcbuf()->cap_send = cap;
	struct msg m = msg_make(3, 1, 77, 0, 0, 0);
	m.info |= MSG_CAP;
	e = sys_send(ep, &m);
	ipcbuf()->cap_send = 0;
	OK(e);
	CHECK(wait_flag(&t->done), "receiver did not finish");
	OK(t->rc);
	CHECK(t->out[1] == 77, "word %u", t->out[1]);
	return 0;
}

static const char *test_transfer_grant(void)
{
	uint32_t ep = ep_new(), n = notify_new(), nb, dest = slot_reserve(), type, rights, badge,
		 word;
	struct tthread *t;
	CHECK(ep && n && dest, "no objects");
	OK(mint(n, RIGHT_WRITE | RIGHT_READ, 0x30, &nb));
	TRY(send_cap(ep, nb, &t, dest));
	CHECK(t->out[0] & MSG_CAP, "info %#x: no capability arrived", t->out[0]);
	OK(inv_identify(dest, &type, &rights, &badge));
	CHECK(type == CAP_NOTIFY && rights == (RIGHT_WRITE | RIGHT_READ) && badge == 0x30,
	      "arrived: type %u rights %#x badge %#x", type, rights, badge);
	// It names the same notification: a signal through it shows at n.
	struct msg m = msg_make(0, 0, 0, 0, 0, 0);
	OK(sys_send(dest, &m));
	OK(notify_poll(n, &word));
	CHECK(word == 0x30, "poll %#x after a signal through the received capability", word);
	return 0;
}

static const char *test_transfer_no_grant(void)
{
	uint32_t ep = ep_new(), n = notify_new(), w;
	CHECK(ep && n, "no objects");
	OK(mint(ep, RIGHT_WRITE, 0, &w));
	ipcbuf()->cap_send = n;
	struct msg m = msg_make(3, 0, 0, 0, 0, 0);
	m.info |= MSG_CAP;
	int e = sys_nbsend(w, &m);
	m = msg_make(3, 0, 0, 0, 0, 0);
	m.info |= MSG_CAP;
	int e2 = sys_call(w, &m);
	ipcbuf()->cap_send = 0;
	EXPECT(e, E_PERM);
	EXPECT(e2, E_PERM);
	return 0;
}

static const char *test_transfer_bad_source(void)
{
	uint32_t ep = ep_new(), empty = slot_reserve();
	CHECK(ep && empty, "no objects");
	ipcbuf()->cap_send = empty;
	struct msg m = msg_make(3, 0, 0, 0, 0, 0);
	m.info |= MSG_CAP;
	int e = sys_nbsend(ep, &m);
	ipcbuf()->cap_send = 0;
	EXPECT(e, E_CAP);
	return 0;
}

// Without a cap_recv slot the message arrives and the capability does not.
static const char *test_transfer_no_recv_slot(void)
{
	uint32_t ep = ep_new(), n = notify_new();
	struct tthread *t;
	CHECK(ep && n, "no objects");
	TRY(send_cap(ep, n, &t, 0));
	CHECK(!(t->out[0] & MSG_CAP), "info %#x says a capability arrived", t->out[0]);
	return 0;
}

// A cap_recv slot that is taken is not overwritten.
static const char *test_transfer_recv_slot_taken(void)
{
	uint32_t ep = ep_new(), n = notify_new(), busy = notify_new(), nb, badge;
	struct tthread *t;
	CHECK(ep && n && busy, "no objects");
	OK(mint(n, RIGHT_WRITE, 0x99, &nb));
	TRY(send_cap(ep, nb, &t, busy));
	CHECK(!(t->out[0] & MSG_CAP), "info %#x says a capability arrived", t->out[0]);
	OK(inv_identify(busy, 0, 0, &badge));
	CHECK(badge == 0, "the taken slot was overwritten (badge %#x)", badge);
	return 0;
}

// A reply may carry a capability back to the caller.
static void cap_replier(struct tthread *t)
{
	struct msg m = { 0 };
	t->rc = sys_recv(t->arg[0], &m);
	if (t->rc != E_OK)
		return;
	ipcbuf()->cap_send = t->arg[1];
	struct msg r = msg_make(4, 0, 0, 0, 0, 0);
	r.info |= MSG_CAP;
	t->rc = sys_reply(&r);
}

static const char *test_transfer_in_reply(void)
{
	int e;
	uint32_t ep = ep_new(), n = notify_new(), nb, dest = slot_reserve(), badge;
	CHECK(ep && n && dest, "no objects");
	OK(mint(n, RIGHT_WRITE, 0x123, &nb));
	struct tthread *t = tt_start(cap_replier, my_prio, ep, nb, &e);
	CHECK(t, "thread: %s", hmk_strerror(e));
	ipcbuf()->cap_recv = dest;
	struct msg m = msg_make(1, 0, 0, 0, 0, 0);
	e = sys_call(ep, &m);
	ipcbuf()->cap_recv = 0;
	OK(e);
	CHECK(wait_flag(&t->done), "server did not finish");
	OK(t->rc);
	CHECK(m.info & MSG_CAP, "reply info %#x: no capability", m.info);
	OK(inv_identify(dest, 0, 0, &badge));
	CHECK(badge == 0x123, "badge %#x", badge);
	return 0;
}

const struct test caps_tests[] = {
	{ test_identify_own, "INV_IDENTIFY of the start-up slots" },
	{ test_create_errors, "SPACE_CREATE errors" },
	{ test_mint, "SPACE_MINT: rights, badge, re-mint keeps the badge" },
	{ test_mint_errors, "SPACE_MINT errors" },
	{ test_delete, "SPACE_DELETE and its errors" },
	{ test_manage_right, "RIGHT_MANAGE needed, not for INV_IDENTIFY" },
	{ test_wrong_type_args, "wrong type of capability argument -> E_TYPE" },
	{ test_transfer_grant, "capability transfer with RIGHT_GRANT" },
	{ test_transfer_no_grant, "capability transfer without RIGHT_GRANT -> E_PERM" },
	{ test_transfer_bad_source, "capability transfer of an empty slot -> E_CAP" },
	{ test_transfer_no_recv_slot, "no cap_recv slot: the capability is dropped" },
	{ test_transfer_recv_slot_taken, "taken cap_recv slot is not overwritten" },
	{ test_transfer_in_reply, "a reply carries a capability" },
	{ 0, 0 },
};
