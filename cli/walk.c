/*
 * walk.c - the list of files to process, made before any is touched: operands in
 * order, directories expanded with -r (entries in name order, read before anything
 * is written beside them), and, inside directories, what -r skips (symbolic links,
 * special files, names with or without the suffix, nzip's own temporary files). Everything else, including
 * operands that will fail, goes on the list: the job reports its own errors
 * (cli/file.c), so that a failed file has its row in the --summary table.
 */
#define _DEFAULT_SOURCE
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

int has_suffix(const char *path, const char *suffix)
{
	size_t n = strlen(path), s = strlen(suffix);
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	/* The suffix alone is not a name with a suffix: ".nz" has nothing to restore. */
	return n > s && strlen(base) > s && !strcmp(path + n - s, suffix);
}

/* The base name ends in ".nztmp." and six characters (mkstemp's XXXXXX). */
static int is_temp_name(const char *path)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	const size_t n = strlen(base), tail = sizeof(".nztmp.XXXXXX") - 1;
	return n > tail && !memcmp(base + n - tail, ".nztmp.", 7);
}

static int add(file_list *l, const char *path, int explicit, const struct stat *st)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		file_entry *v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	char *copy = strdup(path);
	if (!copy)
		return -1;
	l->v[l->n++] = (file_entry){copy, explicit,
				    st && S_ISREG(st->st_mode) ? (uint64_t)st->st_size : 0};
	return 0;
}

static int walk_path(const cli_options *o, const char *path, int explicit, file_list *l);

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int walk_dir(const cli_options *o, const char *dir, file_list *l)
{
	DIR *d = opendir(dir);
	if (!d) {
		msg_error(dir, "%s", strerror(errno));
		return EXIT_ERROR;
	}
	char **names = NULL;
	size_t n = 0, cap = 0;
	int status = EXIT_OK;
	struct dirent *e;
	errno = 0;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			char **nn = realloc(names, cap * sizeof(*names));
			if (!nn) {
				status = EXIT_ERROR;
				break;
			}
			names = nn;
		}
		size_t dl = strlen(dir);
		int slash = dl && dir[dl - 1] == '/';
		char *child = malloc(dl + strlen(e->d_name) + 2);
		if (!child) {
			status = EXIT_ERROR;
			break;
		}
		sprintf(child, "%s%s%s", dir, slash ? "" : "/", e->d_name);
		names[n++] = child;
		errno = 0;
	}
	if (status == EXIT_OK && errno)
		status = EXIT_ERROR;
	if (status)
		msg_error(dir, "cannot read directory: %s", strerror(errno ? errno : ENOMEM));
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_names);
	for (size_t i = 0; i < n; i++) {
		if (walk_path(o, names[i], 0, l))
			status = EXIT_ERROR;
		free(names[i]);
	}
	free(names);
	return status;
}

static int walk_path(const cli_options *o, const char *path, int explicit, file_list *l)
{
	int writes_file = (o->mode == MODE_COMPRESS || o->mode == MODE_DECOMPRESS) &&
			  !o->to_stdout && !o->output;
	struct stat st;
	int have = lstat(path, &st) == 0;
	if (have && S_ISLNK(st.st_mode)) {
		if (!explicit)
			return EXIT_OK;  /* -r never follows links */
		/* The job refuses the link without -f; with it, a link to a directory
		 * is walked like the directory. */
		if (writes_file && !o->force)
			return add(l, path, explicit, NULL) ? EXIT_ERROR : EXIT_OK;
		have = stat(path, &st) == 0;
	}
	if (have && S_ISDIR(st.st_mode) && o->recursive)
		return walk_dir(o, path, l);
	if (have && !explicit) {
		if (!S_ISREG(st.st_mode)) {
			msg_warn(path, "not a regular file -- ignored");
			return EXIT_OK;
		}
		/* -r skips another nzip's temporary output ("NAME.nztmp.XXXXXX", see
		 * out_open_temp): compressing it would race with that run's rename. */
		if (is_temp_name(path))
			return EXIT_OK;
		/* -r: compression skips names with the suffix; -d, -t, -l those without. */
		if (o->mode == MODE_COMPRESS ? has_suffix(path, o->suffix) && !o->force
					     : !has_suffix(path, o->suffix))
			return EXIT_OK;
	}
	if (add(l, path, explicit, have ? &st : NULL)) {
		msg_error(path, "%s", nz_error_string(NZ_ERR_NOMEM));
		return EXIT_ERROR;
	}
	return EXIT_OK;
}

int walk_operands(const cli_options *o, char **operands, int n, file_list *l)
{
	int status = EXIT_OK;
	for (int i = 0; i < n; i++) {
		int rc = !strcmp(operands[i], "-") ? (add(l, "-", 1, NULL) ? EXIT_ERROR : EXIT_OK)
						   : walk_path(o, operands[i], 1, l);
		if (rc)
			status = EXIT_ERROR;
	}
	return status;
}

void file_list_free(file_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].path);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}
