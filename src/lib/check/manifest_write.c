// SPDX-License-Identifier: GPL-2.0-or-later
/* Writing a snapshot manifest (ki_manifest_write.h). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ki_debugfs.h"
#include "ki_dump.h"
#include "ki_fdt.h"
#include "ki_finding.h"
#include "ki_hash.h"
#include "ki_json.h"
#include "ki_manifest.h"
#include "ki_manifest_write.h"
#include "ki_map.h"
#include "ki_owner.h"

struct progress {
	uint64_t done, total;
	void (*fn)(void *arg, uint64_t done, uint64_t total);
	void *arg;
};

static void hash_progress(void *arg, uint64_t n)
{
	struct progress *p = arg;

	p->done += n;
	if (p->fn)
		p->fn(p->arg, p->done, p->total);
}

/* false when the contents could not be read */
static bool hash_member(struct ki_json *j, struct ki_memreader *r, uint64_t start,
			uint64_t end, uint64_t page_size)
{
	char hex[KI_HASH_HEX], chunks[KI_HASH_CHUNKS * KI_CHUNK_HEX + 1];
	uint64_t cs = ki_hash_chunk_size(end - start, page_size);
	struct ki_error *err;

	ki_json_key(j, "xxh3");
	err = ki_hash_range_chunks(r, start, end, cs, hex, chunks, NULL, NULL);
	if (!err) {
		ki_json_string(j, hex);
		ki_json_kv_hex(j, "chunk_size", cs);
		ki_json_kv_string(j, "chunks_xxh3_64", chunks);
		return true;
	}
	ki_json_null(j);
	ki_json_key(j, "missing");
	if (err->has_paddr)
		ki_json_hex(j, err->paddr);
	else
		ki_json_null(j);
	ki_error_destroy(err);
	return false;
}

struct snap_emit {
	struct ki_json *j;
	struct ki_memreader *mem;
	const struct ki_owners *owners;
	uint64_t page_size;
	bool hash;
	struct progress *hp;
	/* the open group of ranges without content, if any */
	bool in_group;
	bool group_missing;
	unsigned int group_order;
	const char *group_owner;
	/* what the manifest lacks: blocks not in the dump from their first
	 * byte, ranges read only in part */
	uint64_t missing_blocks, partial_ranges;
};

static void group_close(struct snap_emit *se)
{
	if (!se->in_group)
		return;
	ki_json_end_array(se->j);
	ki_json_end_object(se->j);
	se->in_group = false;
}

/*
 * A range whose contents the manifest cannot hold (not in the dump from
 * its first byte, or no hashing): one [start, blocks] pair in a group of
 * such ranges of one order and owner. Millions of them in a big dump.
 */
static void group_range(struct snap_emit *se, uint64_t pa, unsigned int order,
			uint64_t n, const char *owner, bool missing)
{
	char *p, *s;

	if (se->in_group && (se->group_order != order || se->group_missing != missing ||
			     strcmp(se->group_owner, owner)))
		group_close(se);
	if (!se->in_group) {
		ki_json_begin_object(se->j);
		ki_json_kv_uint(se->j, "order", order);
		ki_json_kv_string(se->j, "owner", owner);
		ki_json_key(se->j, missing ? "not_in_dump" : "not_hashed");
		ki_json_begin_array(se->j);
		se->in_group = true;
		se->group_order = order;
		se->group_missing = missing;
		se->group_owner = owner;
	}
	s = p = ki_json_value_room(se->j, 64);
	memcpy(p, "[\"", 2);
	p += 2;
	p += ki_fmt_hex(p, pa);
	memcpy(p, "\",", 2);
	p += 2;
	p += ki_fmt_udec(p, n);
	*p++ = ']';
	ki_json_value_done(se->j, (size_t)(p - s));
}

static void snap_piece(struct snap_emit *se, uint64_t pa, unsigned int order,
		       uint64_t n, const char *owner)
{
	uint64_t end = pa + n * (se->page_size << order);
	char hex[KI_HASH_HEX], chunks[KI_HASH_CHUNKS * KI_CHUNK_HEX + 1];
	uint64_t cs = ki_hash_chunk_size(end - pa, se->page_size);
	struct ki_error *err = NULL;
	uint64_t missing;

	owner = owner ? owner : "unclaimed";
	if (!se->hash) {
		group_range(se, pa, order, n, owner, false);
		return;
	}
	/* no I/O: most preserved memory of a big machine is not in a dump */
	missing = ki_memreader_first_missing(se->mem, pa, end - pa);
	if (missing == pa) {
		se->missing_blocks += n;
		se->hp->done += end - pa; /* nothing to read: counted, not shown */
		group_range(se, pa, order, n, owner, true);
		return;
	}
	err = ki_hash_range_chunks(se->mem, pa, end, cs, hex, chunks, hash_progress, se->hp);
	if (err && err->code == KI_ERR_NODATA && err->has_paddr && err->paddr == pa) {
		ki_error_destroy(err);
		se->missing_blocks += n;
		group_range(se, pa, order, n, owner, true);
		return;
	}
	group_close(se);
	ki_json_begin_object(se->j);
	ki_json_kv_hex(se->j, "start", pa);
	ki_json_kv_hex(se->j, "end", end);
	ki_json_kv_uint(se->j, "order", order);
	ki_json_kv_uint(se->j, "blocks", n);
	ki_json_kv_string(se->j, "owner", owner);
	ki_json_key(se->j, "xxh3");
	if (!err) {
		ki_json_string(se->j, hex);
		ki_json_kv_hex(se->j, "chunk_size", cs);
		ki_json_kv_string(se->j, "chunks_xxh3_64", chunks);
	} else {
		se->partial_ranges++;
		ki_json_null(se->j);
		ki_json_key(se->j, "missing");
		if (err->has_paddr)
			ki_json_hex(se->j, err->paddr);
		else
			ki_json_null(se->j);
		ki_error_destroy(err);
	}
	ki_json_end_object(se->j);
}

/* Ranges go out per order, then by address (the order diff merges in),
 * split where the owner changes. */
static int snap_owned(void *arg, uint64_t pa, unsigned int order, uint64_t n, const char *owner)
{
	snap_piece(arg, pa, order, n, owner);
	return 0;
}

static int snap_run(void *arg, uint64_t pa, unsigned int order, uint64_t n)
{
	struct snap_emit *se = arg;

	/* a range is cut where its owner changes */
	return ki_owners_split_run(se->owners, pa, order, n, se->page_size, snap_owned, se);
}

static void write_incomplete(struct ki_json *j, const struct ki_manifest_lacks *l)
{
	char buf[200];

	ki_json_key(j, "incomplete");
	if (!ki_manifest_lacks_any(l)) {
		ki_json_null(j);
		return;
	}
	ki_json_begin_array(j);
	if (l->map_errors) {
		snprintf(buf, sizeof(buf), "map-errors: the memory map had %zu error finding%s; ranges past them are not listed (see khoinspect verify)",
			 l->map_errors, l->map_errors == 1 ? "" : "s");
		ki_json_string(j, buf);
	}
	if (l->blobs_unread) {
		snprintf(buf, sizeof(buf), "blobs-not-read: %zu sub-blob%s could not be read",
			 l->blobs_unread, l->blobs_unread == 1 ? "" : "s");
		ki_json_string(j, buf);
	}
	if (l->missing_blocks) {
		snprintf(buf, sizeof(buf), "not-in-dump: the contents of %" PRIu64 " block%s are not in the dump",
			 l->missing_blocks, l->missing_blocks == 1 ? "" : "s");
		ki_json_string(j, buf);
	}
	if (l->partial_ranges) {
		snprintf(buf, sizeof(buf), "partly-read: %" PRIu64 " range%s could be read only in part (no hash)",
			 l->partial_ranges, l->partial_ranges == 1 ? "" : "s");
		ki_json_string(j, buf);
	}
	ki_json_end_array(j);
}

static void write_header(struct ki_json *j, const struct ki_manifest_source *src,
			 const struct ki_manifest_write_options *o, struct ki_manifest_lacks *lk)
{
	const struct ki_kho *k = src->k;
	struct ki_dump *d = src->d;
	char hex[KI_HASH_HEX];

	ki_json_begin_object(j);
	ki_json_kv_uint(j, "khoinspect_manifest", KI_MANIFEST_VERSION);
	ki_json_kv_string(j, "generator", o->generator);
	ki_json_key(j, "input");
	ki_json_begin_object(j);
	ki_json_kv_string(j, "path", src->path);
	ki_json_kv_string(j, "container", src->container);
	ki_json_kv_string(j, "arch", d->arch);
	ki_json_kv_uint(j, "page_size", d->page_size);
	ki_json_kv_string(j, "byte_order", d->big_endian ? "big" : "little");
	ki_json_end_object(j);
	ki_json_kv_string(j, "hash", o->hash ? "xxh3-128" : NULL);

	ki_json_key(j, "kho");
	ki_json_begin_object(j);
	ki_json_kv_string(j, "compatible", k->compatible);
	ki_json_key(j, "fdt_phys");
	if (k->has_fdt_phys)
		ki_json_hex(j, k->fdt_phys);
	else
		ki_json_null(j);
	ki_json_kv_hex(j, "fdt_size", k->fdt_size);
	ki_hash_buffer(k->blob, k->fdt_size, hex);
	ki_json_kv_string(j, "fdt_xxh3", hex);
	ki_json_kv_hex(j, "memory_map_phys", k->map_phys);
	ki_json_end_object(j);

	ki_json_key(j, "subnodes");
	ki_json_begin_array(j);
	for (size_t i = 0; i < k->nsubs; i++) {
		const struct ki_subnode *s = &k->subs[i];
		uint64_t size = s->has_size && s->size ? s->size : d->page_size;

		ki_json_begin_object(j);
		ki_json_kv_string(j, "name", s->name);
		ki_json_key(j, "phys");
		if (s->has_phys)
			ki_json_hex(j, s->phys);
		else
			ki_json_null(j);
		ki_json_kv_hex(j, "size", size);
		if (s->has_phys && s->phys + size > s->phys &&
		    !hash_member(j, &d->mem, s->phys, s->phys + size, d->page_size))
			lk->blobs_unread++;
		ki_json_end_object(j);
	}
	ki_json_end_array(j);

	ki_json_key(j, "scratch");
	ki_json_begin_array(j);
	for (size_t i = 0; i < src->nscratch; i++) {
		ki_json_begin_object(j);
		ki_json_kv_hex(j, "start", src->scratch[i].addr);
		ki_json_kv_hex(j, "size", src->scratch[i].size);
		ki_json_kv_string(j, "source", src->scratch_source);
		ki_json_end_object(j);
	}
	ki_json_end_array(j);
}

struct ki_error *ki_manifest_write(FILE *fp, const struct ki_manifest_source *src,
				   const struct ki_manifest_write_options *o,
				   struct ki_manifest_lacks *ret)
{
	struct progress hp = { .fn = o->progress, .arg = o->progress_arg };
	struct ki_owners owners = { 0 };
	struct ki_findings ownf;
	struct ki_error *err;
	struct ki_json *j;
	bool nomem;

	memset(ret, 0, sizeof(*ret));
	ret->map_errors = src->map_errors;
	/* sub-format problems do not affect the manifest: verify reports them */
	ki_findings_init(&ownf);
	err = ki_owners_build(src->d, src->dbg, src->k, src->d->page_size,
			      src->d->big_endian, &ownf, &owners);
	ki_findings_deinit(&ownf);
	if (err)
		return ki_error_set_path(err, src->path);
	j = malloc(sizeof(*j)); /* 64 KiB of buffer: not on the stack */
	if (!j) {
		ki_owners_deinit(&owners);
		return &ki_enomem;
	}
	for (unsigned int i = 0; i < KI_ORDERS; i++)
		hp.total += src->m->blocks[i] * (src->m->page_size << i);

	ki_json_init(j, fp, o->pretty);
	write_header(j, src, o, ret);
	ki_json_key(j, "ranges");
	ki_json_begin_array(j);
	{
		struct snap_emit se = { .j = j, .mem = &src->d->mem, .page_size = src->m->page_size,
					.hash = o->hash, .hp = &hp, .owners = &owners };

		nomem = ki_map_foreach_run(src->m, -1, snap_run, &se) == KI_RUNS_NOMEM;
		group_close(&se);
		ret->missing_blocks = se.missing_blocks;
		ret->partial_ranges = se.partial_ranges;
	}
	ki_json_end_array(j);
	ki_json_key(j, "total");
	ki_json_begin_object(j);
	ki_json_kv_uint(j, "blocks", src->m->total_blocks);
	ki_json_kv_hex(j, "bytes", hp.total);
	ki_json_end_object(j);
	ki_json_kv_uint(j, "map_errors", ret->map_errors);
	/* last, when all is known (version 3): null, or why not complete */
	write_incomplete(j, ret);
	ki_json_end_object(j);
	ki_json_finish(j);
	free(j);
	ki_owners_deinit(&owners);
	if (nomem) /* the ranges stopped early */
		return &ki_enomem;
	if (fflush(fp) || ferror(fp))
		return errno ? ki_error_os(errno, NULL, "writing the manifest failed") :
		       ki_error_create(KI_ERR_OS, "writing the manifest failed");
	return NULL;
}

struct ki_manifest_out {
	char *name;                  /* as the caller named it, for messages */
	FILE *fp;
	char *tmp;                   /* the temporary file, while it exists */
	char *final;                 /* what tmp becomes */
	bool committed;
};

/*
 * Whether path names the same file as one of the inputs (through links,
 * hard links, /proc/self/fd/N: the same device and inode), or lies inside
 * an input that is a directory (a debugfs copy). Writing there would
 * destroy what is being read.
 */
static bool is_an_input(const char *path, const char *const *inputs, size_t n)
{
	struct stat so, si;
	char *dup, *dir, *rdir = NULL, *rin;
	bool same = false;

	if (!stat(path, &so)) {
		for (size_t i = 0; i < n; i++)
			if (inputs[i] && !stat(inputs[i], &si) && si.st_dev == so.st_dev &&
			    si.st_ino == so.st_ino)
				return true;
	}
	dup = strdup(path);
	if (!dup)
		return false;
	dir = dirname(dup);
	rdir = realpath(dir, NULL);
	for (size_t i = 0; rdir && !same && i < n; i++) {
		size_t len;

		if (!inputs[i] || stat(inputs[i], &si) || !S_ISDIR(si.st_mode))
			continue;
		rin = realpath(inputs[i], NULL);
		len = rin ? strlen(rin) : 0;
		same = rin && !strncmp(rdir, rin, len) && (rdir[len] == '/' || !rdir[len]);
		free(rin);
	}
	free(rdir);
	free(dup);
	return same;
}

/* The temporary file beside path (renamed over it when complete). */
static struct ki_error *open_temp(const char *path, char **tmp_ret, FILE **fp_ret)
{
	char *tmp;
	int fd;

	if (asprintf(&tmp, "%s.tmp.XXXXXX", path) < 0)
		return &ki_enomem;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		struct ki_error *err = ki_error_os(errno, path,
				"cannot write the manifest (its temporary file beside it)");

		free(tmp);
		return err;
	}
	*fp_ret = fdopen(fd, "w");
	if (!*fp_ret) {
		struct ki_error *err = ki_error_os(errno, path, "cannot write the manifest");

		close(fd);
		unlink(tmp);
		free(tmp);
		return err;
	}
	/* mkostemp makes it 0600; a manifest is not secret: as a new file */
	{
		mode_t um = umask(0);

		umask(um);
		fchmod(fd, 0666 & ~um);
	}
	*tmp_ret = tmp;
	return NULL;
}

/*
 * A symlink is followed, so the link stays and its target is replaced. A
 * device, FIFO or socket is written directly: renaming over it would
 * replace the node itself, which as root turned /dev/null into a regular
 * file.
 */
static struct ki_error *open_output(struct ki_manifest_out *o, const char *out_path)
{
	char *real = realpath(out_path, NULL);
	struct ki_error *err;
	struct stat st;

	if (real && !stat(real, &st) && !S_ISREG(st.st_mode)) {
		int fd;

		free(real);
		if (S_ISDIR(st.st_mode))
			return ki_error_set_path(ki_error_create(KI_ERR_USAGE,
					"is a directory: give -o a file name"), out_path);
		fd = open(out_path, O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			return ki_error_os(errno, out_path, "cannot write the manifest");
		o->fp = fdopen(fd, "w");
		if (!o->fp) {
			err = ki_error_os(errno, out_path, "cannot write the manifest");
			close(fd);
			return err;
		}
		return NULL;
	}
	if (!real) {
		real = strdup(out_path);
		if (!real)
			return &ki_enomem;
	}
	err = open_temp(real, &o->tmp, &o->fp);
	if (err) {
		free(real);
		return err;
	}
	o->final = real;
	return NULL;
}

struct ki_error *ki_manifest_out_open(const char *path, const char *const *inputs,
				      size_t ninputs, struct ki_manifest_out **ret)
{
	struct ki_manifest_out *o;
	struct ki_error *err;

	*ret = NULL;
	if (is_an_input(path, inputs, ninputs))
		return ki_error_set_path(ki_error_create(KI_ERR_USAGE,
				"the output is one of the inputs: refusing to overwrite what is being read; choose another -o FILE"),
				path);
	o = calloc(1, sizeof(*o));
	if (!o || !(o->name = strdup(path))) {
		free(o);
		return &ki_enomem;
	}
	err = open_output(o, path);
	if (err) {
		ki_manifest_out_destroy(o);
		return err;
	}
	*ret = o;
	return NULL;
}

FILE *ki_manifest_out_file(const struct ki_manifest_out *o)
{
	return o->fp;
}

const char *ki_manifest_out_temp(const struct ki_manifest_out *o)
{
	return o->committed ? NULL : o->tmp;
}

struct ki_error *ki_manifest_out_commit(struct ki_manifest_out *o)
{
	int r = fclose(o->fp);

	o->fp = NULL;
	if (r)
		return ki_error_os(errno, o->name, "writing the manifest failed");
	if (o->tmp && rename(o->tmp, o->final))
		return ki_error_os(errno, o->name, "cannot put the manifest in place");
	o->committed = true;
	return NULL;
}

void ki_manifest_out_destroy(struct ki_manifest_out *o)
{
	if (!o)
		return;
	if (o->fp)
		fclose(o->fp);
	if (o->tmp && !o->committed) /* any failure: no half manifest left behind */
		unlink(o->tmp);
	free(o->tmp);
	free(o->final);
	free(o->name);
	free(o);
}

struct ki_error *ki_manifest_write_path(const char *path, const char *const *inputs,
					size_t ninputs, const struct ki_manifest_source *src,
					const struct ki_manifest_write_options *opts,
					struct ki_manifest_lacks *ret)
{
	struct ki_manifest_out *o;
	struct ki_error *err;

	memset(ret, 0, sizeof(*ret));
	err = ki_manifest_out_open(path, inputs, ninputs, &o);
	if (err)
		return err;
	err = ki_manifest_write(o->fp, src, opts, ret);
	if (err && err != &ki_enomem)
		err = ki_error_set_path(err, path);
	/* an allocation failed on the way: the manifest may lack something
	 * it does not know it lacks; none is put in place */
	if (!err && ki_nomem_seen())
		err = &ki_enomem;
	if (!err)
		err = ki_manifest_out_commit(o);
	ki_manifest_out_destroy(o);
	return err;
}
