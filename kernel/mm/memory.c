// Physical memory at boot: a memblock-style range allocator first, then the
// LOWMEM/HIGHMEM split, the direct map and the frame allocator.
#include "memory.h"

#include "mmu.h"
#include "printk.h"

#define MIB (1024 * 1024)

enum rsv_kind { RSV_KERNEL, RSV_DTB, RSV_INITRD, RSV_FIRMWARE };
static const char *const rsv_names[] = { "kernel", "dtb", "initrd", "firmware" };

struct reservation {
	uint64_t base, size;
	enum rsv_kind kind;
};

static struct ranges memblock;
static struct range_set lowmem, highmem;
static struct reservation rsv[MACHINE_MAX_RSV + 3];
static unsigned n_rsv;
static uint64_t mem_total, mem_top;
static unsigned early_alloc_bytes; // LOWMEM the kernel took before the frame allocator
static unsigned boot_free_frames;  // pages handed to the frame allocator at boot
static struct range user_pool;     // LOWMEM lent to user space when HIGHMEM is scarce

// User programs take their memory from HIGHMEM. With less than this much of
// it (small RAM, or VMSPLIT=1G), a LOWMEM block is set aside for them, at
// most a quarter of LOWMEM; the kernel never uses it.
#define USER_POOL_SIZE (64 * MIB)

static void reserve(uint64_t base, uint64_t size, enum rsv_kind kind)
{
	if (!size)
		return;
	if (ranges_reserve(&memblock, base, size))
		panic("memory: too many reserved ranges");
	for (unsigned i = 0; i < n_rsv; i++)
		if (rsv[i].base == base && rsv[i].size == size)
			return; // U-Boot also lists the initrd in /memreserve/
	rsv[n_rsv++] = (struct reservation){ base, size, kind };
}

static void apply_mem_limit(const char *cmdline)
{
	char value[24];
	uint64_t limit;

	if (!cmdline_get(cmdline, "mem", value, sizeof(value)))
		return;
	if (parse_size(value, &limit) || limit < PAGE_SIZE) {
		printk("memory: ignoring malformed mem=%s\n", value);
		return;
	}
	ranges_limit_total(&memblock, limit & ~(uint64_t)(PAGE_SIZE - 1));
	printk("memory: mem=%s limits RAM to %llu KiB\n", value, limit >> 10);
}

// LOWMEM is RAM between phys_offset and the end of the direct map's reach.
static void split_zones(void)
{
	uint64_t lo = phys_offset, hi = (uint64_t)phys_offset + LOWMEM_MAX;

	lowmem = memblock.memory;
	highmem = memblock.memory;
	range_set_remove(&lowmem, 0, lo);
	range_set_remove(&lowmem, hi, UINT64_MAX - hi);
	range_set_remove(&highmem, lo, hi - lo);
	mem_total = range_set_total(&memblock.memory);
	mem_top = memblock.memory.n ? memblock.memory.r[memblock.memory.n - 1].base +
					      memblock.memory.r[memblock.memory.n - 1].size
				    : 0;
}

static uint64_t early_alloc_page(uint64_t below)
{
	uint64_t pa;

	if (ranges_alloc(&memblock, PAGE_SIZE, PAGE_SIZE, phys_offset, below, &pa))
		panic("memory: no mapped LOWMEM left for a page table");
	early_alloc_bytes += PAGE_SIZE;
	return pa;
}

static void free_lowmem_to_frames(void)
{
	uint64_t pos = phys_offset, hi = (uint64_t)phys_offset + LOWMEM_MAX;
	struct range r;

	while (ranges_next_free(&memblock, &pos, hi, &r))
		frame_add_range(r.base, r.size);
	boot_free_frames = frame_free_count();
}

static void set_aside_user_pool(void)
{
	uint64_t size = range_set_total(&lowmem) / 4, pa;

	if (range_set_total(&highmem) >= USER_POOL_SIZE)
		return;
	size = (size < USER_POOL_SIZE ? size : USER_POOL_SIZE) & ~(uint64_t)(SECTION_SIZE - 1);
	if (!size || ranges_alloc(&memblock, size, SECTION_SIZE, phys_offset,
				  (uint64_t)phys_offset + LOWMEM_MAX, &pa))
		return;
	user_pool = (struct range){ pa, size };
}

const struct range *memory_user_pool(void)
{
	return user_pool.size ? &user_pool : 0;
}

void memory_init(const struct machine *m, uint64_t dtb_pa, uint32_t dtb_size)
{
	ranges_init(&memblock);
	for (unsigned i = 0; i < m->n_mem; i++)
		if (ranges_add_memory(&memblock, m->mem[i].base, m->mem[i].size))
			printk("memory: dropping range 0x%llx+0x%llx: too many ranges\n",
			       m->mem[i].base, m->mem[i].size);
	apply_mem_limit(m->bootargs);

	reserve(virt_to_phys(_text), (uint32_t)(_end - _text), RSV_KERNEL);
	reserve(dtb_pa, dtb_size, RSV_DTB);
	if (m->initrd_end > m->initrd_start)
		reserve(m->initrd_start, m->initrd_end - m->initrd_start, RSV_INITRD);
	for (unsigned i = 0; i < m->n_rsv; i++)
		reserve(m->rsv[i].base, m->rsv[i].size, RSV_FIRMWARE);

	split_zones();
	if (!lowmem.n)
		panic("memory: no RAM in the direct map's reach (phys_offset 0x%x)",
		      (unsigned)phys_offset);
	mmu_map_lowmem(lowmem.r, lowmem.n, early_alloc_page);
	set_aside_user_pool();
	free_lowmem_to_frames();
}

const struct range_set *memory_lowmem(void)
{
	return &lowmem;
}

const struct range_set *memory_highmem(void)
{
	return &highmem;
}

static void print_size(uint64_t bytes)
{
	if (bytes % MIB == 0)
		printk("%lluM", bytes / MIB);
	else
		printk("%lluK", bytes >> 10);
}

static void print_ranges(const struct range_set *s, const char *zone)
{
	for (unsigned i = 0; i < s->n; i++) {
		printk("mem: 0x%010llx-0x%010llx %-8s ", s->r[i].base,
		       s->r[i].base + s->r[i].size - 1, zone);
		print_size(s->r[i].size);
		printk("\n");
	}
}

uint32_t memory_lowmem_used_kib(void)
{
	unsigned image = (unsigned)(_end - _text);
	unsigned frames_used = boot_free_frames - frame_free_count();

	return (image + early_alloc_bytes + frames_used * PAGE_SIZE) >> 10;
}

void memory_report(void)
{
	unsigned image = (unsigned)(_end - _text);
	unsigned frames_used = boot_free_frames - frame_free_count();
	unsigned tables = early_alloc_bytes;
	uint64_t low = range_set_total(&lowmem), high = range_set_total(&highmem);

	printk("memory: total=%lluM lowmem=%lluM highmem=%lluM top=0x%llx\n", mem_total / MIB,
	       low / MIB, high / MIB, mem_top);
	printk("vmsplit: %uG/%uG page_offset=0x%x\n", PAGE_OFFSET >> 30, 4 - (PAGE_OFFSET >> 30),
	       PAGE_OFFSET);
	printk("kernel: lowmem_used=%uK\n", memory_lowmem_used_kib());
	printk("kernel: image=%uK page_tables=%uK frames=%uK\n", image >> 10, tables >> 10,
	       (frames_used * PAGE_SIZE) >> 10);
	print_ranges(&lowmem, "lowmem");
	print_ranges(&highmem, "highmem");
	if (user_pool.size) {
		printk("mem: 0x%010llx-0x%010llx %-8s ", user_pool.base,
		       user_pool.base + user_pool.size - 1, "userpool");
		print_size(user_pool.size);
		printk(" (LOWMEM lent to user space: little HIGHMEM)\n");
	}
	for (unsigned i = 0; i < n_rsv; i++) {
		printk("reserved: 0x%010llx-0x%010llx %-8s ", rsv[i].base,
		       rsv[i].base + rsv[i].size - 1, rsv_names[rsv[i].kind]);
		print_size(rsv[i].size);
		printk("\n");
	}
}
