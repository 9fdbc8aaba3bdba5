// The console capability: the kernel's debug output for user programs, and
// with RIGHT_MANAGE the machine's controls: power-off and PMU grants.
#include "cpu.h"
#include "memory.h"
#include "objects.h"
#include "plat.h"
#include "printk.h"

struct kobj console_object = { .type = CAP_CONSOLE, .refs = 1 };

#define CONSOLE_MAX_BYTES ((MSG_MAX_WORDS - 1) * 4)

int console_invoke(struct thread *t, struct cap *c, const struct msg_in *in, struct msg_out *out)
{
	switch (in->label) {
	case CONSOLE_WRITE: {
		uint32_t n = in->mr[0];
		if (!(c->rights & RIGHT_WRITE))
			return E_PERM;
		if (in->len < 1 || n > CONSOLE_MAX_BYTES || n > (in->len - 1) * 4)
			return E_INVAL;
		for (uint32_t i = 0; i < n; i++) {
			uint32_t w = 1 + i / 4;
			uint32_t word = w < MSG_REG_WORDS ? in->mr[w] : t->ipcbuf->mr[w];
			console_putc((char)(word >> (8 * (i % 4))));
		}
		return E_OK;
	}
	case CONSOLE_STATS:
		out->len = 3;
		out->mr[0] = memory_lowmem_used_kib();
		out->mr[1] = frame_free_count();
		out->mr[2] = timer_ticks();
		return E_OK;
	case CONSOLE_PMU: {
		struct cap *sc;
		struct space *s;
		int err;
		if (!(c->rights & RIGHT_MANAGE))
			return E_PERM;
		if (in->len < 2 || in->mr[1] > 1)
			return E_INVAL;
		if ((err = cap_lookup(t->space, in->mr[0], CAP_SPACE, RIGHT_WRITE, &sc)))
			return err;
		s = (struct space *)sc->obj;
		s->pmu = (uint8_t)in->mr[1];
		if (this_cpu()->space == s)
			cpu_pmu_user(this_cpu(), s->pmu);
		return E_OK;
	}
	case CONSOLE_POWEROFF:
		if (!(c->rights & RIGHT_MANAGE))
			return E_PERM;
		printk("hmk: powering off\n");
		psci_system_off();
		return E_NOSYS; // no PSCI: nothing else to do
	default:
		return E_NOSYS;
	}
}
