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
#include "models_util.h"

#define NF 5

static const mu_arch archs[] = {
    {"teacher", "mlp", {"layers=2", "width=12", "dropout=0", NULL}},
    {"student", "mlp", {"width=8", "activation=relu", "dropout=0", NULL}},
    {"student", "mlp", {"layers=0", NULL}},  // a linear model
};
#define N_ARCHS ((int)(sizeof archs / sizeof archs[0]))

static sc_model_shape tab_shape(int64_t n_out, int regression) {
    sc_model_shape s = {.modality = SC_TABULAR, .n_outputs = n_out, .regression = regression, .F = NF};
    return s;
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

static void test_shapes_and_state(void **state) {
    sc_ctx *ctx = *state;
    for (int k = 0; k < N_ARCHS; k++) {
        sc_model m;
        sc_model_shape shape = tab_shape(3, 0);
        mu_make(&m, &archs[k], "f32", &shape, 1);
        const int64_t bs[3] = {1, 4, 7};
        for (int ib = 0; ib < 3; ib++) {
            const int64_t B = bs[ib];
            sc_ctx_reset(ctx);
            sc_inputs in;
            features(ctx, &in, B, SC_F32, 3);
            sc_model_state st;
            sc_tensor *out = sc_model_forward(&m, ctx, &in, 0, &st);
            if (!out) fail_msg("%s", ctx->err.msg);
            mu_expect_shape(out, 2, (int64_t[]){B, 3});
            assert_int_equal(st.n_units, NF);
            assert_int_equal(st.n_layers, 0);
            assert_int_equal(st.n_heads, 0);
            assert_null(st.attn_logits[0]);
            assert_null(st.cam);
            mu_expect_shape(st.unit_mask, 2, (int64_t[]){B, NF});
            mu_expect_shape(st.embeddings, 3, (int64_t[]){B, NF, 1});
            assert_true(st.embeddings->requires_grad);
            for (int64_t i = 0; i < B * NF; i++) {
                assert_true(sc_tensor_get(st.unit_mask, i) == 1.0);
                assert_true(sc_tensor_get(st.embeddings, i) == sc_tensor_get(in.features, i));
            }
            const long layers = sc_config_str(&m.cfg, "layers")[0] - '0';
            const int64_t width = layers ? sc_params_get(&m.params, "mlp.0.w")->shape[1] : NF;
            mu_expect_shape(st.pooled, 2, (int64_t[]){B, width});
        }
        sc_ctx_reset(ctx);  // the tape borrows the slab (core/params.h)
        sc_model_free(&m);
    }
}

// For the linear model d(logit_c)/d(x) is exactly column c of head.w; the
// nonlinear ones are compared with central differences over the features.
static void test_embeddings_gradient(void **state) {
    sc_ctx *ctx = *state;
    for (int k = 0; k < N_ARCHS; k++) {
        sc_model m;
        sc_model_shape shape = tab_shape(2, 0);
        mu_make(&m, &archs[k], "f64", &shape, 2);
        for (int mode = 0; mode < 3; mode++) {  // plain, leaf on a detached model, features with a graph
            sc_ctx_reset(ctx);
            sc_inputs in;
            features(ctx, &in, 3, SC_F64, 4);
            sc_tensor *feat = in.features;
            if (mode == 1) mu_set_requires_grad(&m, 0);
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
            if (mode == 1) mu_set_requires_grad(&m, 1);
        }
        sc_ctx_reset(ctx);  // the tape borrows the slab (core/params.h)
        sc_model_free(&m);
    }
}

static void test_seed_determinism(void **state) {
    (void)state;
    for (int k = 0; k < N_ARCHS; k++) {
        sc_model a, b;
        sc_model_shape shape = tab_shape(2, 0);
        mu_expect_seeding(&a, &b, &archs[k], &shape);
        sc_model_free(&a);
        sc_model_free(&b);
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
    mu_make(&m, &archs[0], "f32", &shape, 1);
    sc_ctx_reset(ctx);
    sc_inputs in = {.B = 2, .features = sc_zeros(ctx, SC_F32, 2, (int64_t[]){2, NF + 1})};
    assert_null(sc_model_forward(&m, ctx, &in, 0, NULL));
    assert_non_null(strstr(ctx->err.msg, "(2, 6)"));
    sc_ctx_reset(ctx);
    sc_model_free(&m);
}

// Probe c of parameter p: (numel c / 4 + c) mod numel.
static int64_t quarter_coord(const sc_model *m, int p, int c, const void *arg) {
    (void)arg;
    const int64_t n = m->params.t[p]->numel;
    return (n * c / 4 + c) % n;
}

static void test_param_gradients_fd(void **state) {
    sc_ctx *ctx = *state;
    for (int k = 0; k < N_ARCHS; k++) {
        sc_model m;
        sc_model_shape shape = tab_shape(3, 0);
        mu_make(&m, &archs[k], "f64", &shape, 6);
        sc_ctx_reset(ctx);
        sc_inputs in;
        features(ctx, &in, 4, SC_F64, 8);
        // logit[2, 1]; ReLU kinks are measure-zero for random inputs; 1e-5 steps stay on one side
        mu_check_logit_grads(ctx, &m, &in, 2, 1,
                             &(mu_fd){.coord = quarter_coord, .n_coords = 4, .tol = 1e-6, .what = archs[k].name});
        sc_ctx_reset(ctx);  // the tape borrows the slab (core/params.h)
        sc_model_free(&m);
    }
}

// Tiny tasks: 24 points, a nonlinear class rule and a regression target.
static sc_tensor *tiny_task_loss(sc_ctx *ctx, sc_model *m, void *arg) {
    const int regression = *(const int *)arg;
    const int64_t B = 24;
    sc_inputs in;
    features(ctx, &in, B, SC_F32, 5);
    sc_tensor *out = sc_model_forward(m, ctx, &in, SC_FWD_TRAINING, NULL);
    if (regression) {
        sc_tensor *y = sc_empty(ctx, SC_F32, 2, (int64_t[]){B, 1});
        for (int64_t b = 0; b < B; b++) {
            const double x0 = sc_tensor_get(in.features, b * NF);
            sc_tensor_set(y, b, x0 * sc_tensor_get(in.features, b * NF + 1) + 0.5 * x0);
        }
        return sc_mse(ctx, out, y);
    }
    sc_tensor *y = sc_empty(ctx, SC_I32, 1, (int64_t[]){B});
    for (int64_t b = 0; b < B; b++)  // XOR-like: the signs of features 0 and 2 agree
        ((int32_t *)y->data)[b] = sc_tensor_get(in.features, b * NF) * sc_tensor_get(in.features, b * NF + 2) > 0;
    return sc_cross_entropy(ctx, out, y);
}

static void test_overfit(void **state) {
    sc_ctx *ctx = *state;
    for (int k = 0; k < 2; k++) {  // the nonlinear models
        for (int regression = 0; regression < 2; regression++) {
            sc_model m;
            sc_model_shape shape = tab_shape(regression ? 1 : 2, regression);
            mu_make(&m, &archs[k], "f32", &shape, 3);
            char what[96];
            snprintf(what, sizeof what, "%s %s (%s)", archs[k].role, archs[k].name,
                     regression ? "regression" : "classification");
            mu_expect_fit(ctx, &m, &(mu_fit){.loss = tiny_task_loss, .arg = &regression,
                                             .steps = sc_test_quick() ? 80 : 300, .lr = 1e-2,
                                             .target = sc_test_quick() ? 0.5 : 0.05, .relative = 1, .what = what});
            sc_ctx_reset(ctx);  // the tape borrows the slab (core/params.h)
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
        mu_expect_shape(out, 2, (int64_t[]){6, 1});
        sc_ctx_reset(ctx);  // the tape borrows the slab (core/params.h)
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
