#include "nn/text_transformer.h"

#include <string.h>

#include "ops/ops.h"

static const char *const pool_names[] = {"cls", "mean", NULL};

int sc_text_transformer_build(sc_model *m, sc_rng *rng, sc_err *err) {
    long layers, width, heads, ratio;
    double dropout;
    int pool;
    if (sc_config_long(&m->cfg, "layers", 1, SC_MAX_LAYERS, &layers, err) ||
        sc_config_long(&m->cfg, "width", 1, 4096, &width, err) ||
        sc_config_long(&m->cfg, "heads", 1, 64, &heads, err) ||
        sc_config_long(&m->cfg, "mlp_ratio", 1, 16, &ratio, err) ||
        sc_config_double(&m->cfg, "dropout", 0.0, 0.9, &dropout, err) ||
        sc_config_choice(&m->cfg, "pooling", pool_names, &pool, err))
        return -1;
    const sc_model_shape *s = &m->shape;
    if (s->vocab_size < 1 || s->max_tokens < 1)
        return sc_errf(err, "text shape needs vocab_size and max_tokens >= 1 (got %lld, %lld)",
                       (long long)s->vocab_size, (long long)s->max_tokens);
    sc_text_transformer *a = sc_model_arch_alloc(m, sizeof *a, err);
    if (!a) return -1;
    a->V = s->vocab_size;
    a->T = s->max_tokens;
    a->C = width;
    a->pool = (sc_text_pool)pool;
    a->dropout = dropout;
    if (sc_model_n_outputs(m, &a->n_out, err)) return -1;
    int64_t ts[2] = {a->V, a->C}, ps[2] = {a->T, a->C};
    if (!(a->tokens = sc_params_add(&m->params, "embed.tokens", m->dtype, 2, ts, err)) ||
        !(a->pos = sc_params_add(&m->params, "embed.pos", m->dtype, 2, ps, err)))
        return -1;
    sc_init_normal(a->tokens, rng, 0.02);
    sc_init_normal(a->pos, rng, 0.02);
    // Units are the token positions, [CLS] (position 0) among them.
    if (sc_encoder_head_build(m, &a->enc, &a->head, layers, heads, width, ratio, a->n_out, a->T, 0, rng, err))
        return -1;
    m->arch = a;
    return 0;
}

sc_tensor *sc_text_mask(sc_ctx *ctx, const sc_inputs *in, sc_dtype dt) {
    if (ctx->failed) return NULL;
    const sc_tensor *mk = in->mask;
    char b1[96], b2[96];
    if (!sc_same_shape(mk, in->ids))
        return sc_fail(ctx, "text model: mask %s must have the shape of ids %s", sc_shape_str(mk, b1, sizeof b1),
                       sc_shape_str(in->ids, b2, sizeof b2));
    if (mk->dtype == dt && !mk->requires_grad) return in->mask;
    sc_tensor *t = sc_empty(ctx, dt, mk->ndim, mk->shape);  // a constant copy
    if (!t) return NULL;
    for (int64_t i = 0; i < t->numel; i++) sc_tensor_set(t, i, sc_tensor_get(mk, i));
    return t;
}

sc_tensor *sc_text_unit_mask(sc_ctx *ctx, const sc_tensor *mask) {
    if (!mask || ctx->failed) return NULL;
    sc_tensor *u = sc_empty(ctx, mask->dtype, 2, mask->shape);  // (B, T)
    if (!u) return NULL;
    const int64_t T = mask->shape[1];
    for (int64_t i = 0; i < u->numel; i++) sc_tensor_set(u, i, i % T == 0 ? 0.0 : sc_tensor_get(mask, i));
    return u;
}

sc_tensor *sc_text_embed(sc_ctx *ctx, sc_tensor *table, sc_tensor *ids, unsigned flags) {
    sc_tensor *e = sc_gather_rows(ctx, table, ids);  // (B, T, C)
    if (e && (flags & SC_FWD_EMBED_LEAF)) {
        e = sc_detach(ctx, e);
        if (e) e->requires_grad = 1;
    }
    return e;
}

// Mask-weighted mean over positions: sum_t m_t h_t / sum_t m_t.
static sc_tensor *mean_pool(sc_ctx *ctx, sc_tensor *h, sc_tensor *mask) {
    sc_tensor *m3 = sc_unsqueeze(ctx, mask, 2);                                  // (B, T, 1)
    sc_tensor *num = sc_sum(ctx, sc_mul(ctx, h, m3), 1, 0);                      // (B, C)
    sc_tensor *den = sc_clamp(ctx, sc_sum(ctx, m3, 1, 0), 1.0, 1e30);            // (B, 1), >= 1 ([CLS])
    return sc_div(ctx, num, den);
}

sc_tensor *sc_text_transformer_forward(const sc_model *m, sc_ctx *ctx, const sc_inputs *in, unsigned flags,
                                       sc_model_state *st) {
    const sc_text_transformer *a = m->arch;
    const int training = (flags & SC_FWD_TRAINING) != 0;
    const int64_t T = in->ids->shape[1];
    sc_tensor *mask = sc_text_mask(ctx, in, m->dtype);                          // (B, T)
    sc_tensor *e = sc_text_embed(ctx, a->tokens, in->ids, flags);              // (B, T, C)
    sc_tensor *x = sc_add(ctx, e, sc_slice(ctx, a->pos, 0, 0, T));             // (B, T, C) + (T, C)
    x = sc_dropout(ctx, x, a->dropout, training);
    sc_tensor *h = sc_encoder_forward(&a->enc, ctx, x, mask, a->dropout, training, st);  // (B, T, C)
    sc_tensor *pooled = a->pool == SC_POOL_CLS ? sc_squeeze(ctx, sc_slice(ctx, h, 1, 0, 1), 1)  // (B, C)
                                               : mean_pool(ctx, h, mask);
    sc_tensor *out = sc_mlp_forward(&a->head, ctx, sc_dropout(ctx, pooled, a->dropout, training), 0.0, training,
                                    NULL);                                      // (B, n_out)
    if (st) {
        st->n_units = T;
        st->unit_mask = sc_text_unit_mask(ctx, mask);
        st->embeddings = e;
        st->unit_offset = 0;
        st->pooled = pooled;
    }
    return ctx->failed ? NULL : out;
}
