// Reply objects: a server saves a caller's one-shot reply (REPLY_SAVE) and
// answers later with SYS_SEND on the reply capability.
#include "tests.h"

static void calling_thread(struct tthread *t)
{
	struct msg m = msg_make(1, 1, 5, 0, 0, 0);
	t->rc = sys_call(t->arg[0], &m);
	t->out[0] = m.mr[0];
	t->out[1] = MSG_LABEL(m.info);
}

// Starts a caller on a new endpoint and takes its call: the caller waits
// for our reply. *rep is a new reply object.
static const char *take_call(uint32_t *ep, uint32_t *rep, struct tthread **c)
{
	struct msg m = { 0 };
	int e;

	*ep = ep_new();
	CHECK(*ep, "no endpoint");
	OK(obj_new_in(SLOT_SPACE, CAP_REPLY, 0, rep));
	*c = tt_start(calling_thread, my_prio, *ep, 0, &e);
	CHECK(*c, "thread: %s", hmk_strerror(e));
	OK(poll_recv(*ep, &m));
	CHECK(m.mr[0] == 5, "call carried %u", m.mr[0]);
	return 0;
}

static const char *test_saved_reply(void)
{
	uint32_t ep, rep;
	struct tthread *c;
	struct msg m = msg_make(7, 1, 42, 0, 0, 0);

	TRY(take_call(&ep, &rep, &c));
	OK(reply_save(rep));
	struct msg r = msg_make(0, 0, 0, 0, 0, 0);
	EXPECT(sys_reply(&r), E_NOREPLY); // the reply has moved into the object
	for (int i = 0; i < 10; i++)
		sys_yield();
	CHECK(!c->done, "caller returned before the saved reply was sent");
	OK(sys_send(rep, &m));
	CHECK(wait_flag(&c->done), "caller never got the saved reply");
	OK(c->rc);
	CHECK(c->out[0] == 42 && c->out[1] == 7, "reply %u label %u", c->out[0], c->out[1]);
	m = msg_make(7, 1, 43, 0, 0, 0);
	EXPECT(sys_send(rep, &m), E_NOREPLY); // one shot
	return 0;
}

static const char *test_reply_save_errors(void)
{
	uint32_t ep, rep, rep2, ro;
	struct tthread *c;
	struct msg m = msg_make(0, 0, 0, 0, 0, 0);

	OK(obj_new_in(SLOT_SPACE, CAP_REPLY, 0, &rep2));
	EXPECT(reply_save(rep2), E_NOREPLY); // we hold no caller
	OK(mint(rep2, RIGHT_READ | RIGHT_MANAGE, 0, &ro));
	EXPECT(sys_send(ro, &m), E_PERM);
	TRY(take_call(&ep, &rep, &c));
	EXPECT(reply_save(ro), E_PERM);
	OK(reply_save(rep));
	OK(sys_send(rep, &m));
	CHECK(wait_flag(&c->done), "caller never got the reply");
	return 0;
}

static const char *test_reply_destroyed(void)
{
	uint32_t ep, rep;
	struct tthread *c;

	TRY(take_call(&ep, &rep, &c));
	OK(reply_save(rep));
	OK(inv_destroy(rep));
	CHECK(wait_flag(&c->done), "caller still waits on a destroyed reply object");
	EXPECT(c->rc, E_DEAD);
	return 0;
}

static void bare_caller(uint32_t ep)
{
	struct msg m = msg_make(1, 1, 5, 0, 0, 0);
	sys_call(ep, &m);
	for (;;)
		sys_yield();
}

static const char *test_saved_caller_died(void)
{
	uint32_t ep = ep_new(), rep, c;
	struct msg m = { 0 };

	CHECK(ep, "no endpoint");
	OK(obj_new_in(SLOT_SPACE, CAP_REPLY, 0, &rep));
	OK(bare_start(bare_caller, ep, my_prio, &c));
	OK(poll_recv(ep, &m));
	OK(reply_save(rep));
	OK(inv_destroy(c));
	m = msg_make(0, 0, 0, 0, 0, 0);
	EXPECT(sys_send(rep, &m), E_DEAD);
	EXPECT(sys_send(rep, &m), E_NOREPLY);
	return 0;
}

const struct test reply_tests[] = {
	{ test_saved_reply, "saved reply sent later, once" },
	{ test_reply_save_errors, "REPLY_SAVE errors: no caller, rights" },
	{ test_reply_destroyed, "reply object destroyed under its caller -> E_DEAD" },
	{ test_saved_caller_died, "caller died after REPLY_SAVE -> E_DEAD" },
	{ 0, 0 },
};
