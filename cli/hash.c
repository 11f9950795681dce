/*
 * hash.c - a small streaming 64-bit hash, for --verify to compare what went in with
 * what comes back out without keeping either. Not part of any format.
 */
#include <string.h>

#include "cli.h"

#define P1 0x9E3779B185EBCA87ull
#define P2 0xC2B2AE3D27D4EB4Full

static inline uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

static inline uint64_t load64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static inline uint64_t mix(uint64_t h, uint64_t w) { return rotl(h ^ (w * P2), 31) * P1; }

void hash_init(cli_hash *s) { memset(s, 0, sizeof(*s)); s->h = P1; }

void hash_update(cli_hash *s, const void *data, size_t n)
{
	const unsigned char *p = data;
	s->len += n;
	if (s->ntail) {
		while (n && s->ntail < 8) {
			s->tail[s->ntail++] = *p++;
			n--;
		}
		if (s->ntail < 8)
			return;
		s->h = mix(s->h, load64(s->tail));
		s->ntail = 0;
	}
	uint64_t h = s->h;
	for (; n >= 8; p += 8, n -= 8)
		h = mix(h, load64(p));
	s->h = h;
	memcpy(s->tail, p, n);
	s->ntail = (unsigned)n;
}

uint64_t hash_final(const cli_hash *s)
{
	uint64_t h = s->h;
	for (unsigned i = 0; i < s->ntail; i++)
		h = mix(h, s->tail[i] | 0x100u);
	h ^= s->len * P2;
	h ^= h >> 33;
	h *= P1;
	h ^= h >> 29;
	return h;
}
