// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kexecfile: the two kexec(8) calls the check-kernel guest makes, for guests without
 * kexec-tools (arm64: Debian's kexec is dynamic, and no arm64 libc is in the initramfs).
 *
 *   kexec -s -l KERNEL [--initrd=FILE] [--reuse-cmdline | --append=CMDLINE]
 *        load KERNEL with kexec_file_load(2)
 *   kexec -e
 *        jump to it: reboot(2) with LINUX_REBOOT_CMD_KEXEC
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/reboot.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int load(const char *kernel, const char *initrd, const char *cmdline)
{
	unsigned long flags = 0;
	int kfd, ifd = -1;

	kfd = open(kernel, O_RDONLY);
	if (kfd < 0) {
		fprintf(stderr, "kexec: %s: %s\n", kernel, strerror(errno));
		return 2;
	}
	if (initrd) {
		ifd = open(initrd, O_RDONLY);
		if (ifd < 0) {
			fprintf(stderr, "kexec: %s: %s\n", initrd, strerror(errno));
			return 2;
		}
	} else {
		flags |= 4; /* KEXEC_FILE_NO_INITRAMFS */
	}
	if (syscall(SYS_kexec_file_load, kfd, ifd, strlen(cmdline) + 1, cmdline, flags) < 0) {
		fprintf(stderr, "kexec: kexec_file_load of %s: %s\n", kernel, strerror(errno));
		return 2;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static char cmdline[4096];
	const char *kernel = NULL, *initrd = NULL;
	int do_load = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-e")) {
			sync();
			if (syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2,
				    LINUX_REBOOT_CMD_KEXEC, NULL) < 0)
				fprintf(stderr, "kexec: reboot(KEXEC): %s\n", strerror(errno));
			return 2;
		} else if (!strcmp(a, "-s")) {
			continue;
		} else if (!strcmp(a, "-l") && i + 1 < argc) {
			do_load = 1;
			kernel = argv[++i];
		} else if (!strncmp(a, "--initrd=", 9)) {
			initrd = a + 9;
		} else if (!strncmp(a, "--append=", 9)) {
			snprintf(cmdline, sizeof(cmdline), "%s", a + 9);
		} else if (!strcmp(a, "--reuse-cmdline")) {
			FILE *f = fopen("/proc/cmdline", "r");

			if (!f || !fgets(cmdline, sizeof(cmdline), f)) {
				fprintf(stderr, "kexec: /proc/cmdline: cannot read it\n");
				return 2;
			}
			fclose(f);
			cmdline[strcspn(cmdline, "\n")] = '\0';
		} else {
			fprintf(stderr, "kexec: %s: not understood (kexec -s -l KERNEL "
				"[--initrd=FILE] [--reuse-cmdline|--append=CMDLINE]; kexec -e)\n", a);
			return 2;
		}
	}
	if (!do_load) {
		fprintf(stderr, "kexec: nothing to do\n");
		return 2;
	}
	return load(kernel, initrd, cmdline);
}
