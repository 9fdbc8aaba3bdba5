// ping: the client half of the demo. Its start argument is the number of
// round trips, its SLOT_GIFT echo's endpoint; each call carries ECHO_WORDS
// words that echo must answer transformed.
#include <stdio.h>

#include "../echo/echo.h"
#include "user.h"

int main(void)
{
	struct ipc_buffer *ipc = user_ipcbuf();
	uint32_t rounds = user_arg, bad = 0;
	struct msg m;
	int err = E_OK;

	for (uint32_t r = 0; r < rounds && !err && !bad; r++) {
		uint32_t w[ECHO_WORDS];

		for (uint32_t i = 0; i < ECHO_WORDS; i++)
			w[i] = r * 0x10001u + i * 0x01000193u;
		for (uint32_t i = MSG_REG_WORDS; i < ECHO_WORDS; i++)
			ipc->mr[i] = w[i];
		m = (struct msg){ .info = MSG_INFO(ECHO_CALL, ECHO_WORDS),
				  .mr = { w[0], w[1], w[2], w[3] } };
		err = sys_call(SLOT_GIFT, &m);
		for (uint32_t i = 0; !err && i < ECHO_WORDS; i++)
			if ((i < MSG_REG_WORDS ? m.mr[i] : ipc->mr[i]) != echo_transform(w[i], i) ||
			    MSG_LEN(m.info) != ECHO_WORDS)
				bad = r + 1;
	}
	if (err || bad) {
		printf("ping: round trips with echo FAILED (%s, bad reply in round %u)\n",
		       hmk_strerror(err), bad);
		return 1;
	}
	m = (struct msg){ .info = MSG_INFO(ECHO_DONE, ECHO_WORDS) };
	sys_call(SLOT_GIFT, &m);
	printf("ping: %u round trips with echo ok\n", rounds);
	return 0;
}
