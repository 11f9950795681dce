/*
 * list.c - nzip -l: one table row per compressed file, from its frame header and its
 * size, without decoding. The uncompressed size is shown when the header records it.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* The most header bytes read before giving up on finding the end of a header. */
#define LIST_HEADER_MAX ((size_t)1 << 16)

/* A short human size for a table cell: "64K", "1.5M", "12G". */
static const char *short_size(char *buf, size_t cap, uint64_t v)
{
	static const char units[] = "BKMGTPE";
	double d = (double)v;
	int u = 0;
	while (d >= 1024 && u < 6) {
		d /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, cap, "%llu", (unsigned long long)v);
	else if (d < 10 && d != (double)(uint64_t)d)
		snprintf(buf, cap, "%.1f%c", d, units[u]);
	else
		snprintf(buf, cap, "%.0f%c", d, units[u]);
	return buf;
}

static void ratio_cells(char *ratio, char *bpb, size_t cap, uint64_t comp, uint64_t raw, int known)
{
	if (!known || raw == 0) {
		snprintf(ratio, cap, "-");
		snprintf(bpb, cap, "-");
		return;
	}
	snprintf(ratio, cap, "%.2f%%", 100.0 * (double)comp / (double)raw);
	snprintf(bpb, cap, "%.3f", 8.0 * (double)comp / (double)raw);
}

void list_header(int verbose)
{
	(void)verbose;
	printf("%14s %14s %8s %6s  %-10s %5s %6s %7s  %s\n", "compressed", "uncompressed",
	       "ratio", "bpb", "model", "lanes", "block", "memory", "name");
}

int list_fd(int fd, const char *name, const struct stat *st, int verbose, list_totals *t)
{
	unsigned char *buf = malloc(LIST_HEADER_MAX);
	if (!buf) {
		msg_error(name, "%s", nz_error_string(NZ_ERR_NOMEM));
		return EXIT_ERROR;
	}
	ssize_t n = read_full(fd, buf, LIST_HEADER_MAX);
	if (n < 0) {
		msg_error(name, "read error: %s", strerror(errno));
		free(buf);
		return EXIT_ERROR;
	}
	uint64_t comp = (uint64_t)n;
	int regular = st && S_ISREG(st->st_mode);
	if (regular) {
		comp = (uint64_t)st->st_size;
	} else if ((size_t)n == LIST_HEADER_MAX) {
		/* A pipe: count the rest to know the compressed size. */
		unsigned char *tmp = malloc(CLI_IN_CHUNK);
		ssize_t r = 0;
		while (tmp && (r = read_full(fd, tmp, CLI_IN_CHUNK)) > 0)
			comp += (uint64_t)r;
		free(tmp);
		if (r < 0) {
			msg_error(name, "read error: %s", strerror(errno));
			free(buf);
			return EXIT_ERROR;
		}
	}
	nz_frame_info fi;
	memset(&fi, 0, sizeof(fi));
	int rc = n == 0 ? NZ_ERR_TRUNCATED : nz_get_frame_info(buf, (size_t)n, &fi);
	free(buf);
	if (rc) {
		if (n == 0)
			msg_error(name, "file is empty: not in nzip format");
		else if (rc == NZ_ERR_TRUNCATED && (size_t)n == LIST_HEADER_MAX)
			msg_error(name, "frame header larger than %zu bytes: corrupt", LIST_HEADER_MAX);
		else
			msg_error(name, "%s", nz_error_string(rc));
		return EXIT_ERROR;
	}
	int known = fi.content_size != NZ_CONTENT_SIZE_UNKNOWN;
	char raw[32], ratio[32], bpb[32], model[40], block[16], mem[16];
	if (known)
		snprintf(raw, sizeof(raw), "%llu", (unsigned long long)fi.content_size);
	else
		snprintf(raw, sizeof(raw), "?");
	ratio_cells(ratio, bpb, sizeof(ratio), comp, fi.content_size, known);
	const char *mname = nz_model_preset_name(fi.model, fi.preset);
	if (!mname)
		snprintf(model, sizeof(model), "#%d/%d", fi.model, fi.preset);
	else
		snprintf(model, sizeof(model), "%s", mname);
	char name_buf[4096];
	printf("%14llu %14s %8s %6s  %-10s %5u %6s %7s  %s\n", (unsigned long long)comp, raw,
	       ratio, bpb, model, fi.lanes, short_size(block, sizeof(block), fi.block_size),
	       short_size(mem, sizeof(mem), fi.memory_needed),
	       safe_name(name_buf, sizeof(name_buf), name)); /* control characters as ? */
	if (verbose) {
		static const char *const codings[] = {"stored", "byte-wise", "bit-wise"};
		const char *coding = fi.coding >= 0 && fi.coding < 3 ? codings[fi.coding] : "?";
		printf("    format %d, %s coding, header %zu bytes%s%s\n", fi.format_version, coding,
		       fi.header_size, fi.model_detail[0] ? "; " : "", fi.model_detail);
	}
	t->files++;
	t->compressed += comp;
	if (known)
		t->uncompressed += fi.content_size;
	else
		t->unknown = 1;
	return EXIT_OK;
}

void list_footer(const list_totals *t, int verbose)
{
	(void)verbose;
	if (t->files < 2)
		return;
	char raw[32], ratio[32], bpb[32];
	if (t->unknown)
		snprintf(raw, sizeof(raw), "?");
	else
		snprintf(raw, sizeof(raw), "%llu", (unsigned long long)t->uncompressed);
	ratio_cells(ratio, bpb, sizeof(ratio), t->compressed, t->uncompressed, !t->unknown);
	printf("%14llu %14s %8s %6s  %-10s %5s %6s %7s  (totals, %d files)\n",
	       (unsigned long long)t->compressed, raw, ratio, bpb, "", "", "", "", t->files);
}
