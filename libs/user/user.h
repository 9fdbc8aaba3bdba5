// The user runtime linked into every program: start-up, the console behind
// stdout, memory (a page allocator and sbrk over SLOT_MEMORY), capability
// slots, and threads sharing the program's address space.
//
// Every thread runs on a 64 KiB stack aligned to 64 KiB whose top
// USER_TCB_BYTES hold its struct user_tcb, so the running thread finds its
// own block from sp alone (no kernel help, no TLS register): picolibc's
// thread pointer (errno), its IPC buffer and its stdout line buffer.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "abi/init.h"
#include "abi/syscall.h"
#include "invoke.h"

#define PAGE_SIZE 4096u
#define USER_THREAD_STACK_BYTES (USER_STACK_PAGES * PAGE_SIZE) // 64 KiB, also the alignment
#define USER_TCB_BYTES 512u
#define USER_THREADS_MAX 32     // threads besides the first
#define USER_CONSOLE_CHUNK 252u // bytes of one CONSOLE_WRITE

// The slots the runtime uses. Programs get the defaults of abi/init.h; init
// points them at the capabilities named in its bootinfo.
struct user_env {
	uint32_t space;   // own address space (SPACE_MAP, SPACE_CREATE)
	uint32_t thread;  // first thread
	uint32_t console; // CONSOLE_WRITE
	uint32_t init;    // INIT_EXIT and friends; 0 for init itself
	uint32_t memory;  // CAP_RANGE the page allocator takes pages from; 0: none
};
extern struct user_env user_env;

// The start argument word (r0 at _start). Programs define `int main(void)`;
// returning from main is exit(status).
extern uint32_t user_arg;

// A thread's control block, at the top of its stack.
struct user_tcb {
	void *tp;                  // picolibc's thread pointer: its TLS block - 8
	struct ipc_buffer *ipcbuf; // this thread's IPC buffer
	uint32_t thread_slot;      // this thread's capability
	uint32_t out_len;          // bytes waiting in out[]
	char out[USER_CONSOLE_CHUNK];
};

// The running thread's control block. Any thread, any time.
static inline struct user_tcb *user_tcb(void)
{
	uint32_t sp;

	__asm__("mov %0, sp" : "=r"(sp));
	return (struct user_tcb *)((sp | (USER_THREAD_STACK_BYTES - 1)) + 1 - USER_TCB_BYTES);
}

// The running thread's IPC buffer (MR4.. of long messages).
static inline struct ipc_buffer *user_ipcbuf(void)
{
	return user_tcb()->ipcbuf;
}

// One CONSOLE_WRITE of n <= USER_CONSOLE_CHUNK bytes (E_INVAL beyond) on
// console. Returns E_OK or the kernel's error.
int console_write(uint32_t console, const char *buf, uint32_t n);

// Writes n bytes to the console at once, in CONSOLE_WRITE chunks, bypassing
// stdout's buffer. Returns E_OK or the kernel's error.
int user_console_write(const char *buf, uint32_t n);

// Sends the running thread's pending stdout bytes. Returns E_OK or an error.
int user_console_flush(void);

// Ends the program: flushes stdout, sends INIT_EXIT(status) on user_env.init
// and never returns (a program without init suspends its thread).
__attribute__((noreturn)) void _exit(int status);

// Maps npages fresh pages of user_env.memory read-write at va (page aligned)
// in the own space. Contents are whatever the RAM held. Returns E_OK,
// E_NOMEM once the range is used up, or the kernel's error of SPACE_MAP.
int user_pages_alloc(uint32_t npages, uint32_t va);

// Grows (or, with incr < 0, shrinks) the heap at USER_HEAP_BASE by incr
// bytes, mapping pages of user_env.memory as needed: picolibc's malloc
// calls it. Returns the old end, or (void *)-1 with errno ENOMEM.
void *sbrk(ptrdiff_t incr);
// Maps the heap's first `bytes` now (sbrk then finds them mapped): the page
// tables of the program's heap, which the kernel charges to its quota, are
// then made once for all, whatever the heap later holds. E_OK, E_NOMEM,
// E_RANGE.
int user_heap_premap(uint32_t bytes);

// Pages of user_env.memory still free.
uint32_t user_pages_free(void);

// Hands out a free capability slot of the own table (from SLOT_FIRST_FREE,
// or from user_slots_init's first), 0 when none is left.
uint32_t user_slot_alloc(void);

// Returns a slot to user_slot_alloc (does not delete what it holds).
void user_slot_free(uint32_t slot);

// SPACE_CREATE of a type object (arg as SPACE_CREATE's) charged to space,
// in a fresh slot of the own table: E_OK with the slot in *slot, E_NOSLOT
// when none is free, or the kernel's error (*slot is then 0, the slot free).
int space_create(uint32_t space, uint32_t type, uint32_t arg, uint32_t *slot);

// SPACE_MINT of the own slot src (rights, badge as SPACE_MINT's) into a
// fresh slot of the own table (space: a capability to the own space): E_OK
// with it in *slot, else as space_create (*slot 0, the slot free).
int slot_mint(uint32_t space, uint32_t src, uint32_t rights, uint32_t badge, uint32_t *slot);

// Empties slot of the own table (space: a capability to the own space) and
// returns it to user_slot_alloc. Returns SPACE_DELETE's error; the slot is
// freed either way.
int slot_delete(uint32_t space, uint32_t slot);

// Makes [first, CAP_SLOTS) the slots user_slot_alloc hands out (init: the
// bootinfo's first_free_slot). Call before the first user_slot_alloc.
void user_slots_init(uint32_t first);

// The allocators (pages, slots, threads) are not thread-safe: one thread
// at a time may use them.

// A thread of this program, as thread_spawn made it.
struct user_thread {
	uint32_t slot;  // its CAP_THREAD (all rights), in the own table
	uint32_t index; // its stack slot, 1..USER_THREADS_MAX
	uint32_t stack_top;
	uint32_t stack_pages;
	uint32_t ipcbuf_va;
};

// Starts fn(arg) in a new thread of the own space at priority prio, with a
// stack of stack_pages (1..16) mapped from user_env.memory, its IPC buffer
// and stdout buffer of its own, and faults sent to fault_ep (a slot, 0:
// none). Returning from fn is thread_exit(). Returns E_OK with *t filled,
// E_INVAL for a bad stack_pages, E_NOSLOT when every thread slot or
// capability slot is taken, or the kernel's error.
int thread_spawn(struct user_thread *t, void (*fn)(uint32_t), uint32_t arg, uint32_t stack_pages,
		 uint32_t prio, uint32_t fault_ep);

// Ends the calling thread (flushing its stdout): it suspends itself and
// waits for thread_destroy. The first thread must use exit() instead.
__attribute__((noreturn)) void thread_exit(void);

// Destroys a thread thread_spawn made and frees its slots (its stack pages
// are not returned to user_env.memory). Returns E_OK or the kernel's error.
int thread_destroy(struct user_thread *t);

// Requests to init (libs/abi/init.h) on user_env.init. init answers with
// its error as the reply's label and the result in MR0; these return the
// kernel's error of the call, else init's.

// Starts the program NAME (found in the initrd as NAME.elf) with the start
// argument arg and, when gift is not 0, a copy of the capability in slot
// gift in its SLOT_GIFT (needs RIGHT_GRANT on it). Returns E_OK with the
// child's id in *id, E_INVAL for a name longer than 31 bytes, or init's error
// (E_INVAL: no such program; E_NOMEM: no memory left).
int init_spawn(const char *name, uint32_t arg, uint32_t gift, uint32_t *id);
// The same, the child's memsrv limits lowered to ms_pages HIGHMEM pages and
// ms_maps kmap references and vmaps (0: not lowered; never above ours).
int init_spawn_limited(const char *name, uint32_t arg, uint32_t gift, uint32_t ms_pages,
		       uint32_t ms_maps, uint32_t *id);

// Ends a program this one spawned. Returns E_OK, or E_INVAL/E_PERM.
int init_kill(uint32_t id);

// Waits (polling, with sys_yield) until the program id this one spawned has
// exited; returns E_OK with its status in *status, or E_INVAL/E_PERM.
int init_wait(uint32_t id, int *status);
