// Reads what hmk needs to know about the machine from a validated device
// tree: RAM, reserved ranges, /chosen, the PL011, GIC, timer and PSCI, and the CPUs.
#include "machine.h"

#include <string.h>

#define PHYS_LIMIT (1ull << 40) // LPAE output addresses are 40 bits
#define GIC_SPI_MAX 988         // SPI n is GIC ID 32 + n, IDs end at 1019
#define GIC_PPI_MAX 16
#define PSCI_0_2_SYSTEM_OFF 0x84000008u
#define PSCI_0_2_CPU_ON 0x84000003u

static int fail(const char **why, const char *msg, int err)
{
	*why = msg;
	return err;
}

// Clips [*base, *base + *size) to the physical address space and rounds it
// to whole pages: inwards for RAM (`out` 0: a partial page is not RAM the
// kernel may use), outwards for a reservation (`out` 1: a partial page is
// not free), as Linux's memblock does. 0 when nothing is left.
static int clip(uint64_t *base, uint64_t *size, int out)
{
	uint64_t end;

	if (*base >= PHYS_LIMIT || !*size)
		return 0;
	end = *size > PHYS_LIMIT - *base ? PHYS_LIMIT : *base + *size;
	if (out) {
		*base &= ~(MACH_PAGE_SIZE - 1);
		end = (end + MACH_PAGE_SIZE - 1) & ~(MACH_PAGE_SIZE - 1);
	} else {
		*base = (*base + MACH_PAGE_SIZE - 1) & ~(MACH_PAGE_SIZE - 1);
		end &= ~(MACH_PAGE_SIZE - 1);
	}
	if (end <= *base)
		return 0;
	*size = end - *base;
	return 1;
}

// Adds a clipped, page-rounded RAM range to the sorted m->mem, merging it with every
// range it overlaps or touches. Returns -1 when a new slot is needed and
// none is left.
static int mem_add(struct machine *m, uint64_t base, uint64_t size)
{
	struct mach_range *r = m->mem;
	unsigned *n = &m->n_mem, i = 0, j;

	if (!clip(&base, &size, 0))
		return 0;
	uint64_t end = base + size;
	while (i < *n && r[i].base + r[i].size < base)
		i++;
	for (j = i; j < *n && r[j].base <= end; j++) {
		uint64_t rend = r[j].base + r[j].size;
		base = r[j].base < base ? r[j].base : base;
		end = rend > end ? rend : end;
	}
	if (j == i) {
		if (*n == MACHINE_MAX_MEM)
			return -1;
		for (unsigned k = *n; k > i; k--)
			r[k] = r[k - 1];
		(*n)++;
		j = i + 1;
	}
	r[i] = (struct mach_range){ base, end - base };
	for (unsigned k = j; k < *n; k++)
		r[i + 1 + k - j] = r[k];
	*n -= j - i - 1;
	return 0;
}

static int rsv_add(struct machine *m, uint64_t base, uint64_t size)
{
	if (!clip(&base, &size, 1))
		return 0;
	if (m->n_rsv == MACHINE_MAX_RSV)
		return -1;
	m->rsv[m->n_rsv++] = (struct mach_range){ base, size };
	return 0;
}

// Translates a bus address in `node`'s reg to a CPU physical address through
// each ancestor's "ranges"; an ancestor without "ranges" hides its children.
static int translate(const struct fdt *fdt, int node, uint64_t *addr)
{
	int root = fdt_root(fdt);

	for (int bus = fdt_parent(fdt, node); bus >= 0 && bus != root; bus = fdt_parent(fdt, bus)) {
		uint32_t len, ca, cs, pa, ps;
		const uint8_t *r = fdt_prop(fdt, bus, "ranges", &len);
		if (!r || fdt_reg_cells(fdt, node, &ca, &cs) || fdt_reg_cells(fdt, bus, &pa, &ps))
			return FDT_E_BADVALUE;
		uint32_t stride = (ca + pa + cs) * 4, i;
		for (i = 0; i + stride <= len; i += stride) {
			uint64_t child = fdt_cells(r + i, ca);
			uint64_t size = fdt_cells(r + i + (ca + pa) * 4, cs);
			if (*addr >= child && *addr - child < size) {
				*addr = fdt_cells(r + i + ca * 4, pa) + (*addr - child);
				break;
			}
		}
		if (len && i + stride > len)
			return FDT_E_BADVALUE;
		node = bus;
	}
	return FDT_OK;
}

// The idx-th reg entry of a device, translated; *base and *size are left
// alone on failure, and the messages name the device.
static int dev_reg(const struct fdt *fdt, int node, int idx, uint64_t *base, uint64_t *size,
		   const char **why, const char *missing, const char *bad)
{
	uint64_t b, s;
	int err = fdt_reg(fdt, node, idx, &b, &s);

	if (err == FDT_E_NOTFOUND)
		return fail(why, missing, err);
	if (err || translate(fdt, node, &b))
		return fail(why, bad, FDT_E_BADVALUE);
	*base = b;
	*size = s;
	return FDT_OK;
}

static int enabled(const struct fdt *fdt, int node)
{
	const char *status = fdt_prop_str(fdt, node, "status");

	return !status || !strcmp(status, "okay") || !strcmp(status, "ok");
}

// First enabled node compatible with `compat`, or FDT_E_NOTFOUND.
static int find_enabled(const struct fdt *fdt, const char *compat)
{
	int node = -1;

	while ((node = fdt_find_compatible(fdt, node, compat)) >= 0 && !enabled(fdt, node))
		;
	return node;
}

static int memory(const struct fdt *fdt, struct machine *m, const char **why)
{
	int node = -1, found = 0;
	uint64_t base, size;

	while ((node = fdt_find_device_type(fdt, node, "memory")) >= 0) {
		uint32_t ac, sc;
		int n = fdt_reg_count(fdt, node);
		if (!enabled(fdt, node) || n == FDT_E_NOTFOUND)
			continue;
		found = 1;
		if (n < 0 || fdt_reg_cells(fdt, node, &ac, &sc))
			return fail(why, "memory reg is malformed", FDT_E_BADVALUE);
		if (!sc)
			return fail(why, "memory range has size 0 cells", FDT_E_BADVALUE);
		for (int i = 0; i < n; i++) {
			if (dev_reg(fdt, node, i, &base, &size, why, "memory reg is malformed",
				    "memory reg is not translatable"))
				return FDT_E_BADVALUE;
			if (mem_add(m, base, size))
				return fail(why, "too many memory ranges", FDT_E_BADVALUE);
		}
	}
	if (!found)
		return fail(why, "no /memory node", FDT_E_NOTFOUND);
	if (!m->n_mem)
		return fail(why, "no RAM below the 40-bit physical limit", FDT_E_BADVALUE);
	return FDT_OK;
}

static int reserved(const struct fdt *fdt, struct machine *m, const char **why)
{
	uint64_t base, size;

	for (uint32_t i = 0; i < fdt_memrsv_count(fdt); i++)
		if (fdt_memrsv(fdt, i, &base, &size) || rsv_add(m, base, size))
			return fail(why, "too many reserved ranges", FDT_E_BADVALUE);
	int parent = fdt_path(fdt, "/reserved-memory");
	const char *bad = "/reserved-memory child reg is malformed";
	for (int c = fdt_first_child(fdt, parent); c >= 0; c = fdt_next_sibling(fdt, c)) {
		int n = fdt_reg_count(fdt, c);
		if (n == FDT_E_NOTFOUND || !enabled(fdt, c))
			continue;
		if (n < 0)
			return fail(why, bad, n);
		for (int i = 0; i < n; i++) {
			if (dev_reg(fdt, c, i, &base, &size, why, bad, bad))
				return FDT_E_BADVALUE;
			if (rsv_add(m, base, size))
				return fail(why, "too many reserved ranges", FDT_E_BADVALUE);
		}
	}
	return FDT_OK;
}

// Copies src[0..n) into dst as a string; -1 when it does not fit.
static int copy_str(char *dst, size_t cap, const char *src, size_t n)
{
	if (n >= cap)
		return -1;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return 0;
}

// stdout-path without ":options", an alias from /aliases resolved.
static int stdout_path(const struct fdt *fdt, int chosen, struct machine *m, const char **why)
{
	const char *p = fdt_prop_str(fdt, chosen, "stdout-path");
	size_t n = 0;

	if (!p)
		p = fdt_prop_str(fdt, chosen, "linux,stdout-path");
	if (!p)
		return FDT_OK;
	while (p[n] && p[n] != ':')
		n++;
	if (copy_str(m->stdout_path, sizeof m->stdout_path, p, n))
		return fail(why, "stdout-path too long", FDT_E_BADVALUE);
	if (p[0] == '/')
		return FDT_OK;
	const char *alias = fdt_prop_str(fdt, fdt_path(fdt, "/aliases"), m->stdout_path);
	if (alias && copy_str(m->stdout_path, sizeof m->stdout_path, alias, strlen(alias)))
		return fail(why, "stdout-path alias too long", FDT_E_BADVALUE);
	return FDT_OK;
}

// An initrd bound: one or two cells.
static int initrd_prop(const struct fdt *fdt, int chosen, const char *name, uint64_t *out)
{
	uint32_t len;
	const void *v = fdt_prop(fdt, chosen, name, &len);

	if (!v)
		return FDT_E_NOTFOUND;
	if (len != 4 && len != 8)
		return FDT_E_BADVALUE;
	*out = fdt_cells(v, len / 4);
	return FDT_OK;
}

static int initrd(const struct fdt *fdt, int chosen, struct machine *m, const char **why)
{
	int s = initrd_prop(fdt, chosen, "linux,initrd-start", &m->initrd_start);
	int e = initrd_prop(fdt, chosen, "linux,initrd-end", &m->initrd_end);

	if (s == FDT_E_NOTFOUND && e == FDT_E_NOTFOUND)
		return FDT_OK;
	if (s == FDT_E_BADVALUE || e == FDT_E_BADVALUE)
		return fail(why, "linux,initrd-start/-end is not 1 or 2 cells", FDT_E_BADVALUE);
	if (s || e)
		return fail(why, "linux,initrd-start and -end must come together", FDT_E_BADVALUE);
	if (m->initrd_end < m->initrd_start)
		return fail(why, "initrd ends before it starts", FDT_E_BADVALUE);
	return FDT_OK;
}

// bootargs and the initrd; stdout-path is read earlier, with the UART.
static int chosen(const struct fdt *fdt, struct machine *m, const char **why)
{
	int node = fdt_path(fdt, "/chosen");

	if (node < 0)
		return FDT_OK;
	if (fdt_prop(fdt, node, "bootargs", NULL)) {
		const char *args = fdt_prop_str(fdt, node, "bootargs");
		if (!args)
			return fail(why, "bootargs is not a string", FDT_E_BADVALUE);
		if (copy_str(m->bootargs, sizeof m->bootargs, args, strlen(args)))
			return fail(why, "bootargs too long", FDT_E_BADVALUE);
	}
	return initrd(fdt, node, m, why);
}

// The interrupt controller of `node`: the interrupt-parent found on it or
// its nearest ancestor, followed on while it names a node that is not a
// controller. FDT_E_LOOP when that takes more than FDT_MAX_DEPTH steps.
static int irq_controller(const struct fdt *fdt, int node, const char **why)
{
	for (int hops = 0; hops < FDT_MAX_DEPTH; hops++) {
		uint32_t ph;
		int err;
		while ((err = fdt_prop_u32(fdt, node, "interrupt-parent", &ph)) == FDT_E_NOTFOUND &&
		       (node = fdt_parent(fdt, node)) >= 0)
			;
		if (err)
			return fail(why, "no valid interrupt-parent", err);
		node = fdt_find_phandle(fdt, ph);
		if (node < 0)
			return fail(why, "interrupt-parent names no node", node);
		if (fdt_prop(fdt, node, "interrupt-controller", NULL))
			return node;
	}
	return fail(why, "interrupt-parent references loop", FDT_E_LOOP);
}

// GIC interrupt ID of the idx-th entry of `node`'s interrupts.
static int irq_id(const struct fdt *fdt, int node, int gic, uint32_t idx, uint32_t *id,
		  const char **why)
{
	uint32_t len, cells;
	int ctrl = irq_controller(fdt, node, why);

	if (ctrl < 0)
		return ctrl;
	if (ctrl != gic)
		return fail(why, "interrupt parent is not the GIC", FDT_E_BADVALUE);
	if (fdt_prop_u32(fdt, gic, "#interrupt-cells", &cells) || cells != 3)
		return fail(why, "GIC #interrupt-cells is not 3", FDT_E_BADVALUE);
	const uint8_t *v = fdt_prop(fdt, node, "interrupts", &len);
	if (!v || len % 12 || len / 12 <= idx)
		return fail(why, "interrupts missing or too short", FDT_E_BADVALUE);
	uint32_t type = fdt_be32(v + idx * 12), n = fdt_be32(v + idx * 12 + 4);
	if (type == 0 && n < GIC_SPI_MAX)
		*id = 32 + n;
	else if (type == 1 && n < GIC_PPI_MAX)
		*id = 16 + n;
	else
		return fail(why, "interrupt is not a valid GIC SPI or PPI", FDT_E_BADVALUE);
	return FDT_OK;
}

static int gic(const struct fdt *fdt, struct machine *m, const char **why)
{
	int node = find_enabled(fdt, "arm,cortex-a15-gic");
	int err;

	if (node < 0)
		node = find_enabled(fdt, "arm,gic-400");
	if (node < 0)
		return fail(why, "no GICv2 (arm,cortex-a15-gic or arm,gic-400)", FDT_E_NOTFOUND);
	if ((err = dev_reg(fdt, node, 0, &m->gicd_base, &m->gicd_size, why, "GIC has no reg",
			   "GIC distributor reg is malformed")) ||
	    (err = dev_reg(fdt, node, 1, &m->gicc_base, &m->gicc_size, why,
			   "GIC reg has no CPU interface", "GIC CPU interface reg is malformed")))
		return err;
	return node;
}

// The PL011 stdout-path names, else the first enabled one: its node, with
// its registers filled in.
static int uart(const struct fdt *fdt, struct machine *m, const char **why)
{
	int node, err;

	if ((err = stdout_path(fdt, fdt_path(fdt, "/chosen"), m, why)))
		return err;
	node = fdt_path(fdt, m->stdout_path);
	if (node < 0 || !fdt_prop_has_str(fdt, node, "compatible", "arm,pl011") ||
	    !enabled(fdt, node))
		node = find_enabled(fdt, "arm,pl011");
	if (node < 0)
		return fail(why, "no PL011 (arm,pl011)", FDT_E_NOTFOUND);
	if ((err = dev_reg(fdt, node, 0, &m->uart_base, &m->uart_size, why, "PL011 has no reg",
			   "PL011 reg is malformed")))
		return err;
	return node;
}

// The generic timer is optional: without one the fields stay 0.
static int timer(const struct fdt *fdt, int gic_node, struct machine *m, const char **why)
{
	int node = find_enabled(fdt, "arm,armv7-timer");
	int err;

	if (node < 0)
		return FDT_OK;
	if ((err = irq_id(fdt, node, gic_node, 1, &m->timer_irq_phys, why)) ||
	    (err = irq_id(fdt, node, gic_node, 2, &m->timer_irq_virt, why)))
		return err;
	err = fdt_prop_u32(fdt, node, "clock-frequency", &m->timer_freq);
	if (err == FDT_E_BADVALUE)
		return fail(why, "timer clock-frequency is not one cell", err);
	return FDT_OK;
}

// PSCI is optional: without it psci_method stays PSCI_NONE.
static int psci(const struct fdt *fdt, struct machine *m, const char **why)
{
	static const char *const compat[] = { "arm,psci-1.0", "arm,psci-0.2", "arm,psci" };
	int node = FDT_E_NOTFOUND;
	unsigned i;

	for (i = 0; i < 3; i++)
		if ((node = find_enabled(fdt, compat[i])) >= 0)
			break;
	if (node < 0)
		return FDT_OK;
	const char *method = fdt_prop_str(fdt, node, "method");
	if (method && !strcmp(method, "hvc"))
		m->psci_method = PSCI_HVC;
	else if (method && !strcmp(method, "smc"))
		m->psci_method = PSCI_SMC;
	else
		return fail(why, "PSCI method is neither hvc nor smc", FDT_E_BADVALUE);
	if (i < 2) {
		m->psci_system_off = PSCI_0_2_SYSTEM_OFF;
		m->psci_cpu_on = PSCI_0_2_CPU_ON;
	} else if (fdt_prop_u32(fdt, node, "cpu_on", &m->psci_cpu_on) == FDT_E_BADVALUE) {
		return fail(why, "PSCI cpu_on is not one cell", FDT_E_BADVALUE);
	}
	return FDT_OK;
}

// The CPU nodes under /cpus: all counted, the MPIDRs of the first
// MACHINE_MAX_CPUS kept. A bad reg costs only its own CPU, which the kernel
// then reports as not started.
static void cpus(const struct fdt *fdt, struct machine *m)
{
	int parent = fdt_path(fdt, "/cpus");

	for (int c = fdt_first_child(fdt, parent); c >= 0; c = fdt_next_sibling(fdt, c)) {
		uint64_t reg, size;
		if (!fdt_prop_has_str(fdt, c, "device_type", "cpu"))
			continue;
		if (m->ncpus < MACHINE_MAX_CPUS) {
			int bad = fdt_reg(fdt, c, 0, &reg, &size) || reg > MACHINE_MPIDR_AFFINITY;
			m->cpu_mpidr[m->ncpus] = bad ? MACHINE_CPU_BAD_REG : (uint32_t)reg;
		}
		m->ncpus++;
	}
}

int machine_from_fdt(const struct fdt *fdt, struct machine *m, const char **why)
{
	const char *ignored;
	int err, uart_node, gic_node;

	if (!why)
		why = &ignored;
	memset(m, 0, sizeof *m);
	// The console, PSCI and the command line first: the caller reports a
	// refused tree with them and powers off when the command line says so.
	if ((uart_node = uart(fdt, m, why)) < 0)
		return uart_node;
	if ((err = psci(fdt, m, why)) || (err = chosen(fdt, m, why)) ||
	    (err = memory(fdt, m, why)) || (err = reserved(fdt, m, why)))
		return err;
	if ((gic_node = gic(fdt, m, why)) < 0)
		return gic_node;
	if ((err = irq_id(fdt, uart_node, gic_node, 0, &m->uart_irq, why)) ||
	    (err = timer(fdt, gic_node, m, why)))
		return err;
	cpus(fdt, m);
	*why = "ok";
	return FDT_OK;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

int cmdline_get(const char *cmdline, const char *key, char *buf, unsigned len)
{
	size_t klen = key ? strlen(key) : 0;
	int found = 0;

	if (!cmdline || !klen)
		return 0;
	for (const char *p = cmdline; *p;) {
		while (is_space(*p))
			p++;
		const char *word = p;
		while (*p && !is_space(*p))
			p++;
		size_t wlen = (size_t)(p - word);
		if (wlen < klen || strncmp(word, key, klen) || (wlen > klen && word[klen] != '='))
			continue;
		found = 1;
		const char *val = word + klen + (wlen > klen);
		size_t n = (size_t)(p - val);
		if (!len)
			continue;
		if (n > len - 1)
			n = len - 1;
		memcpy(buf, val, n);
		buf[n] = '\0';
	}
	return found;
}

// *v = *v * base + d; -1 on overflow.
static int mul_add(uint64_t *v, unsigned base, unsigned d)
{
	uint64_t limit = base == 16 ? UINT64_MAX >> 4 : UINT64_MAX / 10;

	if (*v > limit || *v * base > UINT64_MAX - d)
		return -1;
	*v = *v * base + d;
	return 0;
}

static int digit(char c, unsigned base)
{
	unsigned d;

	if (c >= '0' && c <= '9')
		d = (unsigned)(c - '0');
	else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
		d = (unsigned)((c | 0x20) - 'a' + 10);
	else
		return -1;
	return d < base ? (int)d : -1;
}

int parse_size(const char *s, uint64_t *out)
{
	unsigned base = 10, shift = 0;
	uint64_t v = 0;
	int d;

	if (!s)
		return -1;
	if (s[0] == '0' && (s[1] | 0x20) == 'x') {
		base = 16;
		s += 2;
	}
	if (digit(*s, base) < 0)
		return -1;
	for (; (d = digit(*s, base)) >= 0; s++)
		if (mul_add(&v, base, (unsigned)d))
			return -1;
	switch (*s | 0x20) {
	case 'k': shift = 10; break;
	case 'm': shift = 20; break;
	case 'g': shift = 30; break;
	}
	if (shift)
		s++;
	if (*s || v > UINT64_MAX >> shift)
		return -1;
	*out = v << shift;
	return 0;
}
