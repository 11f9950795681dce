/*
 * checksum.c - XXH64 over raw bytes, the format's only checksum (docs/FORMAT.md).
 * A thin wrapper so the rest of the library does not include xxhash.h.
 */
#include <stdlib.h>
#include <xxhash.h>

#include "common/common.h"

struct nz_xxh64_state {
	XXH64_state_t *s;
};

u64 nz_xxh64(const void *data, size_t size) { return XXH64(data, size, 0); }

nz_xxh64_state *nz_xxh64_create(void)
{
	nz_xxh64_state *s = malloc(sizeof(*s));
	if (!s)
		return NULL;
	s->s = XXH64_createState();
	if (!s->s) {
		free(s);
		return NULL;
	}
	XXH64_reset(s->s, 0);
	return s;
}

void nz_xxh64_reset(nz_xxh64_state *s) { XXH64_reset(s->s, 0); }

void nz_xxh64_update(nz_xxh64_state *s, const void *data, size_t size)
{
	if (size)
		XXH64_update(s->s, data, size);
}

u64 nz_xxh64_digest(const nz_xxh64_state *s) { return XXH64_digest(s->s); }

void nz_xxh64_free(nz_xxh64_state *s)
{
	if (!s)
		return;
	XXH64_freeState(s->s);
	free(s);
}
