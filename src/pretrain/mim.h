// mim.h — masked-cell prediction for the ViT (SimMIM, Xie et al. 2022): the
// image counterpart of mlm.h.
//
// Masking: in each image, k = max(1, round(p · U)) of its U grid cells are
// chosen uniformly without replacement; their patch embeddings are replaced by
// one learned vector "mim.mask" (C) before positions are added, so the encoder
// sees where a cell is missing but not what it held.
//
// The head: a linear map from each chosen cell's final hidden state to its pixels,
//     h = sequence[:, 1:][chosen]         (M, C)   the cells' rows ([CLS] dropped)
//     y = h W + b                          (M, P)   "mim.dec.w" (C, P), "mim.dec.b" (P), P = channels · patch²
//     L = mean over the M cells and P pixels of (y - pixels)²   (pixels in [0, 1])
// SimMIM shows that a one-layer prediction head suffices, and that predicting
// only the masked cells (not the visible ones) is what makes the task useful.
#ifndef SC_PRETRAIN_MIM_H
#define SC_PRETRAIN_MIM_H

#include <stddef.h>
#include <stdint.h>

#include "autograd/engine.h"
#include "core/params.h"
#include "core/rng.h"

// Chooses the cells of B images of U cells: replace (B, U) gets 1 at chosen
// cells, 0 elsewhere. Returns the number chosen (B · k). Draws only from rng.
size_t sc_mim_choose(int64_t B, int64_t U, double p, sc_rng *rng, float *replace);

typedef struct sc_mim_head {
    sc_tensor *mask, *dec_w, *dec_b;  // (C), (C, P), (P)
} sc_mim_head;

// N(0, 0.02) mask vector and decoder weights, zero bias, added to `head`.
int sc_mim_head_build(sc_mim_head *h, sc_params *head, int64_t C, int64_t P, sc_dtype dt, sc_rng *rng, sc_err *err);

// The loss of one batch: sequence (B, 1+U, C) from the ViT's state, cells
// (B, U, P) the images' cells (nn/vit.h), replace (B, U) from sc_mim_choose.
sc_tensor *sc_mim_loss(const sc_mim_head *h, sc_ctx *ctx, sc_tensor *sequence, sc_tensor *cells, const float *replace,
                       size_t *n_chosen);

#endif
