// SPDX-License-Identifier: GPL-2.0-or-later
/* Colour and terminal width for the text renderings (--color, NO_COLOR). */
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "ki_cli.h"

bool ki_color_on(FILE *fp)
{
	const char *no = getenv("NO_COLOR");

	switch (ki_global.color) {
	case KI_COLOR_ALWAYS:
		return true;
	case KI_COLOR_NEVER:
		return false;
	default:
		/* https://no-color.org: present and not empty disables it */
		if (no && *no)
			return false;
		return isatty(fileno(fp)) == 1;
	}
}

unsigned int ki_term_columns(void)
{
	const char *c = getenv("COLUMNS");
	struct winsize ws;
	uint64_t v;

	if (c && ki_parse_u64(c, &v) && v >= 20 && v <= 4096)
		return (unsigned int)v;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
		return ws.ws_col;
	return 80;
}

const char *ki_paint(bool on, enum ki_paint what)
{
	static const char *const sgr[] = {
		[KI_PAINT_OFF] = "\033[0m",
		[KI_PAINT_ERROR] = "\033[1;31m",
		[KI_PAINT_WARNING] = "\033[1;33m",
		[KI_PAINT_OK] = "\033[1;32m",
		[KI_PAINT_DEL] = "\033[31m",
		[KI_PAINT_ADD] = "\033[32m",
		[KI_PAINT_CHANGE] = "\033[33m",
		[KI_PAINT_HEAD] = "\033[36m",
	};

	return on ? sgr[what] : "";
}
