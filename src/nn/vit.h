// vit.h — the vision transformer (teacher "vit" and student "vit" are this with
// different default sizes), plus the image-grid helpers every vision model of a
// task shares (the CNN student reads its units through them too).
//
// Units of an image task are the cells of a grid: config key `patch` = p, the
// image (B, C, H, W) with H and W divisible by p is cut into U = (H/p)(W/p)
// cells of p x p pixels, in row-major order of the grid (u = gy * W/p + gx).
//
//   cells  = regroup(images)               (B, U, C p p)  the unit "embeddings"
//   x      = cells @ W_patch + b_patch      (B, U, C')     "embed.patch.w" (C p p, C'), "embed.patch.b"
//            (rows with inputs->unit_replace set: inputs->unit_replacement, for masked-cell pretraining)
//   x      = [cls ; x] + E_pos              (B, 1+U, C')   "embed.cls" (1, C'), "embed.pos" (1+U, C')
//   h      = encoder(dropout(x))            (B, 1+U, C')   pre-LN stack (nn/encoder.h), "enc.*"
//   pooled = h[:, 0]                        (B, C')        the final [CLS]
//   out    = head(dropout(pooled))          (B, n_out)     "head.w" (C', n_out), "head.b"
//
// State: unit_offset = 1 (attention position 0 is [CLS], unit u is position
// u + 1), attn_logits (B, H, 1+U, 1+U) with no masked keys, unit_mask all ones
// (B, U), hidden[l] the unit positions (B, U, C') of each layer's output
// ([CLS] sliced off), pooled (B, C').
#ifndef SC_NN_VIT_H
#define SC_NN_VIT_H

#include "models/model.h"
#include "nn/encoder.h"
#include "nn/mlp.h"

typedef struct sc_vit {
    int64_t patch, gh, gw, U, P, C, n_out;  // P = channels * patch^2 (a cell's pixels)
    double dropout;
    sc_tensor *patch_w, *patch_b;  // (P, C), (C,)
    sc_tensor *cls;                // (1, C)
    sc_tensor *pos;                // (1 + U, C)
    sc_encoder enc;
    sc_mlp head;                   // a single linear layer (C -> n_out)
} sc_vit;

#define SC_VIT_SPEC(patch, layers, width, heads, mlp_ratio, dropout)                                     \
    {"patch", patch, "cell (patch) size in pixels; H and W must be divisible by it (units = grid cells)"}, \
        {"layers", layers, "number of encoder layers (1..16)"},                                            \
        {"width", width, "patch embedding and hidden width C (divisible by heads)"},                       \
        {"heads", heads, "attention heads per layer"},                                                     \
        {"mlp_ratio", mlp_ratio, "MLP hidden width as a multiple of the width"},                           \
        {"dropout", dropout, "dropout on embeddings, residual branches and the pooled vector"},           \
    {                                                                                                      \
        NULL, NULL, NULL                                                                                   \
    }

int sc_vit_build(sc_model *m, sc_rng *rng, sc_err *err);
sc_tensor *sc_vit_forward(const sc_model *m, sc_ctx *ctx, const sc_inputs *in, unsigned flags, sc_model_state *st);

// ---- the image grid, shared by vision models ---------------------------------------
// Reads config key "patch" (1..64) and checks it divides the task's H and W;
// sets *gh = H / patch, *gw = W / patch.
int sc_image_grid(const sc_model *m, long *patch, int64_t *gh, int64_t *gw, sc_err *err);
// (B, C, H, W) -> (B, U, C p p), contiguous: cell u holds its pixels channel-major
// then row-major inside the cell. Pure reshape/permute ops, so differentiable.
sc_tensor *sc_image_to_cells(sc_ctx *ctx, sc_tensor *images, int64_t patch);
// The inverse: (B, U, C p p) -> (B, C, gh p, gw p).
sc_tensor *sc_cells_to_image(sc_ctx *ctx, sc_tensor *cells, int64_t C, int64_t gh, int64_t gw, int64_t patch);
// The unit embeddings of an image model: the cells of `images`; a fresh leaf that
// requires grad with SC_FWD_EMBED_LEAF, or when the images carry no graph (so
// gradient explainers can always differentiate with respect to them).
sc_tensor *sc_image_embed(sc_ctx *ctx, sc_tensor *images, int64_t patch, unsigned flags);
// unit_mask for images: ones (B, U) of dtype dt (a constant).
sc_tensor *sc_image_unit_mask(sc_ctx *ctx, int64_t B, int64_t U, sc_dtype dt);

#endif
