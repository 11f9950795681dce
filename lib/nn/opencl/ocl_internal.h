/*
 * ocl_internal.h - the OpenCL backend's pieces (lib/nn/opencl/):
 *   ocl_runtime.c  platforms and devices: discovery, the suitability check of
 *                  docs/NUMERICS.md section 7, the choice (NZIP_OPENCL_DEVICE or
 *                  nz_nn_opencl_select), and the process-wide context and program
 *                  (built once per process from the embedded sources);
 *   ocl_mem.c      engine buffers: a reserved host address range per allocation
 *                  (PROT_NONE, so a host dereference faults) mapped to a cl_mem,
 *                  and the translation of any address inside it to
 *                  (cl_mem, element offset);
 *   ocl_backend.c  the op table nz_nn_opencl_backend: one kernel launch (or a
 *                  few) per entry, on one in-order queue per engine context.
 * Kernel sources: kernel_compat.h, simd_opencl.h, ../nn_math.h, nn_kernels.cl
 * (embedded by CMake as nz_ocl_program_source, ocl_source.c in the build tree).
 */
#ifndef NZ_NN_OCL_INTERNAL_H
#define NZ_NN_OCL_INTERNAL_H

#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>

#include "nn/engine_internal.h"

/* ---- ocl_runtime.c ---- */
typedef struct nz_ocl_runtime {
	cl_platform_id platform;
	cl_device_id device;
	cl_context context;
	cl_program program;
	int platform_index, device_index;
	int is_gpu;
	cl_ulong global_mem, max_alloc;
	char name[256];        /* "P.D name (platform)" for messages */
} nz_ocl_runtime;

/* The chosen device, its context and built program (once per process), or NULL
 * with a message on stderr when no suitable device exists or the build fails. */
const nz_ocl_runtime *nz_ocl_runtime_get(void);
/* Non-zero if a suitable device can be chosen (no program build). */
int nz_ocl_device_available(void);
/* A readable name of an OpenCL error code. */
const char *nz_ocl_strerror(cl_int e);

extern const char nz_ocl_program_source[];

/* ---- ocl_mem.c ---- */
typedef struct nz_ocl_buf {
	uintptr_t base;        /* the reserved host address range [base, base + reserve) */
	size_t bytes, reserve;
	cl_mem mem;
} nz_ocl_buf;

typedef struct nz_ocl_map {
	nz_ocl_buf *v;         /* sorted by base */
	size_t n, cap;
	size_t live_bytes, peak_bytes;
} nz_ocl_map;

/* Reserve an address range of `bytes` and record mem for it; NULL on failure. */
void *nz_ocl_map_add(nz_ocl_map *m, size_t bytes, cl_mem mem);
/* Remove the allocation starting at p; returns its cl_mem (NULL if unknown). */
cl_mem nz_ocl_map_remove(nz_ocl_map *m, const void *p);
/* The allocation holding address p (p may be its end), or NULL. */
const nz_ocl_buf *nz_ocl_map_find(const nz_ocl_map *m, const void *p);
void nz_ocl_map_free(nz_ocl_map *m);
/* The peak of engine-buffer bytes live at once in the process (all contexts). */
size_t nz_ocl_process_peak_bytes(void);

/* ---- ocl_backend.c ---- */
extern const nz_nn_backend_ops nz_nn_opencl_backend;
void nz_ocl_math(nz_nn_ctx *ctx, int fn, float *y, const float *x, size_t n);
size_t nz_ocl_peak_bytes(const nz_nn_ctx *ctx);

#endif /* NZ_NN_OCL_INTERNAL_H */
