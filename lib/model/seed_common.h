/*
 * seed_common.h - what the four neural seed models (EDPC, PAC, TRACE, SEP) share:
 * the engine context, the trained parameter block (parameters, gradients, Adam
 * moments), a second block of constants that are never trained (the seeds'
 * detached maps), activation blocks carved llm.c-style, the block/lane life cycle
 * of byte_model.h, and a deterministic sin/cos for constant tables.
 *
 * A model embeds seed_model as its first member and fills in three hooks:
 *   init(m)          set the initial weights from cfg.seed (host code, the same
 *                    numbers everywhere);
 *   forward(m, ctx)  the forward pass of the active lanes into m->probs;
 *   backward(m, y)   the gradients of the mean cross-entropy (Adam runs after).
 * seed_common.c turns them into the byte_model ops.
 *
 * Every float the models compute in forward and backward goes through the
 * engine's ops (nn.h), so a backend, the host's or a device's, runs a model
 * without arithmetic of its own on the host. Only initialisation (seeded weights,
 * constant tables) is host code: it writes into engine memory once ("init runs on
 * the host then uploads", docs/ENGINE.md).
 */
#ifndef NZ_SEED_COMMON_H
#define NZ_SEED_COMMON_H

#include "model/byte_model.h"
#include "nn/exec.h"
#include "nn/nn.h"

/* ---- tensor tables: the one way a seed model declares its tensors ----
 * Each kind of tensor (trained, constant, activation) is listed once, as an
 * X-macro table LIST(X) that expands X(name, count) for every tensor in order;
 * counts are expressions of the dims in scope where the table is expanded. From
 * that one table come the struct of pointers (SEED_STRUCT), the layout and the
 * carving of the trained block (SEED_LAYOUT_TABLE, SEED_CARVE_TABLE), the arena of
 * constants or activations (SEED_ARENA_TABLE), and the float counts behind the
 * cost and the memory estimate (SEED_TABLE_COUNT). A count of 0 leaves the
 * pointer NULL (a tensor a configuration does not have). */
#define SEED_FIELD_(name, count) float *name;
#define SEED_COUNT_(name, count) +(u64)(count)
#define SEED_LAYOUT_ADD_(name, count) nz_nn_layout_add(seed_layout_, #name, (count));
#define SEED_ARENA_ADD_(name, count) \
	nz_seed_arena_add(seed_arena_, &seed_tensors_->name, (size_t)(count) * seed_rows_);
#define SEED_PARAM_PTR_(name, count) &seed_param_->name,
#define SEED_GRAD_PTR_(name, count) &seed_grad_->name,

/* typedef struct type { float *name; ... } type; */
#define SEED_STRUCT(type, LIST) typedef struct type { LIST(SEED_FIELD_) } type
/* The floats of a table's tensors (u64). */
#define SEED_TABLE_COUNT(LIST) ((u64)0 LIST(SEED_COUNT_))
/* Add a table's tensors to a layout. */
#define SEED_LAYOUT_TABLE(layout, LIST)                      \
	do {                                                 \
		nz_nn_layout *const seed_layout_ = (layout); \
		LIST(SEED_LAYOUT_ADD_)                       \
	} while (0)
/* Point the fields of *param and *grad (structs of `type`) at the table's tensors
 * in the trained block of sm, from layout entry `first`; *next receives the entry
 * after them. */
#define SEED_CARVE_TABLE(sm, first, next, type, param, grad, LIST)                     \
	do {                                                                           \
		type *const seed_param_ = (param), *const seed_grad_ = (grad);         \
		float **const seed_pf_[] = {LIST(SEED_PARAM_PTR_)};                    \
		float **const seed_gf_[] = {LIST(SEED_GRAD_PTR_)};                     \
		*(next) = nz_seed_model_carve((sm), (first), seed_pf_, seed_gf_,          \
					   (u32)NZ_ARRAY_LEN(seed_pf_));               \
	} while (0)
/* Add a table's tensors to an arena, `rows` times each count (1 for constants,
 * lanes for activations), carving into the struct *tensors of `type`. */
#define SEED_ARENA_TABLE(arena, type, tensors, rows, LIST)            \
	do {                                                          \
		seed_arena *const seed_arena_ = (arena);              \
		type *const seed_tensors_ = (tensors);                \
		const size_t seed_rows_ = (rows);                     \
		LIST(SEED_ARENA_ADD_)                                 \
	} while (0)

/* A list of named float blocks carved from one allocation (activations,
 * constants). Each entry is 16-float aligned; an entry of 0 floats is NULL. */
#define SEED_MAX_BUFS 160

typedef struct seed_arena {
	float **field[SEED_MAX_BUFS];
	size_t count[SEED_MAX_BUFS];
	u32 n;
	size_t total;
	int overflow;
} seed_arena;

void nz_seed_arena_init(seed_arena *a);
void nz_seed_arena_add(seed_arena *a, float **field, size_t count);
/* Allocate (zeroed) and carve; *mem receives the block. */
int nz_seed_arena_alloc(nz_nn_ctx *ctx, seed_arena *a, float **mem);

typedef struct seed_model seed_model;

typedef struct seed_hooks {
	void (*init)(seed_model *m);
	/* Lanes start over: clear per-lane caches (weights untouched). */
	void (*reset_lanes)(seed_model *m);
	void (*forward)(seed_model *m, const u8 *ctx, u32 active);
	void (*backward)(seed_model *m, const u8 *next, u32 active);
	void (*destroy)(seed_model *m);
} seed_hooks;

struct seed_model {
	nz_byte_model base;
	const seed_hooks *hooks;
	nz_model_config cfg;
	nz_nn_ctx *ctx;       /* the execution context's engine (not owned) */
	nz_nn_params P;       /* trained tensors (layout in P.layout) */
	float *fixed;         /* constants: never trained */
	float *act;           /* activations and their gradients */
	float *probs;         /* (lanes, 256) softmax of the last forward */
	float *dlogits;       /* (lanes, 256) */
	u8 *ctx_bytes;        /* (lanes, context) copy of the last predict's context */
	float weight_decay;   /* Adam's L2 decay (the seeds': 1e-7, TRACE 0) */
	u32 lanes;            /* the most lanes */
	u32 used;             /* lanes in use in this block */
	u32 active;           /* lanes of the last predict */
	int fresh;            /* weights still at their initial values */
	int first;            /* the next predict is the block's first step */
	u64 steps;            /* training steps since creation (for benches) */
	/* Weight delay d (cfg.delay): step t predicts with the weights after the
	 * update of step t-1-d, so the Adam step of step s runs after the forward
	 * pass of step s+d. trained - applied steps have gradients waiting. */
	u32 delay;
	u64 trained, applied;
	float *held[NZ_MAX_DELAY]; /* d = 2: the waiting gradients, by step parity */
};

/* Take the engine of ex and fill the base. */
int nz_seed_model_begin(seed_model *m, const seed_hooks *hooks, const nz_model_config *cfg,
		     nz_exec *ex, u32 context, float weight_decay);
/* Allocate the trained block (parameters, gradients, moments) of a layout. */
int nz_seed_model_params(seed_model *m, const nz_nn_layout *l);
/* Point pf[i] and gf[i] (i < n) at layout entry first + i of the parameters and
 * the gradients (NULL for an entry of 0 floats); returns first + n. */
u32 nz_seed_model_carve(seed_model *m, u32 first, float **const *pf, float **const *gf, u32 n);
/* Allocate probs/dlogits/ctx copies; call init; hand out the byte model. */
int nz_seed_model_finish(seed_model *m, nz_byte_model **out);
void nz_seed_model_free(seed_model *m);

/* The byte_model ops shared by every seed model. */
extern const nz_byte_model_ops nz_seed_model_ops;

/* ---- constant tables (host code at init) ---- */

/* Deterministic sin and cos in binary64 (+ - * only), for constant tables. */
double nz_nx_sin(double x);
double nz_nx_cos(double x);

/* Total multiply-adds of a seed model per byte (forward, and forward + training),
 * for reports; defined by each model. */
typedef struct seed_cost {
	double fwd_macs;     /* per coded byte, steady state */
	double train_macs;   /* forward + backward per byte */
	u64 params;          /* trained floats shared by the lanes */
	u64 lane_params;     /* trained floats per lane (batch ensemble) */
	u64 fixed;           /* untrained constants */
} seed_cost;

void nz_edpc_cost(const nz_model_config *cfg, seed_cost *c);
void nz_pac_cost(const nz_model_config *cfg, seed_cost *c);
void nz_trace_cost(const nz_model_config *cfg, seed_cost *c);
void nz_sep_cost(const nz_model_config *cfg, seed_cost *c);
/* Dispatch by cfg->model; 0 if not a seed model. */
int nz_seed_cost(const nz_model_config *cfg, seed_cost *c);
/* Non-zero if a training step of cfg is too small to split across threads: the
 * model then runs its ops on one thread (nz_exec_engine_for). */
int nz_seed_step_serial(const nz_model_config *cfg);

/* Bytes the weight delay adds to a seed model (d = 2 parks two gradients). */
u64 nz_seed_delay_memory(const nz_model_config *cfg);

/* Bytes a seed model allocates for a config, from its cost and activation sizes. */
u64 nz_seed_memory(const seed_cost *c, u32 lanes, u64 act_floats);

#endif /* NZ_SEED_COMMON_H */
