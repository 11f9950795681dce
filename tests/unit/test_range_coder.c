/*
 * test_range_coder.c - the range coder and probability quantisation: round trips
 * over random and extreme tables, carries, quantisation invariants, and the coder's
 * overhead over the ideal code length.
 */
#include <math.h>

#include "coder/quantize.h"
#include "coder/range_coder.h"
#include "test_util.h"

/* A distribution of a given kind: 0 random, 1 one symbol near 1, 2 uniform,
 * 3 sparse spikes, 4 garbage (negative, NaN, sums far from 1). */
static void make_probs(float *p, int kind, nz_test_rng *r)
{
	float sum = 0;
	for (int s = 0; s < 256; s++) {
		switch (kind) {
		case 0: p[s] = (float)nz_test_uniform(r); break;
		case 1: p[s] = 1e-9f; break;
		case 2: p[s] = 1.0f; break;
		case 3: p[s] = (nz_test_next(r) % 17 == 0) ? (float)nz_test_uniform(r) : 0.0f; break;
		default: {
			static const float odd[] = {-1.0f, 0.0f, 1e30f, 3.0f, 0.5f};
			p[s] = odd[nz_test_next(r) % 5];
			if (nz_test_next(r) % 50 == 0)
				p[s] = NAN;
		}
		}
		if (kind != 4)
			sum += p[s];
	}
	if (kind == 1)
		p[nz_test_next(r) % 256] = 1.0f;
	else if (kind != 4 && sum > 0)
		for (int s = 0; s < 256; s++)
			p[s] /= sum;
}

static void test_quantize(void)
{
	nz_test_rng r = {1};
	float p[256];
	u32 f[256];
	for (int iter = 0; iter < 2000; iter++) {
		make_probs(p, iter % 5, &r);
		nz_quantize(p, f);
		u64 sum = 0;
		int ok = 1;
		for (int s = 0; s < 256; s++) {
			ok &= f[s] >= 1;
			sum += f[s];
		}
		CHECK(ok);
		CHECK(sum == NZ_RC_TOTAL);
	}
	/* A probability of 1 keeps almost all of the total. */
	for (int s = 0; s < 256; s++)
		p[s] = s == 7 ? 1.0f : 0.0f;
	nz_quantize(p, f);
	CHECK(f[7] == NZ_RC_TOTAL - 255);
}

/* Code `n` symbols drawn from per-step tables and decode them back. */
static void round_trip(int kind, size_t n, uint64_t seed)
{
	nz_test_rng r = {seed};
	float p[256];
	u32 *freqs = malloc(n * 256 * sizeof(u32));
	u8 *syms = malloc(n);
	REQUIRE(freqs && syms);
	for (size_t i = 0; i < n; i++) {
		if (i % 64 == 0)
			make_probs(p, kind, &r);
		nz_quantize(p, freqs + 256 * i);
		/* Draw mostly likely symbols, sometimes the least likely. */
		u32 cum[257];
		nz_cumulate(freqs + 256 * i, cum);
		u32 v = (u32)(nz_test_next(&r) % NZ_RC_TOTAL);
		syms[i] = (u8)nz_rc_find_symbol(cum, v);
		if (nz_test_next(&r) % 97 == 0) {
			unsigned m = 0;
			for (unsigned s = 1; s < 256; s++)
				if (freqs[256 * i + s] < freqs[256 * i + m])
					m = s;
			syms[i] = (u8)m;
		}
	}
	nz_buf out = {0};
	nz_rc_encoder e;
	nz_rc_encoder_init(&e, &out);
	for (size_t i = 0; i < n; i++) {
		u32 cum[257];
		nz_cumulate(freqs + 256 * i, cum);
		nz_rc_encode(&e, cum[syms[i]], freqs[256 * i + syms[i]]);
	}
	CHECK(nz_rc_encoder_finish(&e) == NZ_OK);

	nz_rc_decoder d;
	nz_rc_decoder_init(&d, out.data, out.size);
	size_t bad = 0;
	for (size_t i = 0; i < n; i++) {
		u32 cum[257];
		nz_cumulate(freqs + 256 * i, cum);
		unsigned s = nz_rc_find_symbol(cum, nz_rc_decode_target(&d));
		nz_rc_decode_update(&d, cum[s], freqs[256 * i + s]);
		bad += s != syms[i];
	}
	CHECK(bad == 0);
	CHECK(!d.corrupt);
	CHECK(d.pos <= d.size + 7);
	nz_buf_free(&out);
	free(freqs);
	free(syms);
}

/* Carries: symbols at the very top of the range push low over 2^64 repeatedly. */
static void test_carry(void)
{
	nz_buf out = {0};
	nz_rc_encoder e;
	nz_rc_encoder_init(&e, &out);
	const size_t n = 100000;
	nz_test_rng r = {5};
	u32 *cum = malloc(n * sizeof(u32)), *freq = malloc(n * sizeof(u32));
	for (size_t i = 0; i < n; i++) {
		freq[i] = 1 + (u32)(nz_test_next(&r) % 3);
		cum[i] = NZ_RC_TOTAL - freq[i] - (u32)(nz_test_next(&r) % 2);
		if (i % 3 == 0) { /* a likely symbol at the top: long 0xFF runs */
			freq[i] = NZ_RC_TOTAL / 2;
			cum[i] = NZ_RC_TOTAL / 2;
		}
		nz_rc_encode(&e, cum[i], freq[i]);
	}
	CHECK(nz_rc_encoder_finish(&e) == NZ_OK);
	nz_rc_decoder d;
	nz_rc_decoder_init(&d, out.data, out.size);
	size_t bad = 0;
	for (size_t i = 0; i < n; i++) {
		u32 v = nz_rc_decode_target(&d);
		bad += !(v >= cum[i] && v < cum[i] + freq[i]);
		nz_rc_decode_update(&d, cum[i], freq[i]);
	}
	CHECK(bad == 0);
	nz_buf_free(&out);
	free(cum);
	free(freq);
}

/* The coded size against the ideal code length sum(-log2 q) of the quantised
 * tables and sum(-log2 p) of the float probabilities, on skewed tables where the
 * quantisation matters most. */
static void test_overhead(void)
{
	nz_test_rng r = {9};
	const size_t n = 400000;
	nz_buf out = {0};
	nz_rc_encoder e;
	nz_rc_encoder_init(&e, &out);
	double ideal_p = 0;
	float p[256];
	u32 f[256], cum[257];
	for (size_t i = 0; i < n; i++) {
		if (i % 256 == 0) {
			/* Confident predictions: 0.3 bit per byte, like XML. */
			for (int s = 0; s < 256; s++)
				p[s] = 0.02f / 255;
			p[i / 256 % 256] = 0.98f;
			nz_quantize(p, f);
			nz_cumulate(f, cum);
		}
		u32 v = (u32)(nz_test_next(&r) % NZ_RC_TOTAL);
		unsigned s = nz_rc_find_symbol(cum, v);
		ideal_p -= log2(p[s]);
		nz_rc_encode(&e, cum[s], f[s]);
	}
	nz_rc_encoder_finish(&e);
	double actual = 8.0 * out.size;
	double overhead = actual / ideal_p - 1;
	printf("coder overhead on skewed tables: %.5f%% (%.0f bits vs ideal %.0f)\n",
	       100 * overhead, actual, ideal_p);
	CHECK(overhead < 0.001);
	nz_buf_free(&out);
}

int main(void)
{
	test_quantize();
	for (int kind = 0; kind < 5; kind++)
		for (size_t n = 0; n < 3000; n = n * 3 + 1)
			round_trip(kind, n, 100 + kind + n);
	round_trip(1, 200000, 7);
	round_trip(0, 100000, 8);
	test_carry();
	test_overhead();
	return nz_test_finish("test_range_coder");
}
