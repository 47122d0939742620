// encoder.h — a pre-LayerNorm transformer encoder stack, shared by the text
// transformer (teacher and student) and the ViT.
//
//   per layer:  x = x + Proj(Attention(LN1(x)))     attention logits kept (pre-softmax)
//               x = x + W2 GELU(W1 LN2(x))
//   at the end: LN_f(x)
//
// Parameters are named "<prefix>.<layer>.<part>" in the model's slab.
#ifndef SC_NN_ENCODER_H
#define SC_NN_ENCODER_H

#include "models/model.h"
#include "nn/mlp.h"

typedef struct sc_encoder_layer {
    sc_tensor *ln1_g, *ln1_b;   // (C,)
    sc_tensor *qkv_w, *qkv_b;   // (C, 3C), (3C,)
    sc_tensor *proj_w, *proj_b; // (C, C), (C,)
    sc_tensor *ln2_g, *ln2_b;   // (C,)
    sc_tensor *fc_w, *fc_b;     // (C, M), (M,)
    sc_tensor *out_w, *out_b;   // (M, C), (C,)
} sc_encoder_layer;

typedef struct sc_encoder {
    int layers, heads;
    int64_t width, mlp;
    sc_encoder_layer l[SC_MAX_LAYERS];
    sc_tensor *lnf_g, *lnf_b;   // (C,)
} sc_encoder;

// Creates the parameters (N(0, 0.02) weights, zero biases, unit LayerNorm gains;
// output projections scaled by 1/sqrt(2 layers) as in GPT-2).
int sc_encoder_build(sc_encoder *e, sc_params *P, const char *prefix, int layers, int heads, int64_t width,
                     int64_t mlp, sc_dtype dt, sc_rng *rng, sc_err *err);

// What the transformer models (text and ViT) build after their embeddings: the
// encoder "enc.*" (MLP width mlp_ratio * width), then a linear head "head.*"
// (width -> n_out), in that order, so their parameters and RNG draws follow it;
// and their attention geometry in m->info: n_units units, unit u at key
// position u + unit_offset.
int sc_encoder_head_build(sc_model *m, sc_encoder *enc, sc_mlp *head, long layers, long heads, long width,
                          long mlp_ratio, int64_t n_out, int64_t n_units, int unit_offset, sc_rng *rng, sc_err *err);

// x (B, U, C); key_mask (B, U) with 1 = attend, or NULL. Returns (B, U, C) after
// the final LayerNorm. Fills st->attn_logits[l] (B, H, U, U), st->hidden[0..L], st->sequence (the result),
// st->n_layers, st->n_heads when st is given.
sc_tensor *sc_encoder_forward(const sc_encoder *e, sc_ctx *ctx, sc_tensor *x, sc_tensor *key_mask, double dropout,
                              int training, sc_model_state *st);

#endif
