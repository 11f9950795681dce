/*
 * ocl_runtime.c - OpenCL platforms and devices for the backend: discovery,
 * the check that a device can produce the engine's bits (docs/NUMERICS.md
 * section 7: FMA, denormals, correctly rounded divide and sqrt), the choice of
 * one device per process, and its context and program, built once per process
 * from the sources embedded in the library (every engine context then makes
 * its own queue and kernel objects from them).
 *
 * The choice: nz_nn_opencl_select("P.D") before the first use, else
 * $NZIP_OPENCL_DEVICE ("P.D"), else the first suitable GPU, else the first
 * suitable device of any type (PoCL's CPU device on a machine without a GPU;
 * AUTO never selects this backend, see engine.c).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/opencl/ocl_internal.h"

#define MAX_PLATFORMS 16
#define MAX_DEVICES 32

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int chosen_p = -1, chosen_d = -1;   /* set by select (or the environment) */
static int discovered;                     /* 0 not yet, 1 found, -1 none */
static int built;                          /* 0 not yet, 1 ok, -1 failed */
static nz_ocl_runtime rt;

const char *nz_ocl_strerror(cl_int e)
{
	switch (e) {
	case CL_SUCCESS: return "CL_SUCCESS";
	case CL_DEVICE_NOT_FOUND: return "CL_DEVICE_NOT_FOUND";
	case CL_DEVICE_NOT_AVAILABLE: return "CL_DEVICE_NOT_AVAILABLE";
	case CL_COMPILER_NOT_AVAILABLE: return "CL_COMPILER_NOT_AVAILABLE";
	case CL_MEM_OBJECT_ALLOCATION_FAILURE: return "CL_MEM_OBJECT_ALLOCATION_FAILURE";
	case CL_OUT_OF_RESOURCES: return "CL_OUT_OF_RESOURCES";
	case CL_OUT_OF_HOST_MEMORY: return "CL_OUT_OF_HOST_MEMORY";
	case CL_BUILD_PROGRAM_FAILURE: return "CL_BUILD_PROGRAM_FAILURE";
	case CL_INVALID_VALUE: return "CL_INVALID_VALUE";
	case CL_INVALID_KERNEL_ARGS: return "CL_INVALID_KERNEL_ARGS";
	case CL_INVALID_WORK_GROUP_SIZE: return "CL_INVALID_WORK_GROUP_SIZE";
	case CL_INVALID_BUFFER_SIZE: return "CL_INVALID_BUFFER_SIZE";
	case CL_INVALID_ARG_INDEX: return "CL_INVALID_ARG_INDEX";
	case CL_INVALID_ARG_VALUE: return "CL_INVALID_ARG_VALUE";
	case CL_INVALID_ARG_SIZE: return "CL_INVALID_ARG_SIZE";
	case CL_INVALID_MEM_OBJECT: return "CL_INVALID_MEM_OBJECT";
	case CL_INVALID_GLOBAL_WORK_SIZE: return "CL_INVALID_GLOBAL_WORK_SIZE";
	case CL_INVALID_COMMAND_QUEUE: return "CL_INVALID_COMMAND_QUEUE";
	case -1001: return "CL_PLATFORM_NOT_FOUND_KHR (no OpenCL platform)";
	default: return "an OpenCL error";
	}
}

static cl_uint platforms(cl_platform_id *p)
{
	cl_uint n = 0;
	if (clGetPlatformIDs(MAX_PLATFORMS, p, &n) != CL_SUCCESS)
		return 0;
	return n > MAX_PLATFORMS ? MAX_PLATFORMS : n;
}

static cl_uint devices(cl_platform_id p, cl_device_id *d)
{
	cl_uint n = 0;
	if (clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, MAX_DEVICES, d, &n) != CL_SUCCESS)
		return 0;
	return n > MAX_DEVICES ? MAX_DEVICES : n;
}

/* NULL if the device can run the engine, else why not. */
static const char *unsuitable(cl_device_id d)
{
	cl_device_fp_config fp = 0;
	cl_bool avail = 0, comp = 0;
	if (clGetDeviceInfo(d, CL_DEVICE_SINGLE_FP_CONFIG, sizeof(fp), &fp, NULL) != CL_SUCCESS ||
	    clGetDeviceInfo(d, CL_DEVICE_AVAILABLE, sizeof(avail), &avail, NULL) != CL_SUCCESS ||
	    clGetDeviceInfo(d, CL_DEVICE_COMPILER_AVAILABLE, sizeof(comp), &comp, NULL) != CL_SUCCESS)
		return "cannot query the device";
	if (!avail)
		return "not available";
	if (!comp)
		return "no compiler";
	if (!(fp & CL_FP_DENORM))
		return "flushes single-precision denormals (no CL_FP_DENORM)";
	if (!(fp & CL_FP_FMA))
		return "no IEEE fused multiply-add (CL_FP_FMA)";
	if (!(fp & CL_FP_CORRECTLY_ROUNDED_DIVIDE_SQRT))
		return "no correctly rounded divide and sqrt";
	if (!(fp & CL_FP_ROUND_TO_NEAREST))
		return "no round to nearest";
	return NULL;
}

static int is_gpu(cl_device_id d)
{
	cl_device_type t = 0;
	clGetDeviceInfo(d, CL_DEVICE_TYPE, sizeof(t), &t, NULL);
	return (t & CL_DEVICE_TYPE_GPU) != 0;
}

static int parse_spec(const char *s, int *p, int *d)
{
	char *end;
	const long a = strtol(s, &end, 10);
	if (end == s || *end != '.' || a < 0 || a >= MAX_PLATFORMS)
		return 0;
	const char *t = end + 1;
	const long b = strtol(t, &end, 10);
	if (end == t || *end || b < 0 || b >= MAX_DEVICES)
		return 0;
	*p = (int)a;
	*d = (int)b;
	return 1;
}

int nz_nn_opencl_select(const char *spec)
{
	int p = -1, d = -1;
	if (spec && *spec && !parse_spec(spec, &p, &d))
		return NZ_ERR_PARAM;
	pthread_mutex_lock(&lock);
	int rc = NZ_OK;
	if (discovered) {
		/* one device per process, chosen before first use: the default or the
		 * device in use is fine, another one is refused */
		if (p >= 0 && (discovered < 0 || p != rt.platform_index || d != rt.device_index))
			rc = NZ_ERR_STAGE;
	} else {
		chosen_p = p;
		chosen_d = d;
	}
	pthread_mutex_unlock(&lock);
	return rc;
}

/* Pick the device (under the lock). */
static int discover(void)
{
	if (discovered)
		return discovered > 0;
	discovered = -1;
	if (chosen_p < 0) {
		const char *env = getenv("NZIP_OPENCL_DEVICE");
		if (env && *env && !parse_spec(env, &chosen_p, &chosen_d)) {
			fprintf(stderr, "nzip: NZIP_OPENCL_DEVICE='%s' is not PLATFORM.DEVICE\n", env);
			return 0;
		}
	}
	cl_platform_id pl[MAX_PLATFORMS];
	const cl_uint np = platforms(pl);
	int best_p = -1, best_d = -1, best_gpu = 0;
	for (cl_uint i = 0; i < np; i++) {
		cl_device_id dv[MAX_DEVICES];
		const cl_uint nd = devices(pl[i], dv);
		for (cl_uint j = 0; j < nd; j++) {
			if (chosen_p >= 0 && (chosen_p != (int)i || chosen_d != (int)j))
				continue;
			const char *why = unsuitable(dv[j]);
			if (why) {
				if (chosen_p >= 0)
					fprintf(stderr, "nzip: OpenCL device %u.%u cannot run the engine: %s\n",
						i, j, why);
				continue;
			}
			const int g = is_gpu(dv[j]);
			if (best_p < 0 || (g && !best_gpu)) {
				best_p = (int)i, best_d = (int)j, best_gpu = g;
				rt.platform = pl[i];
				rt.device = dv[j];
			}
		}
	}
	if (best_p < 0) {
		if (chosen_p >= 0)
			fprintf(stderr, "nzip: no usable OpenCL device %d.%d\n", chosen_p, chosen_d);
		return 0;
	}
	rt.platform_index = best_p;
	rt.device_index = best_d;
	rt.is_gpu = best_gpu;
	char dn[160] = "", pn[80] = "";
	clGetDeviceInfo(rt.device, CL_DEVICE_NAME, sizeof(dn) - 1, dn, NULL);
	clGetPlatformInfo(rt.platform, CL_PLATFORM_NAME, sizeof(pn) - 1, pn, NULL);
	snprintf(rt.name, sizeof(rt.name), "%d.%d %s (%s)", best_p, best_d, dn, pn);
	clGetDeviceInfo(rt.device, CL_DEVICE_GLOBAL_MEM_SIZE, sizeof(rt.global_mem), &rt.global_mem, NULL);
	clGetDeviceInfo(rt.device, CL_DEVICE_MAX_MEM_ALLOC_SIZE, sizeof(rt.max_alloc), &rt.max_alloc, NULL);
	discovered = 1;
	return 1;
}

int nz_ocl_device_available(void)
{
	pthread_mutex_lock(&lock);
	const int ok = discover();
	pthread_mutex_unlock(&lock);
	return ok;
}

/* Exactness options (NUMERICS.md 7): IEEE division and sqrt; no fast-math,
 * mad or unsafe flags; contraction is off by pragma in the source. */
#define BUILD_OPTIONS "-cl-std=CL1.2 -cl-fp32-correctly-rounded-divide-sqrt"

static int build(void)
{
	cl_int e;
	rt.context = clCreateContext(NULL, 1, &rt.device, NULL, NULL, &e);
	if (!rt.context) {
		fprintf(stderr, "nzip: OpenCL device %s: cannot create a context: %s\n", rt.name,
			nz_ocl_strerror(e));
		return 0;
	}
	/* $NZIP_OPENCL_BREAK_BUILD (tests/cli/opencl.sh): a source that does not
	 * compile, to check the message of a failed build */
	const char *broken = "#error NZIP_OPENCL_BREAK_BUILD is set\n";
	const char *src = getenv("NZIP_OPENCL_BREAK_BUILD") ? broken : nz_ocl_program_source;
	rt.program = clCreateProgramWithSource(rt.context, 1, &src, NULL, &e);
	if (!rt.program) {
		fprintf(stderr, "nzip: OpenCL device %s: cannot create the program: %s\n", rt.name,
			nz_ocl_strerror(e));
		return 0;
	}
	e = clBuildProgram(rt.program, 1, &rt.device, BUILD_OPTIONS, NULL, NULL);
	if (e != CL_SUCCESS) {
		size_t n = 0;
		clGetProgramBuildInfo(rt.program, rt.device, CL_PROGRAM_BUILD_LOG, 0, NULL, &n);
		char *log = malloc(n + 1);
		if (log) {
			log[0] = 0;
			clGetProgramBuildInfo(rt.program, rt.device, CL_PROGRAM_BUILD_LOG, n, log, NULL);
			log[n] = 0;
		}
		fprintf(stderr, "nzip: OpenCL device %s: the kernels do not build (%s); build log:\n%s\n",
			rt.name, nz_ocl_strerror(e), log ? log : "(none)");
		free(log);
		return 0;
	}
	return 1;
}

const nz_ocl_runtime *nz_ocl_runtime_get(void)
{
	pthread_mutex_lock(&lock);
	if (!built) {
		built = discover() && build() ? 1 : -1;
	}
	const int ok = built > 0;
	pthread_mutex_unlock(&lock);
	return ok ? &rt : NULL;
}

size_t nz_nn_opencl_peak(char *name, size_t cap)
{
	pthread_mutex_lock(&lock);
	if (cap)
		snprintf(name, cap, "%s", discovered > 0 ? rt.name : "none");
	pthread_mutex_unlock(&lock);
	return nz_ocl_process_peak_bytes();
}

/* One line per device: "P.D  type  name (platform)  [usable | why not]". */
int nz_nn_opencl_list(char *buf, size_t cap)
{
	size_t at = 0;
	int count = 0;
#define PUT(...)                                                                    \
	do {                                                                        \
		const int w_ = snprintf(buf + (at < cap ? at : cap), at < cap ? cap - at : 0, \
					__VA_ARGS__);                               \
		if (w_ > 0)                                                         \
			at += (size_t)w_;                                           \
	} while (0)
	if (cap)
		buf[0] = 0;
	cl_platform_id pl[MAX_PLATFORMS];
	const cl_uint np = platforms(pl);
	for (cl_uint i = 0; i < np; i++) {
		char pn[80] = "";
		clGetPlatformInfo(pl[i], CL_PLATFORM_NAME, sizeof(pn) - 1, pn, NULL);
		cl_device_id dv[MAX_DEVICES];
		const cl_uint nd = devices(pl[i], dv);
		for (cl_uint j = 0; j < nd; j++) {
			char dn[160] = "";
			clGetDeviceInfo(dv[j], CL_DEVICE_NAME, sizeof(dn) - 1, dn, NULL);
			cl_ulong mem = 0;
			clGetDeviceInfo(dv[j], CL_DEVICE_GLOBAL_MEM_SIZE, sizeof(mem), &mem, NULL);
			const char *why = unsuitable(dv[j]);
			PUT("opencl:%u.%u  %s  %s (%s), %llu MiB  %s%s\n", i, j,
			    is_gpu(dv[j]) ? "gpu" : "cpu/other", dn, pn,
			    (unsigned long long)(mem >> 20), why ? "unusable: " : "usable",
			    why ? why : "");
			count++;
		}
	}
	if (!count)
		PUT("no OpenCL device found\n");
#undef PUT
	return count;
}
