/*
 * kernel_compat.h - the thin layer between the kernel sources (nn_kernels.cl)
 * and the language they are compiled as. Kernels use only these names for
 * work-item ids, address spaces, barriers and helper functions, so that a CUDA
 * host could compile the same sources with a CUDA version of this file (as
 * Blender Cycles keeps one kernel source for CPU, CUDA and OpenCL).
 *
 * This is the OpenCL C 1.2 version. It comes first in the program source the
 * backend builds (CMake concatenates kernel_compat.h, simd_opencl.h,
 * ../nn_math.h and nn_kernels.cl into one string embedded in the library).
 */
#pragma OPENCL FP_CONTRACT OFF

#define KERNEL __kernel
#define GLOBAL __global
#define LOCAL __local
#define DEVINL static inline
#define GID(d) ((ulong)get_global_id(d))
#define LID(d) ((uint)get_local_id(d))
#define GROUP(d) ((ulong)get_group_id(d))
#define BARRIER_LOCAL() barrier(CLK_LOCAL_MEM_FENCE)

typedef int s32;
typedef uint u32;
typedef ulong u64;
typedef uchar u8;
