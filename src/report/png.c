#include "report/png.h"

#include <spng.h>
#include <stdlib.h>

#include "core/fs.h"

int sc_png_heatmap_rgb(uint8_t *rgb, const float *gray, int H, int W, const float *sal, int gh, int gw, int scale,
                       sc_err *err) {
    if (H <= 0 || W <= 0 || scale <= 0 || (sal && (gh <= 0 || gw <= 0)))
        return sc_errf(err, "heatmap: bad sizes %dx%d, grid %dx%d, scale %d", H, W, gh, gw, scale);
    // Min-max scaling over the grid: softmax saliencies are often nearly
    // uniform, and their contrast is what a reader needs to see.
    float mn = sal ? sal[0] : 0, mx = mn;
    for (int i = 0; sal && i < gh * gw; i++) {
        if (sal[i] > mx) mx = sal[i];
        if (sal[i] < mn) mn = sal[i];
    }
    int OW = W * scale;
    for (int y = 0; y < H * scale; y++) {
        for (int x = 0; x < OW; x++) {
            int py = y / scale, px = x / scale;
            float g = gray[py * W + px];
            g = g < 0 ? 0 : g > 1 ? 1 : g;
            float r = g, gr = g, b = g;
            if (sal && mx > mn) {
                // The cell this pixel falls in: integer division of the pixel grid.
                int cy = py * gh / H, cx = px * gw / W;
                float s = sal[cy * gw + cx];
                float a = 0.75f * (s - mn) / (mx - mn);
                r = (1 - a) * g + a;
                gr = (1 - a) * g;
                b = (1 - a) * g;
            }
            uint8_t *o = rgb + 3 * ((size_t)y * (size_t)OW + (size_t)x);
            o[0] = (uint8_t)(r * 255.0f + 0.5f);
            o[1] = (uint8_t)(gr * 255.0f + 0.5f);
            o[2] = (uint8_t)(b * 255.0f + 0.5f);
        }
    }
    return 0;
}

int sc_png_encode_rgb(const uint8_t *rgb, int w, int h, void **png, size_t *n, sc_err *err) {
    *png = NULL;
    *n = 0;
    if (w <= 0 || h <= 0) return sc_errf(err, "png: bad size %dx%d", w, h);
    spng_ctx *ctx = spng_ctx_new(SPNG_CTX_ENCODER);
    if (!ctx) return sc_errf(err, "png: out of memory");
    struct spng_ihdr ih = {.width = (uint32_t)w, .height = (uint32_t)h, .bit_depth = 8,
                           .color_type = SPNG_COLOR_TYPE_TRUECOLOR};
    int e;
    if ((e = spng_set_option(ctx, SPNG_ENCODE_TO_BUFFER, 1)) || (e = spng_set_ihdr(ctx, &ih)) ||
        (e = spng_encode_image(ctx, rgb, (size_t)w * (size_t)h * 3, SPNG_FMT_PNG, SPNG_ENCODE_FINALIZE))) {
        spng_ctx_free(ctx);
        return sc_errf(err, "png: encoding failed: %s", spng_strerror(e));
    }
    *png = spng_get_png_buffer(ctx, n, &e);
    spng_ctx_free(ctx);
    if (!*png) return sc_errf(err, "png: encoding failed: %s", spng_strerror(e));
    return 0;
}

int sc_png_write_rgb(const char *path, const uint8_t *rgb, int w, int h, sc_err *err) {
    void *png;
    size_t n;
    if (sc_png_encode_rgb(rgb, w, h, &png, &n, err)) return -1;
    int rc = sc_atomic_write(path, png, n, err);
    free(png);
    return rc;
}
