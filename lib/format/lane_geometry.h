/*
 * lane_geometry.h - how a block of n bytes is cut into lanes (docs/FORMAT.md,
 * "Coding 1: lanes and the range coder"). A fact of the format, shared by the
 * lane driver (lib/codec) and the CM model's neural lanes (lib/cm).
 */
#ifndef NZ_LANE_GEOMETRY_H
#define NZ_LANE_GEOMETRY_H

#include "common/common.h"

/* Lane geometry of a block: L bytes per lane, B' lanes in use. */
void nz_lanes_geometry(size_t n, u32 lanes, size_t *lane_len, u32 *lanes_used);

#endif /* NZ_LANE_GEOMETRY_H */
