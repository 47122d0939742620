// cnn.h — the small convolutional student "cnn" with class activation maps.
//
// Its final feature map is exactly the task's unit grid (nn/vit.h): with cell
// size p = 2^S, S stages of [3x3 conv -> ReLU -> 2x2 pool] halve the image S
// times (28 -> 14 -> 7 for p = 4), then a last 3x3 conv -> ReLU gives K channels
// at grid resolution:
//
//   x      = cells_to_image(cells)                  (B, C, H, W)   cells = the unit embeddings
//   x      = pool(relu(conv_s(x)))  for s < S       (B, width, H/2^(s+1), W/2^(s+1))
//   F      = relu(conv_S(x))                        (B, K, gh, gw) -> (B, K, U)
//   pooled = mean_u F                               (B, K)         global average pooling
//   out    = pooled @ W + b                         (B, n_out)     "head.w" (K, n_out), "head.b"
//   cam    = W^T F                                  (B, n_out, U)  Zhou et al. 2016
//
// so mean_u cam[b, c, u] = out[b, c] - b[c] exactly (in evaluation mode). Convs
// are "conv.<s>.w" (O, I, 3, 3) and "conv.<s>.b" (O,), padding 1.
//
// State: n_layers = 0 (no attention), unit_offset 0, unit_mask all ones (B, U),
// embeddings the image's cells (B, U, C p p) which the forward consumes (so
// gradients with respect to them are the pixel gradients, regrouped),
// hidden[0] = F as (B, U, K), pooled (B, K), cam (B, n_out, U).
#ifndef SC_NN_CNN_H
#define SC_NN_CNN_H

#include "models/model.h"
#include "nn/mlp.h"

#define SC_CNN_MAX_STAGES 6  // cells up to 64 pixels wide

typedef struct sc_cnn {
    int64_t patch, gh, gw, U, C_in, K, n_out;
    int stages, max_pool;
    double dropout;
    sc_tensor *conv_w[SC_CNN_MAX_STAGES + 1], *conv_b[SC_CNN_MAX_STAGES + 1];  // (O, I, 3, 3), (O,)
    sc_mlp head;  // a single linear layer (K -> n_out)
} sc_cnn;

#define SC_CNN_SPEC(patch, width, channels, pool, dropout)                                             \
    {"patch", patch, "cell size in pixels, a power of two (pooling stages = log2 patch)"},              \
        {"width", width, "channels of the pooled conv stages"},                                         \
        {"channels", channels, "channels K of the final feature map (one CAM per output)"},             \
        {"pool", pool, "max or avg (2x2 pooling)"},                                                     \
        {"dropout", dropout, "dropout on the pooled vector (training only; CAMs are exact without it)"}, \
    {                                                                                                   \
        NULL, NULL, NULL                                                                                \
    }

int sc_cnn_build(sc_model *m, sc_rng *rng, sc_err *err);
sc_tensor *sc_cnn_forward(const sc_model *m, sc_ctx *ctx, const sc_inputs *in, unsigned flags, sc_model_state *st);

#endif
