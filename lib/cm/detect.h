/*
 * detect.h - the encoder's detectors: what kind of data a segment or a block
 * starts with, or holds. Only the encoder calls them; what they find is written
 * down (a segment's flags byte and layout, the typed spans, the frame header's
 * parameters), so a decoder never depends on them and they may change without
 * a format change: only the files written afterwards differ.
 */
#ifndef NZ_CM_DETECT_H
#define NZ_CM_DETECT_H

#include "cm/datatype_model.h" /* cm_image */

/* x86 code (the E8/E9 transform and the executable model): at least 4 KiB
 * with many E8/E9 bytes followed by a 32-bit offset whose top byte is 00 or FF. */
int nz_cm_x86_detect(const u8 *b, size_t n);

/* The layout of the PNM (P5, P6, maxval 255, comments allowed) or uncompressed
 * BMP (8, 24, 32 bits; at 32 also BI_BITFIELDS) image b starts with, in img; 0
 * if none (or one too wide for the model, or too short to pay). *file_size, if not NULL: the file's size from its
 * header. */
int nz_cm_image_detect(const u8 *b, size_t n, cm_image *img, u64 *file_size);

/* The layout of the 8- or 16-bit PCM WAV file b starts with, in g; 0 if none
 * or fewer than 64 frames. */
int nz_cm_wav_detect(const u8 *b, size_t n, cm_image *g);

/* A JPEG file (SOI, then a marker) starts b. */
int nz_cm_jpeg_detect(const u8 *b, size_t n);

/* The marker segments of the JPEG file that starts b reach its first scan
 * within n bytes; *baseline (if not NULL): one frame header, SOF0 or SOF1,
 * came before it. */
int nz_cm_jpeg_header(const u8 *b, size_t n, int *baseline);

/* The length of the JPEG file that starts b (its markers up to EOI, the scans'
 * data skipped), or 0 if it does not end within n bytes; *read: how far the
 * walk read. */
size_t nz_cm_jpeg_walk(const u8 *b, size_t n, size_t *read);

/* A table of fixed-length records (the table profile, docs/CM.md). */
int nz_cm_table_detect(const u8 *b, size_t n);

#endif /* NZ_CM_DETECT_H */
