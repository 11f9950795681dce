/*
 * test_seed_models_grad.c - the seed models' backward passes against finite
 * differences: for a tiny configuration of each model, the analytic gradient of
 * the mean cross-entropy (what update() feeds to Adam) is compared with central
 * differences of the loss, tensor by tensor, on a sample of entries.
 *
 * The check runs at a block's first step, where every token of every level is
 * computed from scratch (so a forward can be repeated without moving the
 * caches); the rows-of-one path of later steps is covered by the round trips
 * and the learning test in test_seed_models.c.
 */
#include <math.h>

#include "codec/registry.h"
#include "model/seed_common.h"
#include "test_util.h"

static double loss_of(seed_model *m, const u8 *ctx, const u8 *next, u32 B)
{
	m->first = 1;
	m->hooks->forward(m, ctx, B);
	double s = 0;
	for (u32 b = 0; b < B; b++)
		s -= log((double)m->probs[b * 256 + next[b]]);
	return s / B;
}

static void check_model(const char *name, nz_model_config cfg, int steps_before)
{
	const nz_model_desc *d = nz_model_lookup(cfg.model);
	REQUIRE(d);
	d->defaults(&cfg, 6, NZ_CONTENT_SIZE_UNKNOWN);
	REQUIRE(d->validate(&cfg) == NZ_OK);
	nz_exec *ex;
	REQUIRE(nz_exec_create(&ex, 1, NZ_NN_BACKEND_AUTO) == NZ_OK);
	nz_byte_model *bm;
	REQUIRE(d->create_byte_model(&cfg, ex, &bm) == NZ_OK);
	seed_model *m = (seed_model *)bm;
	const u32 B = cfg.lanes, C = bm->context;
	u8 *ctx = malloc((size_t)B * C), *next = malloc(B);
	float *probs = malloc((size_t)B * 256 * sizeof(float));
	nz_test_rng r = {42};
	REQUIRE(bm->ops->begin_block(bm, B, 0) == NZ_OK);
	/* a few real steps first so that weights and moments are not at their start */
	for (int s = 0; s <= steps_before; s++) {
		for (size_t i = 0; i < (size_t)B * C; i++)
			ctx[i] = (u8)("etaoin shrdlu"[nz_test_next(&r) % 13]);
		for (u32 b = 0; b < B; b++)
			next[b] = (u8)("etaoin shrdlu"[nz_test_next(&r) % 13]);
		if (s == steps_before)
			break;
		REQUIRE(bm->ops->predict(bm, ctx, B, probs) == NZ_OK);
		REQUIRE(bm->ops->update(bm, next, B) == NZ_OK);
	}
	/* analytic gradient */
	memcpy(m->ctx_bytes, ctx, (size_t)B * C);
	(void)loss_of(m, m->ctx_bytes, next, B);
	nz_nn_params_zero_grad(m->ctx, &m->P);
	nz_softmax_xent_backward(m->ctx, m->dlogits, m->probs, next, B, 256, 1.0f / (float)B);
	m->hooks->backward(m, next, B);
	float *grad = malloc(m->P.total * sizeof(float));
	memcpy(grad, m->P.grad, m->P.total * sizeof(float));

	int bad = 0, checked = 0;
	for (u32 t = 0; t < m->P.layout.n; t++) {
		const nz_nn_tensor_info *ti = &m->P.layout.t[t];
		/* two step sizes: the larger one loses to curvature (LayerNorms of
		 * small rows), the smaller to float32 rounding; the better one counts */
		double num2[2] = {0, 0}, diff2[2] = {0, 0}, ana2 = 0;
		const int samples = ti->count < 12 ? (int)ti->count : 12;
		for (int s = 0; s < samples; s++) {
			/* the largest-gradient entry among a random few, so the
			 * comparison is not all noise */
			size_t best = ti->offset;
			float bg = -1;
			for (int k = 0; k < 8; k++) {
				const size_t i = ti->offset + nz_test_next(&r) % ti->count;
				if (fabsf(grad[i]) > bg) {
					bg = fabsf(grad[i]);
					best = i;
				}
			}
			float *w = m->P.param + best;
			const float w0 = *w;
			const double ana = grad[best];
			ana2 += ana * ana;
			for (int hi = 0; hi < 2; hi++) {
				const float h = (hi ? 3e-3f : 1e-2f) * fmaxf(1.0f, fabsf(w0));
				*w = w0 + h;
				const double lp = loss_of(m, m->ctx_bytes, next, B);
				*w = w0 - h;
				const double lm = loss_of(m, m->ctx_bytes, next, B);
				*w = w0;
				const double num = (lp - lm) / (2.0 * (double)h);
				num2[hi] += num * num;
				diff2[hi] += (num - ana) * (num - ana);
			}
		}
		const double rel = fmin(sqrt(diff2[0]), sqrt(diff2[1])) / (sqrt(ana2) + 1e-3);
		if (sqrt(ana2) < 1e-4 && sqrt(num2[1]) < 1e-4)
			continue; /* nothing measurable (e.g. untouched lanes) */
		checked++;
		if (rel > 0.05) {
			fprintf(stderr, "%s: tensor %s: |num - ana| / |ana| = %.4f (|ana| %.3g, |num| %.3g)\n",
				name, ti->name, rel, sqrt(ana2), sqrt(num2[1]));
			bad++;
		}
	}
	printf("%s: %d tensors checked, %d bad\n", name, checked, bad);
	CHECK(bad == 0);
	CHECK(checked >= 4);
	free(grad);
	free(ctx);
	free(next);
	free(probs);
	bm->ops->destroy(bm);
	nz_exec_free(ex);
}

int main(void)
{
	nz_model_config cfg;
	/* tiny shapes with odd widths (EDPC with 3 branches), LayerNorm rows of 8 or more */
	memset(&cfg, 0, sizeof(cfg));
	cfg.model = NZ_MODEL_EDPC, cfg.coding = NZ_CODING_BYTES, cfg.preset = 3, cfg.lanes = 5;
	cfg.context = 4, cfg.hidden = 24, cfg.ffn = 20;
	cfg.extra[0] = 3, cfg.extra[1] = 8, cfg.extra[2] = 12, cfg.extra[3] = 3, cfg.extra[4] = 5;
	check_model("edpc", cfg, 2);

	memset(&cfg, 0, sizeof(cfg));
	cfg.model = NZ_MODEL_PAC, cfg.coding = NZ_CODING_BYTES, cfg.preset = 3, cfg.lanes = 5;
	cfg.context = 8, cfg.hidden = 64, cfg.ffn = 20, cfg.extra[0] = 3;
	check_model("pac", cfg, 2);

	memset(&cfg, 0, sizeof(cfg));
	cfg.model = NZ_MODEL_SEP, cfg.coding = NZ_CODING_BYTES, cfg.preset = 3, cfg.lanes = 5;
	cfg.context = 12, cfg.hidden = 64, cfg.ffn = 20;
	cfg.extra[0] = 3, cfg.extra[1] = 8, cfg.extra[2] = 2;
	check_model("sep", cfg, 2);

	memset(&cfg, 0, sizeof(cfg));
	cfg.model = NZ_MODEL_TRACE, cfg.coding = NZ_CODING_BYTES, cfg.preset = 3, cfg.lanes = 5;
	cfg.context = 12, cfg.hidden = 24, cfg.ffn = 20;
	cfg.extra[0] = 3, cfg.extra[1] = 2, cfg.extra[2] = 2;
	check_model("trace", cfg, 2);
	return nz_test_finish("test_seed_models_grad");
}
