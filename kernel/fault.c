// User faults become messages to the thread's fault endpoint: the handler
// can repair and resume the thread (FAULT_RESUME) or leave it stopped.
#include "fault.h"

#include "ipc.h"
#include "lpae/lpae.h"
#include "objects.h"
#include "printk.h"
#include "sched.h"

static const char *fault_name(uint32_t kind)
{
	return kind == FAULT_UNDEF    ? "undefined instruction"
	       : kind == FAULT_PABORT ? "prefetch abort"
				      : "data abort";
}

void fault_user(uint32_t kind, uint32_t fsr, uint32_t far)
{
	struct thread *t = this_cpu()->current;
	struct endpoint *ep = t->fault_ep;

	t->faults++;
	if (!ep || ep->hdr.dead) {
		printk("hmk: thread %u (space %u) stopped: %s at pc 0x%08x", t->id, t->space->id,
		       fault_name(kind), t->ctx.pc);
		if (kind != FAULT_UNDEF)
			printk(", %s%s at 0x%08x", lpae_fault_name(fsr),
			       fsr & LPAE_FSR_WNR ? " on write" : "", far);
		printk(", no fault handler\n");
		thread_stop(t, T_STOPPED);
		schedule();
	}
	t->snd[0] = MSG_INFO(kind, 4);
	t->snd[1] = t->ctx.pc;
	t->snd[2] = fsr;
	t->snd[3] = far;
	t->snd[4] = t->ctx.sp;
	ipc_send_fault(t, ep, t->fault_badge);
	schedule();
}
