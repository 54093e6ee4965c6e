// SPDX-License-Identifier: GPL-2.0-only
/*
 * /init of the benchmark's initramfs: mount devtmpfs, proc and sysfs, run
 * /dumb_mmap with -s $DUMB_SIZES and -e $DUMB_EXPECT when the kernel command
 * line sets them (and -u when it sets DUMB_MISALIGN=1), print its exit status, and reboot (QEMU runs with
 * -no-reboot, so that ends the run).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>

int main(void)
{
	char *sizes = getenv("DUMB_SIZES"), *expect = getenv("DUMB_EXPECT");
	char *argv[8] = { "/dumb_mmap" };
	int argc = 1, status = 0;
	pid_t pid;

	mkdir("/dev", 0755);
	mkdir("/proc", 0755);
	mkdir("/sys", 0755);
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	mount("proc", "/proc", "proc", 0, NULL);
	mount("sysfs", "/sys", "sysfs", 0, NULL);

	if (sizes) {
		argv[argc++] = "-s";
		argv[argc++] = sizes;
	}
	if (expect) {
		argv[argc++] = "-e";
		argv[argc++] = expect;
	}
	if (getenv("DUMB_MISALIGN"))
		argv[argc++] = "-u";
	argv[argc] = NULL;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		execv(argv[0], argv);
		perror("exec /dumb_mmap");
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		status = 126 << 8;
	printf("bench: dumb_mmap exit status %d\n",
	       WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	fflush(stdout);
	sync();
	reboot(RB_AUTOBOOT);
	return 0;
}
