// xbl_gradcam.c — saliency=gradcam for train-xbl: the Grad-CAM of the model's
// final feature map over its cell grid (explain/xbl_losses.h, sc_xbl_gradcam),
// and the task's pixel masks brought to that grid, so the unit losses
// (sc_xbl_rrr_token_loss, sc_xbl_distance_token_loss) apply to it.
#include "smat/xbl_impl.h"

#include <string.h>

#include "nn/vit.h"
#include "ops/ops.h"

int sc_xbl_gradcam_prepare(sc_xbl_state *r, sc_err *err) {
    if (r->text)
        return sc_errf(err, "train-xbl: saliency=gradcam is for images (a CNN's feature map); text has "
                            "saliency=input-gradient");
    if (!r->def->feature_map)
        return sc_errf(err, "train-xbl: saliency=gradcam needs a convolutional model with a feature map over its cell "
                            "grid (--model cnn); '%s' has none, use saliency=input-gradient", r->def->name);
    long patch;
    if (sc_image_grid(&r->model, &patch, &r->gh, &r->gw, err)) return -1;
    r->cell = (int64_t)patch;
    return 0;
}

sc_tensor *sc_xbl_gradcam_saliency(sc_xbl_state *r, sc_ctx *ctx, const sc_model *m, const sc_inputs *in,
                                   const uint32_t *idx, size_t n, sc_xbl_target target, int create_graph) {
    int saved = ctx->no_grad;
    ctx->no_grad = 0;
    sc_model_state st = {0};
    sc_tensor *y = NULL;
    if (target == SC_XBL_TARGET_LOGIT) y = sc_xbl_gold(r, ctx, idx, n);
    sc_tensor *logits = sc_model_forward(m, ctx, in, 0, &st);  // evaluation mode: no dropout
    sc_tensor *cam = logits ? sc_xbl_gradcam(ctx, logits, st.hidden[0], target, y, create_graph) : NULL;  // (B, U)
    ctx->no_grad = saved;
    return cam;
}

sc_tensor *sc_xbl_cell_map(sc_xbl_state *r, sc_ctx *ctx, const uint32_t *idx, size_t n, int distance, sc_dtype dt) {
    const sc_dataset *d = &r->pipe.data;
    const int64_t H = (int64_t)d->H, W = (int64_t)d->W, p = r->cell, U = r->gh * r->gw;
    sc_tensor *map = sc_empty(ctx, dt, 2, (int64_t[]){(int64_t)n, U});
    if (!map) return NULL;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *src = (distance ? d->obj_mask : d->decoy_mask) + (size_t)idx[i] * (size_t)(H * W);
        if (distance) sc_xbl_distance_map(src, 1, H, W, r->dist, r->scratch, r->iscratch);
        // Cell u = (cy, cx) covers pixels [cy p, cy p + p) x [cx p, cx p + p): its
        // value is the mean over them (the decoy's share of the cell, or the mean distance).
        for (int64_t cy = 0; cy < r->gh; cy++)
            for (int64_t cx = 0; cx < r->gw; cx++) {
                double a = 0;
                for (int64_t y = cy * p; y < cy * p + p; y++)
                    for (int64_t x = cx * p; x < cx * p + p; x++) a += distance ? r->dist[y * W + x] : src[y * W + x];
                sc_tensor_set(map, (int64_t)i * U + cy * r->gw + cx, a / (double)(p * p));
            }
    }
    return map;
}
