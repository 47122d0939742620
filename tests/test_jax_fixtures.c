// scaffold against JAX: the same composites evaluated by JAX in float64
// (tests/fixtures/gen_jax.py) — outputs, first-order gradients and Hessian-vector
// products (second order), plus one SGD-unrolled meta-gradient through global-norm
// clipping and weight decay. Tolerances are f64 round-off scaled to the sizes.
#include "sc_test.h"

#include <math.h>
#include <string.h>

#include "fixture.h"
#include "ops/ops.h"

#define TOL 1e-9
#define SHAPE(...) ((const int64_t[]){__VA_ARGS__})

static sc_ctx ctx;

static int setup(void **state) {
    (void)state;
    sc_err err;
    return sc_ctx_init(&ctx, 256u << 20, 1, &err);
}
static int teardown(void **state) {
    sc_ctx_free(&ctx);
    return sc_test_teardown(state);
}

static void expect_close(const char *what, const sc_tensor *got, const sc_tensor *want, double tol) {
    if (!got) fail_msg("%s: %s", what, ctx.err.msg);
    double d = sc_max_abs_diff(got, want);
    if (!(d <= tol)) fail_msg("%s: max |scaffold - jax| = %.3e > %.1e", what, d, tol);
}

// Checks L's gradients and HVPs against the fixture for the named parameters.
static void check_grads(sc_fixture *f, sc_tensor *L, sc_tensor **p, const char **names, int n) {
    sc_tensor **g = sc_grad(&ctx, &L, 1, p, n, NULL, 1);
    assert_non_null(g);
    sc_tensor *S = NULL;
    char key[64];
    for (int i = 0; i < n; i++) {
        snprintf(key, sizeof key, "grad_%s", names[i]);
        expect_close(key, g[i], sc_fixture_get(f, &ctx, key, SC_F64), TOL);
        snprintf(key, sizeof key, "u_%s", names[i]);
        sc_tensor *t = sc_sum_all(&ctx, sc_mul(&ctx, sc_fixture_get(f, &ctx, key, SC_F64), g[i]));
        S = S ? sc_add(&ctx, S, t) : t;
    }
    sc_tensor **h = sc_grad(&ctx, &S, 1, p, n, NULL, 0);
    assert_non_null(h);
    for (int i = 0; i < n; i++) {
        snprintf(key, sizeof key, "hvp_%s", names[i]);
        expect_close(key, h[i], sc_fixture_get(f, &ctx, key, SC_F64), TOL);
    }
}

static sc_tensor *param(sc_fixture *f, const char *key) {
    sc_tensor *t = sc_fixture_get(f, &ctx, key, SC_F64);
    t->requires_grad = 1;
    return t;
}

static void test_attention(void **state) {
    (void)state;
    sc_ctx_reset(&ctx);
    sc_fixture f;
    sc_fixture_open(&f, "attention");
    const char *names[4] = {"x", "wq", "wk", "wv"};
    sc_tensor *p[4];
    for (int i = 0; i < 4; i++) p[i] = param(&f, names[i]);
    sc_tensor *mask = sc_fixture_get(&f, &ctx, "mask", SC_F64);  // (B, T), 1 = real token
    const int64_t B = p[0]->shape[0], T = p[0]->shape[1], C = p[0]->shape[2], H = 2, D = C / H;
    int perm[4] = {0, 2, 1, 3};
    sc_tensor *hd[3];
    for (int i = 0; i < 3; i++)  // (B, H, T, D)
        hd[i] = sc_permute(&ctx, sc_reshape(&ctx, sc_matmul(&ctx, p[0], p[i + 1]), 4, SHAPE(B, T, H, D)), perm);
    sc_tensor *pad = sc_reshape(&ctx, sc_rsub_scalar(&ctx, mask, 1.0), 4, SHAPE(B, 1, 1, T));
    sc_tensor *logits = sc_mul_scalar(&ctx, sc_matmul(&ctx, hd[0], sc_transpose(&ctx, hd[1], -1, -2)), 1 / sqrt((double)D));
    sc_tensor *probs = sc_softmax(&ctx, sc_masked_fill(&ctx, logits, pad, -1e9), -1);  // (B, H, T, T)
    sc_tensor *out = sc_reshape(&ctx, sc_permute(&ctx, sc_matmul(&ctx, probs, hd[2]), perm), 3, SHAPE(B, T, C));
    expect_close("attention out", out, sc_fixture_get(&f, &ctx, "out", SC_F64), TOL);
    sc_tensor *L = sc_sum_all(&ctx, sc_mul(&ctx, out, sc_fixture_get(&f, &ctx, "r", SC_F64)));
    check_grads(&f, L, p, names, 4);
    sc_fixture_close(&f);
}

static void test_layernorm_mlp(void **state) {
    (void)state;
    sc_ctx_reset(&ctx);
    sc_fixture f;
    sc_fixture_open(&f, "layernorm_mlp");
    const char *names[7] = {"x", "g", "b", "w1", "b1", "w2", "b2"};
    sc_tensor *p[7];
    for (int i = 0; i < 7; i++) p[i] = param(&f, names[i]);
    sc_tensor *h = sc_gelu(&ctx, sc_linear(&ctx, sc_layernorm(&ctx, p[0], p[1], p[2], 1e-5), p[3], p[4]));
    sc_tensor *out = sc_linear(&ctx, h, p[5], p[6]);
    expect_close("mlp out", out, sc_fixture_get(&f, &ctx, "out", SC_F64), TOL);
    sc_tensor *L = sc_sum_all(&ctx, sc_mul(&ctx, out, sc_fixture_get(&f, &ctx, "r", SC_F64)));
    check_grads(&f, L, p, names, 7);
    sc_fixture_close(&f);
}

static void test_cross_entropy(void **state) {
    (void)state;
    sc_ctx_reset(&ctx);
    sc_fixture f;
    sc_fixture_open(&f, "cross_entropy");
    const char *names[1] = {"logits"};
    sc_tensor *p[1] = {param(&f, "logits")};
    sc_tensor *L = sc_cross_entropy(&ctx, p[0], sc_fixture_get(&f, &ctx, "labels", SC_I32));
    expect_close("cross entropy", L, sc_fixture_get(&f, &ctx, "out", SC_F64), TOL);
    check_grads(&f, L, p, names, 1);
    sc_fixture_close(&f);
}

static void check_sparse(const char *name, sc_tensor *(*fn)(sc_ctx *, sc_tensor *)) {
    sc_ctx_reset(&ctx);
    sc_fixture f;
    sc_fixture_open(&f, name);
    const char *names[1] = {"z"};
    sc_tensor *p[1] = {param(&f, "z")};
    sc_tensor *y = fn(&ctx, p[0]);
    expect_close(name, y, sc_fixture_get(&f, &ctx, "out", SC_F64), TOL);
    sc_tensor *d = sc_sub(&ctx, y, sc_fixture_get(&f, &ctx, "target", SC_F64));
    sc_tensor *L = sc_mul_scalar(&ctx, sc_sum_all(&ctx, sc_mul(&ctx, d, d)), 0.5);
    expect_close("loss", L, sc_fixture_get(&f, &ctx, "loss", SC_F64), TOL);
    check_grads(&f, L, p, names, 1);
    sc_fixture_close(&f);
}
static void test_sparsemax(void **state) { (void)state; check_sparse("sparsemax", sc_sparsemax); }
static void test_entmax15(void **state) { (void)state; check_sparse("entmax15", sc_entmax15); }

// L_out(phi) after one clipped, weight-decayed SGD step on L_in(theta; phi).
static sc_tensor *meta_outer(sc_fixture *f, sc_tensor *phi, double clip) {
    sc_tensor *X = sc_fixture_get(f, &ctx, "X", SC_F64), *Xv = sc_fixture_get(f, &ctx, "Xv", SC_F64);
    sc_tensor *y = sc_fixture_get(f, &ctx, "y", SC_I32), *yv = sc_fixture_get(f, &ctx, "yv", SC_I32);
    sc_tensor *theta = param(f, "theta"), *hyper = sc_fixture_get(f, &ctx, "hyper", SC_F64);
    double lr = sc_tensor_get(hyper, 0), wd = sc_tensor_get(hyper, 1), beta = sc_tensor_get(hyper, 2);
    sc_tensor *reg = sc_mul(&ctx, sc_reshape(&ctx, phi, 2, SHAPE(-1, 1)), theta);
    sc_tensor *Lin = sc_add(&ctx, sc_cross_entropy(&ctx, sc_matmul(&ctx, X, theta), y),
                            sc_mul_scalar(&ctx, sc_sum_all(&ctx, sc_mul(&ctx, reg, reg)), beta));
    sc_tensor **g = sc_grad(&ctx, &Lin, 1, &theta, 1, NULL, 1);
    assert_non_null(g);
    sc_tensor *norm = sc_sqrt(&ctx, sc_sum_all(&ctx, sc_mul(&ctx, g[0], g[0])));
    sc_tensor *factor = sc_clamp(&ctx, sc_div(&ctx, sc_full(&ctx, SC_F64, 0, NULL, clip), sc_add_scalar(&ctx, norm, 1e-6)), 0.0, 1.0);
    sc_tensor *step = sc_add(&ctx, sc_mul(&ctx, g[0], factor), sc_mul_scalar(&ctx, theta, wd));
    sc_tensor *theta2 = sc_sub(&ctx, theta, sc_mul_scalar(&ctx, step, lr));
    return sc_cross_entropy(&ctx, sc_matmul(&ctx, Xv, theta2), yv);
}

static void test_meta_gradient_sgd(void **state) {
    (void)state;
    sc_ctx_reset(&ctx);
    sc_fixture f;
    sc_fixture_open(&f, "meta_sgd");
    struct { double clip; const char *out, *grad; } cases[2] = {{5.0, "out", "grad_phi"},
                                                                 {0.5, "out_clipped", "grad_phi_clipped"}};
    for (int c = 0; c < 2; c++) {
        sc_tensor *phi = param(&f, "phi");
        sc_tensor *L = meta_outer(&f, phi, cases[c].clip);
        expect_close(cases[c].out, L, sc_fixture_get(&f, &ctx, cases[c].out, SC_F64), TOL);
        sc_tensor **g = sc_grad(&ctx, &L, 1, &phi, 1, NULL, 0);
        assert_non_null(g);
        expect_close(cases[c].grad, g[0], sc_fixture_get(&f, &ctx, cases[c].grad, SC_F64), 1e-9);
    }
    sc_fixture_close(&f);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_attention),   cmocka_unit_test(test_layernorm_mlp),
        cmocka_unit_test(test_cross_entropy), cmocka_unit_test(test_sparsemax),
        cmocka_unit_test(test_entmax15),    cmocka_unit_test(test_meta_gradient_sgd),
    };
    return cmocka_run_group_tests_name("jax_fixtures", tests, setup, teardown);
}
