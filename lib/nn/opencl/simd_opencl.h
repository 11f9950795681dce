/*
 * simd_opencl.h - the vector primitives of nn_math.h for OpenCL C, one lane
 * wide (a work-item is a lane): the same IEEE-754 binary32 operation per
 * primitive as simd_scalar.h. The program is built with FP_CONTRACT OFF and
 * -cl-fp32-correctly-rounded-divide-sqrt; fma() is correctly rounded in OpenCL.
 * No native_*, half_*, mad() or fmax(): max and min are the selects of
 * docs/NUMERICS.md section 1.
 */
#define VW 1
#define VINL static inline

typedef float V;
typedef int VI;
typedef int VM;

VINL V v_zero(void) { return 0.0f; }
VINL V v_set1(float a) { return a; }
VINL V v_add(V a, V b) { return a + b; }
VINL V v_sub(V a, V b) { return a - b; }
VINL V v_mul(V a, V b) { return a * b; }
VINL V v_div(V a, V b) { return a / b; }
VINL V v_sqrt(V a) { return sqrt(a); }
VINL V v_fma(V a, V b, V c) { return fma(a, b, c); }
VINL V v_max(V a, V b) { return a > b ? a : b; }
VINL V v_min(V a, V b) { return a < b ? a : b; }
VINL VM v_lt(V a, V b) { return a < b; }
VINL VM v_gt(V a, V b) { return a > b; }
VINL VM v_eq(V a, V b) { return a == b; }
VINL VM v_unord(V a, V b) { return a != a || b != b; }
VINL VM vm_or(VM a, VM b) { return a | b; }
VINL V v_sel(VM m, V a, V b) { return m ? a : b; }
VINL VI v_bits(V a) { return as_int(a); }
VINL V v_frombits(VI i) { return as_float(i); }
VINL VI vi_set1(int a) { return a; }
VINL VI vi_add(VI a, VI b) { return as_int(as_uint(a) + as_uint(b)); }
VINL VI vi_sub(VI a, VI b) { return as_int(as_uint(a) - as_uint(b)); }
VINL VI vi_and(VI a, VI b) { return a & b; }
VINL VI vi_or(VI a, VI b) { return a | b; }
VINL VI vi_xor(VI a, VI b) { return a ^ b; }
#define vi_sll(a, n) as_int(as_uint(a) << (n))
#define vi_sra(a, n) ((VI)((a) >> (n)))
VINL V v_cvt_i2f(VI a) { return (float)a; }
