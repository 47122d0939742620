// mlm.c — BERT masking and the tied masked-token head (mlm.h).
#include "pretrain/mlm.h"

#include <math.h>
#include <string.h>

#include "ops/ops.h"

sc_mlm_rule sc_mlm_rule_bert(int32_t mask_id, int32_t first_id, int32_t vocab_size) {
    return (sc_mlm_rule){.select = 0.15, .to_mask = 0.8, .to_random = 0.1, .mask_id = mask_id,
                         .first_id = first_id, .vocab_size = vocab_size};
}

// A random replacement: uniform over [first_id, V) without the [MASK] id.
static int32_t random_token(const sc_mlm_rule *r, sc_rng *rng) {
    int32_t span = r->vocab_size - r->first_id;
    int skip = r->mask_id >= r->first_id && r->mask_id < r->vocab_size;
    if (span - skip <= 0) return r->mask_id;  // a vocabulary of specials only: nothing else to draw
    int32_t t = r->first_id + (int32_t)sc_rng_below(rng, (uint64_t)(span - skip));
    return skip && t >= r->mask_id ? t + 1 : t;
}

size_t sc_mlm_mask(const sc_mlm_rule *r, int32_t *ids, const float *mask, int64_t B, int64_t T, sc_rng *rng,
                   int32_t *targets) {
    size_t chosen = 0;
    int64_t pos[4096];  // candidate positions of one row (T is at most a model's max_tokens)
    for (int64_t b = 0; b < B; b++) {
        int32_t *row = ids + b * T;
        int32_t *tgt = targets + b * T;
        int64_t n = 0;
        for (int64_t t = 0; t < T; t++) {
            tgt[t] = -1;
            if (t > 0 && mask[b * T + t] != 0 && n < (int64_t)(sizeof pos / sizeof pos[0])) pos[n++] = t;
        }
        if (!n) continue;
        int64_t k = (int64_t)llround(r->select * (double)n);
        if (k < 1) k = 1;
        // The first k of a partial Fisher-Yates shuffle: k positions, uniformly.
        for (int64_t i = 0; i < k; i++) {
            int64_t j = i + (int64_t)sc_rng_below(rng, (uint64_t)(n - i));
            int64_t p = pos[j];
            pos[j] = pos[i];
            pos[i] = p;
            tgt[p] = row[p];
            double u = sc_rng_uniform(rng);
            if (u < r->to_mask) row[p] = r->mask_id;
            else if (u < r->to_mask + r->to_random) row[p] = random_token(r, rng);
        }
        chosen += (size_t)k;
    }
    return chosen;
}

int sc_mlm_head_build(sc_mlm_head *h, sc_params *head, int64_t C, int64_t V, sc_dtype dt, sc_rng *rng,
                      sc_err *err) {
    int64_t cc[2] = {C, C};
    memset(h, 0, sizeof *h);
    if (!(h->dense_w = sc_params_add(head, "mlm.dense.w", dt, 2, cc, err)) ||
        !(h->dense_b = sc_params_add(head, "mlm.dense.b", dt, 1, &C, err)) ||
        !(h->ln_g = sc_params_add(head, "mlm.ln.g", dt, 1, &C, err)) ||
        !(h->ln_b = sc_params_add(head, "mlm.ln.b", dt, 1, &C, err)) ||
        !(h->bias = sc_params_add(head, "mlm.bias", dt, 1, &V, err)))
        return -1;
    sc_init_normal(h->dense_w, rng, 0.02);
    sc_init_const(h->dense_b, 0.0);
    sc_init_const(h->ln_g, 1.0);
    sc_init_const(h->ln_b, 0.0);
    sc_init_const(h->bias, 0.0);
    return 0;
}

int sc_mlm_head_bind(sc_mlm_head *h, const sc_params *head, sc_err *err) {
    const char *names[5] = {"mlm.dense.w", "mlm.dense.b", "mlm.ln.g", "mlm.ln.b", "mlm.bias"};
    sc_tensor **slots[5] = {&h->dense_w, &h->dense_b, &h->ln_g, &h->ln_b, &h->bias};
    for (int i = 0; i < 5; i++)
        if (!(*slots[i] = sc_params_get(head, names[i])))
            return sc_errf(err, "masked-token head: no parameter '%s'", names[i]);
    return 0;
}

sc_tensor *sc_mlm_loss(const sc_mlm_head *h, sc_ctx *ctx, sc_tensor *sequence, sc_tensor *embed,
                       const int32_t *targets, size_t *n_chosen) {
    *n_chosen = 0;
    if (ctx->failed || !sequence) return NULL;
    if (sequence->ndim != 3 || embed->ndim != 2 || sequence->shape[2] != embed->shape[1])
        return sc_fail(ctx, "masked-token loss: sequence (B, T, C) and embeddings (V, C) disagree");
    const int64_t B = sequence->shape[0], T = sequence->shape[1], C = sequence->shape[2];
    int64_t M = 0;
    for (int64_t i = 0; i < B * T; i++) M += targets[i] >= 0;
    if (!M) return sc_fail(ctx, "masked-token loss: no position was chosen");
    int64_t m1 = M;
    sc_tensor *rows = sc_empty(ctx, SC_I32, 1, &m1), *labels = sc_empty(ctx, SC_I32, 1, &m1);  // (M,)
    if (!rows || !labels) return NULL;
    int32_t *ri = rows->data, *li = labels->data;
    for (int64_t i = 0, k = 0; i < B * T; i++)
        if (targets[i] >= 0) ri[k] = (int32_t)i, li[k++] = targets[i];
    int64_t flat[2] = {B * T, C};
    sc_tensor *hm = sc_gather_rows(ctx, sc_reshape(ctx, sequence, 2, flat), rows);       // (M, C)
    sc_tensor *t = sc_gelu(ctx, sc_linear(ctx, hm, h->dense_w, h->dense_b));              // (M, C)
    t = sc_layernorm(ctx, t, h->ln_g, h->ln_b, 1e-5);
    sc_tensor *z = sc_linear(ctx, t, sc_transpose(ctx, embed, 0, 1), h->bias);            // (M, V)
    *n_chosen = (size_t)M;
    return sc_cross_entropy(ctx, z, labels);
}
