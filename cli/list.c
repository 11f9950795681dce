/*
 * list.c - nzip -l: one table row per compressed file, without decoding. A regular
 * file is mapped and its frames walked header by header (nz_frame_extent), so the
 * row counts every frame and totals their sizes, footers included; from a pipe only
 * the first frame's header is read, and the uncompressed size is shown when that
 * header records it.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
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
	printf("%14s %14s %8s %6s  %-10s %5s %6s %7s %6s  %s\n", "compressed", "uncompressed",
	       "ratio", "bpb", "model", "lanes", "block", "memory", "frames", "name");
}

static void print_detail(const nz_frame_info *fi, int frame, uint64_t frame_bytes)
{
	static const char *const codings[] = {"stored", "byte-wise", "bit-wise"};
	const char *coding = fi->coding >= 0 && fi->coding < 3 ? codings[fi->coding] : "?";
	if (frame >= 0)
		printf("    frame %d: %llu bytes, %llu uncompressed; ", frame + 1,
		       (unsigned long long)frame_bytes, (unsigned long long)fi->content_size);
	else
		printf("    ");
	printf("format %d, %s coding, header %zu bytes%s%s\n", fi->format_version, coding,
	       fi->header_size, fi->model_detail[0] ? "; " : "", fi->model_detail);
}

/* The frames of a mapped regular file: *first describes the first (its content
 * size replaced by the total), *frames counts them, *memory is the most any
 * needs. With verbose, one detail line per frame. NZ_OK or the error of the frame
 * that failed (*frames then says which). */
static int walk_frames(const unsigned char *map, size_t size, int verbose, nz_frame_info *first,
		       int *frames, uint64_t *memory)
{
	uint64_t pos = 0, total = 0;
	*frames = 0;
	*memory = 0;
	nz_frame_info fi;
	while (pos < size) {
		uint64_t n;
		memset(&fi, 0, sizeof(fi));
		int rc = nz_frame_extent(map + pos, size - (size_t)pos, &n, &fi);
		if (rc)
			return rc;
		if (*frames == 0)
			*first = fi;
		if (verbose)
			print_detail(&fi, *frames, n);
		total += fi.content_size;
		if (fi.memory_needed > *memory)
			*memory = fi.memory_needed;
		++*frames;
		pos += n;
	}
	first->content_size = total;
	return NZ_OK;
}

static int list_error(const char *name, int rc, size_t n, int frame)
{
	if (n == 0)
		msg_error(name, "file is empty: not in nzip format");
	else if (frame > 0)
		msg_error(name, "frame %d: %s", frame + 1,
			  rc == NZ_ERR_NOT_NZIP ? "trailing garbage after the last frame"
					      : nz_error_string(rc));
	else if (rc == NZ_ERR_TRUNCATED && n == LIST_HEADER_MAX)
		msg_error(name, "frame header larger than %zu bytes: corrupt", LIST_HEADER_MAX);
	else
		msg_error(name, "%s", nz_error_string(rc));
	return EXIT_ERROR;
}

static void print_row(const char *name, uint64_t comp, const nz_frame_info *fi, int known,
		      uint64_t memory, int frames, list_totals *t)
{
	char raw[32], ratio[32], bpb[32], model[40], block[16], mem[16], nframes[16];
	if (known)
		snprintf(raw, sizeof(raw), "%llu", (unsigned long long)fi->content_size);
	else
		snprintf(raw, sizeof(raw), "?");
	if (frames > 0)
		snprintf(nframes, sizeof(nframes), "%d", frames);
	else
		snprintf(nframes, sizeof(nframes), "?");
	ratio_cells(ratio, bpb, sizeof(ratio), comp, fi->content_size, known);
	const char *mname = nz_model_preset_name(fi->model, fi->preset);
	if (!mname)
		snprintf(model, sizeof(model), "#%d/%d", fi->model, fi->preset);
	else
		snprintf(model, sizeof(model), "%s", mname);
	char name_buf[4096];
	printf("%14llu %14s %8s %6s  %-10s %5u %6s %7s %6s  %s\n", (unsigned long long)comp, raw,
	       ratio, bpb, model, fi->lanes, short_size(block, sizeof(block), fi->block_size),
	       short_size(mem, sizeof(mem), memory), nframes,
	       safe_name(name_buf, sizeof(name_buf), name)); /* control characters as ? */
	t->files++;
	t->compressed += comp;
	if (frames > 0)
		t->frames += (uint64_t)frames;
	else
		t->frames_unknown = 1;
	if (known)
		t->uncompressed += fi->content_size;
	else
		t->unknown = 1;
}

/* A regular file: mapped, every frame walked. */
static int list_mapped(int fd, const char *name, size_t size, int verbose, list_totals *t)
{
	if (size == 0)
		return list_error(name, NZ_ERR_TRUNCATED, 0, 0);
	void *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED)
		return -1;  /* the caller reads it instead */
	nz_frame_info fi;
	memset(&fi, 0, sizeof(fi));
	int frames;
	uint64_t memory;
	/* The detail lines come after the row: walk quietly first. */
	int rc = walk_frames(map, size, 0, &fi, &frames, &memory);
	if (rc) {
		/* A first header that reads still shows what it asks for (a crafted
		 * file's memory, say), then the error says why the walk stopped. */
		if (frames == 0 && nz_get_frame_info(map, size, &fi) == NZ_OK)
			print_row(name, size, &fi, fi.content_size != NZ_CONTENT_SIZE_UNKNOWN,
				  fi.memory_needed, 0, t);
		munmap(map, size);
		return list_error(name, rc, size, frames);
	}
	print_row(name, size, &fi, 1, memory, frames, t);
	if (verbose)
		walk_frames(map, size, 1, &fi, &frames, &memory);
	munmap(map, size);
	return EXIT_OK;
}

int list_fd(int fd, const char *name, const struct stat *st, int verbose, list_totals *t)
{
	if (st && S_ISREG(st->st_mode) && (uint64_t)st->st_size <= SIZE_MAX) {
		int r = list_mapped(fd, name, (size_t)st->st_size, verbose, t);
		if (r >= 0)
			return r;
	}
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
	if (rc)
		return list_error(name, rc, (size_t)n, 0);
	print_row(name, comp, &fi, fi.content_size != NZ_CONTENT_SIZE_UNKNOWN, fi.memory_needed,
		  0, t);
	if (verbose)
		print_detail(&fi, -1, 0);
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
	char frames[24];
	snprintf(frames, sizeof(frames), "%llu", (unsigned long long)t->frames);
	printf("%14llu %14s %8s %6s  %-10s %5s %6s %7s %6s  (totals, %d files)\n",
	       (unsigned long long)t->compressed, raw, ratio, bpb, "", "", "", "",
	       t->frames_unknown ? "?" : frames, t->files);
}
