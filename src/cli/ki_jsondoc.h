/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The members every command's JSON document shares, written in one place so
 * that they have one shape (schema/ (one .schema.json per command)): the document's start with
 * its schema_version, the "input" object and the "kho" object.
 */
#ifndef KI_JSONDOC_H
#define KI_JSONDOC_H

#include <stdbool.h>

#include "ki_output.h"

struct ki_dump;
struct ki_kho;

/* ki_json_init on stdout (--pretty as given), "{" and "schema_version". */
void ki_json_doc_begin(struct ki_json *j);
/*
 * "input": {path, container, arch, page_size, page_size_source, byte_order,
 * memory}: path as given, container as read ("elf", …, "debugfs", "fdt"),
 * the rest from the memory d (all null when d is NULL; page_size null until
 * decided); memory is the file the memory is read from.
 */
void ki_json_doc_input(struct ki_json *j, const char *path, const char *container,
		       const struct ki_dump *d);
/* "kho": {compatible, fdt_phys, fdt_found_by, memory_map_phys}. */
void ki_json_doc_kho(struct ki_json *j, const struct ki_kho *k, const char *found_by);

#endif
