/*
 * lane_geometry.c - see lane_geometry.h.
 */
#include "format/lane_geometry.h"

void nz_lanes_geometry(size_t n, u32 lanes, size_t *lane_len, u32 *lanes_used)
{
	if (n == 0) {
		*lane_len = 0;
		*lanes_used = 0;
		return;
	}
	size_t len = (n + lanes - 1) / lanes;
	*lane_len = len;
	*lanes_used = (u32)((n + len - 1) / len);
}
