/*
 * exec.h - the execution context of one compression or decompression: the thread
 * pool, the engine (nz_nn_ctx) on that pool, and the backend choice. nz_cctx and
 * nz_dctx create one each and pass it down to codecs and models, so that nothing
 * below them owns a pool or starts threads of its own, and a device backend has a
 * single place where its queues and buffers live.
 *
 * The engine is created on first use (the context-mixing levels never need it).
 * One engine serves every model of the context, from one thread at a time (the
 * thread that drives the codec); tasks running on the pool must not call engine
 * ops on it (they would run pool batches from inside the pool): a model used
 * inside pool tasks takes a serial engine of its own (nz_exec_create with one
 * thread).
 */
#ifndef NZ_EXEC_H
#define NZ_EXEC_H

#include "common/thread_pool.h"
#include "nn/nn.h"

typedef struct nz_exec nz_exec;

/* threads: threads in all, counting the caller (0 = one per online CPU; 1 = no
 * pool). backend: NZ_NN_BACKEND_* (AUTO honours $NZIP_BACKEND). The backend is
 * checked here, so an unsupported choice fails before any data is read. */
int nz_exec_create(nz_exec **out, u32 threads, int backend);
void nz_exec_free(nz_exec *ex);

/* The pool (NULL when single-threaded) and its thread count (>= 1). */
nz_thread_pool *nz_exec_pool(const nz_exec *ex);
u32 nz_exec_threads(const nz_exec *ex);
/* The backend asked for (NZ_NN_BACKEND_*, maybe AUTO). */
int nz_exec_backend(const nz_exec *ex);

/* The context's engine on its pool, created on the first call; owned by ex. */
int nz_exec_engine(nz_exec *ex, nz_nn_ctx **out);
/* The same engine, or for a model too small to split (serial != 0, CPU
 * backends) one whose ops run on the calling thread alone; the pool stays free
 * for the codec's other work. Buffers of the two are the same host memory. */
int nz_exec_engine_for(nz_exec *ex, int serial, nz_nn_ctx **out);

#endif /* NZ_EXEC_H */
