// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * luokeep: preserve memfds through the Live Update Orchestrator (/dev/liveupdate) and get them
 * back after a kexec.  Runs inside the test guest, built static (no libc in the initramfs).
 *
 *   luokeep preserve SESSION TOKEN:SIZE...   fill one memfd per TOKEN:SIZE with a pattern
 *                                            made from the token, preserve each under its token
 *                                            in a new session, print "luokeep: ready", then
 *                                            sleep holding the session (closing it would
 *                                            unpreserve the files).
 *   luokeep retrieve SESSION TOKEN:SIZE...   retrieve the session and each memfd, check size
 *                                            and contents, finish the session; exit 0 if all
 *                                            match, 1 if any does not, 2 on trouble.
 *   luokeep again SESSION TOKEN:SIZE...      retrieve and check as above, then preserve the
 *                                            same files again in a new session of the same
 *                                            name (a hand-over carried through two kexecs).
 *
 * The ioctl numbers and argument layouts are the kernel's user ABI (include/uapi/linux/
 * liveupdate.h); they are written out here so the program builds without kernel headers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

enum { LU_TYPE = 0xba, LU_NAME_LEN = 64, MAX_FILES = 64 };

/* /dev/liveupdate: create (0x00) and retrieve (0x01) a session, both returning its fd */
struct lu_session_arg {
	uint32_t size;
	int32_t fd;
	uint8_t name[LU_NAME_LEN];
};
/* on a session fd: preserve (0x40) and retrieve (0x41) a file by token; finish (0x42) */
struct lu_file_arg {
	uint32_t size;
	int32_t fd;
	uint64_t token __attribute__((aligned(8)));
};
struct lu_finish_arg {
	uint32_t size;
	uint32_t reserved;
};

#define LU_CREATE_SESSION _IO(LU_TYPE, 0x00)
#define LU_RETRIEVE_SESSION _IO(LU_TYPE, 0x01)
#define LU_PRESERVE_FD _IO(LU_TYPE, 0x40)
#define LU_RETRIEVE_FD _IO(LU_TYPE, 0x41)
#define LU_FINISH _IO(LU_TYPE, 0x42)

struct file_spec {
	uint64_t token;
	uint64_t size;
	int fd;
};

/* The byte at OFF of the memfd preserved under TOKEN: differs per token, page and byte. */
static uint8_t pattern(uint64_t token, uint64_t off)
{
	return (uint8_t)(token * 31u + (off >> 12) * 7u + off + 1u);
}

static int parse_specs(int n, char **args, struct file_spec *specs)
{
	for (int i = 0; i < n; i++) {
		char *colon, *end;

		colon = strchr(args[i], ':');
		if (!colon) {
			fprintf(stderr, "luokeep: %s: want TOKEN:SIZE\n", args[i]);
			return -1;
		}
		specs[i].token = strtoull(args[i], &end, 0);
		if (end != colon) {
			fprintf(stderr, "luokeep: %s: bad token\n", args[i]);
			return -1;
		}
		specs[i].size = strtoull(colon + 1, &end, 0);
		if (*end || !specs[i].size) {
			fprintf(stderr, "luokeep: %s: bad size\n", args[i]);
			return -1;
		}
		specs[i].fd = -1;
	}
	return 0;
}

static int session_ioctl(int dev, unsigned long cmd, const char *name)
{
	struct lu_session_arg a;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	snprintf((char *)a.name, sizeof(a.name), "%s", name);
	if (ioctl(dev, cmd, &a) < 0) {
		fprintf(stderr, "luokeep: /dev/liveupdate: %s session \"%s\": %s\n",
			cmd == LU_CREATE_SESSION ? "create" : "retrieve", name, strerror(errno));
		return -1;
	}
	return a.fd;
}

static int fill(struct file_spec *f)
{
	uint8_t *p;

	f->fd = memfd_create("luokeep", 0);
	if (f->fd < 0 || ftruncate(f->fd, (off_t)f->size) < 0) {
		fprintf(stderr, "luokeep: memfd of %#llx bytes: %s\n", (unsigned long long)f->size,
			strerror(errno));
		return -1;
	}
	p = mmap(NULL, f->size, PROT_READ | PROT_WRITE, MAP_SHARED, f->fd, 0);
	if (p == MAP_FAILED) {
		fprintf(stderr, "luokeep: mmap: %s\n", strerror(errno));
		return -1;
	}
	for (uint64_t off = 0; off < f->size; off++)
		p[off] = pattern(f->token, off);
	munmap(p, f->size);
	return 0;
}

/* 0 when the memfd holds what fill() wrote, 1 when not (says where), -1 on trouble */
static int check(const struct file_spec *f)
{
	struct stat st;
	uint8_t *p;
	int bad = 0;

	if (fstat(f->fd, &st) < 0) {
		fprintf(stderr, "luokeep: token %#llx: fstat: %s\n", (unsigned long long)f->token,
			strerror(errno));
		return -1;
	}
	if ((uint64_t)st.st_size != f->size) {
		printf("luokeep: token %#llx: size %#llx, expected %#llx\n",
		       (unsigned long long)f->token, (unsigned long long)st.st_size,
		       (unsigned long long)f->size);
		return 1;
	}
	p = mmap(NULL, f->size, PROT_READ, MAP_SHARED, f->fd, 0);
	if (p == MAP_FAILED) {
		fprintf(stderr, "luokeep: token %#llx: mmap: %s\n", (unsigned long long)f->token,
			strerror(errno));
		return -1;
	}
	for (uint64_t off = 0; off < f->size; off++) {
		if (p[off] != pattern(f->token, off)) {
			printf("luokeep: token %#llx: byte %#llx is %#x, expected %#x\n",
			       (unsigned long long)f->token, (unsigned long long)off, p[off],
			       pattern(f->token, off));
			bad = 1;
			break;
		}
	}
	munmap(p, f->size);
	if (!bad)
		printf("luokeep: token %#llx: %#llx bytes intact\n", (unsigned long long)f->token,
		       (unsigned long long)f->size);
	return bad;
}

static int preserve_all(int dev, const char *name, int n, struct file_spec *specs)
{
	int sfd = session_ioctl(dev, LU_CREATE_SESSION, name);

	if (sfd < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		struct lu_file_arg a = { .size = sizeof(a), .fd = specs[i].fd, .token = specs[i].token };

		if (ioctl(sfd, LU_PRESERVE_FD, &a) < 0) {
			fprintf(stderr, "luokeep: preserve token %#llx: %s\n",
				(unsigned long long)specs[i].token, strerror(errno));
			return -1;
		}
		printf("luokeep: preserved token %#llx, %#llx bytes\n",
		       (unsigned long long)specs[i].token, (unsigned long long)specs[i].size);
	}
	printf("luokeep: ready\n");
	fflush(stdout);
	for (;;)
		pause();
}

static int retrieve_all(int dev, const char *name, int n, struct file_spec *specs)
{
	struct lu_finish_arg fin = { .size = sizeof(fin) };
	int sfd = session_ioctl(dev, LU_RETRIEVE_SESSION, name), worst = 0;

	if (sfd < 0)
		return 2;
	for (int i = 0; i < n; i++) {
		struct lu_file_arg a = { .size = sizeof(a), .token = specs[i].token };
		int r;

		if (ioctl(sfd, LU_RETRIEVE_FD, &a) < 0) {
			printf("luokeep: retrieve token %#llx: %s\n",
			       (unsigned long long)specs[i].token, strerror(errno));
			worst = worst ? worst : 1;
			continue;
		}
		specs[i].fd = a.fd;
		r = check(&specs[i]);
		if (r < 0)
			worst = 2;
		else if (r && !worst)
			worst = 1;
	}
	if (ioctl(sfd, LU_FINISH, &fin) < 0) {
		fprintf(stderr, "luokeep: finish session \"%s\": %s\n", name, strerror(errno));
		worst = 2;
	}
	close(sfd);
	return worst;
}

int main(int argc, char **argv)
{
	static struct file_spec specs[MAX_FILES];
	int n = argc - 3, dev, r;

	if (argc < 4 || n > MAX_FILES) {
		fprintf(stderr, "usage: luokeep preserve|retrieve|again SESSION TOKEN:SIZE...\n");
		return 2;
	}
	if (parse_specs(n, argv + 3, specs) < 0)
		return 2;
	dev = open("/dev/liveupdate", O_RDWR);
	if (dev < 0) {
		fprintf(stderr, "luokeep: /dev/liveupdate: %s\n", strerror(errno));
		return 2;
	}
	if (!strcmp(argv[1], "preserve")) {
		for (int i = 0; i < n; i++)
			if (fill(&specs[i]) < 0)
				return 2;
		return preserve_all(dev, argv[2], n, specs) < 0 ? 2 : 0;
	}
	if (!strcmp(argv[1], "retrieve"))
		return retrieve_all(dev, argv[2], n, specs);
	if (!strcmp(argv[1], "again")) {
		r = retrieve_all(dev, argv[2], n, specs);
		if (r)
			return r;
		return preserve_all(dev, argv[2], n, specs) < 0 ? 2 : 0;
	}
	fprintf(stderr, "luokeep: %s: unknown mode (preserve, retrieve, again)\n", argv[1]);
	return 2;
}
