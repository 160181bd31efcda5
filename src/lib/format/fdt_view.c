// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The KHO root FDT. Every blob comes from an untrusted dump: it is copied
 * into an aligned buffer and checked with fdt_check_full() before any other
 * libfdt call. KHO's own u64 properties are native-endian (the dump's byte
 * order), not FDT big-endian cells.
 */
#include <endian.h>
#include <inttypes.h>
#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ki_fdt.h"

static uint32_t rd_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

bool ki_fdt_header_decode(const void *buf, struct ki_fdt_header *ret)
{
	const unsigned char *p = buf;

	ret->magic = rd_be32(p);
	ret->totalsize = rd_be32(p + 4);
	ret->off_dt_struct = rd_be32(p + 8);
	ret->off_dt_strings = rd_be32(p + 12);
	ret->off_mem_rsvmap = rd_be32(p + 16);
	ret->version = rd_be32(p + 20);
	ret->last_comp_version = rd_be32(p + 24);
	ret->size_dt_strings = rd_be32(p + 32);
	ret->size_dt_struct = rd_be32(p + 36);
	return ret->magic == FDT_MAGIC;
}

bool ki_fdt_header_plausible(const struct ki_fdt_header *h, uint32_t max_size)
{
	return h->magic == FDT_MAGIC && h->version >= 16 && h->version <= 32 &&
	       h->last_comp_version <= 17 && h->totalsize >= 40 &&
	       h->totalsize <= max_size && h->off_dt_struct < h->totalsize &&
	       h->off_dt_strings <= h->totalsize;
}

static const char *fdt_reason(int e)
{
	switch (-e) {
	case FDT_ERR_TRUNCATED: return "structure runs past the end of the blob";
	case FDT_ERR_BADMAGIC: return "bad magic";
	case FDT_ERR_BADVERSION: return "unsupported FDT version";
	case FDT_ERR_BADSTRUCTURE: return "malformed structure block";
	case FDT_ERR_BADLAYOUT: return "blocks overlap or are out of order";
	case FDT_ERR_BADOFFSET: return "a header offset points outside the blob";
	case FDT_ERR_BADSTATE: return "blob is incomplete (sequential write not finished)";
	case FDT_ERR_ALIGNMENT: return "misaligned blob";
	case FDT_ERR_BADNCELLS: return "bad #address-cells or #size-cells";
	case FDT_ERR_INTERNAL: return "internal libfdt error";
	default: break;
	}
	return fdt_strerror(e);
}

struct ki_error *ki_fdt_check(const void *blob, size_t len)
{
	struct ki_fdt_header h;
	int r;

	if (len < 40)
		return ki_error_create(KI_ERR_TRUNCATED,
				       "FDT: only %zu bytes, the header alone needs 40",
				       len);
	if (!ki_fdt_header_decode(blob, &h))
		return ki_error_create(KI_ERR_FORMAT,
				       "FDT: bad magic 0x%08x (expected 0xd00dfeed)",
				       h.magic);
	if (h.totalsize > len)
		return ki_error_create(KI_ERR_TRUNCATED,
				       "FDT: header totalsize 0x%x but only 0x%zx bytes available",
				       h.totalsize, len);
	/*
	 * KHO FDTs are version 17 (libfdt's sequential writer). libfdt 1.6.1's
	 * fdt_check_full() dereferences NULL on some version-2 blobs (found by
	 * fuzzing), so old versions are refused before it sees them.
	 */
	if (h.version < 16 || h.last_comp_version > 17)
		return ki_error_create(KI_ERR_UNSUPPORTED,
				       "FDT: version %u (last compatible %u); KHO FDTs are version 17",
				       h.version, h.last_comp_version);
	r = fdt_check_full(blob, h.totalsize);
	if (r)
		return ki_error_create(KI_ERR_CORRUPT, "FDT: %s (libfdt error %d)",
				       fdt_reason(r), -r);
	return NULL;
}

struct ki_error *ki_fdt_load(struct ki_dump *d, uint64_t paddr,
			     uint32_t max_size, void **blob_ret,
			     uint32_t *size_ret)
{
	unsigned char hdr[40];
	struct ki_fdt_header h;
	struct ki_error *err;
	void *blob;

	err = ki_memreader_read(&d->mem, paddr, hdr, sizeof(hdr));
	if (err)
		return ki_error_prefix(err, "FDT header at paddr 0x%" PRIx64, paddr);
	if (!ki_fdt_header_decode(hdr, &h))
		return ki_error_set_paddr(ki_error_create(KI_ERR_FORMAT,
				"FDT at paddr 0x%" PRIx64 ": bad magic 0x%08x (expected 0xd00dfeed); is this the right address?",
				paddr, h.magic), paddr);
	if (h.totalsize < 40 || h.totalsize > max_size)
		return ki_error_set_paddr(ki_error_create(KI_ERR_CORRUPT,
				"FDT at paddr 0x%" PRIx64 ": header totalsize 0x%x is outside 0x28..0x%x (a KHO FDT fits in one page)",
				paddr, h.totalsize, max_size), paddr);
	blob = aligned_alloc(8, (h.totalsize + 7u) & ~7u);
	if (!blob)
		return &ki_enomem;
	err = ki_memreader_read(&d->mem, paddr, blob, h.totalsize);
	if (err) {
		free(blob);
		return ki_error_prefix(err, "FDT at paddr 0x%" PRIx64 " (0x%x bytes)",
				       paddr, h.totalsize);
	}
	err = ki_fdt_check(blob, h.totalsize);
	if (err) {
		free(blob);
		return ki_error_set_paddr(ki_error_prefix(err, "paddr 0x%" PRIx64, paddr),
					  paddr);
	}
	*blob_ret = blob;
	*size_ret = h.totalsize;
	return NULL;
}

/* A property value that is a NUL-terminated string within its length. */
static const char *prop_string(const void *blob, int node, const char *name)
{
	int len;
	const char *v = fdt_getprop(blob, node, name, &len);

	if (!v || len <= 0 || v[len - 1] != '\0' || strlen(v) + 1 != (size_t)len)
		return NULL;
	return v;
}

const char *ki_fdt_root_compatible(const void *blob)
{
	return prop_string(blob, 0, "compatible");
}

enum ki_kho_format ki_kho_format_from_family(const char *family)
{
	if (!strcmp(family, "kho-v1"))
		return KI_KHO_V1;
	if (!strcmp(family, "kho-v2"))
		return KI_KHO_V2;
	if (!strcmp(family, "kho-v3"))
		return KI_KHO_V3;
	if (!strcmp(family, "kho-v4"))
		return KI_KHO_V4;
	return KI_KHO_UNKNOWN;
}

const char *ki_kho_known_formats(void)
{
	return "kho-v1, kho-v2, kho-v3, kho-v4";
}

/* Read a KHO native u64 property; *present tells whether it exists. */
static bool prop_u64(bool big_endian, const void *blob, int node,
		     const char *name, uint64_t *ret, int *len_ret)
{
	const void *v = fdt_getprop(blob, node, name, len_ret);
	uint64_t x;

	if (!v)
		return false;
	if (*len_ret != 8)
		return false;
	memcpy(&x, v, 8);
	*ret = big_endian ? be64toh(x) : le64toh(x);
	return true;
}

static void read_child(bool be, struct ki_kho *k, int node,
		       struct ki_subnode *s, struct ki_findings *f)
{
	static const char *const ptr_props[] = { "preserved-data", "fdt" };
	const char *want = k->format == KI_KHO_V1 ? "fdt" : "preserved-data";
	int len;

	for (size_t i = 0; i < 2; i++) {
		if (!fdt_getprop(k->blob, node, ptr_props[i], &len))
			continue;
		s->ptr_prop = ptr_props[i];
		if (!prop_u64(be, k->blob, node, ptr_props[i], &s->phys, &len)) {
			ki_findings_add(f, KI_SEV_ERROR, "prop-length", k->has_fdt_phys, k->fdt_phys,
					"KHO FDT at %s: node \"%s\" property \"%s\" is %d bytes, expected 8",
					k->where, s->name, ptr_props[i], len);
		} else {
			s->has_phys = true;
		}
		break;
	}
	if (!s->ptr_prop)
		ki_findings_add(f, KI_SEV_ERROR, "subnode-no-pointer", k->has_fdt_phys, k->fdt_phys,
				"KHO FDT at %s: node \"%s\" has no \"%s\" property; its data cannot be found (a half-added node, as kho_add_subtree() left before 9ec953298948, looks like this)",
				k->where, s->name, want);
	else if (k->format != KI_KHO_UNKNOWN && strcmp(s->ptr_prop, want))
		ki_findings_add(f, KI_SEV_WARNING, "subnode-pointer-name", k->has_fdt_phys, k->fdt_phys,
				"KHO FDT at %s: node \"%s\" uses \"%s\", but %s uses \"%s\"",
				k->where, s->name, s->ptr_prop, k->family, want);
	if (fdt_getprop(k->blob, node, "blob-size", &len)) {
		if (prop_u64(be, k->blob, node, "blob-size", &s->size, &len))
			s->has_size = true;
		else
			ki_findings_add(f, KI_SEV_ERROR, "prop-length", k->has_fdt_phys, k->fdt_phys,
					"KHO FDT at %s: node \"%s\" property \"blob-size\" is %d bytes, expected 8",
					k->where, s->name, len);
	} else if (k->format == KI_KHO_V3 || k->format == KI_KHO_V4) {
		ki_findings_add(f, KI_SEV_ERROR, "subnode-no-size", k->has_fdt_phys, k->fdt_phys,
				"KHO FDT at %s: node \"%s\" has no \"blob-size\" (required by %s; the kernel calls it a broken KHO subnode)",
				k->where, s->name, k->family);
	}
}

/* Bound on root children: a KHO FDT holds a handful. */
static const size_t MAX_SUBNODES = 4096;

/* Parse a checked KHO FDT held in k->blob. */
static struct ki_error *kho_parse(struct ki_kho *k, bool be, struct ki_findings *f)
{
	const char *compat, *semi, *where = k->where;
	uint64_t paddr = k->fdt_phys;
	bool hp = k->has_fdt_phys;
	int node, len;

	compat = ki_fdt_root_compatible(k->blob);
	if (!compat || strncmp(compat, "kho-v", 5)) {
		struct ki_error *err = ki_error_create(KI_ERR_FORMAT,
				"FDT at %s: root compatible is %s%s%s, not a KHO FDT (\"kho-vN\")",
				where, compat ? "\"" : "", compat ? compat : "missing or not a string",
				compat ? "\"" : "");

		return hp ? ki_error_set_paddr(err, paddr) : err;
	}
	k->compatible = strdup(compat);
	if (!k->compatible)
		return &ki_enomem;
	semi = strchr(compat, ';');
	len = semi ? (int)(semi - compat) : (int)strlen(compat);
	if ((size_t)len >= sizeof(k->family))
		len = sizeof(k->family) - 1;
	memcpy(k->family, compat, (size_t)len);
	k->family[len] = '\0';
	k->format = ki_kho_format_from_family(k->family);

	if (fdt_getprop(k->blob, 0, "preserved-memory-map", &len)) {
		if (prop_u64(be, k->blob, 0, "preserved-memory-map", &k->map_phys, &len))
			k->has_map = true;
		else
			ki_findings_add(f, KI_SEV_ERROR, "prop-length", hp, paddr,
					"KHO FDT at %s: \"preserved-memory-map\" is %d bytes, expected 8",
					where, len);
	} else {
		ki_findings_add(f, KI_SEV_ERROR, "no-memory-map", hp, paddr,
				"KHO FDT at %s: root has no \"preserved-memory-map\" property",
				where);
	}

	fdt_for_each_subnode(node, k->blob, 0) {
		struct ki_subnode *s;
		const char *name;
		void *p;

		if (k->nsubs >= MAX_SUBNODES) {
			ki_findings_add(f, KI_SEV_WARNING, "too-many-subnodes", hp, paddr,
					"KHO FDT at %s: more than %zu child nodes; the rest are ignored",
					where, MAX_SUBNODES);
			break;
		}
		p = reallocarray(k->subs, k->nsubs + 1, sizeof(*k->subs));
		if (!p)
			return &ki_enomem;
		k->subs = p;
		s = &k->subs[k->nsubs++];
		memset(s, 0, sizeof(*s));
		name = fdt_get_name(k->blob, node, &len);
		s->name = strndup(name ? name : "", name && len > 0 ? (size_t)len : 0);
		if (!s->name)
			return &ki_enomem;
		read_child(be, k, node, s, f);
	}
	return NULL;
}

struct ki_error *ki_kho_load(struct ki_dump *d, uint64_t paddr,
			     struct ki_findings *f, struct ki_kho **ret)
{
	return ki_kho_load_ps(d, paddr, d->page_size, f, ret);
}

struct ki_error *ki_kho_load_ps(struct ki_dump *d, uint64_t paddr, uint64_t page_size,
				struct ki_findings *f, struct ki_kho **ret)
{
	struct ki_error *err;
	struct ki_kho *k;

	k = calloc(1, sizeof(*k));
	if (!k)
		return &ki_enomem;
	k->fdt_phys = paddr;
	k->has_fdt_phys = true;
	snprintf(k->where, sizeof(k->where), "0x%" PRIx64, paddr);
	err = ki_fdt_load(d, paddr, page_size ? (uint32_t)page_size : KI_FDT_MAX,
			  &k->blob, &k->fdt_size);
	if (!err)
		err = kho_parse(k, d->big_endian, f);
	if (err) {
		ki_kho_destroy(k);
		return err;
	}
	*ret = k;
	return NULL;
}

struct ki_error *ki_kho_from_blob(const void *data, size_t len, bool big_endian,
				  const char *where, struct ki_findings *f,
				  struct ki_kho **ret)
{
	struct ki_fdt_header h;
	struct ki_error *err;
	struct ki_kho *k;

	if (len < 40 || !ki_fdt_header_decode(data, &h))
		return ki_error_create(KI_ERR_FORMAT, "%s: not an FDT (bad magic or shorter than a header)",
				       where);
	if (h.totalsize > len)
		return ki_error_create(KI_ERR_TRUNCATED,
				       "%s: FDT header says 0x%x bytes but only 0x%zx are there (a 6.19+ debugfs out/fdt is sized at boot and can be truncated; read the FDT from memory instead)",
				       where, h.totalsize, len);
	if (h.totalsize > KI_FDT_MAX || h.totalsize < 40)
		return ki_error_create(KI_ERR_CORRUPT, "%s: FDT totalsize 0x%x is outside 0x28..0x%x",
				       where, h.totalsize, (unsigned int)KI_FDT_MAX);
	k = calloc(1, sizeof(*k));
	if (!k)
		return &ki_enomem;
	snprintf(k->where, sizeof(k->where), "%s", where);
	k->fdt_size = h.totalsize;
	k->blob = aligned_alloc(8, (h.totalsize + 7u) & ~7u);
	if (!k->blob) {
		free(k);
		return &ki_enomem;
	}
	memcpy(k->blob, data, h.totalsize);
	err = ki_fdt_check(k->blob, h.totalsize);
	if (err)
		err = ki_error_prefix(err, "%s", where);
	else
		err = kho_parse(k, big_endian, f);
	if (err) {
		ki_kho_destroy(k);
		return err;
	}
	*ret = k;
	return NULL;
}

void ki_kho_destroy(struct ki_kho *k)
{
	if (!k)
		return;
	for (size_t i = 0; i < k->nsubs; i++)
		free(k->subs[i].name);
	free(k->subs);
	free(k->compatible);
	free(k->blob);
	free(k);
}
