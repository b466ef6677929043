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
#define RD_ARGS_MAX        512   /* argv captured at exec, NUL-separated */
#define RD_ENV_PREFIX_MAX  64    /* including the terminating NUL */
#define RD_MAX_EXCLUDED    32
#define RD_MAX_WATCHED     64

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
};

enum rd_counter {
	RD_CNT_RINGBUF_LOST = 0,  /* ring buffer full: event dropped in the kernel */
	RD_CNT_TRACK_FULL,        /* tracked map full: process could not be tracked */
	RD_CNT_EXEC_SEEN,
	RD_CNT_EXEC_ENV_FILTERED, /* no prefix variable: dropped in the kernel */
	RD_CNT_EXEC_ENV_UNSURE,
	RD_CNT_EXEC_EXCLUDED,
	RD_CNT__MAX,
};

/*
 * Every event describes one process, identified by (pid, start_boottime). For FORK
 * that process is the new child; ppid is the parent that forked it.
 * The string tail is only present where the type needs it: EXEC carries filename
 * and args, FILE_OPEN carries filename, FORK and EXIT end at RD_EVENT_HDR_SIZE.
 */
struct rd_event {
	__u32 type;
	__u32 flags;
	__u64 ktime_ns;        /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u64 start_boottime;  /* task->start_boottime, ns; /proc/PID/stat field 22 in ticks */
	__u32 pid;             /* thread-group id in the detector's PID namespace */
	__u32 tid;             /* thread that caused the event (EXEC: the thread that called exec) */
	__u32 ppid;            /* real parent's thread-group id, 0 when not visible */
	__u32 ns_pid;          /* thread-group id in the process' own (innermost) PID namespace */
	__u32 uid;
	__s32 exit_code;       /* EXIT: wait(2) status, (code << 8) | signal */
	__u32 watch_id;        /* FILE_OPEN: id of the watched file that matched */
	__u16 filename_len;    /* bytes of filename, without NUL */
	__u16 args_len;        /* bytes of args, NUL-separated */
	char  comm[RD_COMM_LEN];
	char  filename[RD_PATH_MAX];
	char  args[RD_ARGS_MAX];
};

#define RD_EVENT_HDR_SIZE       (__builtin_offsetof(struct rd_event, filename))
#define RD_EVENT_FILE_OPEN_SIZE (__builtin_offsetof(struct rd_event, args))

/* Set in .rodata.cfg before load; the verifier prunes branches of disabled features. */
struct rd_config {
	__u64 pidns_ino;        /* inode of the detector's PID namespace; 0: the initial one */
	__u32 env_prefix_len;   /* 0: no environment filter, every exec passes */
	__u32 exclude_count;
	__u32 watch_count;
	__u32 wakeup_bytes;     /* 0: wake per event; else adaptive: wake a sleeping reader at once,
				 * an awake one (draining on a timer) only past this much pending */
	__u32 env_max_steps;    /* bound on strings read while scanning one environment */
	__u32 pad;
	char  env_prefix[RD_ENV_PREFIX_MAX];
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

#endif /* RD_EVENT_H */
