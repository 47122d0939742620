// mim.c — SimMIM masking and the masked-cell head (mim.h).
#include "pretrain/mim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ops/ops.h"

size_t sc_mim_choose(int64_t B, int64_t U, double p, sc_rng *rng, float *replace) {
    int64_t k = (int64_t)llround(p * (double)U);
    if (k < 1) k = 1;
    if (k > U) k = U;
    int64_t cell[4096];  // a ViT's grid has at most SC's max units; U is checked by the caller
    for (int64_t b = 0; b < B; b++) {
        float *row = replace + b * U;
        for (int64_t u = 0; u < U; u++) row[u] = 0.0f, cell[u] = u;
        for (int64_t i = 0; i < k; i++) {  // the first k of a partial Fisher-Yates shuffle
            int64_t j = i + (int64_t)sc_rng_below(rng, (uint64_t)(U - i));
            int64_t t = cell[j];
            cell[j] = cell[i], cell[i] = t;
            row[t] = 1.0f;
        }
    }
    return (size_t)(B * k);
}

int sc_mim_head_build(sc_mim_head *h, sc_params *head, int64_t C, int64_t P, sc_dtype dt, sc_rng *rng, sc_err *err) {
    int64_t cp[2] = {C, P};
    memset(h, 0, sizeof *h);
    if (!(h->mask = sc_params_add(head, "mim.mask", dt, 1, &C, err)) ||
        !(h->dec_w = sc_params_add(head, "mim.dec.w", dt, 2, cp, err)) ||
        !(h->dec_b = sc_params_add(head, "mim.dec.b", dt, 1, &P, err)))
        return -1;
    sc_init_normal(h->mask, rng, 0.02);
    sc_init_normal(h->dec_w, rng, 0.02);
    sc_init_const(h->dec_b, 0.0);
    return 0;
}

sc_tensor *sc_mim_loss(const sc_mim_head *h, sc_ctx *ctx, sc_tensor *sequence, sc_tensor *cells, const float *replace,
                       size_t *n_chosen) {
    *n_chosen = 0;
    if (ctx->failed || !sequence || !cells) return NULL;
    const int64_t B = cells->shape[0], U = cells->shape[1], P = cells->shape[2], C = sequence->shape[2];
    if (sequence->ndim != 3 || sequence->shape[0] != B || sequence->shape[1] != 1 + U)
        return sc_fail(ctx, "masked-cell loss: sequence must be (B, 1 + U, C) for cells (B, U, P)");
    int64_t M = 0;
    for (int64_t i = 0; i < B * U; i++) M += replace[i] != 0;
    if (!M) return sc_fail(ctx, "masked-cell loss: no cell was chosen");
    sc_tensor *rows = sc_empty(ctx, SC_I32, 1, &M);  // (M,) flat indices of the chosen cells
    if (!rows) return NULL;
    int32_t *ri = rows->data;
    for (int64_t i = 0, k = 0; i < B * U; i++)
        if (replace[i] != 0) ri[k++] = (int32_t)i;
    int64_t fh[2] = {B * U, C}, fc[2] = {B * U, P};
    sc_tensor *hs = sc_contiguous(ctx, sc_slice(ctx, sequence, 1, 1, 1 + U));             // (B, U, C)
    sc_tensor *hm = sc_gather_rows(ctx, sc_reshape(ctx, hs, 2, fh), rows);                // (M, C)
    sc_tensor *y = sc_linear(ctx, hm, h->dec_w, h->dec_b);                                // (M, P)
    sc_tensor *t = sc_gather_rows(ctx, sc_reshape(ctx, sc_detach(ctx, cells), 2, fc), rows);  // (M, P)
    *n_chosen = (size_t)M;
    return sc_mse(ctx, y, t);
}
