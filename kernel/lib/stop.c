// How the kernel stops after a fatal error.
#include "printk.h"

#include "cp15.h"
#include "plat.h"
#include "trap.h"

int stop_powers_off;

void kernel_stop(const char *why)
{
	irq_disable();
	printk("*** kernel stopped: %s\n", why);
	if (stop_powers_off)
		psci_system_off();
	for (;;)
		wfi();
}
