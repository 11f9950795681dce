/*
 * cm_common.c - the allocator of the CM model's big tables (cm_common.h).
 */
#include <stdlib.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "cm/cm_common.h"

void *nz_cm_big_alloc(size_t size)
{
	size_t align = size >= ((size_t)2 << 20) ? (size_t)2 << 20 : 64;
	size = (size + align - 1) & ~(align - 1);
	void *p = aligned_alloc(align, size);
#if defined(__linux__) && defined(MADV_HUGEPAGE)
	if (p && align > 64)
		(void)madvise(p, size, MADV_HUGEPAGE);
#endif
	return p;
}

void nz_cm_big_free(void *p) { free(p); }
