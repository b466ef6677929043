// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * runtime-detector's kernel side: exec, fork, exit and watched-file opens, filtered
 * here so that only processes a user asked about ever reach the ring buffer.
 *
 * Everything attaches through BTF-typed tracepoints (tp_btf), which need neither
 * tracefs nor kprobes, and reads kernel memory with CO-RE so that one object runs
 * on every kernel with BTF.
 *
 * Built twice (bpf/Makefile): by default the environment scan runs under bpf_loop()
 * (5.17+); with RD_NO_BPF_LOOP it is a bounded loop that the 5.8-5.16 verifiers take,
 * over at most RD_BOUNDED_ENV_STEPS strings. Tasks are always read through
 * bpf_get_current_task() and CO-RE, which every supported kernel has.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "rd_event.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Own section so that user space finds the struct at offset 0 of its map. */
const volatile struct rd_config rd_cfg SEC(".rodata.cfg") = {};

/*
 * Set by the reader, through the mmaped map, just before it blocks: only then is
 * a wake-up worth its cost. While it is awake it drains on a short timer.
 */
volatile __u32 rd_reader_sleeping SEC(".data.wakeup") = 0;
/*
 * Pinned mode: bpf_ktime_get_ns() of the reader's last poll round, stored by the reader
 * through the same mapping. When rd_cfg.heartbeat_timeout_ns is set and this is older,
 * the detector that pinned the programs is gone for good (or stalled): the programs
 * return at once instead of filling a ring nobody reads. A new reader's first store
 * brings them back.
 */
volatile __u64 rd_reader_heartbeat_ns SEC(".data.wakeup") = 0;

#define RD_MAX_PIDNS_LEVEL 32  /* the kernel's MAX_PID_NS_LEVEL */
#ifdef RD_NO_BPF_LOOP
/* What a verifier that follows each round of the loop takes within its 1M-instruction budget. */
#define RD_BOUNDED_ENV_STEPS 256
#endif

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);  /* resized by user space before load */
} events SEC(".maps");

/* Processes whose FORK/FILE_OPEN/EXIT are reported, keyed by pid in the detector's
 * namespace. Bounded: capacity set by user space, overflow counted. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 131072);
	__type(key, __u32);
	__type(value, struct rd_tracked);
} tracked SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, RD_MAX_EXCLUDED);
	__type(key, char[RD_PATH_MAX]);
	__type(value, __u8);
} excluded SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, RD_MAX_WATCHED);
	__type(key, char[RD_PATH_MAX]);
	__type(value, __u32);
} watched_paths SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, RD_MAX_WATCHED);
	__type(key, struct rd_inode_key);
	__type(value, __u32);
} watched_inodes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, RD_CNT__MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

struct env_scan {
	__u64 pos;
	__u64 end;
	__u32 in_middle;     /* pos is inside a string longer than one chunk */
	__u32 want_prefix;   /* the prefix decides whether the exec is reported */
	__u32 matched;
	__u32 done;
	__u32 found;         /* bit k: requested variable k captured */
	__u32 out;           /* bytes captured into the record's envs section */
	__u32 truncated;
};

/*
 * Per-CPU scratch: a zero-padded path used as a hash key, one environment string, the
 * executable path being built from its end, and the EXEC or FILE_OPEN record being
 * assembled before it is copied, at its used length, into the ring buffer.
 */
struct scratch {
	char key[RD_PATH_MAX];
	char env[RD_ENV_ENTRY_MAX];
	char exe[2 * RD_EXE_MAX];
	/*
	 * Where the exe path starts in exe[]. Kept here, not in a register, on purpose:
	 * the verifier then sees an unknown (masked) value each round and can prune the
	 * walk's states, instead of following every exact offset through every round.
	 */
	__s32 exe_off;
	__u32 pad;
#ifdef RD_NO_BPF_LOOP
	/* The scan's state, here for the same reason as exe_off. */
	struct env_scan scan;
#endif
	struct rd_event ev;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch_map SEC(".maps");

/* Pinned mode's record of the pins (struct rd_meta): only user space reads or writes it. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rd_meta);
} meta SEC(".maps");

/*
 * A value masked for the verifier, with the mask kept even where clang can prove it
 * redundant: older verifiers track bounds less precisely than the compiler does.
 */
#define RD_BOUNDED(v, mask) ({ __u64 __v = (v); asm volatile("" : "+r"(__v)); __v & (mask); })

#define RD_DATA_MASK (RD_DATA_MAX - 1)
#define RD_EXE_MASK  (RD_EXE_MAX - 1)
#define RD_ENV_MASK  (2 * RD_ENV_ENTRY_MAX - 1)

static __always_inline void count(__u32 slot)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &slot);

	if (v)
		*v += 1;
}

/*
 * The heartbeat check every program makes first: nothing but a load and a compare when
 * pinned mode is on, and pruned by the verifier when it is off (rd_cfg is read-only).
 */
static __always_inline bool reader_forgotten(void)
{
	__u64 beat;

	if (!rd_cfg.heartbeat_timeout_ns)
		return false;
	/*
	 * The reader stores its beat on another CPU at any moment, so it may be newer than
	 * the clock read here: read it first (the barrier keeps that order), and take a
	 * negative age as fresh. An unsigned age would wrap to huge, and an event that
	 * raced a poll would be skipped as if nobody read the ring.
	 */
	beat = rd_reader_heartbeat_ns;
	asm volatile("" ::: "memory");
	if ((__s64)(bpf_ktime_get_ns() - beat) <= (__s64)rd_cfg.heartbeat_timeout_ns)
		return false;
	count(RD_CNT_IDLE_SKIPPED);
	return true;
}

static __always_inline struct scratch *get_scratch(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&scratch_map, &zero);
}

/* Hash keys compare all RD_PATH_MAX bytes, so the tail after the string must be zero. */
static __always_inline void clear_key(struct scratch *s)
{
	__u64 *words = (__u64 *)s->key;

#pragma unroll
	for (int i = 0; i < RD_PATH_MAX / 8; i++)
		words[i] = 0;
}

static __always_inline long rb_flags(void)
{
	if (!rd_cfg.wakeup_bytes)
		return 0;  /* the kernel's own rule: wake when the reader has caught up */
	if (rd_reader_sleeping)
		return BPF_RB_FORCE_WAKEUP;
	/* The reader is awake and drains on its timer; wake it early only near full. */
	return bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= rd_cfg.wakeup_bytes
		       ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
}

/* Sends the first @size bytes of an assembled record. */
static __always_inline void submit_copy(struct rd_event *e, __u64 size)
{
	if (size > sizeof(*e))
		return;
	if (bpf_ringbuf_output(&events, e, size, rb_flags()))
		count(RD_CNT_RINGBUF_LOST);
}

/*
 * The thread-group id of @task as seen in the detector's PID namespace (0 when the
 * process is not visible there), and in its own innermost namespace.
 */
static __always_inline __u32 task_tgid_in_ns(struct task_struct *task, __u32 *inner)
{
	struct pid *pid = BPF_CORE_READ(task, group_leader, thread_pid);
	unsigned int level = BPF_CORE_READ(pid, level);
	struct upid up = {};
	__u32 found = 0;

	if (level >= RD_MAX_PIDNS_LEVEL)
		return 0;
	bpf_core_read(&up, sizeof(up), &pid->numbers[level]);
	if (inner)
		*inner = up.nr;
	if (!rd_cfg.pidns_ino) {
		bpf_core_read(&up, sizeof(up), &pid->numbers[0]);
		return up.nr;
	}
	for (unsigned int i = 0; i < RD_MAX_PIDNS_LEVEL; i++) {
		if (i > level)
			break;
		bpf_core_read(&up, sizeof(up), &pid->numbers[i]);
		if (BPF_CORE_READ(up.ns, ns.inum) == rd_cfg.pidns_ino) {
			found = up.nr;
			break;
		}
	}
	return found;
}

/*
 * The id of the task's cgroup in the memory controller's hierarchy. On a hybrid host the
 * unified tree may hold nothing but the root for a container, while every runtime places
 * it in the v1 memory hierarchy; the index of the controller comes from the kernel's
 * BTF, as it differs between kernel configurations.
 */
static __always_inline __u64 memory_cgroup_id(struct task_struct *task)
{
	struct cgroup_subsys_state *css = NULL;
	struct css_set *cgroups;
	int ssid;

	if (!bpf_core_enum_value_exists(enum cgroup_subsys_id, memory_cgrp_id))
		return 0;
	ssid = bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id);
	cgroups = BPF_CORE_READ(task, cgroups);
	if (!cgroups || ssid < 0 || ssid >= bpf_core_enum_value(enum cgroup_subsys_id, CGROUP_SUBSYS_COUNT))
		return 0;
	bpf_core_read(&css, sizeof(css), &cgroups->subsys[ssid]);
	if (!css)
		return 0;
	return BPF_CORE_READ(css, cgroup, kn, id);
}

static __always_inline void fill_common(struct rd_event *e, struct task_struct *task,
					__u32 type, __u32 pid, __u32 ns_pid)
{
	e->type = type;
	e->flags = 0;
	e->ktime_ns = bpf_ktime_get_ns();
	e->start_boottime = BPF_CORE_READ(task, group_leader, start_boottime);
	/* What /sys/fs/cgroup/<path> has as its inode number, and what cgroup-aware tools key on. */
	e->cgroup_id = BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, id);
	e->cgroup_v1_id = memory_cgroup_id(task);
	e->pid = pid;
	e->tid = BPF_CORE_READ(task, pid);
	e->ppid = task_tgid_in_ns(BPF_CORE_READ(task, real_parent), NULL);
	e->ns_pid = ns_pid;
	e->uid = BPF_CORE_READ(task, cred, uid.val);
	e->exit_code = 0;
	e->watch_id = 0;
	e->filename_len = 0;
	e->args_len = 0;
	e->exe_len = 0;
	e->envs_len = 0;
	BPF_CORE_READ_STR_INTO(&e->comm, task, comm);
}

static __always_inline bool path_excluded(struct scratch *s, const char *kpath)
{
	if (!kpath)
		return false;
	clear_key(s);
	if (bpf_probe_read_kernel_str(s->key, sizeof(s->key), kpath) <= 0)
		return false;
	return bpf_map_lookup_elem(&excluded, s->key) != NULL;
}

/*
 * The path of @f as /proc/PID/exe shows it, built backwards from s->exe[RD_EXE_MAX] by
 * walking dentries up to each mount's root and mounts up to the root, as the kernel's
 * d_path() does: the root of @task (a chroot's, a container's), or that of its mount
 * namespace. Returns where the path starts in s->exe, or -1 when it is deeper or longer
 * than the walk's bounds (the engine then reads /proc).
 */
static __always_inline int exe_path(struct scratch *s, struct task_struct *task, struct file *f)
{
	struct dentry *dentry = BPF_CORE_READ(f, f_path.dentry);
	struct vfsmount *vfsmnt = BPF_CORE_READ(f, f_path.mnt);
	struct mount *mnt = (void *)vfsmnt - bpf_core_field_offset(struct mount, mnt);
	struct dentry *root = BPF_CORE_READ(task, fs, root.dentry);
	struct vfsmount *root_mnt = BPF_CORE_READ(task, fs, root.mnt);

	s->exe_off = RD_EXE_MAX;
	for (int i = 0; i < RD_EXE_DEPTH; i++) {
		struct dentry *parent = BPF_CORE_READ(dentry, d_parent);
		struct dentry *mnt_root = BPF_CORE_READ(vfsmnt, mnt_root);
		const unsigned char *name;
		__s32 off = s->exe_off;
		__u32 len;

		if (dentry == root && vfsmnt == root_mnt) {
			if (off == RD_EXE_MAX) {
				s->exe[RD_EXE_MAX - 1] = '/';
				return RD_EXE_MAX - 1;
			}
			return off;
		}
		if (dentry == mnt_root || dentry == parent) {
			struct mount *up = BPF_CORE_READ(mnt, mnt_parent);

			/* The root of the namespace's root mount, or of a detached tree: done. */
			if (dentry != mnt_root || up == mnt) {
				if (off == RD_EXE_MAX) {
					s->exe[RD_EXE_MAX - 1] = '/';
					return RD_EXE_MAX - 1;
				}
				return off;
			}
			dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
			mnt = up;
			vfsmnt = (void *)up + bpf_core_field_offset(struct mount, mnt);
			continue;
		}
		len = BPF_CORE_READ(dentry, d_name.len);
		name = BPF_CORE_READ(dentry, d_name.name);
		if (len == 0 || len >= RD_EXE_MAX || off <= 0 || (__s32)(len + 1) > off)
			return -1;
		off -= len + 1;
		if (bpf_probe_read_kernel(&s->exe[RD_BOUNDED(off + 1, RD_EXE_MASK)], RD_BOUNDED(len, RD_EXE_MASK), name))
			return -1;
		s->exe[RD_BOUNDED(off, RD_EXE_MASK)] = '/';
		s->exe_off = off;
		dentry = parent;
	}
	return -1;
}

/* An executable unlinked since it was started: /proc/PID/exe appends " (deleted)". */
static __always_inline bool file_deleted(struct file *f)
{
	struct dentry *d = BPF_CORE_READ(f, f_path.dentry);

	return !BPF_CORE_READ(d, d_hash.pprev) && d != BPF_CORE_READ(d, d_parent);
}


static __always_inline bool env_has_prefix(const char *var)
{
	for (int k = 0; k < RD_ENV_PREFIX_MAX; k++) {
		if (k >= rd_cfg.env_prefix_len)
			return true;
		if (var[k] != rd_cfg.env_prefix[k])
			return false;
	}
	return true;
}

static __always_inline bool env_is_key(const char *var, __u32 k)
{
	__u32 len = rd_cfg.env_key_lens[k & (RD_ENV_KEYS_MAX - 1)];

	for (int i = 0; i < RD_ENV_KEY_MAX; i++) {
		if (i >= len)
			return var[i & (RD_ENV_ENTRY_MAX - 1)] == '=';
		if (var[i] != rd_cfg.env_keys[k & (RD_ENV_KEYS_MAX - 1)][i])
			return false;
	}
	return false;
}

/* Copies s->env (@n bytes with its NUL) to the record when it is a requested variable. */
static __always_inline void env_capture(struct env_scan *c, struct scratch *s, long n)
{
	for (__u32 k = 0; k < RD_ENV_KEYS_MAX; k++) {
		if (k >= rd_cfg.env_key_count)
			return;
		if ((c->found & (1u << k)) || !env_is_key(s->env, k))
			continue;
		c->found |= 1u << k;
		if (n == sizeof(s->env)) {
			/* Cut at the chunk: keep it a string. */
			s->env[sizeof(s->env) - 1] = 0;
			c->truncated = 1;
		}
		if (c->out + n > RD_ENV_MAX) {
			c->truncated = 1;
			return;
		}
		bpf_probe_read_kernel(&s->ev.data[RD_BOUNDED(c->out, RD_DATA_MASK)], RD_BOUNDED(n, RD_ENV_MASK), s->env);
		c->out += n;
		return;
	}
}

static __always_inline bool env_scan_finished(struct env_scan *c)
{
	__u32 all = (1u << rd_cfg.env_key_count) - 1;

	return (!c->want_prefix || c->matched) && (c->found & all) == all;
}

/* One environment string per step, so that a huge environment costs steps, not stack. */
static long env_scan_step(__u32 index, void *ctx)
{
	struct env_scan *c = ctx;
	struct scratch *s;
	long n;

	if (c->pos >= c->end) {
		c->done = 1;
		return 1;
	}
	s = get_scratch();
	if (!s)
		return 1;
	n = bpf_probe_read_user_str(s->env, sizeof(s->env), (const void *)c->pos);
	if (n <= 0)
		return 1;  /* unreadable: leave done == 0, the engine decides */
	if (!c->in_middle) {
		if (c->want_prefix && !c->matched && env_has_prefix(s->env))
			c->matched = 1;
		if (rd_cfg.env_key_count)
			env_capture(c, s, n);
		if (env_scan_finished(c))
			return 1;
	}
	if (n == sizeof(s->env)) {
		/* Truncated: continue inside the same string, where no name can start. */
		c->pos += n - 1;
		c->in_middle = 1;
	} else {
		c->pos += n;
		c->in_middle = 0;
	}
	return 0;
}

#ifdef RD_NO_BPF_LOOP
static __always_inline struct env_scan *env_scan_state(struct scratch *s)
{
	return &s->scan;
}

static __always_inline void env_scan(struct env_scan *c)
{
#pragma clang loop unroll(disable)
	for (__u32 i = 0; i < RD_BOUNDED_ENV_STEPS; i++) {
		if (i >= rd_cfg.env_max_steps || env_scan_step(i, c))
			break;
	}
}
#else
/* bpf_loop's context must live on the stack: one per program run is enough. */
#define env_scan_state(s) (&(struct env_scan){})

static __always_inline void env_scan(struct env_scan *c)
{
	bpf_loop(rd_cfg.env_max_steps, env_scan_step, c, 0);
}
#endif

SEC("tp_btf/sched_process_exec")
int BPF_PROG(rd_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	/* The task that exec'd is current; read through CO-RE like every other task here. */
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct rd_tracked *known, entry = {};
	struct env_scan *c;
	struct file *file;
	struct scratch *s;
	struct rd_event *e;
	__u32 pid, ns_pid = 0, flags = 0, pos;
	__u64 arg_start, arg_end, len;
	int exe_off;
	long n;

	if (reader_forgotten())
		return 0;
	count(RD_CNT_EXEC_SEEN);
	pid = task_tgid_in_ns(task, &ns_pid);
	if (!pid)
		return 0;
	known = bpf_map_lookup_elem(&tracked, &pid);
	if (known)
		flags |= RD_F_WAS_TRACKED;

	s = get_scratch();
	if (!s)
		return 0;
	e = &s->ev;
	if (rd_cfg.exclude_count) {
		const char *interp = BPF_CORE_READ(bprm, interp);
		const char *filename = BPF_CORE_READ(bprm, filename);

		if (path_excluded(s, filename) ||
		    (interp != filename && path_excluded(s, interp))) {
			count(RD_CNT_EXEC_EXCLUDED);
			if (!known)
				return 0;
			/* Still tracked so that the EXIT of what was reported arrives. */
			flags |= RD_F_EXCLUDED;
		}
	}

	/* The envs section comes first in the record, so the scan writes it in place. */
	c = env_scan_state(s);
	__builtin_memset(c, 0, sizeof(*c));
	c->want_prefix = rd_cfg.env_prefix_len && !known;
	if (c->want_prefix || rd_cfg.env_key_count) {
		c->pos = BPF_CORE_READ(task, mm, env_start);
		c->end = BPF_CORE_READ(task, mm, env_end);
		env_scan(c);
	}
	if (c->want_prefix) {
		if (c->matched) {
			flags |= RD_F_ENV_MATCH;
		} else if (!c->done) {
			/* Could not read it all: never drop a process that might match. */
			flags |= RD_F_ENV_UNSURE;
			count(RD_CNT_EXEC_ENV_UNSURE);
		} else {
			count(RD_CNT_EXEC_ENV_FILTERED);
			return 0;
		}
	}
	if (c->done || env_scan_finished(c))
		flags |= RD_F_ENVS_COMPLETE;
	if (c->truncated)
		flags |= RD_F_ENVS_TRUNC;

	if (!known) {
		entry.start_boottime = BPF_CORE_READ(task, start_boottime);
		entry.ns_pid = ns_pid;
		if (bpf_map_update_elem(&tracked, &pid, &entry, BPF_NOEXIST) &&
		    !bpf_map_lookup_elem(&tracked, &pid)) {
			flags |= RD_F_TRACK_FULL;
			count(RD_CNT_TRACK_FULL);
		}
	}

	fill_common(e, task, RD_EVENT_EXEC, pid, ns_pid);
	e->tid = old_pid;  /* the thread that called exec; it now has the leader's id */
	pos = c->out & (RD_ENV_MAX * 2 - 1);
	if (pos > RD_ENV_MAX)
		pos = RD_ENV_MAX;
	e->envs_len = pos;

	n = bpf_probe_read_kernel_str(&e->data[RD_BOUNDED(pos, RD_DATA_MASK)], RD_PATH_MAX,
				      BPF_CORE_READ(bprm, filename));
	if (n > 0) {
		e->filename_len = n - 1;
		pos += n - 1;
		if (n == RD_PATH_MAX)
			flags |= RD_F_FILENAME_TRUNC;
	}

	arg_start = BPF_CORE_READ(task, mm, arg_start);
	arg_end = BPF_CORE_READ(task, mm, arg_end);
	len = arg_end > arg_start ? arg_end - arg_start : 0;
	if (len > RD_ARGS_MAX) {
		len = RD_ARGS_MAX;
		flags |= RD_F_ARGS_TRUNC;
	}
	if (len && bpf_probe_read_user(&e->data[RD_BOUNDED(pos, RD_DATA_MASK)], RD_BOUNDED(len, 2 * RD_ARGS_MAX - 1),
				       (const void *)arg_start) == 0) {
		e->args_len = len;
		pos += len;
	}

	file = BPF_CORE_READ(bprm, file);
	exe_off = exe_path(s, task, file);
	if (exe_off >= 0 && exe_off < RD_EXE_MAX) {
		len = RD_EXE_MAX - exe_off;
		if (bpf_probe_read_kernel(&e->data[RD_BOUNDED(pos, RD_DATA_MASK)],
					  RD_BOUNDED(len, 2 * RD_EXE_MAX - 1),
					  &s->exe[RD_BOUNDED(exe_off, RD_EXE_MASK)]) == 0) {
			e->exe_len = len;
			pos += len;
			if (file_deleted(file))
				flags |= RD_F_EXE_DELETED;
		}
	}
	if (!e->exe_len)
		flags |= RD_F_EXE_INCOMPLETE;  /* counted by the engine, which falls back to /proc */
	e->flags = flags;
	submit_copy(e, RD_EVENT_HDR_SIZE + RD_BOUNDED(pos, RD_DATA_MASK));
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(rd_fork, struct task_struct *parent, struct task_struct *child)
{
	struct rd_tracked entry = {};
	__u32 parent_pid, pid, ns_pid = 0, flags = 0;
	struct rd_event *e;

	if (reader_forgotten())
		return 0;
	/* A new thread shares its parent's thread group: not a process. */
	if (BPF_CORE_READ(child, pid) != BPF_CORE_READ(child, tgid))
		return 0;
	parent_pid = task_tgid_in_ns(parent, NULL);
	if (!parent_pid || !bpf_map_lookup_elem(&tracked, &parent_pid))
		return 0;
	pid = task_tgid_in_ns(child, &ns_pid);
	if (!pid)
		return 0;

	entry.start_boottime = BPF_CORE_READ(child, start_boottime);
	entry.ns_pid = ns_pid;
	if (bpf_map_update_elem(&tracked, &pid, &entry, BPF_ANY)) {
		flags |= RD_F_TRACK_FULL;
		count(RD_CNT_TRACK_FULL);
	}

	e = bpf_ringbuf_reserve(&events, RD_EVENT_HDR_SIZE, 0);
	if (!e) {
		count(RD_CNT_RINGBUF_LOST);
		return 0;
	}
	fill_common(e, child, RD_EVENT_FORK, pid, ns_pid);
	e->flags = flags;
	e->tid = BPF_CORE_READ(parent, pid);  /* the forking thread, possibly not the leader */
	e->ppid = parent_pid;
	bpf_ringbuf_submit(e, rb_flags());
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(rd_exit, struct task_struct *p)
{
	__u32 pid, ns_pid = 0;
	struct rd_event *e;

	if (reader_forgotten())
		return 0;
	/*
	 * signal->live reaches zero in the last exiting thread, before this tracepoint,
	 * on every kernel; newer ones pass the same fact as group_dead.
	 */
	if (BPF_CORE_READ(p, signal, live.counter) != 0)
		return 0;
	pid = task_tgid_in_ns(p, &ns_pid);
	if (!pid || bpf_map_delete_elem(&tracked, &pid))
		return 0;

	e = bpf_ringbuf_reserve(&events, RD_EVENT_HDR_SIZE, 0);
	if (!e) {
		count(RD_CNT_RINGBUF_LOST);
		return 0;
	}
	fill_common(e, p, RD_EVENT_EXIT, pid, ns_pid);
	e->exit_code = BPF_CORE_READ(p, exit_code);
	bpf_ringbuf_submit(e, rb_flags());
	return 0;
}

/*
 * The open calls by syscall table. A 32-bit process (ia32 on x86-64, AArch32 on arm64)
 * calls through the compat table, whose numbers mean other calls in the 64-bit one
 * (ia32 fork is 2, x86-64's open), and passes its arguments in other registers on x86.
 * So each exit is first placed in its table, the way the kernel itself decided at entry.
 * Arguments: "path" is the 1st (open) or the 2nd (openat, openat2).
 */
#if defined(__TARGET_ARCH_x86)
/* arch/x86/entry/syscalls/syscall_64.tbl; x32 calls share them, with __X32_SYSCALL_BIT set. */
#define RD_NR_OPEN      2
#define RD_NR_OPENAT    257
#define RD_NR_OPENAT2   437
/* arch/x86/entry/syscalls/syscall_32.tbl */
#define RD_NR32_OPEN    5
#define RD_NR32_OPENAT  295
#define RD_NR32_OPENAT2 437
#define RD_X32_SYSCALL_BIT 0x40000000
/*
 * thread_info.status while the task is in an ia32 syscall (in_ia32_syscall()): set at
 * entry by int 0x80, sysenter or a 32-bit syscall, also from 64-bit code, and cleared
 * only on the way back to user mode, after sys_exit.
 */
#define RD_TS_COMPAT    0x0002
#define RD_SYSCALL_NR(regs)     BPF_CORE_READ(regs, orig_ax)
#define RD_SYSCALL_ARG0(regs)   BPF_CORE_READ(regs, di)
#define RD_SYSCALL_ARG1(regs)   BPF_CORE_READ(regs, si)
#define RD_SYSCALL32_ARG0(regs) BPF_CORE_READ(regs, bx)
#define RD_SYSCALL32_ARG1(regs) BPF_CORE_READ(regs, cx)

static __always_inline bool compat_syscall(struct task_struct *task, struct pt_regs *regs)
{
	return BPF_CORE_READ(task, thread_info.status) & RD_TS_COMPAT;
}
#elif defined(__TARGET_ARCH_arm64)
/* include/uapi/asm-generic/unistd.h: arm64 has only openat and openat2, no RD_NR_OPEN. */
#define RD_NR_OPENAT    56
#define RD_NR_OPENAT2   437
/* arch/arm64/tools/syscall_32.tbl (the arm EABI numbers) */
#define RD_NR32_OPEN    5
#define RD_NR32_OPENAT  322
#define RD_NR32_OPENAT2 437
#define RD_X32_SYSCALL_BIT 0
/* PSTATE.nRW: the task was in AArch32 when it trapped (compat_user_mode()). */
#define RD_PSR_MODE32_BIT 0x10
#define RD_SYSCALL_NR(regs)     BPF_CORE_READ(regs, syscallno)
#define RD_SYSCALL_ARG0(regs)   BPF_CORE_READ(regs, orig_x0)
#define RD_SYSCALL_ARG1(regs)   BPF_CORE_READ(regs, regs[1])
/* AArch32 r0..r7 are x0..x7, and entry saves r0 in orig_x0 just the same. */
#define RD_SYSCALL32_ARG0(regs) BPF_CORE_READ(regs, orig_x0)
#define RD_SYSCALL32_ARG1(regs) BPF_CORE_READ(regs, regs[1])

static __always_inline bool compat_syscall(struct task_struct *task, struct pt_regs *regs)
{
	return BPF_CORE_READ(regs, pstate) & RD_PSR_MODE32_BIT;
}
#else
#error "unsupported architecture"
#endif

enum rd_open_call { RD_NOT_OPEN = 0, RD_OPEN, RD_OPENAT };

static __always_inline enum rd_open_call open_call(long nr, bool compat)
{
	if (compat) {
		if (nr == RD_NR32_OPEN)
			return RD_OPEN;
		return nr == RD_NR32_OPENAT || nr == RD_NR32_OPENAT2 ? RD_OPENAT : RD_NOT_OPEN;
	}
	nr &= ~(long)RD_X32_SYSCALL_BIT;
#ifdef RD_NR_OPEN
	if (nr == RD_NR_OPEN)
		return RD_OPEN;
#endif
	return nr == RD_NR_OPENAT || nr == RD_NR_OPENAT2 ? RD_OPENAT : RD_NOT_OPEN;
}

/* Any number that is an open in one of the tables: the cheap test every syscall exit takes. */
static __always_inline bool maybe_open(long nr)
{
	nr &= ~(long)RD_X32_SYSCALL_BIT;
#ifdef RD_NR_OPEN
	if (nr == RD_NR_OPEN)
		return true;
#endif
	return nr == RD_NR_OPENAT || nr == RD_NR_OPENAT2 ||
	       nr == RD_NR32_OPEN || nr == RD_NR32_OPENAT || nr == RD_NR32_OPENAT2;
}

/*
 * Opens are judged at syscall exit, where the result is known: a failed open is no
 * event. A file matches by the path string the process passed, or, for any
 * spelling of the path (relative, through links), by the inode it resolved to.
 * Loaded only when files are watched: it runs on every syscall exit.
 */
SEC("tp_btf/sys_exit")
int BPF_PROG(rd_open, struct pt_regs *regs, long ret)
{
	struct task_struct *task;
	struct rd_inode_key ik = {};
	struct file **fds, *f = NULL;
	enum rd_open_call call;
	const char *upath;
	struct scratch *s;
	struct rd_event *e;
	__u32 pid, ns_pid = 0, flags = 0, *id;
	bool compat;
	long nr, n;

	if (ret < 0)
		return 0;
	nr = RD_SYSCALL_NR(regs);
	if (!maybe_open(nr))
		return 0;
	/*
	 * Here, not first: this program runs on every syscall exit, and the number test
	 * above is cheaper than reading the clock; it also keeps RD_CNT_IDLE_SKIPPED a count
	 * of skipped opens rather than of every syscall on the machine.
	 */
	if (reader_forgotten())
		return 0;
	task = (struct task_struct *)bpf_get_current_task();
	compat = compat_syscall(task, regs);
	call = open_call(nr, compat);
	if (call == RD_NOT_OPEN)
		return 0;
	/* A compat result is 32 bits wide: older arm64 kernels pass -errno zero-extended. */
	if (compat && (int)ret < 0)
		return 0;
	if (compat)
		ret = (int)ret;
	pid = task_tgid_in_ns(task, &ns_pid);
	if (!pid || !bpf_map_lookup_elem(&tracked, &pid))
		return 0;
	s = get_scratch();
	if (!s)
		return 0;

	/* A compat pointer is 32 bits wide, whatever the register's upper half holds. */
	if (compat)
		upath = (const char *)(unsigned long)(__u32)(call == RD_OPEN ? RD_SYSCALL32_ARG0(regs)
									    : RD_SYSCALL32_ARG1(regs));
	else
		upath = (const char *)(call == RD_OPEN ? RD_SYSCALL_ARG0(regs) : RD_SYSCALL_ARG1(regs));
	clear_key(s);
	n = bpf_probe_read_user_str(s->key, sizeof(s->key), upath);
	id = bpf_map_lookup_elem(&watched_paths, s->key);
	if (!id) {
		fds = BPF_CORE_READ(task, files, fdt, fd);
		if (bpf_core_read(&f, sizeof(f), &fds[ret]) || !f)
			return 0;
		ik.dev = BPF_CORE_READ(f, f_inode, i_sb, s_dev);
		ik.ino = BPF_CORE_READ(f, f_inode, i_ino);
		id = bpf_map_lookup_elem(&watched_inodes, &ik);
		if (!id)
			return 0;
		flags |= RD_F_WATCH_BY_INODE;
	}

	e = &s->ev;
	fill_common(e, task, RD_EVENT_FILE_OPEN, pid, ns_pid);
	e->flags = flags;
	e->watch_id = *id;
	__builtin_memcpy(e->data, s->key, RD_PATH_MAX);
	e->filename_len = n > 0 ? n - 1 : 0;
	submit_copy(e, RD_EVENT_HDR_SIZE + RD_BOUNDED(e->filename_len, RD_PATH_MAX - 1));
	return 0;
}
