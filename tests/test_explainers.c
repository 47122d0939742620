// Explainers: the attention explainer one-hot on a head equals that head's
// aggregated logits under a masked softmax (and equals attention-head);
// gradient-x-input on a linear model is w ⊙ x; every explainer gives rows
// summing to 1 with masked units exactly 0 on a text transformer, a ViT and an
// MLP; attention explainers refuse models without attention; the attention
// saliency's gradients w.r.t. its coefficients and a model parameter match
// central differences in f64; create_graph keeps gradient explanations on the
// tape; the permuted control is a derangement; determinism.
#include "sc_test.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "explain/explainer.h"
#include "explainer_props.h"
#include "models_util.h"
#include "ops/ops.h"

#define V 11
#define TMAX 7

// The models the explainers run on (tiny configs).
static const mu_arch text_arch = {"teacher", "transformer", {"layers=2", "width=8", "heads=2", "dropout=0", NULL}};
static const mu_arch vit_arch = {"teacher", "vit", {"layers=1", "width=8", "heads=2", "dropout=0", NULL}};
static const mu_arch mlp_arch = {"teacher", "mlp", {"layers=1", "width=6", "dropout=0", NULL}};
static const mu_arch lin_arch = {"student", "mlp", {"layers=0", NULL}};

static sc_model_shape text_shape(void) {
    sc_model_shape s = {.modality = SC_TEXT, .n_outputs = 3, .vocab_size = V, .max_tokens = TMAX};
    return s;
}
static sc_model_shape image_shape(void) {
    sc_model_shape s = {.modality = SC_IMAGE, .n_outputs = 3, .C = 1, .H = 8, .W = 8};
    return s;
}
static sc_model_shape tab_shape(int64_t F) {
    sc_model_shape s = {.modality = SC_TABULAR, .n_outputs = 3, .F = F};
    return s;
}

static sc_tensor *rand_tensor(sc_ctx *ctx, sc_dtype dt, int nd, const int64_t *s, uint64_t seed, double lo,
                              double hi) {
    sc_tensor *t = sc_empty(ctx, dt, nd, s);
    assert_non_null(t);
    sc_rng r;
    sc_rng_seed(&r, seed);
    for (int64_t i = 0; i < t->numel; i++) sc_tensor_set(t, i, lo + (hi - lo) * sc_rng_uniform(&r));
    return t;
}

static sc_tensor *explain(sc_explainer *e, sc_ctx *ctx, sc_explain_args *a) {
    sc_tensor *s = sc_explain(e, ctx, a);
    if (!s) fail_msg("%s: %s", e->def->name, ctx->err.msg);
    return s;
}

// Rows are distributions over the real units; masked units exactly 0.
static void check_distribution(const sc_tensor *s, const sc_tensor *um, double tol) {
    int64_t B = s->shape[0], U = s->shape[1];
    for (int64_t b = 0; b < B; b++) {
        double tot = 0;
        for (int64_t u = 0; u < U; u++) {
            double v = sc_tensor_get(s, b * U + u);
            assert_true(v >= 0);
            if (sc_tensor_get(um, b * U + u) == 0) assert_true(v == 0.0);
            tot += v;
        }
        assert_true(fabs(tot - 1) < tol);
    }
}

static void test_attention_one_hot_head(void **state) {
    sc_ctx *ctx = *state;
    sc_model m;
    sc_model_shape sh = text_shape();
    mu_make(&m, &text_arch, "f64", &sh, 3);
    sc_inputs in;
    int64_t lens[3] = {6, 3, 1};
    mu_text_inputs(ctx, &in, 3, TMAX, lens, V, SC_F64, 5);
    sc_model_state st;
    mu_forward(&m, ctx, &in, &st);
    sc_explain_args a = {.model = &m, .in = &in, .st = &st};
    sc_ctx_mark after_forward = sc_ctx_get_mark(ctx);
    for (int agg = 0; agg < 2; agg++) {
        const char *kv[] = {"head_normalizer=none", agg ? "aggregation=cls" : "aggregation=mean", NULL};
        const char *hkv[] = {"layer=1", "head=1", agg ? "aggregation=cls" : "aggregation=mean", NULL};
        sc_explainer e, h;
        ep_create(&e, "attention", kv, &m);
        ep_create(&h, "attention-head", hkv, &m);
        assert_int_equal(e.n_layers, 2);
        assert_int_equal(e.n_heads, 2);
        assert_int_equal(e.params.n, 2);  // head coefficients and log T (learn_temperature, the default)
        assert_int_equal(h.params.n, 0);
        for (int i = 0; i < 4; i++) sc_tensor_set(e.coef, i, i == 3);  // layer 1, head 1
        sc_tensor *s = explain(&e, ctx, &a), *sh1 = explain(&h, ctx, &a);
        const sc_tensor *lg = st.attn_logits[1];  // (B, H, T, T)
        for (int64_t b = 0; b < 3; b++) {
            double z[TMAX], mx = -1e300, tot = 0;
            for (int64_t k = 0; k < TMAX; k++) {
                double acc = 0;
                int64_t nq = agg ? 1 : lens[b] + 1;
                for (int64_t q = 0; q < nq; q++) acc += sc_tensor_get(lg, ((b * 2 + 1) * TMAX + q) * TMAX + k);
                z[k] = acc / (double)nq;
                if (k >= 1 && k <= lens[b] && z[k] > mx) mx = z[k];
            }
            for (int64_t k = 1; k <= lens[b]; k++) tot += exp(z[k] - mx);
            for (int64_t k = 0; k < TMAX; k++) {
                double want = k >= 1 && k <= lens[b] ? exp(z[k] - mx) / tot : 0.0;
                assert_true(fabs(sc_tensor_get(s, b * TMAX + k) - want) < 1e-12);
                assert_true(fabs(sc_tensor_get(sh1, b * TMAX + k) - want) < 1e-12);
            }
        }
        // First: the tape borrows the explainers' slabs (core/params.h). Back
        // to the mark only, since the next pass reads the forward's state st.
        sc_ctx_rewind(ctx, after_forward);
        sc_explainer_free(&e);
        sc_explainer_free(&h);
    }
    sc_ctx_reset(ctx);
    sc_model_free(&m);
}

// A linear model: <d f_y/d x, x>_f = w_{f,y} x_f = f_y(x) - f_y(x with x_f = 0).
static void test_gradient_x_input_linear(void **state) {
    sc_ctx *ctx = *state;
    const int64_t F = 5, B = 4;
    sc_model m;
    sc_model_shape sh = tab_shape(F);
    mu_make(&m, &lin_arch, "f64", &sh, 7);
    int64_t s2[2] = {B, F};
    sc_inputs in = {.B = B, .features = rand_tensor(ctx, SC_F64, 2, s2, 1, -2, 2)};
    sc_model_state st;
    sc_tensor *out = mu_forward(&m, ctx, &in, &st);
    int32_t targets[4] = {0, 2, 1, 2};
    sc_explain_args a = {.model = &m, .in = &in, .st = &st, .targets = targets};
    sc_tensor *raw = sc_explain_gradient_raw(ctx, &a, 1);
    assert_non_null(raw);
    for (int64_t f = 0; f < F; f++) {
        sc_tensor *x0 = sc_empty(ctx, SC_F64, 2, s2);
        for (int64_t i = 0; i < x0->numel; i++) sc_tensor_set(x0, i, i % F == f ? 0 : sc_tensor_get(in.features, i));
        sc_inputs in0 = {.B = B, .features = x0};
        sc_tensor *o0 = sc_model_forward(&m, ctx, &in0, 0, NULL);
        assert_non_null(o0);
        for (int64_t b = 0; b < B; b++) {
            double want = sc_tensor_get(out, b * 3 + targets[b]) - sc_tensor_get(o0, b * 3 + targets[b]);
            assert_true(fabs(sc_tensor_get(raw, b * F + f) - want) < 1e-12);
        }
    }
    // The explainer is the softmax of raw / 0.1.
    sc_explainer e;
    ep_create(&e, "gradient-x-input", NULL, &m);
    sc_tensor *s = explain(&e, ctx, &a);
    for (int64_t b = 0; b < B; b++) {
        double tot = 0;
        for (int64_t f = 0; f < F; f++) tot += exp(sc_tensor_get(raw, b * F + f) / 0.1);
        for (int64_t f = 0; f < F; f++)
            assert_true(fabs(sc_tensor_get(s, b * F + f) - exp(sc_tensor_get(raw, b * F + f) / 0.1) / tot) < 1e-12);
    }
    sc_explainer_free(&e);
    // sign=abs: the softmax of |raw| / 0.1.
    const char *abs_kv[] = {"sign=abs", NULL};
    ep_create(&e, "gradient-x-input", abs_kv, &m);
    s = explain(&e, ctx, &a);
    for (int64_t b = 0; b < B; b++) {
        double tot = 0;
        for (int64_t f = 0; f < F; f++) tot += exp(fabs(sc_tensor_get(raw, b * F + f)) / 0.1);
        for (int64_t f = 0; f < F; f++)
            assert_true(fabs(sc_tensor_get(s, b * F + f) - exp(fabs(sc_tensor_get(raw, b * F + f)) / 0.1) / tot) <
                        1e-12);
    }
    sc_explainer_free(&e);
    sc_config cfg;
    sc_err err = {{0}};
    sc_config_init(&cfg);
    assert_int_equal(sc_config_set_kv(&cfg, "sign=both", &err), 0);
    assert_int_equal(sc_explainer_create(&e, "gradient-x-input", &cfg, &m, &err), -1);
    assert_non_null(strstr(err.msg, "sign"));
    sc_ctx_reset(ctx);
    sc_model_free(&m);
}

typedef struct fixture {
    sc_model m;
    sc_inputs in;
    sc_model_state st;
    sc_tensor *out;
} fixture;

// Resets ctx, then frees e (if any) and fx's model: the tape borrows their slabs.
static void release(fixture *fx, sc_explainer *e, sc_ctx *ctx) {
    sc_ctx_reset(ctx);
    if (e) sc_explainer_free(e);
    sc_model_free(&fx->m);
}

static void build(fixture *fx, sc_ctx *ctx, int which, const char *dtype) {
    sc_dtype dt = strcmp(dtype, "f64") ? SC_F32 : SC_F64;
    if (which == 0) {
        sc_model_shape sh = text_shape();
        mu_make(&fx->m, &text_arch, dtype, &sh, 3);
        int64_t lens[3] = {6, 2, 4};
        mu_text_inputs(ctx, &fx->in, 3, TMAX, lens, V, dt, 5);
    } else if (which == 1) {
        sc_model_shape sh = image_shape();
        mu_make(&fx->m, &vit_arch, dtype, &sh, 4);
        int64_t s4[4] = {3, 1, 8, 8};
        memset(&fx->in, 0, sizeof fx->in);
        fx->in.B = 3;
        fx->in.images = rand_tensor(ctx, dt, 4, s4, 2, 0, 1);
    } else {
        sc_model_shape sh = tab_shape(6);
        mu_make(&fx->m, &mlp_arch, dtype, &sh, 5);
        int64_t s2[2] = {3, 6};
        memset(&fx->in, 0, sizeof fx->in);
        fx->in.B = 3;
        fx->in.features = rand_tensor(ctx, dt, 2, s2, 3, -1, 1);
    }
    fx->out = mu_forward(&fx->m, ctx, &fx->in, &fx->st);
}

static int needs_attention(const char *name) { return !strncmp(name, "attention", 9); }

static void test_every_explainer_distribution(void **state) {
    sc_ctx *ctx = *state;
    int n;
    const sc_explainer_def *const *defs = sc_explainer_list(&n);
    assert_true(n >= 12);
    for (int which = 0; which < 3; which++) {
        fixture fx;
        build(&fx, ctx, which, "f32");
        // The base explanation for `permuted`: proportional to 1 + unit index over the real units.
        const sc_tensor *um = fx.st.unit_mask;
        sc_tensor *base = sc_empty(ctx, SC_F32, 2, um->shape);
        assert_non_null(base);
        for (int64_t b = 0; b < um->shape[0]; b++) {
            double t = 0;
            for (int64_t u = 0; u < um->shape[1]; u++) t += sc_tensor_get(um, b * um->shape[1] + u) * (1.0 + u);
            for (int64_t u = 0; u < um->shape[1]; u++)
                sc_tensor_set(base, b * um->shape[1] + u, sc_tensor_get(um, b * um->shape[1] + u) * (1.0 + u) / t);
        }
        // Each explainer's ops are dropped from the tape before it is freed (its
        // coefficients live in its own slab, which the tape must not outlive).
        sc_ctx_mark mark = sc_ctx_get_mark(ctx);
        for (int i = 0; i < n; i++) {
            const char *name = defs[i]->name;
            assert_ptr_equal(sc_explainer_find(name), defs[i]);
            sc_explainer e;
            sc_err err = {{0}};
            if (which == 2 && needs_attention(name)) {
                assert_int_equal(sc_explainer_create(&e, name, NULL, &fx.m, &err), -1);
                assert_non_null(strstr(err.msg, "no attention"));
                continue;
            }
            ep_create(&e, name, NULL, &fx.m);
            sc_explain_args a = {.model = &fx.m, .in = &fx.in, .st = &fx.st, .base = base, .gold = base};
            sc_tensor *s = explain(&e, ctx, &a);
            assert_int_equal(s->shape[0], 3);
            assert_int_equal(s->shape[1], fx.st.n_units);
            check_distribution(s, fx.st.unit_mask, 1e-5);
            // Determinism: a second call gives the same bits.
            sc_tensor *s2 = explain(&e, ctx, &a);
            for (int64_t k = 0; k < s->numel; k++) assert_true(sc_tensor_get(s, k) == sc_tensor_get(s2, k));
            sc_ctx_rewind(ctx, mark);
            sc_explainer_free(&e);
        }
        release(&fx, NULL, ctx);
    }
    sc_err err = {{0}};
    sc_explainer e;
    assert_null(sc_explainer_find("nope"));
    fixture fx;
    build(&fx, ctx, 2, "f32");
    assert_int_equal(sc_explainer_create(&e, "nope", NULL, &fx.m, &err), -1);
    assert_non_null(strstr(err.msg, "nope"));
    sc_config cfg;
    sc_config_init(&cfg);
    assert_int_equal(sc_config_set_kv(&cfg, "bogus=1", &err), 0);
    assert_int_equal(sc_explainer_create(&e, "random", &cfg, &fx.m, &err), -1);
    assert_non_null(strstr(err.msg, "bogus"));
    release(&fx, NULL, ctx);
}

// Loss r . saliency for a fixed r; d/d coef and d/d one model weight by
// central differences (f64).
static double loss_value(sc_explainer *e, sc_ctx *ctx, fixture *fx, const sc_tensor *r) {
    sc_ctx_mark mk = sc_ctx_get_mark(ctx);
    sc_no_grad_begin(ctx);
    sc_model_state st;
    mu_forward(&fx->m, ctx, &fx->in, &st);
    sc_explain_args a = {.model = &fx->m, .in = &fx->in, .st = &st};
    sc_tensor *s = explain(e, ctx, &a);
    double v = 0;
    for (int64_t i = 0; i < s->numel; i++) v += sc_tensor_get(s, i) * sc_tensor_get(r, i);
    sc_no_grad_end(ctx);
    sc_ctx_rewind(ctx, mk);
    return v;
}

// Central difference (step h) of loss_value in element i of t (restored after).
static double loss_fd(sc_explainer *e, sc_ctx *ctx, fixture *fx, const sc_tensor *r, sc_tensor *t, int64_t i,
                      double h) {
    const double x0 = sc_tensor_get(t, i);
    sc_tensor_set(t, i, x0 + h);
    const double lp = loss_value(e, ctx, fx, r);
    sc_tensor_set(t, i, x0 - h);
    const double lm = loss_value(e, ctx, fx, r);
    sc_tensor_set(t, i, x0);
    return (lp - lm) / (2 * h);
}

static void test_attention_gradients(void **state) {
    sc_ctx *ctx = *state;
    const char *norms[] = {"head_normalizer=softmax", "head_normalizer=sparsemax", "head_normalizer=entmax15"};
    for (int k = 0; k < 3; k++) {
        fixture fx;
        build(&fx, ctx, k == 1 ? 1 : 0, "f64");
        const char *kv[] = {norms[k], NULL};
        sc_explainer e;
        ep_create(&e, "attention", kv, &fx.m);
        int64_t LH = e.coef->numel;
        for (int64_t i = 0; i < LH; i++) sc_tensor_set(e.coef, i, 0.1 + 0.37 * (double)i / (double)LH);
        sc_tensor *r = rand_tensor(ctx, SC_F64, 2, fx.st.unit_mask->shape, 11, -1, 1);
        sc_explain_args a = {.model = &fx.m, .in = &fx.in, .st = &fx.st};
        sc_tensor *s = explain(&e, ctx, &a);
        sc_tensor *L = sc_sum_all(ctx, sc_mul(ctx, s, r));
        // The model weight with the largest gradient among the first few tensors.
        sc_tensor *ins[1 + SC_PARAMS_MAX];
        ins[0] = e.coef;
        int np = fx.m.params.n;
        for (int i = 0; i < np; i++) ins[1 + i] = fx.m.params.t[i];
        sc_tensor **g = sc_grad(ctx, &L, 1, ins, 1 + np, NULL, 0);
        if (!g) fail_msg("%s", ctx->err.msg);
        const double h = 1e-6;
        for (int64_t i = 0; i < LH; i++) {
            double fd = loss_fd(&e, ctx, &fx, r, e.coef, i, h), an = sc_tensor_get(g[0], i);
            assert_true(fabs(fd - an) < 1e-6 * (1 + fabs(fd)));
        }
        int bi = -1;
        int64_t bj = 0;
        double best = 0;
        for (int i = 0; i < np; i++)
            for (int64_t j = 0; j < g[1 + i]->numel; j++)
                if (fabs(sc_tensor_get(g[1 + i], j)) > best) best = fabs(sc_tensor_get(g[1 + i], j)), bi = i, bj = j;
        assert_true(bi >= 0 && best > 1e-8);  // the saliency depends on the model
        double fd = loss_fd(&e, ctx, &fx, r, fx.m.params.t[bi], bj, h);
        assert_true(fabs(fd - sc_tensor_get(g[1 + bi], bj)) < 1e-6 * (1 + fabs(fd)));
        release(&fx, &e, ctx);
    }
}

// learn_temperature: log T is a second parameter, starting at log(temperature);
// at that value the explanation equals the static one at that temperature; its
// gradient and second derivative match central differences (f64); and it is
// refused where a temperature means nothing (unit_normalizer=none).
static void test_attention_learned_temperature(void **state) {
    sc_ctx *ctx = *state;
    fixture fx;
    build(&fx, ctx, 0, "f64");
    const char *kv[] = {"learn_temperature=true", "temperature=0.5", "head_normalizer=softmax", NULL};
    const char *kv_static[] = {"temperature=0.5", "head_normalizer=softmax", NULL};
    sc_explainer e, f;
    ep_create(&e, "attention", kv, &fx.m);
    ep_create(&f, "attention", kv_static, &fx.m);
    assert_int_equal(e.params.n, 2);
    sc_tensor *lt = sc_params_get(&e.params, "log_temperature");
    assert_non_null(lt);
    assert_true(fabs(sc_tensor_get(lt, 0) - log(0.5)) < 1e-15);
    for (int64_t i = 0; i < e.coef->numel; i++) {
        double c = 0.1 + 0.37 * (double)i / (double)e.coef->numel;
        sc_tensor_set(e.coef, i, c), sc_tensor_set(f.coef, i, c);
    }
    sc_explain_args a = {.model = &fx.m, .in = &fx.in, .st = &fx.st};
    sc_tensor *se = explain(&e, ctx, &a), *sf = explain(&f, ctx, &a);
    for (int64_t i = 0; i < se->numel; i++) assert_true(fabs(sc_tensor_get(se, i) - sc_tensor_get(sf, i)) < 1e-12);
    sc_tensor_set(lt, 0, 0.3);  // away from the start, so the check is not at a special point
    sc_tensor *r = rand_tensor(ctx, SC_F64, 2, fx.st.unit_mask->shape, 5, -1, 1);
    sc_tensor *L = sc_sum_all(ctx, sc_mul(ctx, explain(&e, ctx, &a), r));
    sc_tensor **g = sc_grad(ctx, &L, 1, &lt, 1, NULL, 1);  // create_graph: differentiate it again
    if (!g) fail_msg("%s", ctx->err.msg);
    const double h = 1e-5, g0 = sc_tensor_get(g[0], 0);
    double fd = loss_fd(&e, ctx, &fx, r, lt, 0, h);
    if (fabs(fd - g0) > 1e-7 * (1 + fabs(fd))) fail_msg("dL/dlogT: analytic %.12g, central difference %.12g", g0, fd);
    assert_true(fabs(g0) > 1e-6);  // the temperature matters
    sc_tensor **gg = sc_grad(ctx, &g[0], 1, &lt, 1, NULL, 0);
    if (!gg) fail_msg("%s", ctx->err.msg);
    // The second derivative against central differences of the first.
    double d1[2];
    for (int k = 0; k < 2; k++) {
        sc_tensor_set(lt, 0, 0.3 + (k ? -h : h));
        d1[k] = loss_fd(&e, ctx, &fx, r, lt, 0, h);
    }
    sc_tensor_set(lt, 0, 0.3);
    double fd2 = (d1[0] - d1[1]) / (2 * h), an2 = sc_tensor_get(gg[0], 0);
    if (fabs(fd2 - an2) > 1e-4 * (1 + fabs(fd2)))
        fail_msg("d2L/dlogT2: analytic %.10g, central difference %.10g", an2, fd2);
    sc_ctx_reset(ctx);
    sc_explainer_free(&f);
    sc_explainer_free(&e);
    sc_config cfg;
    sc_err err = {{0}};
    sc_config_init(&cfg);
    assert_int_equal(sc_config_set_kv(&cfg, "learn_temperature=true", &err), 0);
    assert_int_equal(sc_config_set_kv(&cfg, "unit_normalizer=none", &err), 0);
    assert_int_equal(sc_explainer_create(&e, "attention", &cfg, &fx.m, &err), -1);
    assert_non_null(strstr(err.msg, "learn_temperature"));
    release(&fx, NULL, ctx);
}

// aggregation=learned (the query-weighted variant): v starts at 0, where the
// text explanation is the mean aggregation's; a ViT's weights skip its [CLS]
// row; d/dv and d/dcoef match central differences (f64), and the second
// derivative in v too; refused for static explainers and for models without
// per-row hidden states.
static void test_attention_learned_query(void **state) {
    sc_ctx *ctx = *state;
    for (int which = 0; which < 2; which++) {
        fixture fx;
        build(&fx, ctx, which, "f64");
        const char *kv[] = {"aggregation=learned", "head_normalizer=softmax", NULL};
        const char *kv_mean[] = {"aggregation=mean", "head_normalizer=softmax", NULL};
        sc_explainer e, f;
        ep_create(&e, "attention", kv, &fx.m);
        ep_create(&f, "attention", kv_mean, &fx.m);
        sc_tensor *v = sc_params_get(&e.params, "query");
        assert_non_null(v);
        assert_int_equal(v->numel, fx.m.info.width);
        sc_explain_args a = {.model = &fx.m, .in = &fx.in, .st = &fx.st};
        sc_tensor *se = explain(&e, ctx, &a), *sf = explain(&f, ctx, &a);
        double most = 0;
        for (int64_t i = 0; i < se->numel; i++) most = fmax(most, fabs(sc_tensor_get(se, i) - sc_tensor_get(sf, i)));
        if (which == 0) assert_true(most < 1e-12);   // text: exactly the mean over real rows
        else assert_true(most > 0 && most < 0.5);     // ViT: the mean without the [CLS] row
        for (int64_t i = 0; i < v->numel; i++) sc_tensor_set(v, i, 3.0 * sin(0.7 + 1.9 * (double)i));
        sc_tensor *moved = explain(&e, ctx, &a);
        double diff = 0;
        for (int64_t i = 0; i < moved->numel; i++) diff += fabs(sc_tensor_get(moved, i) - sc_tensor_get(se, i));
        assert_true(diff > 1e-6);  // the rows' weights change the explanation
        sc_tensor *r = rand_tensor(ctx, SC_F64, 2, fx.st.unit_mask->shape, 7, -1, 1);
        sc_tensor *L = sc_sum_all(ctx, sc_mul(ctx, moved, r));
        sc_tensor *ins[2] = {v, e.coef};
        sc_tensor **g = sc_grad(ctx, &L, 1, ins, 2, NULL, 1);  // create_graph: differentiate again
        if (!g) fail_msg("%s", ctx->err.msg);
        const double h = 1e-6;
        for (int k = 0; k < 2; k++)
            for (int64_t i = 0; i < ins[k]->numel; i++) {
                double fd = loss_fd(&e, ctx, &fx, r, ins[k], i, h), an = sc_tensor_get(g[k], i);
                if (fabs(fd - an) > 1e-6 * (1 + fabs(fd)))
                    fail_msg("model %d, %s[%lld]: analytic %.12g, central difference %.12g", which,
                             k ? "coef" : "query", (long long)i, an, fd);
            }
        // Second order: d/dv_0 of dL/dv_0 against central differences of the first.
        sc_tensor *g0 = sc_slice(ctx, sc_reshape(ctx, g[0], 1, &v->numel), 0, 0, 1);
        sc_tensor **gg = sc_grad(ctx, &g0, 1, &v, 1, NULL, 0);
        if (!gg) fail_msg("%s", ctx->err.msg);
        const double h2 = 1e-5, x0 = sc_tensor_get(v, 0);
        double d1[2];
        for (int k = 0; k < 2; k++) {
            sc_tensor_set(v, 0, x0 + (k ? -h2 : h2));
            d1[k] = loss_fd(&e, ctx, &fx, r, v, 0, h2);
        }
        sc_tensor_set(v, 0, x0);
        double fd2 = (d1[0] - d1[1]) / (2 * h2), an2 = sc_tensor_get(gg[0], 0);
        if (fabs(fd2 - an2) > 1e-4 * (1 + fabs(fd2)))
            fail_msg("model %d, d2L/dv0^2: analytic %.10g, central difference %.10g", which, an2, fd2);
        sc_ctx_reset(ctx);
        sc_explainer_free(&f);
        release(&fx, &e, ctx);
    }
    fixture fx;
    build(&fx, ctx, 0, "f64");
    sc_explainer e;
    sc_config cfg;
    sc_err err = {{0}};
    sc_config_init(&cfg);
    assert_int_equal(sc_config_set_kv(&cfg, "aggregation=learned", &err), 0);
    assert_int_equal(sc_explainer_create(&e, "attention-uniform", &cfg, &fx.m, &err), -1);
    assert_non_null(strstr(err.msg, "learnable"));
    fx.m.info.width = 0;  // as for a model whose hidden states are not one per row (bag)
    assert_int_equal(sc_explainer_create(&e, "attention", &cfg, &fx.m, &err), -1);
    assert_non_null(strstr(err.msg, "hidden states"));
    release(&fx, NULL, ctx);
}

// Every registered explainer's declared properties are true of it (a new
// built-in is exercised here by adding its table row): the walk of
// tests/support/explainer_props.c, which tests/test_explainer_plugin.c runs on
// an explainer registered from outside the library.
static void test_registry_properties(void **state) {
    int n;
    const sc_explainer_def *const *defs = sc_explainer_list(&n);
    ep_properties(*state, defs, n);
}

// With create_graph the gradient explanation of a model is itself a function of
// the model's parameters (what a student-side explainer needs): same values as
// without, and its gradient w.r.t. weights matches central differences.
static void test_gradient_create_graph(void **state) {
    sc_ctx *ctx = *state;
    fixture fx;
    build(&fx, ctx, 0, "f64");
    sc_explainer e;
    ep_create(&e, "gradient-x-input", NULL, &fx.m);
    sc_explain_args a = {.model = &fx.m, .in = &fx.in, .st = &fx.st, .logits = fx.out, .create_graph = 1};
    sc_tensor *s = explain(&e, ctx, &a);
    assert_true(s->requires_grad);
    sc_explain_args b = a;
    b.create_graph = 0;
    sc_tensor *s0 = explain(&e, ctx, &b);
    assert_false(s0->requires_grad);
    for (int64_t i = 0; i < s->numel; i++) assert_true(fabs(sc_tensor_get(s, i) - sc_tensor_get(s0, i)) < 1e-12);
    // d(r . saliency)/d(weight), a second-order quantity, against central differences.
    sc_tensor *r = rand_tensor(ctx, SC_F64, 2, s->shape, 13, -1, 1);
    sc_tensor *L = sc_sum_all(ctx, sc_mul(ctx, s, r));
    int np = fx.m.params.n;
    sc_tensor **g = sc_grad(ctx, &L, 1, fx.m.params.t, np, NULL, 0);
    if (!g) fail_msg("%s", ctx->err.msg);
    int checked = 0;
    for (int i = 0; i < np && checked < 4; i++) {
        int64_t j = 0;
        for (int64_t k = 1; k < g[i]->numel; k++)
            if (fabs(sc_tensor_get(g[i], k)) > fabs(sc_tensor_get(g[i], j))) j = k;
        double an = sc_tensor_get(g[i], j);
        if (fabs(an) < 1e-6) continue;
        double fd = loss_fd(&e, ctx, &fx, r, fx.m.params.t[i], j, 1e-6);
        assert_true(fabs(fd - an) < 1e-5 * (1 + fabs(fd)));
        checked++;
    }
    assert_int_equal(checked, 4);
    release(&fx, &e, ctx);
}

static void test_permuted_is_derangement(void **state) {
    sc_ctx *ctx = *state;
    fixture fx;
    build(&fx, ctx, 2, "f64");  // all units real
    sc_explainer e;
    ep_create(&e, "permuted", NULL, &fx.m);
    int64_t s2[2] = {3, 6};
    sc_tensor *base = rand_tensor(ctx, SC_F64, 2, s2, 9, 0.1, 1);
    for (int64_t b = 0; b < 3; b++) {  // rows normalized
        double t = 0;
        for (int64_t u = 0; u < 6; u++) t += sc_tensor_get(base, b * 6 + u);
        for (int64_t u = 0; u < 6; u++) sc_tensor_set(base, b * 6 + u, sc_tensor_get(base, b * 6 + u) / t);
    }
    sc_explain_args a = {.model = &fx.m, .in = &fx.in, .st = &fx.st, .base = base};
    sc_tensor *s = explain(&e, ctx, &a);
    int used[3] = {0, 0, 0};
    for (int64_t b = 0; b < 3; b++) {
        int match = -1;
        for (int64_t c = 0; c < 3; c++) {
            int eq = 1;
            for (int64_t u = 0; u < 6; u++)
                eq &= fabs(sc_tensor_get(s, b * 6 + u) - sc_tensor_get(base, c * 6 + u)) < 1e-12;
            if (eq) match = (int)c;
        }
        assert_true(match >= 0 && match != b);
        used[match]++;
    }
    assert_true(used[0] == 1 && used[1] == 1 && used[2] == 1);
    sc_explain_args bad = a;
    bad.base = NULL;
    assert_null(sc_explain(&e, ctx, &bad));
    assert_non_null(strstr(ctx->err.msg, "base"));
    release(&fx, &e, ctx);
}


// Completeness: sum_u IG_u = f_y(x) - f_y(0), error shrinking with the steps
// (O(1/n^2) for both rules), on an MLP and on the text transformer (f64).
static double f_at(const sc_model *m, sc_ctx *ctx, const sc_inputs *in, int zero, int64_t b, int32_t y) {
    sc_tensor *tok = sc_params_get(&m->params, "embed.tokens");
    double keep[V * 8];
    sc_inputs z = *in;
    if (zero && tok) {
        assert_true(tok->numel <= V * 8);
        for (int64_t i = 0; i < tok->numel; i++) keep[i] = sc_tensor_get(tok, i), sc_tensor_set(tok, i, 0);
    } else if (zero) {
        z.features = sc_zeros(ctx, SC_F64, 2, in->features->shape);
    }
    sc_tensor *o = sc_model_forward(m, ctx, &z, 0, NULL);
    if (zero && tok)
        for (int64_t i = 0; i < tok->numel; i++) sc_tensor_set(tok, i, keep[i]);
    assert_non_null(o);
    return sc_tensor_get(o, b * o->shape[1] + y);
}

static void test_ig_completeness(void **state) {
    sc_ctx *ctx = *state;
    for (int which = 0; which < 3; which += 2) {
        fixture fx;
        build(&fx, ctx, which, "f64");
        sc_explain_args a = {.model = &fx.m, .in = &fx.in, .st = &fx.st};
        int64_t B = fx.out->shape[0], K = fx.out->shape[1], U = fx.st.n_units;
        for (int rule = 0; rule < 2; rule++) {
            double prev = INFINITY;
            const int steps[3] = {2, 8, 32};
            for (int k = 0; k < 3; k++) {
                sc_tensor *raw = sc_explain_ig_raw(ctx, &a, steps[k], rule);
                if (!raw) fail_msg("%s", ctx->err.msg);
                double worst = 0;
                for (int64_t b = 0; b < B; b++) {
                    int32_t y = 0;
                    for (int32_t c = 1; c < K; c++)
                        if (sc_tensor_get(fx.out, b * K + c) > sc_tensor_get(fx.out, b * K + y)) y = c;
                    double tot = 0;
                    for (int64_t u = 0; u < U; u++) tot += sc_tensor_get(raw, b * U + u);
                    double want = f_at(&fx.m, ctx, &fx.in, 0, b, y) - f_at(&fx.m, ctx, &fx.in, 1, b, y);
                    worst = fmax(worst, fabs(tot - want));
                }
                assert_true(worst <= prev);
                prev = worst;
            }
            assert_true(prev < 1e-4);
        }
        release(&fx, NULL, ctx);
    }
}

// Occlusion on a linear classifier where only feature 2 is nonzero, and LIME and
// occlusion on a linear regression model: both recover w_u x_u exactly.
static void test_occlusion_and_lime(void **state) {
    sc_ctx *ctx = *state;
    const int64_t F = 5, B = 2;
    int64_t s2[2] = {B, F};
    sc_model m;
    sc_model_shape sh = tab_shape(F);
    mu_make(&m, &lin_arch, "f64", &sh, 7);
    sc_inputs in = {.B = B, .features = sc_zeros(ctx, SC_F64, 2, s2)};
    sc_tensor_set(in.features, 2, 1.5);
    sc_tensor_set(in.features, F + 2, -2.0);
    sc_model_state st;
    sc_tensor *out = mu_forward(&m, ctx, &in, &st);
    sc_explain_args a = {.model = &m, .in = &in, .st = &st};
    sc_tensor *raw = sc_explain_occlusion_raw(ctx, &a);
    if (!raw) fail_msg("%s", ctx->err.msg);
    sc_tensor *o0 = sc_model_forward(&m, ctx, &(sc_inputs){.B = B, .features = sc_zeros(ctx, SC_F64, 2, s2)}, 0, NULL);
    for (int64_t b = 0; b < B; b++) {
        int32_t y = 0;
        for (int32_t c = 1; c < 3; c++)
            if (sc_tensor_get(out, b * 3 + c) > sc_tensor_get(out, b * 3 + y)) y = c;
        double p[2];
        for (int w = 0; w < 2; w++) {
            const sc_tensor *o = w ? o0 : out;
            double mx = -INFINITY, tot = 0;
            for (int c = 0; c < 3; c++) mx = fmax(mx, sc_tensor_get(o, b * 3 + c));
            for (int c = 0; c < 3; c++) tot += exp(sc_tensor_get(o, b * 3 + c) - mx);
            p[w] = exp(sc_tensor_get(o, b * 3 + y) - mx) / tot;
        }
        for (int64_t u = 0; u < F; u++) {
            double want = u == 2 ? p[0] - p[1] : 0.0;
            assert_true(fabs(sc_tensor_get(raw, b * F + u) - want) < 1e-12);
        }
        assert_true(fabs(p[0] - p[1]) > 1e-6);  // the unit does matter
    }
    sc_ctx_reset(ctx);  // the tape borrows the slab (core/params.h); `in` is rebuilt below
    sc_model_free(&m);

    sc_model_shape rs = tab_shape(F);
    rs.n_outputs = 1;
    rs.regression = 1;
    mu_make(&m, &lin_arch, "f64", &rs, 9);
    in.features = rand_tensor(ctx, SC_F64, 2, s2, 4, -2, 2);
    out = mu_forward(&m, ctx, &in, &st);
    sc_tensor *lime = sc_explain_lime_raw(ctx, &a, 40, 0.25, 3);
    sc_tensor *occ = sc_explain_occlusion_raw(ctx, &a);
    if (!lime || !occ) fail_msg("%s", ctx->err.msg);
    for (int64_t u = 0; u < F; u++) {
        sc_tensor *x0 = sc_empty(ctx, SC_F64, 2, s2);
        for (int64_t i = 0; i < x0->numel; i++) sc_tensor_set(x0, i, i % F == u ? 0 : sc_tensor_get(in.features, i));
        sc_tensor *ou = sc_model_forward(&m, ctx, &(sc_inputs){.B = B, .features = x0}, 0, NULL);
        for (int64_t b = 0; b < B; b++) {
            double want = sc_tensor_get(out, b) - sc_tensor_get(ou, b);
            assert_true(fabs(sc_tensor_get(lime, b * F + u) - want) < 1e-8);
            assert_true(fabs(sc_tensor_get(occ, b * F + u) - want) < 1e-12);
        }
    }
    sc_ctx_reset(ctx);
    sc_model_free(&m);
}

// Configuration errors name the key; defaults are the documented ones.
static void test_config(void **state) {
    sc_ctx *ctx = *state;
    fixture fx;
    build(&fx, ctx, 0, "f32");
    sc_explainer e;
    sc_err err = {{0}};
    const char *bad[][2] = {{"attention", "head_normalizer=maxout"},
                            {"attention-head", "layer=2"},
                            {"integrated-gradients", "steps=0"},
                            {"lime", "kernel_width=abc"}};
    const char *key[] = {"head_normalizer", "layer", "steps", "kernel_width"};
    for (int i = 0; i < 4; i++) {
        sc_config cfg;
        sc_config_init(&cfg);
        assert_int_equal(sc_config_set_kv(&cfg, bad[i][1], &err), 0);
        assert_int_equal(sc_explainer_create(&e, bad[i][0], &cfg, &fx.m, &err), -1);
        assert_non_null(strstr(err.msg, key[i]));
    }
    // The resolved configuration holds the defaults; the settings are the
    // explainer's own (sized by its definition, freed with it).
    ep_create(&e, "attention", NULL, &fx.m);
    assert_string_equal(sc_config_str(&e.cfg, "head_normalizer"), "sparsemax");
    assert_string_equal(sc_config_str(&e.cfg, "aggregation"), "mean");
    assert_non_null(e.settings);
    assert_int_equal(e.coef->numel, 4);
    for (int i = 0; i < 4; i++) assert_true(sc_tensor_get(e.coef, i) == 0.25f);
    sc_explainer_free(&e);
    assert_null(e.settings);
    sc_explainer_free(&e);  // twice: a no-op
    ep_create(&e, "gradient-x-input", NULL, &fx.m);
    assert_string_equal(sc_config_str(&e.cfg, "temperature"), "0.1");
    sc_explainer_free(&e);
    ep_create(&e, "integrated-gradients", NULL, &fx.m);
    assert_string_equal(sc_config_str(&e.cfg, "steps"), "10");
    assert_string_equal(sc_config_str(&e.cfg, "temperature"), "0.5");
    sc_explainer_free(&e);
    ep_create(&e, "attention-x-gradient", NULL, &fx.m);  // settings_size 0: none
    assert_null(e.settings);
    release(&fx, &e, ctx);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_attention_one_hot_head),  cmocka_unit_test(test_gradient_x_input_linear),
        cmocka_unit_test(test_every_explainer_distribution), cmocka_unit_test(test_attention_gradients),
        cmocka_unit_test(test_gradient_create_graph),   cmocka_unit_test(test_permuted_is_derangement),
        cmocka_unit_test(test_ig_completeness),         cmocka_unit_test(test_occlusion_and_lime),
        cmocka_unit_test(test_config),                 cmocka_unit_test(test_registry_properties),
        cmocka_unit_test(test_attention_learned_temperature), cmocka_unit_test(test_attention_learned_query),
    };
    return cmocka_run_group_tests(tests, sc_test_ctx_setup, sc_test_ctx_teardown);
}
