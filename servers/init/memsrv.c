// Starting the memory server (libs/abi/init.h): init keeps the lowest
// INIT_PROGRAM_POOL of its RAM to load programs from and gives memsrv the
// rest as range capabilities, then an endpoint that every program started
// after it reaches memsrv by.
#include <stdio.h>

#include "abi/memsrv.h"
#include "init.h"

static uint32_t memsrv_ep;    // init's capability to memsrv's endpoint
static uint32_t memsrv_pages; // HIGHMEM memsrv was given

uint32_t memsrv_default_pages(void)
{
	return memsrv_pages / MS_DEFAULT_PAGES_DIV;
}

int memsrv_limit(uint32_t id, uint32_t pages, uint32_t maps)
{
	struct msg m = { .info = MSG_INFO(MS_LIMIT, 3), .mr = { id, pages, maps } };
	int err = memsrv_ep ? sys_call(memsrv_ep, &m) : E_OK;

	return err ? err : (int)MSG_LABEL(m.info);
}

// Puts handed-over chunks back into the pool.
static void chunks_return(struct chunk *c, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		pool_give(&c[i]);
}

int memsrv_start(void)
{
	struct chunk ranges[MEMSRV_RANGES_MAX];
	uint32_t n, pages = 0, id;
	int err;

	if (!loader_has("memsrv"))
		return 0;
	n = pool_handover(INIT_PROGRAM_POOL / PAGE_SIZE, ranges, MEMSRV_RANGES_MAX);
	if (!n) {
		printf("init: memsrv not started: no RAM beyond the %u MiB kept for programs\n",
		       INIT_PROGRAM_POOL >> 20);
		return 0;
	}
	for (uint32_t i = 0; i < n; i++)
		pages += ranges[i].pages;
	if ((err = space_create(user_env.space, CAP_ENDPOINT, 0, &memsrv_ep)))
		goto fail;
	if ((err = procs_spawn_service("memsrv", n, memsrv_ep, ranges, n, &id))) {
		space_destroy(user_env.space, memsrv_ep);
		slot_delete(user_env.space, memsrv_ep);
		goto fail;
	}
	// memsrv holds them now; init keeps no way to map that RAM.
	for (uint32_t i = 0; i < n; i++)
		slot_delete(user_env.space, ranges[i].slot);
	memsrv_pages = pages;
	loader_set_memsrv(memsrv_ep);
	printf("init: memsrv has %u MiB in %u range(s), %u MiB left for programs\n", pages >> 8, n,
	       pool_pages() >> 8);
	return 1;
fail:
	memsrv_ep = 0;
	chunks_return(ranges, n);
	printf("init: cannot start memsrv: %s\n", hmk_strerror(err));
	return 0;
}

void memsrv_ended(void)
{
	if (!memsrv_ep)
		return;
	printf("init: memsrv has ended: its clients get E_DEAD from now on\n");
	loader_set_memsrv(0);
	space_destroy(user_env.space, memsrv_ep);
	slot_delete(user_env.space, memsrv_ep);
	memsrv_ep = 0;
}
