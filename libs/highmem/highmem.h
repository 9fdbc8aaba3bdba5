// The memory server's client library: HIGHMEM through memsrv with the names
// and semantics of Linux's API (include/linux/highmem.h, gfp.h, vmalloc.h),
// so that people who know Linux read it at once. A "page" is its PFN.
// Every call goes to memsrv through SLOT_MEMSRV; the first call of a program
// and of each thread registers it (MS_HELLO / MS_THREAD_HELLO).
//
// Functions returning int give E_OK or the abi.h error memsrv answered;
// those returning a pointer give NULL on failure with the error in
// highmem_errno (per thread).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "abi/memsrv.h"

typedef uint32_t pfn_t;
// Linux passes struct page *; here the frame number stands for it.
typedef pfn_t page_t;

extern __thread int highmem_errno;

// alloc_pages(gfp, order): 2^order contiguous pages. `flags` is reserved (0).
int alloc_pages(uint32_t flags, unsigned order, page_t *page);
int alloc_page(uint32_t flags, page_t *page);
int __free_pages(page_t page, unsigned order);
int __free_page(page_t page);
// Lets client `client` map `page` too (owner only).
int share_page(page_t page, uint32_t client);

void *kmap_local_page(page_t page);
void *kmap_local_pfn(pfn_t pfn);
int kunmap_local(const void *addr); // any address inside the page; newest first
void *kmap_atomic(page_t page);
int kunmap_atomic(const void *addr);
// kmap may wait (in memsrv) while every pool slot is referenced: E_DEADLK
// when every thread of the program would, E_BUSY under kmap_atomic. A page
// the pool holds costs no request (kmap.c). kunmap: E_INVAL when the page
// holds no reference (never kmapped, or freed since); else E_OK, or the
// error of telling memsrv's waiting callers that a slot freed.
void *kmap(page_t page);
int kunmap(page_t page);
// Empties every unreferenced pool slot now and starts the turn of free
// slots over, as the pool's wrap does.
int kmap_flush(void);

// VM_MAP-style flags for vmap's prot: PROT_READ | PROT_WRITE, PROT_NOCACHE.
void *vmap(const page_t *pages, unsigned count, uint32_t prot);
int vunmap(const void *addr);

// Helpers as in linux/highmem.h, each over a short-lived kmap_local.
int memcpy_to_page(page_t page, size_t offset, const void *from, size_t len);
int memcpy_from_page(void *to, page_t page, size_t offset, size_t len);
int memzero_page(page_t page, size_t offset, size_t len);
int copy_highpage(page_t to, page_t from);

// MS_STATS for the calling client.
struct highmem_stats {
	uint32_t free_pages, used_pages;
	uint32_t kmap_local, kmap_atomic, kmap, vmap, owned_pages;
	uint32_t kmap_slots; // memsrv's count of our pool slots (kmap: our references)
};
int highmem_stats(struct highmem_stats *st);
// The calling program's client id (after registration).
uint32_t highmem_client_id(void);
