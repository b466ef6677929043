/*
 * Test workload for the kernel tests: process shapes that shell commands cannot
 * make. Compiled on first use by TestProcesses.
 *   rd_testproc thread-fork MS       a non-leader thread forks a child that lives MS ms
 *   rd_testproc threads N MS         starts N threads, lives MS ms, exits 0
 *   rd_testproc thread-exec PROG ARG...  a non-leader thread execs PROG
 *   rd_testproc open PATH MS         opens PATH (relative paths allowed), lives MS ms
 *   rd_testproc exit CODE MS         lives MS ms and exits with CODE
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts))
		;
}

static long ms_arg;
static char **exec_argv;

static void *forker(void *unused)
{
	pid_t child = fork();

	if (child == 0) {
		sleep_ms(ms_arg);
		_exit(0);
	}
	printf("child %d\n", child);
	fflush(stdout);
	waitpid(child, NULL, 0);
	return NULL;
}

static void *idler(void *unused)
{
	sleep_ms(ms_arg);
	return NULL;
}

static void *execer(void *unused)
{
	execv(exec_argv[0], exec_argv);
	perror("execv");
	_exit(127);
}

int main(int argc, char **argv)
{
	pthread_t t;

	if (argc < 3)
		return 64;
	if (!strcmp(argv[1], "thread-fork")) {
		ms_arg = atol(argv[2]);
		pthread_create(&t, NULL, forker, NULL);
		pthread_join(t, NULL);
		return 0;
	}
	if (!strcmp(argv[1], "threads") && argc >= 4) {
		int n = atoi(argv[2]);

		ms_arg = atol(argv[3]);
		for (int i = 0; i < n; i++)
			pthread_create(&t, NULL, idler, NULL);
		sleep_ms(ms_arg + 50);
		return 0;
	}
	if (!strcmp(argv[1], "thread-exec")) {
		exec_argv = argv + 2;
		pthread_create(&t, NULL, execer, NULL);
		pause();
		return 0;
	}
	if (!strcmp(argv[1], "open") && argc >= 4) {
		int fd = open(argv[2], O_RDONLY);

		sleep_ms(atol(argv[3]));
		return fd >= 0 ? 0 : 1;
	}
	if (!strcmp(argv[1], "exit") && argc >= 4) {
		sleep_ms(atol(argv[3]));
		return atoi(argv[2]);
	}
	return 64;
}
