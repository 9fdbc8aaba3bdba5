// echo: the server half of the demo. It makes an endpoint, has init start
// ping with a send-only, badged copy of it (the spawn gift), answers each
// call with echo_transform of its words, and exits once ping says done.
#include <stdio.h>

#include "echo.h"
#include "user.h"

int main(void)
{
	uint32_t ep, gift = user_slot_alloc(), id;
	struct ipc_buffer *ipc = user_ipcbuf();
	struct msg m;
	int err, calls = 0;

	if ((err = space_create(SLOT_SPACE, CAP_ENDPOINT, 0, &ep)) ||
	    (err = space_mint(SLOT_SPACE, gift, ep, RIGHT_WRITE, ECHO_BADGE)) ||
	    (err = init_spawn("ping", PING_ROUNDS, gift, &id))) {
		printf("echo: cannot set up: %s\n", hmk_strerror(err));
		return 1;
	}
	for (err = sys_recv(ep, &m);; err = sys_reply_recv(ep, &m)) {
		uint32_t w[ECHO_WORDS];

		if (err) {
			printf("echo: receive failed: %s\n", hmk_strerror(err));
			return 1;
		}
		if (m.badge != ECHO_BADGE || MSG_LEN(m.info) != ECHO_WORDS) {
			printf("echo: bad call (badge 0x%x, info 0x%x)\n", m.badge, m.info);
			m = (struct msg){ .info = MSG_INFO(E_INVAL, 0) };
			continue;
		}
		if (MSG_LABEL(m.info) == ECHO_DONE)
			break;
		for (uint32_t i = 0; i < ECHO_WORDS; i++)
			w[i] = echo_transform(i < MSG_REG_WORDS ? m.mr[i] : ipc->mr[i], i);
		for (uint32_t i = MSG_REG_WORDS; i < ECHO_WORDS; i++)
			ipc->mr[i] = w[i];
		m = (struct msg){ .info = MSG_INFO(0, ECHO_WORDS),
				  .mr = { w[0], w[1], w[2], w[3] } };
		calls++;
	}
	m = (struct msg){ .info = MSG_INFO(0, 0) };
	sys_reply(&m);
	printf("echo: served %d calls\n", calls);
	return 0;
}
