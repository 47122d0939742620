// text_transformer.h — the text transformer encoder (teacher "transformer" and
// student "transformer" are this with different default sizes), plus the text
// helpers the bag-of-embeddings student shares with it.
//
//   e      = E_tok[ids]                    (B, T, C)  "embed.tokens" (V, C)
//   x      = dropout(e + E_pos[0:T])       (B, T, C)  "embed.pos" (max_tokens, C)
//   h      = encoder(x, mask)              (B, T, C)  pre-LN stack (nn/encoder.h), "enc.*"
//   pooled = h[:, 0]  ("cls")  or  sum_t mask_t h_t / sum_t mask_t  ("mean", [CLS] included)
//   out    = head(dropout(pooled))         (B, n_out) "head.w" (C, n_out), "head.b"
//
// Units are the T token positions ([CLS] is unit 0, masked out of unit_mask);
// the state's embeddings are e, the token embeddings before positions are added.
#ifndef SC_NN_TEXT_TRANSFORMER_H
#define SC_NN_TEXT_TRANSFORMER_H

#include "models/model.h"
#include "nn/encoder.h"
#include "nn/mlp.h"

typedef enum sc_text_pool { SC_POOL_CLS = 0, SC_POOL_MEAN = 1 } sc_text_pool;

typedef struct sc_text_transformer {
    int64_t V, T, C, n_out;
    sc_text_pool pool;
    double dropout;
    sc_tensor *tokens;  // (V, C)
    sc_tensor *pos;     // (max_tokens, C)
    sc_encoder enc;
    sc_mlp head;        // a single linear layer (C -> n_out)
} sc_text_transformer;

// The config keys of a text transformer with the given defaults, as a spec
// table: layers, width, heads, mlp_ratio, dropout, pooling.
#define SC_TEXT_TRANSFORMER_SPEC(layers, width, heads, mlp_ratio, dropout, pooling)                   \
    {"layers", layers, "number of encoder layers (1..16)"},                                             \
        {"width", width, "embedding and hidden width C (divisible by heads)"},                          \
        {"heads", heads, "attention heads per layer"},                                                  \
        {"mlp_ratio", mlp_ratio, "MLP hidden width as a multiple of the width"},                        \
        {"dropout", dropout, "dropout on embeddings, residual branches and the pooled vector"},        \
        {"pooling", pooling, "cls (hidden state of [CLS]) or mean (mask-weighted mean over tokens)"}, \
    {                                                                                                   \
        NULL, NULL, NULL                                                                                \
    }

// sc_model_def.build / .forward for text transformers (m->arch is the struct above).
int sc_text_transformer_build(sc_model *m, sc_rng *rng, sc_err *err);
sc_tensor *sc_text_transformer_forward(const sc_model *m, sc_ctx *ctx, const sc_inputs *in, unsigned flags,
                                       sc_model_state *st);

// ---- helpers shared by text models --------------------------------------------------
// The mask as a constant of dtype dt (in->mask itself when it already is).
sc_tensor *sc_text_mask(sc_ctx *ctx, const sc_inputs *in, sc_dtype dt);
// unit_mask: a constant copy of mask (B, T) with position 0 ([CLS]) set to 0.
sc_tensor *sc_text_unit_mask(sc_ctx *ctx, const sc_tensor *mask);
// Token embeddings table[ids] (B, T, C); with SC_FWD_EMBED_LEAF a detached leaf
// that requires grad, so gradients can be taken even when the table cannot.
sc_tensor *sc_text_embed(sc_ctx *ctx, sc_tensor *table, sc_tensor *ids, unsigned flags);

#endif
