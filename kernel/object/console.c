// The console capability: the kernel's debug output for user programs, and
// with RIGHT_MANAGE the machine's controls: power-off and PMU grants.
#include "cpu.h"
#include "memory.h"
#include "objects.h"
#include "plat.h"
#include "printk.h"

struct kobj console_object = { .type = CAP_CONSOLE, .refs = 1 };

#define CONSOLE_MAX_BYTES ((MSG_MAX_WORDS - 1) * 4)

// CONSOLE_WRITE: (nbytes, bytes packed little-endian from MR1).
static int write_decode(const struct invocation *inv)
{
	uint32_t n = inv->in.mr[0];

	if (!(inv->cap->rights & RIGHT_WRITE))
		return E_PERM;
	if (inv->in.len < 1 || n > CONSOLE_MAX_BYTES || n > (inv->in.len - 1) * 4)
		return E_INVAL;
	return E_OK;
}

static void write_perform(const struct invocation *inv)
{
	const struct ipc_buffer *b = inv->caller->ipcbuf;

	for (uint32_t i = 0; i < inv->in.mr[0]; i++) {
		uint32_t w = 1 + i / 4;
		uint32_t word = w < MSG_REG_WORDS ? inv->in.mr[w] : b->mr[w];
		console_putc((char)(word >> (8 * (i % 4))));
	}
}

// CONSOLE_PMU: (space slot, on), with RIGHT_MANAGE and RIGHT_WRITE on the
// space; *s = that space.
static int pmu_decode(const struct invocation *inv, struct space **s)
{
	struct cap *sc;
	int err;

	if (!(inv->cap->rights & RIGHT_MANAGE))
		return E_PERM;
	if (inv->in.len < 2 || inv->in.mr[1] > 1)
		return E_INVAL;
	err = cap_lookup(inv->self, inv->in.mr[0], CAP_SPACE, RIGHT_WRITE, &sc);
	if (err)
		return err;
	*s = (struct space *)sc->obj;
	return E_OK;
}

static void pmu_perform(struct space *s, uint32_t on)
{
	s->pmu = (uint8_t)on;
	if (this_cpu()->space == s)
		cpu_pmu_user(s->pmu);
}

int console_invoke(struct invocation *inv)
{
	struct space *s;
	struct cpu *c;
	int err;

	switch (inv->in.label) {
	case CONSOLE_WRITE:
		err = write_decode(inv);
		if (!err)
			write_perform(inv);
		return err;
	case CONSOLE_STATS: // nothing to decode, no right needed
		inv->out.len = 4;
		inv->out.mr[0] = memory_lowmem_used_kib();
		inv->out.mr[1] = frame_free_count();
		inv->out.mr[2] = timer_ticks();
		inv->out.mr[3] = cpus_online();
		return E_OK;
	case CONSOLE_CPU_STATS: // no right needed
		if (inv->in.len < 1 || !(c = cpu_if_online(inv->in.mr[0])))
			return E_INVAL;
		inv->out.len = 3;
		inv->out.mr[0] = c->ticks;
		inv->out.mr[1] = c->sgis;
		inv->out.mr[2] = c->sleeps;
		return E_OK;
	case CONSOLE_PMU:
		err = pmu_decode(inv, &s);
		if (!err)
			pmu_perform(s, inv->in.mr[1]);
		return err;
	case CONSOLE_POWEROFF:
		if (!(inv->cap->rights & RIGHT_MANAGE))
			return E_PERM;
		printk("hmk: powering off\n");
		psci_system_off();
		return E_NOSYS; // no PSCI: nothing else to do
	default: return E_NOSYS;
	}
}
