/*
 * test_nn_step.c - the fused optimizer step (nn.h: nz_nn_step_begin,
 * nz_nn_linear_backward_step, nz_nn_step_end) leaves parameters, moments,
 * gradients and input gradients bit for bit as the plain backward pass followed by
 * nz_nn_params_adam_step, on every backend and thread count: over three steps, on
 * odd shapes, with a strided input, an input gradient added to (acc), a layer
 * without bias or dx, one large enough to be cut in pieces, a weight used twice
 * (its first use a plain gradient), a gradient that is not a whole tensor (so it
 * is stepped at the end), and dy overwritten as soon as each call returns (the
 * queued work must have kept its own copy); and a step of more layers than the
 * CPU queues at once.
 */
#include "nn_test_common.h"

typedef struct layer {
	u32 B, IC, OC;
	size_t ldx;
	int dx, bias, acc;
	int tensor; /* weight tensor (its bias is tensor + 1 when bias) */
	int whole;  /* the tensor is exactly OC x IC */
} layer;

enum { NSTEPS = 3, NL = 7 };

/* Layers in call order; layers 4 and 5 share tensor 7 (used twice). */
static const layer layers[NL] = {
	{37, 61, 83, 61, 1, 1, 1, 0, 1},
	{37, 45, 79, 50, 0, 1, 0, 2, 1},  /* strided x, no dx */
	{64, 96, 401, 96, 1, 1, 0, 4, 1}, /* 4.9 Mflop: cut in pieces */
	{23, 17, 13, 17, 1, 0, 0, 6, 0},  /* the tensor is larger: not whole */
	{37, 67, 59, 67, 1, 0, 0, 7, 1},  /* shared weight, first use */
	{37, 67, 59, 67, 1, 0, 1, 7, 1},  /* shared weight, last use */
	{64, 200, 1001, 200, 1, 1, 0, 8, 1}, /* 25.6 Mflop: the CPU declines */
};

typedef struct run_out {
	float *state; /* param, grad, m, v */
	size_t total;
	float *dx[NL];
	u64 t;
	u8 stepped[NZ_NN_MAX_TENSORS]; /* which tensors the backend took */
} run_out;

static void layout_of(nz_nn_layout *l)
{
	nz_nn_layout_init(l);
	nz_nn_layout_add(l, "w0", 83 * 61);
	nz_nn_layout_add(l, "b0", 83);
	nz_nn_layout_add(l, "w1", 79 * 45);
	nz_nn_layout_add(l, "b1", 79);
	nz_nn_layout_add(l, "w2", 401 * 96);
	nz_nn_layout_add(l, "b2", 401);
	nz_nn_layout_add(l, "w3", 13 * 17 + 5);
	nz_nn_layout_add(l, "shared", 59 * 67);
	nz_nn_layout_add(l, "w6", 1001 * 200);
	nz_nn_layout_add(l, "b6", 1001);
	nz_nn_layout_add(l, "ln", 23); /* no op touches it: stepped at the end */
}

static float *upload_rand(nz_nn_ctx *ctx, size_t n, float lo, float hi, u64 seed)
{
	nz_test_rng r = {seed};
	float *h = rand_array(n, lo, hi, &r);
	float *d = nz_nn_alloc(ctx, n ? n : 1);
	REQUIRE(d);
	nz_nn_upload(ctx, d, h, n);
	nz_free_aligned(h);
	return d;
}

static void refill(nz_nn_ctx *ctx, float *d, size_t n, u64 seed)
{
	nz_test_rng r = {seed};
	float *h = rand_array(n, -1.0f, 1.0f, &r);
	nz_nn_upload(ctx, d, h, n);
	nz_free_aligned(h);
}

/* Three steps of all layers, fused (step = 1) or plain then Adam (step = 0). */
static void run(nz_nn_ctx *ctx, int step, run_out *o)
{
	nz_nn_layout l;
	layout_of(&l);
	nz_nn_params P;
	REQUIRE(nz_nn_params_init(ctx, &P, &l) == NZ_OK);
	P.adam.lr = 3e-3f;
	const size_t T = P.total;
	nz_test_rng r = {42};
	float *h = rand_array(4 * T, -1.0f, 1.0f, &r);
	for (size_t i = 0; i < T; i++) {
		h[T + i] = 0.0f;                           /* gradients start at zero */
		h[2 * T + i] *= 0.1f;                      /* m */
		h[3 * T + i] = h[3 * T + i] * h[3 * T + i] * 0.01f; /* v >= 0 */
	}
	nz_nn_upload(ctx, P.mem, h, 4 * T);
	nz_free_aligned(h);
	float *x[NL], *dy[NL], *dx[NL];
	for (int i = 0; i < NL; i++) {
		const layer *L = &layers[i];
		x[i] = upload_rand(ctx, (size_t)L->B * L->ldx, -1.0f, 1.0f, 100 + (u64)i);
		dy[i] = nz_nn_alloc(ctx, (size_t)L->B * L->OC);
		dx[i] = upload_rand(ctx, (size_t)L->B * L->IC, -1.0f, 1.0f, 200 + (u64)i);
		REQUIRE(dy[i]);
	}
	for (int s = 0; s < NSTEPS; s++) {
		if (step)
			nz_nn_step_begin(ctx, &P);
		for (int i = 0; i < NL; i++) {
			const layer *L = &layers[i];
			const nz_nn_tensor_info *tw = &l.t[L->tensor];
			float *w = P.param + tw->offset, *dw = P.grad + tw->offset;
			float *db = L->bias ? P.grad + l.t[L->tensor + 1].offset : NULL;
			float *dxi = L->dx ? dx[i] : NULL;
			refill(ctx, dy[i], (size_t)L->B * L->OC, 1000 * (u64)s + (u64)i);
			if (step) {
				nz_nn_params *p = i == 4 ? NULL : &P; /* the shared weight's first use */
				nz_nn_linear_backward_step(ctx, p, dxi, dw, db, dy[i], x[i], L->ldx, w,
							   L->B, L->IC, L->OC, L->acc);
			} else {
				if (dxi)
					nz_linear_backward(ctx, dxi, NULL, NULL, dy[i], NULL, w, L->B,
							   L->IC, L->OC, L->acc);
				nz_gemm(ctx, 1, 0, L->OC, L->IC, L->B, dy[i], L->OC, x[i], L->ldx, dw,
					L->IC, NULL, 1);
				if (db)
					nz_linear_backward(ctx, NULL, NULL, db, dy[i], NULL, NULL, L->B,
							   L->IC, L->OC, 0);
			}
			/* the caller may reuse dy at once */
			refill(ctx, dy[i], (size_t)L->B * L->OC, 7777);
		}
		if (step)
			nz_nn_step_end(ctx, &P);
		else
			nz_nn_params_adam_step(ctx, &P);
	}
	o->total = T;
	o->state = nz_malloc_aligned(4 * T * sizeof(float));
	REQUIRE(o->state);
	nz_nn_download(ctx, o->state, P.mem, 4 * T);
	for (int i = 0; i < NL; i++) {
		const size_t n = (size_t)layers[i].B * layers[i].IC;
		o->dx[i] = nz_malloc_aligned(n * sizeof(float));
		REQUIRE(o->dx[i]);
		nz_nn_download(ctx, o->dx[i], dx[i], n);
		nz_nn_free_mem(ctx, x[i]);
		nz_nn_free_mem(ctx, dy[i]);
		nz_nn_free_mem(ctx, dx[i]);
	}
	o->t = P.adam.t;
	memcpy(o->stepped, P.stepped, sizeof(o->stepped));
	CHECK(!P.stepping);
	nz_nn_params_free(ctx, &P);
}

static void free_out(run_out *o)
{
	nz_free_aligned(o->state);
	for (int i = 0; i < NL; i++)
		nz_free_aligned(o->dx[i]);
}

static void compare(const run_out *a, const run_out *b, const char *what)
{
	CHECK_EQ_INT(a->t, b->t);
	CHECK_BITS(a->state, b->state, 4 * a->total, what);
	for (int i = 0; i < NL; i++)
		CHECK_BITS(a->dx[i], b->dx[i], (size_t)layers[i].B * layers[i].IC, what);
}

/* More layers in a step than the CPU queues at once (64 jobs), each just over the
 * size it takes: the queue must drain and go on, and the dy copies' stage grows
 * over the first steps; fused and plain agree at every step. */
enum { MANY = 70, MB = 32, MIC = 64, MOC = 64 };

static void run_many(nz_nn_ctx *ctx, int step, float *out, size_t *total)
{
	nz_nn_layout l;
	nz_nn_layout_init(&l);
	for (int i = 0; i < MANY; i++)
		nz_nn_layout_add(&l, "w", (size_t)MOC * MIC);
	nz_nn_params P;
	REQUIRE(nz_nn_params_init(ctx, &P, &l) == NZ_OK);
	P.adam.lr = 3e-3f;
	float *w0 = upload_rand(ctx, P.total, -1.0f, 1.0f, 5);
	nz_copy_rows(ctx, P.param, P.total, w0, P.total, 1, (u32)P.total, 0);
	nz_nn_free_mem(ctx, w0);
	float *x = upload_rand(ctx, (size_t)MB * MIC, -1.0f, 1.0f, 6);
	float *dy = nz_nn_alloc(ctx, (size_t)MB * MOC);
	float *dx = nz_nn_alloc(ctx, (size_t)MB * MIC);
	REQUIRE(dy && dx);
	for (int s = 0; s < 3; s++) {
		if (step)
			nz_nn_step_begin(ctx, &P);
		for (int i = 0; i < MANY; i++) {
			const size_t off = l.t[i].offset;
			refill(ctx, dy, (size_t)MB * MOC, 50000 + 100 * (u64)s + (u64)i);
			if (step)
				nz_nn_linear_backward_step(ctx, &P, dx, P.grad + off, NULL, dy, x, MIC,
							   P.param + off, MB, MIC, MOC, i > 0);
			else
				nz_linear_backward(ctx, dx, P.grad + off, NULL, dy, x, P.param + off, MB,
						   MIC, MOC, i > 0);
		}
		if (step)
			nz_nn_step_end(ctx, &P);
		else
			nz_nn_params_adam_step(ctx, &P);
	}
	*total = P.total;
	nz_nn_download(ctx, out, P.mem, 4 * P.total);
	nz_nn_download(ctx, out + 4 * P.total, dx, (size_t)MB * MIC);
	nz_nn_free_mem(ctx, x);
	nz_nn_free_mem(ctx, dy);
	nz_nn_free_mem(ctx, dx);
	nz_nn_params_free(ctx, &P);
}

static void test_many_layers(void)
{
	const size_t n = 4 * (size_t)MANY * MOC * MIC + (size_t)MB * MIC;
	float *a = nz_malloc_aligned(n * sizeof(float)), *b = nz_malloc_aligned(n * sizeof(float));
	REQUIRE(a && b);
	for (u32 t = 2; t <= 3; t++) {
		nz_nn_ctx *ctx = make_ctx(NZ_NN_BACKEND_SCALAR, t);
		REQUIRE(ctx);
		size_t ta, tb;
		run_many(ctx, 0, a, &ta);
		run_many(ctx, 1, b, &tb);
		CHECK_EQ_INT(ta, tb);
		CHECK_BITS(a, b, n, "70 layers, fused vs plain");
		nz_nn_free(ctx);
	}
	nz_free_aligned(a);
	nz_free_aligned(b);
}

int main(void)
{
	test_many_layers();
	nz_nn_ctx *rctx = make_ctx(NZ_NN_BACKEND_SCALAR, 1);
	REQUIRE(rctx);
	run_out ref;
	run(rctx, 0, &ref);
	CHECK_EQ_INT(ref.t, NSTEPS);
	/* the steps changed every parameter (lr 3e-3 on values in [-1, 1)) */
	nz_test_rng r = {42};
	float *init = rand_array(ref.total, -1.0f, 1.0f, &r);
	CHECK(first_diff(init, ref.state, 83 * 61) < 83 * 61);
	nz_free_aligned(init);
	nz_nn_free(rctx);
	static const u32 threads[] = {1, 2, 3};
	for (int be = NZ_NN_BACKEND_SCALAR; be < NZ_NN_BACKEND_COUNT_; be++)
		for (u32 t = 0; t < NZ_ARRAY_LEN(threads); t++) {
			nz_nn_ctx *ctx = make_ctx(be, threads[t]);
			if (!ctx)
				break;
			char what[64];
			run_out plain, fused;
			run(ctx, 0, &plain);
			run(ctx, 1, &fused);
			snprintf(what, sizeof what, "%s/%u plain", nz_nn_backend_name(be), threads[t]);
			compare(&ref, &plain, what);
			snprintf(what, sizeof what, "%s/%u fused", nz_nn_backend_name(be), threads[t]);
			compare(&ref, &fused, what);
			/* which updates the CPU backend queued: with threads, the layers of
			 * 0.25-24 Mflop (not the shared weight's first use, the partial
			 * tensor or the largest layer); on one thread none */
			if (ctx->be == &nz_nn_cpu_backend) {
				static const u8 queued[9] = {1, 1, 1, 1, 1, 1, 0, 1, 0};
				for (int i = 0; i < 9; i++)
					CHECK_EQ_INT(fused.stepped[i], threads[t] > 1 ? queued[i] : 0);
			}
			printf("%s\n", what);
			free_out(&plain);
			free_out(&fused);
			nz_nn_free(ctx);
		}
	free_out(&ref);
	return nz_test_finish("test_nn_step");
}
