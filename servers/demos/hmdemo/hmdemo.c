// hmdemo: pages above 4 GiB, which no 32-bit address reaches without a
// mapping, through memsrv's four primitives as Linux code uses them. Each
// primitive writes a page and another mapping of the same frame reads it
// back; one line per primitive says where the frame is and where it showed:
//   hmdemo: kmap_local pa=0x<physical> va=0x<virtual> ok
// then memsrv's stats with some mappings held, then everything is freed.
#include <stdio.h>
#include <string.h>

#include "highmem/highmem.h"
#include "user.h"

#define PFN_4G 0x100000u // the first frame above 4 GiB
#define BLOCK_ORDER MEMSRV_MAX_ORDER
#define VMAP_PAGES 64 // every other page of the block: 64 runs, three messages
#define WORDS (PAGE_SIZE / 4)

static page_t held[1]; // the block of 2^BLOCK_ORDER pages
static unsigned nheld;
static int failures;

// "0x<physical address>" of a frame (40 bits do not fit %x).
static const char *pa(pfn_t pfn, char *buf, size_t size)
{
	uint32_t hi = pfn >> 20, lo = pfn << 12;

	if (hi)
		snprintf(buf, size, "0x%x%08x", hi, lo);
	else
		snprintf(buf, size, "0x%x", lo);
	return buf;
}

static uint32_t pattern(pfn_t pfn, uint32_t i, uint32_t salt)
{
	return (pfn * 0x9e3779b1u) ^ (i * 0x01000193u) ^ salt;
}

static void fill(void *va, pfn_t pfn, uint32_t salt)
{
	uint32_t *w = va;

	for (uint32_t i = 0; i < WORDS; i++)
		w[i] = pattern(pfn, i, salt);
}

// 1 when the page at va holds fill(pfn, salt).
static int holds(const void *va, pfn_t pfn, uint32_t salt)
{
	const uint32_t *w = va;

	for (uint32_t i = 0; i < WORDS; i++)
		if (w[i] != pattern(pfn, i, salt))
			return 0;
	return 1;
}

// Prints one primitive's line and counts a failure.
static void report(const char *what, pfn_t pfn, const void *va, int ok, const char *why)
{
	char buf[24];

	printf("hmdemo: %s pa=%s va=0x%x %s%s\n", what, pa(pfn, buf, sizeof(buf)), (uint32_t)va,
	       ok ? "ok" : "FAILED: ", ok ? "" : why);
	failures += !ok;
}

// One block from the top of HIGHMEM: above 4 GiB when there is RAM there.
static int block_high(page_t *block)
{
	int err = alloc_pages(MS_ALLOC_HIGH, BLOCK_ORDER, block);

	if (!err && *block < PFN_4G)
		printf("hmdemo: no RAM above 4 GiB: using pfn 0x%x\n", *block);
	if (!err)
		held[nheld++] = *block;
	return err;
}

// kmap_local, nested two deep, each page read back through the vmap.
static void demo_kmap_local(const page_t *p, const char *v)
{
	char *a = kmap_local_page(p[0]), *b;

	if (!a) {
		report("kmap_local", p[0], a, 0, hmk_strerror(highmem_errno));
		return;
	}
	fill(a, p[0], 1);
	b = kmap_local_page(p[1]);
	if (b) {
		fill(b, p[1], 1);
		kunmap_local(b); // newest first
	}
	kunmap_local(a);
	report("kmap_local", p[0], a,
	       b && a != b && holds(v, p[0], 1) && holds(v + PAGE_SIZE, p[1], 1),
	       "read back through vmap differs");
}

// kmap_atomic: written while pinned, read back through the vmap after.
static void demo_kmap_atomic(const page_t *p, const char *v)
{
	char *a = kmap_atomic(p[2]);
	int err;

	if (!a) {
		report("kmap_atomic", p[2], a, 0, hmk_strerror(highmem_errno));
		return;
	}
	fill(a, p[2], 2);
	err = kunmap_atomic(a);
	report("kmap_atomic", p[2], a, !err && holds(v + 2 * PAGE_SIZE, p[2], 2),
	       err ? hmk_strerror(err) : "read back through vmap differs");
}

// kmap: the same page twice gives the same address; read back through
// kmap_local.
static void demo_kmap(const page_t *p)
{
	char *a = kmap(p[3]), *b, *l;
	int ok;

	if (!a) {
		report("kmap", p[3], a, 0, hmk_strerror(highmem_errno));
		return;
	}
	b = kmap(p[3]);
	fill(a, p[3], 3);
	l = kmap_local_page(p[3]);
	ok = b == a && l && holds(l, p[3], 3);
	if (l)
		kunmap_local(l);
	if (b)
		kunmap(p[3]);
	kunmap(p[3]);
	report("kmap", p[3], a, ok,
	       b != a ? "second kmap gave another address"
		      : "read back through kmap_local differs");
}

// vmap: every page written through the vmap, read back through kmap_local.
static void demo_vmap(const page_t *p, char *v)
{
	int ok = 1;

	for (unsigned i = 0; i < VMAP_PAGES; i++)
		fill(v + i * PAGE_SIZE, p[i], 4);
	for (unsigned i = 0; i < VMAP_PAGES && ok; i++) {
		char *l = kmap_local_page(p[i]);

		ok = l && holds(l, p[i], 4);
		if (l)
			kunmap_local(l);
	}
	report("vmap", p[0], v, ok, "read back through kmap_local differs");
}

// memsrv's stats with a kmap_local, a kmap and the vmap held.
static void demo_stats(const page_t *p)
{
	struct highmem_stats st;
	void *l = kmap_local_page(p[5]), *k = kmap(p[6]);
	int err = highmem_stats(&st);

	if (k)
		kunmap(p[6]);
	if (l)
		kunmap_local(l);
	if (err) {
		printf("hmdemo: stats FAILED: %s\n", hmk_strerror(err));
		failures++;
		return;
	}
	printf("hmdemo: stats free=%u used=%u kmap_local=%u kmap_atomic=%u kmap=%u vmap=%u "
	       "owned=%u\n",
	       st.free_pages, st.used_pages, st.kmap_local, st.kmap_atomic, st.kmap, st.vmap,
	       st.owned_pages);
	if (st.kmap_local != 1 || st.kmap_atomic != 0 || st.kmap != 1 || st.vmap != 1 ||
	    st.owned_pages != nheld << BLOCK_ORDER) {
		printf("hmdemo: stats FAILED: expected kmap_local=1 kmap_atomic=0 kmap=1 vmap=1 "
		       "owned=%u\n",
		       nheld << BLOCK_ORDER);
		failures++;
	}
}

// Frees every block; afterwards the client owns and maps nothing.
static void release(void)
{
	struct highmem_stats st;
	unsigned freed = 0;

	for (unsigned i = 0; i < nheld; i++)
		if (__free_pages(held[i], BLOCK_ORDER) == E_OK)
			freed++;
	if (highmem_stats(&st) || st.owned_pages || st.kmap_local || st.kmap_atomic || st.kmap ||
	    st.vmap || freed != nheld) {
		printf("hmdemo: release FAILED: freed %u of %u blocks, %u pages still owned\n",
		       freed, nheld, st.owned_pages);
		failures++;
		return;
	}
	printf("hmdemo: freed %u pages, nothing left mapped (client %u)\n", freed << BLOCK_ORDER,
	       highmem_client_id());
}

int main(void)
{
	page_t block = 0, p[VMAP_PAGES];
	char *v;
	int err;

	if ((err = block_high(&block))) {
		printf("hmdemo: cannot allocate: %s\n", hmk_strerror(err));
		return 1;
	}
	for (unsigned i = 0; i < VMAP_PAGES; i++)
		p[i] = block + 2 * i;
	v = vmap(p, VMAP_PAGES, PROT_READ | PROT_WRITE);
	if (!v) {
		printf("hmdemo: vmap of %u pages failed: %s\n", VMAP_PAGES,
		       hmk_strerror(highmem_errno));
		release();
		return 1;
	}
	demo_kmap_local(p, v);
	demo_kmap_atomic(p, v);
	demo_kmap(p);
	demo_vmap(p, v);
	demo_stats(p);
	if ((err = vunmap(v))) {
		printf("hmdemo: vunmap FAILED: %s\n", hmk_strerror(err));
		failures++;
	}
	release();
	return failures ? 1 : 0;
}
