/*
 * nzip.h - the public API of nzip, a lossless compressor whose probability model
 * is trained online on the data it compresses.
 *
 * Three ways in:
 *   - one-shot:  nz_compress() / nz_decompress() on whole buffers;
 *   - streaming: nz_cctx / nz_dctx fed with nz_inbuf / nz_outbuf pairs, for inputs
 *                of unknown size (stdin to stdout);
 *   - inspection: nz_get_frame_info() reads a frame header without decoding.
 *
 * Every function returns an nz_error code (NZ_OK == 0) unless stated otherwise;
 * nz_error_string() turns a code into one line of English. The library keeps no
 * global mutable state: contexts may be used from different threads, but one
 * context must not be used by two threads at once. Free functions accept NULL.
 *
 * The format is described in docs/FORMAT.md; its numerics in docs/NUMERICS.md.
 */
#ifndef NZIP_H
#define NZIP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * NZ_API marks what libnzip exports. The library is built with hidden visibility,
 * so anything without it stays internal to the shared library; every exported name
 * starts with nz_. A program may define NZ_API itself before including this header.
 */
#ifndef NZ_API
#if defined(__GNUC__) && __GNUC__ >= 4
#define NZ_API __attribute__((visibility("default")))
#else
#define NZ_API
#endif
#endif

#define NZ_VERSION_MAJOR 0
#define NZ_VERSION_MINOR 1
#define NZ_VERSION_PATCH 0
#define NZ_VERSION_STRING "0.1.0"

/* The library's version at run time ("0.1.0"). */
NZ_API const char *nz_version_string(void);

/* Error codes. The numbers are stable: they never change meaning. */
typedef enum nz_error {
	NZ_OK = 0,
	NZ_ERR_GENERIC = 1,      /* an error with no better code */
	NZ_ERR_NOMEM = 2,        /* out of memory */
	NZ_ERR_PARAM = 3,        /* an invalid argument or parameter */
	NZ_ERR_NOT_NZIP = 4,     /* the input does not start with the nzip magic */
	NZ_ERR_VERSION = 5,      /* made by a newer nzip: unsupported format version */
	NZ_ERR_UNSUPPORTED = 6,  /* unknown model, coding mode, flag or parameter */
	NZ_ERR_CORRUPT = 7,      /* the compressed data is corrupt */
	NZ_ERR_TRUNCATED = 8,    /* the compressed data ends too early */
	NZ_ERR_CHECKSUM = 9,     /* a checksum does not match: the data is corrupt */
	NZ_ERR_DST_SIZE = 10,    /* the output buffer is too small */
	NZ_ERR_MEMLIMIT = 11,    /* decoding needs more memory than the limit allows */
	NZ_ERR_STAGE = 12,       /* a function was called at the wrong time */
	NZ_ERR_CANCELLED = 13,   /* the progress callback asked to stop */
	NZ_ERR_THREAD = 14,      /* a thread could not be started */
	NZ_ERR_STRUCT_SIZE = 15, /* a struct's struct_size is not one this library knows
	                          * (not initialised by its _init function?), or it sets
	                          * fields of a newer nzip.h that this library lacks */
	NZ_ERR_COUNT_            /* not an error: the number of codes */
} nz_error;

/* One line describing an error code; never NULL. */
NZ_API const char *nz_error_string(int code);

/* Models (recorded in the frame header; the numbers are part of the format). */
typedef enum nz_model {
	NZ_MODEL_AUTO = -1,      /* choose from the level */
	NZ_MODEL_STORE = 0,      /* no compression */
	NZ_MODEL_ORDER2 = 1,     /* adaptive order-0/1/2 context counts */
	NZ_MODEL_EDPC = 2,       /* EDPC (MBRB + IFR), neural, byte-wise */
	NZ_MODEL_PAC = 3,        /* PAC MLP, neural, byte-wise */
	NZ_MODEL_TRACE = 4,      /* TRACE linear-attention transformer */
	NZ_MODEL_SEP = 5,        /* SEP patch front-end on PAC */
	NZ_MODEL_CM = 6          /* context mixing, bit-wise */
} nz_model;

#define NZ_LEVEL_MIN 0
#define NZ_LEVEL_MAX 9
#define NZ_LEVEL_DEFAULT 6

/* Progress report, passed to the progress callback during long jobs. */
typedef struct nz_progress {
	uint64_t bytes_in;       /* input consumed so far (compressed bytes when decoding) */
	uint64_t bytes_out;      /* output produced so far */
	uint64_t total_in;       /* total input if known, else 0 */
	uint64_t raw_done;       /* uncompressed bytes modelled so far */
	uint64_t coded_bits;     /* bits the coder produced for raw_done (estimate) */
} nz_progress;

/* Return non-zero to cancel the job (it then fails with NZ_ERR_CANCELLED). It is
 * called from the thread that called the library, a few times a second at most
 * when the caller rate-limits; it must not call back into the same context. */
typedef int (*nz_progress_fn)(void *opaque, const nz_progress *progress);

#define NZ_CONTENT_SIZE_UNKNOWN UINT64_MAX

/*
 * Where the neural models compute. Every backend gives the same bits
 * (docs/NUMERICS.md), so this is a speed choice only: a file made on one decodes
 * on any other. NZ_BACKEND_AUTO takes the best the machine has, or the one named
 * by the environment variable NZIP_BACKEND.
 */
typedef enum nz_backend {
	NZ_BACKEND_AUTO = 0,
	NZ_BACKEND_SCALAR = 1,   /* plain C */
	NZ_BACKEND_AVX2 = 2,     /* x86-64 AVX2 + FMA */
	NZ_BACKEND_AVX512 = 3,   /* x86-64 AVX-512 F/DQ/BW/VL */
	NZ_BACKEND_OPENCL = 4    /* an OpenCL device (built with OpenCL); never AUTO */
} nz_backend;

/* The backend named "auto", "scalar", "avx2" or "avx512", or -1. */
NZ_API int nz_backend_from_name(const char *name);
/* The name of a backend, or NULL. */
NZ_API const char *nz_backend_name(int backend);
/* Non-zero if this machine can run the backend (AUTO: always). */
NZ_API int nz_backend_supported(int backend);
/* The OpenCL device of this process: "PLATFORM.DEVICE" as nz_list_devices numbers
 * them (NULL or "" = default: $NZIP_OPENCL_DEVICE, else the first suitable GPU,
 * else the first suitable device). Only before the first OpenCL job (NZ_ERR_STAGE
 * after it, for another device); NZ_ERR_UNSUPPORTED in a build without OpenCL.
 * nz_params.device / nz_dparams.device do the same per job. */
NZ_API int nz_select_device(const char *spec);
/* One line per OpenCL device into buf (truncated to cap, terminated if cap > 0),
 * "opencl:P.D type name (platform), memory usable|unusable: why". Returns the
 * number of devices (0 if none or no OpenCL in this build). */
NZ_API int nz_list_devices(char *buf, size_t cap);
/* The peak bytes of device memory the engine held at once in this process (OpenCL;
 * 0 if none), and the device's name into name (truncated to cap). */
NZ_API uint64_t nz_device_peak_memory(char *name, size_t cap);

/*
 * Compression parameters. Initialise with nz_params_init(), then change fields.
 * A zero model hyperparameter means "the model's default for this level".
 *
 * The struct can grow without breaking programs already compiled: new fields are
 * only ever added at its end, and struct_size (set by nz_params_init() to the size
 * the caller was compiled with; never set it by hand) tells the library how much of
 * it the caller has. Every function that reads an nz_params checks struct_size:
 *   - a size of an older nzip.h: the fields it lacks take their defaults;
 *   - a size of a newer nzip.h (bigger than this library's): accepted if the fields
 *     this library does not know are zero (their default, as nz_params_init leaves
 *     them), else NZ_ERR_STRUCT_SIZE, since ignoring a setting silently could
 *     change what the caller asked for;
 *   - any other size, 0 included (a struct not made by nz_params_init):
 *     NZ_ERR_STRUCT_SIZE.
 * Copying an initialised struct (q = p) is fine. nz_dparams works the same way.
 * This is the size-field scheme of Linux's openat2()/clone3(); zstd's setter
 * functions were not chosen so that every existing caller keeps compiling.
 */
typedef struct nz_params {
	uint32_t struct_size;    /* sizeof(nz_params) of the caller: set by nz_params_init */
	int level;               /* 0..9; set by nz_params_init */
	int model;               /* an nz_model, NZ_MODEL_AUTO for the level's choice */
	int preset;              /* model size preset: 0 = full, 1.. = smaller (model-defined) */
	uint32_t lanes;          /* parallel lanes sharing one model (seeds' batch_size) */
	uint32_t context;        /* bytes of context the model sees */
	uint32_t hidden;         /* hidden width */
	uint32_t ffn;            /* feed-forward width */
	float learning_rate;     /* Adam learning rate */
	uint64_t seed;           /* initial-weights seed */
	uint32_t delay;          /* seed models: predict with the weights of d steps ago
				  * (0..2, 0 = none; docs/FORMAT.md key 8) */
	uint32_t substreams;     /* K entropy-coder substreams per block (0 = default) */
	uint32_t block_size;     /* bytes per block, a power of two (0 = default) */
	uint32_t threads;        /* worker threads (0 = all cores); never changes the output */
	int backend;             /* an nz_backend (0 = auto); never changes the output */
	uint64_t content_size;   /* total input size if known (streaming), else NZ_CONTENT_SIZE_UNKNOWN */
	nz_progress_fn progress; /* optional */
	void *progress_opaque;
	const char *device;      /* NZ_BACKEND_OPENCL: "PLATFORM.DEVICE" or NULL (see nz_select_device) */
} nz_params;

/* Fill *p with the defaults of a level (0..9; 0 stores) and set p->struct_size.
 * nz_params_init() passes the caller's sizeof(nz_params); the _sized function is
 * what the library exports (struct_size: the size of *p; NZ_ERR_STRUCT_SIZE if the
 * library does not know it). */
NZ_API int nz_params_init_sized(nz_params *p, size_t struct_size, int level);
static inline int nz_params_init(nz_params *p, int level)
{
	return nz_params_init_sized(p, sizeof(nz_params), level);
}

/* Select a model by name ("order2", "edpc", "edpc-s", "cm", ...): sets p->model and
 * p->preset. Returns NZ_ERR_PARAM for an unknown name. */
NZ_API int nz_params_set_model(nz_params *p, const char *name);

/* The name of a model id, or NULL if unknown. */
NZ_API const char *nz_model_name(int model);

/* The name of a model's size preset ("edpc-s"; preset 0 is the model's name), or
 * NULL if unknown. */
NZ_API const char *nz_model_preset_name(int model, int preset);

/* A list of the model names nz_params_set_model() accepts, separated by ", ". */
NZ_API const char *nz_model_names(void);

/* The memory limit nz_dparams_init() sets (2 GiB): above what every built-in level
 * and model needs at any input size with the default block size and substreams
 * (cm-9 and cm-nn, about 1.8 GiB, need the most), far below what a crafted header
 * can ask for (hundreds of GiB). Frames made with a larger --block-size or
 * --substreams may need more: raise memlimit, or set it to 0 for no limit. */
#define NZ_MEMLIMIT_DEFAULT ((uint64_t)2 << 30)

/* Decompression parameters. Initialise with nz_dparams_init(). struct_size works as
 * nz_params' (above): set by nz_dparams_init, checked by nz_dctx_create and
 * nz_decompress (a NULL nz_dparams means the defaults). */
typedef struct nz_dparams {
	uint32_t struct_size;    /* sizeof(nz_dparams) of the caller: set by nz_dparams_init */
	uint64_t memlimit;       /* refuse frames needing more memory (bytes; 0 = no limit;
				  * NZ_MEMLIMIT_DEFAULT by nz_dparams_init) */
	uint32_t threads;        /* worker threads (0 = all cores) */
	int backend;             /* an nz_backend (0 = auto) */
	nz_progress_fn progress;
	void *progress_opaque;
	const char *device;      /* NZ_BACKEND_OPENCL: "PLATFORM.DEVICE" or NULL (see nz_select_device) */
} nz_dparams;

NZ_API int nz_dparams_init_sized(nz_dparams *p, size_t struct_size);
static inline void nz_dparams_init(nz_dparams *p)
{
	(void)nz_dparams_init_sized(p, sizeof(nz_dparams));
}

/* What a frame header says. */
typedef struct nz_frame_info {
	int format_version;
	int coding;              /* 0 stored, 1 byte-wise range coder, 2 bit-wise coder */
	int model;               /* nz_model */
	int preset;
	uint64_t content_size;   /* NZ_CONTENT_SIZE_UNKNOWN if the header does not say */
	uint32_t block_size;
	uint32_t lanes, context, hidden, ffn;
	float learning_rate;
	uint64_t seed;
	uint32_t substreams;
	uint64_t memory_needed;  /* bytes the decoder will allocate, at most: every model
	                          * state, the lane driver's buffers and the block
	                          * buffers. Bit-wise models hold one model state per
	                          * substream: nz_get_frame_info counts the substreams
	                          * of the first block header when src holds it,
	                          * nz_dctx_frame_info those of every block so far,
	                          * nz_params_resolve those the parameters give */
	size_t header_size;      /* bytes of the frame header */
	char model_detail[160];  /* the model's parameters in words, for display
	                          * ("hash 1G, match 256M, 24 context kinds, ...") */
} nz_frame_info;

/* What compression parameters resolve to, without compressing: the model, preset
 * and hyperparameters (defaults filled in), block size, substreams and memory a
 * frame made with them would record (content_size as given). NZ_ERR_PARAM if the
 * parameters are invalid; *detail (if detail is not NULL) then says why. */
NZ_API int nz_params_resolve(const nz_params *p, nz_frame_info *info, const char **detail);

/* Parse the frame header at the start of src. NZ_ERR_TRUNCATED if more bytes are
 * needed to read the header. */
NZ_API int nz_get_frame_info(const void *src, size_t src_size, nz_frame_info *info);

/* Walk the frame at the start of src without decoding it: its header, every block
 * header (payloads are skipped by their recorded sizes) and its footer. On NZ_OK,
 * *frame_size is the frame's size in bytes (the next frame, if any, starts there),
 * *info is as nz_get_frame_info() gives, and info->content_size is the footer's,
 * known even when the header does not record it. NZ_ERR_TRUNCATED if src ends
 * inside the frame; NZ_ERR_CORRUPT or NZ_ERR_CHECKSUM for damaged headers. Only the
 * header bytes are read, so a memory-mapped file costs a few pages per block. */
NZ_API int nz_frame_extent(const void *src, size_t src_size, uint64_t *frame_size,
		    nz_frame_info *info);

/* ---- one-shot ---- */

/* The largest compressed size of src_size bytes, whatever the data. */
NZ_API size_t nz_compress_bound(size_t src_size);

/* Compress src into dst. On success *dst_size is the compressed size. */
NZ_API int nz_compress(void *dst, size_t dst_capacity, size_t *dst_size,
		       const void *src, size_t src_size, const nz_params *params);

/* Decompress one or more concatenated frames into dst. On success *dst_size is the
 * decompressed size. dparams may be NULL for the defaults. */
NZ_API int nz_decompress(void *dst, size_t dst_capacity, size_t *dst_size,
			 const void *src, size_t src_size, const nz_dparams *dparams);

/* ---- streaming ---- */

typedef struct nz_inbuf {
	const void *src;
	size_t size;
	size_t pos;              /* advanced by the library */
} nz_inbuf;

typedef struct nz_outbuf {
	void *dst;
	size_t size;
	size_t pos;              /* advanced by the library */
} nz_outbuf;

typedef struct nz_cctx nz_cctx;
typedef struct nz_dctx nz_dctx;

/* Create a compression context; *out is NULL on error. */
NZ_API int nz_cctx_create(nz_cctx **out, const nz_params *params);
NZ_API void nz_cctx_free(nz_cctx *c);

/*
 * Consume input from in, write compressed bytes to out. Input is buffered into
 * blocks; a full block is compressed in this call (which can take a while: the
 * progress callback reports). Pass finish != 0 once the whole input has been given:
 * the last block, the end marker and the footer are then written.
 * *pending receives the number of compressed bytes still waiting for room in out;
 * the frame is complete when a call with finish != 0 has consumed all input and
 * reports *pending == 0. After that the context must be freed or reset.
 */
NZ_API int nz_compress_stream(nz_cctx *c, nz_outbuf *out, nz_inbuf *in, int finish,
			      size_t *pending);

/* Start a new frame with the same parameters (content_size becomes unknown). The
 * context keeps its model's memory, so coding many small inputs with one context
 * creates the model once (as zstd's context reuse does). */
NZ_API int nz_cctx_reset(nz_cctx *c);
/* Declare the content size of the frame about to start (after nz_cctx_create
 * or nz_cctx_reset, before its first input; NZ_CONTENT_SIZE_UNKNOWN for none):
 * it is recorded in the header and checked at the end, as nz_params.content_size
 * is. NZ_ERR_PARAM once the frame has begun. */
NZ_API int nz_cctx_set_content_size(nz_cctx *c, uint64_t content_size);

/* Create a decompression context (dparams may be NULL); *out is NULL on error. */
NZ_API int nz_dctx_create(nz_dctx **out, const nz_dparams *dparams);
NZ_API void nz_dctx_free(nz_dctx *d);

/*
 * Consume compressed bytes from in, write decompressed bytes to out. Frames may be
 * concatenated: the context starts the next frame by itself. *frame_done is set to
 * 1 when the input consumed so far ends exactly at the end of a frame whose output
 * has all been written, else 0. If the input ends while *frame_done is 0, the input
 * was truncated.
 */
NZ_API int nz_decompress_stream(nz_dctx *d, nz_outbuf *out, nz_inbuf *in, int *frame_done);

/* The frame header of the frame being decoded (valid once its header was read). */
NZ_API int nz_dctx_frame_info(const nz_dctx *d, nz_frame_info *info);

/*
 * Where the time of a context went, summed over the blocks it coded since it was
 * created (docs/ENGINE.md, "Pipeline"). Nanoseconds of CLOCK_MONOTONIC. The model
 * stages run on the calling thread; quantise and code are summed over the threads
 * that ran them, so with a pipeline they overlap the model and can exceed the
 * wall time. wait: the calling thread waiting for the coders. The stages are
 * timed on a sample of the steps (every step from 32 lanes up) and scaled, so
 * they are estimates; wait and total are measured. Models that are not
 * byte models (cm) leave every field zero.
 */
typedef struct nz_stage_stats {
	uint64_t forward_ns;     /* model: predictions */
	uint64_t backward_ns;    /* model: gradients (or count updates) */
	uint64_t adam_ns;        /* model: optimiser steps */
	uint64_t quantise_ns;    /* probabilities to integer frequencies */
	uint64_t code_ns;        /* range coding */
	uint64_t wait_ns;        /* the caller waiting for coder threads */
	uint64_t total_ns;       /* wall time inside the block codec */
	uint64_t bytes;          /* uncompressed bytes of the coded blocks */
	uint64_t steps;          /* lane steps (one prediction of every active lane) */
} nz_stage_stats;

/* Copy a context's stage times into *s (NZ_ERR_PARAM for NULL arguments). */
NZ_API int nz_cctx_stats(const nz_cctx *c, nz_stage_stats *s);
NZ_API int nz_dctx_stats(const nz_dctx *d, nz_stage_stats *s);

/* A sentence with details about the last error of a context (block number,
 * expected vs. found), or "" if there is none. Valid until the next call. */
NZ_API const char *nz_cctx_error_detail(const nz_cctx *c);
NZ_API const char *nz_dctx_error_detail(const nz_dctx *d);

#ifdef __cplusplus
}
#endif

#endif /* NZIP_H */
