// init: the first program. It loads the others from the initrd into address
// spaces of their own, hands them their capabilities (libs/abi/init.h) and
// serves their requests on its endpoint.
#pragma once

#include <stdint.h>

#include "abi/init.h"
#include "user.h"

// init's own virtual layout, besides what the kernel placed.
#define INIT_INITRD_VA 0x20000000u        // the initrd, read-only
#define INIT_INITRD_MAX 0x10000000u       // at most 256 MiB of it
#define INIT_SCRATCH_VA USER_SCRATCH_BASE // pages being loaded, mapped for a while
#define INIT_SCRATCH_MAX 0x0f000000u

#define PROCS_MAX 32
#define PROC_NAME_MAX 32

// A chunk of physical memory: a CAP_RANGE in init's table.
struct chunk {
	uint32_t slot;
	uint32_t pages;
};

// What a program may have: the kernel memory of its space, its RAM, its
// memsrv limits and whether it may use the performance monitors.
struct prog_limits {
	uint32_t quota_pages;  // kernel memory (page tables, threads, endpoints)
	uint32_t memory_pages; // its SLOT_MEMORY range
	uint32_t ms_pages;     // memsrv: HIGHMEM pages it may own (0: memsrv_default_pages())
	uint32_t ms_maps;      // memsrv: kmap references and vmaps at once
	uint32_t pmu;          // granted the PMU (CONSOLE_PMU), as every program it starts
};

// A started program, and after its exit its status until its parent waits.
struct proc {
	uint32_t id;     // 0: free entry
	uint32_t parent; // id of the spawner, 0 for init
	char name[PROC_NAME_MAX];
	uint32_t space, thread, fault; // slots in init's table
	struct chunk image, memory;
	int exited;
	int status;
	int service;                // runs for the others (memsrv): not waited for before power-off
	uint32_t ms_pages, ms_maps; // its memsrv limits (MS_LIMIT)
	int pmu;                    // granted the performance monitors (CONSOLE_PMU)
	// Capabilities of init's table for MEMSRV_RANGE_FIRST.. (only while starting).
	const struct chunk *ranges;
	uint32_t nranges;
};

// pool.c: physical memory from the HIGHMEM ranges of the bootinfo.
// Adds a range capability of the given size to the pool.
void pool_add(uint32_t slot, uint32_t pages);
// Takes a chunk of exactly npages (splitting a bigger one). Returns E_OK,
// E_NOMEM, E_NOSLOT, or the kernel's error of RANGE_SPLIT.
int pool_take(uint32_t npages, struct chunk *c);
// Gives a chunk back (it is reused whole or split again; never merged).
void pool_give(struct chunk *c);
// Pages in the pool.
uint32_t pool_pages(void);
// Keeps the lowest `keep` pages of the pool (splitting the range that
// straddles) and takes out the rest, at most max chunks in order of
// address, into out. Returns how many; what does not fit stays.
uint32_t pool_handover(uint32_t keep, struct chunk *out, uint32_t max);

// loader.c: program loading.
// Sets where the initrd lies (in init's space) and what programs get.
void loader_init(const void *initrd, uint32_t len, uint32_t endpoint, uint32_t console,
		 uint32_t irqctl, uint32_t prio);
// Whether the initrd holds NAME.elf.
int loader_has(const char *name);
// From now on every program started gets SLOT_MEMSRV: a copy of endpoint
// (a slot of init's; 0: none) badged with its id.
void loader_set_memsrv(uint32_t endpoint);
// Loads NAME.elf from the initrd into a new space and starts it with r0 =
// arg, the capability in init's slot gift (0: none) in its SLOT_GIFT, and
// p->ranges in MEMSRV_RANGE_FIRST...
// Fills p's slots and chunks. Returns E_OK, E_INVAL (no such program, or
// a malformed one, reported on the console), E_NOMEM, or a kernel error;
// on failure nothing is left behind.
int loader_start(struct proc *p, uint32_t arg, uint32_t gift);
// Destroys a started program and gives its memory back to the pool.
void loader_destroy(struct proc *p);
// What NAME gets: memory, limits, the PMU.
struct prog_limits loader_limits(const char *name);

// serve.c: the program table and init's requests.
// Starts NAME on behalf of parent (0: init), with memsrv limits no higher
// than ms_pages and ms_maps (0: no lower than its own). Returns E_OK with
// *id set, or the error of loader_start.
int procs_spawn(const char *name, uint32_t parent, uint32_t arg, uint32_t gift, uint32_t ms_pages,
		uint32_t ms_maps, uint32_t *id);
// Starts a service of init's (memsrv) with nranges range capabilities of
// init's table in its MEMSRV_RANGE_FIRST.. slots. As procs_spawn.
int procs_spawn_service(const char *name, uint32_t arg, uint32_t gift, const struct chunk *ranges,
			uint32_t nranges, uint32_t *id);
// Serves requests on the endpoint forever; with poweroff, powers the
// machine off once no program but services runs.
__attribute__((noreturn)) void serve(uint32_t endpoint, uint32_t console, int poweroff);

// memsrv.c: the memory server.
// When the initrd holds memsrv.elf, hands it all of the pool but its lowest
// INIT_PROGRAM_POOL and starts it. Returns 1 when it runs.
int memsrv_start(void);
// memsrv has ended: its endpoint dies (clients get E_DEAD, not a hang).
void memsrv_ended(void);
// The HIGHMEM pages a program may own by default: a share of memsrv's.
uint32_t memsrv_default_pages(void);
// Tells memsrv the limits of program id (before it runs). E_OK or the error.
int memsrv_limit(uint32_t id, uint32_t pages, uint32_t maps);
