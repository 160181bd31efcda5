// SPDX-License-Identifier: GPL-2.0-or-later
#include <endian.h>
#include <string.h>

#include "ki_kexec_meta.h"

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
