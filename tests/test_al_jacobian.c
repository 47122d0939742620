// DAMI's representation (active/repr.c, sc_al_jacobians) is the local linear
// map: for a ReLU MLP on breast-cancer (f64, no dropout), J = d f_yhat / d x
// taken by the engine satisfies f_yhat(x') = J x' + (f_yhat(x) - J x) at
// points x' near x (the same activation pattern) to rounding, for several
// examples and directions; far away (another pattern) and for GELU it is only
// a linearisation, and the test sees the difference. Text: the representation
// has dami_tokens x width values per example.
#include "sc_test.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "active/repr.h"
#include "core/rng.h"

typedef struct fixture {
    sc_pipeline pipe;
    sc_model model;
    sc_ctx ctx;
    sc_al_options opt;
    sc_al_env env;
} fixture;

static fixture *open_fixture(const char *task, const char *act, int f64) {
    fixture *f = calloc(1, sizeof *f);
    sc_err err;
    if (sc_pipeline_open(&f->pipe, task, NULL, &err)) fail_msg("%s", err.msg);
    sc_config cfg;
    sc_config_init(&cfg);
    if (act) {
        assert_int_equal(sc_config_set(&cfg, "activation", act, "test", &err), 0);
        assert_int_equal(sc_config_set(&cfg, "layers", "2", "test", &err), 0);
        assert_int_equal(sc_config_set(&cfg, "width", "16", "test", &err), 0);
        assert_int_equal(sc_config_set(&cfg, "dropout", "0", "test", &err), 0);
    }
    if (f64) assert_int_equal(sc_config_set(&cfg, "dtype", "f64", "test", &err), 0);
    const sc_model_def *def = sc_model_find("student", act ? "mlp" : "transformer");
    if (sc_model_create(&f->model, def, &f->pipe.shape, &cfg, 3, &err)) fail_msg("%s", err.msg);
    assert_int_equal(sc_ctx_init(&f->ctx, 64u << 20, 1, &err), 0);
    f->opt.dami_tokens = 5;
    f->env = (sc_al_env){.pipe = &f->pipe, .model = &f->model, .ctx = &f->ctx, .eval_batch = 3, .opt = &f->opt};
    return f;
}

static void close_fixture(fixture *f) {
    sc_ctx_free(&f->ctx);
    sc_model_free(&f->model);
    sc_pipeline_close(&f->pipe);
    free(f);
}

// f(x) for one feature vector: (K) logits into out.
static void logits_at(fixture *f, const double *x, int64_t F, double *out) {
    sc_ctx_mark m = sc_ctx_get_mark(&f->ctx);
    sc_inputs in = {.B = 1, .features = sc_from_f64(&f->ctx, SC_F64, 2, (int64_t[]){1, F}, x)};
    sc_no_grad_begin(&f->ctx);
    sc_tensor *y = sc_model_forward(&f->model, &f->ctx, &in, 0, NULL);
    sc_no_grad_end(&f->ctx);
    assert_non_null(y);
    for (int64_t k = 0; k < y->numel; k++) out[k] = sc_tensor_get(y, k);
    sc_ctx_rewind(&f->ctx, m);
}

// The largest |f_yhat(x + eps d) - (J (x + eps d) + bias)| over examples and
// directions, relative to |f_yhat(x + eps d) - f_yhat(x)| (what the map must explain).
static double linear_map_error(fixture *f, double eps) {
    const sc_dataset *d = &f->pipe.data;
    int64_t F = (int64_t)d->F, K = f->model.shape.n_outputs;
    size_t n;
    uint32_t *pool = sc_pipeline_split(&f->pipe, SC_SPLIT_STUDENT_POOL, &n);
    n = 6;
    float *J;
    int64_t dim;
    sc_err err;
    if (sc_al_jacobians(&f->env, pool, n, &J, &dim, &err)) fail_msg("%s", err.msg);
    assert_int_equal(dim, F);
    sc_batch b;
    assert_int_equal(sc_batch_alloc(&b, d, NULL, n, &err), 0);
    assert_int_equal(sc_batch_fill(&b, d, NULL, pool, n, &err), 0);
    double *x = malloc(sizeof(double) * (size_t)F), *x2 = malloc(sizeof(double) * (size_t)F), y[16], y2[16], worst = 0;
    sc_rng r;
    sc_rng_seed(&r, 11);
    for (size_t i = 0; i < n; i++) {
        for (int64_t k = 0; k < F; k++) x[k] = b.features[i * (size_t)F + (size_t)k];
        logits_at(f, x, F, y);
        int64_t yh = 0;
        for (int64_t k = 1; k < K; k++)
            if (y[k] > y[yh]) yh = k;
        double jx = 0;
        for (int64_t k = 0; k < F; k++) jx += (double)J[i * (size_t)F + (size_t)k] * x[k];
        double bias = y[yh] - jx;
        for (int dir = 0; dir < 4; dir++) {
            double jx2 = 0;
            for (int64_t k = 0; k < F; k++) {
                x2[k] = x[k] + eps * ((double)sc_rng_below(&r, 2001) / 1000.0 - 1.0);
                jx2 += (double)J[i * (size_t)F + (size_t)k] * x2[k];
            }
            logits_at(f, x2, F, y2);
            double e = fabs(y2[yh] - (jx2 + bias)) / fmax(fabs(y2[yh] - y[yh]), 1e-300);
            if (e > worst) worst = e;
        }
    }
    sc_batch_free(&b);
    free(J), free(pool), free(x), free(x2);
    return worst;
}

static void test_relu_local_linear_map(void **state) {
    (void)state;
    sc_test_need_task("breast-cancer");
    fixture *f = open_fixture("breast-cancer", "relu", 1);
    // J is stored as float (what K-center reads): relative error ~1e-7 of the
    // step, far below any curvature. Near x the map is the model exactly.
    double near = linear_map_error(f, 1e-4);
    if (!(near < 1e-5)) fail_msg("ReLU, eps 1e-4: relative error %g, want < 1e-5", near);
    // Far from x the pattern changes and the map no longer is the model.
    double far = linear_map_error(f, 30);
    print_message("ReLU: relative error %.3g at eps 1e-4, %.3g at eps 30\n", near, far);
    if (!(far > 1e-3)) fail_msg("ReLU, eps 30: relative error %g, expected the pattern to change", far);
    close_fixture(f);
}

static void test_gelu_is_a_linearisation(void **state) {
    (void)state;
    sc_test_need_task("breast-cancer");
    fixture *f = open_fixture("breast-cancer", "gelu", 1);
    // First order: the error shrinks like eps (relative to a step of size eps).
    double a = linear_map_error(f, 1e-1), b = linear_map_error(f, 1e-3);
    print_message("GELU: relative error %.3g at eps 0.1, %.3g at eps 1e-3\n", a, b);
    if (!(b < a && b < 1e-2 && a > 1e-6)) fail_msg("GELU: relative errors %g (eps 0.1) and %g (eps 1e-3)", a, b);
    close_fixture(f);
}

static void test_text_dimension(void **state) {
    (void)state;
    sc_test_need_task("synth-text");
    fixture *f = open_fixture("synth-text", NULL, 0);
    size_t n;
    uint32_t *pool = sc_pipeline_split(&f->pipe, SC_SPLIT_STUDENT_POOL, &n);
    float *J;
    int64_t dim;
    sc_err err;
    if (sc_al_jacobians(&f->env, pool, 7, &J, &dim, &err)) fail_msg("%s", err.msg);
    const sc_config_entry *w = sc_config_find(&f->model.cfg, "width");
    assert_non_null(w);
    assert_int_equal(dim, 5 * atol(w->value));
    double s = 0;
    for (int64_t i = 0; i < 7 * dim; i++) s += fabs(J[i]);
    assert_true(s > 0);
    free(J), free(pool);
    close_fixture(f);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_relu_local_linear_map),
        cmocka_unit_test(test_gelu_is_a_linearisation),
        cmocka_unit_test(test_text_dimension),
    };
    return cmocka_run_group_tests_name("al_jacobian", tests, NULL, sc_test_teardown);
}
