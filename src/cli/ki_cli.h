/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by main (src/cli/main.c) and the commands (src/cli/cmd_*.c). */
#ifndef KI_CLI_H
#define KI_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ki_error.h"
#include "ki_pipe.h"

#define KI_VERSION "0.1.0"

enum { KI_EXIT_OK = 0, KI_EXIT_FINDINGS = 1, KI_EXIT_TROUBLE = 2 };

enum ki_color_when { KI_COLOR_AUTO, KI_COLOR_NEVER, KI_COLOR_ALWAYS };

struct ki_global {
	bool json;
	bool pretty;
	bool quiet;
	int verbose;
	const char *progname;
	enum ki_color_when color;  /* --color */
};

extern struct ki_global ki_global;

struct ki_command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
	void (*usage)(void);      /* prints the command's help to stdout */
};

int cmd_list(int argc, char **argv);
void cmd_list_usage(void);
int cmd_locate(int argc, char **argv);
void cmd_verify_usage(void);
int cmd_snapshot(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_fdt(int argc, char **argv);
void cmd_fdt_usage(void);
void cmd_diff_usage(void);
void cmd_snapshot_usage(void);
int cmd_verify(int argc, char **argv);
void cmd_locate_usage(void);
int cmd_lookup(int argc, char **argv);
void cmd_lookup_usage(void);
int cmd_map(int argc, char **argv);
void cmd_map_usage(void);

/* Whether to colour what goes to fp: --color=always, or auto (the default)
 * on a terminal when NO_COLOR is unset or empty (src/color.c). */
bool ki_color_on(FILE *fp);
/* SGR escapes for text output, "" when on is false (ki_color_on). */
enum ki_paint {
	KI_PAINT_OFF, KI_PAINT_ERROR, KI_PAINT_WARNING, KI_PAINT_OK,
	KI_PAINT_DEL, KI_PAINT_ADD, KI_PAINT_CHANGE, KI_PAINT_HEAD,
};
const char *ki_paint(bool on, enum ki_paint what);
/* Columns of the terminal on stdout: COLUMNS, else TIOCGWINSZ, else 80. */
unsigned int ki_term_columns(void);

struct ki_physmap;
/* The picture of src/cmd_map.c: as SVG (to a file, "-": stdout; false
 * after a message), and as terminal text. */
bool ki_physmap_write_svg(const struct ki_physmap *pm, const char *title, const char *path);
void ki_physmap_svg(FILE *fp, const struct ki_physmap *pm, const char *title);
void ki_physmap_text(FILE *fp, const struct ki_physmap *pm, const char *title, bool color);

/* The rest is src/cli/common.c, below main and the commands. */

/* Report a fatal error (stderr; in JSON mode also as the whole document),
 * destroy it and return KI_EXIT_TROUBLE. */
int ki_fail(struct ki_error *err, const char *path);
/*
 * When nerr > 0: "khoinspect: INPUT: WHAT: N error(s) in WHERE (see SEE)"
 * on stderr, and true: the command's result is then incomplete (exit 2).
 */
bool ki_say_errors(const char *input, size_t nerr, const char *what, const char *where,
		   const char *see);

/* Parse an address or size: 0x… hex or decimal, whole string, no sign. */
bool ki_parse_u64(const char *s, uint64_t *ret);
/* "khoinspect: <path>: <message>" (path from the error, or fallback). */
void ki_print_error(const struct ki_error *err, const char *fallback_path);
/* Whether an "out of memory" error was printed (ki_print_error, ki_fail). */
bool ki_nomem_said(void);
/* KHOINSPECT_THREADS: 1 never a helper thread, 2 always, else (unset,
 * empty) on large jobs with two CPUs or more. */
enum ki_threads ki_threads_env(void);
/* "khoinspect: CMD: message" (CMD NULL: none) and a --help hint on stderr; under -j also
 * the whole JSON document ({"errors": [{"code": "usage", …}]}). */
void ki_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* getopt_long (optstring starting with ':') returned opt ('?' or ':') for
 * argv[optind - 1]: "`--base` needs an argument" or "unknown option
 * `--x`", as ki_usage_error (cmd NULL: the global options). */
void ki_option_error(const char *cmd, int opt, char *const *argv);

/*
 * The global options, taken before the command name or after it: every
 * command splices these into its getopt table (its own rows first) and
 * its short options after KI_GLOBAL_SHORTOPTS; -h is each one's help.
 */
enum { KI_OPT_COLOR = 299 };
#define KI_GLOBAL_SHORTOPTS ":jpqvh"
#define KI_GLOBAL_LONGOPTS \
	{ "json", no_argument, NULL, 'j' }, \
	{ "pretty", no_argument, NULL, 'p' }, \
	{ "quiet", no_argument, NULL, 'q' }, \
	{ "verbose", no_argument, NULL, 'v' }, \
	{ "color", required_argument, NULL, KI_OPT_COLOR }, \
	{ "help", no_argument, NULL, 'h' }
/* The line of each command's --help that says so (tools/completion.sh
 * reads it: the command's completion offers them too). */
#define KI_GLOBAL_HERE_HELP \
	"Also here: the global options -q, -v and --color (khoinspect --help).\n"
/* 1 if opt was one of them but -h (handled: ki_global set), 0 if not, -1
 * after a usage error (cmd NULL: before the command). */
int ki_global_option(const char *cmd, int opt, const char *arg);
/* The one INPUT after a command's options (argv[optind]), or NULL after
 * the usage error "no INPUT given" / "only one INPUT, got N". */
const char *ki_one_input(const char *cmd, int argc, char *const *argv);

#endif
