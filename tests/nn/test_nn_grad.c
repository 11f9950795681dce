/*
 * test_nn_grad.c - every op's backward against central finite differences of a
 * double-precision forward (written here from the op's definition), and every
 * op's float forward against that double forward. The loss is a random linear
 * function of the outputs, L = sum w[i] * y[i], so dy = w. Adam is checked
 * against a double-precision transcription of torch.optim.Adam / AdamW.
 */
#include <math.h>

#include "nn_test_common.h"

typedef void (*fwd_fn)(const void *dims, const double *in, double *out);

static double loss_of(fwd_fn f, const void *dims, const double *in, double *out, size_t nout,
		      const float *w)
{
	f(dims, in, out);
	double L = 0;
	for (size_t i = 0; i < nout; i++)
		L += (double)w[i] * out[i];
	return L;
}

/* Compare the engine's forward output y (float) with the double forward, and
 * the analytic gradient ana (float, over the packed inputs) with finite
 * differences. */
static void check(const char *name, fwd_fn f, const void *dims, const float *in_f, size_t nin,
		  const float *y, size_t nout, const float *w, const float *ana)
{
	double *in = calloc(nin + 1, sizeof(double)), *out = calloc(nout + 1, sizeof(double));
	REQUIRE(in && out);
	for (size_t i = 0; i < nin; i++)
		in[i] = in_f[i];
	double fwd_err = 0;
	if (y) {
		f(dims, in, out);
		for (size_t i = 0; i < nout; i++) {
			double e = fabs((double)y[i] - out[i]) / (fabs(out[i]) + 1e-3);
			if (e > fwd_err)
				fwd_err = e;
		}
	}
	double grad_err = 0;
	size_t worst = 0;
	const size_t step = nin > 400 ? nin / 400 : 1;
	for (size_t i = 0; i < nin; i += step) {
		const double x0 = in[i], h = 1e-4 * (fabs(x0) > 1 ? fabs(x0) : 1);
		in[i] = x0 + h;
		const double lp = loss_of(f, dims, in, out, nout, w);
		in[i] = x0 - h;
		const double lm = loss_of(f, dims, in, out, nout, w);
		in[i] = x0;
		const double num = (lp - lm) / (2 * h);
		const double e = fabs(num - (double)ana[i]) / (fabs(num) + fabs((double)ana[i]) + 1e-2);
		if (e > grad_err) {
			grad_err = e;
			worst = i;
		}
	}
	printf("%-14s forward rel err %.2e, gradient rel err %.2e (%zu inputs)\n", name, fwd_err,
	       grad_err, nin);
	if (fwd_err > 1e-4 || grad_err > 2e-3) {
		fprintf(stderr, "%s: forward %.2e gradient %.2e (worst input %zu: ana %g)\n", name,
			fwd_err, grad_err, worst, (double)ana[worst]);
		nz_test_failures++;
	}
	free(in);
	free(out);
}

typedef struct dims {
	u32 B, D, OC, R, D1, D2, T, E, V;
	float eps;
	const u8 *tok;
	int affine;
} dims;

/* ---- double forwards ---- */

static double gelu_d(double x) { return 0.5 * x * (1 + erf(x / sqrt(2.0))); }

static void f_gelu(const void *d_, const double *in, double *out)
{
	const dims *d = d_;
	for (size_t i = 0; i < (size_t)d->B * d->D; i++)
		out[i] = gelu_d(in[i]);
}
static void f_gelu_mul(const void *d_, const double *in, double *out)
{
	const dims *d = d_;
	const size_t n = (size_t)d->B * d->D;
	for (size_t i = 0; i < n; i++)
		out[i] = gelu_d(in[i]) * in[n + i];
}
static void f_sigmoid(const void *d_, const double *in, double *out)
{
	const dims *d = d_;
	for (size_t i = 0; i < (size_t)d->B * d->D; i++)
		out[i] = 1 / (1 + exp(-in[i]));
}
static void f_tanh(const void *d_, const double *in, double *out)
{
	const dims *d = d_;
	for (size_t i = 0; i < (size_t)d->B * d->D; i++)
		out[i] = tanh(in[i]);
}
static void f_mul(const void *d_, const double *in, double *out)
{
	const dims *d = d_;
	const size_t n = (size_t)d->B * d->D;
	for (size_t i = 0; i < n; i++)
		out[i] = in[i] * in[n + i];
}
static void f_add(const void *d_, const double *in, double *out)
{
	const dims *d = d_;
	const size_t n = (size_t)d->B * d->D;
	for (size_t i = 0; i < n; i++)
		out[i] = in[i] + in[n + i];
}
static void f_avg2(const void *d_, const double *in, double *out)
{
	const dims *d = d_;
	const size_t n = (size_t)d->B * d->D;
	for (size_t i = 0; i < n; i++)
		out[i] = (in[i] + in[n + i]) * 0.5;
}
/* inputs: x (B, D), then g (D), b (D) if affine */
static void f_layernorm(const void *d_, const double *in, double *out)
{
	const dims *d = d_;
	const double *g = in + (size_t)d->B * d->D, *b = g + d->D;
	for (u32 r = 0; r < d->B; r++) {
		const double *x = in + (size_t)r * d->D;
		double mu = 0, var = 0;
		for (u32 i = 0; i < d->D; i++)
			mu += x[i];
		mu /= d->D;
		for (u32 i = 0; i < d->D; i++)
			var += (x[i] - mu) * (x[i] - mu);
		var /= d->D;
		const double rs = 1 / sqrt(var + d->eps);
		for (u32 i = 0; i < d->D; i++) {
			const double n = (x[i] - mu) * rs;
			out[(size_t)r * d->D + i] = d->affine ? n * g[i] + b[i] : n;
		}
	}
}
/* inputs: x (B, D), w (OC, D), b (OC) */
static void f_linear(const void *d_, const double *in, double *out)
{
	const dims *d = d_;
	const double *w = in + (size_t)d->B * d->D, *b = w + (size_t)d->OC * d->D;
	for (u32 r = 0; r < d->B; r++)
		for (u32 o = 0; o < d->OC; o++) {
			double s = b[o];
			for (u32 i = 0; i < d->D; i++)
				s += in[(size_t)r * d->D + i] * w[(size_t)o * d->D + i];
			out[(size_t)r * d->OC + o] = s;
		}
}
/* inputs: x (B, R, D1), u (B, D1, D2), bias (B, R, D2) */
static void f_bmm(const void *d_, const double *in, double *out)
{
	const dims *d = d_;
	const double *u = in + (size_t)d->B * d->R * d->D1, *bias = u + (size_t)d->B * d->D1 * d->D2;
	for (u32 n = 0; n < d->B; n++)
		for (u32 r = 0; r < d->R; r++)
			for (u32 j = 0; j < d->D2; j++) {
				double s = bias[((size_t)n * d->R + r) * d->D2 + j];
				for (u32 k = 0; k < d->D1; k++)
					s += in[((size_t)n * d->R + r) * d->D1 + k] *
					     u[((size_t)n * d->D1 + k) * d->D2 + j];
				out[((size_t)n * d->R + r) * d->D2 + j] = s;
			}
}
/* inputs: table (256, E) */
static void f_embedding(const void *d_, const double *in, double *out)
{
	const dims *d = d_;
	for (u32 b = 0; b < d->B; b++)
		for (u32 t = 0; t < d->T; t++)
			for (u32 e = 0; e < d->E; e++)
				out[((size_t)b * d->T + t) * d->E + e] = in[(size_t)d->tok[b * d->T + t] * d->E + e];
}
/* inputs: a (B, D), b (B, OC) -> (B, D + OC) */
static void f_concat(const void *d_, const double *in, double *out)
{
	const dims *d = d_;
	const double *b = in + (size_t)d->B * d->D;
	for (u32 r = 0; r < d->B; r++) {
		for (u32 i = 0; i < d->D; i++)
			out[(size_t)r * (d->D + d->OC) + i] = in[(size_t)r * d->D + i];
		for (u32 i = 0; i < d->OC; i++)
			out[(size_t)r * (d->D + d->OC) + d->D + i] = b[(size_t)r * d->OC + i];
	}
}
/* inputs: logits (B, V); output: the mean cross-entropy (one value) */
static void f_xent(const void *d_, const double *in, double *out)
{
	const dims *d = d_;
	double L = 0;
	for (u32 r = 0; r < d->B; r++) {
		const double *l = in + (size_t)r * d->V;
		double m = l[0], s = 0;
		for (u32 i = 1; i < d->V; i++)
			m = l[i] > m ? l[i] : m;
		for (u32 i = 0; i < d->V; i++)
			s += exp(l[i] - m);
		L += log(s) + m - l[d->tok[r]];
	}
	out[0] = L / d->B;
}

static float *cat2(const float *a, size_t na, const float *b, size_t nb)
{
	float *p = malloc((na + nb + 1) * sizeof(float));
	REQUIRE(p);
	memcpy(p, a, na * sizeof(float));
	memcpy(p + na, b, nb * sizeof(float));
	return p;
}

static void test_all(nz_nn_ctx *ctx, nz_test_rng *r)
{
	dims d = {.B = 5, .D = 37, .OC = 11, .R = 2, .D1 = 9, .D2 = 13, .T = 3, .E = 6, .V = 20,
		  .eps = 1e-5f};
	const size_t n = (size_t)d.B * d.D;
	float *x = rand_array(n, -3, 3, r), *x2 = rand_array(n, -3, 3, r);
	float *w = rand_array(n, -1, 1, r), *y = rand_array(n, 0, 1, r);
	float *g1 = rand_array(n, 0, 1, r), *g2 = rand_array(n, 0, 1, r);

	nz_gelu_forward(ctx, y, x, n);
	nz_gelu_backward(ctx, g1, w, x, n, 0);
	check("gelu", f_gelu, &d, x, n, y, n, w, g1);

	nz_gelu_mul_forward(ctx, y, x, x2, n);
	nz_gelu_mul_backward(ctx, g1, g2, w, x, x2, n, 0);
	{
		float *in = cat2(x, n, x2, n), *ga = cat2(g1, n, g2, n);
		check("gelu_mul", f_gelu_mul, &d, in, 2 * n, y, n, w, ga);
		free(in), free(ga);
	}

	nz_sigmoid_forward(ctx, y, x, n);
	nz_sigmoid_backward(ctx, g1, w, y, n, 0);
	check("sigmoid", f_sigmoid, &d, x, n, y, n, w, g1);

	nz_tanh_forward(ctx, y, x, n);
	nz_tanh_backward(ctx, g1, w, y, n, 0);
	check("tanh", f_tanh, &d, x, n, y, n, w, g1);

	nz_mul_forward(ctx, y, x, x2, n);
	nz_mul_backward(ctx, g1, g2, w, x, x2, n, 0);
	{
		float *in = cat2(x, n, x2, n), *ga = cat2(g1, n, g2, n);
		check("mul", f_mul, &d, in, 2 * n, y, n, w, ga);
		nz_add_forward(ctx, y, x, x2, n);
		nz_add_backward(ctx, g1, g2, w, n, 0);
		free(ga);
		ga = cat2(g1, n, g2, n);
		check("add", f_add, &d, in, 2 * n, y, n, w, ga);
		nz_avg2_forward(ctx, y, x, x2, n);
		nz_avg2_backward(ctx, g1, g2, w, n, 0);
		free(ga);
		ga = cat2(g1, n, g2, n);
		check("avg2", f_avg2, &d, in, 2 * n, y, n, w, ga);
		free(in), free(ga);
	}

	/* layernorm, affine and not */
	for (int affine = 0; affine < 2; affine++) {
		d.affine = affine;
		float *gb = rand_array(2 * d.D, 0.5f, 1.5f, r), *dgb = calloc(2 * d.D, sizeof(float));
		float *mean = rand_array(d.B, 0, 1, r), *rstd = rand_array(d.B, 0, 1, r);
		REQUIRE(dgb);
		const float *g = affine ? gb : NULL, *b = affine ? gb + d.D : NULL;
		nz_layernorm_forward(ctx, y, mean, rstd, x, g, b, d.B, d.D, d.eps);
		nz_layernorm_backward(ctx, g1, affine ? dgb : NULL, affine ? dgb + d.D : NULL, w, x,
				      mean, rstd, g, d.B, d.D, 0);
		float *in = cat2(x, n, gb, 2 * d.D), *ga = cat2(g1, n, dgb, 2 * d.D);
		check(affine ? "layernorm" : "layernorm_noaff", f_layernorm, &d, in,
		      n + (affine ? 2 * d.D : 0), y, n, w, ga);
		free(in), free(ga), nz_free_aligned(gb), free(dgb);
		nz_free_aligned(mean), nz_free_aligned(rstd);
	}

	/* linear */
	{
		const size_t nw = (size_t)d.OC * d.D, no = (size_t)d.B * d.OC;
		float *wb = rand_array(nw + d.OC, -1, 1, r), *dwb = calloc(nw + d.OC, sizeof(float));
		float *yo = rand_array(no, 0, 1, r), *wo = rand_array(no, -1, 1, r);
		REQUIRE(dwb);
		nz_linear_forward(ctx, yo, x, wb, wb + nw, d.B, d.D, d.OC);
		nz_linear_backward(ctx, g1, dwb, dwb + nw, wo, x, wb, d.B, d.D, d.OC, 0);
		float *in = cat2(x, n, wb, nw + d.OC), *ga = cat2(g1, n, dwb, nw + d.OC);
		check("linear", f_linear, &d, in, n + nw + d.OC, yo, no, wo, ga);
		free(in), free(ga), nz_free_aligned(wb), free(dwb), nz_free_aligned(yo), nz_free_aligned(wo);
	}

	/* per-lane product */
	{
		const size_t nx = (size_t)d.B * d.R * d.D1, nu = (size_t)d.B * d.D1 * d.D2;
		const size_t ny = (size_t)d.B * d.R * d.D2, nin = nx + nu + ny;
		float *in = rand_array(nin, -1, 1, r), *ga = calloc(nin, sizeof(float));
		float *yo = rand_array(ny, 0, 1, r), *wo = rand_array(ny, -1, 1, r);
		REQUIRE(ga);
		nz_bmm_forward(ctx, yo, in, in + nx, in + nx + nu, d.B, d.R, d.D1, d.D2);
		nz_bmm_backward(ctx, ga, ga + nx, ga + nx + nu, wo, in, in + nx, d.B, d.R, d.D1, d.D2, 0);
		check("bmm", f_bmm, &d, in, nin, yo, ny, wo, ga);
		nz_free_aligned(in), free(ga), nz_free_aligned(yo), nz_free_aligned(wo);
	}

	/* embedding (repeated tokens accumulate) */
	{
		u8 tok[5 * 3] = {1, 2, 1, 7, 7, 7, 0, 255, 1, 2, 3, 4, 5, 1, 2};
		d.tok = tok;
		const size_t nt = 256 * (size_t)d.E, no = (size_t)d.B * d.T * d.E;
		float *table = rand_array(nt, -1, 1, r), *dt = calloc(nt, sizeof(float));
		float *yo = rand_array(no, 0, 1, r), *wo = rand_array(no, -1, 1, r);
		REQUIRE(dt);
		nz_embedding_forward(ctx, yo, tok, d.T, table, d.B, d.T, d.E);
		nz_embedding_backward(ctx, dt, wo, tok, d.T, d.B, d.T, d.E);
		check("embedding", f_embedding, &d, table, nt, yo, no, wo, dt);
		nz_free_aligned(table), free(dt), nz_free_aligned(yo), nz_free_aligned(wo);
	}

	/* concat */
	{
		const size_t nb = (size_t)d.B * d.OC, no = n + nb;
		float *b = rand_array(nb, -1, 1, r), *gb = rand_array(nb, 0, 1, r);
		float *yo = rand_array(no, 0, 1, r), *wo = rand_array(no, -1, 1, r);
		nz_concat_forward(ctx, yo, x, d.D, b, d.OC, d.B);
		nz_concat_backward(ctx, g1, gb, wo, d.D, d.OC, d.B, 0);
		float *in = cat2(x, n, b, nb), *ga = cat2(g1, n, gb, nb);
		check("concat", f_concat, &d, in, no, yo, no, wo, ga);
		free(in), free(ga), nz_free_aligned(b), nz_free_aligned(gb);
		nz_free_aligned(yo), nz_free_aligned(wo);
	}

	/* softmax + mean cross-entropy */
	{
		u8 tg[5] = {3, 0, 19, 7, 7};
		d.tok = tg;
		const size_t nl = (size_t)d.B * d.V;
		float *lg = rand_array(nl, -5, 5, r), *p = rand_array(nl, 0, 1, r);
		float *dl = rand_array(nl, 0, 1, r), one = 1.0f;
		nz_softmax_forward(ctx, p, lg, d.B, d.V);
		nz_softmax_xent_backward(ctx, dl, p, tg, d.B, d.V, 1.0f / (float)d.B);
		float loss = nz_xent_loss(ctx, p, tg, d.B, d.V);
		check("softmax_xent", f_xent, &d, lg, nl, &loss, 1, &one, dl);
		double sum = 0;
		for (u32 i = 0; i < d.V; i++)
			sum += p[i];
		CHECK(fabs(sum - 1) < 1e-6);
		nz_free_aligned(lg), nz_free_aligned(p), nz_free_aligned(dl);
	}

	nz_free_aligned(x), nz_free_aligned(x2), nz_free_aligned(w), nz_free_aligned(y);
	nz_free_aligned(g1), nz_free_aligned(g2);
}

/* torch.optim.Adam (decoupled = 0) and AdamW (1) in double. */
static void test_adam(nz_nn_ctx *ctx, nz_test_rng *r)
{
	for (int decoupled = 0; decoupled < 2; decoupled++) {
		const size_t n = 333;
		float *p = rand_array(n, -1, 1, r), *m = calloc(n, sizeof(float));
		float *v = calloc(n, sizeof(float)), *g = rand_array(n, -1, 1, r);
		double *pd = malloc(n * sizeof(double)), *md = calloc(n, sizeof(double));
		double *vd = calloc(n, sizeof(double));
		REQUIRE(m && v && pd && md && vd);
		for (size_t i = 0; i < n; i++)
			pd[i] = p[i];
		nz_adam a;
		nz_adam_init(&a);
		a.decoupled = decoupled;
		a.weight_decay = decoupled ? 0.01f : 1e-3f;
		const double lr = a.lr, b1 = a.beta1, b2 = a.beta2, eps = a.eps, wd = a.weight_decay;
		double err = 0;
		for (int t = 1; t <= 20; t++) {
			rand_fill(g, n, -1, 1, r);
			nz_adam_update(ctx, &a, p, g, m, v, n, 0);
			for (size_t i = 0; i < n; i++) {
				double gr = g[i];
				if (decoupled)
					pd[i] *= 1 - lr * wd;
				else
					gr += wd * pd[i];
				md[i] = b1 * md[i] + (1 - b1) * gr;
				vd[i] = b2 * vd[i] + (1 - b2) * gr * gr;
				const double mh = md[i] / (1 - pow(b1, t)), vh = vd[i] / (1 - pow(b2, t));
				pd[i] -= lr * mh / (sqrt(vh) + eps);
			}
		}
		for (size_t i = 0; i < n; i++) {
			const double e = fabs(p[i] - pd[i]);
			if (e > err)
				err = e;
		}
		printf("%-14s max abs error after 20 steps %.2e\n", decoupled ? "adamw" : "adam", err);
		CHECK(err < 1e-6);
		nz_free_aligned(p), free(m), free(v), nz_free_aligned(g), free(pd), free(md), free(vd);
	}
}

int main(void)
{
	nz_test_rng r = {777};
	nz_nn_ctx *ctx = make_ctx(nz_nn_backend_best(), 1);
	REQUIRE(ctx);
	printf("backend %s\n", nz_nn_backend_name(nz_nn_backend(ctx)));
	test_all(ctx, &r);
	test_adam(ctx, &r);
	nz_nn_free(ctx);
	return nz_test_finish("test_nn_grad");
}
