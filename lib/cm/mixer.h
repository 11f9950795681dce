/*
 * mixer.h - gated logistic mixing in two layers. Each layer-1 mixer computes
 * p = squash(sum w_i st_i) over all inputs with one of several weight sets,
 * selected by a small context the assembling model gives (cm_model.c,
 * "mixer contexts"), and trains w_i += st_i err lr (err = y - p). Weights are
 * 16.16 fixed point clamped to +-8. With 2 or more layer-1 mixers a final
 * mixer (one weight set per partial byte c0) combines their stretched outputs.
 *
 * The dot product and the training step have AVX2 and AVX-512 kernels
 * (mixer_avx2.c, mixer_avx512.c) beside the plain C one; which one runs
 * follows the library's backend choice
 * (nz_nn_backend_resolve: "scalar" gives the plain kernels). Both compute the
 * same integers: inputs are +-2047 and weights < 2^19, so every product fits
 * in 31 bits, and the products are summed after >> 8, in any order.
 */
#ifndef NZ_CM_MIXER_H
#define NZ_CM_MIXER_H

#include "cm/logistic.h"

#define CM_WMAX ((1 << 19) - 1)
#define CM_MIX_LR 8      /* layer-1 mixer learning rate (x err >> 16) */
#define CM_MIX2_LR 2     /* final mixer learning rate */
#define CM_FMIX_SETS (256 * 3) /* final mixer weight sets at most (CM_F_FMIX) */

/* n is a multiple of 8, x 32-byte aligned; inputs past the real ones are 0. */
typedef struct cm_mixer_kernels {
	s32 (*dot)(const s32 *x, const s32 *w, u32 n);
	void (*train)(const s32 *x, s32 *w, u32 n, s32 err);
	const char *name;
} cm_mixer_kernels;

/* The kernels for a backend (NZ_NN_BACKEND_*; AUTO follows $NZIP_BACKEND and
 * the CPU, like the engine). */
cm_mixer_kernels nz_cm_mixer_kernels_for(int backend);
extern const cm_mixer_kernels nz_cm_mixer_kernels_c;
#if defined(__x86_64__) || defined(__i386__)
#define CM_HAVE_MIXER_AVX2 1
#define CM_HAVE_MIXER_AVX512 1
extern const cm_mixer_kernels nz_cm_mixer_kernels_avx2;
extern const cm_mixer_kernels nz_cm_mixer_kernels_avx512;
#endif

/* Weight sets of each layer-1 mixer (the range of its selector context). */
extern const u32 nz_cm_mixer_sets[CM_MIXERS_ALLOC];

typedef struct cm_mixer {
	s32 x[CM_MAXIN] __attribute__((aligned(64))); /* the inputs of this bit */
	u32 nin, nin_pad;
	u32 nact;             /* inputs read (a multiple of 8, <= nin_pad): those after are 0 */
	u32 n;                /* layer-1 mixers */
	cm_mixer_kernels k;
	s32 *w;               /* mixers x sets x nin_pad (shared by lanes) */
	u32 wofs[CM_MIXERS_ALLOC];
	s32 *wsel[CM_MIXERS_ALLOC];
	s32 mdot[CM_MIXERS_ALLOC];
	s32 mpr[CM_MIXERS_ALLOC];
	s32 fw[CM_FMIX_SETS * CM_MIXERS_ALLOC]; /* final mixer: a set per partial byte (x match state) */
	s32 *fwsel;
	s32 fdot, fpr;
	s32 lr;               /* layer-1 learning rate (lr_base, or decaying with CM_F_LRDECAY) */
	s32 lr_base, lr2;     /* layer 1's and the final mixer's rates (CM_MIX_LR, CM_MIX2_LR by default) */
} cm_mixer;

/* nin inputs (at most CM_MAXIN), `mixers` layer-1 mixers. */
int nz_cm_mixer_init(cm_mixer *mx, u32 nin, u32 mixers, int backend);
void nz_cm_mixer_free(cm_mixer *mx);
/* Bytes of weights nz_cm_mixer_init allocates for nin inputs and `mixers` mixers. */
u64 nz_cm_mixer_memory(u32 nin, u32 mixers);
/* The learning rates (x err >> 16; the defaults are CM_MIX_LR and CM_MIX2_LR):
 * the final mixer's at once, layer 1's at the next nz_cm_mixer_reset_lane. */
void nz_cm_mixer_set_rates(cm_mixer *mx, s32 lr, s32 lr2);
void nz_cm_mixer_reset_shared(cm_mixer *mx);
void nz_cm_mixer_reset_lane(cm_mixer *mx);

/* The 12-bit probability of the inputs in mx->x; sel[i] < nz_cm_mixer_sets[i]
 * picks mixer i's weight set, c0 (< CM_FMIX_SETS: the partial byte, or with
 * CM_F_FMIX more) the final mixer's. */
NZ_INLINE u32 cm_mixer_mix(cm_mixer *mx, const cm_logistic *lg, const u32 *sel, u32 c0)
{
	const u32 nm = mx->n, np = mx->nin_pad;
	for (u32 i = 0; i < nm; i++) {
#ifdef NZ_CHECKS /* fuzz and sanitizer builds: a selector past its mixer's sets
		  * would read another mixer's weights, which no sanitizer sees */
		if (sel[i] >= nz_cm_mixer_sets[i])
			__builtin_trap();
#endif
		s32 *w = mx->w + mx->wofs[i] + sel[i] * np;
		mx->wsel[i] = w;
		s32 d = mx->k.dot(mx->x, w, mx->nact) >> 8;
		if (d > 2047)
			d = 2047;
		if (d < -2047)
			d = -2047;
		mx->mdot[i] = d;
		mx->mpr[i] = cm_squash(lg, d);
	}
	if (nm == 1)
		return (u32)mx->mpr[0];
#ifdef NZ_CHECKS
	if (c0 >= CM_FMIX_SETS)
		__builtin_trap();
#endif
	s32 *fw = mx->fw + c0 * CM_MIXERS_ALLOC;
	mx->fwsel = fw;
	s64 dot = 0;
	for (u32 i = 0; i < nm; i++)
		dot += (s64)mx->mdot[i] * fw[i];
	s32 d = (s32)(dot >> 16);
	if (d > 2047)
		d = 2047;
	if (d < -2047)
		d = -2047;
	mx->fdot = d;
	mx->fpr = cm_squash(lg, d);
	return (u32)mx->fpr;
}

NZ_INLINE void cm_mixer_update(cm_mixer *mx, int y)
{
	const u32 nm = mx->n;
	for (u32 i = 0; i < nm; i++) {
		s32 err = ((y << 12) - mx->mpr[i]) * mx->lr;
		mx->k.train(mx->x, mx->wsel[i], mx->nact, err);
	}
	if (nm > 1) {
		s32 err = ((y << 12) - mx->fpr) * mx->lr2;
		s32 *fw = mx->fwsel;
		for (u32 i = 0; i < nm; i++)
			fw[i] += (mx->mdot[i] * err + (1 << 13)) >> 14;
	}
}

#endif /* NZ_CM_MIXER_H */
