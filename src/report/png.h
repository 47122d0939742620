// png.h — heatmap images for explanation reports (libspng).
//
// A grayscale input (H, W) in [0, 1] is upscaled by an integer factor
// (nearest neighbour) and a saliency grid (gh, gw) is laid over it as a red
// heatmap: each grid cell covers the pixels it maps to, and its saliency,
// min-max scaled over the grid, is the red blend weight (alpha 0 at the
// minimum up to 0.75 at the maximum; a constant grid leaves the input as is).
#ifndef SC_REPORT_PNG_H
#define SC_REPORT_PNG_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

// rgb: (H*scale, W*scale, 3) bytes. sal may be NULL (plain upscaled input).
// Returns 0, or -1 on bad sizes.
int sc_png_heatmap_rgb(uint8_t *rgb, const float *gray, int H, int W, const float *sal, int gh, int gw, int scale,
                       sc_err *err);
// Encodes 8-bit RGB (h, w, 3) as PNG into a malloc'd buffer (*png, free()).
int sc_png_encode_rgb(const uint8_t *rgb, int w, int h, void **png, size_t *n, sc_err *err);
// Encodes and writes atomically to path.
int sc_png_write_rgb(const char *path, const uint8_t *rgb, int w, int h, sc_err *err);

#endif
