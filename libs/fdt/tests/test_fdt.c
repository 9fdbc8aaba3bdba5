// Host tests of libs/fdt against device trees dumped from QEMU and compiled
// from libs/fdt/tests/*.dts, then against corrupted copies of a real one and
// a deterministic fuzz loop. Every blob opened sits in a heap buffer of
// exactly the size passed to fdt_open(), so AddressSanitizer catches any
// read past it. Usage: test_fdt DTB_DIR
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/check.h"
#include "fdt/fdt.h"
#include "fdt/machine.h"

#define GIB (1ull << 30)
#define TOK_END_NODE 2
#define TOK_NOP 4
#define TOK_END 9

enum {
	H_TOTALSIZE = 4,
	H_OFF_STRUCT = 8,
	H_OFF_STRINGS = 12,
	H_OFF_MEMRSV = 16,
	H_VERSION = 20,
	H_LAST_COMP = 24,
	H_SIZE_STRINGS = 32,
	H_SIZE_STRUCT = 36
};

static const char *dtb_dir;

struct blob {
	uint8_t *p;
	size_t n;
};

static uint32_t get32(const uint8_t *p)
{
	return fdt_be32(p);
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

// An exact-size heap copy of the first n bytes of p.
static uint8_t *dup_bytes(const uint8_t *p, size_t n)
{
	uint8_t *c = malloc(n ? n : 1);

	memcpy(c, p, n);
	return c;
}

// DTB_DIR/name in an exact-size heap buffer; p is NULL (and a check
// fails) when the file cannot be read.
static struct blob load(const char *name)
{
	struct blob b = { 0 };
	char path[512];

	snprintf(path, sizeof path, "%s/%s", dtb_dir, name);
	FILE *f = fopen(path, "rb");
	if (f && !fseek(f, 0, SEEK_END) && ftell(f) > 0) {
		b.n = (size_t)ftell(f);
		b.p = malloc(b.n);
		rewind(f);
		if (fread(b.p, 1, b.n, f) != b.n) {
			free(b.p);
			b.p = NULL;
		}
	}
	if (f)
		fclose(f);
	if (!b.p)
		printf("    cannot read %s\n", path);
	CHECK(b.p != NULL);
	return b;
}

// A copy of a DTB cut to the end of its strings block (QEMU pads its trees
// to 1 MiB), with totalsize to match.
static struct blob compact(const char *name)
{
	struct blob b = load(name), c = { 0 };

	if (!b.p)
		return c;
	c.n = get32(b.p + H_OFF_STRINGS) + get32(b.p + H_SIZE_STRINGS);
	CHECK(c.n <= b.n);
	c.p = dup_bytes(b.p, c.n);
	put32(c.p + H_TOTALSIZE, (uint32_t)c.n);
	free(b.p);
	return c;
}

// fdt_open() on an exact-size copy of the first n bytes of p.
static int open_bytes(const uint8_t *p, size_t n)
{
	uint8_t *c = dup_bytes(p, n);
	struct fdt f;
	int err = fdt_open(&f, c, n);

	free(c);
	return err;
}

// fdt_open() on a copy of b with the 32-bit word at byte `at` set to v.
static int open_with_word(struct blob b, size_t at, uint32_t v)
{
	uint8_t *c = dup_bytes(b.p, b.n);

	put32(c + at, v);
	int err = open_bytes(c, b.n);
	free(c);
	return err;
}

// Opens a blob and reads its machine description; prints why on failure.
static int machine_of_blob(struct blob b, struct machine *m, const char **why)
{
	struct fdt f;
	int err = fdt_open(&f, b.p, b.n);

	*why = fdt_strerror(err);
	if (!err)
		err = machine_from_fdt(&f, m, why);
	return err;
}

static int machine_of(const char *name, struct machine *m)
{
	const char *why;
	struct blob b = load(name);

	if (!b.p)
		return FDT_E_NOTFOUND;
	int err = machine_of_blob(b, m, &why);
	if (err)
		printf("    %s: %s\n", name, why);
	free(b.p);
	return err;
}

// Byte offset in b of the FDT_BEGIN_NODE of `path` (0 when absent).
static size_t node_pos(struct blob b, const char *path)
{
	struct fdt f;
	int node;

	if (fdt_open(&f, b.p, b.n) || (node = fdt_path(&f, path)) < 0) {
		CHECK(!"node_pos: no such node");
		return 0;
	}
	return f.off_struct + (size_t)node;
}

// Byte offset in b of the FDT_PROP token of property `name` of `path`.
static size_t prop_pos(struct blob b, const char *path, const char *name)
{
	struct fdt f;
	const char *pname;

	if (fdt_open(&f, b.p, b.n))
		return 0;
	int node = fdt_path(&f, path);
	for (int p = fdt_first_prop(&f, node); p >= 0; p = fdt_next_prop(&f, p))
		if (fdt_prop_at(&f, p, &pname, NULL) && !strcmp(pname, name))
			return f.off_struct + (size_t)p;
	CHECK(!"prop_pos: no such property");
	return 0;
}

// What QEMU's virt board has whatever its RAM.
static void check_qemu_devices(const struct machine *m)
{
	CHECK_EQ(m->uart_base, 0x9000000);
	CHECK_EQ(m->uart_size, 0x1000);
	CHECK_EQ(m->uart_irq, 33);
	CHECK_EQ(m->gicd_base, 0x8000000);
	CHECK_EQ(m->gicd_size, 0x10000);
	CHECK_EQ(m->gicc_base, 0x8010000);
	CHECK_EQ(m->gicc_size, 0x10000);
	CHECK_EQ(m->timer_irq_phys, 30);
	CHECK_EQ(m->timer_irq_virt, 27);
	CHECK_EQ(m->timer_freq, 0);
	CHECK_EQ(m->psci_method, PSCI_HVC);
	CHECK_EQ(m->psci_system_off, 0x84000008);
	CHECK_EQ(m->psci_cpu_on, 0x84000003);
	CHECK(!strcmp(m->stdout_path, "/pl011@9000000"));
}

// A QEMU tree with one RAM range [0x4000_0000, 0x4000_0000 + ram).
static void check_qemu_ram(const char *name, uint64_t ram, unsigned ncpus)
{
	struct machine m;

	CHECK_EQ(machine_of(name, &m), FDT_OK);
	CHECK_EQ(m.n_mem, 1);
	CHECK_EQ(m.mem[0].base, 0x40000000);
	CHECK_EQ(m.mem[0].size, ram);
	CHECK_EQ(m.n_rsv, 0);
	CHECK_EQ(m.ncpus, ncpus);
	CHECK_EQ(m.bootargs[0], '\0');
	CHECK_EQ(m.initrd_start, 0);
	CHECK_EQ(m.initrd_end, 0);
	check_qemu_devices(&m);
}

static void test_qemu_1g(void)
{
	check_qemu_ram("qemu-1g.dtb", 1 * GIB, 1);
}

static void test_qemu_3g(void)
{
	struct machine m;

	check_qemu_ram("qemu-3g.dtb", 3 * GIB, 1);
	CHECK(!machine_of("qemu-3g.dtb", &m) && m.mem[0].base + m.mem[0].size == 0x100000000);
}

static void test_qemu_8g(void)
{
	struct machine m;

	check_qemu_ram("qemu-8g.dtb", 8 * GIB, 1);
	CHECK(!machine_of("qemu-8g.dtb", &m) && m.mem[0].base + m.mem[0].size == 0x240000000);
}

static void test_qemu_16g(void)
{
	struct machine m;

	check_qemu_ram("qemu-16g.dtb", 16 * GIB, 1);
	CHECK(!machine_of("qemu-16g.dtb", &m) && m.mem[0].base + m.mem[0].size == 0x440000000);
}

static void test_qemu_smp4(void)
{
	struct machine m;

	check_qemu_ram("qemu-8g-smp4.dtb", 8 * GIB, 4);
	CHECK_EQ(machine_of("qemu-8g-smp4.dtb", &m), FDT_OK);
	for (unsigned i = 0; i < 4; i++)
		CHECK_EQ(m.cpu_mpidr[i], i);
}

// The CPU list: every CPU node counted, the first MACHINE_MAX_CPUS kept in
// tree order, a bad reg marked on its own CPU only.
static void test_cpus(void)
{
	static const uint32_t want[MACHINE_MAX_CPUS] = {
		0x100, 0, MACHINE_CPU_BAD_REG, 0x20101, MACHINE_CPU_BAD_REG, MACHINE_CPU_BAD_REG,
		3,     4,
	};
	struct machine m;

	CHECK_EQ(machine_of("cpus.dtb", &m), FDT_OK);
	CHECK_EQ(m.ncpus, 10);
	for (unsigned i = 0; i < MACHINE_MAX_CPUS; i++)
		CHECK_EQ(m.cpu_mpidr[i], want[i]);
	CHECK_EQ(m.psci_method, PSCI_NONE);
	CHECK_EQ(m.psci_cpu_on, 0);
}

static void test_qemu_bootargs(void)
{
	struct machine m;
	char val[16];
	uint64_t size;

	CHECK_EQ(machine_of("qemu-bootargs.dtb", &m), FDT_OK);
	CHECK(!strcmp(m.bootargs, "mem=512M console=hvc"));
	CHECK(cmdline_get(m.bootargs, "mem", val, sizeof val) && !strcmp(val, "512M"));
	CHECK(!parse_size(val, &size) && size == 512ull << 20);
	CHECK(cmdline_get(m.bootargs, "console", val, sizeof val) && !strcmp(val, "hvc"));
	// QEMU writes a 4 KiB -initrd as 32-bit linux,initrd-start/-end.
	CHECK_EQ(m.initrd_end - m.initrd_start, 4096);
	CHECK(m.initrd_start >= 0x40000000 && m.initrd_end <= 0x80000000);
	CHECK_EQ(m.n_mem, 1);
	check_qemu_devices(&m);
}

// Navigation and property accessors on QEMU's tree.
static void test_tree_walk(void)
{
	struct blob b = load("qemu-1g.dtb");
	struct fdt f;
	uint32_t v, ac, sc;
	uint64_t addr, size;

	if (!b.p)
		return;
	CHECK_EQ(fdt_peek_size(b.p), 0x100000);
	CHECK_EQ(fdt_open(&f, b.p, b.n), FDT_OK);
	int root = fdt_root(&f);
	CHECK_EQ(fdt_path(&f, "/"), root);
	CHECK(!strcmp(fdt_node_name(&f, root), ""));
	CHECK_EQ(fdt_parent(&f, root), -1);
	CHECK(!strcmp(fdt_node_name(&f, fdt_first_child(&f, root)), "psci"));
	int mem = fdt_path(&f, "/memory");
	CHECK(mem >= 0 && !strcmp(fdt_node_name(&f, mem), "memory@40000000"));
	CHECK_EQ(fdt_path(&f, "/memory@40000000/"), mem);
	CHECK_EQ(fdt_path(&f, "/memory@4"), FDT_E_NOTFOUND);
	CHECK_EQ(fdt_path(&f, "/memor"), FDT_E_NOTFOUND);
	CHECK_EQ(fdt_path(&f, "chosen"), FDT_E_NOTFOUND);
	CHECK_EQ(fdt_path(&f, "/chosen/nothing"), FDT_E_NOTFOUND);
	int cpu = fdt_path(&f, "/cpus/cpu");
	CHECK(cpu >= 0 && cpu == fdt_path(&f, "//cpus//cpu@0"));
	CHECK_EQ(fdt_parent(&f, cpu), fdt_path(&f, "/cpus"));
	CHECK(fdt_reg_cells(&f, cpu, &ac, &sc) == FDT_OK && ac == 1 && sc == 0);
	CHECK(fdt_reg(&f, cpu, 0, &addr, &size) == FDT_OK && addr == 0 && size == 0);

	// Document order and the child/sibling walk see the same nodes.
	int n_doc = 0, n_top = 0, n_virtio = 0;
	for (int n = root; n >= 0; n = fdt_next_node(&f, n))
		n_doc++;
	for (int n = fdt_first_child(&f, root); n >= 0; n = fdt_next_sibling(&f, n))
		n_top++;
	for (int n = -1; (n = fdt_find_compatible(&f, n, "virtio,mmio")) >= 0;)
		n_virtio++;
	CHECK_EQ(n_virtio, 32);
	CHECK_EQ(n_top, 32 + 16);
	CHECK_EQ(n_doc, 1 + n_top + 1 + 1 + 5); // poweroff, v2m, cpu-map..core0, cpu@0
	CHECK_EQ(fdt_find_compatible(&f, -1, "no,such"), FDT_E_NOTFOUND);

	int gic = fdt_find_phandle(&f, 0x8002);
	CHECK(gic >= 0 && !strcmp(fdt_node_name(&f, gic), "intc@8000000"));
	CHECK_EQ(fdt_find_phandle(&f, 0), FDT_E_NOTFOUND);
	CHECK_EQ(fdt_find_phandle(&f, 0x1234), FDT_E_NOTFOUND);
	CHECK_EQ(fdt_reg_count(&f, gic), 2);
	CHECK(fdt_reg(&f, gic, 1, &addr, &size) == FDT_OK && addr == 0x8010000 && size == 0x10000);
	CHECK_EQ(fdt_reg(&f, gic, 2, &addr, &size), FDT_E_NOTFOUND);
	CHECK_EQ(fdt_reg(&f, gic, -1, &addr, &size), FDT_E_NOTFOUND);
	CHECK_EQ(fdt_reg_count(&f, fdt_path(&f, "/flash@0")), 2);
	CHECK_EQ(fdt_reg_count(&f, fdt_path(&f, "/pmu")), FDT_E_NOTFOUND);

	int uart = fdt_path(&f, "/pl011@9000000");
	CHECK(fdt_prop_has_str(&f, uart, "compatible", "arm,primecell"));
	CHECK(fdt_prop_has_str(&f, uart, "compatible", "arm,pl011"));
	CHECK(!fdt_prop_has_str(&f, uart, "compatible", "arm,pl01"));
	CHECK(!fdt_prop_has_str(&f, uart, "compatible", "primecell"));
	CHECK(!fdt_prop_has_str(&f, uart, "nothing", "arm,pl011"));
	CHECK(!strcmp(fdt_prop_str(&f, uart, "compatible"), "arm,pl011"));
	CHECK_EQ(fdt_prop_u32(&f, uart, "compatible", &v), FDT_E_BADVALUE);
	CHECK_EQ(fdt_prop_u32(&f, uart, "nothing", &v), FDT_E_NOTFOUND);
	CHECK(fdt_prop_u32(&f, gic, "#interrupt-cells", &v) == FDT_OK && v == 3);
	uint32_t len = 1;
	CHECK(fdt_prop(&f, fdt_path(&f, "/fw-cfg@9020000"), "dma-coherent", &len) && len == 0);
	CHECK_EQ(fdt_prop_str(&f, fdt_path(&f, "/fw-cfg@9020000"), "dma-coherent"), NULL);

	CHECK_EQ(fdt_memrsv_count(&f), 0);
	CHECK_EQ(fdt_memrsv(&f, 0, &addr, &size), FDT_E_NOTFOUND);
	struct machine m;
	CHECK_EQ(machine_from_fdt(&f, &m, NULL), FDT_OK);
	free(b.p);
}

// Handles that are not nodes or properties give "none", never a stray read.
static void test_bad_handles(void)
{
	struct blob b = compact("qemu-1g.dtb");
	struct fdt f;
	uint64_t a, s;
	int bad[] = { -1, FDT_E_NOTFOUND, 1, 2, 4, 0x7ffffffc, 0x7fffffff, (int)b.n };

	if (!b.p || fdt_open(&f, b.p, b.n))
		return;
	for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int h = bad[i];
		CHECK_EQ(fdt_node_name(&f, h), NULL);
		CHECK_EQ(fdt_first_child(&f, h), -1);
		CHECK_EQ(fdt_next_sibling(&f, h), -1);
		CHECK_EQ(fdt_parent(&f, h), -1);
		CHECK_EQ(fdt_first_prop(&f, h), -1);
		CHECK_EQ(fdt_next_prop(&f, h), -1);
		CHECK_EQ(fdt_prop_at(&f, h, NULL, NULL), NULL);
		CHECK_EQ(fdt_prop(&f, h, "reg", NULL), NULL);
		CHECK_EQ(fdt_reg_count(&f, h), FDT_E_NOTFOUND);
		CHECK_EQ(fdt_reg(&f, h, 0, &a, &s), FDT_E_NOTFOUND);
	}
	// A property handle is not a node handle, nor the other way round.
	int root = fdt_root(&f), prop = fdt_first_prop(&f, root);
	CHECK(prop > root);
	CHECK_EQ(fdt_node_name(&f, prop), NULL);
	CHECK_EQ(fdt_next_prop(&f, root), -1);
	for (int err = FDT_E_LOOP - 1; err <= FDT_OK; err++)
		CHECK(fdt_strerror(err) != NULL);
	CHECK(strcmp(fdt_strerror(FDT_E_LOOP), fdt_strerror(FDT_E_DEPTH)));
	CHECK_EQ(fdt_peek_size("not a dtb"), 0);
	free(b.p);
}

static void test_board(void)
{
	struct machine m;

	CHECK_EQ(machine_of("board.dtb", &m), FDT_OK);
	// Two nodes, seven entries: sorted, merged, clipped, empty ones dropped.
	CHECK_EQ(m.n_mem, 3);
	CHECK_EQ(m.mem[0].base, 0x40000000);
	CHECK_EQ(m.mem[0].size, 0x80000000);
	CHECK_EQ(m.mem[1].base, 0x200000000);
	CHECK_EQ(m.mem[1].size, 0x60000000);
	CHECK_EQ(m.mem[2].base, 0xfff0000000);
	CHECK_EQ(m.mem[2].size, 0x10000000);
	// /memreserve/ first, then /reserved-memory with its own 1-cell layout.
	static const struct mach_range rsv[] = {
		{ 0x48000000, 0x100000 }, { 0x100000000, 0x1000 }, { 0x4c000000, 0x200000 },
		{ 0x50000000, 0x1000 },   { 0x50010000, 0x2000 },
	};
	CHECK_EQ(m.n_rsv, 5);
	for (unsigned i = 0; i < 5; i++) {
		CHECK_EQ(m.rsv[i].base, rsv[i].base);
		CHECK_EQ(m.rsv[i].size, rsv[i].size);
	}
	CHECK(!strcmp(m.bootargs, "console=ttyAMA0 mem=6G"));
	CHECK(!strcmp(m.stdout_path, "/soc@1c000000/uart@90000"));
	CHECK_EQ(m.initrd_start, 0x120000000);
	CHECK_EQ(m.initrd_end, 0x120400000);
	// The aliased UART, not the first PL011, translated through soc's ranges.
	CHECK_EQ(m.uart_base, 0x1c090000);
	CHECK_EQ(m.uart_size, 0x1000);
	CHECK_EQ(m.uart_irq, 37);
	CHECK_EQ(m.gicd_base, 0x1c001000);
	CHECK_EQ(m.gicd_size, 0x1000);
	CHECK_EQ(m.gicc_base, 0x1c002000);
	CHECK_EQ(m.gicc_size, 0x2000);
	CHECK_EQ(m.timer_irq_phys, 30);
	CHECK_EQ(m.timer_irq_virt, 27);
	CHECK_EQ(m.timer_freq, 62500000);
	CHECK_EQ(m.psci_method, PSCI_SMC);
	CHECK_EQ(m.psci_system_off, 0x84000008);
	CHECK_EQ(m.psci_cpu_on, 0x84000003);
	CHECK_EQ(m.ncpus, 2);
	CHECK_EQ(m.cpu_mpidr[0], 0);
	CHECK_EQ(m.cpu_mpidr[1], 1);

	// fdt_reg() itself gives the bus address.
	struct blob b = load("board.dtb");
	struct fdt f;
	uint64_t a, s;
	if (!b.p)
		return;
	CHECK_EQ(fdt_open(&f, b.p, b.n), FDT_OK);
	CHECK_EQ(fdt_memrsv_count(&f), 2);
	CHECK(!fdt_reg(&f, fdt_path(&f, "/soc/uart"), 0, &a, &s) && a == 0x90000 && s == 0x1000);
	free(b.p);
}

static void test_minimal(void)
{
	struct machine m;

	CHECK_EQ(machine_of("minimal.dtb", &m), FDT_OK);
	CHECK_EQ(m.n_mem, 1);
	CHECK_EQ(m.mem[0].base, 0x80000000);
	CHECK_EQ(m.mem[0].size, 0x20000000);
	CHECK_EQ(m.n_rsv, 0);
	CHECK_EQ(m.initrd_start, 0x48000000);
	CHECK_EQ(m.initrd_end, 0x48100000);
	CHECK_EQ(m.stdout_path[0], '\0');
	CHECK_EQ(m.bootargs[0], '\0');
	CHECK_EQ(m.uart_base, 0x1c090000);
	CHECK_EQ(m.uart_irq, 37);
	CHECK_EQ(m.gicd_base, 0x2c001000);
	CHECK_EQ(m.gicc_base, 0x2c002000);
	CHECK_EQ(m.timer_irq_phys, 0);
	CHECK_EQ(m.timer_irq_virt, 0);
	CHECK_EQ(m.psci_method, PSCI_HVC);
	CHECK_EQ(m.psci_cpu_on, 0x95c10002);
	CHECK_EQ(m.psci_system_off, 0);
	CHECK_EQ(m.ncpus, 0);
}

static void test_depth(void)
{
	struct blob ok = load("deep32.dtb"), deep = load("deep33.dtb");
	struct fdt f;
	int levels = 0;

	if (ok.p && fdt_open(&f, ok.p, ok.n) == FDT_OK) {
		int n = fdt_root(&f), last = n;
		for (; n >= 0; n = fdt_first_child(&f, n))
			last = n;
		for (n = last; n >= 0; n = fdt_parent(&f, n))
			levels++;
	}
	CHECK_EQ(levels, FDT_MAX_DEPTH);
	if (deep.p)
		CHECK_EQ(fdt_open(&f, deep.p, deep.n), FDT_E_DEPTH);
	free(ok.p);
	free(deep.p);
}

static void test_irq_loop(void)
{
	struct blob b = load("irqloop.dtb");
	struct machine m;
	const char *why;

	if (!b.p)
		return;
	CHECK_EQ(machine_of_blob(b, &m, &why), FDT_E_LOOP);
	CHECK(strstr(why, "loop") != NULL);
	free(b.p);
}

static void test_cmdline(void)
{
	const char *cl = "  console=ttyAMA0,115200 mem=6G\tquiet memx=1 =odd init=/sbin/a=b "
			 "mem=2G ";
	char buf[8];

	CHECK(cmdline_get(cl, "mem", buf, sizeof buf) && !strcmp(buf, "2G"));
	CHECK(cmdline_get(cl, "quiet", buf, sizeof buf) && !strcmp(buf, ""));
	CHECK(cmdline_get(cl, "init", buf, sizeof buf) && !strcmp(buf, "/sbin/a"));
	CHECK(cmdline_get(cl, "console", buf, sizeof buf) && !strcmp(buf, "ttyAMA0"));
	CHECK(cmdline_get(cl, "memx", buf, sizeof buf) && !strcmp(buf, "1"));
	CHECK(!cmdline_get(cl, "me", buf, sizeof buf));
	CHECK(!cmdline_get(cl, "quie", buf, sizeof buf));
	CHECK(!cmdline_get(cl, "odd", buf, sizeof buf));
	CHECK(!cmdline_get(cl, "", buf, sizeof buf));
	CHECK(!cmdline_get("", "mem", buf, sizeof buf));
	CHECK(!cmdline_get(NULL, "mem", buf, sizeof buf));
	CHECK(!cmdline_get(cl, NULL, buf, sizeof buf));
	CHECK(cmdline_get(cl, "mem", NULL, 0));
	memset(buf, 'x', sizeof buf);
	CHECK(cmdline_get(cl, "init", buf, 1) && buf[0] == '\0' && buf[1] == 'x');
}

static void test_parse_size(void)
{
	static const struct {
		const char *s;
		uint64_t v;
	} good[] = {
		{ "0", 0 },
		{ "512M", 512ull << 20 },
		{ "512m", 512ull << 20 },
		{ "6G", 6 * GIB },
		{ "4k", 4096 },
		{ "0x1000", 0x1000 },
		{ "0X1fK", 0x1f << 10 },
		{ "0xffffffffffffffff", ~0ull },
		{ "18446744073709551615", ~0ull },
		{ "17179869183G", 17179869183ull << 30 },
	};
	static const char *const bad[] = {
		"",
		"M",
		"0x",
		"0xg",
		"-1",
		" 1",
		"1 ",
		"12Q",
		"1MB",
		"1.5G",
		"0x10000000000000000",
		"18446744073709551616",
		"17179869184G",
		"99999999999999999999",
		"1KK",
	};
	uint64_t v;

	for (unsigned i = 0; i < sizeof good / sizeof good[0]; i++) {
		v = 1;
		CHECK(parse_size(good[i].s, &v) == 0 && v == good[i].v);
	}
	for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		v = 7;
		if (parse_size(bad[i], &v) != -1 || v != 7)
			printf("    parse_size accepted \"%s\"\n", bad[i]);
		CHECK(v == 7);
	}
	CHECK_EQ(parse_size(NULL, &v), -1);
}

static void test_corrupt_header(void)
{
	struct blob b = compact("qemu-1g.dtb");

	if (!b.p)
		return;
	uint32_t n = (uint32_t)b.n, st = get32(b.p + H_OFF_STRUCT);
	uint32_t str = get32(b.p + H_OFF_STRINGS), sstr = get32(b.p + H_SIZE_STRINGS);
	uint32_t rsv = get32(b.p + H_OFF_MEMRSV);

	CHECK_EQ(open_bytes(b.p, b.n), FDT_OK);
	CHECK_EQ(open_with_word(b, 0, 0xd00dfeee), FDT_E_MAGIC);
	CHECK_EQ(open_bytes(b.p, 3), FDT_E_TRUNCATED);
	CHECK_EQ(open_bytes(b.p, 39), FDT_E_TRUNCATED);
	CHECK_EQ(open_bytes(b.p, n - 1), FDT_E_TRUNCATED);
	CHECK_EQ(open_with_word(b, H_TOTALSIZE, n + 1), FDT_E_TRUNCATED);
	CHECK_EQ(open_with_word(b, H_TOTALSIZE, 0xffffffff), FDT_E_TRUNCATED);
	CHECK_EQ(open_with_word(b, H_TOTALSIZE, n - 1), FDT_E_LAYOUT);
	CHECK_EQ(open_with_word(b, H_TOTALSIZE, 20), FDT_E_LAYOUT);
	CHECK_EQ(open_with_word(b, H_VERSION, 15), FDT_E_VERSION);
	CHECK_EQ(open_with_word(b, H_LAST_COMP, 18), FDT_E_VERSION);
	CHECK_EQ(open_with_word(b, H_VERSION, 16), FDT_OK);

	CHECK_EQ(open_with_word(b, H_OFF_STRUCT, n), FDT_E_LAYOUT);
	CHECK_EQ(open_with_word(b, H_OFF_STRUCT, 0xfffffffc), FDT_E_LAYOUT);
	CHECK_EQ(open_with_word(b, H_OFF_STRUCT, st + 2), FDT_E_LAYOUT);
	CHECK_EQ(open_with_word(b, H_OFF_STRUCT, 0), FDT_E_LAYOUT);
	CHECK_EQ(open_with_word(b, H_SIZE_STRUCT, 0xffffffff), FDT_E_LAYOUT);
	CHECK_EQ(open_with_word(b, H_SIZE_STRUCT, 0u - st), FDT_E_LAYOUT);
	CHECK_EQ(open_with_word(b, H_SIZE_STRUCT, n - st + 4), FDT_E_LAYOUT);
	CHECK_EQ(open_with_word(b, H_OFF_STRINGS, n + 1), FDT_E_LAYOUT);
	CHECK_EQ(open_with_word(b, H_OFF_STRINGS, 0xffffffff), FDT_E_LAYOUT);
	CHECK_EQ(open_with_word(b, H_OFF_STRINGS, st), FDT_E_LAYOUT);
	CHECK_EQ(open_with_word(b, H_SIZE_STRINGS, 0u - str), FDT_E_LAYOUT);
	CHECK_EQ(open_with_word(b, H_SIZE_STRINGS, sstr + 1), FDT_E_LAYOUT);
	CHECK_EQ(open_with_word(b, H_SIZE_STRINGS, 0xffffffff), FDT_E_LAYOUT);

	CHECK_EQ(open_with_word(b, H_OFF_MEMRSV, rsv + 4), FDT_E_LAYOUT);
	CHECK_EQ(open_with_word(b, H_OFF_MEMRSV, 8), FDT_E_LAYOUT);
	CHECK_EQ(open_with_word(b, H_OFF_MEMRSV, (n & ~7u) - 8), FDT_E_LAYOUT);
	CHECK_EQ(open_with_word(b, H_OFF_MEMRSV, 0xfffffff8), FDT_E_LAYOUT);
	CHECK_EQ(open_with_word(b, H_OFF_MEMRSV, st), FDT_E_LAYOUT);
	// The memreserve terminator made non-zero: the list runs into the structure block.
	CHECK_EQ(open_with_word(b, rsv + 12, 1), FDT_E_LAYOUT);
	free(b.p);
}

static void test_corrupt_struct(void)
{
	struct blob b = compact("qemu-1g.dtb");

	if (!b.p)
		return;
	uint32_t st = get32(b.p + H_OFF_STRUCT), ss = get32(b.p + H_SIZE_STRUCT);
	uint32_t sstr = get32(b.p + H_SIZE_STRINGS);
	size_t end = st + ss, prop = prop_pos(b, "/", "interrupt-parent");
	size_t chosen = node_pos(b, "/chosen");

	// QEMU's tree ends with /chosen: END_NODE (chosen), END_NODE (root), END.
	CHECK_EQ(get32(b.p + end - 12), TOK_END_NODE);
	CHECK_EQ(get32(b.p + end - 8), TOK_END_NODE);
	CHECK_EQ(get32(b.p + end - 4), TOK_END);
	CHECK_EQ(open_with_word(b, st, 7), FDT_E_STRUCT);
	CHECK_EQ(open_with_word(b, prop, 0), FDT_E_STRUCT);
	CHECK_EQ(open_with_word(b, prop, 5), FDT_E_STRUCT);
	CHECK_EQ(open_with_word(b, H_SIZE_STRUCT, (uint32_t)(chosen - st) + 4 + 3), FDT_E_STRING);
	CHECK_EQ(open_with_word(b, H_SIZE_STRINGS, sstr - 1), FDT_E_STRING);
	CHECK_EQ(open_with_word(b, prop + 8, sstr), FDT_E_STRING);
	CHECK_EQ(open_with_word(b, prop + 8, 0xffffffff), FDT_E_STRING);
	CHECK_EQ(open_with_word(b, prop + 8, sstr - 1), FDT_OK); // the last NUL: an empty name
	CHECK_EQ(open_with_word(b, prop + 4, 0xffffffff), FDT_E_STRUCT);
	CHECK_EQ(open_with_word(b, prop + 4, 0xfffffff4), FDT_E_STRUCT);
	CHECK_EQ(open_with_word(b, prop + 4, ss), FDT_E_STRUCT);
	CHECK_EQ(open_with_word(b, end - 12, TOK_NOP), FDT_E_STRUCT);
	CHECK_EQ(open_with_word(b, end - 4, TOK_END_NODE), FDT_E_STRUCT);
	CHECK_EQ(open_with_word(b, end - 4, TOK_NOP), FDT_E_STRUCT);
	CHECK_EQ(open_with_word(b, H_SIZE_STRUCT, ss - 4), FDT_E_STRUCT);
	CHECK_EQ(open_with_word(b, H_SIZE_STRUCT, ss - 2), FDT_E_STRUCT);
	free(b.p);
}

// A property overwritten with NOP tokens is simply gone.
static void test_nop(void)
{
	struct blob b = compact("qemu-1g.dtb");
	struct machine m;
	const char *why;

	if (!b.p)
		return;
	size_t pos = prop_pos(b, "/chosen", "stdout-path");
	uint32_t len = get32(b.p + pos + 4);
	for (size_t i = 0; i < 12 + ((len + 3) & ~3u); i += 4)
		put32(b.p + pos + i, TOK_NOP);
	CHECK_EQ(machine_of_blob(b, &m, &why), FDT_OK);
	CHECK_EQ(m.stdout_path[0], '\0');
	CHECK_EQ(m.uart_base, 0x9000000);
	free(b.p);
}

// machine_from_fdt() on a copy of b with the word at `at` set to v fails
// with `err` and `why`; returns the UART base it found all the same.
static uint64_t check_machine_error(struct blob b, size_t at, uint32_t v, int err, const char *why)
{
	uint8_t *c = dup_bytes(b.p, b.n);
	struct machine m;
	const char *got = "";

	put32(c + at, v);
	CHECK_EQ(machine_of_blob((struct blob){ c, b.n }, &m, &got), err);
	if (strcmp(got, why))
		printf("    expected \"%s\", got \"%s\"\n", why, got);
	CHECK(!strcmp(got, why));
	free(c);
	return m.uart_base;
}

static void test_corrupt_machine(void)
{
	struct blob b = compact("qemu-1g.dtb");

	if (!b.p)
		return;
	size_t mem_type = prop_pos(b, "/memory", "device_type");
	size_t size_cells = prop_pos(b, "/", "#size-cells");
	size_t addr_cells = prop_pos(b, "/", "#address-cells");
	size_t uart_reg = prop_pos(b, "/pl011@9000000", "reg");
	size_t uart_clocks = prop_pos(b, "/pl011@9000000", "clocks");
	size_t uart_irq = prop_pos(b, "/pl011@9000000", "interrupts");
	size_t gic_ctrl = prop_pos(b, "/intc@8000000", "interrupt-controller");
	size_t gic_compat = prop_pos(b, "/intc@8000000", "compatible");
	size_t psci_method = prop_pos(b, "/psci", "method");
	size_t timer_irq = prop_pos(b, "/timer", "interrupts");
	uint32_t unused_name = get32(b.p + prop_pos(b, "/fw-cfg@9020000", "dma-coherent") + 8);

	// The console is found first, so that the caller can report the rest on it.
	CHECK_EQ(check_machine_error(b, mem_type + 16, 0x72780000, FDT_E_NOTFOUND,
				     "no /memory node"),
		 0x9000000);
	check_machine_error(b, size_cells + 12, 0, FDT_E_BADVALUE, "memory range has size 0 cells");
	check_machine_error(b, addr_cells + 12, 3, FDT_E_BADVALUE, "PL011 reg is malformed");
	check_machine_error(b, uart_reg + 8, unused_name, FDT_E_NOTFOUND, "PL011 has no reg");
	check_machine_error(b, uart_clocks + 8, get32(b.p + uart_reg + 8), FDT_E_BADVALUE,
			    "PL011 reg is malformed");
	check_machine_error(b, uart_irq + 12, 2, FDT_E_BADVALUE,
			    "interrupt is not a valid GIC SPI or PPI");
	check_machine_error(b, timer_irq + 12 + 16, 16, FDT_E_BADVALUE,
			    "interrupt is not a valid GIC SPI or PPI");
	check_machine_error(b, gic_ctrl + 8, unused_name, FDT_E_LOOP,
			    "interrupt-parent references loop");
	check_machine_error(b, gic_compat + 12, 0x61726d2d, FDT_E_NOTFOUND,
			    "no GICv2 (arm,cortex-a15-gic or arm,gic-400)");
	check_machine_error(b, psci_method + 12, 0x68767800, FDT_E_BADVALUE,
			    "PSCI method is neither hvc nor smc");
	free(b.p);

	b = compact("qemu-bootargs.dtb");
	if (!b.p)
		return;
	size_t start = prop_pos(b, "/chosen", "linux,initrd-start");
	size_t end = prop_pos(b, "/chosen", "linux,initrd-end");
	size_t args = prop_pos(b, "/chosen", "bootargs");
	CHECK_EQ(get32(b.p + args + 4), 21); // "mem=512M console=hvc"
	check_machine_error(b, end + 8, unused_name, FDT_E_BADVALUE,
			    "linux,initrd-start and -end must come together");
	check_machine_error(b, start + 12, 0x50000000, FDT_E_BADVALUE,
			    "initrd ends before it starts");
	check_machine_error(b, args + 12 + 20, 0x41414141, FDT_E_BADVALUE,
			    "bootargs is not a string");
	free(b.p);
}

static void test_many_ranges(void)
{
	struct blob b = load("manymem.dtb");
	struct machine m;
	const char *why;

	if (!b.p)
		return;
	CHECK_EQ(machine_of_blob(b, &m, &why), FDT_OK);
	CHECK_EQ(m.n_mem, MACHINE_MAX_MEM);
	CHECK_EQ(m.mem[0].base, 0x80000000);
	CHECK_EQ(m.mem[0].size, 0x10000000);
	CHECK_EQ(m.mem[1].base, 0x100000000);
	CHECK_EQ(m.mem[1].size, 0x110000000);
	for (unsigned i = 2; i < MACHINE_MAX_MEM; i++) {
		CHECK_EQ(m.mem[i].base, (uint64_t)(i + 1) << 32);
		CHECK_EQ(m.mem[i].size, 0x10000000);
	}
	// Moved clear of its neighbours, the bridge needs a 17th slot.
	check_machine_error(b, prop_pos(b, "/memory@110000000", "reg") + 12, 0x20, FDT_E_BADVALUE,
			    "too many memory ranges");
	free(b.p);
}

// Partial pages are not RAM (rounded inwards; a range of less than a page
// vanishes) and reservations cover every page they touch.
static void test_unaligned(void)
{
	struct machine m;

	CHECK_EQ(machine_of("unaligned.dtb", &m), FDT_OK);
	CHECK_EQ(m.n_mem, 1);
	CHECK_EQ(m.mem[0].base, 0x40001000);
	CHECK_EQ(m.mem[0].size, 0x3ffff000);
	CHECK_EQ(m.n_rsv, 2);
	CHECK_EQ(m.rsv[0].base, 0x40100000);
	CHECK_EQ(m.rsv[0].size, 0x1000);
	CHECK_EQ(m.rsv[1].base, 0x40200000);
	CHECK_EQ(m.rsv[1].size, 0x2000);
}

static uint64_t rng;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 32);
}

static unsigned long walked;

// Touches every name and value byte of a subtree, with the accessors.
static void walk(const struct fdt *f, int node, int depth)
{
	const char *name = fdt_node_name(f, node);
	uint32_t len, u;

	CHECK(name && depth <= FDT_MAX_DEPTH);
	walked += strlen(name);
	for (int p = fdt_first_prop(f, node); p >= 0; p = fdt_next_prop(f, p)) {
		const uint8_t *v = fdt_prop_at(f, p, &name, &len);
		for (uint32_t i = 0; i < len; i++)
			walked += v[i];
		const char *s = fdt_prop_str(f, node, name);
		walked += s ? strlen(s) : 0;
		walked += fdt_prop_has_str(f, node, name, "arm,pl011");
		walked += fdt_prop_u32(f, node, name, &u) ? 0 : u;
	}
	for (int c = fdt_first_child(f, node); c >= 0; c = fdt_next_sibling(f, c))
		walk(f, c, depth + 1);
}

// Calls on a few random handles that cost a walk from the root each.
static void probe(const struct fdt *f, size_t n)
{
	uint64_t a, s;
	uint32_t ac, sc;

	for (int i = 0; i < 3; i++) {
		int h = (int)(rnd() % n) & ~3;
		int node = fdt_next_node(f, h);
		fdt_parent(f, node);
		fdt_reg_cells(f, node, &ac, &sc);
		for (int r = 0, k = fdt_reg_count(f, node); r < k && r < 8; r++)
			fdt_reg(f, node, r, &a, &s);
	}
	fdt_path(f, "/cpus/cpu@0");
	fdt_find_phandle(f, rnd() % 4 ? 0x8000 + rnd() % 5 : rnd());
	for (uint32_t i = 0; i < fdt_memrsv_count(f) && i < 64; i++)
		fdt_memrsv(f, i, &a, &s);
}

static void check_machine_sane(const struct machine *m, unsigned *bad)
{
	for (unsigned i = 0; i < m->n_mem; i++) {
		uint64_t end = m->mem[i].base + m->mem[i].size;
		if (!m->mem[i].size || end > (1ull << 40) ||
		    (i + 1 < m->n_mem && end >= m->mem[i + 1].base))
			(*bad)++;
	}
	if (!m->n_mem || m->n_mem > MACHINE_MAX_MEM || m->n_rsv > MACHINE_MAX_RSV ||
	    memchr(m->bootargs, 0, sizeof m->bootargs) == NULL ||
	    memchr(m->stdout_path, 0, sizeof m->stdout_path) == NULL)
		(*bad)++;
}

// Mutates a copy of buf: a byte, a bit, an aligned or unaligned word, a
// header field; returns how many bytes to keep (a truncation sometimes).
static size_t mutate(uint8_t *buf, size_t n)
{
	static const uint32_t words[] = { 0,          1,          2,          3,
					  4,          9,          0x10,       0x11,
					  0x28,       0x38,       0x40,       0x7fffffff,
					  0x80000000, 0xfffffffc, 0xffffffff, 0x8002 };
	uint32_t w = rnd() % 4 ? words[rnd() % 16] : rnd() % 2 ? rnd() % n : rnd();

	if (n < 16)
		return n;
	switch (rnd() % 8) {
	case 0:
	case 1: buf[rnd() % n] = (uint8_t)rnd(); break;
	case 2: buf[rnd() % n] ^= (uint8_t)(1u << (rnd() % 8)); break;
	case 3:
	case 4: put32(buf + (rnd() % (n / 4)) * 4, w); break;
	case 5: put32(buf + rnd() % (n - 3), w); break;
	case 6: put32(buf + 4 * (1 + rnd() % 9), w); break;
	case 7:
		n = rnd() % n;
		if (n >= 8 && rnd() % 2)
			put32(buf + H_TOTALSIZE, (uint32_t)n);
		break;
	}
	return n;
}

// Mutated copies of a device tree, each opened in an exact-size buffer and,
// when it opens, read as a machine and walked.
static void fuzz(const char *name, int iterations)
{
	struct blob b = compact(name);
	unsigned opened = 0, machines = 0, bad = 0;

	if (!b.p)
		return;
	uint8_t *work = malloc(b.n);
	for (int iter = 0; iter < iterations; iter++) {
		size_t n = b.n;
		memcpy(work, b.p, b.n);
		for (unsigned k = 1 + rnd() % 3; k--;)
			n = mutate(work, n);
		uint8_t *c = dup_bytes(work, n);
		struct fdt f;
		struct machine m;
		const char *why = NULL;
		if (fdt_open(&f, c, n) == FDT_OK) {
			opened++;
			int err = machine_from_fdt(&f, &m, &why);
			if (err > 0 || !why)
				bad++;
			if (!err) {
				machines++;
				check_machine_sane(&m, &bad);
			}
			walk(&f, fdt_root(&f), 1);
			probe(&f, f.size_struct);
		}
		free(c);
	}
	free(work);
	free(b.p);
	printf("    fuzz %s: %d blobs, %u opened, %u machines\n", name, iterations, opened,
	       machines);
	CHECK_EQ(bad, 0);
	CHECK(machines > (unsigned)iterations / 10);
}

static void test_fuzz(void)
{
	rng = 0x2545f4914f6cdd1dull;
	fuzz("qemu-bootargs.dtb", 15000);
	fuzz("board.dtb", 10000);
}

static const struct check_case cases[] = {
	{ test_qemu_1g, "QEMU -m 1G" },
	{ test_qemu_3g, "QEMU -m 3G" },
	{ test_qemu_8g, "QEMU -m 8G (RAM above 4 GiB)" },
	{ test_qemu_16g, "QEMU -m 16G" },
	{ test_qemu_smp4, "QEMU -smp 4" },
	{ test_cpus, "CPU list: MPIDRs, bad reg, more than 8" },
	{ test_qemu_bootargs, "QEMU -append and -initrd" },
	{ test_tree_walk, "navigation and accessors" },
	{ test_bad_handles, "bad handles" },
	{ test_board, "several memory nodes, reserved ranges, alias, ranges" },
	{ test_minimal, "32-bit cells, PSCI 0.1, no timer" },
	{ test_depth, "nesting limit" },
	{ test_irq_loop, "interrupt-parent loop" },
	{ test_cmdline, "cmdline_get" },
	{ test_parse_size, "parse_size" },
	{ test_corrupt_header, "corrupt header" },
	{ test_corrupt_struct, "corrupt structure and strings" },
	{ test_nop, "NOP tokens" },
	{ test_corrupt_machine, "machine errors" },
	{ test_many_ranges, "a full memory table" },
	{ test_unaligned, "RAM rounded inwards to pages, reservations outwards" },
	{ test_fuzz, "fuzz" },
	{ 0 },
};

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s DTB_DIR\n", argv[0]);
		return 2;
	}
	dtb_dir = argv[1];
	return check_run("fdt", cases);
}
