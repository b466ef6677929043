// SPDX-License-Identifier: Apache-2.0
/*
 * Exec-storm driver for the runtime-detector benchmark.
 *
 * Spawns N short-lived processes (default /bin/true) with P of them in flight at
 * once, each from its own spawner thread (posix_spawn + waitpid), and prints one
 * machine-readable line:
 *
 *   spawned=20000 failed=0 seconds=7.412 rate=2698.3 parallelism=2 prefix_every=1 filler=0
 *
 * Every child gets a small, fixed environment: optionally F filler variables
 * (FILLER_0000=...) followed, on every K-th child, by the prefix variable
 * RDBENCH_ID=<tag>:<index>. The prefix variable comes last so that the kernel's
 * environment scan has to walk every filler before it finds it.
 * Every child also gets <tag>:<index> as argv[1] (ignored by /bin/true and rd_hold): a
 * consumer recognises the storm's processes by it even when they are gone before it
 * can read their environment.
 *
 * --rate R paces the spawns at R per second in total (for latency, away from storms).
 * --seconds S stops spawning once S seconds have passed (the N given or not: without
 * -n there is no bound on the count), and the line reports what was spawned until then.
 * --hold keeps the children alive: they get the read end of a pipe as stdin (the
 * default program then is the tiny rd_hold next to this binary, which blocks in
 * read(0)), the driver prints "held=N ..." once all are running, waits until its
 * own stdin reaches EOF, then closes the pipe and reaps them ("released=N ...").
 * Closing the pipe ends them all at once, a stampede of exits; --release-rate R
 * instead ends them with SIGTERM, R per second, oldest first.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PREFIX_VAR "RDBENCH_ID"

static long opt_n = 20000;
static int opt_par = 2;
static long opt_prefix_every = 1;
static int opt_filler;
static const char *opt_prog = "/bin/true";
static const char *opt_tag = "r";
static double opt_rate;
static int opt_hold;
static const char *opt_pids_out;
static double opt_release_rate;
static double opt_seconds;

static char **filler_vars;
static atomic_long next_index;
static atomic_long spawned;
static atomic_long failed;
static pid_t *pids;          /* --pids-out / --hold: pid of child i */
static int hold_pipe[2] = { -1, -1 };
static double t_start;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_until(double t)
{
	struct timespec ts;

	ts.tv_sec = (time_t)t;
	ts.tv_nsec = (long)((t - ts.tv_sec) * 1e9);
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static void usage(const char *argv0)
{
	fprintf(stderr,
		"usage: %s [-n N] [-p PARALLELISM] [--prefix-every K] [--filler F] [--prog PATH]\n"
		"          [--tag TAG] [--rate PER_SECOND] [--seconds S] [--hold] [--pids-out FILE]\n"
		"  --prefix-every K  set " PREFIX_VAR "=<tag>:<i> on every K-th child (0: never, 1: all, 100: 1 %%)\n"
		"  --filler F        put F filler variables before it (the kernel scans them all)\n"
		"  --rate R          pace spawns at R per second in total\n"
		"  --seconds S       stop spawning after S seconds (no bound on the count without -n)\n"
		"  --hold            keep children alive until this program's stdin closes\n"
		"  --release-rate R  then end them with SIGTERM at R per second (default: all at once)\n",
		argv0);
	exit(2);
}

static void *spawner(void *arg)
{
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_t *fap = NULL;
	char idarg[100];
	char idvar[128];
	char *argv[] = { (char *)opt_prog, idarg, NULL };
	char **envp = calloc(opt_filler + 2, sizeof(char *));
	(void)arg;

	if (!envp) {
		perror("calloc");
		exit(1);
	}
	memcpy(envp, filler_vars, opt_filler * sizeof(char *));
	if (opt_hold) {
		posix_spawn_file_actions_init(&fa);
		posix_spawn_file_actions_adddup2(&fa, hold_pipe[0], 0);
		fap = &fa;
	}
	for (;;) {
		long i = atomic_fetch_add(&next_index, 1);
		pid_t pid;
		int rc, status;

		if (i >= opt_n)
			break;
		if (opt_seconds > 0 && now_s() - t_start >= opt_seconds)
			break;
		if (opt_rate > 0)
			sleep_until(t_start + i / opt_rate);
		snprintf(idarg, sizeof(idarg), "%s:%ld", opt_tag, i);
		if (opt_prefix_every > 0 && i % opt_prefix_every == 0) {
			snprintf(idvar, sizeof(idvar), PREFIX_VAR "=%s", idarg);
			envp[opt_filler] = idvar;
		} else {
			envp[opt_filler] = NULL;
		}
		rc = posix_spawn(&pid, opt_prog, fap, NULL, argv, envp);
		if (rc) {
			atomic_fetch_add(&failed, 1);
			if (atomic_load(&failed) <= 5)
				fprintf(stderr, "storm: posix_spawn %s: %s\n", opt_prog, strerror(rc));
			if (rc == EAGAIN || rc == ENOMEM)
				usleep(1000);
			continue;
		}
		if (pids)
			pids[i] = pid;
		atomic_fetch_add(&spawned, 1);
		if (opt_hold)
			continue;
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	free(envp);
	return NULL;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "prefix-every", required_argument, NULL, 'k' },
		{ "filler", required_argument, NULL, 'f' },
		{ "prog", required_argument, NULL, 'x' },
		{ "tag", required_argument, NULL, 't' },
		{ "rate", required_argument, NULL, 'r' },
		{ "hold", no_argument, NULL, 'H' },
		{ "pids-out", required_argument, NULL, 'o' },
		{ "release-rate", required_argument, NULL, 'R' },
		{ "seconds", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	pthread_t *threads;
	double secs;
	int c;
	int prog_given = 0;
	int n_given = 0;

	while ((c = getopt_long(argc, argv, "n:p:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'n': opt_n = atol(optarg); n_given = 1; break;
		case 'p': opt_par = atoi(optarg); break;
		case 'k': opt_prefix_every = atol(optarg); break;
		case 'f': opt_filler = atoi(optarg); break;
		case 'x': opt_prog = optarg; prog_given = 1; break;
		case 't': opt_tag = optarg; break;
		case 'r': opt_rate = atof(optarg); break;
		case 'H': opt_hold = 1; break;
		case 'o': opt_pids_out = optarg; break;
		case 'R': opt_release_rate = atof(optarg); break;
		case 's': opt_seconds = atof(optarg); break;
		default: usage(argv[0]);
		}
	}
	if (opt_n < 0 || opt_par < 1 || opt_prefix_every < 0 || opt_filler < 0 || opt_filler > 100000 ||
	    opt_seconds < 0 || (opt_seconds > 0 && (opt_hold || opt_pids_out)))
		usage(argv[0]);
	if (opt_seconds > 0 && !n_given)
		opt_n = LONG_MAX;

	if (opt_hold && !prog_given) {
		/* The tiny holder built next to this binary. */
		static char self[PATH_MAX];
		ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 16);

		if (len <= 0) {
			perror("readlink /proc/self/exe");
			return 1;
		}
		self[len] = 0;
		strcpy(strrchr(self, '/') + 1, "rd_hold");
		opt_prog = self;
	}
	if (access(opt_prog, X_OK)) {
		fprintf(stderr, "storm: %s: %s\n", opt_prog, strerror(errno));
		return 1;
	}

	filler_vars = calloc(opt_filler + 1, sizeof(char *));
	for (int i = 0; i < opt_filler; i++) {
		if (asprintf(&filler_vars[i], "FILLER_%05d=filler-value-%05d", i, i) < 0) {
			perror("asprintf");
			return 1;
		}
	}
	if (opt_pids_out || opt_hold) {
		pids = calloc(opt_n ? opt_n : 1, sizeof(pid_t));
		if (!pids) {
			perror("calloc");
			return 1;
		}
	}
	if (opt_hold && pipe2(hold_pipe, O_CLOEXEC)) {
		perror("pipe2");
		return 1;
	}

	threads = calloc(opt_par, sizeof(pthread_t));
	t_start = now_s();
	for (int i = 0; i < opt_par; i++) {
		pthread_attr_t attr;

		pthread_attr_init(&attr);
		pthread_attr_setstacksize(&attr, 256 * 1024);
		if (pthread_create(&threads[i], &attr, spawner, NULL)) {
			perror("pthread_create");
			return 1;
		}
		pthread_attr_destroy(&attr);
	}
	for (int i = 0; i < opt_par; i++)
		pthread_join(threads[i], NULL);
	secs = now_s() - t_start;

	printf("%s=%ld failed=%ld seconds=%.3f rate=%.1f parallelism=%d prefix_every=%ld filler=%d tag=%s driver_pid=%d\n",
	       opt_hold ? "held" : "spawned", atomic_load(&spawned), atomic_load(&failed), secs,
	       secs > 0 ? atomic_load(&spawned) / secs : 0.0, opt_par, opt_prefix_every, opt_filler,
	       opt_tag, (int)getpid());
	fflush(stdout);

	if (opt_pids_out) {
		FILE *f = fopen(opt_pids_out, "w");

		if (!f) {
			perror(opt_pids_out);
			return 1;
		}
		for (long i = 0; i < opt_n; i++)
			if (pids[i] > 0)
				fprintf(f, "%d\n", pids[i]);
		fclose(f);
	}

	if (opt_hold) {
		char buf[256];
		long reaped = 0;
		double t0;

		for (;;) {
			ssize_t r = read(0, buf, sizeof(buf));

			if (r > 0 || (r < 0 && errno == EINTR))
				continue;
			break;
		}
		t0 = now_s();
		close(hold_pipe[0]);
		if (opt_release_rate > 0) {
			/*
			 * Reap by pid, oldest first: waitpid(-1, WNOHANG) walks the whole list of
			 * children whenever none has exited yet, quadratic with 100 000 of them.
			 */
			long next = 0;

			for (long i = 0; i < opt_n; i++) {
				int status;

				if (pids[i] > 0) {  /* never kill(0): that is our own process group */
					sleep_until(t0 + i / opt_release_rate);
					kill(pids[i], SIGTERM);
				}
				while (next <= i && (pids[next] <= 0 || waitpid(pids[next], &status, WNOHANG) > 0)) {
					if (pids[next] > 0)
						reaped++;
					next++;
				}
			}
			for (; next < opt_n; next++) {
				int status;

				if (pids[next] > 0 && waitpid(pids[next], &status, 0) > 0)
					reaped++;
			}
		}
		close(hold_pipe[1]);
		for (;;) {
			int status;
			pid_t p = wait(&status);

			if (p < 0) {
				if (errno == EINTR)
					continue;
				break;
			}
			reaped++;
		}
		printf("released=%ld seconds=%.3f\n", reaped, now_s() - t0);
	}
	return atomic_load(&failed) ? 3 : 0;
}
