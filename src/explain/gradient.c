// gradient.c — gradient explainers over the unit embeddings e_u (B, U, E).
//
// gradient-norm: softmax_u(||d f_y / d e_u|| / T); gradient-x-input:
// softmax_u(<d f_y / d e_u, e_u> / T) (T = 0.1 as in the reference), or with
// sign=abs softmax_u(|<d f_y / d e_u, e_u>| / T): on pre-LN transformers the
// sign is unreliable (LayerNorm's scale invariance and the logits' shared
// shift; results/plausibility-synth-text.md) while the magnitude is not;
// attention-x-gradient: static attention (uniform heads, softmax over units)
// times the gradient norm, renormalized over the real units. f_y is the logit of
// the explained class (the model's prediction unless targets are given).
#include "explain/explainer.h"
#include "ops/ops.h"

// Resolved settings of gradient-norm and gradient-x-input (e->settings);
// attention-x-gradient has none.
typedef struct gradient_settings {
    int unit_norm;
    int sign_abs;  // gradient-x-input: sign=abs
    double temperature;
} gradient_settings;

sc_tensor *sc_explain_gradient_raw(sc_ctx *ctx, const sc_explain_args *a, int kind) {
    if (ctx->failed) return NULL;
    int saved_no_grad = ctx->no_grad;
    ctx->no_grad = 0;  // gradients need a tape even inside an evaluation scope
    sc_tensor *logits, *E;
    if (a->create_graph) {
        logits = a->logits;
        E = a->st->embeddings;
        if (!logits || !E || !E->requires_grad) {
            ctx->no_grad = saved_no_grad;
            return sc_fail(ctx, "gradient explainer: create_graph needs the forward's logits and embeddings on the tape");
        }
    } else {
        sc_model_state st = {0};
        logits = sc_model_forward(a->model, ctx, a->in, SC_FWD_EMBED_LEAF, &st);
        E = st.embeddings;
    }
    sc_tensor *raw = NULL;
    sc_tensor *y = sc_explain_targets(ctx, a, logits);  // (B) i32
    if (y && E) {
        int64_t K = logits->shape[1];
        const int32_t *yd = y->data;
        for (int64_t b = 0; b < y->numel; b++)
            if (yd[b] < 0 || yd[b] >= K) {
                ctx->no_grad = saved_no_grad;
                return sc_fail(ctx, "gradient explainer: target %d out of range for %lld outputs", yd[b], (long long)K);
            }
        // s = sum_b f_{b, y_b}: each example's gradient only sees its own logit.
        sc_tensor *s = sc_sum_all(ctx, sc_mul(ctx, logits, sc_one_hot(ctx, y, K, logits->dtype)));
        sc_tensor **g = s ? sc_grad(ctx, &s, 1, &E, 1, NULL, a->create_graph) : NULL;
        if (g) {
            sc_tensor *gE = g[0], *e = a->create_graph ? E : sc_detach(ctx, E);  // (B, U, E)
            raw = kind == 0 ? sc_l2_norm(ctx, gE, -1, 0) : sc_sum(ctx, sc_mul(ctx, gE, e), -1, 0);  // (B, U)
        }
    }
    ctx->no_grad = saved_no_grad;
    return ctx->failed ? NULL : raw;
}

// The distribution, or with a->raw_scores the scores raw / T its normalizer
// would read (a student explainer: the explanation loss normalizes them itself).
static sc_tensor *finish(sc_explainer *e, sc_ctx *ctx, const sc_explain_args *a, sc_tensor *raw) {
    const gradient_settings *s = e->settings;
    if (a->raw_scores) return raw ? sc_mul_scalar(ctx, raw, 1.0 / s->temperature) : NULL;
    return sc_explain_normalize(ctx, raw, a->st->unit_mask, s->unit_norm, s->temperature);
}

static sc_tensor *grad_norm_explain(sc_explainer *e, sc_ctx *ctx, const sc_explain_args *a) {
    return finish(e, ctx, a, sc_explain_gradient_raw(ctx, a, 0));
}

static sc_tensor *grad_x_input_explain(sc_explainer *e, sc_ctx *ctx, const sc_explain_args *a) {
    const gradient_settings *s = e->settings;
    sc_tensor *raw = sc_explain_gradient_raw(ctx, a, 1);  // (B, U)
    if (s->sign_abs) raw = sc_abs(ctx, raw);
    return finish(e, ctx, a, raw);
}

static sc_tensor *attn_x_grad_explain(sc_explainer *e, sc_ctx *ctx, const sc_explain_args *a) {
    (void)e;
    sc_tensor *A = sc_explain_attention_logits(ctx, a, SC_AGG_MEAN, NULL);           // (B, L*H, U)
    sc_tensor *p = sc_explain_normalize(ctx, sc_mean(ctx, A, 1, 0), a->st->unit_mask, SC_NORM_SOFTMAX, 1.0);
    sc_tensor *gn = sc_explain_gradient_raw(ctx, a, 0);                       // (B, U)
    return sc_explain_normalize(ctx, sc_mul(ctx, p, gn), a->st->unit_mask, SC_NORM_NONE, 1.0);
}

static int init_grad(sc_explainer *e, const sc_model *m, sc_err *err) {
    (void)m;
    gradient_settings *s = e->settings;
    if (sc_config_choice(&e->cfg, "unit_normalizer", sc_explain_norm_names, &s->unit_norm, err) ||
        sc_config_double(&e->cfg, "temperature", 1e-6, 1e6, &s->temperature, err))
        return -1;
    return 0;
}

static const char *const sign_names[] = {"signed", "abs", NULL};

static int init_gxi(sc_explainer *e, const sc_model *m, sc_err *err) {
    gradient_settings *s = e->settings;
    return init_grad(e, m, err) || sc_config_choice(&e->cfg, "sign", sign_names, &s->sign_abs, err) ? -1 : 0;
}

static int init_attn_x_grad(sc_explainer *e, const sc_model *m, sc_err *err) {
    if (e->n_layers <= 0)
        return sc_errf(err, "explainer %s: model '%s' exposes no attention", e->def->name, m->def->name);
    return 0;
}

static const sc_config_spec norm_spec[] = {
    {"unit_normalizer", "softmax", "over units: softmax, sparsemax, entmax15 or none"},
    {"temperature", "1", "scores are divided by it before the normalizer"},
    {NULL, NULL, NULL},
};
static const sc_config_spec gxi_spec[] = {
    {"unit_normalizer", "softmax", "over units: softmax, sparsemax, entmax15 or none"},
    {"temperature", "0.1", "scores are divided by it before the normalizer"},
    {"sign", "signed", "signed (the reference, <grad, e>) or abs (|<grad, e>|)"},
    {NULL, NULL, NULL},
};
static const sc_config_spec empty_spec[] = {{NULL, NULL, NULL}};

const sc_explainer_def sc_explainer_gradient_norm = {
    .name = "gradient-norm", .summary = "softmax of ||d logit / d embedding|| per unit", .spec = norm_spec,
    .default_beta = 0.2, .flags = SC_EXPL_STUDENT_OK, .init = init_grad, .explain = grad_norm_explain,
    .settings_size = sizeof(gradient_settings), .needs = SC_EXPL_NEEDS_EMBED_GRAD};
const sc_explainer_def sc_explainer_gradient_x_input = {
    .name = "gradient-x-input", .summary = "softmax of <d logit / d embedding, embedding> / T per unit",
    .spec = gxi_spec, .default_beta = 0.2, .flags = SC_EXPL_STUDENT_OK, .init = init_gxi,
    .explain = grad_x_input_explain, .settings_size = sizeof(gradient_settings), .needs = SC_EXPL_NEEDS_EMBED_GRAD};
const sc_explainer_def sc_explainer_attention_x_gradient = {
    .name = "attention-x-gradient", .summary = "static attention times gradient norm, renormalized",
    .spec = empty_spec, .default_beta = 0.2, .flags = 0, .init = init_attn_x_grad, .explain = attn_x_grad_explain,
    .settings_size = 0, .needs = SC_EXPL_NEEDS_ATTENTION | SC_EXPL_NEEDS_EMBED_GRAD};
