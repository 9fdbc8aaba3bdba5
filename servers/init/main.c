// init's boot story: take over the capabilities the kernel named in the
// bootinfo, map the initrd, make an endpoint, start memsrv when the initrd
// holds it, then what the command line asks (run=NAME[:ARG][,...], else the
// demo: hmdemo when memsrv runs, and echo/ping), then serve requests.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "init.h"

#define DEMO "echo"
#define DEMO_MEMSRV "hmdemo," DEMO

static const struct bootinfo *bi;

// The runtime's slots are the bootinfo's, not those of a started program.
static void env_init(void)
{
	user_env = (struct user_env){
		.space = bi->space_slot,
		.thread = bi->thread_slot,
		.console = bi->console_slot,
	};
	user_tcb()->thread_slot = bi->thread_slot;
	user_slots_init(bi->first_free_slot);
}

// Every range but the initrd (HIGHMEM, and what the kernel set aside of
// LOWMEM) becomes the pool; returns its size in pages.
static uint32_t memory_init(void)
{
	for (uint32_t i = 0; i < bi->nranges && i < BOOTINFO_RANGES_MAX; i++) {
		const struct bootinfo_range *r = &bi->ranges[i];
		uint32_t pages;

		if (r->flags & BI_RANGE_INITRD)
			continue;
		if (range_info(r->slot, NULL, &pages) == E_OK)
			pool_add(r->slot, pages);
	}
	return pool_pages();
}

// Maps the initrd read-only; returns its address and length, or NULL.
static const void *initrd_map(uint32_t *len)
{
	const struct bootinfo_range *r;
	uint64_t base;
	uint32_t pages;
	int err;

	if (bi->initrd_range >= bi->nranges || bi->initrd_range >= BOOTINFO_RANGES_MAX)
		return NULL;
	r = &bi->ranges[bi->initrd_range];
	if ((err = range_info(r->slot, &base, &pages)))
		goto fail;
	// The archive may start inside the range's first page.
	if (r->base < base || r->base - base + r->size > (uint64_t)pages * PAGE_SIZE ||
	    pages > INIT_INITRD_MAX / PAGE_SIZE) {
		err = E_RANGE;
		goto fail;
	}
	err = space_map(user_env.space, r->slot, 0, INIT_INITRD_VA, pages, PROT_READ);
	if (err)
		goto fail;
	*len = (uint32_t)r->size;
	return (const char *)INIT_INITRD_VA + (r->base - base);
fail:
	printf("init: cannot map the initrd: %s\n", hmk_strerror(err));
	return NULL;
}

// The value of word `key` ("run=") in the command line, up to the next
// space, into buf; 0 when absent.
static int cmdline_value(const char *key, char *buf, size_t size)
{
	const char *c = bi->cmdline, *end = c + strnlen(c, sizeof(bi->cmdline));
	size_t klen = strlen(key);

	while (c < end) {
		const char *w = c;

		while (c < end && *c != ' ')
			c++;
		if ((size_t)(c - w) >= klen && !memcmp(w, key, klen)) {
			size_t n = (size_t)(c - w) - klen;

			if (n >= size)
				n = size - 1;
			memcpy(buf, w + klen, n);
			buf[n] = 0;
			return 1;
		}
		while (c < end && *c == ' ')
			c++;
	}
	return 0;
}

// Starts each program of a comma-separated list, NAME or NAME:ARG (ARG its
// start argument, as strtoul reads it; else 0); returns how many started.
static int start_list(char *list)
{
	int started = 0;

	for (char *name = list, *next; name && *name; name = next) {
		char *colon;
		uint32_t id, arg = 0;

		next = strchr(name, ',');
		if (next)
			*next++ = 0;
		if ((colon = strchr(name, ':'))) {
			*colon = 0;
			arg = (uint32_t)strtoul(colon + 1, NULL, 0);
		}
		if (*name && procs_spawn(name, 0, arg, 0, 0, 0, &id) == E_OK)
			started++;
	}
	return started;
}

static uint32_t own_priority(void)
{
	uint32_t prio;

	return thread_info(bi->thread_slot, NULL, &prio, NULL) == E_OK ? prio : 1;
}

int main(void)
{
	char list[sizeof(bi->cmdline)];
	const void *initrd;
	uint32_t len, ep, pages;
	int poweroff;

	bi = (const struct bootinfo *)user_arg;
	if (!bi || bi->magic != BOOTINFO_MAGIC)
		return 1; // no console to say it on
	env_init();
	poweroff = cmdline_value("poweroff", list, sizeof(list));
	pages = memory_init();
	printf("init: %u MiB of RAM for programs, command line \"%s\"\n", pages >> 8, bi->cmdline);
	if (!pages)
		printf("init: no RAM for programs: cannot start them (give QEMU more RAM, -m 2G or "
		       "more)\n");
	initrd = initrd_map(&len);
	if (!initrd)
		printf("init: no initrd: no programs to start\n");
	if (space_create(user_env.space, CAP_ENDPOINT, 0, &ep)) {
		printf("init: cannot create an endpoint\n");
		return 1;
	}
	loader_init(initrd, initrd ? len : 0, ep, bi->console_slot, bi->irqctl_slot,
		    own_priority());
	if (initrd && pages) {
		int memsrv = memsrv_start();

		if (!cmdline_value("run=", list, sizeof(list)))
			strcpy(list, memsrv ? DEMO_MEMSRV : DEMO);
		if (!start_list(list))
			printf("init: nothing started\n");
	}
	serve(ep, bi->console_slot, poweroff);
}
