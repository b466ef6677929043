/*
 * rd_compat32: a 32-bit program for the compat-syscall kernel test (Compat32KernelTest),
 * an ia32 one on x86-64 (gcc -m32) and an AArch32 one on arm64 (arm-linux-gnueabihf-gcc
 * -marm). No C library (-nostdlib -static): only the system calls below reach the kernel,
 * each through the compat (32-bit) syscall table.
 *
 *   rd_compat32 OPEN_PATH OPENAT_PATH DECOY_PATH
 *
 * 1. open(OPEN_PATH, O_RDONLY)
 * 2. openat(AT_FDCWD, OPENAT_PATH, O_RDONLY)
 * 3. fork(), with DECOY_PATH in the registers a 64-bit open or openat takes its path
 *    from: ia32 fork is number 2, x86-64's open, so a probe that read the number from
 *    the 64-bit table would report an open of DECOY_PATH. The child exits 0 at once;
 *    the parent waits for it.
 * Exits 0, or 10 + the step that failed.
 */
#if defined(__i386__)
#define NR_EXIT    1
#define NR_FORK    2
#define NR_OPEN    5
#define NR_WAIT4   114
#define NR_OPENAT  295

static long sys4(long nr, long a, long b, long c, long d)
{
	long ret;

	__asm__ volatile("int $0x80" : "=a"(ret) : "0"(nr), "b"(a), "c"(b), "d"(c), "S"(d) : "memory");
	return ret;
}

/* %edi and %esi: where x86-64's open and openat take their path. */
static long fork_with_decoy(const char *decoy)
{
	long ret;

	__asm__ volatile("int $0x80" : "=a"(ret) : "0"((long)NR_FORK), "D"(decoy), "S"(decoy) : "memory");
	return ret;
}

__asm__(".globl _start\n"
	"_start:\n"
	"	xor %ebp, %ebp\n"
	"	mov %esp, %eax\n"
	"	and $-16, %esp\n"
	"	sub $12, %esp\n"
	"	push %eax\n"
	"	call rd_main\n"
	"	hlt\n");
#elif defined(__arm__)
#define NR_EXIT    1
#define NR_FORK    2
#define NR_OPEN    5
#define NR_WAIT4   114
#define NR_OPENAT  322

static long sys4(long nr, long a, long b, long c, long d)
{
	register long r7 __asm__("r7") = nr;
	register long r0 __asm__("r0") = a;
	register long r1 __asm__("r1") = b;
	register long r2 __asm__("r2") = c;
	register long r3 __asm__("r3") = d;

	__asm__ volatile("svc #0" : "+r"(r0) : "r"(r7), "r"(r1), "r"(r2), "r"(r3) : "memory");
	return r0;
}

/* x0 and x1: where arm64's openat would take the directory and the path. */
static long fork_with_decoy(const char *decoy)
{
	return sys4(NR_FORK, (long)decoy, (long)decoy, 0, 0);
}

__asm__(".globl _start\n"
	"_start:\n"
	"	mov r0, sp\n"
	"	bic sp, sp, #15\n"
	"	bl rd_main\n"
	"	udf #0\n");
#else
#error "rd_compat32 is a 32-bit x86 or arm program"
#endif

#define AT_FDCWD (-100)

void rd_main(long *sp) __attribute__((used, noreturn));

static __attribute__((noreturn)) void sys_exit(int code)
{
	for (;;)
		sys4(NR_EXIT, code, 0, 0, 0);
}

void rd_main(long *sp)
{
	long argc = sp[0];
	char **argv = (char **)(sp + 1);
	long pid;
	int status = 0;

	if (argc != 4)
		sys_exit(2);
	if (sys4(NR_OPEN, (long)argv[1], 0, 0, 0) < 0)
		sys_exit(11);
	if (sys4(NR_OPENAT, AT_FDCWD, (long)argv[2], 0, 0) < 0)
		sys_exit(12);
	pid = fork_with_decoy(argv[3]);
	if (pid < 0)
		sys_exit(13);
	if (pid == 0)
		sys_exit(0);
	if (sys4(NR_WAIT4, pid, (long)&status, 0, 0) != pid || status != 0)
		sys_exit(14);
	sys_exit(0);
}
