// SPDX-License-Identifier: GPL-2.0-or-later
#include <endian.h>
#include <string.h>

#include "ki_kexec_meta.h"
#include "ki_sub.h"

struct ki_error *ki_kexec_meta_decode(const void *buf, size_t len,
				      bool big_endian,
				      struct ki_kexec_meta *ret)
{
	const unsigned char *p = buf;
	uint32_t v, c;

	if (len < KI_KEXEC_META_SIZE)
		return ki_error_create(KI_ERR_TRUNCATED,
				       "kexec-metadata: %zu bytes, needs %d", len,
				       KI_KEXEC_META_SIZE);
	memcpy(&v, p, 4);
	memcpy(&c, p + 4 + KI_KEXEC_META_RELEASE, 4);
	v = big_endian ? be32toh(v) : le32toh(v);
	c = big_endian ? be32toh(c) : le32toh(c);
	if (v != 1)
		return ki_error_create(KI_ERR_UNSUPPORTED,
				       "kexec-metadata: version %u (this build knows version 1)", v);
	memset(ret, 0, sizeof(*ret));
	ret->version = v;
	ret->kexec_count = c;
	memcpy(ret->release, p + 4, KI_KEXEC_META_RELEASE);
	ret->release[KI_KEXEC_META_RELEASE] = '\0';
	ret->release_terminated = memchr(p + 4, '\0', KI_KEXEC_META_RELEASE) != NULL;
	return NULL;
}

/* ---- as a sub-format (docs/formats.md §4.6) ---- */

static bool match(const struct ki_sub_ctx *c, const char *node, const unsigned char *blob,
		  size_t len)
{
	(void)c;
	(void)blob;
	(void)len;
	return !strcmp(node, "kexec-metadata");
}

static void decode(struct ki_sub_ctx *c, const char *node, uint64_t pa, bool has_pa,
		   const unsigned char *blob, size_t len)
{
	struct ki_kexec_meta km;
	struct ki_error *err = ki_kexec_meta_decode(blob, len, c->be, &km);

	(void)node;
	if (err) {
		ki_findings_add(c->f, KI_SEV_WARNING, "kexec-metadata", has_pa, pa,
				"%s; the writer's release and kexec count are unknown", err->message);
		ki_sub_str(c, "error", err->message);
		ki_error_destroy(err);
		return;
	}
	if (!km.release_terminated)
		ki_findings_add(c->f, KI_SEV_WARNING, "kexec-metadata", has_pa, pa,
				"kexec-metadata: previous_release is not NUL-terminated");
	ki_sub_num(c, "version", km.version);
	ki_sub_str(c, "previous_release", km.release);
	ki_sub_num(c, "kexec_count", km.kexec_count);
}

const struct ki_subformat ki_sub_kexec_meta = {
	.id = "kexec-metadata",
	.what = "version 1: the writer's release and kexec count",
	.match = match,
	.decode = decode,
};
