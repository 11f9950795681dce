/*
 * mixer.c - the mixer's weights and its plain C kernels; the kernel choice
 * (mixer.h).
 */
#include "cm/mixer.h"
#include "common/cpu.h"
#include "nn/nn.h"

const u32 nz_cm_mixer_sets[CM_MIXERS_ALLOC] = {80, 256, 256, 256, 256, 12 * 3 * 8, 512, 512, 512};

static s32 dot_c(const s32 *x, const s32 *w, u32 n)
{
	s32 s = 0;
	for (u32 i = 0; i < n; i++)
		s += (x[i] * w[i]) >> 8;
	return s;
}

static void train_c(const s32 *x, s32 *w, u32 n, s32 err)
{
	for (u32 i = 0; i < n; i++) {
		s32 v = w[i] + ((x[i] * err + 0x8000) >> 16);
		w[i] = v > CM_WMAX ? CM_WMAX : v < -CM_WMAX ? -CM_WMAX : v;
	}
}

const cm_mixer_kernels nz_cm_mixer_kernels_c = {dot_c, train_c, "scalar"};

cm_mixer_kernels nz_cm_mixer_kernels_for(int backend)
{
	int b = nz_nn_backend_resolve(backend);
	(void)b;
#ifdef CM_HAVE_MIXER_AVX512
	if (b == NZ_NN_BACKEND_AVX512 && (nz_cpu_features() & NZ_CPU_AVX512F))
		return nz_cm_mixer_kernels_avx512;
#endif
#ifdef CM_HAVE_MIXER_AVX2
	if ((b == NZ_NN_BACKEND_AVX2 || b == NZ_NN_BACKEND_AVX512) &&
	    (nz_cpu_features() & NZ_CPU_AVX2))
		return nz_cm_mixer_kernels_avx2;
#endif
	return nz_cm_mixer_kernels_c;
}

int nz_cm_mixer_init(cm_mixer *mx, u32 nin, u32 mixers, int backend)
{
	if (nin > CM_MAXIN || mixers < 1 || mixers > CM_MIXERS_ALLOC)
		return NZ_ERR_PARAM;
	mx->nin = nin;
	mx->nin_pad = (nin + 7) & ~7u;
	mx->nact = mx->nin_pad;
	mx->lr_base = CM_MIX_LR;
	mx->lr2 = CM_MIX2_LR;
	mx->n = mixers;
	mx->k = nz_cm_mixer_kernels_for(backend);
	u32 tot = 0;
	for (u32 i = 0; i < mixers; i++) {
		mx->wofs[i] = tot;
		tot += nz_cm_mixer_sets[i] * mx->nin_pad;
	}
	mx->w = nz_malloc_aligned((size_t)tot * 4);
	return mx->w ? NZ_OK : NZ_ERR_NOMEM;
}

void nz_cm_mixer_free(cm_mixer *mx)
{
	nz_free_aligned(mx->w);
	mx->w = NULL;
}

u64 nz_cm_mixer_memory(u32 nin, u32 mixers)
{
	u64 sets = 0; /* what nz_cm_mixer_init allocates */
	for (u32 i = 0; i < mixers && i < CM_MIXERS_ALLOC; i++)
		sets += nz_cm_mixer_sets[i];
	return sets * ((nin + 7) & ~7u) * 4;
}

void nz_cm_mixer_set_rates(cm_mixer *mx, s32 lr, s32 lr2)
{
	mx->lr_base = lr;
	mx->lr2 = lr2;
}

void nz_cm_mixer_reset_shared(cm_mixer *mx)
{
	/* layer-1 weights start at 0 */
	u32 tot = 0;
	for (u32 i = 0; i < mx->n; i++)
		tot += nz_cm_mixer_sets[i] * mx->nin_pad;
	memset(mx->w, 0, (size_t)tot * sizeof(*mx->w));
}

void nz_cm_mixer_reset_lane(cm_mixer *mx)
{
	for (u32 i = 0; i < CM_FMIX_SETS * CM_MIXERS_ALLOC; i++)
		mx->fw[i] = (s32)(65536 / mx->n);
	memset(mx->x, 0, sizeof(mx->x));
	mx->lr = mx->lr_base;
}
