// The fuzzer worker's shared state (worker.c) and its choices (args.c).
#pragma once

#include <stdint.h>

#include "abi/abi.h"
#include "abi/syscall.h"

#define POOL_MAX 16
#define ECHO_RECV_SLOT (FUZZ_LAND_FIRST - 1) // where the echo thread receives
#define LEND_PAGES 16                        // last pages of SLOT_MEMORY lent out
#define PAGES_MAX 48                         // memsrv pages held at most
#define CHILD_VA 0x00400000u                 // where child spaces get pages mapped
#define CHILD_PRIO 2                         // threads in child spaces, and the pacer
#define PACER_YIELDS 100
#define PACER 0xf2 // label of the pacer's message

extern uint32_t rng, echo_rng;
extern uint32_t pool[POOL_MAX], npool; // objects made at start
extern uint32_t spaces[4], nspaces;    // child spaces among them
extern uint32_t windows[2], nwindows;
extern uint32_t threads[4], nthreads;
extern uint32_t notifies[2], nnotifies;
extern uint32_t replies[2], nreplies;
extern uint32_t echo_ep, echo_slot;  // the echo thread and its endpoint
extern uint32_t wait_ep, pacer_slot; // where the worker waits for its children
extern uint8_t derived[CAP_SLOTS];   // 1: a copy of a protected capability
extern uint8_t echo_copy[CAP_SLOTS]; // 1: a copy of echo_ep
extern uint32_t mem_pages, my_prio, client_id;
struct held_block {
	uint32_t pfn, order;
};
extern struct held_block pages[PAGES_MAX]; // blocks memsrv gave the worker
extern uint32_t npages;                    // blocks held
extern uint32_t vas[16], nvas;             // addresses memsrv mapped for it

// Slots the worker must keep: what init gave it, its own threads, memsrv's
// endpoint for the main thread; kept() adds the copies of those.
int is_protected(uint32_t s);
int kept(uint32_t s);
// The call splits or destroys what init lent the worker (SLOT_MEMORY) or a
// boot object (SLOT_CONSOLE): the kernel must refuse it (a derived range or
// a boot object is never split or destroyed through a copy), so the worker
// makes it and fails the campaign when it works.
int must_refuse(uint32_t cap, uint32_t label, const uint32_t *w);
// A slot where created and received capabilities land.
uint32_t land_slot(void);
// Any slot, mostly one that holds something.
uint32_t pick_slot(void);
// A frame number, mostly one memsrv gave the worker.
uint32_t pick_pfn(void);
// An address, mostly one memsrv mapped for the worker or in its windows.
uint32_t pick_va(void);
// A word that often means something.
uint32_t rword(void);
// A priority for a new thread: CHILD_PRIO, or one above the worker's (refused).
uint32_t prio_arg(void);
// Points offset and the count in the low 24 bits of *count at pages lent out.
void lent_pages(uint32_t *offset, uint32_t *count);
// Makes a message to endpoint cap one that cannot block the worker for ever
// or end it (*nr, *label may change).
void endpoint_guard(uint32_t cap, uint32_t *nr, uint32_t *label);
// Fills w[0..3] for invocation label on cap; 0 when the call must not be made.
int invocation_args(uint32_t cap, uint32_t label, uint32_t *w);
// One of n slots; any slot when n is 0.
uint32_t one_of(const uint32_t *slots, uint32_t n);
// The slot to invoke label on: mostly an object of its kind.
uint32_t pick_target(uint32_t label);
// An invocation label, mostly a real one.
uint32_t pick_label(void);
// Random words MR4.., capability slots and map fields in the IPC buffer.
void ipcbuf_fill(struct ipc_buffer *b);
// The type of what slot s holds, 0 for nothing.
uint32_t slot_type(uint32_t s);
// 1 when the echo thread waits in receive.
int echo_waits(void);
