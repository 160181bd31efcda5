// SPDX-License-Identifier: GPL-2.0-or-later
/* khoinspect lookup: is this address preserved, by whom, and where is it? */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ki_cli.h"
#include "ki_input.h"
#include "ki_lookup.h"
#include "ki_jsondoc.h"
#include "ki_output.h"
#include "ki_owner.h"

void cmd_lookup_usage(void)
{
	printf("Usage: khoinspect [-j|-p] lookup [OPTIONS] INPUT ADDR|START-END|START+SIZE...\n"
	       "       khoinspect [-j|-p] lookup [OPTIONS] INPUT -\n"
	       "\n"
	       "For each address (or range, END exclusive; `-` reads them from stdin, one\n"
	       "a line): whether it is preserved; the block (start, order) and the run of\n"
	       "adjacent blocks that hold it; their owner (as list --owners); whether it\n"
	       "lies in a scratch area, in RAM the dump holds, in a hole or in excluded\n"
	       "pages; the map page (radix leaf, or kho-v1 chunk and bitmap) that records\n"
	       "it; and for an address not preserved, the nearest preserved runs below\n"
	       "and above. All addresses are answered in one pass over the map.\n"
	       "\n"
	       "%s\n%s"
	       "Output:\n"
	       "  -j, --json           one JSON document (schema in khoinspect(1))\n"
	       "  -p, --pretty         indented JSON (implies --json)\n"
	       "  -h, --help           this help\n"
	       KI_GLOBAL_HERE_HELP
	       "\n"
	       "Exit status: 0 every address was answered; 2 trouble: a bad address,\n"
	       "unreadable or unsupported input, or a map with errors (answers from what\n"
	       "was readable are still printed).\n", ki_input_kinds_help, ki_input_help);
}

enum { KI_LOOKUP_BAD_KEPT = 100 };

struct lookup_ctx {
	struct ki_handover *l;
	const struct ki_owners *owners;
	uint64_t *pages;             /* the map's own pages, sorted */
	struct ki_json j;
	bool json;
	size_t answered;
	/* -j: the queries that did not parse, for the document's "errors" */
	char *bad[KI_LOOKUP_BAD_KEPT];
	size_t nbad, nbad_all;
};

/* ADDR, START-END (END exclusive) or START+SIZE into [start, last]. */
static bool parse_query(const char *s, struct ki_lookup *q)
{
	char buf[64], *sep;
	uint64_t a, b;
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	while (n && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	if (!n || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	sep = strpbrk(buf, "-+");
	if (!sep) {
		if (!ki_parse_u64(buf, &a))
			return false;
		q->start = q->last = a;
		return true;
	}
	{
		char op = *sep;

		*sep = '\0';
		if (!ki_parse_u64(buf, &a) || !ki_parse_u64(sep + 1, &b))
			return false;
		if (op == '-') {
			if (b <= a)
				return false;
			q->start = a;
			q->last = b - 1;
		} else {
			if (!b || b - 1 > UINT64_MAX - a)
				return false;
			q->start = a;
			q->last = a + (b - 1);
		}
	}
	return true;
}

static const struct ki_scratch *scratch_of(const struct ki_handover *l, uint64_t pa)
{
	for (size_t i = 0; i < l->nscratch; i++)
		if (pa >= l->scratch[i].addr && pa - l->scratch[i].addr < l->scratch[i].size)
			return &l->scratch[i];
	return NULL;
}

/* Everything a query's answer says besides the runs. */
struct extra {
	const char *owner;
	bool placed;
	struct ki_map_place place;
	uint64_t block, bsize;
	enum ki_mem_class mem;
	uint64_t first_missing;      /* UINT64_MAX: the whole query is stored */
	const struct ki_scratch *scratch;
	bool map_page;
};

static void answer_extra(struct lookup_ctx *c, const struct ki_lookup *q, struct extra *x)
{
	struct ki_map *m = c->l->m;
	uint64_t len = q->last - q->start;

	memset(x, 0, sizeof(*x));
	if (q->cover.valid) {
		unsigned int s = q->cover.order + m->page_shift;

		x->bsize = UINT64_C(1) << s;
		x->block = q->cover.start + (((q->start - q->cover.start) >> s) << s);
		x->placed = ki_map_place_of(m, x->block, q->cover.order, &x->place);
		if (c->owners) {
			x->owner = ki_owner_of(c->owners, x->block);
			if (!x->owner)
				x->owner = "unclaimed";
		}
	}
	x->mem = ki_mem_class_of(&c->l->d->mem, q->start);
	/* the whole range, one byte at a time would be too many for len + 1 */
	x->first_missing = len == UINT64_MAX ? q->start :
		ki_memreader_first_missing(&c->l->d->mem, q->start, len + 1);
	x->scratch = scratch_of(c->l, q->start);
	x->map_page = ki_map_pages_has(c->pages, m->npages, m->page_size, q->start);
}

static void json_run(struct ki_json *j, const char *key, const struct ki_lookup_run *r)
{
	ki_json_key(j, key);
	if (!r->valid) {
		ki_json_null(j);
		return;
	}
	ki_json_begin_object(j);
	ki_json_kv_hex(j, "start", r->start);
	ki_json_key(j, "end");
	if (r->last == UINT64_MAX)
		ki_json_null(j);
	else
		ki_json_hex(j, r->last + 1);
	ki_json_kv_uint(j, "order", r->order);
	ki_json_kv_uint(j, "blocks", r->blocks);
	ki_json_end_object(j);
}

static bool fully(const struct ki_lookup *q)
{
	return q->preserved_bytes == UINT64_MAX ||
	       q->preserved_bytes >= q->last - q->start + 1;
}

static void emit_json(struct lookup_ctx *c, const char *text, const struct ki_lookup *q,
		      const struct extra *x)
{
	struct ki_json *j = &c->j;
	bool whole = fully(q);

	ki_json_begin_object(j);
	ki_json_kv_string(j, "query", text);
	ki_json_kv_hex(j, "start", q->start);
	ki_json_key(j, "end");
	if (q->last == UINT64_MAX)
		ki_json_null(j);
	else
		ki_json_hex(j, q->last + 1);
	ki_json_kv_string(j, "preserved", whole ? "yes" : q->preserved_bytes ? "partly" : "no");
	ki_json_kv_hex(j, "preserved_bytes", q->preserved_bytes);
	ki_json_kv_uint(j, "runs", q->nruns);
	ki_json_key(j, "block");
	if (q->cover.valid) {
		ki_json_begin_object(j);
		ki_json_kv_hex(j, "start", x->block);
		ki_json_kv_uint(j, "order", q->cover.order);
		ki_json_kv_hex(j, "size", x->bsize);
		ki_json_end_object(j);
	} else {
		ki_json_null(j);
	}
	json_run(j, "run", &q->cover);
	ki_json_kv_uint(j, "orders_holding", q->covers);
	ki_json_kv_string(j, "owner", x->owner);
	ki_json_key(j, "map_page");
	if (x->placed) {
		ki_json_begin_object(j);
		ki_json_kv_string(j, "kind", x->place.chunk ? "kho-v1 chunk" : "radix leaf");
		ki_json_kv_hex(j, "page", x->place.chunk ? x->place.chunk :
			       x->place.bitmap & ~(c->l->m->page_size - 1));
		ki_json_kv_hex(j, "bitmap", x->place.bitmap);
		ki_json_kv_uint(j, "bit", x->place.bit);
		ki_json_end_object(j);
	} else {
		ki_json_null(j);
	}
	ki_json_kv_string(j, "memory", ki_mem_class_name(x->mem));
	ki_json_key(j, "first_missing");
	if (x->first_missing == UINT64_MAX)
		ki_json_null(j);
	else
		ki_json_hex(j, x->first_missing);
	ki_json_key(j, "scratch");
	if (x->scratch) {
		ki_json_begin_object(j);
		ki_json_kv_hex(j, "start", x->scratch->addr);
		ki_json_kv_hex(j, "size", x->scratch->size);
		ki_json_end_object(j);
	} else {
		ki_json_null(j);
	}
	ki_json_key(j, "in_map_page");
	ki_json_bool(j, x->map_page);
	json_run(j, "below", whole ? &(struct ki_lookup_run){ 0 } : &q->below);
	json_run(j, "above", whole ? &(struct ki_lookup_run){ 0 } : &q->above);
	ki_json_end_object(j);
}

static void text_run(const struct ki_lookup_run *r, uint64_t page_size)
{
	char hb[32];

	ki_human_size(r->blocks * (page_size << r->order), hb, sizeof(hb));
	printf("0x%" PRIx64 "-0x%" PRIx64 " (order %u, %" PRIu64 " block%s, %s)",
	       r->start, r->last + 1, r->order, r->blocks, r->blocks == 1 ? "" : "s", hb);
}

static void emit_text(struct lookup_ctx *c, const struct ki_lookup *q, const struct extra *x)
{
	const struct ki_map *m = c->l->m;
	bool whole = fully(q);
	char hb[32];

	if (q->start == q->last)
		printf("0x%" PRIx64 "\n", q->start);
	else
		printf("0x%" PRIx64 "-0x%" PRIx64 "\n", q->start, q->last + 1);
	if (q->start == q->last) {
		printf("  preserved:  %s\n", whole ? "yes" : "no");
	} else {
		ki_human_size(q->preserved_bytes, hb, sizeof(hb));
		printf("  preserved:  %s (%s in %" PRIu64 " run%s)\n",
		       whole ? "yes" : q->preserved_bytes ? "partly" : "no", hb, q->nruns,
		       q->nruns == 1 ? "" : "s");
	}
	if (q->cover.valid) {
		ki_human_size(x->bsize, hb, sizeof(hb));
		printf("  block:      0x%" PRIx64 " order %u (%s)%s\n", x->block, q->cover.order, hb,
		       q->covers > 1 ? "; blocks of other orders hold it too (overlap)" : "");
		printf("  run:        ");
		text_run(&q->cover, m->page_size);
		printf("\n");
		if (x->owner)
			printf("  owner:      %s\n", x->owner);
		if (x->placed && x->place.chunk)
			printf("  map page:   kho-v1 chunk 0x%" PRIx64 ", bitmap 0x%" PRIx64 " bit %" PRIu64 "\n",
			       x->place.chunk, x->place.bitmap, x->place.bit);
		else if (x->placed)
			printf("  map page:   radix leaf 0x%" PRIx64 " bit %" PRIu64 "\n",
			       x->place.bitmap, x->place.bit);
	}
	printf("  memory:     %s", x->mem == KI_MEM_RAM ? "in the dump" :
	       x->mem == KI_MEM_EXCLUDED ? "excluded from the dump (a segment describes it)" :
	       "a hole (no segment describes it)");
	if (x->mem == KI_MEM_RAM && x->first_missing != UINT64_MAX)
		printf("; not held from 0x%" PRIx64, x->first_missing);
	printf("\n");
	if (x->scratch)
		printf("  scratch:    0x%" PRIx64 "-0x%" PRIx64 "\n", x->scratch->addr,
		       x->scratch->addr + x->scratch->size);
	else if (c->l->nscratch)
		printf("  scratch:    no\n");
	if (x->map_page)
		printf("  map itself: one of the map's own pages\n");
	if (!whole) {
		printf("  below:      ");
		if (q->below.valid)
			text_run(&q->below, m->page_size);
		else
			printf("none");
		printf("\n  above:      ");
		if (q->above.valid)
			text_run(&q->above, m->page_size);
		else
			printf("none");
		printf("\n");
	}
}

/* Answer a batch and print it in input order. */
static int answer_batch(struct lookup_ctx *c, struct ki_lookup *q, char **texts, size_t n)
{
	struct ki_error *err = ki_lookup_runs(c->l->m, q, n);

	if (err)
		return ki_fail(err, c->l->input);
	for (size_t i = 0; i < n; i++) {
		struct extra x;

		answer_extra(c, &q[i], &x);
		if (c->json)
			emit_json(c, texts[i], &q[i], &x);
		else
			emit_text(c, &q[i], &x);
		c->answered++;
	}
	return KI_EXIT_OK;
}

struct batch {
	struct ki_lookup *q;
	char **texts;
	size_t n;
};

static void batch_clear(struct batch *b)
{
	for (size_t i = 0; i < b->n; i++)
		free(b->texts[i]);
	b->n = 0;
}

/* Add one query; false (after a message) when it does not parse. */
static bool batch_add(struct lookup_ctx *c, struct batch *b, const char *s, const char *where)
{
	struct ki_lookup *q = &b->q[b->n];
	char msg[256];

	if (!parse_query(s, q)) {
		snprintf(msg, sizeof(msg), "%s: \"%.*s\" is not an address, START-END (END above START) or START+SIZE (SIZE above 0); 0x… hex or decimal",
			 where, (int)strcspn(s, "\r\n") > 60 ? 60 : (int)strcspn(s, "\r\n"), s);
		fprintf(stderr, "khoinspect: lookup: %s\n", msg);
		c->nbad_all++;
		if (c->json && c->nbad < KI_LOOKUP_BAD_KEPT && (c->bad[c->nbad] = strdup(msg)))
			c->nbad++;
		return false;
	}
	b->texts[b->n] = strndup(s, strcspn(s, "\r\n"));
	if (!b->texts[b->n])
		return false;
	b->n++;
	return true;
}

static int run_queries(struct lookup_ctx *c, char **args, size_t nargs, bool from_stdin)
{
	struct batch b = { 0 };
	char *line = NULL, where[64];
	size_t cap = 0, lineno = 0;
	bool bad = false;
	int ret = KI_EXIT_OK;

	b.q = malloc(KI_LOOKUP_BATCH * sizeof(*b.q));
	b.texts = malloc(KI_LOOKUP_BATCH * sizeof(*b.texts));
	if (!b.q || !b.texts) {
		ret = ki_fail(&ki_enomem, c->l->input);
		goto out;
	}
	for (size_t i = 0; i < nargs && !from_stdin; i++) {
		snprintf(where, sizeof(where), "argument %zu", i + 1);
		if (!batch_add(c, &b, args[i], where))
			bad = true;
		if (b.n == KI_LOOKUP_BATCH) {
			ret |= answer_batch(c, b.q, b.texts, b.n);
			batch_clear(&b);
		}
	}
	while (from_stdin && getline(&line, &cap, stdin) > 0) {
		lineno++;
		if (line[strspn(line, " \t\r\n")] == '\0' || line[strspn(line, " \t")] == '#')
			continue;
		snprintf(where, sizeof(where), "stdin line %zu", lineno);
		if (!batch_add(c, &b, line, where))
			bad = true;
		if (b.n == KI_LOOKUP_BATCH) {
			ret |= answer_batch(c, b.q, b.texts, b.n);
			batch_clear(&b);
		}
	}
	if (from_stdin && ferror(stdin)) {
		fprintf(stderr, "khoinspect: lookup: reading stdin failed\n");
		bad = true;
	}
	if (b.n)
		ret |= answer_batch(c, b.q, b.texts, b.n);
out:
	batch_clear(&b);
	free(b.q);
	free(b.texts);
	free(line);
	return bad ? KI_EXIT_TROUBLE : ret;
}

/* The queries that did not parse, as the document's usage errors (their
 * message went to stderr too; the others were answered). */
static void json_bad_queries(struct lookup_ctx *c)
{
	char more[96];

	ki_json_key(&c->j, "errors");
	ki_json_begin_array(&c->j);
	for (size_t i = 0; i <= c->nbad; i++) {
		const char *msg = c->bad[i];

		if (i == c->nbad) {
			if (c->nbad_all == c->nbad)
				break;
			snprintf(more, sizeof(more), "%zu more queries did not parse (see standard error)",
				 c->nbad_all - c->nbad);
			msg = more;
		}
		ki_json_begin_object(&c->j);
		ki_json_kv_string(&c->j, "code", "usage");
		ki_json_kv_string(&c->j, "path", NULL);
		ki_json_kv_string(&c->j, "command", "lookup");
		ki_json_kv_string(&c->j, "message", msg);
		ki_json_kv_string(&c->j, "phys", NULL);
		ki_json_end_object(&c->j);
	}
	ki_json_end_array(&c->j);
}

static int parse_args(int argc, char **argv, struct ki_input_opts *in)
{
	static const struct option opts[] = {
		KI_INPUT_LONGOPTS,
		KI_GLOBAL_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	int opt, r;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, KI_GLOBAL_SHORTOPTS, opts, NULL)) != -1) {
		r = ki_input_option("lookup", opt, optarg, in);
		if (r == 0)
			r = ki_global_option("lookup", opt, optarg);
		if (r < 0)
			return -1;
		if (r > 0)
			continue;
		if (opt == 'h') {
			cmd_lookup_usage();
			return 1;
		}
		ki_option_error("lookup", opt, argv);
		return -1;
	}
	if (argc - optind < 2) {
		ki_usage_error("lookup", optind >= argc ? "no INPUT given" :
			       "no address given (ADDR, START-END, START+SIZE, or - for stdin)");
		return -1;
	}
	in->input = argv[optind];
	return 0;
}

int cmd_lookup(int argc, char **argv)
{
	struct ki_input_opts o = { 0 };
	struct ki_handover l = { 0 };
	struct ki_owners owners = { 0 };
	struct ki_findings ownf;
	const struct ki_findings *fs[3];
	struct lookup_ctx c = { 0 };
	struct ki_error *err;
	char **args;
	size_t nargs, nerr;
	bool from_stdin;
	int r, ret = KI_EXIT_OK;

	r = parse_args(argc, argv, &o);
	if (r) {
		free(o.scratch);
		return r > 0 ? KI_EXIT_OK : KI_EXIT_TROUBLE;
	}
	args = argv + optind + 1;
	nargs = (size_t)(argc - optind - 1);
	from_stdin = nargs == 1 && !strcmp(args[0], "-");
	ki_findings_init(&ownf);
	err = ki_input_open(&o, &l);
	if (err) {
		ret = ki_fail(err, o.input);
		goto out;
	}
	if (!l.d || !l.m) {
		err = ki_error_create(KI_ERR_USAGE, "lookup needs the memory the map lives in: %s",
				      l.d ? "this hand-over has no map to walk" :
				      "give --mem FILE (a dump or /proc/kcore)");
		ret = ki_fail(err, o.input);
		goto out;
	}
	err = ki_owners_build(l.d, l.dbg, l.k, l.d->page_size, l.d->big_endian, &ownf, &owners);
	if (!err)
		err = ki_map_pages_sorted(l.m, &c.pages);
	if (err) {
		ret = ki_fail(err, o.input);
		goto out;
	}
	c.l = &l;
	c.owners = &owners;
	c.json = ki_global.json;
	fs[0] = &l.d->findings;
	fs[1] = &l.f;
	fs[2] = &ownf;
	if (c.json) {
		ki_json_doc_begin(&c.j);
		ki_json_doc_input(&c.j, l.input, l.container, l.d);
		ki_json_doc_kho(&c.j, l.k, l.found_by);
		ki_json_key(&c.j, "lookups");
		ki_json_begin_array(&c.j);
	}
	ret = run_queries(&c, args, nargs, from_stdin);
	if (c.json) {
		ki_json_end_array(&c.j);
		if (c.nbad_all)
			json_bad_queries(&c);
		ki_json_findings(&c.j, fs, 3);
		ki_json_end_object(&c.j);
		ki_json_finish(&c.j);
	}
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "khoinspect: writing the output failed\n");
		ret = KI_EXIT_TROUBLE;
	}
	nerr = fs[0]->counts[KI_SEV_ERROR] + fs[1]->counts[KI_SEV_ERROR];
	if (ki_say_errors(l.input, nerr, "the answers may be incomplete", "the hand-over's map",
			  "`khoinspect verify`"))
		ret = KI_EXIT_TROUBLE;
out:
	for (size_t i = 0; i < c.nbad; i++)
		free(c.bad[i]);
	free(c.pages);
	ki_owners_deinit(&owners);
	ki_findings_deinit(&ownf);
	ki_input_close(&l, &o);
	return ret;
}
