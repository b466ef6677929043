// SPDX-License-Identifier: Apache-2.0
/*
 * The smallest long-lived child for the tracked-processes measurement: no libc, no
 * dynamic loader, a few pages of memory. Blocks in read(0) until the pipe that the
 * storm driver gave it as stdin is closed, then exits 0.
 * Built with -nostdlib -static (x86_64 and aarch64).
 */
#if defined(__x86_64__)
__asm__(
	".globl _start\n"
	"_start:\n"
	"1:\n"
	"	xor %edi, %edi\n"        /* fd 0 */
	"	lea -16(%rsp), %rsi\n"   /* buffer below the stack pointer */
	"	mov $1, %edx\n"
	"	xor %eax, %eax\n"        /* SYS_read */
	"	syscall\n"
	"	cmp $-4, %rax\n"         /* -EINTR: read again */
	"	je 1b\n"
	"	test %rax, %rax\n"
	"	jg 1b\n"                 /* data: keep waiting for EOF */
	"	xor %edi, %edi\n"
	"	mov $231, %eax\n"        /* SYS_exit_group */
	"	syscall\n"
	"	hlt\n");
#elif defined(__aarch64__)
__asm__(
	".globl _start\n"
	"_start:\n"
	"1:\n"
	"	mov x0, #0\n"
	"	sub x1, sp, #16\n"
	"	mov x2, #1\n"
	"	mov x8, #63\n"           /* SYS_read */
	"	svc #0\n"
	"	cmn x0, #4\n"
	"	b.eq 1b\n"
	"	cmp x0, #0\n"
	"	b.gt 1b\n"
	"	mov x0, #0\n"
	"	mov x8, #94\n"           /* SYS_exit_group */
	"	svc #0\n");
#else
#error "unsupported architecture"
#endif
