/*
 * args.c - the command line: options in the gzip/xz/zstd style, parsed by hand
 * (short options may be grouped, "-T4" or "-T 4"; long options take "--opt=V" or
 * "--opt V"; options and files may be mixed; "--" ends the options), plus -h and
 * --version.
 */
#define _DEFAULT_SOURCE
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

enum opt_id {
	OPT_COMPRESS = 1, OPT_DECOMPRESS, OPT_TEST, OPT_LIST, OPT_STDOUT, OPT_OUTPUT,
	OPT_KEEP, OPT_FORCE, OPT_SUFFIX, OPT_RECURSIVE, OPT_VERIFY, OPT_NO_VERIFY,
	OPT_QUIET, OPT_VERBOSE, OPT_HELP, OPT_VERSION, OPT_PROGRESS, OPT_NO_PROGRESS,
	OPT_FAST, OPT_BEST, OPT_LEVEL, OPT_MODEL, OPT_LANES, OPT_LR, OPT_HIDDEN, OPT_FFN,
	OPT_CONTEXT, OPT_SEED, OPT_BLOCK_SIZE, OPT_THREADS, OPT_MEMLIMIT, OPT_SUBSTREAMS, OPT_BACKEND,
	OPT_SUMMARY, OPT_DEVICE, OPT_LIST_DEVICES,
};

typedef struct long_opt {
	const char *name;
	int has_arg;
	int id;
} long_opt;

static const long_opt long_opts[] = {
	{"compress", 0, OPT_COMPRESS},     {"decompress", 0, OPT_DECOMPRESS},
	{"uncompress", 0, OPT_DECOMPRESS}, {"test", 0, OPT_TEST},
	{"list", 0, OPT_LIST},             {"stdout", 0, OPT_STDOUT},
	{"to-stdout", 0, OPT_STDOUT},      {"output", 1, OPT_OUTPUT},
	{"keep", 0, OPT_KEEP},             {"force", 0, OPT_FORCE},
	{"suffix", 1, OPT_SUFFIX},         {"recursive", 0, OPT_RECURSIVE},
	{"verify", 0, OPT_VERIFY},         {"no-verify", 0, OPT_NO_VERIFY},
	{"quiet", 0, OPT_QUIET},           {"verbose", 0, OPT_VERBOSE},
	{"help", 0, OPT_HELP},             {"version", 0, OPT_VERSION},
	{"progress", 0, OPT_PROGRESS},     {"no-progress", 0, OPT_NO_PROGRESS},
	{"fast", 0, OPT_FAST},             {"best", 0, OPT_BEST},
	{"level", 1, OPT_LEVEL},           {"model", 1, OPT_MODEL},
	{"lanes", 1, OPT_LANES},           {"lr", 1, OPT_LR},
	{"hidden", 1, OPT_HIDDEN},         {"ffn", 1, OPT_FFN},
	{"context", 1, OPT_CONTEXT},       {"seed", 1, OPT_SEED},
	{"block-size", 1, OPT_BLOCK_SIZE}, {"threads", 1, OPT_THREADS},
	{"memlimit", 1, OPT_MEMLIMIT},     {"substreams", 1, OPT_SUBSTREAMS},
	{"backend", 1, OPT_BACKEND},
	{"summary", 0, OPT_SUMMARY},
	{"device", 1, OPT_DEVICE},         {"list-devices", 0, OPT_LIST_DEVICES},
};

/* Short options: letter, takes an argument, id. Digits are levels. */
static const struct { char c; int has_arg; int id; } short_opts[] = {
	{'z', 0, OPT_COMPRESS}, {'d', 0, OPT_DECOMPRESS}, {'t', 0, OPT_TEST},
	{'l', 0, OPT_LIST},     {'c', 0, OPT_STDOUT},     {'o', 1, OPT_OUTPUT},
	{'k', 0, OPT_KEEP},     {'f', 0, OPT_FORCE},      {'S', 1, OPT_SUFFIX},
	{'r', 0, OPT_RECURSIVE}, {'q', 0, OPT_QUIET},     {'v', 0, OPT_VERBOSE},
	{'h', 0, OPT_HELP},     {'V', 0, OPT_VERSION},    {'T', 1, OPT_THREADS},
};

/* ---- values ---- */

/* An unsigned number, optionally with a binary suffix (K, M, G, T; "KiB", "KB" and
 * "k" mean the same). 0 on success. */
static int parse_size(const char *s, int allow_suffix, uint64_t max, uint64_t *out)
{
	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return -1;
	errno = 0;
	char *end;
	unsigned long long v = strtoull(s, &end, allow_suffix ? 10 : 0);
	if (errno || end == s)
		return -1;
	uint64_t mult = 1;
	if (*end) {
		if (!allow_suffix)
			return -1;
		switch (*end) {
		case 'k': case 'K': mult = 1ull << 10; break;
		case 'm': case 'M': mult = 1ull << 20; break;
		case 'g': case 'G': mult = 1ull << 30; break;
		case 't': case 'T': mult = 1ull << 40; break;
		default: return -1;
		}
		end++;
		if (!strcmp(end, "iB") || !strcmp(end, "B") || !strcmp(end, "ib") ||
		    !strcmp(end, "b"))
			end += strlen(end);
		if (*end)
			return -1;
	}
	if (v > max / mult)
		return -1;
	*out = (uint64_t)v * mult;
	return 0;
}

static int set_u32(opt_u32 *o, const char *name, const char *arg, int allow_suffix)
{
	uint64_t v;
	if (parse_size(arg, allow_suffix, UINT32_MAX, &v)) {
		msg_usage("invalid value '%s' for %s: expected a number from 0 to %u%s", arg, name,
			  UINT32_MAX, allow_suffix ? " (K, M, G suffixes allowed)" : "");
		return -1;
	}
	o->set = 1;
	o->value = (uint32_t)v;
	return 0;
}

static int parse_memlimit(const char *arg, uint64_t *out)
{
	if (!strcmp(arg, "max") || !strcmp(arg, "0")) {
		*out = 0;
		return 0;
	}
	size_t n = strlen(arg);
	if (n > 1 && arg[n - 1] == '%') {
		char num[32];
		if (n - 1 >= sizeof(num))
			return -1;
		memcpy(num, arg, n - 1);
		num[n - 1] = 0;
		uint64_t pct;
		if (parse_size(num, 0, 100, &pct) || pct == 0)
			return -1;
		long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
		if (pages <= 0 || page <= 0)
			return -1;
		*out = (uint64_t)pages * (uint64_t)page / 100 * pct;
		return 0;
	}
	return parse_size(arg, 1, UINT64_MAX, out);
}

/* ---- help ---- */

/* What a level resolves to (the model's defaults filled in), streaming with an
 * unknown size so the block size is the level's own. */
static void level_info(int level, nz_params *p, nz_frame_info *fi, int *resolved)
{
	*resolved = nz_params_init(p, level) == NZ_OK && nz_params_resolve(p, fi, NULL) == NZ_OK;
}

static void print_levels(void)
{
	printf("Levels (as the library defines them; the options above override):\n");
	printf("  %-5s  %-10s %6s %8s %7s %6s %9s %9s\n", "level", "model", "lanes", "context",
	       "hidden", "ffn", "block", "memory");
	for (int level = NZ_LEVEL_MIN; level <= NZ_LEVEL_MAX; level++) {
		nz_params p;
		nz_frame_info fi;
		int resolved;
		level_info(level, &p, &fi, &resolved);
		if (!resolved) {
			memset(&fi, 0, sizeof(fi));
			fi.model = p.model;
			fi.preset = p.preset;
		}
		const char *name = nz_model_preset_name(fi.model, fi.preset);
		char model[32], block[16] = "-", mem[16] = "-";
		snprintf(model, sizeof(model), "%s", name ? name : "?");
		if (resolved && fi.block_size)
			fmt_size(block, sizeof(block), fi.block_size);
		if (resolved && fi.memory_needed)
			fmt_size(mem, sizeof(mem), fi.memory_needed);
		char dims[4][16];
		const uint32_t v[4] = {fi.lanes, fi.context, fi.hidden, fi.ffn};
		for (int i = 0; i < 4; i++) /* 0: the model has no such dimension */
			snprintf(dims[i], sizeof(dims[i]), v[i] ? "%u" : "-", v[i]);
		printf("  -%-4d  %-10s %6s %8s %7s %6s %9s %9s%s\n", level, model, dims[0],
		       dims[1], dims[2], dims[3], block, mem,
		       level == NZ_LEVEL_DEFAULT ? "  (default)" : "");
	}
}

static void print_help(void)
{
	printf(
"Usage: nzip [OPTION]... [FILE]...\n"
"Compress FILEs to FILE.nz (or decompress them) with a model trained online on the\n"
"data itself. By default the input is removed once its output is safely written.\n"
"With no FILE, or when FILE is -, read standard input and write standard output.\n"
"\n"
"Operation:\n"
"  -z, --compress        compress (the default)\n"
"  -d, --decompress      decompress FILE.nz to FILE\n"
"  -t, --test            test the integrity of compressed files\n"
"  -l, --list            list what compressed files' headers say\n"
"\n"
"Output:\n"
"  -c, --stdout          write to standard output; keep the input files\n"
"  -o, --output=FILE     write to FILE (one input only); keep the input\n"
"  -k, --keep            keep (don't delete) the input files\n"
"  -f, --force           overwrite existing outputs; write compressed data to or read\n"
"                        it from a terminal; compress links, files with a suffix\n"
"  -S, --suffix=SUF      use suffix SUF instead of .nz\n"
"  -r, --recursive       operate on the files in directories, recursively\n"
"      --verify          after compressing, decompress the output and compare it\n"
"                        with the input before removing the input\n"
"\n"
"Compression:\n"
"  -0 ... -9             compression level (default %d); -0 stores\n"
"      --fast, --best    -1, -9\n"
"      --model=NAME      use model NAME instead of the level's (see below)\n"
"      --lanes=N         parallel lanes sharing one model\n"
"      --context=N       bytes of context the model sees\n"
"      --hidden=N        hidden width\n"
"      --ffn=N           feed-forward width\n"
"      --lr=X            learning rate\n"
"      --seed=N          initial-weights seed\n"
"      --block-size=SIZE bytes per block, a power of two\n"
"      --substreams=K    entropy-coder substreams per block (expert)\n"
"  -T, --threads=N       worker threads (0 = all cores, the default); never changes\n"
"                        the output. With several files, up to N files at once,\n"
"                        each with N / (files at once) threads\n"
"      --backend=NAME    where neural models compute: auto, scalar, avx2, avx512,\n"
"                        opencl; never changes the output (also for -d)\n"
"      --device=DEV      cpu (the best CPU backend) or opencl[:P.D] (platform P,\n"
"                        device D of --list-devices); never changes the output\n"
"      --list-devices    list the OpenCL devices and whether nzip can use them\n"
"\n"
"Decompression:\n"
"      --memlimit=SIZE   refuse files needing more memory than SIZE (N%% of RAM,\n"
"                        or max for none); default 2G, enough for every level\n"
"                        and model (-l shows what a file needs)\n"
"\n"
"Messages:\n"
"  -q, --quiet           no warnings, no progress\n"
"  -v, --verbose         per-file statistics (-l: header fields, -vv: stage times);\n"
"                        with several files, the --summary table too\n"
"      --summary         at the end, a table of every file (sizes, ratio, bpb,\n"
"                        time, MB/s) and totals, on stderr\n"
"      --progress        show progress on a terminal even with -q\n"
"      --no-progress     never show progress\n"
"  -h, --help            this help\n"
"  -V, --version         the version\n"
"\n"
"SIZE takes K, M, G suffixes (powers of 1024).\n"
"\n", NZ_LEVEL_DEFAULT);
	print_levels();
	printf("\nModels: %s\n", nz_model_names());
	printf("  cm-1 .. cm-9   context mixing, the levels' models (about 1 MB/s .. 10 KB/s;\n"
	       "                 cm-9 mixes in a small neural model, edpc-tiny)\n"
	       "  cm-nn          the level 9 of before 2026-12 with edpc-tiny in the mix\n"
	       "  cm-x           the level 9 of before 2026-12 with more text contexts, SSE\n"
	       "                 stages and mixers (cm-r1-8; cm-r2-8 adds the byte classes)\n"
	       "  cm-r1-1 .. cm-r1-9   the levels of 2026-12-02 (before the byte classes)\n"
	       "  cm-r2-1 .. cm-r2-9   the levels with the byte classes, before paq8px's SSE\n"
	       "                 chain and word contexts joined cm-7 .. cm-9\n"
	       "  cm-r3-1 .. cm-r3-9   the levels with that chain, before paq8px's input for\n"
	       "                 deterministic states and slower mixers joined cm-4 .. cm-9\n"
	       "  cm-r4-1 .. cm-r4-9   the levels with those, before paq8px's match and XML\n"
	       "                 contexts and UTF-8 words joined them\n"
	       "  cm-r5-1 .. cm-r5-9   the levels with those, before the SSE chain of cm-1 ..\n"
	       "                 cm-6 lost its first stage\n"
	       "  cm-r6-1 .. cm-r6-9   the levels with that, before the mixers of cm-1 .. cm-4,\n"
	       "                 cm-6 and cm-7 learnt at their own rates\n"
	       "  edpc pac trace sep   the neural seed models at the seeds' sizes (tens of\n"
	       "                 millions of multiply-adds per byte: KB/s); -s and -xs are\n"
	       "                 CPU-sized presets (edpc-xs about 20 KB/s), -tiny is for tests\n"
	       "  order2         adaptive order-0/1/2 counts;  store  no compression\n");
	printf("\nExit status: 0 success, 1 error (any file), 2 usage error. On SIGINT, SIGTERM,\n"
	       "SIGHUP or SIGPIPE the partial output is removed and nzip dies by the signal.\n");
}

static void print_version(void)
{
	printf("nzip %s (libnzip %s)\n", NZ_VERSION_STRING, nz_version_string());
}

/* ---- parsing ---- */

static void defaults(cli_options *o)
{
	memset(o, 0, sizeof(*o));
	o->mode = MODE_COMPRESS;
	o->suffix = ".nz";
	o->progress = -1;
	o->level = NZ_LEVEL_DEFAULT;
	o->memlimit = NZ_MEMLIMIT_DEFAULT;
}

/* Apply one option. Returns 0, EXIT_USAGE, or -1 when done (help, version). */
static int apply(cli_options *o, int id, const char *name, const char *arg)
{
	uint64_t v;
	switch (id) {
	case OPT_COMPRESS: o->mode = MODE_COMPRESS; break;
	case OPT_DECOMPRESS: o->mode = MODE_DECOMPRESS; break;
	case OPT_TEST: o->mode = MODE_TEST; break;
	case OPT_LIST: o->mode = MODE_LIST; break;
	case OPT_STDOUT: o->to_stdout = 1; break;
	case OPT_OUTPUT:
		if (!*arg) {
			msg_usage("empty file name for %s", name);
			return EXIT_USAGE;
		}
		if (!strcmp(arg, "-")) {
			o->to_stdout = 1;
			o->output = NULL;
		} else {
			o->output = arg;
		}
		break;
	case OPT_KEEP: o->keep = 1; break;
	case OPT_FORCE: o->force = 1; break;
	case OPT_SUFFIX:
		if (!*arg || strchr(arg, '/') || strlen(arg) > 32) {
			msg_usage("invalid suffix '%s'", arg);
			return EXIT_USAGE;
		}
		o->suffix = arg;
		break;
	case OPT_RECURSIVE: o->recursive = 1; break;
	case OPT_VERIFY: o->verify = 1; break;
	case OPT_NO_VERIFY: o->verify = 0; break;
	case OPT_QUIET: o->quiet = 1; o->verbose = 0; break;
	case OPT_VERBOSE: o->verbose++; o->quiet = 0; break;
	case OPT_HELP: print_help(); return -1;
	case OPT_VERSION: print_version(); return -1;
	case OPT_SUMMARY: o->summary = 1; break;
	case OPT_PROGRESS: o->progress = 1; break;
	case OPT_NO_PROGRESS: o->progress = 0; break;
	case OPT_FAST: o->level = 1; break;
	case OPT_BEST: o->level = 9; break;
	case OPT_LEVEL:
		if (parse_size(arg, 0, NZ_LEVEL_MAX, &v)) {
			msg_usage("invalid level '%s': expected %d to %d", arg, NZ_LEVEL_MIN,
				  NZ_LEVEL_MAX);
			return EXIT_USAGE;
		}
		o->level = (int)v;
		break;
	case OPT_MODEL: {
		nz_params p;
		nz_params_init(&p, NZ_LEVEL_DEFAULT);
		if (nz_params_set_model(&p, arg) != NZ_OK) {
			msg_usage("unknown model '%s'; models: %s", arg, nz_model_names());
			return EXIT_USAGE;
		}
		o->model = arg;
		break;
	}
	case OPT_LANES: return set_u32(&o->lanes, name, arg, 0) ? EXIT_USAGE : 0;
	case OPT_HIDDEN: return set_u32(&o->hidden, name, arg, 1) ? EXIT_USAGE : 0;
	case OPT_FFN: return set_u32(&o->ffn, name, arg, 1) ? EXIT_USAGE : 0;
	case OPT_CONTEXT: return set_u32(&o->context, name, arg, 1) ? EXIT_USAGE : 0;
	case OPT_SUBSTREAMS: return set_u32(&o->substreams, name, arg, 0) ? EXIT_USAGE : 0;
	case OPT_THREADS: return set_u32(&o->threads, name, arg, 0) ? EXIT_USAGE : 0;
	case OPT_LIST_DEVICES: {
		char list[4096];
		nz_list_devices(list, sizeof list);
		fputs(list, stdout);
		return -1;
	}
	case OPT_DEVICE: {
		if (!strcmp(arg, "cpu")) {
			static const int cpu[] = {NZ_BACKEND_AVX512, NZ_BACKEND_AVX2, NZ_BACKEND_SCALAR};
			for (size_t i = 0; i < sizeof cpu / sizeof cpu[0]; i++)
				if (nz_backend_supported(cpu[i])) {
					o->backend = cpu[i];
					break;
				}
			o->device = NULL;
			break;
		}
		if (strncmp(arg, "opencl", 6) || (arg[6] && arg[6] != ':')) {
			msg_usage("unknown device '%s': expected cpu, opencl or opencl:P.D", arg);
			return EXIT_USAGE;
		}
		o->device = arg[6] ? arg + 7 : NULL;
		const int rc = nz_select_device(o->device);
		if (rc == NZ_ERR_UNSUPPORTED) {
			msg_usage("this nzip was built without OpenCL: no device '%s'", arg);
			return EXIT_USAGE;
		}
		if (rc != NZ_OK) {
			msg_usage("bad OpenCL device '%s' (see --list-devices)", arg);
			return EXIT_USAGE;
		}
		if (!nz_backend_supported(NZ_BACKEND_OPENCL)) {
			msg_usage("device '%s' cannot run here (see --list-devices)", arg);
			return EXIT_USAGE;
		}
		o->backend = NZ_BACKEND_OPENCL;
		break;
	}
	case OPT_BACKEND: {
		const int b = nz_backend_from_name(arg);
		if (b < 0) {
			msg_usage("unknown backend '%s': expected auto, scalar, avx2, avx512 or opencl", arg);
			return EXIT_USAGE;
		}
		if (!nz_backend_supported(b)) {
			msg_usage("backend '%s' cannot run on this machine", arg);
			return EXIT_USAGE;
		}
		o->backend = b;
		break;
	}
	case OPT_BLOCK_SIZE:
		if (set_u32(&o->block_size, name, arg, 1))
			return EXIT_USAGE;
		if (o->block_size.value & (o->block_size.value - 1)) {
			msg_usage("invalid block size '%s': must be a power of two", arg);
			return EXIT_USAGE;
		}
		break;
	case OPT_LR: {
		char *end;
		errno = 0;
		double d = strtod(arg, &end);
		if (errno || end == arg || *end || !isfinite(d) || d <= 0 || d > 1e6 ||
		    (float)d <= 0) {
			msg_usage("invalid learning rate '%s': expected a positive number", arg);
			return EXIT_USAGE;
		}
		o->lr_set = 1;
		o->lr = (float)d;
		break;
	}
	case OPT_SEED:
		if (parse_size(arg, 0, UINT64_MAX, &v)) {
			msg_usage("invalid seed '%s': expected an unsigned 64-bit number", arg);
			return EXIT_USAGE;
		}
		o->seed_set = 1;
		o->seed = v;
		break;
	case OPT_MEMLIMIT:
		if (parse_memlimit(arg, &o->memlimit)) {
			msg_usage("invalid memory limit '%s': expected SIZE (K, M, G), N%% or max", arg);
			return EXIT_USAGE;
		}
		break;
	default: return EXIT_USAGE;
	}
	return 0;
}

static int parse_long(cli_options *o, char *arg, int argc, char **argv, int *i)
{
	const char *body = arg + 2;
	const char *eq = strchr(body, '=');
	size_t len = eq ? (size_t)(eq - body) : strlen(body);
	for (size_t k = 0; k < sizeof(long_opts) / sizeof(long_opts[0]); k++) {
		const long_opt *lo = &long_opts[k];
		if (strlen(lo->name) != len || strncmp(lo->name, body, len))
			continue;
		char name[48];
		snprintf(name, sizeof(name), "--%s", lo->name);
		const char *value = NULL;
		if (lo->has_arg) {
			if (eq) {
				value = eq + 1;
			} else if (*i + 1 < argc) {
				value = argv[++*i];
			} else {
				msg_usage("option %s needs a value", name);
				return EXIT_USAGE;
			}
		} else if (eq) {
			msg_usage("option %s takes no value", name);
			return EXIT_USAGE;
		}
		return apply(o, lo->id, name, value);
	}
	msg_usage("unknown option '%.*s'", (int)(len + 2), arg);
	return EXIT_USAGE;
}

static int parse_short(cli_options *o, char *arg, int argc, char **argv, int *i)
{
	for (const char *p = arg + 1; *p; p++) {
		if (*p >= '0' && *p <= '9') {
			/* A run of digits is one level, so that zstd's habit -19 is refused
			 * instead of read as -1 -9. */
			const char *d = p;
			unsigned level = 0;
			for (;; p++) {
				level = level > 99 ? level : level * 10 + (unsigned)(*p - '0');
				if (!(p[1] >= '0' && p[1] <= '9'))
					break;
			}
			if (level > NZ_LEVEL_MAX) {
				msg_usage("invalid level '-%.*s': expected -%d to -%d", (int)(p - d + 1), d,
					  NZ_LEVEL_MIN, NZ_LEVEL_MAX);
				return EXIT_USAGE;
			}
			o->level = (int)level;
			continue;
		}
		size_t k, n = sizeof(short_opts) / sizeof(short_opts[0]);
		for (k = 0; k < n && short_opts[k].c != *p; k++)
			;
		if (k == n) {
			msg_usage("unknown option '-%c'", *p);
			return EXIT_USAGE;
		}
		char name[3] = {'-', *p, 0};
		if (!short_opts[k].has_arg) {
			int rc = apply(o, short_opts[k].id, name, NULL);
			if (rc)
				return rc;
			continue;
		}
		const char *value;
		if (p[1]) {
			value = p + 1;
		} else if (*i + 1 < argc) {
			value = argv[++*i];
		} else {
			msg_usage("option %s needs a value", name);
			return EXIT_USAGE;
		}
		return apply(o, short_opts[k].id, name, value);
	}
	return 0;
}

int cli_parse_args(int argc, char **argv, cli_options *o, char ***operands, int *n_operands)
{
	defaults(o);
	*n_operands = 0;
	*operands = calloc((size_t)argc + 1, sizeof(char *));
	if (!*operands) {
		msg_error(NULL, "%s", nz_error_string(NZ_ERR_NOMEM));
		return EXIT_ERROR;
	}
	/* Called as nzcat or unnzip: the usual shortcuts. */
	const char *base = strrchr(argv[0], '/');
	base = base ? base + 1 : argv[0];
	if (!strcmp(base, "nzcat")) {
		o->mode = MODE_DECOMPRESS;
		o->to_stdout = 1;
	} else if (!strcmp(base, "unnzip")) {
		o->mode = MODE_DECOMPRESS;
	}

	int only_files = 0;
	for (int i = 1; i < argc; i++) {
		char *arg = argv[i];
		int rc = 0;
		if (only_files || arg[0] != '-' || !strcmp(arg, "-"))
			(*operands)[(*n_operands)++] = arg;
		else if (!strcmp(arg, "--"))
			only_files = 1;
		else if (arg[1] == '-')
			rc = parse_long(o, arg, argc, argv, &i);
		else
			rc = parse_short(o, arg, argc, argv, &i);
		if (rc)
			return rc;
	}

	/* Combinations that make no sense. */
	if (o->output && o->to_stdout) {
		msg_usage("-o and -c cannot be used together");
		return EXIT_USAGE;
	}
	if (o->output && (o->mode == MODE_TEST || o->mode == MODE_LIST)) {
		msg_usage("-o cannot be used with %s", o->mode == MODE_TEST ? "-t" : "-l");
		return EXIT_USAGE;
	}
	if (o->output && (*n_operands > 1 || o->recursive)) {
		msg_usage("-o needs exactly one input (got %d%s)", *n_operands,
			  o->recursive ? ", with -r" : "");
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

/* The hyperparameter options, one at a time: apply option `which` (if the user set
 * it) to p and describe it ("--seed 7"). Returns 0 when `which` is past the end. */
enum { N_HYPER = 9 };
static int apply_hyper(const cli_options *o, int which, nz_params *p, char *desc, size_t cap)
{
	*desc = 0;
	const opt_u32 *u = NULL;
	const char *name = NULL;
	switch (which) {
	case 0: u = &o->lanes; name = "--lanes"; if (u->set) p->lanes = u->value; break;
	case 1: u = &o->context; name = "--context"; if (u->set) p->context = u->value; break;
	case 2: u = &o->hidden; name = "--hidden"; if (u->set) p->hidden = u->value; break;
	case 3: u = &o->ffn; name = "--ffn"; if (u->set) p->ffn = u->value; break;
	case 4: u = &o->substreams; name = "--substreams"; if (u->set) p->substreams = u->value; break;
	case 5: u = &o->block_size; name = "--block-size"; if (u->set) p->block_size = u->value; break;
	case 6: u = &o->threads; name = "-T"; if (u->set) p->threads = u->value; break;
	case 7:
		if (o->lr_set) {
			p->learning_rate = o->lr;
			snprintf(desc, cap, "--lr %g", (double)o->lr);
		}
		return 1;
	case 8:
		if (o->seed_set) {
			p->seed = o->seed;
			snprintf(desc, cap, "--seed %llu", (unsigned long long)o->seed);
		}
		return 1;
	default: return 0;
	}
	if (u->set)
		snprintf(desc, cap, "%s %u", name, u->value);
	return 1;
}

int cli_make_params(const cli_options *o, uint64_t content_size, nz_params *p)
{
	int rc = nz_params_init(p, o->level);
	if (rc)
		return rc;
	if (o->model && (rc = nz_params_set_model(p, o->model)))
		return rc;
	char desc[64];
	for (int i = 0; i < N_HYPER; i++)
		apply_hyper(o, i, p, desc, sizeof(desc));
	p->backend = o->backend;
	p->device = o->device;
	p->content_size = content_size;
	p->progress = progress_callback;
	p->progress_opaque = NULL;
	return NZ_OK;
}

static int params_accepted(const nz_params *p)
{
	nz_frame_info fi;
	return nz_params_resolve(p, &fi, NULL) == NZ_OK;
}

int cli_check_params(const cli_options *o)
{
	if (o->mode != MODE_COMPRESS)
		return EXIT_OK;
	nz_params p;
	if (cli_make_params(o, NZ_CONTENT_SIZE_UNKNOWN, &p) != NZ_OK) {
		msg_usage("invalid level or model");
		return EXIT_USAGE;
	}
	int any = 0;
	char desc[64];
	nz_params probe = p;
	for (int i = 0; i < N_HYPER; i++) {
		apply_hyper(o, i, &probe, desc, sizeof(desc));
		any |= *desc != 0;
	}
	if (!any || params_accepted(&p))
		return EXIT_OK;
	/* Name the options the model refuses on their own, else all of them. */
	const char *model = nz_model_name(p.model);
	char culprits[512] = "";
	for (int pass = 0; pass < 2 && !*culprits; pass++) {
		for (int i = 0; i < N_HYPER; i++) {
			nz_params one;
			nz_params_init(&one, o->level);
			if (o->model)
				nz_params_set_model(&one, o->model);
			apply_hyper(o, i, &one, desc, sizeof(desc));
			if (!*desc || (pass == 0 && params_accepted(&one)))
				continue;
			size_t n = strlen(culprits);
			snprintf(culprits + n, sizeof(culprits) - n, "%s%s", n ? ", " : "", desc);
		}
	}
	msg_usage("%s: not accepted by model %s at level %d", culprits, model ? model : "?",
		  o->level);
	return EXIT_USAGE;
}

void cli_make_dparams(const cli_options *o, nz_dparams *p)
{
	nz_dparams_init(p);
	p->memlimit = o->memlimit;
	if (o->threads.set)
		p->threads = o->threads.value;
	p->backend = o->backend;
	p->device = o->device;
	p->progress = progress_callback;
	p->progress_opaque = NULL;
}
