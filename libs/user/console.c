// stdout, stderr: picolibc's tiny stdio over CONSOLE_WRITE on user_env.console.
// Each thread buffers its own line in its control block; a line goes out on
// '\n' or when USER_CONSOLE_CHUNK bytes are waiting.
#include <stdio.h>

#include "user.h"

// MR0 = n, the bytes packed little-endian from MR1 (MR1..MR3 in registers,
// MR4.. in the IPC buffer).
int console_write(uint32_t console, const char *buf, uint32_t n)
{
	uint32_t w[1 + (USER_CONSOLE_CHUNK + 3) / 4] = { n };
	struct ipc_buffer *ipc = user_ipcbuf();
	uint32_t words = 1 + (n + 3) / 4;
	struct msg m;

	if (n > USER_CONSOLE_CHUNK)
		return E_INVAL;
	for (uint32_t i = 0; i < n; i++)
		w[1 + i / 4] |= (uint32_t)(uint8_t)buf[i] << (8 * (i % 4));
	for (uint32_t i = MSG_REG_WORDS; i < words; i++)
		ipc->mr[i] = w[i];
	return hmk_invoke(console, CONSOLE_WRITE, words, w[0], w[1], w[2], w[3], &m);
}

int user_console_write(const char *buf, uint32_t n)
{
	while (n) {
		uint32_t k = n < USER_CONSOLE_CHUNK ? n : USER_CONSOLE_CHUNK;
		int err = console_write(user_env.console, buf, k);

		if (err)
			return err;
		buf += k;
		n -= k;
	}
	return E_OK;
}

int user_console_flush(void)
{
	struct user_tcb *tcb = user_tcb();
	uint32_t n = tcb->out_len;

	tcb->out_len = 0;
	return n ? console_write(user_env.console, tcb->out, n) : E_OK;
}

static int console_put(char c, FILE *f)
{
	struct user_tcb *tcb = user_tcb();

	(void)f;
	tcb->out[tcb->out_len++] = c;
	if (c == '\n' || tcb->out_len == USER_CONSOLE_CHUNK)
		return user_console_flush() ? EOF : (unsigned char)c;
	return (unsigned char)c;
}

static int console_fflush(FILE *f)
{
	(void)f;
	return user_console_flush() ? EOF : 0;
}

static FILE console = FDEV_SETUP_STREAM(console_put, NULL, console_fflush, _FDEV_SETUP_WRITE);

FILE *const stdin = &console;
FILE *const stdout = &console;
FILE *const stderr = &console;
