// PSCI: power management calls to the firmware (QEMU implements them).
#include "plat.h"

#include "printk.h"
#include "smccc.h"

static enum psci_conduit conduit;
static uint32_t fn_system_off, fn_cpu_on;

void psci_init(const struct machine *m, uint32_t from_hyp)
{
	conduit = m->psci_method;
	if (from_hyp && conduit == PSCI_HVC) {
		printk("psci: method hvc, but hmk entered in HYP mode: nothing would answer, "
		       "PSCI not used\n");
		conduit = PSCI_NONE;
	}
	fn_system_off = m->psci_system_off;
	fn_cpu_on = m->psci_cpu_on;
}

// Function `fn` with three arguments through the conduit; PSCI_NOT_SUPPORTED
// when there is none or the device tree names no such function.
static int psci_call(uint32_t fn, uint32_t a1, uint32_t a2, uint32_t a3)
{
	if (conduit == PSCI_HVC && fn)
		return (int)smccc_hvc(fn, a1, a2, a3);
	if (conduit == PSCI_SMC && fn)
		return (int)smccc_smc(fn, a1, a2, a3);
	return PSCI_NOT_SUPPORTED;
}

int psci_cpu_on(uint32_t mpidr, uint32_t entry, uint32_t context)
{
	return psci_call(fn_cpu_on, mpidr, entry, context);
}

const char *psci_error_name(int err)
{
	static const char *const names[] = {
		"SUCCESS",    "NOT_SUPPORTED",   "INVALID_PARAMETERS", "DENIED",
		"ALREADY_ON", "ON_PENDING",      "INTERNAL_FAILURE",   "NOT_PRESENT",
		"DISABLED",   "INVALID_ADDRESS",
	};

	return err <= 0 && -err < (int)(sizeof names / sizeof names[0]) ? names[-err] : "unknown";
}

void psci_system_off(void)
{
	int ret;

	if (conduit == PSCI_NONE) {
		printk("psci: no PSCI to call, cannot power off\n");
		return;
	}
	ret = psci_call(fn_system_off, 0, 0, 0);
	printk("psci: SYSTEM_OFF failed (%d)\n", ret);
}
