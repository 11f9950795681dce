/*
 * memory.c - aligned allocation. Everything large (weights, activations, tables) is
 * 64-byte aligned so SIMD kernels can use aligned loads and no row shares a line.
 */
#include <stdlib.h>

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
