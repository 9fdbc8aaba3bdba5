// Accesses that may fault: a helper thread loads (or stores) with one
// instruction, probe_insn or probe_store_insn; its faults come to an
// endpoint of ours as calls, and we resume it at the matching fixup, which
// reports the fault. So a test can ask "is this mapped here, for this
// thread?" and get an exact answer: the data abort's address and status.
#include "mstests.h"

extern char probe_insn[], probe_fixup[], probe_store_insn[], probe_store_fixup[];
__asm__(".text\n"
	".global probe_load, probe_insn, probe_fixup\n"
	".global probe_store, probe_store_insn, probe_store_fixup\n"
	".arm\n"
	".type probe_load, %function\n"
	"probe_load:\n" // r0 = address, r1 = where the word goes
	"probe_insn:\n"
	"	ldr r2, [r0]\n"
	"	str r2, [r1]\n"
	"	mov r0, #0\n"
	"	bx lr\n"
	"probe_fixup:\n"
	"	mov r0, #1\n"
	"	bx lr\n"
	".type probe_store, %function\n"
	"probe_store:\n" // r0 = address, r1 = the word
	"probe_store_insn:\n"
	"	str r1, [r0]\n"
	"	mov r0, #0\n"
	"	bx lr\n"
	"probe_store_fixup:\n"
	"	mov r0, #1\n"
	"	bx lr\n");

int probe_at(struct tthread *t, uint32_t addr, uint32_t *word)
{
	t->out[PROBE_ADDR] = addr;
	return probe_load((const volatile uint32_t *)addr, word);
}

int probe_store_at(struct tthread *t, uint32_t addr, uint32_t word)
{
	t->out[PROBE_ADDR] = addr;
	return probe_store((volatile uint32_t *)addr, word);
}

const char *serve_probes(uint32_t ep, struct tthread *t, volatile uint32_t *until)
{
	for (int i = 0; i < WAIT_YIELDS && !t->done && !(until && *until); i++) {
		struct msg m = { 0 }, r = { .info = MSG_INFO(0, 0) }; // r: not resumed

		if (sys_nbrecv(ep, &m) != E_OK) {
			sys_yield();
			continue;
		}
		uint32_t pc = m.mr[0];
		if (MSG_LABEL(m.info) != FAULT_DABORT ||
		    (pc != (uint32_t)probe_insn && pc != (uint32_t)probe_store_insn)) {
			sys_reply(&r); // it stays stopped
			return fail_fmt("helper thread: fault 0x%x at pc 0x%x addr 0x%x",
					MSG_LABEL(m.info), pc, m.mr[2]);
		}
		if (m.mr[2] != t->out[PROBE_ADDR]) {
			sys_reply(&r);
			return fail_fmt("probe of 0x%x: abort at 0x%x", t->out[PROBE_ADDR],
					m.mr[2]);
		}
		t->out[PROBE_DFSR] = m.mr[1];
		r = (struct msg){ .info = MSG_INFO(FAULT_RESUME, 1),
				  .mr = { pc == (uint32_t)probe_insn
						  ? (uint32_t)probe_fixup
						  : (uint32_t)probe_store_fixup } };
		sys_reply(&r);
	}
	CHECK(t->done || (until && *until), "helper thread never finished");
	return NULL;
}

struct probe_job {
	uint32_t cpu; // where the reads run
	const uint32_t *addrs;
	uint32_t n;
	uint32_t *value;
	uint8_t *faulted;
	uint32_t *dfsr;
};

static void prober(struct tthread *t)
{
	struct probe_job *j = (struct probe_job *)t->arg[0];

	if (j->cpu && thread_set_cpu(t->slot, j->cpu) != E_OK)
		return; // never done: serve_probes says so
	for (uint32_t i = 0; i < j->n; i++) {
		t->out[PROBE_DFSR] = 0;
		j->faulted[i] = (uint8_t)probe_at(t, j->addrs[i], &j->value[i]);
		j->dfsr[i] = t->out[PROBE_DFSR];
	}
}

const char *probe_reads_on(uint32_t cpu, const uint32_t *addrs, uint32_t n, uint32_t *value,
			   uint8_t *faulted)
{
	static uint32_t dfsr[KMAP_POOL_SLOTS];
	struct probe_job job = { cpu, addrs, n, value, faulted, dfsr };
	struct tthread *t;
	uint32_t ep;
	int err;

	CHECK(n <= KMAP_POOL_SLOTS, "%u probes at once", n);
	OK(t_create(CAP_ENDPOINT, 0, &ep));
	t = tt_run(prober, ep, (uint32_t)&job, 0, &err);
	CHECK(t, "probe thread: %s", hmk_strerror(err));
	TRY(serve_probes(ep, t, NULL));
	for (uint32_t i = 0; i < n; i++)
		CHECK(!faulted[i] || DFSR_TRANSLATION(dfsr[i]),
		      "read of 0x%x: DFSR 0x%x, not a translation fault", addrs[i], dfsr[i]);
	OK(tt_kill(t));
	return NULL;
}

const char *probe_reads(const uint32_t *addrs, uint32_t n, uint32_t *value, uint8_t *faulted)
{
	return probe_reads_on(0, addrs, n, value, faulted);
}

int probe_faults(uint32_t addr, uint32_t *value, const char **why)
{
	uint8_t faulted = 0;
	uint32_t v = 0;

	*why = probe_reads(&addr, 1, &v, &faulted);
	if (*why)
		return -1;
	if (value)
		*value = v;
	return faulted;
}
