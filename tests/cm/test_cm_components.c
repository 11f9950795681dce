/*
 * test_cm_components.c - the components of the CM model one by one (lib/cm,
 * docs/CM.md "Components"): the mixer's AVX2 kernels equal the plain ones on
 * random odd sizes and follow the backend choice; a mixer learns a biased
 * source; state maps converge on one; the bit-history machine stays in range;
 * the context map's slots are found again, share lines and replace the
 * least-used slot; an APM starts as the identity, monotone, and learns per
 * context; the match, latest-match and record models find what was planted;
 * the history reads words (UTF-8 too), columns, nesting, byte classes and
 * markup, and the context kinds hash them; the match model's byte contexts
 * follow its expected byte; the run model counts repeats, and its list of the
 * contexts still in agreement gives what visiting every one gives; an external distribution becomes bit
 * predictions; the mixer width is the sum of what each component registers;
 * the x86 and JPEG parsers follow their streams.
 * Includes lib/cm's private headers (this is lib/cm's own test).
 */
#define _POSIX_C_SOURCE 200809L /* setenv, strdup */
#include <stdlib.h>
#include <string.h>

#include "cm/apm.h"
#include "cm/context_map.h"
#include "cm/contexts.h"
#include "cm/datatype_model.h"
#include "cm/ext_input.h"
#include "cm/latest_match.h"
#include "cm/history.h"
#include "cm/jpeg_parse.h"
#include "cm/match_model.h"
#include "cm/mixer.h"
#include "cm/record_model.h"
#include "cm/run_model.h"
#include "cm/x86_parse.h"
#include "common/cpu.h"
#include "nn/nn.h"
#include "test_util.h"

static cm_tables T;

static s32 rand_in(nz_test_rng *r, s32 lo, s32 hi)
{
	return lo + (s32)(nz_test_next(r) % (u64)(hi - lo + 1));
}

/* The AVX2 and AVX-512 dot/train kernels and the plain C ones agree on every
 * odd width up to CM_MAXIN (padded with zero inputs to a multiple of 8, as the
 * mixer does: so the AVX-512 ones also run their 8-wide tail). */
static void test_mixer_kernels(void)
{
	CHECK(strcmp(nz_cm_mixer_kernels_for(NZ_NN_BACKEND_SCALAR).name, "scalar") == 0);
#ifdef CM_HAVE_MIXER_AVX2
	if (!(nz_cpu_features() & NZ_CPU_AVX2)) {
		printf("test_mixer_kernels: no AVX2 here, plain kernels only\n");
		return;
	}
	CHECK(strcmp(nz_cm_mixer_kernels_for(NZ_NN_BACKEND_AVX2).name, "avx2") == 0);
	const int has512 = nz_nn_backend_supported(NZ_NN_BACKEND_AVX512) != 0;
	if (has512)
		CHECK(strcmp(nz_cm_mixer_kernels_for(NZ_NN_BACKEND_AVX512).name, "avx512") == 0);
	else
		printf("test_mixer_kernels: no AVX-512 here, its kernels not compared\n");
	/* AUTO follows $NZIP_BACKEND like the engine */
	const char *old = getenv("NZIP_BACKEND");
	char *saved = old ? strdup(old) : NULL;
	setenv("NZIP_BACKEND", "scalar", 1);
	CHECK(strcmp(nz_cm_mixer_kernels_for(NZ_NN_BACKEND_AUTO).name, "scalar") == 0);
	setenv("NZIP_BACKEND", "avx2", 1);
	CHECK(strcmp(nz_cm_mixer_kernels_for(NZ_NN_BACKEND_AUTO).name, "avx2") == 0);
	if (saved) {
		setenv("NZIP_BACKEND", saved, 1);
		free(saved);
	} else {
		unsetenv("NZIP_BACKEND");
	}

	const cm_mixer_kernels c = nz_cm_mixer_kernels_c;
	for (int kern = 0; kern < 1 + has512; kern++) {
	const cm_mixer_kernels v = kern ? nz_cm_mixer_kernels_avx512 : nz_cm_mixer_kernels_avx2;
	nz_test_rng r = {2024};
	/* inputs 64-byte aligned, and only 32-byte aligned as the JPEG mixers' are
	 * (mixer.h promises 32) */
	static s32 xbuf[CM_MAXIN + 8] __attribute__((aligned(64)));
	static s32 w0[CM_MAXIN + 8], w1[CM_MAXIN + 8];
	for (u32 nin = 1; nin <= CM_MAXIN; nin += 2) {
		const u32 np = (nin + 7) & ~7u;
		for (int rep = 0; rep < 50; rep++) {
			s32 *x = xbuf + ((rep & 2) ? 8 : 0);
			memset(xbuf, 0, sizeof(xbuf));
			for (u32 i = 0; i < nin; i++)
				x[i] = rand_in(&r, -2047, 2047);
			/* weights at the clamp now and then; one offset to test unaligned w */
			const u32 off = (u32)rep & 7;
			for (u32 i = 0; i < np; i++) {
				s32 wv = nz_test_next(&r) % 8 == 0 ? (nz_test_next(&r) & 1 ? CM_WMAX : -CM_WMAX)
								   : rand_in(&r, -CM_WMAX, CM_WMAX);
				w0[off + i] = w1[off + i] = wv;
			}
			CHECK_EQ_INT(c.dot(x, w0 + off, np), v.dot(x, w1 + off, np));
			s32 err = rand_in(&r, -4095 * CM_MIX_LR, 4095 * CM_MIX_LR);
			c.train(x, w0 + off, np, err);
			v.train(x, w1 + off, np, err);
			CHECK(memcmp(w0 + off, w1 + off, np * sizeof(s32)) == 0);
		}
	}
	}
#endif
}

/* One mixer with a constant input and a bias learns P(1) of a biased source;
 * two layers do too, and the weights stay within the clamp. */
static void test_mixer_learns(void)
{
	for (u32 mixers = 1; mixers <= 2; mixers++) {
		cm_mixer mx;
		memset(&mx, 0, sizeof(mx));
		REQUIRE(nz_cm_mixer_init(&mx, 3, mixers, NZ_NN_BACKEND_AUTO) == NZ_OK);
		nz_cm_mixer_reset_shared(&mx);
		nz_cm_mixer_reset_lane(&mx);
		nz_test_rng r = {7};
		u32 sel[CM_MAX_MIXERS] = {0};
		u64 sum = 0;
		for (int i = 0; i < 20000; i++) {
			mx.x[0] = 300;
			mx.x[1] = -200;
			mx.x[2] = 256;
			u32 p = cm_mixer_mix(&mx, &T.lg, sel, 1);
			if (i >= 15000)
				sum += p;
			int y = nz_test_uniform(&r) < 0.85;
			cm_mixer_update(&mx, y);
		}
		double avg = (double)sum / 5000 / 4096;
		CHECK(avg > 0.80 && avg < 0.90);
		for (u32 i = 0; i < mx.nin_pad; i++)
			CHECK(mx.w[i] >= -CM_WMAX && mx.w[i] <= CM_WMAX);
		CHECK_EQ_INT(nz_cm_mixer_init(&mx, CM_MAXIN + 1, 1, 0), NZ_ERR_PARAM);
		nz_cm_mixer_free(&mx);
	}
}

/* A state-map entry converges on the bias of its source; its count stops at
 * the limit; the bit-history machine stays in its 251 states and counts up. */
static void test_state_map(void)
{
	const double bias[] = {0.05, 0.3, 0.5, 0.8, 0.97};
	for (size_t b = 0; b < sizeof(bias) / sizeof(bias[0]); b++) {
		nz_test_rng r = {100 + b};
		u32 e = CM_SM_HALF;
		double avg = 0;
		for (int i = 0; i < 20000; i++) {
			if (i >= 10000)
				avg += cm_sm_p12(e) / 4096.0 / 10000;
			cm_sm_update(&T.r, &e, nz_test_uniform(&r) < bias[b], CM_SM_LIMIT);
		}
		CHECK(avg > bias[b] - 0.02 && avg < bias[b] + 0.02);
		CHECK_EQ_INT(e & 1023, CM_SM_LIMIT);
		u32 f = CM_SM_HALF;
		for (int i = 0; i < 1000; i++)
			cm_sm_update(&T.r, &f, 1, 255);
		CHECK_EQ_INT(f & 1023, 255);
		CHECK(cm_sm_p12(f) >= 4090);
	}
	const cm_bit_history *bh = &T.bh;
	for (int s = 0; s < 251; s++)
		for (int y = 0; y < 2; y++) {
			u8 t = cm_bh_next(bh, (u8)s, y);
			CHECK(t < 251);
			/* one more bit of its kind, never more in all than one more */
			CHECK(bh->sn0[t] + bh->sn1[t] <= bh->sn0[s] + bh->sn1[s] + 1);
			if (s > 0 && (y ? bh->sn1[s] : bh->sn0[s]) < 4)
				CHECK((y ? bh->sn1[t] : bh->sn0[t]) > (y ? bh->sn1[s] : bh->sn0[s]));
		}
	u8 s = 0;
	for (int i = 0; i < 100; i++)
		s = cm_bh_next(bh, s, 1);
	CHECK(bh->sn0[s] == 0 && bh->sn1[s] > 20 && cm_bh_deterministic(bh, s));
	u8 t = cm_bh_next(bh, s, 0);
	/* the opposite evidence is roughly halved: (n1 + 3) / 2 */
	CHECK(bh->sn0[t] == 1 && bh->sn1[t] == (bh->sn1[s] + 3) / 2 && !cm_bh_deterministic(bh, t));
	/* an initial probability of (n1 + 1/2) / (n + 1) */
	CHECK_EQ_INT(bh->init_sm[0] >> 10, 1u << 21);
}

/* The slot of a context is found again at its next visit; four contexts of one
 * line keep four slots; a fifth replaces the one with the least history. */
static void test_context_map(void)
{
	cm_params p = {.hash_bits = 16, .ctx_mask = CM_C_O2, .mixers = 1};
	cm_context_map cm;
	memset(&cm, 0, sizeof(cm));
	REQUIRE(nz_cm_context_map_init(&cm, &p) == NZ_OK);
	nz_cm_context_map_reset_shared(&cm, &T);
	nz_cm_context_map_reset_lane(&cm, 1);
	CHECK_EQ_INT(cm.nctx, 1);
	/* five hashes whose slots (at c0 = 1) fall in one line, checksums distinct */
	const u32 K = 0x2545F491u;
	u32 hs[5], n = 0, line = 0;
	for (u32 v = 1; n < 5; v++) {
		u32 h = h32(v + K);
		if (n == 0)
			line = h & cm.ht_mask;
		if ((h & cm.ht_mask) != line)
			continue;
		int dup = 0;
		for (u32 i = 0; i < n; i++)
			dup |= (h32(hs[i] + K) >> 24) == (h >> 24);
		if (!dup)
			hs[n++] = v;
	}
	u8 *slot[5];
	for (u32 i = 0; i < 4; i++) {
		cm.chash[0] = hs[i];
		nz_cm_context_map_set_slots(&cm, 1);
		slot[i] = cm.slot[0];
		CHECK(slot[i] == cm.ht + ((size_t)line << 6) + 16 * i);
		CHECK_EQ_INT(slot[i][0], h32(hs[i] + K) >> 24);
		slot[i][1] = (u8)(10 - i); /* history of its first node: slot 3 has least */
		slot[i][2] = 77;
	}
	for (u32 i = 0; i < 4; i++) {
		cm.chash[0] = hs[i];
		nz_cm_context_map_set_slots(&cm, 1);
		CHECK(cm.slot[0] == slot[i] && slot[i][2] == 77);
	}
	cm.chash[0] = hs[4];
	nz_cm_context_map_set_slots(&cm, 1);
	CHECK(cm.slot[0] == slot[3]);
	CHECK_EQ_INT(slot[3][0], h32(hs[4] + K) >> 24);
	CHECK(slot[3][1] == 0 && slot[3][2] == 0); /* a fresh slot */
	CHECK(slot[0][2] == 77 && slot[1][2] == 77 && slot[2][2] == 77);

	/* mixing and learning: a context that always sees 1 predicts 1 */
	s32 x[8] = {0};
	for (int i = 0; i < 200; i++) {
		cm_context_map_mix(&cm, &T, 1, 'a', 0, x);
		cm_context_map_update(&cm, &T, 1);
	}
	cm_context_map_mix(&cm, &T, 1, 'a', 0, x);
	CHECK(x[1] > 1000 && x[2] > 1000); /* order 1 and the hashed context */
	CHECK_EQ_INT(cm.order, 3);
	CHECK_EQ_INT(nz_cm_context_map_inputs(&p), 3);
	nz_cm_context_map_free(&cm);
}

/* CM_F_DETIN: p/4 after only 1s, -(1-p)/4 after only 0s, 0 with both or
 * none; in the context map it replaces the confidence and adds no input. */
static void test_deterministic_input(void)
{
	u8 ones = 0, zeros = 0;
	for (int i = 0; i < 3; i++) {
		ones = cm_bh_next(&T.bh, ones, 1);
		zeros = cm_bh_next(&T.bh, zeros, 0);
	}
	const u8 mixed = cm_bh_next(&T.bh, ones, 0);
	REQUIRE(T.bh.sn0[ones] == 0 && T.bh.sn1[ones] > 0 && T.bh.sn1[zeros] == 0 && T.bh.sn0[zeros] > 0);
	REQUIRE(T.bh.sn0[mixed] > 0 && T.bh.sn1[mixed] > 0);
	CHECK_EQ_INT(cm_state_deterministic_input(&T, ones, 4000), 1000);
	CHECK_EQ_INT(cm_state_deterministic_input(&T, ones, 1001), 250);
	CHECK_EQ_INT(cm_state_deterministic_input(&T, zeros, 95), -1000);
	CHECK_EQ_INT(cm_state_deterministic_input(&T, zeros, 4095), 0);
	CHECK_EQ_INT(cm_state_deterministic_input(&T, mixed, 4000), 0);
	CHECK_EQ_INT(cm_state_deterministic_input(&T, 0, 4000), 0);
	/* its table (det[]) against the rule on the counts, for every state */
	for (u32 st = 0; st < 256; st++)
		for (int pr = 1; pr < 4096; pr += 273) {
			const s32 want = st == 0 || (T.bh.sn0[st] && T.bh.sn1[st]) ? 0
					 : T.bh.sn0[st] == 0 ? pr >> 2 : -((4095 - pr) >> 2);
			CHECK_EQ_INT(cm_state_deterministic_input(&T, st, pr), want);
		}

	/* in the map: a context that always saw 1 gives p/4 of its state map */
	cm_params p = {.hash_bits = 16, .ctx_mask = CM_C_O2, .mixers = 1, .flags = CM_F_RICH | CM_F_DETIN};
	cm_context_map cm;
	memset(&cm, 0, sizeof(cm));
	REQUIRE(nz_cm_context_map_init(&cm, &p) == NZ_OK);
	nz_cm_context_map_reset_shared(&cm, &T);
	nz_cm_context_map_reset_lane(&cm, 1);
	cm.chash[0] = 12345;
	nz_cm_context_map_set_slots(&cm, 1);
	s32 x[8] = {0};
	for (int i = 0; i < 50; i++) {
		cm_context_map_mix(&cm, &T, 1, 'a', 0, x);
		cm_context_map_update(&cm, &T, 1);
	}
	cm_context_map_mix(&cm, &T, 1, 'a', 0, x);
	const u32 s = *cm.bh[2];
	CHECK(s != 0 && T.bh.sn0[s] == 0);
	CHECK_EQ_INT(x[5], (s32)(cm_sm_p12(cm.smp[2][s]) >> 2));
	CHECK(x[5] > 900);
	CHECK_EQ_INT(nz_cm_context_map_inputs(&p), 6);
	nz_cm_context_map_free(&cm);
}

/* An APM starts as (nearly) the identity and is monotone in its input; it
 * learns per context and leaves the others alone. */
static void test_apm(void)
{
	cm_apm a;
	REQUIRE(nz_cm_apm_init(&a, 8) == NZ_OK);
	nz_cm_apm_reset(&a);
	u32 prev = 0;
	for (u32 pr = 1; pr < 4096; pr++) {
		u32 q = cm_apm_p(&a, &T.lg, pr, 5);
		CHECK(q >= prev);
		prev = q;
		CHECK(abs((int)q - (int)(pr << 4)) < 16 * 40);
	}
	/* a context where the input is overconfident towards 0 (the bit is 1 half
	 * the time whatever the input says) learns to output about 1/2 */
	u32 before = cm_apm_p(&a, &T.lg, 2048, 9);
	nz_test_rng r = {9};
	for (int i = 0; i < 2000; i++)
		for (u32 pr = 100; pr <= 2000; pr += 100) {
			(void)cm_apm_p(&a, &T.lg, pr, 5);
			cm_apm_update(&a, &T, nz_test_uniform(&r) < 0.5);
		}
	for (u32 pr = 300; pr <= 2000; pr += 100) { /* (the ends have one trained neighbour) */
		u32 q = cm_apm_p(&a, &T.lg, pr, 5);
		CHECK(q > 65536 * 4 / 10 && q < 65536 * 6 / 10);
	}
	CHECK_EQ_INT(cm_apm_p(&a, &T.lg, 2048, 9), before);
	nz_cm_apm_free(&a);
}

/* The count table after the SSE chain (CM_F_SSEP) starts as the identity, learns
 * what one (context, probability) cell sees and nothing else, and halves both
 * counts before they overflow. */
static void test_apm_post(void)
{
	cm_apm_post a;
	REQUIRE(nz_cm_apm_post_init(&a, 2) == NZ_OK);
	nz_cm_apm_post_reset(&a);
	for (u32 pr = 1; pr < 4096; pr += 7)
		for (u32 ctx = 0; ctx < 2; ctx++)
			CHECK(abs((int)cm_apm_post_p(&a, pr, ctx) - (int)(pr << 4)) <= 32);
	for (int i = 0; i < 6000; i++) {
		(void)cm_apm_post_p(&a, 2048, 1);
		cm_apm_post_update(&a, i % 4 != 0); /* three ones in four */
	}
	u32 q = cm_apm_post_p(&a, 2048, 1);
	CHECK(q > 65536 * 6 / 10 && q < 65536 * 3 / 4);
	CHECK(abs((int)cm_apm_post_p(&a, 2048, 0) - 32768) <= 32);
	CHECK(abs((int)cm_apm_post_p(&a, 2049, 1) - 2049 * 16) <= 32);
	/* near the limit both counts halve, the ratio stays */
	(void)cm_apm_post_p(&a, 100, 0);
	a.t[a.idx] = 3000;
	a.t[a.idx + 1] = (1u << 30) - 1;
	cm_apm_post_update(&a, 1);
	CHECK_EQ_INT(a.t[a.idx], 1500);
	CHECK_EQ_INT(a.t[a.idx + 1], 1u << 29);
	nz_cm_apm_post_free(&a);
}

static void feed(cm_history *h, cm_match *mm, cm_record *rec, const u8 *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		nz_cm_history_update_byte(h, b[i]);
		if (rec)
			nz_cm_record_update_byte(rec, h, b[i]);
		if (mm)
			nz_cm_match_update_byte(mm, h, b[i]);
	}
}

/* The match model follows a repeated text and expects its next byte. */
static void test_match_model(void)
{
	cm_history h;
	cm_match mm;
	memset(&h, 0, sizeof(h));
	memset(&mm, 0, sizeof(mm));
	REQUIRE(nz_cm_history_init(&h, 16) == NZ_OK && nz_cm_match_init(&mm, 16) == NZ_OK);
	nz_cm_history_reset(&h);
	nz_cm_match_reset(&mm);
	u8 buf[3000];
	nz_test_fill(buf, 1000, 0, 1);          /* random: no matches */
	memcpy(buf + 1000, buf + 200, 600);     /* a copy of part of it */
	nz_test_fill(buf + 1600, 1400, 0, 2);
	feed(&h, &mm, NULL, buf, 1000);
	CHECK_EQ_INT(mm.mlen, 0);
	feed(&h, &mm, NULL, buf + 1000, 100);
	CHECK(mm.mlen >= 90);
	CHECK_EQ_INT(mm.mexp, buf[1100]);
	CHECK_EQ_INT(mm.mptr, 200 + 100);
	/* the inputs: expected bit with confidence */
	s32 x[2];
	h.c0 = 1;
	h.bpos = 0;
	int bit = cm_match_mix(&mm, &T, &h, x);
	CHECK_EQ_INT(bit, buf[1100] >> 7);
	CHECK_EQ_INT(x[1], bit ? 1024 : -1024);
	nz_cm_match_free(&mm);
	nz_cm_history_free(&h);
}

/* The record model finds the length of fixed records. */
static void test_record_model(void)
{
	cm_params p = {.flags = CM_F_REC};
	cm_history h;
	cm_record rec;
	memset(&h, 0, sizeof(h));
	memset(&rec, 0, sizeof(rec));
	REQUIRE(nz_cm_history_init(&h, 16) == NZ_OK && nz_cm_record_init(&rec, &p) == NZ_OK);
	nz_cm_history_reset(&h);
	nz_cm_record_reset_shared(&rec);
	nz_cm_record_reset_lane(&rec);
	nz_test_rng r = {3};
	u8 buf[37 * 200];
	for (u32 i = 0; i < sizeof(buf); i++)
		buf[i] = i % 37 == 0 ? '|' : i % 37 < 5 ? (u8)('0' + nz_test_next(&r) % 3)
							 : (u8)('a' + nz_test_next(&r) % 26);
	feed(&h, NULL, &rec, buf, sizeof(buf));
	CHECK_EQ_INT(rec.rlen, 37);
	CHECK_EQ_INT(nz_cm_record_inputs(&p), 1);
	nz_cm_record_free(&rec, 0);
	nz_cm_history_free(&h);
}

/* Append the string t to the history (feed_text starts it afresh). */
static void feed_on(cm_history *h, const char *t)
{
	for (const char *q = t; *q; q++)
		nz_cm_history_update_byte(h, (u8)*q);
}

/* Reset the history and feed it the string t. */
static void feed_text(cm_history *h, const char *t)
{
	nz_cm_history_reset(h);
	feed_on(h, t);
}

/* The history reads words (case-folded), columns, the byte above and nesting;
 * the context kinds hash them (a word hashes the same in any case). */
static void test_history_contexts(void)
{
	cm_history h;
	memset(&h, 0, sizeof(h));
	REQUIRE(nz_cm_history_init(&h, 16) == NZ_OK);
	feed_text(&h, "ab(x \"Hello\n0123456789\nabcdefg");
	CHECK_EQ_INT(h.col, 7);
	CHECK_EQ_INT(h.line_first, 'a');
	CHECK_EQ_INT(h.above, '7');                /* same column, line above */
	CHECK_EQ_INT(h.nest, 0);                   /* reset at the newline */
	CHECK_EQ_INT(cm_hist_back(&h, 1), 'g');
	CHECK_EQ_INT(h.c4, (u32)('d' << 24 | 'e' << 16 | 'f' << 8 | 'g'));
	const u8 kinds[] = {7, 21};
	u32 h1[2], h2[2];
	nz_cm_context_hashes(kinds, 2, &h, 0, h1);
	feed_text(&h, "ab(x \"HELLO\n0123456789\nABCDEFG");
	nz_cm_context_hashes(kinds, 2, &h, 0, h2);
	CHECK_EQ_INT(h1[0], h2[0]); /* WORD: case-folded */
	CHECK(h1[1] != h2[1]);      /* LINE: first byte of the line differs */
	feed_text(&h, "f(a[b{");
	CHECK_EQ_INT(h.nest, 0x123);
	nz_cm_history_update_byte(&h, '}');
	CHECK_EQ_INT(h.nest, 0x12);
	nz_cm_history_update_byte(&h, ')');          /* not the innermost: kept */
	CHECK_EQ_INT(h.nest, 0x12);
	nz_cm_history_free(&h);
}

/* The kinds of paq8px's indirect and word models (CM_C_IND3 .. CM_C_ABOVEGRP):
 * what followed a byte, a nibble quad and a lower-case pair; the gaps between
 * words; the line's first word. */
static void test_indirect_and_gaps(void)
{
	cm_history h;
	memset(&h, 0, sizeof(h));
	REQUIRE(nz_cm_history_init(&h, 16) == NZ_OK);
	feed_text(&h, "a1a2a3a4a");
	CHECK_EQ_INT(h.ind1['a'], (u32)('1' << 24 | '2' << 16 | '3' << 8 | '4'));
	CHECK_EQ_INT(h.ind1['a'] & 0xffff, (u32)('3' << 8 | '4')); /* IND1's two */
	feed_text(&h, "PQRSt");
	CHECK_EQ_INT(h.ind4[cm_hist_quad('P' << 24 | 'Q' << 16 | 'R' << 8 | 'S')] & 0xff, 't');
	CHECK_EQ_INT(cm_hist_quad(0x12345678), 0x1357);
	feed_text(&h, "AbxaBy");
	CHECK_EQ_INT(h.indlc['a' << 8 | 'b'], (u32)('x' << 8 | 'y')); /* either case, one slot */
	CHECK_EQ_INT(h.lc4, (u32)('x' << 24 | 'a' << 16 | 'b' << 8 | 'y'));
	/* gaps: 0 inside a word; the one before the word kept in gap1 */
	feed_text(&h, "the cat, dog");
	CHECK_EQ_INT(h.gap0, 0);
	CHECK_EQ_INT(h.gap1, hc(hc(0, ','), ' '));
	nz_cm_history_update_byte(&h, '.');
	CHECK_EQ_INT(h.gap0, hc(0, '.'));
	/* the first word of the line, from its end to the newline */
	feed_text(&h, "alpha beta\ngam");
	CHECK_EQ_INT(h.fword, 0);
	feed_text(&h, "alpha beta\ngamma delta");
	u32 gamma = 0;
	for (const char *q = "gamma"; *q; q++)
		gamma = hc(gamma, (u32)*q);
	CHECK_EQ_INT(h.fword, gamma);
	/* the same words after the same gaps hash the same in GAPW and GAPW2 (kinds 35,
	 * 37), whatever came before; GAPW1 (36) sees the previous word */
	const u8 kinds[] = {35, 36, 37, 38, 41};
	u32 h1[5], h2[5];
	feed_text(&h, "x an old cat, dog");
	nz_cm_context_hashes(kinds, 5, &h, 0, h1);
	feed_text(&h, "y the old cat, dog");
	nz_cm_context_hashes(kinds, 5, &h, 0, h2);
	CHECK_EQ_INT(h1[0], h2[0]);
	CHECK_EQ_INT(h1[1], h2[1]);
	CHECK_EQ_INT(h1[2], h2[2]);
	CHECK(h1[3] != h2[3]); /* FWORD: the lines start with x and y */
	CHECK_EQ_INT(h1[4], h2[4]); /* BLOCK: one 1 KiB block, the same word */
	feed_text(&h, "x an old bat, dog");
	nz_cm_context_hashes(kinds, 5, &h, 0, h2);
	CHECK_EQ_INT(h1[0], h2[0]);
	CHECK(h1[2] != h2[2]); /* the word before the gap differs */
	nz_cm_history_free(&h);
}

/* The byte classes (CM_C_CGRP, CM_C_CGRP4): a run of letters of one case or of
 * digits is one class, other bytes are their own, so texts with the same shape
 * share the class contexts and differ in the others. */
static void test_byte_classes(void)
{
	cm_history h;
	memset(&h, 0, sizeof(h));
	REQUIRE(nz_cm_history_init(&h, 16) == NZ_OK);
	feed_text(&h, "Ab 12, x");
	/* A, b, ' ', 1 (the 2 continues the run), ',', ' ', x */
	CHECK(h.grp == ((u64)'A' << 48 | (u64)'a' << 40 | (u64)' ' << 32 | (u64)'0' << 24 |
			(u64)',' << 16 | (u64)' ' << 8 | 'a'));
	CHECK_EQ_INT(h.grp_run, 0);
	nz_cm_history_update_byte(&h, 'y');
	CHECK_EQ_INT(h.grp_run, 1);                /* a lower-case run goes on */
	CHECK_EQ_INT(h.grp & 0xff, 'a');
	nz_cm_history_update_byte(&h, 0xe9);       /* every byte >= 128 is one class */
	CHECK_EQ_INT(h.grp & 0xff, 128);
	const u8 kinds[] = {30, 31, 2};             /* CGRP, CGRP4, O4 */
	u32 h1[3], h2[3];
	feed_text(&h, "The cat, 1913 ");
	nz_cm_context_hashes(kinds, 3, &h, 0, h1);
	feed_text(&h, "Dog ran, 7 ");
	nz_cm_context_hashes(kinds, 3, &h, 0, h2);
	CHECK_EQ_INT(h1[0], h2[0]); /* the same shape: Aa a, 0 */
	CHECK_EQ_INT(h1[1], h2[1]);
	CHECK(h1[2] != h2[2]);      /* the bytes differ */
	feed_text(&h, "The cat; 1913 ");
	nz_cm_context_hashes(kinds, 3, &h, 0, h2);
	CHECK(h1[0] != h2[0]);      /* ';' is a class of its own */
	CHECK(h1[1] != h2[1]);
	feed_text(&h, "THE cat, 1913 ");
	nz_cm_context_hashes(kinds, 3, &h, 0, h2);
	CHECK(h1[0] != h2[0]);      /* 8 classes see "THE" against "The" */
	CHECK_EQ_INT(h1[1], h2[1]); /* 4 do not */
	nz_cm_history_free(&h);
}

/* A context that keeps seeing the same byte: the run model counts it and
 * predicts its bits; another byte restarts the count. */
static void test_run_model(void)
{
	cm_params p = {.hash_bits = 16, .ctx_mask = CM_C_O2 | CM_C_O3, .flags = CM_F_RUN};
	cm_run r;
	memset(&r, 0, sizeof(r));
	REQUIRE(nz_cm_run_init(&r, &p) == NZ_OK && r.rt);
	nz_cm_run_reset_shared(&r);
	nz_cm_run_reset_lane(&r);
	CHECK_EQ_INT(nz_cm_run_inputs(&p), 2);
	const u32 ch[2] = {0xAB000123u, 0xCD000456u};
	nz_cm_run_lookup(&r, ch);
	for (int i = 0; i < 10; i++) {
		nz_cm_run_update_byte(&r, ch, 'x');
		nz_cm_run_lookup(&r, ch);
	}
	CHECK_EQ_INT(r.run[0] & 255, 'x');
	CHECK_EQ_INT(r.run[0] >> 8, 10);
	cm_history h = {0};
	h.c0 = 1;
	s32 x[2];
	/* train: the expected bit is right */
	for (int i = 0; i < 50; i++) {
		cm_run_mix(&r, &T, &h, x);
		cm_run_update(&r, &T, 'x' >> 7);
	}
	cm_run_mix(&r, &T, &h, x);
	CHECK(x[0] < -1000 && x[1] < -1000); /* 'x' = 0111 1000: first bit 0 */
	h.c0 = 3;                            /* a 1 came instead: no prediction */
	h.bpos = 1;
	cm_run_mix(&r, &T, &h, x);
	CHECK(x[0] == 0 && x[1] == 0 && r.rsm[0] == NULL);
	nz_cm_run_update_byte(&r, ch, 'y');
	nz_cm_run_lookup(&r, ch);
	CHECK_EQ_INT(r.run[0], 'y' | 1u << 8);
	nz_cm_run_free(&r);

	/* CM_F_RUNBP: the bit position's bucket and whether the byte before differs
	 * pick other probabilities; a differing one halves the input */
	p.flags = CM_F_RUN | CM_F_BHIST | CM_F_RUNBP;
	memset(&r, 0, sizeof(r));
	REQUIRE(nz_cm_run_init(&r, &p) == NZ_OK && r.rt && r.runbp);
	nz_cm_run_reset_shared(&r);
	nz_cm_run_reset_lane(&r);
	CHECK_EQ_INT(nz_cm_run_inputs(&p), 4);
	nz_cm_run_lookup(&r, ch);
	for (int i = 0; i < 10; i++) {
		nz_cm_run_update_byte(&r, ch, 'x');
		nz_cm_run_lookup(&r, ch);
	}
	cm_history g = {0};
	g.c0 = 1;
	s32 xs[4];
	for (int i = 0; i < 50; i++) {
		cm_run_mix(&r, &T, &g, xs);
		cm_run_update(&r, &T, 0);
	}
	cm_run_mix(&r, &T, &g, xs);
	CHECK(xs[0] < -1000);
	u32 *const same0 = r.rsm[0];
	g.c0 = 2; /* bit 1 of 'x' (a 1), another bit-position bucket: its own, unlearnt */
	g.bpos = 1;
	cm_run_mix(&r, &T, &g, xs);
	CHECK(r.rsm[0] != NULL && r.rsm[0] != same0 && xs[0] == 0);
	/* 'x' after 'w': the bytes differ, the entry next to the one above */
	nz_cm_run_update_byte(&r, ch, 'w');
	nz_cm_run_lookup(&r, ch);
	nz_cm_run_update_byte(&r, ch, 'x');
	nz_cm_run_lookup(&r, ch);
	CHECK_EQ_INT(r.prev[0], 'w');
	g.c0 = 1;
	g.bpos = 0;
	/* count 1 (bucket 1), expected bit 0, bit-position bucket 0, differing: entry
	 * (1 * 2 + 0) * 8 + 0 * 2 + 1; made a strong 0 */
	r.run_sm[17] = 20u << 20;
	cm_run_mix(&r, &T, &g, xs);
	CHECK(r.rsm[0] == &r.run_sm[17]);
	const s32 full = cm_sm_st(&T, r.run_sm[17]);
	CHECK(full < -1000);
	CHECK_EQ_INT(xs[0], full / 2);
	nz_cm_run_free(&r);
}

/* The run model visits only the contexts whose byte still agrees with the
 * bits so far (its list): it writes the same inputs and picks the same entries
 * as visiting every context at every bit. Random entries, random bytes, with
 * and without RUNBP; the reference is the rule, written out. */
static void test_run_agreement_list(void)
{
	nz_test_rng rng = {77};
	const u64 mask = CM_C_O2 | CM_C_O3 | CM_C_O4 | CM_C_WORD | CM_C_COLUMN | CM_C_SPARSE1 | CM_C_IND1;
	for (int v = 0; v < 2; v++) {
		cm_params p = {.hash_bits = 16, .ctx_mask = mask,
			       .flags = v ? CM_F_RUN | CM_F_BHIST | CM_F_RUNBP : CM_F_RUN};
		cm_run r;
		memset(&r, 0, sizeof(r));
		REQUIRE(nz_cm_run_init(&r, &p) == NZ_OK && r.rt);
		nz_cm_run_reset_shared(&r);
		nz_cm_run_reset_lane(&r);
		const u32 n = r.nctx;
		u32 ch[CM_MAXCTX];
		s32 x[2 * CM_MAXCTX];
		int checked = 0, dropped = 0;
		for (int byte = 0; byte < 400; byte++) {
			/* few hashes, few byte values: runs form and break */
			for (u32 i = 0; i < n; i++)
				ch[i] = (u32)(nz_test_next(&rng) % 6) * 0x01000193u + i * 0x9E3779B1u;
			nz_cm_run_lookup(&r, ch);
			const u32 c = 'a' + (u32)(nz_test_next(&rng) % 3);
			cm_history h = {0};
			h.c0 = 1;
			for (u32 bpos = 0; bpos < 8; bpos++) {
				h.bpos = bpos;
				/* at a byte's first bit every input is written (here over what a
				 * stale one would show); after it x keeps the bit before's, as
				 * the model's mixer inputs do */
				if (bpos == 0)
					for (u32 i = 0; i < 2 * n; i++)
						x[i] = 12345;
				cm_run_mix(&r, &T, &h, x);
				for (u32 i = 0; i < n; i++) {
					const u32 run = r.run[i];
					const int agrees = run >> 8 && ((run & 255) | 256) >> (8 - bpos) == h.c0;
					if (!agrees) {
						CHECK(r.rsm[i] == NULL);
						CHECK_EQ_INT(x[i], 0);
						dropped += run >> 8 != 0;
						continue;
					}
					const u32 bp = v ? ((0x33322210u >> (bpos << 2)) & 15) * 2 : 0;
					u32 *e = &r.run_sm[r.rbase[i] + ((run >> (7 - bpos)) & 1) * 8 + bp];
					CHECK(r.rsm[i] == e);
					const s32 st = cm_sm_st(&T, *e);
					CHECK_EQ_INT(x[i], (s16)(r.rhalf[i] ? st / 2 : st));
					checked++;
				}
				const int y = (c >> (7 - bpos)) & 1;
				cm_run_update(&r, &T, y);
				h.c0 = h.c0 << 1 | (u32)y;
			}
			nz_cm_run_update_byte(&r, ch, c);
		}
		CHECK(checked > 1000 && dropped > 100);
		nz_cm_run_free(&r);
	}
}

/* With CM_F_BHIST the run table also keeps the byte before the last one, and
 * a second input per context learns what the two bytes' agreement with the
 * bits so far says: here the context alternates 'a' 'b' 'a' 'b', so while both
 * agree nothing is certain, and once the bits pick one of them that one is
 * right. */
static void test_byte_history(void)
{
	cm_params p = {.hash_bits = 16, .ctx_mask = CM_C_O2, .flags = CM_F_RUN | CM_F_BHIST};
	cm_run r;
	memset(&r, 0, sizeof(r));
	REQUIRE(nz_cm_run_init(&r, &p) == NZ_OK && r.rt && r.bhist);
	nz_cm_run_reset_shared(&r);
	nz_cm_run_reset_lane(&r);
	CHECK_EQ_INT(nz_cm_run_inputs(&p), 2);
	const u32 ch[1] = {0xAB000123u};
	nz_cm_run_lookup(&r, ch);
	nz_cm_run_update_byte(&r, ch, 'a');
	nz_cm_run_lookup(&r, ch);
	CHECK_EQ_INT(*r.rp[0] & 255, 'a'); /* one byte seen: both are it */
	s32 x[2];
	cm_history h = {0};
	/* 'a' = 0110 0001, 'b' = 0110 0010: they part at bit 6 */
	for (int round = 0; round < 60; round++) {
		const u32 c = round & 1 ? 'a' : 'b';
		nz_cm_run_update_byte(&r, ch, c);
		nz_cm_run_lookup(&r, ch);
		CHECK_EQ_INT(r.run[0] & 255, c);
		CHECK_EQ_INT(*r.rp[0] & 255, c == 'a' ? 'b' : 'a');
		CHECK_EQ_INT(r.prev[0], c == 'a' ? 'b' : 'a');
		/* the next byte is the other one: bits 7..0 of it */
		const u32 next = c == 'a' ? 'b' : 'a';
		h.c0 = 1;
		for (h.bpos = 0; h.bpos < 8; h.bpos++) {
			cm_run_mix(&r, &T, &h, x);
			const int y = (next >> (7 - h.bpos)) & 1;
			if (round == 59 && h.bpos == 7) /* the last bit: the older byte's, certain */
				CHECK(y ? x[1] > 1000 : x[1] < -1000);
			CHECK(r.bsm[0] != NULL);
			cm_run_update(&r, &T, y);
			h.c0 = h.c0 << 1 | (u32)y;
		}
	}
	/* another context takes the entry: its bytes start again */
	const u32 other[1] = {0xCD000123u};
	nz_cm_run_update_byte(&r, other, 'z');
	nz_cm_run_update_byte(&r, other, 'z');
	nz_cm_run_lookup(&r, other);
	nz_cm_run_update_byte(&r, other, 'z');
	nz_cm_run_lookup(&r, other);
	CHECK_EQ_INT(r.run[0] & 255, 'z');
	CHECK_EQ_INT(*r.rp[0] & 255, 'z');
	nz_cm_run_free(&r);
}

/* An external distribution with all its weight on one byte predicts its bits
 * with confidence; a uniform one says nothing. */
static void test_ext_input(void)
{
	cm_params p = {.flags = CM_F_EXT};
	cm_ext_input e;
	memset(&e, 0, sizeof(e));
	REQUIRE(nz_cm_ext_init(&e, &p) == NZ_OK);
	nz_cm_ext_reset(&e);
	CHECK_EQ_INT(nz_cm_ext_inputs(&p), 2);
	cm_history h = {0};
	s32 x[2] = {1, 1};
	h.c0 = 1;
	cm_ext_mix(&e, &T, &h, x);
	CHECK(x[0] == 0 && x[1] == 0); /* no predictor yet */
	e.has_ext = 1;
	u16 probs[256] = {0};
	probs[0xA5] = 60000;
	nz_cm_ext_set_probs(&e, probs);
	const u32 c = 0xA5;
	for (u32 b = 0; b < 8; b++) {
		h.bpos = b;
		h.c0 = (c | 256) >> (8 - b);
		cm_ext_mix(&e, &T, &h, x);
		if ((c >> (7 - b)) & 1)
			CHECK(x[0] > 1500);
		else
			CHECK(x[0] < -1500);
	}
	for (int i = 0; i < 256; i++)
		probs[i] = 100;
	nz_cm_ext_set_probs(&e, probs);
	h.bpos = 0;
	h.c0 = 1;
	cm_ext_mix(&e, &T, &h, x);
	CHECK(x[0] > -20 && x[0] < 20);
	nz_cm_ext_free(&e);
}

/* The second match model takes the latest 5-byte context when it is not the
 * one the first model follows. */
static void test_latest_match(void)
{
	cm_params p = {.match_bits = 16, .flags = CM_F_REC};
	cm_history h;
	cm_match mm;
	cm_latest l;
	memset(&h, 0, sizeof(h));
	memset(&mm, 0, sizeof(mm));
	REQUIRE(nz_cm_history_init(&h, 16) == NZ_OK && nz_cm_match_init(&mm, 16) == NZ_OK);
	nz_cm_history_reset(&h);
	nz_cm_match_reset(&mm);
	nz_cm_latest_init(&l, &p);
	nz_cm_latest_reset(&l);
	CHECK(l.on);
	/* "key=1;" long ago, in a long context; "key=2;" lately in a short one */
	u8 buf[4000];
	nz_test_fill(buf, sizeof(buf), 0, 5);
	memcpy(buf + 100, "common prefix of it all key=1;", 30);
	memcpy(buf + 2000, "different stuff key=2;", 22);
	memcpy(buf + 3000, "common prefix of it all key=", 28);
	for (u32 i = 0; i < 3028; i++) {
		nz_cm_history_update_byte(&h, buf[i]);
		nz_cm_match_update_byte(&mm, &h, buf[i]);
		nz_cm_latest_update_byte(&l, &mm, &h, buf[i]);
	}
	CHECK(mm.mlen >= 20);
	CHECK_EQ_INT(mm.mexp, '1');
	CHECK(l.mlen2 > 0);
	CHECK_EQ_INT(l.mexp2, '2');
	nz_cm_match_free(&mm);
	nz_cm_history_free(&h);
}

/* A history of 64 KiB, reset. */
static void history_open(cm_history *h)
{
	memset(h, 0, sizeof(*h));
	REQUIRE(nz_cm_history_init(h, 16) == NZ_OK);
	nz_cm_history_reset(h);
}

/* paq8px's XML model (xml_state.h): the states through a tag with an
 * attribute, content, an end tag and a comment; the nesting levels; a time in
 * the content; the enclosing tag's name in the contexts; random bytes keep the
 * state in range. */
static void test_xml_state(void)
{
	cm_history h;
	history_open(&h);
	h.xml_on = 1;
	static const struct {
		const char *text;
		u32 state;
	} steps[] = {
		{"<a", CM_XML_TAG_NAME}, {" ", CM_XML_TAG}, {"b", CM_XML_ATTR_NAME},
		{"=", CM_XML_ATTR_NAME}, {"\"", CM_XML_ATTR_VALUE}, {"x", CM_XML_ATTR_VALUE},
		{"\"", CM_XML_TAG}, {">", CM_XML_CONTENT}, {"<c", CM_XML_TAG_NAME},
		{">", CM_XML_CONTENT}, {"12:30", CM_XML_CONTENT}, {"</c", CM_XML_TAG_NAME},
		{">", CM_XML_NONE}, {"<!--", CM_XML_COMMENT}, {" x ", CM_XML_COMMENT},
		{"-->", CM_XML_NONE}};
	const cm_xml *x = &h.xml;
	for (size_t i = 0; i < NZ_ARRAY_LEN(steps); i++) {
		feed_on(&h, steps[i].text);
		CHECK_EQ_INT(x->state, steps[i].state);
		if (i == 2) /* the attribute's name is read into the tag */
			CHECK_EQ_INT(x->tags[x->index % CM_XML_TAGS].attr_name[0], 'b' & 0xDF);
		if (i == 9) { /* <c> inside <a>: one level deeper */
			CHECK_EQ_INT(x->tags[x->index % CM_XML_TAGS].level, 2);
			CHECK_EQ_INT(x->tags[(x->index - 1) % CM_XML_TAGS].level, 1);
		}
		if (i == 10) { /* "12:30": a time, a number */
			const u32 t = x->tags[x->index % CM_XML_TAGS].content_type;
			CHECK(t & CM_XML_C_TIME);
			CHECK(t & CM_XML_C_NUMBER);
			CHECK_EQ_INT(t & CM_XML_C_DATE, 0);
		}
		if (i == 12) /* the end tag closes <c>: back at <c>'s level */
			CHECK_EQ_INT(x->tags[(x->index - 1) % CM_XML_TAGS].level, 2);
	}
	/* the same tag in another parent: the context of the enclosing tag differs,
	 * the one of the tag alone does not */
	u32 in_a[4], in_b[4];
	nz_cm_history_reset(&h);
	feed_on(&h, "<a><c>");
	memcpy(in_a, x->ctx, sizeof(in_a));
	nz_cm_history_reset(&h);
	feed_on(&h, "<b><c>");
	memcpy(in_b, x->ctx, sizeof(in_b));
	CHECK_EQ_INT(in_a[1], in_b[1]);
	CHECK(in_a[2] != in_b[2]);
	/* the kinds read these hashes */
	const u8 kinds[] = {43, 44, 45, 46};
	u32 kh[4];
	nz_cm_context_hashes(kinds, 4, &h, 0, kh);
	for (int k = 0; k < 4; k++)
		CHECK_EQ_INT(kh[k], hc(in_b[k], 43u + (u32)k));
	u8 *r = malloc(100000);
	REQUIRE(r);
	nz_test_fill(r, 100000, 0, 17);
	for (int i = 0; i < 100000; i++) {
		nz_cm_history_update_byte(&h, r[i] % 4 ? r[i] : "<>/\"= !-["[r[i] % 10]);
		CHECK(x->state <= CM_XML_COMMENT);
	}
	free(r);
	/* off, it reads nothing */
	nz_cm_history_reset(&h);
	h.xml_on = 0;
	feed_on(&h, "<a b=\"x\">");
	CHECK_EQ_INT(x->state, CM_XML_NONE);
	CHECK_EQ_INT(x->index, 0);
	nz_cm_history_free(&h);
}

/* The match model's byte contexts (MATCH1-3): the mode, and what each hash
 * reads with and without a match. */
static void test_match_kinds(void)
{
	cm_history h;
	cm_match mm;
	history_open(&h);
	memset(&mm, 0, sizeof(mm));
	CHECK_EQ_INT(cm_match_mode(&mm), 0);
	mm.mrec = 1;
	CHECK_EQ_INT(cm_match_mode(&mm), 1);
	mm.mok = 9;
	CHECK_EQ_INT(cm_match_mode(&mm), 3);
	mm.mlen = 5;
	CHECK_EQ_INT(cm_match_mode(&mm), 5);
	mm.mlen = 300;
	CHECK_EQ_INT(cm_match_mode(&mm), 7);
	/* in a match the hashes follow the expected byte, not the last byte */
	feed_on(&h, "xyz");
	mm.mexp = 'q';
	u32 a[3], b[3];
	for (u32 t = 0; t < 3; t++)
		a[t] = cm_match_kind_hash(&mm, &h, t);
	feed_on(&h, "w");
	for (u32 t = 0; t < 3; t++)
		b[t] = cm_match_kind_hash(&mm, &h, t);
	CHECK_EQ_INT(a[0], b[0]);
	CHECK(a[1] != b[1]); /* MATCH2 and MATCH3 also read the bytes before */
	CHECK(a[2] != b[2]);
	mm.mexp = 'r';
	CHECK(cm_match_kind_hash(&mm, &h, 0) != b[0]);
	/* without one, the last bytes */
	mm.mlen = mm.mrec = 0;
	const u32 none = cm_match_kind_hash(&mm, &h, 0);
	mm.mexp = 'q';
	CHECK_EQ_INT(cm_match_kind_hash(&mm, &h, 0), none);
	feed_on(&h, "v");
	CHECK(cm_match_kind_hash(&mm, &h, 0) != none);
	CHECK(a[0] != a[1] && a[1] != a[2]);
	nz_cm_history_free(&h);
}

/* CM_F_UWORD: bytes >= 128 continue a word (UTF-8 letters), and are not
 * case-folded. */
static void test_utf8_words(void)
{
	cm_history h;
	history_open(&h);
	feed_on(&h, " ab\xc3\xa9");
	CHECK_EQ_INT(h.word, 0); /* off: the word "ab" ended at 0xc3 */
	CHECK(h.word1 != 0);
	nz_cm_history_reset(&h);
	h.uword = 1;
	feed_on(&h, " ab\xc3\xa9");
	CHECK_EQ_INT(h.wlen, 4);
	const u32 w = h.word;
	CHECK(w != 0);
	nz_cm_history_reset(&h);
	feed_on(&h, " AB\xc3\xa9");
	CHECK_EQ_INT(h.word, w); /* ASCII folded */
	nz_cm_history_reset(&h);
	feed_on(&h, " ab\xc3\x89");
	CHECK(h.word != w); /* 0xa9 and 0x89 stay apart */
	nz_cm_history_free(&h);
}

/* The mixer's width is what the components register: here checked against
 * the count the model used to keep by hand, for every combination of the flags
 * that add inputs, each with none, all and two alternating sets of the others. */
static void test_input_registry(void)
{
	const u64 masks[] = {0, CM_C_O2, CM_C_O2 | CM_C_O3 | CM_C_WORD, CM_C_ALL_};
	const u32 counted[] = {CM_F_RICH, CM_F_RUN, CM_F_EXT, CM_F_REC, CM_F_EXE,
			       CM_F_IMG, CM_F_JPEG, CM_F_AUDIO, CM_F_BHIST};
	u32 counted_all = 0;
	for (size_t i = 0; i < NZ_ARRAY_LEN(counted); i++)
		counted_all |= counted[i];
	const u32 others[] = {0, CM_F_ALL_ & ~counted_all, 0x55555555u & CM_F_ALL_ & ~counted_all,
			      0xaaaaaaaau & CM_F_ALL_ & ~counted_all};
	for (size_t mi = 0; mi < sizeof(masks) / sizeof(masks[0]); mi++) {
		const u32 nctx = cm_popcount64(masks[mi]);
		for (u32 sub = 0; sub < 1u << NZ_ARRAY_LEN(counted); sub++) {
			u32 fc = 0;
			for (size_t i = 0; i < NZ_ARRAY_LEN(counted); i++)
				if (sub >> i & 1)
					fc |= counted[i];
			for (size_t oi = 0; oi < NZ_ARRAY_LEN(others); oi++) {
				const u32 f = fc | others[oi];
				for (u32 mb = 0; mb <= 20; mb += 20) {
					cm_params p = {.hash_bits = 20, .ctx_mask = masks[mi], .match_bits = mb,
						       .mixers = 1, .flags = f};
					u32 per = (f & CM_F_RICH) ? 2 : 1;
					u32 want = 2 * per + nctx * per + 2 + ((f & CM_F_REC) ? 1 : 0) +
						   ((mb && (f & CM_F_REC)) ? 1 : 0) + ((f & CM_F_EXT) ? 2 : 0) +
						   ((f & (CM_F_EXE | CM_F_IMG | CM_F_JPEG | CM_F_AUDIO)) ? 16 : 0) + 1 +
						   ((f & CM_F_RUN) ? nctx * ((f & CM_F_BHIST) ? 2 : 1) : 0);
					CHECK_EQ_INT(nz_cm_model_mixer_inputs(&p), want);
					CHECK(nz_cm_model_mixer_inputs(&p) <= CM_MAXIN);
				}
			}
		}
	}
}

/* The x86-64 parser finds instruction boundaries: hand-assembled instructions
 * of every form it knows (prefixes, REX, the 0F, 0F 38 and 0F 3A maps, VEX,
 * EVEX, ModRM with SIB and displacements, every immediate kind). */
static void test_x86_parse(void)
{
	static const struct {
		const char *what;
		u8 len, b[15];
		u16 op; /* map << 8 | opcode */
	} ins[] = {
		{"mov rbp, rsp", 3, {0x48, 0x89, 0xe5}, 0x089},
		{"sub rsp, 16", 4, {0x48, 0x83, 0xec, 0x10}, 0x083},
		{"call rel32", 5, {0xe8, 1, 2, 3, 4}, 0x0e8},
		{"nop [rax+rax+0]", 5, {0x0f, 0x1f, 0x44, 0x00, 0x00}, 0x11f},
		{"nop word [rax+rax+0] (disp32)", 9, {0x66, 0x0f, 0x1f, 0x84, 0, 0, 0, 0, 0}, 0x11f},
		{"vzeroupper", 3, {0xc5, 0xf8, 0x77}, 0x177},
		{"vbroadcastss xmm0, [rip+x]", 9, {0xc4, 0xe2, 0x79, 0x18, 0x05, 1, 2, 3, 4}, 0x218},
		{"vpermilps xmm0, xmm0, 1", 6, {0xc4, 0xe3, 0x79, 0x04, 0xc0, 0x01}, 0x304},
		{"vmovaps zmm0, zmm1", 6, {0x62, 0xf1, 0x7c, 0x48, 0x28, 0xc1}, 0x128},
		{"test eax, 1", 6, {0xf7, 0xc0, 1, 0, 0, 0}, 0x0f7},
		{"test cl, 8", 3, {0xf6, 0xc1, 0x08}, 0x0f6},
		{"neg eax", 2, {0xf7, 0xd8}, 0x0f7},
		{"movabs rax, imm64", 10, {0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8}, 0x0b8},
		{"mov eax, imm32", 5, {0xb8, 1, 2, 3, 4}, 0x0b8},
		{"mov ax, imm16", 4, {0x66, 0xb8, 1, 2}, 0x0b8},
		{"ret", 1, {0xc3}, 0x0c3},
		{"je rel32", 6, {0x0f, 0x84, 1, 2, 3, 4}, 0x184},
		{"jne rel8", 2, {0x75, 0x10}, 0x075},
		{"mov eax, [abs32] (SIB, no base)", 7, {0x8b, 0x04, 0x25, 1, 2, 3, 4}, 0x08b},
		{"lock cmpxchg [rdi], esi", 4, {0xf0, 0x0f, 0xb1, 0x37}, 0x1b1},
		{"pshufd xmm0, xmm1, 0x1b", 5, {0x66, 0x0f, 0x70, 0xc1, 0x1b}, 0x170},
		{"pshufb xmm0, [rsi+8]", 6, {0x66, 0x0f, 0x38, 0x00, 0x46, 0x08}, 0x200},
		{"palignr xmm0, xmm1, 4", 6, {0x66, 0x0f, 0x3a, 0x0f, 0xc1, 0x04}, 0x30f},
		{"enter 16, 0", 4, {0xc8, 0x10, 0x00, 0x00}, 0x0c8},
		{"mov al, [moffs64]", 9, {0xa0, 1, 2, 3, 4, 5, 6, 7, 8}, 0x0a0},
		{"mov r/m32, imm32 [rbp-8]", 7, {0xc7, 0x45, 0xf8, 1, 0, 0, 0}, 0x0c7},
		{"imul eax, [rbx+rcx*4+0x100], 3", 8, {0x6b, 0x84, 0x8b, 0x00, 0x01, 0, 0, 3}, 0x06b},
		{"syscall", 2, {0x0f, 0x05}, 0x105},
	};
	cm_x86 x;
	nz_cm_x86_reset(&x);
	for (size_t i = 0; i < NZ_ARRAY_LEN(ins); i++) {
		const u32 len = ins[i].len;
		for (u32 k = 0; k + 1 < len; k++) {
			nz_cm_x86_next(&x, ins[i].b[k]);
			if (x.st == X86_START && x.len == 0) {
				fprintf(stderr, "%s: ends after %u of %u bytes\n", ins[i].what, k + 1, len);
				nz_test_failures++;
				break;
			}
		}
		nz_cm_x86_next(&x, ins[i].b[len - 1]);
		if (x.st != X86_START || x.len != 0 || x.plen != len || x.prev[0] != ins[i].op) {
			fprintf(stderr, "%s: state %u, length %u (want %u), opcode %03x (want %03x)\n",
				ins[i].what, x.st, x.plen, len, x.prev[0], ins[i].op);
			nz_test_failures++;
			nz_cm_x86_reset(&x);
		}
	}
	CHECK_EQ_INT(x.prev[1], 0x06b);
	/* operand bytes (displacement, then immediate), as the exe model keeps them */
	static const u8 mov_mem_imm[7] = {0xc7, 0x45, 0xf8, 0x01, 0x02, 0x03, 0x04};
	for (int k = 0; k < 7; k++)
		nz_cm_x86_next(&x, mov_mem_imm[k]);
	CHECK(x.pops == 0x04030201f8ull && x.prev[0] == 0x0c7);
	static const u8 movabs[10] = {0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8};
	for (int k = 0; k < 10; k++)
		nz_cm_x86_next(&x, movabs[k]);
	CHECK(x.pops == 0x0807060504030201ull);
	nz_cm_x86_next(&x, 0xc3);
	CHECK(x.pops == 0 && x.plen == 1);
	/* no instruction runs past 15 bytes, prefixes or not */
	for (int k = 0; k < 40; k++)
		nz_cm_x86_next(&x, 0x66);
	CHECK(x.len < 15);
	nz_test_rng r = {3};
	u32 longest = 0, ends = 0;
	for (int k = 0; k < 100000; k++) {
		nz_cm_x86_next(&x, (u32)nz_test_next(&r));
		CHECK(x.st < X86_STATES_ && x.len < 15);
		if (x.len == 0) {
			ends++;
			longest = NZ_MAX(longest, (u32)x.plen);
		}
	}
	CHECK(longest <= 15);
	CHECK(ends > 10000); /* random bytes still parse as short instructions */
}

/* The exe model's inputs: zero while it is off, so the mixer is as without it;
 * on, they follow what it learns. */
static void test_exe_model(void)
{
	cm_params p = {.hash_bits = 20, .ctx_mask = 0, .mixers = 1, .flags = CM_F_EXE};
	cm_dtype e;
	REQUIRE(nz_cm_dtype_init(&e, &p) == NZ_OK);
	const int nin = 2 * CM_DTYPE_CTX + CM_DTYPE_JPEG_OUT;
	CHECK_EQ_INT(nz_cm_dtype_inputs(&p), nin);
	nz_cm_dtype_reset_shared(&e, &T);
	nz_cm_dtype_reset_lane(&e);
	cm_history h;
	REQUIRE(nz_cm_history_init(&h, 16) == NZ_OK);
	nz_cm_history_reset(&h);
	s32 x[2 * CM_DTYPE_CTX + CM_DTYPE_JPEG_OUT];
	for (int i = 0; i < nin; i++)
		x[i] = 77;
	cm_dtype_mix(&e, &T, &h, x);
	for (int i = 0; i < nin; i++)
		CHECK_EQ_INT(x[i], 0);
	/* on: "call rel32" over and over; the bits of its opcode become certain */
	nz_cm_dtype_set(&e, CM_TYPE_EXE, NULL, h.c0, h.pos);
	static const u8 call[5] = {0xe8, 0x00, 0x10, 0x00, 0x00};
	s32 first = 0, last = 0;
	for (int rep = 0; rep < 200; rep++)
		for (int k = 0; k < 5; k++) {
			const u32 c = call[k];
			for (int b = 7; b >= 0; b--) {
				const int y = (c >> b) & 1;
				cm_dtype_mix(&e, &T, &h, x);
				if (k == 0 && b == 7) { /* the top bit of the opcode: 1 */
					if (rep == 1)
						first = x[0];
					last = x[0];
				}
				cm_dtype_update(&e, &T, y, CM_SM_LIMIT);
				h.c0 = (h.c0 << 1) | (u32)y;
				h.bpos++;
				if (h.bpos == 4)
					nz_cm_dtype_set_slots(&e, h.c0);
			}
			h.c0 = 1;
			h.bpos = 0;
			nz_cm_history_update_byte(&h, c);
			nz_cm_dtype_update_byte(&e, &h, c);
			nz_cm_dtype_set_slots(&e, h.c0);
		}
	CHECK(last > first && last > 1000);
	CHECK_EQ_INT(e.x.prev[0], 0x0e8);
	nz_cm_dtype_set(&e, CM_TYPE_NONE, NULL, h.c0, h.pos);
	cm_dtype_mix(&e, &T, &h, x);
	CHECK_EQ_INT(x[0], 0);
	nz_cm_history_free(&h);
	nz_cm_dtype_free(&e);
	p.flags = 0;
	CHECK_EQ_INT(nz_cm_dtype_inputs(&p), 0);
	CHECK_EQ_INT(nz_cm_dtype_memory(&p), 0);
}

typedef struct jpeg_walk {
	u32 mcu;      /* the MCU count after the last scan data byte */
	u32 bz;       /* its block and coefficient there (both 0: between MCUs) */
	u32 data;     /* scan data bytes */
	u32 lost;     /* of them, those coded while the parser had lost its place */
} jpeg_walk;

/* Feed b[0..n) to the parser bit by bit, as the CM model codes it. */
static jpeg_walk walk_jpeg(const u8 *b, size_t n, cm_jpeg *j, cm_history *h, s16 *ring, u8 *last)
{
	jpeg_walk w = {0};
	nz_cm_history_reset(h);
	nz_cm_jpeg_reset(j, ring, last, CM_JPEG_RING_BITS_MAX);
	for (size_t i = 0; i < n; i++) {
		const int data = j->data;
		for (int k = 7; k >= 0; k--)
			nz_cm_jpeg_bit(j, (b[i] >> k) & 1);
		if (data) {
			w.data++;
			w.lost += j->phase == JPEG_PH_OTHER;
			w.mcu = j->mcu;
			w.bz = (u32)j->b << 8 | j->zz;
		}
		/* what the contexts index stays in range */
		CHECK(j->zz < 64);
		CHECK(j->nb == 0 || j->b < j->nb);
		CHECK(j->nb <= CM_JPEG_MAX_BLOCKS && j->cbits <= 16);
		nz_cm_history_update_byte(h, b[i]);
		nz_cm_jpeg_byte(j, h, b[i]);
	}
	return w;
}

/* The JPEG parser follows real files (tests/data/jpeg, make_jpeg.sh) to the
 * end of their scans, in step: after the last data byte it stands at the first
 * block of the MCU after the last (96 x 64 pixels: 24 MCUs in 4:2:0, 48 in
 * 4:2:2, 96 in grey), never lost, through restart markers and optimised
 * tables; it never follows a progressive scan; damaged copies keep its state in
 * range. */
static void test_jpeg_parse(void)
{
	static const struct {
		const char *name;
		u32 mcus; /* 0: not followed */
	} files[] = {{"c420-restart.jpg", 24}, {"gray.jpg", 96}, {"c422-opt.jpg", 48},
		     {"progressive.jpg", 0}};
	cm_history h;
	REQUIRE(nz_cm_history_init(&h, 16) == NZ_OK);
	s16 *ring = malloc(((size_t)64 * sizeof(s16)) << CM_JPEG_RING_BITS_MAX);
	u8 *last = malloc((size_t)1 << CM_JPEG_RING_BITS_MAX);
	cm_jpeg *j = malloc(sizeof(*j));
	REQUIRE(ring && last && j);
	nz_test_rng r = {2026};
	for (size_t f = 0; f < NZ_ARRAY_LEN(files); f++) {
		size_t n;
		u8 *b = nz_test_data_file(&n, "jpeg/%s", files[f].name);
		if (!b)
			continue;
		const jpeg_walk w = walk_jpeg(b, n, j, &h, ring, last);
		if (files[f].mcus) {
			CHECK(w.data > n / 2);
			CHECK_EQ_INT(w.lost, 0);
			CHECK_EQ_INT(w.mcu, files[f].mcus);
			CHECK_EQ_INT(w.bz, 0);
		} else {
			CHECK_EQ_INT(w.data, 0);
		}
		/* damaged copies: a few bytes of the headers or the data replaced */
		for (int t = 0; t < 200; t++) {
			u8 *d = malloc(n);
			REQUIRE(d);
			memcpy(d, b, n);
			for (int k = 0; k < 1 + t % 4; k++)
				d[nz_test_next(&r) % (t < 100 ? NZ_MIN(n, (size_t)700) : n)] =
					(u8)nz_test_next(&r);
			walk_jpeg(d, n, j, &h, ring, last);
			free(d);
		}
		free(b);
	}
	/* random bytes after a valid start of image */
	u8 rnd[4096] = {0xff, 0xd8, 0xff};
	for (size_t i = 3; i < sizeof(rnd); i++)
		rnd[i] = (u8)nz_test_next(&r);
	walk_jpeg(rnd, sizeof(rnd), j, &h, ring, last);
	free(j);
	free(ring);
	free(last);
	nz_cm_history_free(&h);
}

int main(void)
{
	nz_cm_tables_init(&T);
	test_mixer_kernels();
	test_mixer_learns();
	test_state_map();
	test_context_map();
	test_deterministic_input();
	test_apm();
	test_apm_post();
	test_match_model();
	test_record_model();
	test_history_contexts();
	test_byte_classes();
	test_indirect_and_gaps();
	test_run_model();
	test_run_agreement_list();
	test_byte_history();
	test_ext_input();
	test_latest_match();
	test_xml_state();
	test_match_kinds();
	test_utf8_words();
	test_input_registry();
	test_x86_parse();
	test_exe_model();
	test_jpeg_parse();
	return nz_test_finish("test_cm_components");
}
