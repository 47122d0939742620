// attention.c — attention explainers: a mix of heads' aggregated attention logits.
//
// z_u = sum_h norm(c)_h a_{h,u}, where a_h is head h's pre-softmax logits
// aggregated over query rows (mean over real queries, or the [CLS] row) at the
// key position of unit u, and c are the head coefficients (L*H, all layers).
// The saliency is a normalizer over the units of z (softmax by default) with
// masked units excluded. `attention` learns c (uniform init 1/(L*H), the
// static-attention baseline); the others fix c: uniform over every head, uniform
// over the last layer's heads, or one-hot on one head. Only differentiable ops,
// so the saliency has gradients w.r.t. c and the model's parameters.
//
// aggregation=learned (the query-weighted variant, `attention` only) learns
// which query rows to read as well: with the model's last hidden states
// h (B, U, C) and a learned vector v (C),
//   w_{b,q} = softmax over real rows q of <h_{b,q}, v> / sqrt(C)      (B, U)
//   a_{b,h,k} = sum_q w_{b,q} logits_{b,h,q+offset,k}
// so a sentence's explanation can come from the rows of the words that decide
// it rather than from every row alike. v starts at 0, where w is the mean over
// the real rows: for text exactly aggregation=mean, so learning starts from the
// static baseline; for a ViT the [CLS] query row (it has no unit hidden state)
// is left out of the mean.
#include <math.h>
#include <stdio.h>

#include "explain/explainer.h"
#include "ops/ops.h"

static const char *const agg_names[] = {"mean", "cls", "learned", NULL};

// Resolved settings of every attention explainer (e->settings). Fixed
// coefficients have head_norm SC_NORM_NONE; attention-head's layer and head are
// folded into them.
typedef struct attention_settings {
    int head_norm, unit_norm, aggregation;
    double temperature;
    // learn_temperature: the explanation's sharpness is learned with the head
    // mix. log T is a parameter (so T > 0 without a constraint, and a step in
    // it scales T multiplicatively, as a temperature sweep does), initialised to
    // log(temperature); the scores are z · exp(−log T).
    sc_tensor *log_temperature;  // (1) in e->params, or NULL
    sc_tensor *query;            // (C) v of aggregation=learned, in e->params, or NULL
} attention_settings;

// The learned query weights w (B, Q) of aggregation=learned over a's state:
// softmax over real rows of h v / sqrt(C), rows without a hidden state (a
// ViT's [CLS], q < offset) weighted 0.
static sc_tensor *learned_query_weights(sc_ctx *ctx, const sc_explain_args *a, sc_tensor *v, int64_t Q) {
    const sc_model_state *st = a->st;
    sc_tensor *h = st->n_layers > 0 ? st->hidden[st->n_layers] : NULL;  // (B, U, C)
    int64_t off = st->unit_offset;
    if (!h || h->ndim != 3 || h->shape[2] != v->numel || h->shape[1] + off != Q)
        return sc_fail(ctx, "attention explainer: aggregation=learned needs the model's last hidden states "
                            "(B, %lld, %lld); this model does not expose them",
                       (long long)(Q - off), (long long)v->numel);
    int64_t B = h->shape[0], U = h->shape[1], C = h->shape[2], vs[2] = {C, 1}, s2[2] = {B, U};
    sc_tensor *s = sc_mul_scalar(ctx, sc_reshape(ctx, sc_matmul(ctx, h, sc_reshape(ctx, v, 2, vs)), 2, s2),
                                 1.0 / sqrt((double)C));  // (B, U)
    // Real rows: the text mask when it covers them, else every row.
    const sc_tensor *qm = a->in->mask;
    const sc_tensor *rows = qm && qm->ndim == 2 && qm->shape[0] == B && qm->shape[1] == U ? qm : NULL;
    if (!rows) {
        sc_tensor *ones = sc_empty(ctx, s->dtype, 2, s2);
        if (!ones) return NULL;
        sc_init_const(ones, 1.0);
        rows = ones;
    }
    sc_tensor *w = sc_explain_normalize(ctx, s, rows, SC_NORM_SOFTMAX, 1.0);  // (B, U)
    if (off == 0) return w;
    int64_t zs[2] = {B, off};
    sc_tensor *zero = sc_empty(ctx, s->dtype, 2, zs);
    if (!zero) return NULL;
    sc_init_const(zero, 0.0);
    sc_tensor *parts[2] = {zero, w};
    return sc_concat(ctx, parts, 2, 1);  // (B, Q)
}

// The mean over real query rows as constant weights (B, Q): 1/n_real on real
// positions (the text mask when it covers the queries).
static sc_tensor *mean_query_weights(sc_ctx *ctx, const sc_explain_args *a, sc_dtype dt, int64_t B, int64_t Q) {
    int64_t ws[2] = {B, Q};
    sc_tensor *w = sc_empty(ctx, dt, 2, ws);
    if (!w) return NULL;
    const sc_tensor *qm = a->in->mask;
    int use_mask = qm && qm->ndim == 2 && qm->shape[0] == B && qm->shape[1] == Q;
    for (int64_t b = 0; b < B; b++) {
        double n = 0;
        for (int64_t q = 0; q < Q; q++) n += use_mask ? (sc_tensor_get(qm, b * Q + q) != 0) : 1;
        for (int64_t q = 0; q < Q; q++) {
            double v = use_mask ? (sc_tensor_get(qm, b * Q + q) != 0) : 1;
            sc_tensor_set(w, b * Q + q, n > 0 ? v / n : 0);
        }
    }
    return w;
}

sc_tensor *sc_explain_attention_logits(sc_ctx *ctx, const sc_explain_args *a, int aggregation,
                                       sc_tensor *query) {
    const sc_model_state *st = a->st;
    int L = st->n_layers;
    int64_t U = st->n_units;
    if (L <= 0 || L > SC_MAX_LAYERS) return sc_fail(ctx, "attention explainer: the model exposes no attention");
    if (aggregation == SC_AGG_LEARNED && !query)
        return sc_fail(ctx, "attention explainer: aggregation=learned without its query vector");
    sc_tensor *per[SC_MAX_LAYERS], *w = NULL;  // w (B, 1, Q, 1): shared by the layers
    for (int l = 0; l < L; l++) {
        sc_tensor *lg = st->attn_logits[l];  // (B, H, Q, K)
        if (!lg || lg->ndim != 4) return sc_fail(ctx, "attention explainer: layer %d has no attention logits", l);
        int64_t B = lg->shape[0], Q = lg->shape[2], K = lg->shape[3];
        if (K - st->unit_offset != U) {
            char b1[64];
            return sc_fail(ctx, "attention explainer: logits %s do not fit %lld units after offset %d",
                           sc_shape_str(lg, b1, sizeof b1), (long long)U, st->unit_offset);
        }
        sc_tensor *r;
        if (aggregation == SC_AGG_CLS || Q == 1) {
            r = sc_squeeze(ctx, sc_slice(ctx, lg, 2, 0, 1), 2);  // (B, H, K)
        } else {
            if (!w) {
                int64_t ws[4] = {B, 1, Q, 1};
                sc_tensor *w2 = aggregation == SC_AGG_LEARNED ? learned_query_weights(ctx, a, query, Q)
                                                              : mean_query_weights(ctx, a, lg->dtype, B, Q);
                if (!(w = sc_reshape(ctx, w2, 4, ws))) return NULL;
            }
            r = sc_sum(ctx, sc_mul(ctx, lg, w), 2, 0);  // (B, H, K)
        }
        per[l] = sc_slice(ctx, r, 2, st->unit_offset, K);  // (B, H, U)
    }
    return L == 1 ? per[0] : sc_concat(ctx, per, L, 1);  // (B, L*H, U)
}

// The mix of A (B, L*H, U) by the head coefficients, through the unit normalizer.
static sc_tensor *attention_mix(sc_explainer *e, sc_ctx *ctx, sc_tensor *A, const sc_tensor *unit_mask,
                                const sc_explain_args *a) {
    const attention_settings *s = e->settings;
    if (!A) return NULL;
    int64_t LH = (int64_t)e->n_layers * e->n_heads;
    if (A->shape[1] != LH)
        return sc_fail(ctx, "attention explainer: model has %lld heads, explainer was built for %lld",
                       (long long)A->shape[1], (long long)LH);
    sc_tensor *c = e->coef;  // (L*H)
    sc_tensor *w = s->head_norm == SC_NORM_SOFTMAX     ? sc_softmax(ctx, c, -1)
                   : s->head_norm == SC_NORM_SPARSEMAX ? sc_sparsemax(ctx, c)
                   : s->head_norm == SC_NORM_ENTMAX15  ? sc_entmax15(ctx, c)
                                                       : c;
    int64_t ws[3] = {1, LH, 1};
    sc_tensor *z = sc_sum(ctx, sc_mul(ctx, A, sc_reshape(ctx, w, 3, ws)), 1, 0);  // (B, U)
    if (s->log_temperature) {  // z / T with T = exp(log T) learned: (B, U) · (1)
        z = sc_mul(ctx, z, sc_exp(ctx, sc_mul_scalar(ctx, s->log_temperature, -1.0)));
        return a->raw_scores ? z : sc_explain_normalize(ctx, z, unit_mask, s->unit_norm, 1.0);
    }
    if (a->raw_scores) return sc_mul_scalar(ctx, z, 1.0 / s->temperature);
    return sc_explain_normalize(ctx, z, unit_mask, s->unit_norm, s->temperature);
}

static sc_tensor *attention_explain(sc_explainer *e, sc_ctx *ctx, const sc_explain_args *a) {
    const attention_settings *s = e->settings;
    sc_tensor *A = sc_explain_attention_logits(ctx, a, s->aggregation, s->query);  // (B, L*H, U)
    return attention_mix(e, ctx, A, a->st->unit_mask, a);
}

// The features/from_features split (explainer.h): A is parameter-free unless
// the query rows are learned.
static int attention_feature_rows(const sc_explainer *e) {
    const attention_settings *s = e->settings;
    return s->aggregation == SC_AGG_LEARNED ? 0 : e->n_layers * e->n_heads;
}

static sc_tensor *attention_features(sc_explainer *e, sc_ctx *ctx, const sc_explain_args *a) {
    const attention_settings *s = e->settings;
    return sc_explain_attention_logits(ctx, a, s->aggregation, NULL);  // (B, L*H, U)
}

// Settings common to every attention explainer.
static int common(sc_explainer *e, const sc_model *m, sc_err *err) {
    attention_settings *s = e->settings;
    if (e->n_layers <= 0 || e->n_heads <= 0)
        return sc_errf(err, "explainer %s: model '%s' exposes no attention", e->def->name, m->def->name);
    if (sc_config_choice(&e->cfg, "aggregation", agg_names, &s->aggregation, err) ||
        sc_config_choice(&e->cfg, "unit_normalizer", sc_explain_norm_names, &s->unit_norm, err) ||
        sc_config_double(&e->cfg, "temperature", 1e-6, 1e6, &s->temperature, err))
        return -1;
    if (s->aggregation == SC_AGG_LEARNED && !(e->def->flags & SC_EXPL_LEARNABLE))
        return sc_errf(err, "explainer %s: aggregation=learned learns its query weights, so it needs a learnable "
                       "explainer (attention)", e->def->name);
    return 0;
}

// A fixed (not learnable) coefficient vector in the explainer's arena.
static int fixed_coef(sc_explainer *e, const sc_model *m, sc_err *err) {
    attention_settings *s = e->settings;
    int64_t LH = (int64_t)e->n_layers * e->n_heads;
    e->coef = sc_empty_in(&e->params.arena, m->dtype, 1, &LH);
    if (!e->coef) return sc_errf(err, "explainer %s: out of memory", e->def->name);
    s->head_norm = SC_NORM_NONE;
    return 0;
}

static int init_learned(sc_explainer *e, const sc_model *m, sc_err *err) {
    attention_settings *s = e->settings;
    if (common(e, m, err) ||
        sc_config_choice(&e->cfg, "head_normalizer", sc_explain_norm_names, &s->head_norm, err))
        return -1;
    int64_t LH = (int64_t)e->n_layers * e->n_heads;
    e->coef = sc_params_add(&e->params, "coef", m->dtype, 1, &LH, err);
    if (!e->coef) return -1;
    sc_init_const(e->coef, 1.0 / (double)LH);
    if (s->aggregation == SC_AGG_LEARNED) {
        int64_t C = m->info.width;
        if (C <= 0)
            return sc_errf(err, "explainer %s: aggregation=learned weights query rows by the model's hidden "
                           "states, which model '%s' does not expose", e->def->name, m->def->name);
        if (!(s->query = sc_params_add(&e->params, "query", m->dtype, 1, &C, err))) return -1;
        sc_init_const(s->query, 0.0);  // the mean over real rows
    }
    int learn_t;
    if (sc_config_bool(&e->cfg, "learn_temperature", &learn_t, err)) return -1;
    if (learn_t) {
        if (s->unit_norm == SC_NORM_NONE)
            return sc_errf(err, "explainer %s: learn_temperature has no effect with unit_normalizer=none (the "
                           "scores are divided by their sum); use softmax, sparsemax or entmax15", e->def->name);
        int64_t one = 1;
        if (!(s->log_temperature = sc_params_add(&e->params, "log_temperature", m->dtype, 1, &one, err))) return -1;
        sc_init_const(s->log_temperature, log(s->temperature));
    }
    return 0;
}

static int init_uniform(sc_explainer *e, const sc_model *m, sc_err *err) {
    if (common(e, m, err) || fixed_coef(e, m, err)) return -1;
    sc_init_const(e->coef, 1.0 / (double)e->coef->numel);
    return 0;
}

static int init_last_layer(sc_explainer *e, const sc_model *m, sc_err *err) {
    if (common(e, m, err) || fixed_coef(e, m, err)) return -1;
    int64_t H = e->n_heads, first = (int64_t)(e->n_layers - 1) * H;
    for (int64_t i = 0; i < e->coef->numel; i++) sc_tensor_set(e->coef, i, i >= first ? 1.0 / (double)H : 0.0);
    return 0;
}

static int init_head(sc_explainer *e, const sc_model *m, sc_err *err) {
    long layer, head;
    if (common(e, m, err) || fixed_coef(e, m, err) ||
        sc_config_long(&e->cfg, "layer", -e->n_layers, e->n_layers - 1, &layer, err) ||
        sc_config_long(&e->cfg, "head", 0, e->n_heads - 1, &head, err))
        return -1;
    if (layer < 0) layer += e->n_layers;
    sc_tensor_set(e->coef, layer * e->n_heads + head, 1.0);
    return 0;
}

#define COMMON_SPEC                                                                              \
    {"aggregation", "mean",                                                                      \
     "query rows: mean (over real queries), cls (row 0) or learned (weights from the last hidden states; attention only)"}, \
        {"unit_normalizer", "softmax", "over units: softmax, sparsemax, entmax15 or none"},      \
        {"temperature", "1", "the aggregated logits are divided by it before the normalizer"}

static const sc_config_spec learned_spec[] = {
    {"head_normalizer", "sparsemax", "head coefficients: softmax, sparsemax, entmax15 or none"},
    {"learn_temperature", "true",
     "learn the temperature with the head mix (as log T from `temperature`); false: the paper's SMaT"},
    COMMON_SPEC,
    {NULL, NULL, NULL},
};
static const sc_config_spec fixed_spec[] = {COMMON_SPEC, {NULL, NULL, NULL}};
static const sc_config_spec head_spec[] = {
    COMMON_SPEC,
    {"layer", "-1", "layer of the head (negative counts from the last)"},
    {"head", "0", "head index within the layer"},
    {NULL, NULL, NULL},
};

const sc_explainer_def sc_explainer_attention = {
    .name = "attention", .summary = "learnable mix of every layer's heads (SMaT)", .spec = learned_spec,
    .default_beta = 5.0, .flags = SC_EXPL_LEARNABLE | SC_EXPL_STUDENT_OK, .init = init_learned,
    .explain = attention_explain, .feature_rows = attention_feature_rows, .features = attention_features,
    .from_features = attention_mix, .settings_size = sizeof(attention_settings), .needs = SC_EXPL_NEEDS_ATTENTION};
const sc_explainer_def sc_explainer_attention_uniform = {
    .name = "attention-uniform", .summary = "static attention: all layers, uniform heads", .spec = fixed_spec,
    .default_beta = 5.0, .flags = SC_EXPL_STUDENT_OK, .init = init_uniform, .explain = attention_explain,
    .settings_size = sizeof(attention_settings), .needs = SC_EXPL_NEEDS_ATTENTION};
const sc_explainer_def sc_explainer_attention_last_layer = {
    .name = "attention-last-layer", .summary = "uniform heads of the last layer", .spec = fixed_spec,
    .default_beta = 5.0, .flags = SC_EXPL_STUDENT_OK, .init = init_last_layer, .explain = attention_explain,
    .settings_size = sizeof(attention_settings), .needs = SC_EXPL_NEEDS_ATTENTION};
const sc_explainer_def sc_explainer_attention_head = {
    .name = "attention-head", .summary = "a single head (layer, head)", .spec = head_spec, .default_beta = 5.0,
    .flags = SC_EXPL_STUDENT_OK, .init = init_head, .explain = attention_explain,
    .settings_size = sizeof(attention_settings), .needs = SC_EXPL_NEEDS_ATTENTION};
