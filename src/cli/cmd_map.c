// SPDX-License-Identifier: GPL-2.0-or-later
/* khoinspect map: a picture of physical memory, in a terminal or as SVG. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ki_cli.h"
#include "ki_input.h"
#include "ki_output.h"
#include "ki_owner.h"
#include "ki_physmap.h"

void cmd_map_usage(void)
{
	printf("Usage: khoinspect map [OPTIONS] INPUT\n"
	       "\n"
	       "Draw physical memory: the dump's RAM, excluded pages and holes, the\n"
	       "scratch areas, the preserved blocks (coloured by order or by owner), the\n"
	       "map's own pages, the KHO FDT and its blobs, with a legend and addresses.\n"
	       "Each row is an aligned span of addresses; rows with nothing in them are\n"
	       "left out (a gap line says how much); each cell shows its dominant class,\n"
	       "the hand-over's own pages first, then preserved blocks, so a single\n"
	       "block stays visible in a terabyte map.\n"
	       "\n"
	       "%s\n%s"
	       "Output:\n"
	       "      --by order|owner colour preserved blocks by order (default) or owner\n"
	       "      --svg FILE       write one self-contained SVG picture to FILE instead\n"
	       "                       of drawing in the terminal (- for stdout)\n"
	       "      --rows N         at most N rows (default: 40 in a terminal, 96 in SVG)\n"
	       "  -h, --help           this help\n"
	       KI_GLOBAL_HERE_HELP
	       "\n"
	       "In a terminal the picture is fitted to its width (COLUMNS, else the\n"
	       "terminal's) and coloured (see --color; NO_COLOR); without colour, each\n"
	       "class is a character the legend names. No JSON: -j is a usage error.\n"
	       "\n"
	       "Exit status: 0 drawn; 2 trouble (unreadable input, a map with errors: what\n"
	       "was readable is still drawn).\n", ki_input_kinds_help, ki_input_help);
}

/* One colour per class: the SVG fill, and the terminal's 24-bit colour. */
static const uint32_t palette[KI_PM_CLASSES] = {
	[KI_PM_HOLE] = 0xeeeeee, [KI_PM_EXCLUDED] = 0xb0b0b0, [KI_PM_RAM] = 0xc7e9c0,
	[KI_PM_SCRATCH] = 0xffd84d, [KI_PM_MAP] = 0x000000, [KI_PM_FDT] = 0xe41a1c,
	[KI_PM_BLOB] = 0x984ea3,
	[KI_PM_PRESERVED + 0] = 0x1f77b4, [KI_PM_PRESERVED + 1] = 0xff7f0e,
	[KI_PM_PRESERVED + 2] = 0x2ca02c, [KI_PM_PRESERVED + 3] = 0x8c564b,
	[KI_PM_PRESERVED + 4] = 0xe377c2, [KI_PM_PRESERVED + 5] = 0x17becf,
	[KI_PM_PRESERVED + 6] = 0xbcbd22, [KI_PM_PRESERVED + 7] = 0x7f7f7f,
	[KI_PM_PRESERVED + 8] = 0x393b79, [KI_PM_PRESERVED + 9] = 0x843c39,
	[KI_PM_PRESERVED + 10] = 0x637939, [KI_PM_PRESERVED + 11] = 0x00a0a0,
	[KI_PM_PRESERVED + 12] = 0xe6ab02, [KI_PM_PRESERVED + 13] = 0xa6761d,
	[KI_PM_PRESERVED + 14] = 0x66a61e, [KI_PM_PRESERVED + 15] = 0xf781bf,
};

/* Without colour: a character per class. */
static const char plain_chars[KI_PM_CLASSES + 1] = " :.sMFB0123456789abcdef";

static int hex_digits(uint64_t v)
{
	int n = 1;

	while (v >>= 4)
		n++;
	return n;
}

static uint64_t picture_end(const struct ki_physmap *pm)
{
	uint64_t last = pm->nrows ? pm->rows[pm->nrows - 1] + (pm->row_bytes - 1) : 0;

	return last;
}

static void xml_text(FILE *fp, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<':
			fputs("&lt;", fp);
			break;
		case '>':
			fputs("&gt;", fp);
			break;
		case '&':
			fputs("&amp;", fp);
			break;
		case '"':
			fputs("&quot;", fp);
			break;
		default:
			if ((unsigned char)*s >= 0x20)
				fputc(*s, fp);
		}
	}
}

/* Geometry of the SVG, in pixels. */
enum { CELL_W = 2, CELL_H = 8, ROW_PITCH = 10, GAP_H = 12, TOP = 40, SWATCH = 12 };

static bool shown(const struct ki_physmap *pm, size_t cls)
{
	return cls < pm->nclasses && pm->classes[cls].label[0] &&
	       (cls == KI_PM_HOLE || pm->classes[cls].bytes);
}

void ki_physmap_svg(FILE *fp, const struct ki_physmap *pm, const char *title)
{
	int digits = hex_digits(picture_end(pm));
	int left = 10 + (digits + 2) * 7 + 8;
	int width = left + (int)pm->ncols * CELL_W + 20;
	int y = TOP, legend_rows = 0, height;
	char hb[32], cb[32];

	for (size_t k = 0; k < pm->nclasses; k++)
		legend_rows += shown(pm, k);
	/* first the height: rows, gaps, legend */
	for (size_t r = 0; r < pm->nrows; r++) {
		if (r && pm->rows[r] != pm->rows[r - 1] + pm->row_bytes)
			y += GAP_H;
		y += ROW_PITCH;
	}
	height = y + 24 + legend_rows * (SWATCH + 6) + 10;
	ki_human_size(UINT64_C(1) << pm->cell_shift, cb, sizeof(cb));
	ki_human_size(pm->row_bytes, hb, sizeof(hb));
	fprintf(fp, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"monospace\" font-size=\"11\">\n"
		"<rect width=\"100%%\" height=\"100%%\" fill=\"#ffffff\"/>\n"
		"<text x=\"10\" y=\"18\" font-size=\"13\">", width, height, width, height);
	xml_text(fp, title);
	fprintf(fp, "</text>\n<text x=\"10\" y=\"32\" fill=\"#555555\">one row = %s, one cell = %s; empty rows left out; a cell shows the FDT, blobs, map pages, preserved blocks, scratch, RAM, in that order</text>\n",
		hb, cb);
	y = TOP;
	for (size_t r = 0; r < pm->nrows; r++) {
		const uint8_t *row = &pm->cells[r * pm->ncols];

		if (r && pm->rows[r] != pm->rows[r - 1] + pm->row_bytes) {
			uint64_t gap = pm->rows[r] - (pm->rows[r - 1] + pm->row_bytes);

			ki_human_size(gap, hb, sizeof(hb));
			fprintf(fp, "<text class=\"gap\" x=\"%d\" y=\"%d\" fill=\"#888888\" font-size=\"9\">\xe2\x8b\xaf %s with nothing in it (0x%" PRIx64 "-0x%" PRIx64 ")</text>\n",
				left, y + 8, hb, pm->rows[r - 1] + pm->row_bytes, pm->rows[r]);
			y += GAP_H;
		}
		fprintf(fp, "<g class=\"row\" data-start=\"0x%" PRIx64 "\" data-cell-bytes=\"0x%" PRIx64
			"\" data-x=\"%d\" data-y=\"%d\" data-cell-width=\"%d\" data-height=\"%d\">\n"
			"<text x=\"%d\" y=\"%d\" text-anchor=\"end\" font-size=\"9\">0x%0*" PRIx64 "</text>\n",
			pm->rows[r], UINT64_C(1) << pm->cell_shift, left, y, CELL_W, CELL_H,
			left - 6, y + CELL_H, digits, pm->rows[r]);
		for (size_t c = 0; c < pm->ncols;) {
			size_t e = c;

			while (e < pm->ncols && row[e] == row[c])
				e++;
			fprintf(fp, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#%06x\"/>\n",
				left + (int)c * CELL_W, y, (int)(e - c) * CELL_W, CELL_H, palette[row[c]]);
			c = e;
		}
		fprintf(fp, "</g>\n");
		y += ROW_PITCH;
	}
	y += 16;
	fprintf(fp, "<text x=\"10\" y=\"%d\" font-size=\"12\">legend</text>\n", y);
	y += 8;
	for (size_t k = 0; k < pm->nclasses; k++) {
		if (!shown(pm, k))
			continue;
		fprintf(fp, "<g class=\"legend\"><rect class=\"swatch\" x=\"10\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#%06x\" stroke=\"#666666\" stroke-width=\"0.5\"/>"
			"<text x=\"%d\" y=\"%d\">", y, SWATCH, SWATCH, palette[k], 10 + SWATCH + 8, y + SWATCH - 2);
		xml_text(fp, pm->classes[k].label);
		if (k != KI_PM_HOLE) {
			ki_human_size(pm->classes[k].bytes, hb, sizeof(hb));
			fprintf(fp, " (%s)", hb);
		}
		fprintf(fp, "</text></g>\n");
		y += SWATCH + 6;
	}
	fprintf(fp, "</svg>\n");
}

static void term_cell(FILE *fp, unsigned int cls, bool color)
{
	uint32_t c = palette[cls];

	if (!color)
		fputc(plain_chars[cls], fp);
	else if (cls == KI_PM_HOLE)
		fputs(" ", fp);
	else
		fprintf(fp, "\033[38;2;%u;%u;%um\xe2\x96\x88", c >> 16, (c >> 8) & 0xff, c & 0xff);
}

void ki_physmap_text(FILE *fp, const struct ki_physmap *pm, const char *title, bool color)
{
	int digits = hex_digits(picture_end(pm));
	char hb[32], cb[32];

	ki_human_size(UINT64_C(1) << pm->cell_shift, cb, sizeof(cb));
	ki_human_size(pm->row_bytes, hb, sizeof(hb));
	fprintf(fp, "%s\none row = %s, one cell = %s\n\n", title, hb, cb);
	for (size_t r = 0; r < pm->nrows; r++) {
		const uint8_t *row = &pm->cells[r * pm->ncols];
		int last = -1;

		if (r && pm->rows[r] != pm->rows[r - 1] + pm->row_bytes) {
			ki_human_size(pm->rows[r] - (pm->rows[r - 1] + pm->row_bytes), hb, sizeof(hb));
			fprintf(fp, "%*s  ... %s with nothing in it\n", digits + 2, "", hb);
		}
		fprintf(fp, "0x%0*" PRIx64 " ", digits, pm->rows[r]);
		for (size_t c = 0; c < pm->ncols; c++) {
			uint32_t k = palette[row[c]];

			if (!color) {
				fputc(plain_chars[row[c]], fp);
				continue;
			}
			/* one escape per change of class */
			if (row[c] != last && row[c] == KI_PM_HOLE)
				fputs("\033[0m", fp);
			else if (row[c] != last)
				fprintf(fp, "\033[38;2;%u;%u;%um", k >> 16, (k >> 8) & 0xff, k & 0xff);
			last = row[c];
			fputs(row[c] == KI_PM_HOLE ? " " : "\xe2\x96\x88", fp);
		}
		fputs(color ? "\033[0m\n" : "\n", fp);
	}
	fputs("\nlegend:\n", fp);
	for (size_t k = 0; k < pm->nclasses; k++) {
		if (!shown(pm, k))
			continue;
		fputs("  ", fp);
		if (color && k == KI_PM_HOLE)
			fputs(" ", fp);
		else
			term_cell(fp, (unsigned int)k, color);
		if (color)
			fputs("\033[0m", fp);
		fprintf(fp, " %s", pm->classes[k].label);
		if (k != KI_PM_HOLE) {
			ki_human_size(pm->classes[k].bytes, hb, sizeof(hb));
			fprintf(fp, "  %s", hb);
		}
		fputc('\n', fp);
	}
}

struct map_opts {
	struct ki_input_opts in;
	bool by_owner;
	const char *svg;
	uint64_t rows;
};

static int parse_args(int argc, char **argv, struct map_opts *o)
{
	enum { O_BY = 256, O_SVG, O_ROWS };
	static const struct option opts[] = {
		KI_INPUT_LONGOPTS,
		{ "by", required_argument, NULL, O_BY },
		{ "svg", required_argument, NULL, O_SVG },
		{ "rows", required_argument, NULL, O_ROWS },
		KI_GLOBAL_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	int opt, r;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, KI_GLOBAL_SHORTOPTS, opts, NULL)) != -1) {
		r = ki_input_option("map", opt, optarg, &o->in);
		if (r == 0)
			r = ki_global_option("map", opt, optarg);
		if (r < 0)
			return -1;
		if (r > 0)
			continue;
		switch (opt) {
		case O_BY:
			if (strcmp(optarg, "order") && strcmp(optarg, "owner")) {
				ki_usage_error("map", "--by takes order or owner, not \"%s\"", optarg);
				return -1;
			}
			o->by_owner = !strcmp(optarg, "owner");
			break;
		case O_SVG:
			o->svg = optarg;
			break;
		case O_ROWS:
			if (!ki_parse_u64(optarg, &o->rows) || o->rows < 1 || o->rows > 4096) {
				ki_usage_error("map", "--rows takes a number from 1 to 4096, not \"%s\"", optarg);
				return -1;
			}
			break;
		case 'h':
			cmd_map_usage();
			return 1;
		default:
			ki_option_error("map", opt, argv);
			return -1;
		}
	}
	o->in.input = ki_one_input("map", argc, argv);
	if (!o->in.input)
		return -1;
	if (ki_global.json) {
		/* stdout under -j is one JSON document: this one says why */
		ki_usage_error("map", "no JSON output: map draws a picture (the same facts as JSON: list -j, lookup -j)");
		return -1;
	}
	return 0;
}

/* The picture written to path ("-": stdout); false after a message. */
bool ki_physmap_write_svg(const struct ki_physmap *pm, const char *title, const char *path)
{
	FILE *fp = strcmp(path, "-") ? fopen(path, "w") : stdout;

	if (!fp) {
		fprintf(stderr, "khoinspect: %s: cannot write the SVG: %s\n", path, strerror(errno));
		return false;
	}
	ki_physmap_svg(fp, pm, title);
	if (fp == stdout ? fflush(fp) != 0 || ferror(fp) : fclose(fp) != 0) {
		fprintf(stderr, "khoinspect: %s: writing the SVG failed\n", path);
		return false;
	}
	return true;
}

int cmd_map(int argc, char **argv)
{
	struct map_opts o = { 0 };
	struct ki_handover l = { 0 };
	struct ki_owners owners = { 0 };
	struct ki_findings ownf;
	struct ki_physmap pm = { 0 };
	struct ki_physmap_input pi = { 0 };
	struct ki_error *err;
	char title[512];
	size_t nerr;
	int r, ret = KI_EXIT_OK;

	r = parse_args(argc, argv, &o);
	if (r) {
		free(o.in.scratch);
		return r > 0 ? KI_EXIT_OK : KI_EXIT_TROUBLE;
	}
	ki_findings_init(&ownf);
	err = ki_input_open(&o.in, &l);
	if (err) {
		ret = ki_fail(err, o.in.input);
		goto out;
	}
	if (!l.d) {
		ret = ki_fail(ki_error_create(KI_ERR_USAGE, "map needs memory: give --mem FILE (a dump or /proc/kcore)"),
			      o.in.input);
		goto out;
	}
	if (o.by_owner && l.m) {
		err = ki_owners_build(l.d, l.dbg, l.k, l.d->page_size, l.d->big_endian, &ownf, &owners);
		if (err) {
			ret = ki_fail(err, o.in.input);
			goto out;
		}
		pi.owners = &owners;
	}
	pi.m = l.m;
	pi.mem = &l.d->mem;
	pi.scratch = l.scratch;
	pi.nscratch = l.nscratch;
	pi.k = l.k;
	pi.page_size = l.d->page_size;
	if (o.svg) {
		pi.ncols = 512;
		pi.max_rows = o.rows ? o.rows : 96;
	} else {
		unsigned int cols = ki_term_columns();

		/* "0x" + digits + " ": the widest a 64-bit address takes */
		pi.ncols = cols > 40 ? cols - 20 : 20;
		pi.max_rows = o.rows ? o.rows : 40;
	}
	err = ki_physmap_build(&pi, &pm);
	if (err) {
		ret = ki_fail(err, o.in.input);
		goto out;
	}
	snprintf(title, sizeof(title), "%s: %s, %s, blocks by %s", l.input, l.k->compatible,
		 l.d->container, o.by_owner ? "owner" : "order");
	if (o.svg) {
		if (!ki_physmap_write_svg(&pm, title, o.svg))
			ret = KI_EXIT_TROUBLE;
	} else {
		ki_physmap_text(stdout, &pm, title, ki_color_on(stdout));
		if (fflush(stdout) || ferror(stdout)) {
			fprintf(stderr, "khoinspect: writing the output failed\n");
			ret = KI_EXIT_TROUBLE;
		}
	}
	nerr = l.d->findings.counts[KI_SEV_ERROR] + l.f.counts[KI_SEV_ERROR];
	if (ki_say_errors(l.input, nerr, "the picture is incomplete", "the hand-over",
			  "`khoinspect verify`"))
		ret = KI_EXIT_TROUBLE;
out:
	ki_physmap_deinit(&pm);
	ki_owners_deinit(&owners);
	ki_findings_deinit(&ownf);
	ki_input_close(&l, &o.in);
	return ret;
}
