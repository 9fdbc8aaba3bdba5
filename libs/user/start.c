// Start-up of a program's first thread, and its end.
#include <stdlib.h>
#include <string.h>

#include "user.h"

_Static_assert(USER_THREAD_STACK_BYTES == 0x10000, "crt0.S and __aeabi_read_tp assume 64 KiB");
_Static_assert((USER_STACK_TOP & (USER_THREAD_STACK_BYTES - 1)) == 0, "first stack unaligned");
_Static_assert(sizeof(struct user_tcb) <= USER_TCB_BYTES, "user_tcb too big");

struct user_env user_env = {
	.space = SLOT_SPACE,
	.thread = SLOT_THREAD,
	.console = SLOT_CONSOLE,
	.init = SLOT_INIT,
	.memory = SLOT_MEMORY,
};

uint32_t user_arg;

// From user.ld: the first thread's TLS block is the image's own .tdata/.tbss.
extern char __tls_base[], __arm32_tls_tcb_offset[];
extern char __bss_start[], __bss_end[];

int main(void);
void __libc_init_array(void);
__attribute__((noreturn)) void user_start(uint32_t arg);

// Called by _start on the first thread with its control block reserved:
// zeroes .bss (a loader may not have), fills the control block, runs the
// constructors and main.
__attribute__((noreturn)) void user_start(uint32_t arg)
{
	struct user_tcb *tcb = user_tcb();

	memset(__bss_start, 0, (size_t)(__bss_end - __bss_start));
	memset(tcb, 0, sizeof(*tcb));
	tcb->tp = __tls_base - (uintptr_t)__arm32_tls_tcb_offset;
	tcb->ipcbuf = (struct ipc_buffer *)USER_IPCBUF_VA;
	tcb->thread_slot = SLOT_THREAD;
	user_arg = arg;
	__libc_init_array();
	exit(main());
}

void _exit(int status)
{
	struct msg m;

	user_console_flush();
	if (user_env.init)
		hmk_invoke(user_env.init, INIT_EXIT, 1, (uint32_t)status, 0, 0, 0, &m);
	for (;;) // init never replies to INIT_EXIT; without init, stop here
		thread_suspend(user_tcb()->thread_slot);
}
