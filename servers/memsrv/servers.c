// memsrv's threads, one per CPU: a client thread's requests are served on
// its own CPU, by the memsrv thread there, as Linux serves kmap_local from
// per-CPU slots. Each server receives on its own endpoint; a client thread
// holds one capability per CPU to them, all with its badge (MS_THREAD_HELLO
// gives CPU 0's, MS_ENDPOINT the others'). The locks they share are in
// ms.h.
#include <stdio.h>

#include "ms.h"

#define SERVER_STACK_PAGES 4

struct server servers[HMK_CPUS_MAX];
uint32_t nservers = 1;
int ms_smp;
uint32_t ms_big;

static void server_main(uint32_t k)
{
	serve(servers[k].ep);
}

void servers_start(uint32_t prio)
{
	uint32_t cpus = console_cpus(SLOT_CONSOLE);
	int err = E_OK;

	servers[0] = (struct server){ SLOT_GIFT, user_ipcbuf() };
	if (cpus > HMK_CPUS_MAX)
		cpus = HMK_CPUS_MAX;
	ms_smp = cpus > 1; // before a second server runs
	while (nservers < cpus) {
		struct server *sv = &servers[nservers];
		struct user_thread th;

		if ((err = ms_create(CAP_ENDPOINT, &sv->ep)))
			break;
		if ((err = thread_spawn(&th, server_main, nservers, SERVER_STACK_PAGES, prio, 0))) {
			ms_slot_destroy(sv->ep);
			break;
		}
		sv->ipc = (struct ipc_buffer *)th.ipcbuf_va;
		if ((err = thread_set_cpu(th.slot, nservers))) {
			thread_destroy(&th);
			sv->ipc = NULL;
			ms_slot_destroy(sv->ep);
			break;
		}
		nservers++;
	}
	if (err)
		printf("memsrv: no thread on CPU %u (%s): its clients are served from CPU 0\n",
		       nservers, hmk_strerror(err));
	ms_smp = nservers > 1;
}

void maps_drain(void)
{
	const struct ipc_buffer *me = user_ipcbuf();

	for (uint32_t k = 0; k < nservers; k++) {
		const uint32_t *word = &servers[k].ipc->map[IPC_MAP_WORD];

		if (servers[k].ipc != me)
			while (__atomic_load_n(word, __ATOMIC_ACQUIRE))
				__asm__ volatile("yield");
	}
}

int slots_clear(uint32_t win, uint32_t first, uint32_t n)
{
	if (ms_smp)
		maps_drain();
	return window_clear(win, first, n);
}

uint32_t thread_endpoint(const struct mthread *t, uint32_t ep)
{
	uint32_t slot = ms_slot_alloc();

	if (slot && space_mint(user_env.space, slot, ep, RIGHT_WRITE | RIGHT_GRANT, t->badge)) {
		user_slot_free(slot);
		slot = 0;
	}
	return slot;
}

int ms_endpoint(struct req *q)
{
	uint32_t cpu = q->w[0];

	if (!q->t)
		return req_fail(q, E_PERM,
				"MS_ENDPOINT needs its thread's capability from MS_THREAD_HELLO");
	if (q->len < 1 || cpu >= HMK_CPUS_MAX)
		return req_fail(q, E_INVAL, "MS_ENDPOINT needs a CPU below %u", HMK_CPUS_MAX);
	if (cpu >= nservers)
		return req_fail(q, E_RANGE, "MS_ENDPOINT: memsrv serves on %u CPU(s), not on %u",
				nservers, cpu);
	if (!(q->send_cap = thread_endpoint(q->t, servers[cpu].ep)))
		return req_fail(q, E_NOSLOT, "MS_ENDPOINT: no capability for CPU %u", cpu);
	return E_OK;
}
