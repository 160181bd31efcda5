// SPDX-License-Identifier: GPL-2.0-or-later
/* The members every JSON document shares (ki_jsondoc.h). */
#include "ki_cli.h"
#include "ki_dump.h"
#include "ki_fdt.h"
#include "ki_jsondoc.h"

static void hex_or_null(struct ki_json *j, const char *key, bool has, uint64_t v)
{
	ki_json_key(j, key);
	if (has)
		ki_json_hex(j, v);
	else
		ki_json_null(j);
}

void ki_json_doc_begin(struct ki_json *j)
{
	ki_json_init(j, stdout, ki_global.pretty);
	ki_json_begin_object(j);
	ki_json_kv_uint(j, "schema_version", KI_JSON_SCHEMA_VERSION);
}

void ki_json_doc_input(struct ki_json *j, const char *path, const char *container,
		       const struct ki_dump *d)
{
	bool ps = d && d->page_size;

	ki_json_key(j, "input");
	ki_json_begin_object(j);
	ki_json_kv_string(j, "path", path);
	ki_json_kv_string(j, "container", container);
	ki_json_kv_string(j, "arch", d ? d->arch : NULL);
	ki_json_key(j, "page_size");
	if (ps)
		ki_json_uint(j, d->page_size);
	else
		ki_json_null(j);
	ki_json_kv_string(j, "page_size_source", ps ? d->page_size_source : NULL);
	ki_json_kv_string(j, "byte_order", d ? (d->big_endian ? "big" : "little") : NULL);
	ki_json_kv_string(j, "memory", d ? d->path : NULL);
	ki_json_end_object(j);
}

void ki_json_doc_kho(struct ki_json *j, const struct ki_kho *k, const char *found_by)
{
	ki_json_key(j, "kho");
	ki_json_begin_object(j);
	ki_json_kv_string(j, "compatible", k->compatible);
	hex_or_null(j, "fdt_phys", k->has_fdt_phys, k->fdt_phys);
	ki_json_kv_string(j, "fdt_found_by", found_by);
	hex_or_null(j, "memory_map_phys", k->has_map, k->map_phys);
	ki_json_end_object(j);
}
