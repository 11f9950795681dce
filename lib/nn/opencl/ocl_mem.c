/*
 * ocl_mem.c - engine buffers of the OpenCL backend. Models do pointer
 * arithmetic on engine buffers (tensors carved from a block, a sliding window,
 * strided views), so each allocation gets a real host address range of its
 * size, reserved with PROT_NONE: every address inside it names one place of
 * its cl_mem, and a host read or write of an engine buffer (a bug: only the
 * backend's entries may touch them) faults at once instead of reading stale
 * memory. The table of allocations is sorted by base address; a lookup is a
 * binary search.
 */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS, MAP_NORESERVE */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "nn/opencl/ocl_internal.h"

/* Bytes of engine buffers live in the whole process, and their peak (-v). */
static pthread_mutex_t proc_lock = PTHREAD_MUTEX_INITIALIZER;
static size_t proc_live, proc_peak;

static void proc_account(size_t add, size_t sub)
{
	pthread_mutex_lock(&proc_lock);
	proc_live = proc_live + add - sub;
	if (proc_live > proc_peak)
		proc_peak = proc_live;
	pthread_mutex_unlock(&proc_lock);
}

size_t nz_ocl_process_peak_bytes(void)
{
	pthread_mutex_lock(&proc_lock);
	const size_t p = proc_peak;
	pthread_mutex_unlock(&proc_lock);
	return p;
}

/* Index of the first entry with base > p. */
static size_t upper(const nz_ocl_map *m, uintptr_t p)
{
	size_t lo = 0, hi = m->n;
	while (lo < hi) {
		const size_t mid = lo + (hi - lo) / 2;
		if (m->v[mid].base <= p)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void *nz_ocl_map_add(nz_ocl_map *m, size_t bytes, cl_mem mem)
{
	if (m->n == m->cap) {
		const size_t cap = m->cap ? 2 * m->cap : 64;
		nz_ocl_buf *v = realloc(m->v, cap * sizeof(*v));
		if (!v)
			return NULL;
		m->v = v;
		m->cap = cap;
	}
	const size_t ps = nz_page_size();
	const size_t reserve = bytes ? (bytes + ps - 1) / ps * ps : ps;
	void *p = mmap(NULL, reserve, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	const uintptr_t base = (uintptr_t)p;
	const size_t at = upper(m, base);
	memmove(m->v + at + 1, m->v + at, (m->n - at) * sizeof(*m->v));
	m->v[at] = (nz_ocl_buf){base, bytes, reserve, mem};
	m->n++;
	m->live_bytes += bytes;
	if (m->live_bytes > m->peak_bytes)
		m->peak_bytes = m->live_bytes;
	proc_account(bytes, 0);
	return p;
}

const nz_ocl_buf *nz_ocl_map_find(const nz_ocl_map *m, const void *p)
{
	const uintptr_t a = (uintptr_t)p;
	const size_t at = upper(m, a);
	if (!at)
		return NULL;
	const nz_ocl_buf *b = &m->v[at - 1];
	return a <= b->base + b->bytes ? b : NULL;
}

cl_mem nz_ocl_map_remove(nz_ocl_map *m, const void *p)
{
	const uintptr_t a = (uintptr_t)p;
	const size_t at = upper(m, a);
	if (!at || m->v[at - 1].base != a)
		return NULL;
	nz_ocl_buf b = m->v[at - 1];
	memmove(m->v + at - 1, m->v + at, (m->n - at) * sizeof(*m->v));
	m->n--;
	m->live_bytes -= b.bytes;
	proc_account(0, b.bytes);
	munmap((void *)b.base, b.reserve);
	return b.mem;
}

void nz_ocl_map_free(nz_ocl_map *m)
{
	proc_account(0, m->live_bytes);
	for (size_t i = 0; i < m->n; i++) {
		munmap((void *)m->v[i].base, m->v[i].reserve);
		clReleaseMemObject(m->v[i].mem);
	}
	free(m->v);
	memset(m, 0, sizeof(*m));
}
