/*
 * common.h - types, compiler helpers and internal error plumbing shared by every
 * part of the library. Nothing here depends on any other lib/ directory.
 */
#ifndef NZ_COMMON_H
#define NZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "nzip.h"

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int32_t s32;
typedef int64_t s64;

#define NZ_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define NZ_MIN(a, b) ((a) < (b) ? (a) : (b))
#define NZ_MAX(a, b) ((a) > (b) ? (a) : (b))
#define NZ_STATIC_ASSERT(expr) _Static_assert(expr, #expr)

#if defined(__GNUC__) || defined(__clang__)
#define nz_likely(x) __builtin_expect(!!(x), 1)
#define nz_unlikely(x) __builtin_expect(!!(x), 0)
#define NZ_INLINE static inline __attribute__((always_inline))
#define NZ_NOINLINE __attribute__((noinline))
#else
#define nz_likely(x) (x)
#define nz_unlikely(x) (x)
#define NZ_INLINE static inline
#define NZ_NOINLINE
#endif

/* Propagate an error code: `NZ_TRY(f(x));` returns f's code if it is not NZ_OK. */
#define NZ_TRY(expr)                           \
	do {                                   \
		int nz_try_rc_ = (expr);       \
		if (nz_unlikely(nz_try_rc_))   \
			return nz_try_rc_;     \
	} while (0)

/* ---- little-endian loads and stores (the format is little-endian) ---- */

NZ_INLINE u16 nz_load_le16(const u8 *p) { return (u16)(p[0] | (p[1] << 8)); }
NZ_INLINE u32 nz_load_le32(const u8 *p)
{
	return (u32)p[0] | ((u32)p[1] << 8) | ((u32)p[2] << 16) | ((u32)p[3] << 24);
}
NZ_INLINE u64 nz_load_le64(const u8 *p)
{
	return (u64)nz_load_le32(p) | ((u64)nz_load_le32(p + 4) << 32);
}
NZ_INLINE void nz_store_le16(u8 *p, u16 v)
{
	p[0] = (u8)v;
	p[1] = (u8)(v >> 8);
}
NZ_INLINE void nz_store_le32(u8 *p, u32 v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (u8)(v >> (8 * i));
}
NZ_INLINE void nz_store_le64(u8 *p, u64 v)
{
	nz_store_le32(p, (u32)v);
	nz_store_le32(p + 4, (u32)(v >> 32));
}

/* ---- memory ---- */

/* 64-byte aligned allocation (one cache line, one AVX-512 vector); free with nz_free. */
void *nz_malloc_aligned(size_t size);
void *nz_calloc_aligned(size_t size);
void nz_free_aligned(void *p);

/*
 * Large tables (hash tables, SSE tables, count tables, history windows): zero
 * pages from the OS, page aligned, mapped lazily, so a table only costs what is
 * touched, and handed back at free. An inaccessible guard page follows the end,
 * so a read or write just past a table faults in every build. Not through
 * malloc: ASan writes the shadow of a malloc'd block (an eighth of its size) at
 * allocation and again at free, which for the SSE and order2 tables cost more
 * than the fuzz inputs' decoding. Not 2 MiB aligned on purpose: where
 * transparent huge pages are always on, an aligned table sparsely touched by a
 * small input became resident 2 MiB at a time (order2 on 20 KB: 17 MB instead of
 * 4 MB). Free with nz_big_free and the same size.
 */
void *nz_big_alloc(size_t size);
void nz_big_free(void *p, size_t size);
/* The system's page size (sysconf; 4096 where it does not say). */
size_t nz_page_size(void);

/* size * n, or SIZE_MAX on overflow (so the allocation then fails cleanly). */
NZ_INLINE size_t nz_mul_size(size_t size, size_t n)
{
	if (n && size > SIZE_MAX / n)
		return SIZE_MAX;
	return size * n;
}

/* ---- checksums (XXH64, seed 0, via Debian's libxxhash) ---- */

u64 nz_xxh64(const void *data, size_t size);

typedef struct nz_xxh64_state nz_xxh64_state;
nz_xxh64_state *nz_xxh64_create(void);
void nz_xxh64_reset(nz_xxh64_state *s);
void nz_xxh64_update(nz_xxh64_state *s, const void *data, size_t size);
u64 nz_xxh64_digest(const nz_xxh64_state *s);
void nz_xxh64_free(nz_xxh64_state *s);

#endif /* NZ_COMMON_H */
