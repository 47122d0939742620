// The bag-of-embeddings text student with attention pooling: no positions, no
// layers, one learned query attending over the token embeddings.
//
//   e_u      = E[ids_u]                                (B, T, E)  "embed.tokens" (V, E)
//   logit_u  = <W_k e_u, q> / sqrt(E)                  (B, 1, 1, T) "pool.key.w" (E, E), "pool.query" (E,)
//              padded tokens and [CLS] (u = 0) set to -1e9 ([CLS] stays when a
//              sequence has no words, so that it is never all padding)
//   w        = softmax_u(logit)                        padded / [CLS] weights are exactly 0
//   pooled   = sum_u w_u e_u                           (B, E)
//   out      = MLP(dropout(pooled))                    hidden layer of `hidden` units (0 = none), then "head"
//
// Its attention explanation is w itself: the state exposes the pooling logits
// as attn_logits[0] (n_layers = n_heads = 1, one query).
#include <math.h>

#include "nn/mlp.h"
#include "nn/text_transformer.h"
#include "ops/ops.h"

typedef struct bag {
    int64_t E;
    double dropout;
    sc_tensor *tokens;  // (V, E)
    sc_tensor *key_w;   // (E, E)
    sc_tensor *query;   // (E, 1)
    sc_mlp mlp;
} bag;

static const sc_config_spec spec[] = {
    {"width", "64", "embedding width E (set it to the teacher's to copy the teacher's embeddings)"},
    {"hidden", "0", "width of a hidden layer between pooling and head (0 = linear head)"},
    {"activation", "gelu", "activation of the hidden layer: gelu or relu"},
    {"dropout", "0.1", "dropout on the pooled vector and the hidden layer"},
    {NULL, NULL, NULL},
};

static int build(sc_model *m, sc_rng *rng, sc_err *err) {
    long width, hidden;
    double dropout;
    int act;
    if (sc_config_long(&m->cfg, "width", 1, 4096, &width, err) ||
        sc_config_long(&m->cfg, "hidden", 0, 4096, &hidden, err) ||
        sc_config_choice(&m->cfg, "activation", sc_activation_names, &act, err) ||
        sc_config_double(&m->cfg, "dropout", 0.0, 0.9, &dropout, err))
        return -1;
    if (m->shape.vocab_size < 1) return sc_errf(err, "text shape needs vocab_size >= 1");
    int64_t n_out;
    if (sc_model_n_outputs(m, &n_out, err)) return -1;
    bag *a = sc_model_arch_alloc(m, sizeof *a, err);
    if (!a) return -1;
    a->E = width;
    a->dropout = dropout;
    int64_t ts[2] = {m->shape.vocab_size, width}, ks[2] = {width, width}, qs[2] = {width, 1};
    if (!(a->tokens = sc_params_add(&m->params, "embed.tokens", m->dtype, 2, ts, err)) ||
        !(a->key_w = sc_params_add(&m->params, "pool.key.w", m->dtype, 2, ks, err)) ||
        !(a->query = sc_params_add(&m->params, "pool.query", m->dtype, 2, qs, err)))
        return -1;
    // Embeddings of unit scale per coordinate so that the pooling logits start
    // O(1): the key map ~ N(0, 1/E), the query ~ N(0, 1).
    sc_init_normal(a->tokens, rng, 1.0 / sqrt((double)width));
    sc_init_normal(a->key_w, rng, 1.0 / sqrt((double)width));
    sc_init_normal(a->query, rng, 1.0);
    if (sc_mlp_build(&a->mlp, &m->params, "hidden", width, hidden > 0, hidden, n_out, (sc_activation)act,
                     m->dtype, rng, err))
        return -1;
    m->arch = a;
    // Attention pooling: one layer, one head, one query over the tokens.
    m->info = (sc_model_info){.n_layers = 1, .n_heads = 1, .n_units = m->shape.max_tokens, .unit_offset = 0};
    return 0;
}

static sc_tensor *forward(const sc_model *m, sc_ctx *ctx, const sc_inputs *in, unsigned flags, sc_model_state *st) {
    const bag *a = m->arch;
    const int training = (flags & SC_FWD_TRAINING) != 0;
    const int64_t B = in->ids->shape[0], T = in->ids->shape[1];
    sc_tensor *mask = sc_text_mask(ctx, in, m->dtype);                      // (B, T)
    sc_tensor *unit_mask = sc_text_unit_mask(ctx, mask);                    // (B, T), [CLS] = 0
    sc_tensor *e = sc_text_embed(ctx, a->tokens, in->ids, flags);          // (B, T, E)
    if (!unit_mask) return NULL;
    int64_t s4[4] = {B, 1, 1, T}, s3[3] = {B, 1, T}, s2[2] = {B, a->E};
    sc_tensor *drop = sc_empty(ctx, SC_I32, 4, s4);                          // 1 = excluded key (constant)
    if (!drop) return NULL;
    int32_t *dv = drop->data;
    for (int64_t b = 0; b < B; b++) {
        int any = 0;
        for (int64_t t = 0; t < T; t++) any |= !(dv[b * T + t] = sc_tensor_get(unit_mask, b * T + t) == 0.0);
        // A sequence with no words attends to its [CLS] alone (rather than
        // spreading uniform weight over padding, which would depend on T).
        if (!any) dv[b * T] = 0;
    }
    sc_tensor *k = sc_matmul(ctx, e, a->key_w);                              // (B, T, E)
    sc_tensor *logits = sc_mul_scalar(ctx, sc_matmul(ctx, k, a->query), 1.0 / sqrt((double)a->E));  // (B, T, 1)
    logits = sc_masked_fill(ctx, sc_reshape(ctx, logits, 4, s4), drop, -1e9);  // (B, 1, 1, T)
    sc_tensor *w = sc_reshape(ctx, sc_softmax(ctx, logits, -1), 3, s3);     // (B, 1, T)
    sc_tensor *pooled = sc_reshape(ctx, sc_matmul(ctx, w, e), 2, s2);      // (B, E)
    sc_tensor *out = sc_mlp_forward(&a->mlp, ctx, sc_dropout(ctx, pooled, a->dropout, training), a->dropout,
                                    training, NULL);                        // (B, n_out)
    if (st) {
        st->n_units = T;
        st->unit_mask = unit_mask;
        st->embeddings = e;
        st->n_layers = 1;
        st->n_heads = 1;
        st->unit_offset = 0;
        st->attn_logits[0] = logits;
        st->hidden[0] = e;
        st->pooled = pooled;
    }
    return ctx->failed ? NULL : out;
}

const sc_model_def sc_student_bag = {
    .name = "bag",
    .role = "student",
    .modality = SC_TEXT,
    .summary = "bag of token embeddings with attention pooling (one learned query)",
    .spec = spec,
    .build = build,
    .forward = forward,
};
