// PSCI: power management calls to the firmware (QEMU implements them).
#include "plat.h"

#include "printk.h"
#include "smccc.h"

static enum psci_conduit conduit;
static uint32_t fn_system_off;

void psci_init(const struct machine *m)
{
	conduit = m->psci_method;
	fn_system_off = m->psci_system_off;
}

void psci_system_off(void)
{
	uint32_t ret;

	if (conduit == PSCI_HVC)
		ret = smccc_hvc(fn_system_off, 0, 0, 0);
	else if (conduit == PSCI_SMC)
		ret = smccc_smc(fn_system_off, 0, 0, 0);
	else {
		printk("psci: no PSCI in the device tree, cannot power off\n");
		return;
	}
	printk("psci: SYSTEM_OFF failed (%d)\n", (int)ret);
}
