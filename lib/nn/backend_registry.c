/*
 * backend_registry.c - the backends this build knows, by id: which op table
 * implements each, with which variant, and whether this machine can run it.
 * Adding a backend is one entry here (and its id and name in nn.h).
 */
#include <stdio.h>

#include "common/cpu.h"
#include "nn/backend.h"
#include "nn/engine_internal.h"
#include "nn/kernels.h"
#ifdef NZ_NN_HAVE_OPENCL
#include "nn/opencl/ocl_internal.h"
#endif

static int always(void) { return 1; }

#ifdef NZ_NN_HAVE_X86
static int cpu_has_avx2(void)
{
	return (nz_cpu_features() & NZ_CPU_NEED_AVX2) == NZ_CPU_NEED_AVX2;
}

static int cpu_has_avx512(void)
{
	return (nz_cpu_features() & NZ_CPU_NEED_AVX512) == NZ_CPU_NEED_AVX512;
}
#endif

static const nz_nn_backend_desc registry[NZ_NN_BACKEND_COUNT_] = {
	[NZ_NN_BACKEND_AUTO] = {NZ_NN_BACKEND_AUTO, "auto", NULL, NULL, NULL},
	[NZ_NN_BACKEND_SCALAR] = {NZ_NN_BACKEND_SCALAR, "scalar", &nz_nn_cpu_backend,
				  &nz_nn_kernels_scalar, always},
#ifdef NZ_NN_HAVE_X86
	[NZ_NN_BACKEND_AVX2] = {NZ_NN_BACKEND_AVX2, "avx2", &nz_nn_cpu_backend,
				&nz_nn_kernels_avx2, cpu_has_avx2},
	[NZ_NN_BACKEND_AVX512] = {NZ_NN_BACKEND_AVX512, "avx512", &nz_nn_cpu_backend,
				  &nz_nn_kernels_avx512, cpu_has_avx512},
#else
	[NZ_NN_BACKEND_AVX2] = {NZ_NN_BACKEND_AVX2, "avx2", NULL, NULL, NULL},
	[NZ_NN_BACKEND_AVX512] = {NZ_NN_BACKEND_AVX512, "avx512", NULL, NULL, NULL},
#endif
#ifdef NZ_NN_HAVE_OPENCL
	/* lib/nn/opencl/: supported when a device meets NUMERICS.md section 7 */
	[NZ_NN_BACKEND_OPENCL] = {NZ_NN_BACKEND_OPENCL, "opencl", &nz_nn_opencl_backend, NULL,
				  nz_ocl_device_available},
#else
	/* not built (CMake found no OpenCL): known by name, unsupported */
	[NZ_NN_BACKEND_OPENCL] = {NZ_NN_BACKEND_OPENCL, "opencl", NULL, NULL, NULL},
#endif
};

/* The table is its name and one function pointer per NZ_NN_BACKEND_ENTRIES name. */
#define COUNT_ENTRY(e) +1
NZ_STATIC_ASSERT(sizeof(nz_nn_backend_ops) ==
		 sizeof(const char *) + (0 NZ_NN_BACKEND_ENTRIES(COUNT_ENTRY)) * sizeof(void (*)(void)));
#undef COUNT_ENTRY

int nz_nn_backend_ops_complete(const nz_nn_backend_ops *ops)
{
#define SET_ENTRY(e) &&ops->e
	return ops && ops->name NZ_NN_BACKEND_ENTRIES(SET_ENTRY);
#undef SET_ENTRY
}

const nz_nn_backend_desc *nz_nn_backend_desc_of(int backend)
{
	if (backend < 0 || backend >= NZ_NN_BACKEND_COUNT_)
		return NULL;
	return &registry[backend];
}

#ifndef NZ_NN_HAVE_OPENCL
/* A build without OpenCL: no device to choose or list. */
int nz_nn_opencl_select(const char *spec)
{
	(void)spec;
	return NZ_ERR_UNSUPPORTED;
}

int nz_nn_opencl_list(char *buf, size_t cap)
{
	if (cap)
		snprintf(buf, cap, "this nzip was built without OpenCL\n");
	return 0;
}

size_t nz_nn_opencl_peak(char *name, size_t cap)
{
	if (cap)
		snprintf(name, cap, "none");
	return 0;
}
#endif

int nz_nn_debug_math(nz_nn_ctx *ctx, int fn, float *y, const float *x, size_t n)
{
#ifdef NZ_NN_HAVE_OPENCL
	if (ctx->be == &nz_nn_opencl_backend) {
		nz_ocl_math(ctx, fn, y, x, n);
		ctx->be->sync(ctx);
		return NZ_OK;
	}
#else
	(void)ctx, (void)fn, (void)y, (void)x, (void)n;
#endif
	return NZ_ERR_UNSUPPORTED;
}
