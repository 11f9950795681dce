/*
 * engine_internal.h - what an engine context is (nn.h only declares it): the
 * backend's op table, the threads, and the backend's own state. Private to
 * lib/nn and to the engine's tests (tests/nn); everything else uses the
 * accessors of nn.h.
 */
#ifndef NZ_NN_ENGINE_INTERNAL_H
#define NZ_NN_ENGINE_INTERNAL_H

#include "nn/backend.h"
#include "nn/nn.h"

struct nz_nn_ctx {
	const nz_nn_backend_ops *be;  /* every op goes through this table */
	int backend;                  /* NZ_NN_BACKEND_* */
	nz_thread_pool *pool;         /* NULL when single-threaded */
	int own_pool;
	u32 threads;                  /* threads in all, the caller included */
	void *impl;                   /* the backend's state (create/destroy) */
	int error;                    /* first device error (nz_nn_error), else NZ_OK */
};

#endif /* NZ_NN_ENGINE_INTERNAL_H */
