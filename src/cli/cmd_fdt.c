// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * khoinspect fdt: the KHO FDT as a tree, KHO-aware: native u64 properties
 * as addresses (in the dump? preserved?), strings as strings, and each
 * child's blob followed and decoded inline (nested FDTs, kexec-metadata),
 * from memory (a debugfs copy's sub_fdts/ without memory; the two are
 * cross-checked).
 */
#include <getopt.h>
#include <inttypes.h>
#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ki_cli.h"
#include "ki_input.h"
#include "ki_jsondoc.h"
#include "ki_output.h"
#include "ki_sub.h"

void cmd_fdt_usage(void)
{
	printf("Usage: khoinspect [-j|-p] fdt [OPTIONS] INPUT\n"
	       "\n"
	       "Print the KHO FDT of INPUT as a tree, like `dtc -O dts` but KHO-aware:\n"
	       "native-endian u64 properties (preserved-memory-map, preserved-data,\n"
	       "blob-size, fdt, start, size, ...) as numbers, addresses with whether the\n"
	       "dump holds them and whether a preserved block covers them; strings as\n"
	       "strings; each child's blob followed and decoded inline: nested FDTs\n"
	       "recursively, then what its sub-format decoder finds with every pointer\n"
	       "followed (memblock-v1 regions, kexec-metadata, LUO luo-v1/luo-v5 sessions\n"
	       "and files, memfd-v1/v2 folios, vmalloc areas, block chains, kho-test-v1;\n"
	       "arrays cut at 32 elements), problems as \"! severity id: ...\" lines;\n"
	       "others as size and a hex preview. Blobs come from memory at the address\n"
	       "the FDT names, else from a debugfs copy's sub_fdts/; a difference\n"
	       "between the two is a warning naming the blob.\n"
	       "\n"
	       "%s\n%s"
	       "Output:\n"
	       "      --raw            property values as plain hex bytes\n"
	       "  -j, --json           the same tree as one JSON document\n"
	       "  -p, --pretty         indented JSON (implies --json)\n"
	       "  -h, --help           this help\n"
	       KI_GLOBAL_HERE_HELP
	       "\n"
	       "Exit status: 0 shown; 2 trouble.\n", ki_input_kinds_help, ki_input_help);
}

enum { MAX_DEPTH = 6, MAX_BLOB = 1 << 20, PREVIEW = 32 };

struct fdt_ctx {
	struct ki_handover *in;
	bool raw, json, be;
	struct ki_json j;
	/* preserved memory as runs, for "preserved?" (read once, lazily) */
	uint64_t *runs;     /* start, end pairs */
	size_t nruns, cap;
	bool runs_read;
};

static const char *const U64_PROPS[] = {
	"preserved-memory-map", "preserved-data", "blob-size", "fdt", "start",
	"size", "liveupdate-number", "luo-session-header", "luo-flb-header",
	"luo-abi-header",
};

static bool is_u64_prop(const char *name, int len)
{
	if (len != 8)
		return false;
	for (size_t i = 0; i < sizeof(U64_PROPS) / sizeof(U64_PROPS[0]); i++)
		if (!strcmp(name, U64_PROPS[i]))
			return true;
	return false;
}

static bool is_address_prop(const char *name)
{
	return strcmp(name, "blob-size") && strcmp(name, "size") &&
	       strcmp(name, "liveupdate-number");
}

static int collect_run(void *arg, uint64_t pa, unsigned int order, uint64_t n)
{
	struct fdt_ctx *c = arg;

	if (c->nruns + 2 > c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 1024;
		void *p = reallocarray(c->runs, cap, sizeof(*c->runs));

		if (!p) {
			ki_nomem_note();
			return -1;
		}
		c->runs = p;
		c->cap = cap;
	}
	c->runs[c->nruns++] = pa;
	c->runs[c->nruns++] = pa + n * (c->in->m->page_size << order);
	return 0;
}

/* 1 preserved, 0 not, -1 unknown (no map) */
static int preserved(struct fdt_ctx *c, uint64_t pa)
{
	if (!c->in->m)
		return -1;
	if (!c->runs_read) {
		c->runs_read = true;
		ki_map_foreach_run(c->in->m, -1, collect_run, c);
	}
	for (size_t i = 0; i + 1 < c->nruns; i += 2)
		if (pa >= c->runs[i] && pa < c->runs[i + 1])
			return 1;
	return 0;
}

static uint64_t native64(const struct fdt_ctx *c, const void *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return c->be ? be64toh(v) : le64toh(v);
}

static bool printable_strings(const char *v, int len)
{
	if (len <= 0 || v[len - 1] != '\0')
		return false;
	for (int i = 0; i < len - 1; i++)
		if (v[i] && ((unsigned char)v[i] < 0x20 || (unsigned char)v[i] >= 0x7f))
			return false;
	return v[0] != '\0';
}

/* "key": true / false, or null when unknown (v < 0) */
static void json_tristate(struct ki_json *j, const char *key, int v)
{
	ki_json_key(j, key);
	if (v < 0)
		ki_json_null(j);
	else
		ki_json_bool(j, v);
}

static void indent(int depth)
{
	for (int i = 0; i < depth; i++)
		fputs("  ", stdout);
}

static void hex_text(const unsigned char *p, size_t n, size_t max)
{
	printf("[");
	for (size_t i = 0; i < n && i < max; i++)
		printf("%s%02x", i ? " " : "", p[i]);
	printf("%s]", n > max ? " ..." : "");
}

static void hex_json(struct ki_json *j, const unsigned char *p, size_t n, size_t max)
{
	char *s = malloc(2 * (n < max ? n : max) + 1);

	if (!s) {
		ki_nomem_note();
		ki_json_null(j);
		return;
	}
	for (size_t i = 0; i < n && i < max; i++)
		snprintf(s + 2 * i, 3, "%02x", p[i]);
	s[2 * (n < max ? n : max)] = '\0';
	ki_json_string(j, s);
	free(s);
}

static void show_node(struct fdt_ctx *c, const void *blob, int node, int depth,
		      const char *where);

/* ---- the decoded view of a sub-format: a sink printing text or JSON ---- */

enum { SINK_DEPTH = 16 };

struct view {
	struct fdt_ctx *c;
	int depth;                       /* text indentation */
	int level;                       /* nesting in stack */
	const char *keys[SINK_DEPTH];    /* array keys, for "<key>_total" */
	uint64_t index[SINK_DEPTH];      /* next element of an open array */
	bool in_array[SINK_DEPTH];
};

static void v_open(void *arg, const char *key)
{
	struct view *v = arg;

	if (v->c->json) {
		if (key)
			ki_json_key(&v->c->j, key);
		ki_json_begin_object(&v->c->j);
	} else {
		indent(v->depth);
		if (key)
			printf("%s {\n", key);
		else
			printf("[%" PRIu64 "] {\n", v->level > 0 ? v->index[v->level - 1] : 0);
	}
	if (!key && v->level > 0)
		v->index[v->level - 1]++;
	if (v->level < SINK_DEPTH) {
		v->in_array[v->level] = false;
		v->level++;
	}
	v->depth++;
}

static void v_close(void *arg)
{
	struct view *v = arg;

	if (v->level > 0)
		v->level--;
	v->depth--;
	if (v->c->json) {
		ki_json_end_object(&v->c->j);
	} else {
		indent(v->depth);
		printf("}\n");
	}
}

static void v_array(void *arg, const char *key)
{
	struct view *v = arg;

	if (v->c->json) {
		ki_json_key(&v->c->j, key);
		ki_json_begin_array(&v->c->j);
	} else {
		indent(v->depth);
		printf("%s [\n", key);
	}
	if (v->level < SINK_DEPTH) {
		v->keys[v->level] = key;
		v->index[v->level] = 0;
		v->in_array[v->level] = true;
		v->level++;
	}
	v->depth++;
}

static void v_array_end(void *arg, uint64_t total, uint64_t shown)
{
	struct view *v = arg;
	const char *key = "";

	if (v->level > 0)
		key = v->keys[--v->level];
	v->depth--;
	if (v->c->json) {
		char k[80];

		ki_json_end_array(&v->c->j);
		snprintf(k, sizeof(k), "%s_total", key);
		ki_json_kv_uint(&v->c->j, k, total);
	} else {
		if (total > shown) {
			indent(v->depth + 1);
			printf("... %" PRIu64 " more not shown (%" PRIu64 " in all)\n", total - shown, total);
		}
		indent(v->depth);
		printf("]\n");
	}
}

static void v_num(void *arg, const char *key, uint64_t x)
{
	struct view *v = arg;

	if (v->c->json) {
		ki_json_kv_uint(&v->c->j, key, x);
		return;
	}
	indent(v->depth);
	printf("%s = %" PRIu64 "\n", key, x);
}

static void v_hex(void *arg, const char *key, uint64_t x)
{
	struct view *v = arg;

	if (v->c->json) {
		ki_json_kv_hex(&v->c->j, key, x);
		return;
	}
	indent(v->depth);
	printf("%s = 0x%" PRIx64 "\n", key, x);
}

static void v_addr(void *arg, const char *key, uint64_t pa)
{
	struct view *v = arg;
	struct fdt_ctx *c = v->c;
	int pres = pa ? preserved(c, pa) : -1;
	int indump = pa && c->in->d ? ki_memreader_contains(&c->in->d->mem, pa, 1) : -1;

	if (c->json) {
		ki_json_key(&c->j, key);
		ki_json_begin_object(&c->j);
		ki_json_kv_hex(&c->j, "phys", pa);
		json_tristate(&c->j, "in_dump", indump);
		json_tristate(&c->j, "preserved", pres);
		ki_json_end_object(&c->j);
		return;
	}
	indent(v->depth);
	if (!pa)
		printf("%s = 0x0\n", key);
	else
		printf("%s = 0x%" PRIx64 "  (in dump: %s, preserved: %s)\n", key, pa,
		       indump < 0 ? "?" : indump ? "yes" : "no",
		       pres < 0 ? "? (no memory)" : pres ? "yes" : "no");
}

static void v_str(void *arg, const char *key, const char *str)
{
	struct view *v = arg;

	if (v->c->json) {
		ki_json_kv_string(&v->c->j, key, str);
		return;
	}
	indent(v->depth);
	printf("%s = \"%s\"\n", key, str);
}

static const struct ki_sub_sink VIEW_SINK = {
	.open = v_open, .close = v_close, .array = v_array, .array_end = v_array_end,
	.num = v_num, .hex = v_hex, .addr = v_addr, .str = v_str,
};

static struct ki_sub_ctx sub_ctx(struct fdt_ctx *c, struct ki_findings *f, struct view *v)
{
	return (struct ki_sub_ctx){
		.d = c->in->d,
		.ps = c->in->d ? c->in->d->page_size : c->in->m ? c->in->m->page_size : 4096,
		.be = c->be,
		.f = f,
		.sink = v ? &VIEW_SINK : NULL,
		.arg = v,
	};
}

/* The fields a format's decoder shows, then the problems it found. */
static void show_decoded(struct fdt_ctx *c, const struct ki_subformat *fmt, const char *name,
			 bool has_phys, uint64_t phys, const unsigned char *blob, size_t len,
			 int depth)
{
	struct view v = { .c = c, .depth = depth };
	struct ki_findings f;
	struct ki_sub_ctx sc;

	ki_findings_init(&f);
	sc = sub_ctx(c, &f, &v);
	if (c->json) {
		ki_json_key(&c->j, "decoded");
		ki_json_begin_object(&c->j);
	}
	fmt->decode(&sc, name, phys, has_phys, blob, len);
	if (c->json) {
		const struct ki_findings *fs[1] = { &f };

		ki_json_end_object(&c->j);
		ki_json_findings(&c->j, fs, 1);
	} else {
		for (size_t i = 0; i < f.n; i++) {
			indent(depth);
			printf("! %s %s: %s\n", ki_severity_name(f.items[i].severity), f.items[i].id,
			       f.items[i].message);
		}
	}
	ki_findings_deinit(&f);
}

static bool fdt_ok(const void *blob, size_t len)
{
	struct ki_error *err = ki_fdt_check(blob, len);

	ki_error_destroy(err);
	return !err;
}

static void show_blob(struct fdt_ctx *c, const void *parent, int node, int depth)
{
	const char *name = fdt_get_name(parent, node, NULL);
	int lp, ls;
	const void *pp = fdt_getprop(parent, node, "preserved-data", &lp);
	const void *ps = fdt_getprop(parent, node, "blob-size", &ls);
	uint64_t phys = 0, size = 0;
	bool has_phys = false;
	unsigned char *blob;
	size_t len = 0;
	char src[256] = "";
	const struct ki_subformat *fmt;
	struct ki_sub_ctx sc = sub_ctx(c, NULL, NULL);
	struct ki_subnode sn;
	struct ki_findings ff;

	if (!pp)
		pp = fdt_getprop(parent, node, "fdt", &lp);
	if (pp && lp == 8) {
		phys = native64(c, pp);
		has_phys = true;
	}
	if (ps && ls == 8)
		size = native64(c, ps);
	else if (c->in->d)
		size = c->in->d->page_size;
	sn = (struct ki_subnode){ .name = (char *)(uintptr_t)(name ? name : ""), .has_phys = has_phys,
				  .phys = phys, .has_size = ps && ls == 8, .size = size };
	ki_findings_init(&ff);
	blob = ki_sub_fetch(c->in->d, c->in->dbg, &sn, sc.ps, &ff, &len, src, sizeof(src));
	for (size_t i = 0; i < ff.n && !c->json; i++) {
		indent(depth);
		printf("! %s %s: %s\n", ki_severity_name(ff.items[i].severity), ff.items[i].id,
		       ff.items[i].message);
	}
	if (!blob) {
		ki_findings_deinit(&ff);
		if (c->json) {
			ki_json_key(&c->j, "blob");
			ki_json_null(&c->j);
		} else if (has_phys) {
			indent(depth);
			printf("blob: not available (%s)\n", src[0] ? src : "no memory: give --mem");
		}
		return;
	}
	if (c->json) {
		ki_json_key(&c->j, "blob");
		ki_json_begin_object(&c->j);
		ki_json_kv_string(&c->j, "source", src);
		ki_json_kv_uint(&c->j, "bytes", len);
		if (ff.n)
			ki_json_kv_string(&c->j, "source_warning", ff.items[0].message);
	} else {
		indent(depth);
		printf("blob: %zu bytes from %s", len, src);
	}
	fmt = ki_sub_find(&sc, name ? name : "", blob, len);
	if (len >= 40 && !memcmp(blob, "\xd0\x0d\xfe\xed", 4) && depth < 2 * MAX_DEPTH &&
	    fdt_ok(blob, len)) {
		/* a nested FDT: show its tree (aligned copy already: malloc) */
		if (!c->json)
			printf(", an FDT%s%s%s:\n", fmt ? " (" : "", fmt ? fmt->id : "", fmt ? ")" : "");
		if (c->json) {
			ki_json_kv_string(&c->j, "kind", "fdt");
			ki_json_kv_string(&c->j, "format", fmt ? fmt->id : NULL);
			ki_json_key(&c->j, "tree");
		}
		show_node(c, blob, 0, depth + 1, src);
	} else if (!fmt) {
		if (c->json) {
			ki_json_kv_string(&c->j, "kind", "unknown");
			ki_json_kv_string(&c->j, "format", NULL);
			ki_json_key(&c->j, "preview");
			hex_json(&c->j, blob, len, PREVIEW);
		} else {
			printf(": ");
			hex_text(blob, len, PREVIEW);
			printf("\n");
		}
	} else if (c->json) {
		ki_json_kv_string(&c->j, "kind", "struct");
		ki_json_kv_string(&c->j, "format", fmt->id);
	} else {
		printf(", %s:\n", fmt->id);
	}
	if (fmt && !c->json && !memcmp(blob, "\xd0\x0d\xfe\xed", 4)) {
		indent(depth + 1);
		printf("decoded as %s {\n", fmt->id);
		show_decoded(c, fmt, name ? name : "", has_phys, phys, blob, len, depth + 2);
		indent(depth + 1);
		printf("}\n");
	} else if (fmt) {
		show_decoded(c, fmt, name ? name : "", has_phys, phys, blob, len, depth + 1);
	}
	if (c->json)
		ki_json_end_object(&c->j);
	free(blob);
	ki_findings_deinit(&ff);
}

static void show_prop(struct fdt_ctx *c, const char *name, const void *v, int len,
		      int depth)
{
	bool u64 = !c->raw && is_u64_prop(name, len);
	bool str = !c->raw && !u64 && printable_strings(v, len);
	uint64_t x = u64 ? native64(c, v) : 0;
	bool addr = u64 && is_address_prop(name) && x;
	int pres = addr ? preserved(c, x) : -1;
	int indump = addr && c->in->d ? ki_memreader_contains(&c->in->d->mem, x, 1) : -1;

	if (c->json) {
		ki_json_begin_object(&c->j);
		ki_json_kv_string(&c->j, "name", name);
		if (u64) {
			ki_json_kv_hex(&c->j, "u64", x);
		} else if (str) {
			ki_json_kv_string(&c->j, "string", v);
			if (strlen(v) + 1 < (size_t)len) {
				/* a string list: every string, as the text shows them */
				ki_json_key(&c->j, "strings");
				ki_json_begin_array(&c->j);
				for (int i = 0; i < len - 1; i += (int)strlen((const char *)v + i) + 1)
					ki_json_string(&c->j, (const char *)v + i);
				ki_json_end_array(&c->j);
			}
		} else {
			ki_json_key(&c->j, "hex");
			hex_json(&c->j, v, (size_t)len, 4096);
		}
		if (addr) {
			json_tristate(&c->j, "in_dump", indump);
			json_tristate(&c->j, "preserved", pres);
		}
		ki_json_end_object(&c->j);
		return;
	}
	indent(depth);
	printf("%s = ", name);
	if (u64 && addr) {
		printf("0x%" PRIx64 "  (in dump: %s, preserved: %s)\n", x,
		       indump < 0 ? "?" : indump ? "yes" : "no",
		       pres < 0 ? "? (no memory)" : pres ? "yes" : "no");
	} else if (u64) {
		printf("0x%" PRIx64 " (%" PRIu64 ")\n", x, x);
	} else if (str) {
		for (int i = 0; i < len - 1; i += (int)strlen((const char *)v + i) + 1)
			printf("%s\"%s\"", i ? ", " : "", (const char *)v + i);
		printf("\n");
	} else {
		hex_text(v, (size_t)len, 4096);
		printf("\n");
	}
}

static void show_node(struct fdt_ctx *c, const void *blob, int node, int depth,
		      const char *where)
{
	const char *name = fdt_get_name(blob, node, NULL);
	int prop, child, nchild = 0;

	if (c->json) {
		ki_json_begin_object(&c->j);
		ki_json_kv_string(&c->j, "name", name && *name ? name : "/");
		ki_json_key(&c->j, "properties");
		ki_json_begin_array(&c->j);
	} else {
		indent(depth);
		printf("%s {", name && *name ? name : "/");
		if (node == 0 && where)
			printf("  // %s", where);
		printf("\n");
	}
	fdt_for_each_property_offset(prop, blob, node) {
		const char *pname;
		int len;
		const void *v = fdt_getprop_by_offset(blob, prop, &pname, &len);

		if (v && pname)
			show_prop(c, pname, v, len, depth + 1);
	}
	if (c->json) {
		ki_json_end_array(&c->j);
		ki_json_key(&c->j, "children");
		ki_json_begin_array(&c->j);
	}
	fdt_for_each_subnode(child, blob, node) {
		if (++nchild > 4096 || depth >= 2 * MAX_DEPTH)
			break;
		show_node(c, blob, child, depth + 1, NULL);
	}
	if (c->json)
		ki_json_end_array(&c->j);
	/* a child of the root KHO FDT points at its blob */
	if (node != 0 && (fdt_getprop(blob, node, "preserved-data", NULL) ||
			  fdt_getprop(blob, node, "fdt", NULL)))
		show_blob(c, blob, node, depth + 1);
	if (c->json) {
		ki_json_end_object(&c->j);
	} else {
		indent(depth);
		printf("}\n");
	}
}

int cmd_fdt(int argc, char **argv)
{
	enum { O_RAW = 256 };
	static const struct option opts[] = {
		KI_INPUT_LONGOPTS,
		{ "raw", no_argument, NULL, O_RAW },
		KI_GLOBAL_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct ki_input_opts o = { 0 };
	struct ki_handover in;
	struct fdt_ctx c = { 0 };
	struct ki_error *err;
	int opt, r, ret = KI_EXIT_OK;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, KI_GLOBAL_SHORTOPTS, opts, NULL)) != -1) {
		r = ki_input_option("fdt", opt, optarg, &o);
		if (r < 0)
			goto usage;
		if (r == 0)
			r = ki_global_option("fdt", opt, optarg);
		if (r < 0)
			goto usage;
		if (r > 0)
			continue;
		switch (opt) {
		case O_RAW:
			c.raw = true;
			break;
		case 'h':
			cmd_fdt_usage();
			free(o.scratch);
			return KI_EXIT_OK;
		default:
			ki_option_error("fdt", opt, argv);
			goto usage;
		}
	}
	o.input = ki_one_input("fdt", argc, argv);
	if (!o.input)
		goto usage;
	err = ki_input_open(&o, &in);
	if (err && err->code == KI_ERR_UNSUPPORTED && in.k) {
		/* an unknown map format: the FDT itself can still be shown */
		ki_error_destroy(err);
		err = NULL;
	}
	if (err) {
		ret = ki_fail(err, o.input);
		goto out;
	}
	c.in = &in;
	c.json = ki_global.json;
	c.be = in.d ? in.d->big_endian : __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__;
	if (c.json) {
		ki_json_doc_begin(&c.j);
		ki_json_doc_input(&c.j, in.input, in.container, in.d);
		ki_json_doc_kho(&c.j, in.k, in.found_by);
		ki_json_key(&c.j, "tree");
		show_node(&c, in.k->blob, 0, 0, NULL);
		ki_json_end_object(&c.j);
		ki_json_finish(&c.j);
	} else {
		char where[160];

		if (in.k->has_fdt_phys)
			snprintf(where, sizeof(where), "KHO FDT at 0x%" PRIx64 ", %u bytes, found by %s",
				 in.k->fdt_phys, in.k->fdt_size, in.found_by);
		else
			snprintf(where, sizeof(where), "KHO FDT from %s, %u bytes", in.found_by,
				 in.k->fdt_size);
		show_node(&c, in.k->blob, 0, 0, where);
	}
	if (fflush(stdout) || ferror(stdout))
		ret = KI_EXIT_TROUBLE;
out:
	free(c.runs);
	ki_input_close(&in, &o);
	return ret;
usage:
	free(o.scratch);
	return KI_EXIT_TROUBLE;
}
