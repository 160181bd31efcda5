// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * /sys/kernel/debug/kho as files: fdt (raw root FDT), sub_fdts/<name> (raw
 * sub-blobs, FDT or not), scratch_phys and scratch_len (one "0x%llx" line
 * per scratch area; Linux 7.4 calls them bootmem_phys and bootmem_len,
 * docs/formats.md §1.3). Works on a copy as well as on the live directory.
 * The root holds out/ (this kernel's hand-over; no fdt on a kernel booted
 * through KHO) and, after a KHO boot, in/ (the hand-over it consumed).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ki_debugfs.h"
#include "ki_memreader.h"

bool ki_is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Read a whole small file (debugfs files report size 0: read to EOF). */
static struct ki_error *slurp(const char *path, size_t max, unsigned char **ret,
			      size_t *len_ret)
{
	unsigned char *buf;
	size_t len = 0;
	struct ki_error *err;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return ki_error_os(errno, path, "cannot open%s",
				   errno == EACCES ? " (debugfs needs root)" : "");
	buf = malloc(max + 1);
	if (!buf) {
		close(fd);
		return &ki_enomem;
	}
	err = ki_pread_full(fd, path, buf, max + 1, 0, &len);
	close(fd);
	if (err) {
		free(buf);
		return err;
	}
	if (len > max) {
		free(buf);
		return ki_error_set_path(ki_error_create(KI_ERR_FORMAT,
				"larger than %zu bytes: not a KHO debugfs file", max), path);
	}
	buf[len] = '\0';
	*ret = buf;
	*len_ret = len;
	return NULL;
}

struct ki_error *ki_parse_hex_lines(const char *text, size_t len, uint64_t *vals,
				    size_t max, size_t *n_ret)
{
	size_t n = 0, line = 1;
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char buf[32];
		char *e;
		unsigned long long v;

		if (l > 0) {
			if (l >= sizeof(buf) || n >= max)
				return ki_error_create(KI_ERR_FORMAT,
						       l >= sizeof(buf) ? "line %zu is too long for a hex number"
									: "more than %zu lines", l >= sizeof(buf) ? line : max);
			memcpy(buf, p, l);
			buf[l] = '\0';
			errno = 0;
			v = strtoull(buf, &e, 16);
			if (errno || e == buf || *e || buf[0] == '-' || buf[0] == '+' || buf[0] == ' ')
				return ki_error_create(KI_ERR_FORMAT,
						       "line %zu \"%s\" is not a hex number", line, buf);
			vals[n++] = v;
		}
		if (!nl)
			break;
		p = nl + 1;
		line++;
	}
	*n_ret = n;
	return NULL;
}

struct ki_error *ki_parse_scratch_arg(const char *arg, struct ki_scratch **ret,
				      size_t *n_ret)
{
	struct ki_scratch *v = NULL;
	size_t n = 0;
	const char *p = arg;

	while (*p) {
		char *e;
		unsigned long long a, s;
		void *q;

		errno = 0;
		a = strtoull(p, &e, 0);
		if (errno || e == p || *e != ':')
			goto bad;
		p = e + 1;
		s = strtoull(p, &e, 0);
		if (errno || e == p || (*e && *e != ',') || s == 0 || a + s - 1 < a)
			goto bad;
		if (n >= KI_SCRATCH_MAX)
			goto bad;
		q = reallocarray(v, n + 1, sizeof(*v));
		if (!q) {
			free(v);
			return &ki_enomem;
		}
		v = q;
		v[n].addr = a;
		v[n].size = s;
		n++;
		p = *e ? e + 1 : e;
	}
	if (!n)
		goto bad;
	*ret = v;
	*n_ret = n;
	return NULL;
bad:
	free(v);
	return ki_error_create(KI_ERR_USAGE,
			       "--scratch takes ADDR:SIZE[,ADDR:SIZE…] with non-zero sizes, not \"%s\"",
			       arg);
}

/* The scratch files under one of their two names: 0 read, 1 absent. */
static int read_scratch_as(struct ki_debugfs *dbg, struct ki_findings *f, const char *stem,
			   const char *source)
{
	char *pp = NULL, *lp = NULL;
	unsigned char *ptext = NULL, *ltext = NULL;
	size_t plen, llen, np = 0, nl = 0;
	uint64_t *pv = NULL, *lv = NULL;
	struct ki_error *err = NULL;
	int ret = 0;

	/* the pointer is undefined after a failure */
	if (asprintf(&pp, "%s/%s_phys", dbg->dir, stem) < 0) {
		pp = NULL;
		goto nomem;
	}
	if (asprintf(&lp, "%s/%s_len", dbg->dir, stem) < 0) {
		lp = NULL;
		goto nomem;
	}
	if (access(pp, F_OK) && access(lp, F_OK)) {
		ret = 1; /* not there: nothing to say */
		goto out;
	}
	pv = calloc(KI_SCRATCH_MAX, sizeof(*pv));
	lv = calloc(KI_SCRATCH_MAX, sizeof(*lv));
	if (!pv || !lv)
		goto nomem;
	err = slurp(pp, 1 << 16, &ptext, &plen);
	if (!err)
		err = ki_parse_hex_lines((char *)ptext, plen, pv, KI_SCRATCH_MAX, &np);
	if (err) {
		ki_findings_add(f, KI_SEV_WARNING, "debugfs-scratch", false, 0,
				"%s: %s; scratch areas unknown", pp, err->message);
		goto out;
	}
	err = slurp(lp, 1 << 16, &ltext, &llen);
	if (!err)
		err = ki_parse_hex_lines((char *)ltext, llen, lv, KI_SCRATCH_MAX, &nl);
	if (err) {
		ki_findings_add(f, KI_SEV_WARNING, "debugfs-scratch", false, 0,
				"%s: %s; scratch areas unknown", lp, err->message);
		goto out;
	}
	if (np != nl) {
		ki_findings_add(f, KI_SEV_WARNING, "debugfs-scratch", false, 0,
				"%s has %zu lines but %s has %zu; scratch areas unknown",
				pp, np, lp, nl);
		goto out;
	}
	dbg->scratch = calloc(np ? np : 1, sizeof(*dbg->scratch));
	if (!dbg->scratch)
		goto nomem;
	for (size_t i = 0; i < np; i++) {
		dbg->scratch[i].addr = pv[i];
		dbg->scratch[i].size = lv[i];
	}
	dbg->nscratch = np;
	dbg->scratch_source = source;
	goto out;
nomem:
	/* the scratch areas would silently be unknown */
	ki_nomem_note();
out:
	ki_error_destroy(err);
	free(pp);
	free(lp);
	free(ptext);
	free(ltext);
	free(pv);
	free(lv);
	return ret;
}

static void read_scratch(struct ki_debugfs *dbg, struct ki_findings *f)
{
	if (read_scratch_as(dbg, f, "scratch", "debugfs scratch_phys/scratch_len") == 1)
		read_scratch_as(dbg, f, "bootmem",
				"debugfs bootmem_phys/bootmem_len (scratch areas: Linux 7.4 calls them boot memory)");
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(((const struct ki_blobfile *)a)->name,
		      ((const struct ki_blobfile *)b)->name);
}

static struct ki_error *read_subs(struct ki_debugfs *dbg, struct ki_findings *f)
{
	char *sd = NULL;
	DIR *dir;
	struct dirent *de;
	struct ki_error *err = NULL;

	if (asprintf(&sd, "%s/sub_fdts", dbg->dir) < 0)
		return &ki_enomem;
	dir = opendir(sd);
	if (!dir) {
		if (errno != ENOENT)
			ki_findings_add(f, KI_SEV_WARNING, "debugfs-sub-fdts", false, 0,
					"%s: cannot list: %s", sd, strerror(errno));
		free(sd);
		return NULL;
	}
	while ((de = readdir(dir))) {
		struct ki_blobfile *b;
		char *p = NULL;
		void *q;

		if (de->d_name[0] == '.')
			continue;
		if (dbg->nsubs >= KI_DEBUGFS_MAX_SUBS) {
			ki_findings_add(f, KI_SEV_WARNING, "debugfs-sub-fdts", false, 0,
					"%s: more than %d files; the rest are ignored", sd,
					KI_DEBUGFS_MAX_SUBS);
			break;
		}
		if (asprintf(&p, "%s/%s", sd, de->d_name) < 0) {
			err = &ki_enomem;
			break;
		}
		q = reallocarray(dbg->subs, dbg->nsubs + 1, sizeof(*dbg->subs));
		if (!q) {
			free(p);
			err = &ki_enomem;
			break;
		}
		dbg->subs = q;
		b = &dbg->subs[dbg->nsubs];
		memset(b, 0, sizeof(*b));
		err = slurp(p, KI_DEBUGFS_BLOB_MAX, &b->data, &b->len);
		free(p);
		if (err) {
			ki_findings_add(f, KI_SEV_WARNING, "debugfs-sub-fdts", false, 0,
					"%s", err->message);
			ki_error_destroy(err);
			err = NULL;
			continue;
		}
		b->name = strdup(de->d_name);
		if (!b->name) {
			free(b->data);
			err = &ki_enomem;
			break;
		}
		dbg->nsubs++;
	}
	closedir(dir);
	free(sd);
	if (dbg->nsubs > 1)
		qsort(dbg->subs, dbg->nsubs, sizeof(*dbg->subs), name_cmp);
	return err;
}

static bool exists(const char *dir, const char *name)
{
	char *p = NULL;
	bool r;

	if (asprintf(&p, "%s/%s", dir, name) < 0) {
		ki_nomem_note(); /* "not there" would be a guess */
		return false;
	}
	r = access(p, F_OK) == 0;
	free(p);
	return r;
}

/* A directory that shows one hand-over: out/ or in/ (or a copy of one). */
static bool is_handover_dir(const char *dir)
{
	return exists(dir, "fdt") || exists(dir, "sub_fdts") || exists(dir, "scratch_phys") ||
	       exists(dir, "bootmem_phys");
}

/* Which side a hand-over directory shows: its name, else its files (only
 * out/ has the scratch files). */
static enum ki_debugfs_side side_of(const char *dir)
{
	size_t n = strlen(dir);
	const char *base;

	while (n > 1 && dir[n - 1] == '/')
		n--;
	base = dir + n;
	while (base > dir && base[-1] != '/')
		base--;
	if ((size_t)(dir + n - base) == 2 && !strncmp(base, "in", 2))
		return KI_DEBUGFS_IN;
	if ((size_t)(dir + n - base) == 3 && !strncmp(base, "out", 3))
		return KI_DEBUGFS_OUT;
	if (exists(dir, "scratch_phys") || exists(dir, "bootmem_phys"))
		return KI_DEBUGFS_OUT;
	return KI_DEBUGFS_PLAIN;
}

static void note_fdt_size(struct ki_debugfs *dbg)
{
	if (dbg->fdt_len >= 40 && !memcmp(dbg->fdt, "\xd0\x0d\xfe\xed", 4)) {
		const unsigned char *p = dbg->fdt + 4;

		dbg->fdt_totalsize = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
				     (uint32_t)p[2] << 8 | p[3];
		dbg->fdt_truncated = dbg->fdt_totalsize > dbg->fdt_len;
	}
}

/* The hand-over directory of a path: itself, or the root's out/ or in/. */
static struct ki_error *choose_dir(struct ki_debugfs *dbg, const char *path)
{
	char *out = NULL, *in = NULL;
	bool has_out, has_in;

	if (is_handover_dir(path)) {
		dbg->dir = strdup(path);
		dbg->side = side_of(path);
		return dbg->dir ? NULL : &ki_enomem;
	}
	if (asprintf(&out, "%s/out", path) < 0)
		return &ki_enomem;
	if (asprintf(&in, "%s/in", path) < 0) {
		free(out);
		return &ki_enomem;
	}
	has_out = ki_is_dir(out) && is_handover_dir(out);
	has_in = ki_is_dir(in) && exists(in, "fdt");
	if (has_out) {
		dbg->dir = out;
		dbg->side = KI_DEBUGFS_OUT;
		if (has_in)
			dbg->in_dir = in;
		else
			free(in);
		return NULL;
	}
	free(out);
	if (has_in) {
		dbg->dir = in;
		dbg->side = KI_DEBUGFS_IN;
		return NULL;
	}
	free(in);
	return ki_error_set_path(ki_error_create(KI_ERR_FORMAT,
			"directory has no fdt, sub_fdts/ or scratch files (nor out/ or in/ with them): not a copy of /sys/kernel/debug/kho%s",
			access(path, R_OK | X_OK) ? " (permission denied? debugfs needs root)" : ""),
			path);
}

struct ki_error *ki_debugfs_read(const char *path, struct ki_findings *f,
				 struct ki_debugfs **ret)
{
	struct ki_debugfs *dbg;
	struct ki_error *err;

	dbg = calloc(1, sizeof(*dbg));
	if (!dbg)
		return &ki_enomem;
	if (!ki_is_dir(path)) {
		/* A bare FDT blob. */
		dbg->fdt_path = strdup(path);
		if (!dbg->fdt_path) {
			err = &ki_enomem;
			goto fail;
		}
		err = slurp(path, KI_DEBUGFS_BLOB_MAX, &dbg->fdt, &dbg->fdt_len);
		if (err)
			goto fail;
		note_fdt_size(dbg);
		*ret = dbg;
		return NULL;
	}
	err = choose_dir(dbg, path);
	if (err)
		goto fail;
	if (exists(dbg->dir, "fdt")) {
		if (asprintf(&dbg->fdt_path, "%s/fdt", dbg->dir) < 0) {
			dbg->fdt_path = NULL;
			err = &ki_enomem;
			goto fail;
		}
		err = slurp(dbg->fdt_path, KI_DEBUGFS_BLOB_MAX, &dbg->fdt, &dbg->fdt_len);
		if (err)
			goto fail;
		note_fdt_size(dbg);
	}
	err = read_subs(dbg, f);
	if (err)
		goto fail;
	read_scratch(dbg, f);
	*ret = dbg;
	return NULL;
fail:
	ki_debugfs_destroy(dbg);
	return err;
}

void ki_debugfs_destroy(struct ki_debugfs *dbg)
{
	if (!dbg)
		return;
	for (size_t i = 0; i < dbg->nsubs; i++) {
		free(dbg->subs[i].name);
		free(dbg->subs[i].data);
	}
	free(dbg->subs);
	free(dbg->scratch);
	free(dbg->fdt);
	free(dbg->fdt_path);
	free(dbg->dir);
	free(dbg->in_dir);
	free(dbg);
}
