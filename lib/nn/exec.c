/*
 * exec.c - see exec.h.
 */
#include <stdlib.h>

#include "common/cpu.h"
#include "nn/exec.h"

struct nz_exec {
	nz_thread_pool *pool;
	u32 threads;
	int backend;
	nz_nn_ctx *nn;     /* created by nz_exec_engine */
	nz_nn_ctx *nn1;    /* the one-thread engine of nz_exec_engine_for */
};

int nz_exec_create(nz_exec **out, u32 threads, int backend)
{
	*out = NULL;
	if (backend < 0 || backend >= NZ_NN_BACKEND_COUNT_)
		return NZ_ERR_PARAM;
	if (backend != NZ_NN_BACKEND_AUTO && !nz_nn_backend_supported(backend))
		return NZ_ERR_UNSUPPORTED;
	nz_exec *ex = calloc(1, sizeof(*ex));
	if (!ex)
		return NZ_ERR_NOMEM;
	ex->backend = backend;
	ex->threads = threads ? threads : nz_cpu_count();
	if (ex->threads > 1) {
		int rc = nz_thread_pool_create(&ex->pool, ex->threads);
		if (rc) {
			free(ex);
			return rc;
		}
	}
	*out = ex;
	return NZ_OK;
}

void nz_exec_free(nz_exec *ex)
{
	if (!ex)
		return;
	nz_nn_free(ex->nn);
	nz_nn_free(ex->nn1);
	nz_thread_pool_free(ex->pool);
	free(ex);
}

nz_thread_pool *nz_exec_pool(const nz_exec *ex) { return ex->pool; }
u32 nz_exec_threads(const nz_exec *ex) { return ex->threads; }
int nz_exec_backend(const nz_exec *ex) { return ex->backend; }

int nz_exec_engine(nz_exec *ex, nz_nn_ctx **out)
{
	if (!ex->nn) {
		nz_nn_options o = {.backend = ex->backend, .threads = ex->threads,
				   .pool = ex->pool};
		NZ_TRY(nz_nn_create(&ex->nn, &o));
	}
	*out = ex->nn;
	return NZ_OK;
}

int nz_exec_engine_for(nz_exec *ex, int serial, nz_nn_ctx **out)
{
	NZ_TRY(nz_exec_engine(ex, out));
	if (!serial || ex->threads == 1 || nz_nn_backend(*out) == NZ_NN_BACKEND_OPENCL)
		return NZ_OK;
	if (!ex->nn1) {
		nz_nn_options o = {.backend = nz_nn_backend(*out), .threads = 1};
		NZ_TRY(nz_nn_create(&ex->nn1, &o));
	}
	*out = ex->nn1;
	return NZ_OK;
}
