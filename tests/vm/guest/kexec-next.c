// SPDX-License-Identifier: GPL-2.0
/*
 * kexec-next: load a kernel with kexec_file_load(2) and reboot into it.
 *
 *   kexec-next KERNEL INITRD CMDLINE
 *
 * Used by the guest init of the FDBox VM harness to move to the next stage.
 * KHO only works with the file-based syscall; the handover data is recorded
 * by the kernel at load time and whatever is preserved until reboot() goes
 * along. Prints "fdbox-harness: kexec" right before rebooting so that the
 * host can timestamp the blackout. Returns only on failure (exit 1).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/reboot.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int kfd, ifd;

	if (argc != 4) {
		fprintf(stderr, "usage: kexec-next KERNEL INITRD CMDLINE\n");
		return 2;
	}
	kfd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (kfd < 0) {
		fprintf(stderr, "kexec-next: open %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	ifd = open(argv[2], O_RDONLY | O_CLOEXEC);
	if (ifd < 0) {
		fprintf(stderr, "kexec-next: open %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	if (syscall(SYS_kexec_file_load, kfd, ifd, strlen(argv[3]) + 1,
		    argv[3], 0UL)) {
		fprintf(stderr, "kexec-next: kexec_file_load: %s\n", strerror(errno));
		return 1;
	}
	sync();
	printf("fdbox-harness: kexec\n");
	fflush(stdout);
	syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2,
		LINUX_REBOOT_CMD_KEXEC, NULL);
	fprintf(stderr, "kexec-next: reboot(KEXEC): %s\n", strerror(errno));
	return 1;
}
