// The client side of init's requests.
#include <string.h>

#include "user.h"

// One call on init: the kernel's error, else init's (the reply's label).
static int init_call(struct msg *m)
{
	int err = sys_call(user_env.init, m);

	return err ? err : (int)MSG_LABEL(m->info);
}

int init_spawn(const char *name, uint32_t arg, uint32_t gift, uint32_t *id)
{
	return init_spawn_limited(name, arg, gift, 0, 0, id);
}

int init_spawn_limited(const char *name, uint32_t arg, uint32_t gift, uint32_t ms_pages,
		       uint32_t ms_maps, uint32_t *id)
{
	uint32_t words[INIT_NAME_WORDS] = { 0 };
	struct ipc_buffer *ipc = user_ipcbuf();
	size_t n = strlen(name);
	struct msg m = { .info = MSG_INFO(INIT_SPAWN, 3 + INIT_NAME_WORDS), .mr = { arg } };
	int err;

	if (n == 0 || n >= sizeof(words))
		return E_INVAL;
	memcpy(words, name, n);
	for (int i = 0; i < INIT_NAME_WORDS; i++) {
		if (1 + i < MSG_REG_WORDS)
			m.mr[1 + i] = words[i];
		else
			ipc->mr[1 + i] = words[i];
	}
	ipc->mr[1 + INIT_NAME_WORDS] = ms_pages;
	ipc->mr[2 + INIT_NAME_WORDS] = ms_maps;
	if (gift) {
		ipc->cap_send = gift;
		m.info |= MSG_CAP;
	}
	err = init_call(&m);
	if (err == E_OK)
		*id = m.mr[0];
	return err;
}

int init_kill(uint32_t id)
{
	struct msg m = { .info = MSG_INFO(INIT_KILL, 1), .mr = { id } };

	return init_call(&m);
}

int init_wait(uint32_t id, int *status)
{
	for (;;) {
		struct msg m = { .info = MSG_INFO(INIT_WAIT, 1), .mr = { id } };
		int err = init_call(&m);

		if (err != E_AGAIN) {
			if (err == E_OK)
				*status = (int)m.mr[0];
			return err;
		}
		sys_yield();
	}
}
