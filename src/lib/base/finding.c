// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ki_error.h"
#include "ki_finding.h"

void ki_findings_init(struct ki_findings *f)
{
	memset(f, 0, sizeof(*f));
}

void ki_findings_deinit(struct ki_findings *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->items[i].message);
	free(f->items);
	memset(f, 0, sizeof(*f));
}

void ki_findings_add(struct ki_findings *f, enum ki_severity sev,
		     const char *id, bool has_paddr, uint64_t paddr,
		     const char *fmt, ...)
{
	struct ki_finding *it;
	char *msg = NULL;
	va_list ap;
	int r;

	f->counts[sev]++;
	if (f->n >= KI_FINDINGS_MAX)
		goto drop;
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 8;
		void *p = reallocarray(f->items, cap, sizeof(*f->items));

		if (!p)
			goto nomem;
		f->items = p;
		f->cap = cap;
	}
	va_start(ap, fmt);
	r = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (r < 0)
		goto nomem;
	it = &f->items[f->n++];
	it->id = id;
	it->severity = sev;
	it->has_paddr = has_paddr;
	it->paddr = paddr;
	it->message = msg;
	return;
nomem:
	/* the listing would silently lack this finding */
	ki_nomem_note();
drop:
	f->dropped++;
}

void ki_findings_move(struct ki_findings *to, struct ki_findings *from)
{
	size_t kept[3] = { 0 };

	for (size_t i = 0; i < from->n; i++) {
		const struct ki_finding *x = &from->items[i];

		kept[x->severity]++;
		ki_findings_add(to, x->severity, x->id, x->has_paddr, x->paddr, "%s", x->message);
	}
	/* those from dropped: dropped and counted here too */
	to->dropped += from->dropped;
	for (int s = 0; s < 3; s++)
		to->counts[s] += from->counts[s] - kept[s];
	ki_findings_deinit(from);
}

const char *ki_severity_name(enum ki_severity sev)
{
	switch (sev) {
	case KI_SEV_INFO: return "info";
	case KI_SEV_WARNING: return "warning";
	case KI_SEV_ERROR: return "error";
	}
	return "unknown";
}
