// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What main and every command share (ki_cli.h): the global options, the
 * one error path that knows about JSON, usage errors, number parsing.
 * Below the commands and main: it calls neither.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ki_cli.h"
#include "ki_json.h"

struct ki_global ki_global = { .progname = "khoinspect" };

/* An "out of memory" error has been printed. */
static bool nomem_said;

bool ki_nomem_said(void)
{
	return nomem_said;
}

enum ki_threads ki_threads_env(void)
{
	const char *env = getenv("KHOINSPECT_THREADS");

	if (!env || !*env)
		return KI_THREADS_AUTO;
	return env[0] == '2' && !env[1] ? KI_THREADS_TWO : KI_THREADS_ONE;
}

bool ki_parse_u64(const char *s, uint64_t *ret)
{
	const char *digits = s;
	char *end;
	unsigned long long v;
	int base = 10;

	if (!s)
		return false;
	/* 0x… is hex, anything else decimal (never octal: 010 is ten) */
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		digits = s + 2;
		base = 16;
	}
	if (!*digits || *digits == '-' || *digits == '+' || *digits == ' ')
		return false;
	errno = 0;
	v = strtoull(digits, &end, base);
	if (errno || *end)
		return false;
	*ret = v;
	return true;
}

void ki_print_error(const struct ki_error *err, const char *fallback_path)
{
	const char *path = err->path ? err->path : fallback_path;

	if (err->code == KI_ERR_NOMEM)
		nomem_said = true;
	if (path)
		fprintf(stderr, "khoinspect: %s: %s\n", path, err->message);
	else
		fprintf(stderr, "khoinspect: %s\n", err->message);
}

/*
 * An error as the whole JSON document (-j), so stdout stays one valid
 * document: {"schema_version", "errors": [{"code", "path", ["command",]
 * "message", "phys"}]}. A usage error names the command (null: the global
 * command line); other errors have no "command".
 */
static void json_error_doc(enum ki_error_code code, const char *path, bool usage,
			   const char *cmd, const char *message, const uint64_t *phys)
{
	struct ki_json j;

	ki_json_init(&j, stdout, ki_global.pretty);
	ki_json_begin_object(&j);
	ki_json_kv_uint(&j, "schema_version", KI_JSON_SCHEMA_VERSION);
	ki_json_key(&j, "errors");
	ki_json_begin_array(&j);
	ki_json_begin_object(&j);
	ki_json_kv_string(&j, "code", ki_error_code_name(code));
	ki_json_kv_string(&j, "path", path);
	if (usage)
		ki_json_kv_string(&j, "command", cmd);
	ki_json_kv_string(&j, "message", message);
	ki_json_key(&j, "phys");
	if (phys)
		ki_json_hex(&j, *phys);
	else
		ki_json_null(&j);
	ki_json_end_object(&j);
	ki_json_end_array(&j);
	ki_json_end_object(&j);
	ki_json_finish(&j);
}

int ki_fail(struct ki_error *err, const char *path)
{
	ki_print_error(err, path);
	if (ki_global.json)
		json_error_doc(err->code, err->path ? err->path : path, false, NULL, err->message,
			       err->has_paddr ? &err->paddr : NULL);
	ki_error_destroy(err);
	return KI_EXIT_TROUBLE;
}

bool ki_say_errors(const char *input, size_t nerr, const char *what, const char *where,
		   const char *see)
{
	if (!nerr)
		return false;
	fprintf(stderr, "khoinspect: %s: %s: %zu error%s in %s (see %s)\n", input, what, nerr,
		nerr == 1 ? "" : "s", where, see);
	return true;
}

/* cmd NULL: an error of the global command line. */
static void usage_error_v(const char *cmd, const char *fmt, va_list ap)
{
	char msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (cmd)
		fprintf(stderr, "khoinspect: %s: %s\nTry `khoinspect %s --help`.\n", cmd, msg, cmd);
	else
		fprintf(stderr, "khoinspect: %s\nTry `khoinspect --help`.\n", msg);
	if (ki_global.json)
		json_error_doc(KI_ERR_USAGE, NULL, true, cmd, msg, NULL);
}

void ki_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	usage_error_v(cmd, fmt, ap);
	va_end(ap);
}

/* cmd NULL: an option of the global command line. */
void ki_option_error(const char *cmd, int opt, char *const *argv)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "";
	int len = (int)strcspn(arg, "=");
	bool is_long = !strncmp(arg, "--", 2);

	if (opt == ':' && is_long)
		ki_usage_error(cmd, "`%.*s` needs an argument", len, arg);
	else if (opt == ':')
		ki_usage_error(cmd, "`-%c` needs an argument", optopt);
	else if (is_long)
		ki_usage_error(cmd, "unknown option `%.*s`", len, arg);
	else
		ki_usage_error(cmd, "unknown option `-%c`", optopt);
}

int ki_global_option(const char *cmd, int opt, const char *arg)
{
	switch (opt) {
	case 'j':
		ki_global.json = true;
		return 1;
	case 'p':
		ki_global.json = ki_global.pretty = true;
		return 1;
	case 'q':
		ki_global.quiet = true;
		return 1;
	case 'v':
		ki_global.verbose++;
		return 1;
	case KI_OPT_COLOR:
		if (strcmp(arg, "auto") && strcmp(arg, "never") && strcmp(arg, "always")) {
			ki_usage_error(cmd, "--color takes auto, never or always, not \"%s\"", arg);
			return -1;
		}
		ki_global.color = !strcmp(arg, "always") ? KI_COLOR_ALWAYS :
				  !strcmp(arg, "never") ? KI_COLOR_NEVER : KI_COLOR_AUTO;
		return 1;
	default:
		return 0;
	}
}

const char *ki_one_input(const char *cmd, int argc, char *const *argv)
{
	if (optind == argc - 1)
		return argv[optind];
	ki_usage_error(cmd, optind >= argc ? "no INPUT given" : "only one INPUT, got %d",
		       argc - optind);
	return NULL;
}
