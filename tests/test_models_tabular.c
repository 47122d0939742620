// Tabular models: the MLP teacher and student. Output and state shapes for
// several batch sizes (units = features: embeddings (B, NF, 1) holding the
// features, unit_mask all ones, no attention); gradients with respect to the
// embeddings (also as a leaf on a detached model, and through features that
// carry a graph); seeding; config errors; finite differences of d(logit)/d(params);
// overfitting tiny classification and regression tasks with sc_optim.
#include "sc_test.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "models/model.h"
#include "ops/ops.h"
#include "optim/optim.h"

#define NF 5

typedef struct arch {
    const char *role, *name;
    const char *kv[5];
} arch;

static const arch archs[] = {
    {"teacher", "mlp", {"layers=2", "width=12", "dropout=0", NULL}},
    {"student", "mlp", {"width=8", "activation=relu", "dropout=0", NULL}},
    {"student", "mlp", {"layers=0", NULL}},  // a linear model
};
#define N_ARCHS ((int)(sizeof archs / sizeof archs[0]))

static sc_model_shape tab_shape(int64_t n_out, int regression) {
    sc_model_shape s = {.modality = SC_TABULAR, .n_outputs = n_out, .regression = regression, .F = NF};
    return s;
}

static void make(sc_model *m, const arch *a, const char *dtype, const sc_model_shape *shape, uint64_t seed) {
    sc_config cfg;
    sc_err err = {{0}};
    sc_config_init(&cfg);
    for (int i = 0; a->kv[i]; i++) assert_int_equal(sc_config_set_kv(&cfg, a->kv[i], &err), 0);
    char kv[32];
    snprintf(kv, sizeof kv, "dtype=%s", dtype);
    assert_int_equal(sc_config_set_kv(&cfg, kv, &err), 0);
    const sc_model_def *def = sc_model_find(a->role, a->name);
    assert_non_null(def);
    if (sc_model_create(m, def, shape, &cfg, seed, &err)) fail_msg("%s", err.msg);
}

static void features(sc_ctx *ctx, sc_inputs *in, int64_t B, sc_dtype dt, uint64_t seed) {
    sc_rng r;
    sc_rng_seed(&r, seed);
    memset(in, 0, sizeof *in);
    in->B = B;
    in->features = sc_empty(ctx, dt, 2, (int64_t[]){B, NF});
    assert_non_null(in->features);
    for (int64_t i = 0; i < B * NF; i++) sc_tensor_set(in->features, i, sc_rng_normal(&r));
}

static void expect_shape(const sc_tensor *t, int nd, const int64_t *shape) {
    assert_non_null(t);
    assert_int_equal(t->ndim, nd);
    for (int i = 0; i < nd; i++) assert_int_equal(t->shape[i], shape[i]);
}

static void test_shapes_and_state(void **state) {
    sc_ctx *ctx = *state;
    for (int k = 0; k < N_ARCHS; k++) {
        sc_model m;
        sc_model_shape shape = tab_shape(3, 0);
        make(&m, &archs[k], "f32", &shape, 1);
        const int64_t bs[3] = {1, 4, 7};
        for (int ib = 0; ib < 3; ib++) {
            const int64_t B = bs[ib];
            sc_ctx_reset(ctx);
            sc_inputs in;
            features(ctx, &in, B, SC_F32, 3);
            sc_model_state st;
            sc_tensor *out = sc_model_forward(&m, ctx, &in, 0, &st);
            if (!out) fail_msg("%s", ctx->err.msg);
            expect_shape(out, 2, (int64_t[]){B, 3});
            assert_int_equal(st.n_units, NF);
            assert_int_equal(st.n_layers, 0);
            assert_int_equal(st.n_heads, 0);
            assert_null(st.attn_logits[0]);
            assert_null(st.cam);
            expect_shape(st.unit_mask, 2, (int64_t[]){B, NF});
            expect_shape(st.embeddings, 3, (int64_t[]){B, NF, 1});
            assert_true(st.embeddings->requires_grad);
            for (int64_t i = 0; i < B * NF; i++) {
                assert_true(sc_tensor_get(st.unit_mask, i) == 1.0);
                assert_true(sc_tensor_get(st.embeddings, i) == sc_tensor_get(in.features, i));
            }
            const long layers = sc_config_str(&m.cfg, "layers")[0] - '0';
            const int64_t width = layers ? sc_params_get(&m.params, "mlp.0.w")->shape[1] : NF;
            expect_shape(st.pooled, 2, (int64_t[]){B, width});
        }
        sc_model_free(&m);
    }
}

static void set_requires_grad(sc_model *m, int on) {
    for (int i = 0; i < m->params.n; i++) m->params.t[i]->requires_grad = on;
}

// For the linear model d(logit_c)/d(x) is exactly column c of head.w; the
// nonlinear ones are compared with central differences over the features.
static void test_embeddings_gradient(void **state) {
    sc_ctx *ctx = *state;
    for (int k = 0; k < N_ARCHS; k++) {
        sc_model m;
        sc_model_shape shape = tab_shape(2, 0);
        make(&m, &archs[k], "f64", &shape, 2);
        for (int mode = 0; mode < 3; mode++) {  // plain, leaf on a detached model, features with a graph
            sc_ctx_reset(ctx);
            sc_inputs in;
            features(ctx, &in, 3, SC_F64, 4);
            sc_tensor *feat = in.features;
            if (mode == 1) set_requires_grad(&m, 0);
            if (mode == 2) {  // x = 2 * f with f a leaf: the embeddings keep that history
                feat->requires_grad = 1;
                in.features = sc_mul_scalar(ctx, feat, 2.0);
            }
            sc_model_state st;
            sc_tensor *out = sc_model_forward(&m, ctx, &in, mode == 1 ? SC_FWD_EMBED_LEAF : 0, &st);
            assert_non_null(out);
            sc_tensor *y = sc_sum_all(ctx, sc_slice(ctx, sc_slice(ctx, out, 0, 1, 2), 1, 1, 2));  // logit[1, 1]
            sc_tensor *wrt = mode == 2 ? feat : st.embeddings;
            sc_tensor **g = sc_grad(ctx, &y, 1, &wrt, 1, NULL, 0);
            if (!g) fail_msg("%s", ctx->err.msg);
            for (int64_t i = 0; i < 3 * NF; i++) {
                const double v = sc_tensor_get(g[0], i);
                if (i / NF != 1) {
                    assert_true(v == 0.0);  // other examples
                    continue;
                }
                // central difference in the embedding (x) coordinate
                sc_tensor *x = sc_empty(ctx, SC_F64, 2, (int64_t[]){3, NF});
                double f2[2];
                for (int s = 0; s < 2; s++) {
                    for (int64_t j = 0; j < 3 * NF; j++) sc_tensor_set(x, j, sc_tensor_get(in.features, j));
                    sc_tensor_set(x, i, sc_tensor_get(x, i) + (s ? -1e-5 : 1e-5));
                    sc_inputs in2 = {.B = 3, .features = x};
                    sc_no_grad_begin(ctx);
                    sc_tensor *o = sc_model_forward(&m, ctx, &in2, 0, NULL);
                    sc_no_grad_end(ctx);
                    assert_non_null(o);
                    f2[s] = sc_tensor_get(o, 3);
                }
                const double fd = (f2[0] - f2[1]) / 2e-5 * (mode == 2 ? 2.0 : 1.0);
                if (fabs(fd - v) > 1e-7 * fmax(1.0, fabs(fd))) fail_msg("feature %lld: %g vs %g", (long long)i, v, fd);
                if (k == 2 && mode != 2)
                    assert_true(fabs(v - sc_tensor_get(sc_params_get(&m.params, "head.w"), (i % NF) * 2 + 1)) < 1e-15);
            }
            if (mode == 1) set_requires_grad(&m, 1);
        }
        sc_model_free(&m);
    }
}

static int params_equal(const sc_model *a, const sc_model *b) {
    if (a->params.n != b->params.n) return 0;
    for (int i = 0; i < a->params.n; i++) {
        const sc_tensor *x = a->params.t[i], *y = b->params.t[i];
        if (strcmp(a->params.names[i], b->params.names[i]) || x->numel != y->numel ||
            memcmp(x->data, y->data, sc_dtype_size(x->dtype) * (size_t)x->numel))
            return 0;
    }
    return 1;
}

static void test_seed_determinism(void **state) {
    (void)state;
    for (int k = 0; k < N_ARCHS; k++) {
        sc_model a, b, c;
        sc_model_shape shape = tab_shape(2, 0);
        make(&a, &archs[k], "f32", &shape, 42);
        make(&b, &archs[k], "f32", &shape, 42);
        make(&c, &archs[k], "f32", &shape, 43);
        assert_true(params_equal(&a, &b));
        assert_false(params_equal(&a, &c));
        sc_model_free(&a);
        sc_model_free(&b);
        sc_model_free(&c);
    }
}

static void test_config_errors(void **state) {
    sc_ctx *ctx = *state;
    const char *const bad[][2] = {
        {"hidden_layers=2", "hidden_layers"}, {"activation=swish", "swish"}, {"layers=9", "layers"},
        {"dropout=1.5", "dropout"},           {"width=0", "width"},
    };
    for (int i = 0; i < 5; i++) {
        sc_config cfg;
        sc_err err = {{0}};
        sc_config_init(&cfg);
        assert_int_equal(sc_config_set_kv(&cfg, bad[i][0], &err), 0);
        sc_model m;
        sc_model_shape shape = tab_shape(2, 0);
        assert_int_equal(sc_model_create(&m, sc_model_find("teacher", "mlp"), &shape, &cfg, 1, &err), -1);
        if (!strstr(err.msg, bad[i][1])) fail_msg("'%s' not in: %s", bad[i][1], err.msg);
    }
    // inputs of the wrong width
    sc_model m;
    sc_model_shape shape = tab_shape(2, 0);
    make(&m, &archs[0], "f32", &shape, 1);
    sc_ctx_reset(ctx);
    sc_inputs in = {.B = 2, .features = sc_zeros(ctx, SC_F32, 2, (int64_t[]){2, NF + 1})};
    assert_null(sc_model_forward(&m, ctx, &in, 0, NULL));
    assert_non_null(strstr(ctx->err.msg, "(2, 6)"));
    sc_ctx_reset(ctx);
    sc_model_free(&m);
}

static void test_param_gradients_fd(void **state) {
    sc_ctx *ctx = *state;
    for (int k = 0; k < N_ARCHS; k++) {
        sc_model m;
        sc_model_shape shape = tab_shape(3, 0);
        make(&m, &archs[k], "f64", &shape, 6);
        sc_ctx_reset(ctx);
        sc_inputs in;
        features(ctx, &in, 4, SC_F64, 8);
        sc_tensor *out = sc_model_forward(&m, ctx, &in, 0, NULL);
        sc_tensor *y = sc_sum_all(ctx, sc_slice(ctx, sc_slice(ctx, out, 0, 2, 3), 1, 1, 2));  // logit[2, 1]
        sc_tensor **g = sc_grad(ctx, &y, 1, m.params.t, m.params.n, NULL, 0);
        if (!g) fail_msg("%s", ctx->err.msg);
        for (int p = 0; p < m.params.n; p++) {
            sc_tensor *t = m.params.t[p];
            for (int c = 0; c < 4; c++) {
                const int64_t i = (t->numel * c / 4 + c) % t->numel;
                const double x0 = sc_tensor_get(t, i), h = 1e-5;
                double f[2];
                for (int s = 0; s < 2; s++) {
                    sc_tensor_set(t, i, x0 + (s ? -h : h));
                    sc_no_grad_begin(ctx);
                    sc_tensor *o = sc_model_forward(&m, ctx, &in, 0, NULL);
                    sc_no_grad_end(ctx);
                    assert_non_null(o);
                    f[s] = sc_tensor_get(o, 7);
                }
                sc_tensor_set(t, i, x0);
                const double fd = (f[0] - f[1]) / (2 * h), an = sc_tensor_get(g[p], i);
                // ReLU kinks are measure-zero for random inputs; 1e-5 steps stay on one side
                if (fabs(fd - an) > 1e-6 * fmax(1.0, fabs(fd)))
                    fail_msg("%s[%lld]: analytic %.10g vs finite difference %.10g", m.params.names[p], (long long)i,
                             an, fd);
            }
        }
        sc_model_free(&m);
    }
}

// Tiny tasks: 24 points, a nonlinear class rule and a regression target.
static void test_overfit(void **state) {
    sc_ctx *ctx = *state;
    const int steps = sc_test_quick() ? 80 : 300;
    for (int k = 0; k < 2; k++) {  // the nonlinear models
        for (int regression = 0; regression < 2; regression++) {
            sc_model m;
            sc_model_shape shape = tab_shape(regression ? 1 : 2, regression);
            make(&m, &archs[k], "f32", &shape, 3);
            sc_optim o;
            sc_err err = {{0}};
            sc_optim_cfg oc = sc_optim_adam_cfg(0, 0.0, 0.0);
            assert_int_equal(sc_optim_init_params(&o, &oc, &m.params, &err), 0);
            const int64_t B = 24;
            double first = 0, last = 0;
            for (int s = 0; s < steps; s++) {
                sc_ctx_reset(ctx);
                sc_inputs in;
                features(ctx, &in, B, SC_F32, 5);
                sc_tensor *loss;
                if (regression) {
                    sc_tensor *y = sc_empty(ctx, SC_F32, 2, (int64_t[]){B, 1});
                    for (int64_t b = 0; b < B; b++) {
                        const double x0 = sc_tensor_get(in.features, b * NF);
                        sc_tensor_set(y, b, x0 * sc_tensor_get(in.features, b * NF + 1) + 0.5 * x0);
                    }
                    loss = sc_mse(ctx, sc_model_forward(&m, ctx, &in, SC_FWD_TRAINING, NULL), y);
                } else {
                    sc_tensor *y = sc_empty(ctx, SC_I32, 1, (int64_t[]){B});
                    for (int64_t b = 0; b < B; b++)  // XOR-like: the signs of features 0 and 2 agree
                        ((int32_t *)y->data)[b] =
                            sc_tensor_get(in.features, b * NF) * sc_tensor_get(in.features, b * NF + 2) > 0;
                    loss = sc_cross_entropy(ctx, sc_model_forward(&m, ctx, &in, SC_FWD_TRAINING, NULL), y);
                }
                sc_tensor **g = sc_grad(ctx, &loss, 1, o.p, o.n, NULL, 0);
                if (!g) fail_msg("%s", ctx->err.msg);
                last = sc_tensor_get(loss, 0);
                if (s == 0) first = last;
                assert_int_equal(sc_optim_step(&o, ctx, g, 1e-2), 0);
            }
            const double target = sc_test_quick() ? 0.5 * first : 0.05 * first;
            if (!(last < target))
                fail_msg("%s %s (%s): loss %.4f -> %.4f after %d steps", archs[k].role, archs[k].name,
                         regression ? "regression" : "classification", first, last, steps);
            sc_optim_free(&o);
            sc_model_free(&m);
        }
    }
}

static void test_default_configs(void **state) {
    sc_ctx *ctx = *state;
    const char *const roles[2] = {"teacher", "student"};
    for (int k = 0; k < 2; k++) {
        sc_model m;
        sc_err err = {{0}};
        sc_model_shape shape = tab_shape(1, 1);
        if (sc_model_create(&m, sc_model_find(roles[k], "mlp"), &shape, NULL, 1, &err)) fail_msg("%s", err.msg);
        assert_true(sc_params_numel(&m.params) < 50000);
        sc_ctx_reset(ctx);
        sc_inputs in;
        features(ctx, &in, 6, SC_F32, 1);
        sc_tensor *out = sc_model_forward(&m, ctx, &in, SC_FWD_TRAINING, NULL);
        expect_shape(out, 2, (int64_t[]){6, 1});
        sc_model_free(&m);
    }
}


int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shapes_and_state),   cmocka_unit_test(test_embeddings_gradient),
        cmocka_unit_test(test_seed_determinism),   cmocka_unit_test(test_config_errors),
        cmocka_unit_test(test_param_gradients_fd), cmocka_unit_test(test_overfit),
        cmocka_unit_test(test_default_configs),
    };
    return cmocka_run_group_tests_name("models_tabular", tests, sc_test_ctx_setup, sc_test_ctx_teardown);
}
