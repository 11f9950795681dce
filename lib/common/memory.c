/*
 * memory.c - aligned allocation. Everything large (weights, activations, tables) is
 * 64-byte aligned so SIMD kernels can use aligned loads and no row shares a line.
 */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS in C17 */
#include <stdlib.h>
#if defined(__linux__) || defined(__unix__) || defined(__APPLE__)
#include <sys/mman.h>
#include <unistd.h>
#endif

#include "common/common.h"

void *nz_malloc_aligned(size_t size)
{
	if (size == SIZE_MAX)
		return NULL;
	size = (size + 63) & ~(size_t)63;
	if (size == 0)
		size = 64;
	return aligned_alloc(64, size);
}

void *nz_calloc_aligned(size_t size)
{
	void *p = nz_malloc_aligned(size);
	if (p)
		memset(p, 0, size);
	return p;
}

void nz_free_aligned(void *p) { free(p); }

size_t nz_page_size(void)
{
#if defined(_SC_PAGESIZE)
	static size_t page;
	if (!page) {
		const long v = sysconf(_SC_PAGESIZE);
		page = v > 0 ? (size_t)v : 4096;
	}
	return page;
#else
	return 4096;
#endif
}

#if defined(MAP_ANONYMOUS)
/* The mapped length of a table of `size` bytes, without the guard page. */
static size_t big_length(size_t size)
{
	const size_t page = nz_page_size();
	return size ? (size + page - 1) & ~(page - 1) : page;
}

void *nz_big_alloc(size_t size)
{
	if (size > SIZE_MAX / 2)
		return NULL;
	const size_t len = big_length(size), page = nz_page_size();
	/* Tables of 2 MiB and more start on a 2 MiB boundary and ask for huge pages:
	 * the context map's lookups are random over tens of MiB, and with 4 KiB pages
	 * nearly every one also misses the TLB (docs/BENCHMARKS.md, "Levels re-spanned"). */
	const size_t huge = (size_t)2 << 20, extra = len >= huge ? huge : 0;
	u8 *base = mmap(NULL, len + page + extra, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED)
		return NULL;
	u8 *p = base;
	if (extra) {
		p = (u8 *)(((uintptr_t)base + huge - 1) & ~(uintptr_t)(huge - 1));
		if (p > base)
			munmap(base, (size_t)(p - base));
		if (base + extra > p)
			munmap(p + len + page, (size_t)(base + extra - p));
#ifdef MADV_HUGEPAGE
		madvise(p, len, MADV_HUGEPAGE); /* advice only: without it the table still works */
#endif
	}
	if (mprotect(p + len, page, PROT_NONE) != 0) {
		munmap(p, len + page);
		return NULL;
	}
	return p;
}

void nz_big_free(void *p, size_t size)
{
	if (p)
		munmap(p, big_length(size) + nz_page_size());
}
#else
void *nz_big_alloc(size_t size)
{
	void *p = nz_malloc_aligned(size);
	if (p)
		memset(p, 0, size);
	return p;
}

void nz_big_free(void *p, size_t size)
{
	(void)size;
	nz_free_aligned(p);
}
#endif
