// The kernel's interface, written once: system call numbers, register
// conventions, the error enum, message layout, capability types and rights,
// and the invocation labels of every kernel object. Included by the kernel,
// by user space and by host tests; only constants and plain structs.
#pragma once

#include <stdint.h>

// ---------------------------------------------------------------------------
// System calls: `svc #0` with the number in r7.
//
//   in:  r0 = capability (slot), r1 = message info, r2..r5 = MR0..MR3
//   out: r0 = error (E_OK or an enum hmk_err), r1 = message info,
//        r2..r5 = MR0..MR3, r6 = badge (receive side only)
//
// The register of each role, for code that reads or writes saved registers
// (the kernel's struct regs, a fault handler's view) instead of naming r0..r7.
#define REG_CAP 0   // in: the capability invoked or called
#define REG_ERR 0   // out: the error
#define REG_INFO 1  // message info, both ways
#define REG_MR0 2   // MR0..MR3 in REG_MR0..REG_MR0 + 3
#define REG_BADGE 6 // out: the sender's badge
#define REG_SYSNO 7 // in: the system call number
//
// Words MR4..MR63 of a longer message travel in the thread's IPC buffer
// (struct ipc_buffer), a page the kernel maps into the thread's address
// space. A call on a capability that is not an endpoint is an invocation
// of that object: the label names the operation, the words its arguments,
// and the reply carries results the same way.
enum hmk_syscall {
	SYS_CALL = 0,       // send, then wait for the one-shot reply
	SYS_REPLY_RECV = 1, // reply to the last caller (if any), then receive on r0
	SYS_UNPIN = 2,      // ends the calling thread's pin (THREAD_ATOMIC, MAP_PIN): MR0 1 when
			    // it was pinned, 0 when not (never, or the kernel ended it)
	SYS_SEND = 3,       // send; blocks until a receiver takes it
	SYS_NBSEND = 4,     // send only if a receiver is waiting, else E_AGAIN
	SYS_RECV = 5,       // receive; blocks until a sender comes
	SYS_NBRECV = 6,     // receive only if a sender is waiting, else E_AGAIN
	SYS_YIELD = 7,      // to the next thread of the same priority
	SYS_REPLY = 8,      // reply to the last caller without receiving (or SYS_SEND on
			    // a CAP_REPLY capability: to a caller saved with REPLY_SAVE)
	SYS_NULL = 9,       // does nothing: the cost of entering and leaving the kernel
	SYS_COUNT
};

// ---------------------------------------------------------------------------
// Errors, returned in r0. Every failure has its own name.
enum hmk_err {
	E_OK = 0,
	E_INVAL = 1,    // an argument is malformed or out of range
	E_CAP = 2,      // the slot is empty or out of the table
	E_TYPE = 3,     // the capability names the wrong kind of object
	E_PERM = 4,     // the capability lacks a right the operation needs
	E_NOMEM = 5,    // the caller's quota (or the machine) has no memory left
	E_DEAD = 6,     // the object was destroyed, or the partner died
	E_AGAIN = 7,    // a non-blocking operation would have blocked
	E_BUSY = 8,     // the resource is in use (a slot taken, an IRQ bound)
	E_RANGE = 9,    // an address or length falls outside what is allowed
	E_NOSYS = 10,   // no such system call or invocation label
	E_NOREPLY = 11, // reply with no caller waiting
	E_ORDER = 12,   // out of order (memsrv: unmap not of the newest mapping)
	E_NOSLOT = 13,  // no free slot (memsrv: windows, kmap_local depth)
	E_DEADLK = 14,  // the wait could never end
	E_FAULT = 15,   // (fault messages) the thread faulted
	E_COUNT
};

// A static, readable name for an error ("E_PERM"); "E_?" when unknown.
static inline const char *hmk_strerror(int e)
{
	static const char *const names[E_COUNT] = {
		"E_OK",    "E_INVAL",  "E_CAP",    "E_TYPE",  "E_PERM",  "E_NOMEM",
		"E_DEAD",  "E_AGAIN",  "E_BUSY",   "E_RANGE", "E_NOSYS", "E_NOREPLY",
		"E_ORDER", "E_NOSLOT", "E_DEADLK", "E_FAULT",
	};
	return e >= 0 && e < E_COUNT ? names[e] : "E_?";
}

// ---------------------------------------------------------------------------
// Message info (r1): label, length in words, and whether a capability is
// transferred.
//   bits  0..6  length: 0..64 message words (MR0..MR63)
//   bit   7     a capability travels: the sender names it in
//               ipc_buffer.cap_send; it lands in the receiver's
//               ipc_buffer.cap_recv slot (which must be empty), and the
//               receiver's info has this bit set when it arrived
//   bit   8     MSG_MAP (replies only, below)
//   bit   9     MSG_CALL (set by the kernel on a receive: the sender waits
//               for the reply, a call or a fault; a `send` arrives without it)
//   bits 12..31 label (invocation operation, fault kind, or the program's own)
#define MSG_MAX_WORDS 64
#define MSG_REG_WORDS 4 // MR0..MR3 travel in r2..r5
#define MSG_CAP (1u << 7)
#define MSG_CALL (1u << 9)
// On a reply (SYS_REPLY, SYS_REPLY_RECV): before the reply goes, the kernel
// does the WINDOW_MAP that ipc_buffer.map[] describes (window slot, then
// WINDOW_MAP's four words), with every check of WINDOW_MAP. If that fails,
// nothing is replied or received and r0 says why. A server that answers a
// mapping request this way saves a whole system call. The kernel consumes
// map[]: once the mapping is made or refused, and before the receive of a
// SYS_REPLY_RECV waits, map[IPC_MAP_WORD] reads 0. A server running on
// several CPUs learns from it that a map it answered with can no longer
// happen (memsrv waits for that before it empties a slot the map may fill).
#define MSG_MAP (1u << 8)
#define MSG_INFO(label, len) (((uint32_t)(label) << 12) | (0x7f & (uint32_t)(len)))
#define MSG_LABEL(info) ((uint32_t)(info) >> 12)
#define MSG_LEN(info) (0x7f & (uint32_t)(info))

// The index of the CPU the calling thread runs on, without a system call:
// the kernel keeps each CPU's in its TPIDRURO, which user mode may read.
// A hint, for choosing a per-CPU server or buffer: the thread may be moved
// (THREAD_SET_CPU) right after it read it.
static inline uint32_t hmk_cpu(void)
{
	uint32_t n;

	__asm__ volatile("mrc p15, 0, %0, c13, c0, 3" : "=r"(n));
	return n;
}

#define HMK_CPUS_MAX 8  // CPUs the kernel runs at most: a GICv2 has 8 CPU interfaces
#define IPC_KMAP_MAX 16 // kmap_local (and kmap_atomic) nesting depth: memsrv.h's KMAP_*_MAX

// The IPC buffer: one page per thread, mapped at the address given when the
// thread is configured. mr[0..3] are not used (those words are registers).
struct ipc_buffer {
	uint32_t mr[MSG_MAX_WORDS];
	uint32_t cap_send; // slot of the capability to send (with MSG_CAP)
	uint32_t cap_recv; // empty slot where a received capability goes (0: none)
	uint32_t user[2];  // free for the user runtime (thread-local pointer)
	uint32_t map[5];   // with MSG_MAP: window slot, first slot, range slot, page offset,
			   //   count | prot << 24
	// Kept by the memory server's client library (libs/highmem) for the
	// thread: the endpoints memsrv gave it, of its thread on each CPU (0:
	// none yet; one CPU's may be another's, when memsrv serves fewer), its
	// kmap_local (0) and kmap_atomic (1) mappings, how many it holds and
	// their page addresses, oldest first. (Here rather than in
	// thread-local storage: the thread finds its IPC buffer from its stack
	// pointer in fewer instructions.) THREAD_SET_CPU reads the two depths: a
	// thread that holds either kind is not moved until it holds none, as
	// Linux keeps such a thread on its CPU. (The thread writes them itself: one that
	// lies only moves itself, its window going with it.)
	uint32_t memsrv_ep[HMK_CPUS_MAX]; // one per CPU (memsrv serves on each)
	struct ipc_kmaps {
		uint32_t depth;
		uint32_t va[IPC_KMAP_MAX];
	} kmaps[2];
};
// ipc_buffer.map[]'s words by name.
enum { IPC_MAP_WINDOW, IPC_MAP_FIRST, IPC_MAP_RANGE, IPC_MAP_OFFSET, IPC_MAP_WORD };

// ---------------------------------------------------------------------------
// Capabilities: a slot index into the table of the caller's address space.
// Slot 0 is always empty, so 0 means "no capability".
#define CAP_SLOTS 256

enum cap_type {
	CAP_NULL = 0,
	CAP_SPACE = 1, // an address space: page tables, ASID, capability table, quota
	CAP_THREAD = 2,
	CAP_ENDPOINT = 3,
	CAP_NOTIFY = 4,  // a notification: a word of bits and one waiter
	CAP_REPLY = 5,   // a one-shot reply object
	CAP_RANGE = 6,   // physical memory the kernel does not use: base, size
	CAP_IRQCTL = 7,  // binds interrupts to notifications
	CAP_IRQ = 8,     // one bound interrupt
	CAP_CONSOLE = 9, // the kernel's debug console and machine control
	CAP_WINDOW = 10, // a level-3 table of 512 page slots installed into address spaces
	CAP_TYPE_COUNT
};

// Rights. Minting may only remove rights.
#define RIGHT_READ (1u << 0)   // receive / wait; map readable
#define RIGHT_WRITE (1u << 1)  // send / signal; map writable
#define RIGHT_GRANT (1u << 2)  // may carry a capability in a message
#define RIGHT_MANAGE (1u << 3) // configure, destroy, create, map, copy out of
#define RIGHTS_ALL 0xfu

// ---------------------------------------------------------------------------
// Invocations: SYS_CALL on a non-endpoint capability, label = operation.
// Arguments are MR0.., results come back in MR0.. of the reply. Every one
// needs RIGHT_MANAGE on the invoked capability unless said otherwise.
enum hmk_invocation {
	// Any capability.
	INV_IDENTIFY = 1, // -> MR0 type, MR1 rights, MR2 badge  (no right needed)
	INV_DESTROY,      // the object dies; every capability to it then gives E_DEAD.
			  //   The console and interrupt control never die (E_PERM)
	INV_WATCH,        // (notification slot, badge): when the object dies, the kernel
			  //   signals the badge there. One watcher per object (E_BUSY).
			  //   Needs RIGHT_READ on the object, RIGHT_WRITE on the notification.

	// CAP_SPACE: the invoked space's table and memory. New objects are
	// charged to the invoked space's quota, and die when it dies.
	SPACE_CREATE,   // (type, dest slot, arg) -> object in the caller's dest slot.
			//   type CAP_SPACE: arg = quota in pages, taken from the
			//   invoked space's quota; CAP_THREAD/ENDPOINT/NOTIFY/REPLY: arg 0
	SPACE_MINT,     // (dest slot in the invoked space, src slot in the caller's,
			//  rights, badge): copy with fewer rights and, when the
			//  source's badge is 0, a badge
	SPACE_DELETE,   // (slot in the invoked space)
	SPACE_MAP,      // (range slot, page offset in the range, va, npages | prot << 24)
			//   prot: PROT_* below; needs RIGHT_WRITE on the range for PROT_WRITE
	SPACE_UNMAP,    // (va, npages)
	SPACE_INFO,     // -> MR0 quota pages, MR1 used pages, MR2 ASID
	SPACE_IDENTIFY, // (slot in the invoked space) -> MR0 type, MR1 rights, MR2 badge:
			//   INV_IDENTIFY without calling the capability (a call on an
			//   endpoint is IPC: a server checking what a client sent must
			//   not wait on it). Needs RIGHT_MANAGE on the space only.
	SPACE_DESTROY,  // (slot in the invoked space): INV_DESTROY of the object it
			//   names (needs RIGHT_MANAGE on that capability too); the way
			//   to destroy an endpoint, on which a call is IPC

	// CAP_THREAD
	THREAD_CONFIGURE,  // (space slot, ipc buffer va, fault endpoint slot or 0, priority)
	THREAD_WRITE_REGS, // (pc, sp, r0, r1) of a thread not running: E_BUSY also while
			   //   another CPU has yet to leave a thread just suspended there
	THREAD_RESUME,     // starts or resumes a configured, stopped thread
	THREAD_SUSPEND,    // stops it wherever it is (an IPC in progress fails E_DEAD for it)
	THREAD_SET_PRIO,   // (priority), at most the caller's own
	THREAD_INFO,       // -> MR0 state, MR1 priority, MR2 fault count, MR3 its CPU (for
			   //   the calling thread itself, the CPU that runs the call)

	// CAP_RANGE
	RANGE_INFO,  // -> MR0 base low, MR1 base high, MR2 size in pages  (no right needed)
	RANGE_SPLIT, // (page offset, dest slot): the range keeps [0, offset), dest gets the rest
		     //   (the piece is charged to the caller; E_PERM on a derived range)

	// CAP_IRQCTL / CAP_IRQ
	IRQCTL_BIND, // (irq number, notification slot, dest slot) -> CAP_IRQ in dest
	IRQ_ACK,     // unmask the interrupt after handling it

	// CAP_CONSOLE
	CONSOLE_WRITE,    // (nbytes, bytes packed little-endian from MR1): at most 252 bytes
	CONSOLE_POWEROFF, // powers the machine off
	CONSOLE_STATS,    // -> MR0 LOWMEM the kernel holds now (KiB, as the boot report's
			  //   lowmem_used), MR1 free LOWMEM frames, MR2 timer ticks since
			  //   boot (100 a second), MR3 CPUs online (THREAD_SET_CPU takes
			  //   0 to MR3 - 1)  (no right needed)
	CONSOLE_PMU,      // (space slot, on) with RIGHT_MANAGE (and RIGHT_WRITE on the space):
			  //   on = 1 lets that space's threads use the performance monitors
			  //   (PMUSERENR.EN: read and write, ARMv7 has no read-only mode),
			  //   0 takes it back; without it a PMU access is FAULT_UNDEF

	// CAP_NOTIFY
	NOTIFY_POLL, // -> MR0 the word, which is cleared (never blocks)

	// CAP_REPLY: a one-shot reply object, for a server that answers later
	// (SYS_SEND on the reply capability delivers the reply, once).
	REPLY_SAVE, // moves the caller's pending caller into the object: E_NOREPLY
		    //   when it holds none, E_BUSY when the object is full

	// CAP_THREAD, more
	THREAD_BIND_NOTIFY, // (notification slot, or 0 to unbind): a signal on it ends the
			    //   thread's wait in recv on any endpoint: recv returns E_OK with
			    //   label MSG_LABEL_NOTIFY and the word (cleared) in r6
	THREAD_ATOMIC,      // (on, window slot, first, count) with RIGHT_WRITE: on = 1 pins the
			    //   thread (no preemption, no migration; an IPC that would wait
			    //   fails E_BUSY) until THREAD_ATOMIC(0). Pinned time is charged
			    //   to the thread's space, across pins and threads: a budget of
			    //   ATOMIC_LIMIT_TICKS that earns one tick back per
			    //   ATOMIC_REFILL_TICKS. Spent, the kernel logs it (once per
			    //   space), clears slots [first, first + count) of that window and
			    //   unpins the thread; pins then fail E_AGAIN until time is earned.
			    //   on = 0 and on = ATOMIC_QUERY (which changes nothing) -> MR0 1
			    //   when it was pinned (0 once unpinned, also by the kernel after
			    //   an overrun or when the thread stopped)

	// CAP_WINDOW (SPACE_CREATE of CAP_WINDOW makes one; a 2 MiB virtual region
	// of 512 page slots). Frames come from physical ranges; never executable.
	WINDOW_BIND,  // (kind WIN_*, thread or space slot, va): installs the window at va
		      //   (2 MiB aligned, user half, nothing mapped in that 2 MiB).
		      //   WIN_THREAD: in the thread's space only while that thread runs
		      //   (so its siblings fault on it); one thread window per thread.
		      //   WIN_SPACE: in that space for good; bind again to more spaces
		      //   (a shared pool). Needs RIGHT_WRITE on the thread or space.
	WINDOW_MAP,   // (first slot, range slot, page offset, count | prot << 24): slots
		      //   [first, first + count) = consecutive frames of the range;
		      //   prot PROT_READ/PROT_WRITE/PROT_NOCACHE (PROT_EXEC: E_PERM).
		      //   A slot still holding a frame is replaced (the TLB forgets it).
	WINDOW_CLEAR, // (first slot, count, flags): empties slots; the TLB forgets them
		      //   in every space the window is in (one flush for a whole batch)
	WINDOW_INFO,  // -> MR0 kind, MR1 va, MR2 spaces bound, MR3 slots in use

	// CAP_RANGE, more
	RANGE_DERIVE, // (space slot, dest slot in that space, rights): a new range of
		      //   the same pages in that space's dest slot, charged to it: it
		      //   dies with that space (or INV_DESTROY), and every mapping made
		      //   through it goes then, in every space and window. It cannot be
		      //   split or derived again (E_PERM). Needs RIGHT_MANAGE on both.

	// CAP_THREAD, more
	THREAD_SET_CPU, // (cpu) with RIGHT_MANAGE: the thread runs on CPU `cpu` (0: the boot
			//   CPU; a new thread runs on its creator's). A ready or running
			//   thread moves at once (a running one when its CPU next takes an
			//   interrupt). A thread pinned (THREAD_ATOMIC, MAP_PIN) or holding
			//   kmap_local or kmap_atomic mappings (ipc_buffer.kmaps) moves
			//   only once it holds none, at its first timer tick then: MR0 1
			//   when the move so waits, else 0. A later THREAD_SET_CPU
			//   replaces a waiting move (to its own CPU: none). E_INVAL: no
			//   such CPU online

	// CAP_CONSOLE, more
	CONSOLE_CPU_STATS, // (cpu) -> what that CPU took since it came up: MR0 timer ticks
			   //   (a CPU other than 0 stops its tick at the first one it
			   //   takes idle, and starts it as it leaves idle), MR1 reschedule
			   //   SGIs, MR2 times it slept idle (wfi). E_INVAL: no such CPU
			   //   online  (no right needed)

	INV_COUNT
};

// SPACE_MAP protection bits (npages in bits 0..23, prot in bits 24..31).
#define PROT_READ (1u << 0)
#define PROT_WRITE (1u << 1)
#define PROT_EXEC (1u << 2)
#define PROT_NOCACHE (1u << 3)
// With the PROT_* bits, in a reply's MSG_MAP only (else E_INVAL): after
// mapping, the kernel pins the thread the reply goes to, as THREAD_ATOMIC
// does, on the same budget (E_AGAIN when spent). The window must be that
// thread's own (WIN_THREAD, else E_PERM); a thread pinned already stays so
// (E_BUSY when through another window). An overrun empties every slot mapped
// under the pin (from the lowest to the highest). SYS_UNPIN ends it.
#define MAP_PIN (1u << 7)
#define MAP_NPAGES_MAX 0xffffffu
// The last word of SPACE_MAP and WINDOW_MAP (and of ipc_buffer.map[]):
// a page count and PROT_* bits, packed and taken apart.
static inline uint32_t map_word(uint32_t npages, uint32_t prot)
{
	return npages | prot << 24;
}
static inline uint32_t map_word_npages(uint32_t w)
{
	return w & MAP_NPAGES_MAX;
}
static inline uint32_t map_word_prot(uint32_t w)
{
	return w >> 24;
}
// Fills b->map[] for a reply with MSG_MAP: WINDOW_MAP of window slot
// `window`, slots from `first`, npages frames of range slot `range` from
// page `offset`.
static inline void ipc_buffer_map(struct ipc_buffer *b, uint32_t window, uint32_t first,
				  uint32_t range, uint32_t offset, uint32_t npages, uint32_t prot)
{
	b->map[IPC_MAP_WINDOW] = window;
	b->map[IPC_MAP_FIRST] = first;
	b->map[IPC_MAP_RANGE] = range;
	b->map[IPC_MAP_OFFSET] = offset;
	b->map[IPC_MAP_WORD] = map_word(npages, prot);
}

// THREAD_INFO states.
enum thread_state {
	TS_INACTIVE = 0, // created, not yet started
	TS_READY,        // running or runnable
	TS_BLOCKED,      // in an IPC or waiting on a notification
	TS_STOPPED,      // suspended, or faulted with no handler
	TS_DEAD,
};

#define PRIO_MAX 255

// WINDOW_BIND kinds.
enum window_kind { WIN_NONE = 0, WIN_THREAD = 1, WIN_SPACE = 2 };
#define WINDOW_SLOTS 512
#define WINDOW_SIZE 0x200000u
#define ATOMIC_QUERY 2        // THREAD_ATOMIC's `on`: is the thread pinned?
#define ATOMIC_LIMIT_TICKS 10 // 100 ms at the kernel's 100 Hz tick
#define ATOMIC_REFILL_TICKS 4 // a space earns back one pinned tick per 4 ticks

// The label a recv returns with when the thread's bound notification ends
// its wait (THREAD_BIND_NOTIFY).
#define MSG_LABEL_NOTIFY 0xfffffu

// ---------------------------------------------------------------------------
// Faults: a thread's fault arrives at its fault endpoint as a call from the
// faulting thread, badge of the fault endpoint capability, label below:
//   MR0 pc, MR1 fault status (DFSR/IFSR, 0 for undefined), MR2 fault address,
//   MR3 the thread's sp.
// Replying with label FAULT_RESUME resumes it (at MR0 when the reply has at
// least one word, else at the same pc, which retries the instruction).
// Replying with anything else, or never, leaves it stopped.
enum hmk_fault {
	FAULT_UNDEF = 0x100,
	FAULT_PABORT = 0x101,
	FAULT_DABORT = 0x102,
	FAULT_RESUME = 0x1,
};

// ---------------------------------------------------------------------------
// Boot information: what `init` receives. The kernel maps this page read-only
// at BOOTINFO_VA in init's space and passes its address in r0.
#define BOOTINFO_MAGIC 0x484d4b31 // "HMK1"
#define BOOTINFO_RANGES_MAX 16

struct bootinfo_range {
	uint64_t base;
	uint64_t size;
	uint32_t slot;  // CAP_RANGE capability for it
	uint32_t flags; // BI_RANGE_*
};
#define BI_RANGE_HIGHMEM (1u << 0) // RAM above the kernel's direct map
#define BI_RANGE_INITRD (1u << 1)  // the boot archive, read-only

struct bootinfo {
	uint32_t magic;
	uint32_t space_slot;   // init's own address space
	uint32_t thread_slot;  // init's own thread
	uint32_t console_slot; // console and power-off
	uint32_t irqctl_slot;
	uint32_t first_free_slot;
	uint32_t nranges;
	uint32_t ncpus;
	struct bootinfo_range ranges[BOOTINFO_RANGES_MAX];
	uint32_t initrd_range; // index into ranges of the initrd, or ~0u
	char cmdline[256];
};

// Where the kernel maps things into init's space.
#define BOOTINFO_VA 0x3ff00000u
#define INIT_IPCBUF_VA 0x3ff01000u
#define INIT_STACK_TOP 0x3fe00000u
#define INIT_STACK_PAGES 16
