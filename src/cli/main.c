// SPDX-License-Identifier: GPL-2.0-or-later
/* khoinspect: global options and the command table. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ki_cli.h"

/* The Makefile passes `git describe --always --dirty` when it builds from a
 * git tree; a build from a tarball names the version only. */
#ifdef KI_GIT_DESCRIBE
#define KI_VERSION_LINE "khoinspect " KI_VERSION " (git " KI_GIT_DESCRIBE ")"
#else
#define KI_VERSION_LINE "khoinspect " KI_VERSION
#endif

static void help_usage(void);

static int cmd_help(int argc, char **argv);

static const struct ki_command commands[] = {
	{ "list", cmd_list, "list the preserved memory of a KHO hand-over, per order", cmd_list_usage },
	{ "verify", cmd_verify, "check a hand-over's invariants; findings by severity", cmd_verify_usage },
	{ "snapshot", cmd_snapshot, "write a manifest (ranges, content hashes) of a hand-over", cmd_snapshot_usage },
	{ "diff", cmd_diff, "compare two hand-overs (inputs or manifests), per order", cmd_diff_usage },
	{ "fdt", cmd_fdt, "show the KHO FDT as a tree, blobs decoded inline", cmd_fdt_usage },
	{ "locate", cmd_locate, "find every KHO FDT in a dump and rank them", cmd_locate_usage },
	{ "map", cmd_map, "draw physical memory: RAM, holes, scratch, preserved blocks", cmd_map_usage },
	{ "lookup", cmd_lookup, "is an address preserved, by whom, and where it lies", cmd_lookup_usage },
	{ "help", cmd_help, "show help for a command", help_usage },
};

static const size_t ncommands = sizeof(commands) / sizeof(commands[0]);

static void main_usage(FILE *fp)
{
	fprintf(fp,
		"Usage: khoinspect [-j|--json] [-p|--pretty] [-q|--quiet] [-v|--verbose]\n"
		"                  [--color=auto|never|always] COMMAND [OPTIONS] INPUT\n"
		"       khoinspect help COMMAND\n"
		"       khoinspect -V|--version\n"
		"\n"
		"Inspect Linux Kexec HandOver (KHO) state in memory dumps.\n"
		"\n"
		"Commands:\n");
	for (size_t i = 0; i < ncommands; i++)
		fprintf(fp, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(fp,
		"\n"
		"Global options (before or after COMMAND):\n"
		"  -j, --json       print one JSON document on stdout\n"
		"  -p, --pretty     indent the JSON (implies --json)\n"
		"  -q, --quiet      no progress or warnings on stderr\n"
		"  -v, --verbose    say more (verify: info findings; diff: notes)\n"
		"      --color=WHEN auto (on a terminal, unless NO_COLOR), never or always\n"
		"  -h, --help       this help\n"
		"  -V, --version    print the version\n"
		"\n"
		"Environment: KHOINSPECT_THREADS=1 keeps list and diff to one thread (2: a\n"
		"helper thread always; default: one on large maps when there are 2+ CPUs).\n"
		"\n"
		"Exit status: 0 ok, 1 findings (verify) or differences (diff), 2 trouble.\n"
		"See khoinspect(1) and `khoinspect help COMMAND`.\n");
}

static void help_usage(void)
{
	printf("Usage: khoinspect help [COMMAND]\n\n"
	       "Print the help of COMMAND (the same text as `khoinspect COMMAND --help`).\n");
}

static const struct ki_command *find_command(const char *name)
{
	for (size_t i = 0; i < ncommands; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static int cmd_help(int argc, char **argv)
{
	const struct ki_command *c;

	if (argc < 2) {
		main_usage(stdout);
		return KI_EXIT_OK;
	}
	if (argc > 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		help_usage();
		return argc > 2 ? KI_EXIT_TROUBLE : KI_EXIT_OK;
	}
	c = find_command(argv[1]);
	if (!c) {
		fprintf(stderr, "khoinspect: help: no command \"%s\"; see `khoinspect --help`\n",
			argv[1]);
		return KI_EXIT_TROUBLE;
	}
	c->usage();
	return KI_EXIT_OK;
}

/*
 * -j anywhere before "--" (before or after the command): known before any
 * option is parsed, so that a usage error met first is a JSON document
 * too. (Not -p: snapshot -p only indents its manifest.) An option value
 * that looks like it is not told apart: a dump named -j goes after "--".
 */
static void prescan_json(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--json") ||
		    (a[0] == '-' && a[1] && a[1] != '-' &&
		     strspn(a + 1, "jpqv") == strlen(a + 1) && strchr(a + 1, 'j')))
			ki_global.json = true;
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		KI_GLOBAL_LONGOPTS,
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const struct ki_command *c;
	int opt, r, ret;

	/* Block-buffered output: listings can be millions of lines. */
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	prescan_json(argc, argv);
	/* '+': stop at the command name; the commands take the global options too.
	 * ':': a missing argument is told from an unknown option. */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+" KI_GLOBAL_SHORTOPTS "V", opts, NULL)) != -1) {
		r = ki_global_option(NULL, opt, optarg);
		if (r < 0)
			return KI_EXIT_TROUBLE;
		if (r > 0)
			continue;
		switch (opt) {
		case 'h':
			main_usage(stdout);
			return KI_EXIT_OK;
		case 'V':
			puts(KI_VERSION_LINE);
			return KI_EXIT_OK;
		default:
			ki_option_error(NULL, opt, argv);
			return KI_EXIT_TROUBLE;
		}
	}
	if (optind >= argc) {
		if (ki_global.json) {
			ki_usage_error(NULL, "no COMMAND given");
			return KI_EXIT_TROUBLE;
		}
		main_usage(stderr);
		return KI_EXIT_TROUBLE;
	}
	c = find_command(argv[optind]);
	if (!c) {
		char names[256] = "";

		for (size_t i = 0; i < ncommands; i++)
			snprintf(names + strlen(names), sizeof(names) - strlen(names), " %s",
				 commands[i].name);
		ki_usage_error(NULL, "no command \"%s\"; commands are:%s", argv[optind], names);
		return KI_EXIT_TROUBLE;
	}
	argc -= optind;
	argv += optind;
	optind = 0; /* reset getopt for the command (GNU: 0 reinitialises) */
	ret = c->fn(argc, argv);
	/* An allocation failed and the command could not say so: whatever
	 * it printed may lack something; never let that pass as complete. */
	if (ki_nomem_seen() && !ki_nomem_said()) {
		fflush(stdout);
		fprintf(stderr, "khoinspect: out of memory: the output above may be incomplete\n");
		ret = KI_EXIT_TROUBLE;
	}
	return ret;
}
