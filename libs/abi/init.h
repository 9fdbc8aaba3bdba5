// The protocol between `init` and the programs it starts: which capability
// sits in which slot of a new program's table, where its stack and IPC
// buffer are, and the requests init serves on its endpoint.
#pragma once

#include "abi/abi.h"

// Slots of every program init starts.
enum init_slot {
	SLOT_SPACE = 1,   // the program's own address space (all rights)
	SLOT_THREAD = 2,  // its first thread (all rights)
	SLOT_CONSOLE = 3, // the console (write only: no power-off)
	SLOT_INIT = 4,    // init's endpoint, badged with the program's id (write, grant)
	SLOT_MEMORY = 5,  // a range of RAM for the program's own use (read, write): derived
			  //   (RANGE_DERIVE), it dies with the program, and every mapping
			  //   made through it in any space or window goes with it
	SLOT_GIFT = 6,    // a capability its spawner passed along, or empty
	SLOT_IRQCTL = 7,  // interrupt control, for programs init starts from its own
			  //   command line (trusted by whoever booted); empty for spawned ones
	SLOT_MEMSRV = 8,  // memsrv's endpoint badged with the program's id (write,
			  //   grant), for every program started after memsrv; else empty
	SLOT_FIRST_FREE = 16,
};

// Virtual layout of a program (below 1 GiB so that every VMSPLIT fits).
#define USER_TEXT_BASE 0x00010000u // programs are linked here
#define USER_HEAP_BASE 0x10000000u // the runtime's heap grows up from here
#define USER_HEAP_MAX 0x20000000u
#define USER_SCRATCH_BASE 0x30000000u // free for the program's own mappings
#define USER_STACK_TOP INIT_STACK_TOP // first thread's stack, USER_STACK_PAGES below
#define USER_STACK_PAGES INIT_STACK_PAGES
#define USER_IPCBUF_VA INIT_IPCBUF_VA // the first thread's IPC buffer

// A program starts with r0 = its argument word (given by whoever spawned it)
// and sp = USER_STACK_TOP.
//
// memsrv: when the initrd holds memsrv.elf, init starts it first, keeps
// INIT_PROGRAM_POOL of RAM (the lowest) for loading programs and gives
// memsrv all the rest: CAP_RANGE capabilities in slots MEMSRV_RANGE_FIRST..
// MEMSRV_RANGE_FIRST + n - 1, with r0 = n. memsrv receives on its own
// endpoint, whose capability init holds to mint SLOT_MEMSRV for the others:
// memsrv gets it in SLOT_GIFT.
#define INIT_PROGRAM_POOL (256u << 20)
#define MEMSRV_RANGE_FIRST SLOT_FIRST_FREE
#define MEMSRV_RANGES_MAX 16
#define MEMSRV_FIRST_FREE (MEMSRV_RANGE_FIRST + MEMSRV_RANGES_MAX) // memsrv's own slots

// Requests on SLOT_INIT (call). The badge tells init who asks.
enum init_request {
	INIT_EXIT = 1,  // (status): the program ends; init destroys it and logs the status
	INIT_SPAWN = 2, // (arg, name packed in MR1..MR8, NUL-padded, at most 31 chars
			//   [, memsrv page limit, memsrv mappings limit]) with an optional
			//   capability (MSG_CAP) that lands in the child's SLOT_GIFT
			//   -> MR0 child id. The child's memsrv limits (MS_LIMIT) are the
			//   lowest of the program's own, the spawner's and those asked
			//   for (0 or absent: no lower)
	INIT_KILL = 3,  // (child id): destroys a program the caller spawned -> E_OK
	INIT_WAIT = 4,  // (child id): replies when that child has exited -> MR0 status
};
#define INIT_NAME_WORDS 8
