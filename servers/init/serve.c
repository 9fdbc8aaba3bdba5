// The program table and init's requests (libs/abi/init.h). Every reply
// carries init's error as its label and the result in MR0. INIT_WAIT never
// blocks init: with the child still running it answers E_AGAIN at once, and
// the client library polls (there are no reply objects to keep yet).
#include <stdio.h>
#include <string.h>

#include "init.h"

static struct proc procs[PROCS_MAX];
static uint32_t next_id = 1;
static uint32_t running;
static uint32_t recv_slot; // where a capability sent to init lands

static struct proc *proc_find(uint32_t id)
{
	for (int i = 0; id && i < PROCS_MAX; i++)
		if (procs[i].id == id)
			return &procs[i];
	return NULL;
}

static uint32_t lowest(uint32_t a, uint32_t b)
{
	return b && b < a ? b : a;
}

// p's memsrv limits: its program's own, no higher than its spawner's (when
// a program spawned it) nor than those asked for (0: none asked).
static void limits_set(struct proc *p, const struct proc *parent, uint32_t pages, uint32_t maps)
{
	struct prog_limits lim = loader_limits(p->name);

	p->ms_pages = lim.ms_pages ? lim.ms_pages : memsrv_default_pages();
	p->ms_maps = lim.ms_maps;
	if (parent) {
		p->ms_pages = lowest(p->ms_pages, parent->ms_pages);
		p->ms_maps = lowest(p->ms_maps, parent->ms_maps);
	}
	p->ms_pages = lowest(p->ms_pages, pages);
	p->ms_maps = lowest(p->ms_maps, maps);
}

// Whether NAME, started by parent, may use the performance monitors: as
// its spawner, or as loader_limits says for a program init starts.
static int pmu_granted(const char *name, uint32_t parent)
{
	const struct proc *pp = proc_find(parent);

	return pp ? pp->pmu : (int)loader_limits(name).pmu;
}

// Starts NAME: a program of parent's, or (service) one of init's that
// power-off does not wait for, given ranges; memsrv limits as procs_spawn.
static int proc_start(const char *name, uint32_t parent, uint32_t arg, uint32_t gift, int service,
		      const struct chunk *ranges, uint32_t nranges, uint32_t ms_pages,
		      uint32_t ms_maps, uint32_t *id)
{
	struct proc *p = NULL;
	int err;

	for (int i = 0; i < PROCS_MAX && !p; i++)
		if (!procs[i].id)
			p = &procs[i];
	// A zombie nobody will wait for makes room.
	for (int i = 0; i < PROCS_MAX && !p; i++)
		if (procs[i].exited && !proc_find(procs[i].parent))
			p = &procs[i];
	if (!p)
		return E_NOSLOT;
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->id = next_id;
	p->parent = parent;
	p->service = service;
	p->pmu = pmu_granted(name, parent);
	p->ranges = ranges;
	p->nranges = nranges;
	limits_set(p, proc_find(parent), ms_pages, ms_maps);
	err = loader_start(p, arg, gift);
	p->ranges = NULL;
	p->nranges = 0;
	if (err) {
		printf("init: cannot start %s: %s\n", name, hmk_strerror(err));
		p->id = 0;
		return err;
	}
	next_id++;
	if (!service)
		running++;
	*id = p->id;
	printf("init: started %s (id %u)\n", p->name, p->id);
	return E_OK;
}

int procs_spawn(const char *name, uint32_t parent, uint32_t arg, uint32_t gift, uint32_t ms_pages,
		uint32_t ms_maps, uint32_t *id)
{
	return proc_start(name, parent, arg, gift, 0, NULL, 0, ms_pages, ms_maps, id);
}

int procs_spawn_service(const char *name, uint32_t arg, uint32_t gift, const struct chunk *ranges,
			uint32_t nranges, uint32_t *id)
{
	return proc_start(name, 0, arg, gift, 1, ranges, nranges, 0, 0, id);
}

// The program ends: its objects go, its status stays until its parent
// waits (or at once when its parent is init or gone).
static void proc_end(struct proc *p, int status)
{
	loader_destroy(p);
	p->exited = 1;
	p->status = status;
	if (p->service)
		memsrv_ended();
	else
		running--;
	if (!proc_find(p->parent))
		p->id = 0;
	for (int i = 0; i < PROCS_MAX; i++) // orphans' statuses are no one's now
		if (procs[i].id && procs[i].exited && procs[i].parent == p->id)
			procs[i].id = 0;
}

// The name of INIT_SPAWN: MR1..MR3 from registers, MR4..MR8 from the IPC buffer.
static void spawn_name(const struct msg *m, char *name)
{
	uint32_t w[INIT_NAME_WORDS];
	const struct ipc_buffer *ipc = user_ipcbuf();

	for (int i = 0; i < INIT_NAME_WORDS; i++)
		w[i] = 1 + i < MSG_REG_WORDS ? m->mr[1 + i] : ipc->mr[1 + i];
	memcpy(name, w, PROC_NAME_MAX);
	name[PROC_NAME_MAX - 1] = 0;
}

// init keeps no capability it was sent.
static void drop_gift(const struct msg *m)
{
	if (m->info & MSG_CAP)
		space_delete(user_env.space, recv_slot);
}

// A request; returns 1 with *r set when the caller gets a reply.
static int request(struct msg *m, struct msg *r)
{
	const struct ipc_buffer *ipc = user_ipcbuf();
	struct proc *caller = proc_find(m->badge), *p;
	uint32_t label = MSG_LABEL(m->info), id = 0;
	char name[PROC_NAME_MAX];
	int err = E_OK;

	*r = (struct msg){ 0 };
	if (!caller || caller->exited) {
		drop_gift(m);
		return 0; // not from a live program: drop it
	}
	switch (label) {
	case FAULT_UNDEF:
	case FAULT_PABORT:
	case FAULT_DABORT:
		printf("init: %s (id %u) faulted (%s): pc 0x%x status 0x%x addr 0x%x sp 0x%x\n",
		       caller->name, caller->id,
		       label == FAULT_UNDEF    ? "undefined"
		       : label == FAULT_PABORT ? "prefetch"
					       : "data",
		       m->mr[0], m->mr[1], m->mr[2], m->mr[3]);
		proc_end(caller, -1);
		drop_gift(m);
		return 0;
	case INIT_EXIT:
		printf("init: %s exited with status %d\n", caller->name, (int)m->mr[0]);
		proc_end(caller, (int)m->mr[0]);
		drop_gift(m);
		return 0;
	case INIT_SPAWN:
		if (MSG_LEN(m->info) < 1 + INIT_NAME_WORDS) {
			err = E_INVAL;
			break;
		}
		spawn_name(m, name);
		err = procs_spawn(
			name, caller->id, m->mr[0], m->info & MSG_CAP ? recv_slot : 0,
			MSG_LEN(m->info) > 1 + INIT_NAME_WORDS ? ipc->mr[1 + INIT_NAME_WORDS] : 0,
			MSG_LEN(m->info) > 2 + INIT_NAME_WORDS ? ipc->mr[2 + INIT_NAME_WORDS] : 0,
			&id);
		break;
	case INIT_KILL:
	case INIT_WAIT:
		p = proc_find(m->mr[0]);
		if (!p)
			err = E_INVAL;
		else if (p->parent != caller->id)
			err = E_PERM;
		else if (label == INIT_KILL && !p->exited) {
			printf("init: %s killed by %s\n", p->name, caller->name);
			proc_end(p, -9);
		} else if (label == INIT_WAIT && !p->exited)
			err = E_AGAIN;
		else if (label == INIT_WAIT) {
			id = (uint32_t)p->status;
			p->id = 0;
		}
		break;
	default: err = E_NOSYS;
	}
	drop_gift(m);
	*r = (struct msg){ .info = MSG_INFO(err, 1), .mr = { id } };
	return 1;
}

static void maybe_poweroff(uint32_t console, int poweroff)
{
	if (!poweroff || running)
		return;
	printf("init: all programs exited, powering off\n");
	console_poweroff(console);
	printf("init: power-off failed\n");
}

void serve(uint32_t endpoint, uint32_t console, int poweroff)
{
	struct ipc_buffer *ipc = user_ipcbuf();
	struct msg m = { 0 }, r;
	int err;

	recv_slot = user_slot_alloc();
	maybe_poweroff(console, poweroff);
	ipc->cap_recv = recv_slot;
	err = sys_recv(endpoint, &m);
	for (;;) {
		if (err) {
			printf("init: receive failed: %s\n", hmk_strerror(err));
			ipc->cap_recv = recv_slot;
			err = sys_recv(endpoint, &m);
			continue;
		}
		int reply = request(&m, &r);

		maybe_poweroff(console, poweroff);
		ipc->cap_recv = recv_slot;
		m = r;
		err = reply ? sys_reply_recv(endpoint, &m) : sys_recv(endpoint, &m);
	}
}
