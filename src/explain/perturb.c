// perturb.c — explainers that run the model on modified inputs.
//
// integrated-gradients: the exact straight line from the zero embedding,
//   raw_u = <e_u, sum_k w_k d f_y(alpha_k e) / d e_u>, then softmax(raw / T)
//   (T = 0.5 as in the reference). The embeddings are scaled, not the path
//   weights (the reference's bug), so completeness holds. Tabular features and
//   image cells ARE the embeddings (scaled through the inputs); for text the
//   token table is scaled in place for the pass and restored bit-exactly.
// occlusion: leave one unit out, softmax(delta / T).
// lime: sampled unit masks, exponential kernel, weighted least squares.
// None is differentiable w.r.t. the model (they are teacher-side baselines).
#include <math.h>
#include <string.h>

#include "explain/explainer.h"
#include "explain/lstsq.h"
#include "ops/ops.h"

static double at(const sc_tensor *t, int64_t i) {  // contiguous f32/f64
    return t->dtype == SC_F64 ? ((const double *)t->data)[i] : (double)((const float *)t->data)[i];
}

// A constant copy of x (any dtype) in the step arena, elementwise times `alpha`.
static sc_tensor *scaled_copy(sc_ctx *ctx, const sc_tensor *x, double alpha) {
    sc_tensor *c = sc_empty(ctx, x->dtype, x->ndim, x->shape);
    if (c)
        for (int64_t i = 0; i < c->numel; i++) sc_tensor_set(c, i, alpha * sc_tensor_get(x, i));
    return c;
}

// The forward pass with every unit embedding multiplied by alpha.
static sc_tensor *forward_scaled(sc_ctx *ctx, const sc_explain_args *a, double alpha, unsigned flags,
                                 sc_model_state *st) {
    const sc_model *m = a->model;
    sc_inputs in = *a->in;
    memset(st, 0, sizeof *st);
    if (m->shape.modality == SC_TABULAR) in.features = scaled_copy(ctx, in.features, alpha);
    if (m->shape.modality == SC_IMAGE) in.images = scaled_copy(ctx, in.images, alpha);
    if (m->shape.modality != SC_TEXT || alpha == 1.0) return sc_model_forward(m, ctx, &in, flags, st);
    sc_tensor *table = sc_params_get(&m->params, "embed.tokens");
    if (!table || !sc_tensor_is_contiguous(table))
        return sc_fail(ctx, "integrated-gradients: text model '%s' has no 'embed.tokens' table", m->def->name);
    size_t bytes = (size_t)table->numel * sc_dtype_size(table->dtype);
    void *save = sc_arena_alloc(&ctx->arena, bytes, 16);
    if (!save) return sc_fail(ctx, "integrated-gradients: step arena exhausted");
    memcpy(save, table->data, bytes);
    for (int64_t i = 0; i < table->numel; i++) sc_tensor_set(table, i, alpha * sc_tensor_get(table, i));
    sc_tensor *out = sc_model_forward(m, ctx, &in, flags, st);
    memcpy(table->data, save, bytes);  // bit-exact restore
    return out;
}

sc_tensor *sc_explain_ig_raw(sc_ctx *ctx, const sc_explain_args *a, int steps, int trapezoid) {
    if (ctx->failed) return NULL;
    if (steps < 1) return sc_fail(ctx, "integrated-gradients: steps = %d must be >= 1", steps);
    int saved = ctx->no_grad;
    ctx->no_grad = 0;
    sc_model_state st;
    sc_tensor *lg1 = forward_scaled(ctx, a, 1.0, SC_FWD_EMBED_LEAF, &st);
    sc_tensor *e = lg1 ? sc_contiguous(ctx, sc_detach(ctx, st.embeddings)) : NULL;  // (B, U, E)
    sc_tensor *y = sc_explain_targets(ctx, a, lg1);
    double *acc = e ? sc_arena_alloc(&ctx->arena, sizeof(double) * (size_t)e->numel, 8) : NULL;
    if (!e || !y || !acc) {
        ctx->no_grad = saved;
        return ctx->failed ? NULL : sc_fail(ctx, "integrated-gradients: step arena exhausted");
    }
    memset(acc, 0, sizeof(double) * (size_t)e->numel);
    int n_pts = trapezoid ? steps + 1 : steps;
    for (int k = 0; k < n_pts && !ctx->failed; k++) {
        double alpha = trapezoid ? (double)k / steps : (k + 0.5) / steps;
        double w = (trapezoid && (k == 0 || k == steps)) ? 0.5 / steps : 1.0 / steps;
        sc_ctx_mark mk = sc_ctx_get_mark(ctx);
        sc_model_state sk;
        sc_tensor *lg = forward_scaled(ctx, a, alpha, SC_FWD_EMBED_LEAF, &sk);
        sc_tensor *E = sk.embeddings;
        sc_tensor *s = lg ? sc_sum_all(ctx, sc_mul(ctx, lg, sc_one_hot(ctx, y, lg->shape[1], lg->dtype))) : NULL;
        sc_tensor **g = s ? sc_grad(ctx, &s, 1, &E, 1, NULL, 0) : NULL;
        sc_tensor *gc = g ? sc_contiguous(ctx, g[0]) : NULL;
        if (gc)
            for (int64_t i = 0; i < e->numel; i++) acc[i] += w * at(gc, i);
        sc_ctx_rewind(ctx, mk);
    }
    ctx->no_grad = saved;
    if (ctx->failed) return NULL;
    int64_t B = e->shape[0], U = e->shape[1], D = e->shape[2], s2[2] = {B, U};
    sc_tensor *raw = sc_empty(ctx, e->dtype, 2, s2);  // (B, U)
    if (!raw) return NULL;
    for (int64_t bu = 0; bu < B * U; bu++) {
        double v = 0;
        for (int64_t d = 0; d < D; d++) v += acc[bu * D + d] * at(e, bu * D + d);
        sc_tensor_set(raw, bu, v);
    }
    return raw;
}

// ---- removal of units ------------------------------------------------------------

// Per-row score of the explained class: probability, or the output for regression.
static void scores(const sc_tensor *lg, const int32_t *y, int regression, double *out) {
    int64_t B = lg->shape[0], K = lg->shape[1];
    for (int64_t b = 0; b < B; b++) {
        if (regression) {
            out[b] = sc_tensor_get(lg, b * K);
            continue;
        }
        double mx = -INFINITY, tot = 0;
        for (int64_t k = 0; k < K; k++) mx = fmax(mx, sc_tensor_get(lg, b * K + k));
        for (int64_t k = 0; k < K; k++) tot += exp(sc_tensor_get(lg, b * K + k) - mx);
        out[b] = exp(sc_tensor_get(lg, b * K + y[b]) - mx) / tot;
    }
}

// Forward (no grad) with the units where keep[b * U + u] == 0 removed; scores into out (B).
static int run_removed(sc_ctx *ctx, const sc_explain_args *a, const unsigned char *keep, const int32_t *y,
                       double *out) {
    const sc_model *m = a->model;
    sc_inputs in = *a->in;
    int64_t B = a->st->unit_mask->shape[0], U = a->st->n_units;
    sc_ctx_mark mk = sc_ctx_get_mark(ctx);
    if (m->shape.modality == SC_TEXT) {
        in.mask = scaled_copy(ctx, in.mask, 1.0);  // (B, T): unit u is token u
        if (!in.mask || in.mask->shape[1] != U) return -1;
        for (int64_t i = 0; i < B * U; i++)
            if (!keep[i]) sc_tensor_set(in.mask, i, 0.0);
    } else if (m->shape.modality == SC_TABULAR) {
        in.features = scaled_copy(ctx, in.features, 1.0);  // (B, F)
        if (!in.features) return -1;
        for (int64_t i = 0; i < B * U; i++)
            if (!keep[i]) sc_tensor_set(in.features, i, 0.0);
    } else {
        in.images = scaled_copy(ctx, in.images, 1.0);  // (B, C, H, W), unit u = a p x p cell
        if (!in.images) return -1;
        int64_t C = in.images->shape[1], H = in.images->shape[2], W = in.images->shape[3];
        int64_t p = (int64_t)llround(sqrt((double)(H * W) / (double)U));
        if (p < 1 || H % p || W % p || (H / p) * (W / p) != U) {
            sc_fail(ctx, "occlusion: %lld units do not tile a %lldx%lld image", (long long)U, (long long)H,
                    (long long)W);
            return -1;
        }
        int64_t gw = W / p;
        for (int64_t b = 0; b < B; b++)
            for (int64_t u = 0; u < U; u++) {
                if (keep[b * U + u]) continue;
                int64_t r0 = (u / gw) * p, c0 = (u % gw) * p;
                for (int64_t c = 0; c < C; c++)
                    for (int64_t r = r0; r < r0 + p; r++)
                        for (int64_t q = c0; q < c0 + p; q++) sc_tensor_set(in.images, ((b * C + c) * H + r) * W + q, 0.0);
            }
    }
    sc_tensor *lg = sc_model_forward(m, ctx, &in, 0, NULL);
    if (lg) scores(lg, y, m->shape.regression, out);
    sc_ctx_rewind(ctx, mk);
    return lg ? 0 : -1;
}

// Common set-up: targets and scores of the unmodified inputs (no grad).
static const int32_t *prepare(sc_ctx *ctx, const sc_explain_args *a, double **base) {
    int64_t B = a->st->unit_mask->shape[0];
    sc_tensor *lg = sc_model_forward(a->model, ctx, a->in, 0, NULL);
    sc_tensor *y = sc_explain_targets(ctx, a, lg);
    *base = sc_arena_alloc(&ctx->arena, sizeof(double) * (size_t)(2 * B), 8);
    if (!y || !*base) return NULL;
    scores(lg, y->data, a->model->shape.regression, *base);
    return y->data;
}

sc_tensor *sc_explain_occlusion_raw(sc_ctx *ctx, const sc_explain_args *a) {
    if (ctx->failed) return NULL;
    const sc_tensor *um = a->st->unit_mask;
    int64_t B = um->shape[0], U = um->shape[1];
    sc_no_grad_begin(ctx);
    double *base;
    const int32_t *y = prepare(ctx, a, &base);
    sc_tensor *raw = sc_zeros(ctx, um->dtype, 2, um->shape);  // (B, U)
    unsigned char *keep = sc_arena_alloc(&ctx->arena, (size_t)(B * U), 1);
    for (int64_t u = 0; y && raw && keep && u < U && !ctx->failed; u++) {
        int any = 0;
        for (int64_t b = 0; b < B; b++) any |= sc_tensor_get(um, b * U + u) != 0;
        if (!any) continue;
        memset(keep, 1, (size_t)(B * U));
        for (int64_t b = 0; b < B; b++) keep[b * U + u] = 0;
        if (run_removed(ctx, a, keep, y, base + B)) break;
        for (int64_t b = 0; b < B; b++)
            if (sc_tensor_get(um, b * U + u) != 0) sc_tensor_set(raw, b * U + u, base[b] - base[B + b]);
    }
    sc_no_grad_end(ctx);
    if (!ctx->failed && (!y || !raw || !keep)) sc_fail(ctx, "occlusion: step arena exhausted");
    return ctx->failed ? NULL : raw;
}

sc_tensor *sc_explain_lime_raw(sc_ctx *ctx, const sc_explain_args *a, int samples, double width, uint64_t seed) {
    if (ctx->failed) return NULL;
    if (samples < 2) return sc_fail(ctx, "lime: samples = %d must be >= 2", samples);
    const sc_tensor *um = a->st->unit_mask;
    int64_t B = um->shape[0], U = um->shape[1], S = samples;
    sc_no_grad_begin(ctx);
    double *base;
    const int32_t *y = prepare(ctx, a, &base);
    sc_tensor *raw = sc_zeros(ctx, um->dtype, 2, um->shape);  // (B, U)
    unsigned char *Z = sc_arena_alloc(&ctx->arena, (size_t)(S * B * U), 1);  // (S, B, U)
    double *f = sc_arena_alloc(&ctx->arena, sizeof(double) * (size_t)(S * B), 8);  // (S, B)
    double *A = sc_arena_alloc(&ctx->arena, sizeof(double) * (size_t)(S * (U + 1)), 8);
    double *rhs = sc_arena_alloc(&ctx->arena, sizeof(double) * (size_t)(S > U + 1 ? S : U + 1), 8);
    int64_t *idx = sc_arena_alloc(&ctx->arena, sizeof(int64_t) * (size_t)U, 8);
    if (!y || !raw || !Z || !f || !A || !rhs || !idx) {
        sc_no_grad_end(ctx);
        return ctx->failed ? NULL : sc_fail(ctx, "lime: step arena exhausted");
    }
    sc_rng r;
    sc_rng_seed(&r, seed);
    for (int64_t s = 0; s < S && !ctx->failed; s++) {
        unsigned char *z = Z + s * B * U;
        for (int64_t i = 0; i < B * U; i++) z[i] = s == 0 || sc_tensor_get(um, i) == 0 || sc_rng_uniform(&r) < 0.5;
        run_removed(ctx, a, z, y, f + s * B);
    }
    for (int64_t b = 0; b < B && !ctx->failed; b++) {
        int64_t n = 0;
        for (int64_t u = 0; u < U; u++)
            if (sc_tensor_get(um, b * U + u) != 0) idx[n++] = u;
        if (n == 0) continue;
        // Rows sqrt(pi_s) [1, z_s]: weighted least squares as ordinary least squares.
        for (int64_t s = 0; s < S; s++) {
            const unsigned char *z = Z + (s * B + b) * U;
            double kept = 0;
            for (int64_t j = 0; j < n; j++) kept += z[idx[j]];
            double d = 1.0 - kept / (double)n, sw = sqrt(exp(-d * d / (width * width)));
            A[s * (n + 1)] = sw;
            for (int64_t j = 0; j < n; j++) A[s * (n + 1) + 1 + j] = sw * z[idx[j]];
            rhs[s] = sw * f[s * B + b];
        }
        if (sc_explain_lstsq((int)S, (int)(n + 1), A, rhs) != 0) {
            sc_fail(ctx, "lime: least squares failed (example %lld)", (long long)b);
            break;
        }
        for (int64_t j = 0; j < n; j++) sc_tensor_set(raw, b * U + idx[j], rhs[1 + j]);
    }
    sc_no_grad_end(ctx);
    return ctx->failed ? NULL : raw;
}

// ---- the explainers ----------------------------------------------------------------

// Resolved settings of the three explainers (e->settings); each reads its own.
typedef struct perturb_settings {
    int unit_norm;
    double temperature;
    int steps, trapezoid;  // integrated-gradients
    int samples;           // lime
    double kernel_width;   // lime
    uint64_t seed;         // lime
} perturb_settings;

static sc_tensor *ig_explain(sc_explainer *e, sc_ctx *ctx, const sc_explain_args *a) {
    const perturb_settings *s = e->settings;
    return sc_explain_normalize(ctx, sc_explain_ig_raw(ctx, a, s->steps, s->trapezoid), a->st->unit_mask,
                                s->unit_norm, s->temperature);
}
static sc_tensor *occlusion_explain(sc_explainer *e, sc_ctx *ctx, const sc_explain_args *a) {
    const perturb_settings *s = e->settings;
    return sc_explain_normalize(ctx, sc_explain_occlusion_raw(ctx, a), a->st->unit_mask, s->unit_norm,
                                s->temperature);
}
static sc_tensor *lime_explain(sc_explainer *e, sc_ctx *ctx, const sc_explain_args *a) {
    const perturb_settings *s = e->settings;
    return sc_explain_normalize(ctx, sc_explain_lime_raw(ctx, a, s->samples, s->kernel_width, s->seed),
                                a->st->unit_mask, s->unit_norm, s->temperature);
}

static int init_norm(sc_explainer *e, sc_err *err) {
    perturb_settings *s = e->settings;
    return sc_config_choice(&e->cfg, "unit_normalizer", sc_explain_norm_names, &s->unit_norm, err) ||
                   sc_config_double(&e->cfg, "temperature", 1e-6, 1e6, &s->temperature, err)
               ? -1
               : 0;
}

static int init_ig(sc_explainer *e, const sc_model *m, sc_err *err) {
    (void)m;
    static const char *const rules[] = {"midpoint", "trapezoid", NULL};
    perturb_settings *s = e->settings;
    long steps;
    if (init_norm(e, err) || sc_config_long(&e->cfg, "steps", 1, 10000, &steps, err) ||
        sc_config_choice(&e->cfg, "rule", rules, &s->trapezoid, err))
        return -1;
    s->steps = (int)steps;
    return 0;
}
static int init_occlusion(sc_explainer *e, const sc_model *m, sc_err *err) {
    (void)m;
    return init_norm(e, err);
}
static int init_lime(sc_explainer *e, const sc_model *m, sc_err *err) {
    (void)m;
    perturb_settings *s = e->settings;
    long samples, seed;
    if (init_norm(e, err) || sc_config_long(&e->cfg, "samples", 2, 100000, &samples, err) ||
        sc_config_double(&e->cfg, "kernel_width", 1e-3, 1e3, &s->kernel_width, err) ||
        sc_config_long(&e->cfg, "seed", 0, 2147483647L, &seed, err))
        return -1;
    s->samples = (int)samples;
    s->seed = (uint64_t)seed;
    return 0;
}

#define NORM_SPEC(T)                                                                      \
    {"unit_normalizer", "softmax", "over units: softmax, sparsemax, entmax15 or none"}, \
        {"temperature", T, "scores are divided by it before the normalizer"}

static const sc_config_spec ig_spec[] = {
    NORM_SPEC("0.5"),
    {"steps", "10", "Riemann steps along the straight line from the zero embedding"},
    {"rule", "midpoint", "midpoint or trapezoid"},
    {NULL, NULL, NULL},
};
static const sc_config_spec occlusion_spec[] = {NORM_SPEC("0.1"), {NULL, NULL, NULL}};
static const sc_config_spec lime_spec[] = {
    NORM_SPEC("0.1"),
    {"samples", "100", "random keep/remove masks (the first keeps every unit)"},
    {"kernel_width", "0.25", "exponential kernel width on the fraction of units removed"},
    {"seed", "0", "seed of the masks"},
    {NULL, NULL, NULL},
};

const sc_explainer_def sc_explainer_integrated_gradients = {
    .name = "integrated-gradients", .summary = "integrated gradients from the zero embedding, softmax(raw / T)",
    .spec = ig_spec, .default_beta = 0.2, .flags = 0, .init = init_ig, .explain = ig_explain,
    .settings_size = sizeof(perturb_settings), .needs = SC_EXPL_NEEDS_EMBED_GRAD | SC_EXPL_NEEDS_FORWARDS};
const sc_explainer_def sc_explainer_occlusion = {
    .name = "occlusion", .summary = "leave one unit out: drop in the predicted class's probability",
    .spec = occlusion_spec, .default_beta = 0.2, .flags = 0, .init = init_occlusion, .explain = occlusion_explain,
    .settings_size = sizeof(perturb_settings), .needs = SC_EXPL_NEEDS_FORWARDS};
const sc_explainer_def sc_explainer_lime = {
    .name = "lime", .summary = "LIME: weighted least squares on sampled unit masks", .spec = lime_spec,
    .default_beta = 0.2, .flags = 0, .init = init_lime, .explain = lime_explain,
    .settings_size = sizeof(perturb_settings), .needs = SC_EXPL_NEEDS_FORWARDS};
