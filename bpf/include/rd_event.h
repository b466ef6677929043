/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The one definition of what crosses the kernel/user boundary: the ring-buffer
 * event, the configuration placed in .rodata before load, and the counter slots.
 * Included by the BPF program (with vmlinux.h) and by the JNI library (with
 * <linux/types.h>); the Java decoder mirrors the offsets and a kernel test checks
 * them against offsetof() through JNI.
 */
#ifndef RD_EVENT_H
#define RD_EVENT_H

#define RD_COMM_LEN        16
#define RD_PATH_MAX        256   /* exec filename, opened path, exclusion and watch keys */
#define RD_ARGS_MAX        1024  /* argv captured at exec, NUL-separated */
#define RD_EXE_MAX         512   /* resolved executable path; longer ones are left to /proc */
#define RD_EXE_DEPTH       48    /* path components walked; deeper ones are left to /proc */
#define RD_ENV_MAX         1024  /* captured KEY=VALUE strings of the requested variables */
#define RD_ENV_ENTRY_MAX   256   /* one KEY=VALUE string, NUL included; longer values are cut */
#define RD_ENV_PREFIX_MAX  64    /* including the terminating NUL */
#define RD_ENV_KEYS_MAX    8     /* requested variables whose values the kernel captures */
#define RD_ENV_KEY_MAX     64    /* one requested name, NUL included */
#define RD_MAX_EXCLUDED    32
#define RD_MAX_WATCHED     64

/*
 * The variable part of a record. Sections follow each other without gaps, in this
 * order, each as long as its _len field says: filename, args, exe, envs. The buffer is
 * larger than their sum so that the BPF side can write at masked offsets.
 */
#define RD_DATA_MAX        4096
#define RD_DATA_SLACK      1024  /* room past RD_DATA_MAX for the largest single write */

enum rd_event_type {
	RD_EVENT_EXEC      = 1,
	RD_EVENT_FORK      = 2,
	RD_EVENT_EXIT      = 3,
	RD_EVENT_FILE_OPEN = 4,
};

enum rd_event_flags {
	RD_F_ENV_MATCH      = 1 << 0, /* the kernel saw a variable with the prefix */
	RD_F_ENV_UNSURE     = 1 << 1, /* environment not fully scanned: the engine decides */
	RD_F_WAS_TRACKED    = 1 << 2, /* exec of a process that was already tracked */
	RD_F_EXCLUDED       = 1 << 3, /* a tracked process exec'd an excluded executable */
	RD_F_TRACK_FULL     = 1 << 4, /* tracked map full: later FORK/FILE_OPEN/EXIT are lost */
	RD_F_FILENAME_TRUNC = 1 << 5,
	RD_F_ARGS_TRUNC     = 1 << 6,
	RD_F_WATCH_BY_INODE = 1 << 7, /* FILE_OPEN matched by inode, not by the path string */
	RD_F_EXE_INCOMPLETE = 1 << 8, /* the exe path walk did not reach the root: exe_len is 0 */
	RD_F_ENVS_COMPLETE  = 1 << 9, /* every requested variable found, or the whole environment read */
	RD_F_ENVS_TRUNC     = 1 << 10, /* a captured value was cut at RD_ENV_ENTRY_MAX */
	RD_F_EXE_DELETED    = 1 << 11, /* the executable was unlinked: /proc shows " (deleted)" */
};

enum rd_counter {
	RD_CNT_RINGBUF_LOST = 0,  /* ring buffer full: event dropped in the kernel */
	RD_CNT_TRACK_FULL,        /* tracked map full: process could not be tracked */
	RD_CNT_EXEC_SEEN,
	RD_CNT_EXEC_ENV_FILTERED, /* no prefix variable: dropped in the kernel */
	RD_CNT_EXEC_ENV_UNSURE,
	RD_CNT_EXEC_EXCLUDED,
	RD_CNT_IDLE_SKIPPED,      /* pinned, no reader heartbeat within the timeout: program returned at once */
	RD_CNT__MAX,
};

/*
 * Every event describes one process, identified by (pid, start_boottime). For FORK
 * that process is the new child; ppid is the parent that forked it.
 * A record is the header plus only the used part of data: FORK and EXIT end at
 * RD_EVENT_HDR_SIZE, FILE_OPEN carries its filename, EXEC all four sections.
 */
struct rd_event {
	__u32 type;
	__u32 flags;
	__u64 ktime_ns;        /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u64 start_boottime;  /* task->start_boottime, ns; /proc/PID/stat field 22 in ticks */
	__u64 cgroup_id;       /* default-hierarchy cgroup: its kernfs node id (the directory's inode) */
	__u64 cgroup_v1_id;    /* the memory controller's cgroup, the same kind of id: on a hybrid host the
				* v1 hierarchy where runtimes that leave the unified tree alone place containers */
	__u32 pid;             /* thread-group id in the detector's PID namespace */
	__u32 tid;             /* thread that caused the event (EXEC: the thread that called exec) */
	__u32 ppid;            /* real parent's thread-group id, 0 when not visible */
	__u32 ns_pid;          /* thread-group id in the process' own (innermost) PID namespace */
	__u32 uid;
	__s32 exit_code;       /* EXIT: wait(2) status, (code << 8) | signal */
	__u32 watch_id;        /* FILE_OPEN: id of the watched file that matched */
	__u16 filename_len;    /* bytes of filename, without NUL */
	__u16 args_len;        /* bytes of args, NUL-separated */
	__u16 exe_len;         /* bytes of the resolved exe path, without NUL */
	__u16 envs_len;        /* bytes of KEY=VALUE strings, each NUL-terminated */
	char  comm[RD_COMM_LEN];
	char  data[RD_DATA_MAX + RD_DATA_SLACK];
};

#define RD_EVENT_HDR_SIZE  (__builtin_offsetof(struct rd_event, data))
/* The largest record the kernel submits: a header and every section at its maximum. */
#define RD_EVENT_MAX_SIZE  (RD_EVENT_HDR_SIZE + RD_PATH_MAX + RD_ARGS_MAX + RD_EXE_MAX + RD_ENV_MAX)

/* Set in .rodata.cfg before load; the verifier prunes branches of disabled features. */
struct rd_config {
	__u64 pidns_ino;        /* inode of the detector's PID namespace; 0: the initial one */
	__u64 heartbeat_timeout_ns; /* 0: always run; else idle while the reader's heartbeat is older */
	__u32 env_prefix_len;   /* 0: no environment filter, every exec passes */
	__u32 exclude_count;
	__u32 watch_count;
	__u32 wakeup_bytes;     /* 0: wake per event; else adaptive: wake a sleeping reader at once,
				 * an awake one (draining on a timer) only past this much pending */
	__u32 env_max_steps;    /* bound on strings read while scanning one environment */
	__u32 env_key_count;    /* requested variables whose values are captured */
	char  env_prefix[RD_ENV_PREFIX_MAX];
	__u32 env_key_lens[RD_ENV_KEYS_MAX];       /* name length, without '=' */
	char  env_keys[RD_ENV_KEYS_MAX][RD_ENV_KEY_MAX];
};

struct rd_tracked {
	__u64 start_boottime;
	__u32 ns_pid;
	__u32 pad;
};

struct rd_inode_key {
	__u64 dev;             /* kernel dev_t (MAJOR << 20 | MINOR) */
	__u64 ino;
};

/*
 * Pinned mode (programs, links and maps pinned in bpffs so that they outlive the
 * reader). Bumped whenever what is pinned changes shape: a reader of another layout
 * version never resumes pins, it hands them over.
 */
#define RD_LAYOUT_VERSION  1
#define RD_GENERATION_HEX  64   /* SHA-256 in hex */
#define RD_VERSION_MAX     48

/*
 * The one value of the pinned "meta" array map: what a later reader needs to judge the
 * pins it finds. Written by user space only; the programs never touch it.
 */
struct rd_meta {
	__u32 layout_version;   /* RD_LAYOUT_VERSION of the reader that pinned */
	__u32 complete;         /* 1 once every pin is in place: written last, so a crash while
				 * pinning leaves 0 and the next reader removes the leftovers */
	__u32 variant;          /* BpfVariant ordinal of the loaded object */
	__u32 ring_bytes;
	__u32 tracked_capacity;
	__u32 pad;
	__u64 created_ns;       /* CLOCK_MONOTONIC when the programs were pinned */
	__u64 reported_lost;    /* reader-maintained: RD_CNT_RINGBUF_LOST as last reported to the engine */
	__u64 reported_idle;    /* reader-maintained: RD_CNT_IDLE_SKIPPED likewise */
	char  generation[RD_GENERATION_HEX + 8];  /* hex, NUL-padded */
	char  object_version[RD_VERSION_MAX];     /* variant and object digest, for humans */
};

#endif /* RD_EVENT_H */
