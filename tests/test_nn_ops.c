// Neural-network ops and losses: forward values against naive reference loops,
// numerical stability, the fused backward kernels against the op-based rules
// (and proof of which path runs), dropout's randomness, and error messages.
// Gradients themselves are checked to third order by `scaffold gradcheck`; but
// for ops with a fused backward, gradcheck's first order sees only the fused
// kernel (a wrong op-based rule that is self-consistent passes orders 2 and 3),
// so here the op-based rules are checked against finite differences directly,
// and against the fused kernels.
#include "sc_test.h"

#include <math.h>
#include <string.h>

#include "kernels/fused.h"
#include "ops/ops.h"


#define SHAPE(...) ((const int64_t[]){__VA_ARGS__})

// A tensor of uniform values in [lo, hi) from a fixed-seed generator.
static sc_tensor *rand_t(sc_ctx *ctx, sc_dtype dt, int nd, const int64_t *shape, double lo, double hi, uint64_t seed) {
    sc_rng r;
    sc_rng_seed(&r, seed);
    sc_tensor *t = sc_empty(ctx, dt, nd, shape);
    assert_non_null(t);
    for (int64_t i = 0; i < t->numel; i++) sc_tensor_set(t, i, lo + (hi - lo) * sc_rng_uniform(&r));
    return t;
}

static sc_tensor *leaf(sc_tensor *t) {
    t->requires_grad = 1;
    return t;
}

static double item(const sc_tensor *t) {
    assert_non_null(t);
    return sc_tensor_get(t, 0);
}

static double max_diff(const sc_tensor *a, const sc_tensor *b) {
    assert_int_equal(a->numel, b->numel);
    double m = 0;
    for (int64_t i = 0; i < a->numel; i++) m = fmax(m, fabs(sc_tensor_get(a, i) - sc_tensor_get(b, i)));
    return m;
}

// ---- softmax / log_softmax -----------------------------------------------------------------

// Naive softmax of a (A, L, I) contiguous buffer along L.
static void naive_softmax(double *y, const double *x, int64_t A, int64_t L, int64_t I, int is_log) {
    for (int64_t a = 0; a < A; a++)
        for (int64_t i = 0; i < I; i++) {
            double m = -INFINITY, s = 0;
            for (int64_t l = 0; l < L; l++) m = fmax(m, x[(a * L + l) * I + i]);
            for (int64_t l = 0; l < L; l++) s += exp(x[(a * L + l) * I + i] - m);
            for (int64_t l = 0; l < L; l++) {
                double v = x[(a * L + l) * I + i] - m;
                y[(a * L + l) * I + i] = is_log ? v - log(s) : exp(v) / s;
            }
        }
}

static void test_softmax_matches_naive_any_axis(void **state) {
    sc_ctx *ctx = *state;
    const int64_t shape[3] = {2, 3, 4};
    for (int dt = 0; dt < 2; dt++)
        for (int axis = 0; axis < 3; axis++)
            for (int is_log = 0; is_log < 2; is_log++) {
                sc_tensor *x = rand_t(ctx, dt ? SC_F64 : SC_F32, 3, shape, -3, 3, 11);
                sc_tensor *y = is_log ? sc_log_softmax(ctx, x, axis - 3) : sc_softmax(ctx, x, axis);
                assert_non_null(y);
                double xv[24], ref[24];
                for (int i = 0; i < 24; i++) xv[i] = sc_tensor_get(x, i);
                int64_t A = 1, I = 1;
                for (int d = 0; d < axis; d++) A *= shape[d];
                for (int d = axis + 1; d < 3; d++) I *= shape[d];
                naive_softmax(ref, xv, A, shape[axis], I, is_log);
                double tol = dt ? 1e-14 : 1e-6;
                for (int i = 0; i < 24; i++) assert_true(fabs(sc_tensor_get(y, i) - ref[i]) <= tol);
                if (!is_log)  // every slice along the axis sums to 1
                    for (int64_t a = 0; a < A; a++)
                        for (int64_t i = 0; i < I; i++) {
                            double s = 0;
                            for (int64_t l = 0; l < shape[axis]; l++)
                                s += sc_tensor_get(y, (a * shape[axis] + l) * I + i);
                            assert_true(fabs(s - 1.0) <= (dt ? 1e-14 : 1e-6));
                        }
            }
}

static void test_softmax_large_magnitude_is_stable(void **state) {
    sc_ctx *ctx = *state;
    // exp(1000) overflows even f64; exp(-1000) underflows. Shifting by the max
    // makes both rows the softmax of (0, 1, 2) shifted.
    const double v[6] = {1000, 1001, 1002, -1000, -999, -998};
    double e0 = 1, e1 = exp(1.0), e2 = exp(2.0), s = e0 + e1 + e2;
    for (int dt = 0; dt < 2; dt++) {
        sc_tensor *x = sc_from_f64(ctx, dt ? SC_F64 : SC_F32, 2, SHAPE(2, 3), v);
        sc_tensor *y = sc_softmax(ctx, x, -1), *ly = sc_log_softmax(ctx, x, -1);
        assert_non_null(y);
        assert_non_null(ly);
        double tol = dt ? 1e-14 : 1e-6;
        for (int r = 0; r < 2; r++) {
            assert_true(fabs(sc_tensor_get(y, r * 3 + 0) - e0 / s) <= tol);
            assert_true(fabs(sc_tensor_get(y, r * 3 + 2) - e2 / s) <= tol);
            assert_true(fabs(sc_tensor_get(ly, r * 3 + 1) - (1.0 - log(s))) <= tol);
        }
    }
    // log_softmax keeps tiny probabilities representable: log p = -2000, not -inf.
    sc_tensor *x = sc_from_f64(ctx, SC_F32, 1, SHAPE(2), (const double[]){0, -2000});
    sc_tensor *ly = sc_log_softmax(ctx, x, 0);
    assert_true(fabs(sc_tensor_get(ly, 1) + 2000.0) <= 1e-3);
    assert_true(fabs(sc_tensor_get(ly, 0)) <= 1e-6);
}

// Gradient of sum(v * f(x)) w.r.t. the given inputs, once with create_graph = 0
// (the fused backward kernel) and once with create_graph = 1 (the op-based rule);
// checks the fused counter moved only for the first. Returns the max difference.
static double fused_vs_rule(sc_ctx *ctx, sc_tensor *y, sc_tensor **in, int n_in, sc_fused_kind kind,
                            uint64_t *fused_runs) {
    sc_tensor *v = rand_t(ctx, y->dtype, y->ndim, y->shape, -1, 1, 99);
    sc_tensor *L = sc_sum_all(ctx, sc_mul(ctx, y, v));
    uint64_t c0 = sc_fused_count(kind);
    sc_tensor **fast = sc_grad(ctx, &L, 1, in, n_in, NULL, 0);
    uint64_t c1 = sc_fused_count(kind);
    sc_tensor **rule = sc_grad(ctx, &L, 1, in, n_in, NULL, 1);
    uint64_t c2 = sc_fused_count(kind);
    assert_non_null(fast);
    assert_non_null(rule);
    assert_int_equal(c2, c1);  // the graph-building pass never takes the fused kernel
    *fused_runs = c1 - c0;
    double m = 0;
    for (int i = 0; i < n_in; i++) {
        // Built from recorded ops, so differentiable again (dL/dbeta = sum g is a
        // constant here, so only the first input's gradient is checked for it).
        if (i == 0) assert_true(rule[i]->requires_grad);
        m = fmax(m, max_diff(fast[i], rule[i]));
    }
    return m;
}

static void test_softmax_fused_backward_matches_rule(void **state) {
    sc_ctx *ctx = *state;
    for (int dt = 0; dt < 2; dt++)
        for (int axis = 0; axis < 2; axis++)
            for (int is_log = 0; is_log < 2; is_log++) {
                sc_tensor *x = leaf(rand_t(ctx, dt ? SC_F64 : SC_F32, 2, SHAPE(4, 5), -2, 2, 5));
                sc_tensor *y = is_log ? sc_log_softmax(ctx, x, axis) : sc_softmax(ctx, x, axis);
                uint64_t runs;
                double d = fused_vs_rule(ctx, y, &x, 1, SC_FUSED_SOFTMAX, &runs);
                assert_int_equal(runs, 1);
                assert_true(d <= (dt ? 1e-13 : 1e-6));
                sc_ctx_reset(ctx);
            }
}

// ---- the op-based rules against finite differences ------------------------------------------

typedef sc_tensor *(*op_fn)(sc_ctx *ctx, sc_tensor **x);

// max |g - numeric| over every coordinate of x[0 .. n_diff), where g is the
// gradient of L = sum(v * f(x)) built with create_graph (so the op-based rules
// run, never the fused kernels) and numeric its central difference. x are f64.
static double rule_vs_fd(sc_ctx *ctx, op_fn f, sc_tensor **x, int n_diff) {
    const double h = 1e-6;
    sc_tensor *y = f(ctx, x);
    assert_non_null(y);
    sc_tensor *v = rand_t(ctx, SC_F64, y->ndim, y->shape, -1, 1, 77);
    sc_tensor *L = sc_sum_all(ctx, sc_mul(ctx, y, v));
    uint64_t fused0 = sc_fused_count(SC_FUSED_SOFTMAX) + sc_fused_count(SC_FUSED_LAYERNORM) +
                      sc_fused_count(SC_FUSED_XENT);
    sc_tensor **g = sc_grad(ctx, &L, 1, x, n_diff, NULL, 1);
    assert_non_null(g);
    assert_int_equal(sc_fused_count(SC_FUSED_SOFTMAX) + sc_fused_count(SC_FUSED_LAYERNORM) +
                         sc_fused_count(SC_FUSED_XENT),
                     fused0);
    double worst = 0;
    for (int i = 0; i < n_diff; i++) {
        double *p = x[i]->data;
        for (int64_t j = 0; j < x[i]->numel; j++) {
            double keep = p[j], Lp, Lm;
            sc_ctx_mark mark = sc_ctx_get_mark(ctx);
            sc_no_grad_begin(ctx);
            p[j] = keep + h;
            Lp = item(sc_sum_all(ctx, sc_mul(ctx, f(ctx, x), v)));
            p[j] = keep - h;
            Lm = item(sc_sum_all(ctx, sc_mul(ctx, f(ctx, x), v)));
            sc_no_grad_end(ctx);
            sc_ctx_rewind(ctx, mark);
            p[j] = keep;
            worst = fmax(worst, fabs((Lp - Lm) / (2 * h) - sc_tensor_get(g[i], j)));
        }
    }
    return worst;
}

static sc_tensor *f_softmax0(sc_ctx *ctx, sc_tensor **x) { return sc_softmax(ctx, x[0], 0); }
static sc_tensor *f_log_softmax1(sc_ctx *ctx, sc_tensor **x) { return sc_log_softmax(ctx, x[0], 1); }
static sc_tensor *f_layernorm(sc_ctx *ctx, sc_tensor **x) { return sc_layernorm(ctx, x[0], x[1], x[2], 1e-5); }
static sc_tensor *f_xent(sc_ctx *ctx, sc_tensor **x) { return sc_cross_entropy(ctx, x[0], x[1]); }

static void test_rules_match_finite_differences(void **state) {
    sc_ctx *ctx = *state;
    sc_tensor *a = leaf(rand_t(ctx, SC_F64, 2, SHAPE(3, 4), -2, 2, 50));
    assert_true(rule_vs_fd(ctx, f_softmax0, &a, 1) <= 1e-8);
    sc_tensor *b = leaf(rand_t(ctx, SC_F64, 3, SHAPE(2, 3, 2), -2, 2, 51));
    assert_true(rule_vs_fd(ctx, f_log_softmax1, &b, 1) <= 1e-8);
    sc_tensor *ln[3] = {leaf(rand_t(ctx, SC_F64, 2, SHAPE(3, 5), -2, 2, 52)),
                        leaf(rand_t(ctx, SC_F64, 1, SHAPE(5), 0.5, 1.5, 53)),
                        leaf(rand_t(ctx, SC_F64, 1, SHAPE(5), -1, 1, 54))};
    assert_true(rule_vs_fd(ctx, f_layernorm, ln, 3) <= 1e-8);
    sc_tensor *ce[2] = {leaf(rand_t(ctx, SC_F64, 2, SHAPE(4, 3), -2, 2, 55)), sc_empty(ctx, SC_I32, 1, SHAPE(4))};
    for (int i = 0; i < 4; i++) ((int32_t *)ce[1]->data)[i] = (i + 1) % 3;
    assert_true(rule_vs_fd(ctx, f_xent, ce, 1) <= 1e-8);
    sc_ctx_reset(ctx);
}

// ---- layernorm ---------------------------------------------------------------------------------

// Mean and (biased) variance of row r of a contiguous tensor with rows of n.
static void row_moments(const sc_tensor *t, int r, int n, double *mean, double *var) {
    double m = 0, v = 0;
    for (int j = 0; j < n; j++) m += sc_tensor_get(t, r * n + j) / n;
    for (int j = 0; j < n; j++) v += pow(sc_tensor_get(t, r * n + j) - m, 2) / n;
    *mean = m, *var = v;
}

static void test_layernorm_normalizes_rows(void **state) {
    sc_ctx *ctx = *state;
    // Offset and spread far from (0, 1) so the normalization has work to do.
    sc_tensor *x = rand_t(ctx, SC_F64, 2, SHAPE(3, 16), 95, 105, 3);
    sc_tensor *y = sc_layernorm(ctx, x, NULL, NULL, 1e-5);
    assert_non_null(y);
    for (int r = 0; r < 3; r++) {
        double m, v;
        row_moments(y, r, 16, &m, &v);
        assert_true(fabs(m) <= 1e-12);
        assert_true(fabs(v - 1.0) <= 1e-4);  // var / (var + eps) with var ~ 8
    }
    // With gamma and beta, against a naive loop; f32 too.
    for (int dt = 0; dt < 2; dt++) {
        sc_dtype t = dt ? SC_F64 : SC_F32;
        sc_tensor *x2 = rand_t(ctx, t, 3, SHAPE(2, 2, 5), -3, 3, 4);
        sc_tensor *g = rand_t(ctx, t, 1, SHAPE(5), 0.5, 2, 5), *b = rand_t(ctx, t, 1, SHAPE(5), -1, 1, 6);
        sc_tensor *y2 = sc_layernorm(ctx, x2, g, b, 1e-5);
        assert_non_null(y2);
        for (int r = 0; r < 4; r++) {
            double m, v;
            row_moments(x2, r, 5, &m, &v);
            for (int j = 0; j < 5; j++) {
                double ref = (sc_tensor_get(x2, r * 5 + j) - m) / sqrt(v + 1e-5) * sc_tensor_get(g, j) +
                             sc_tensor_get(b, j);
                assert_true(fabs(sc_tensor_get(y2, r * 5 + j) - ref) <= (dt ? 1e-13 : 1e-5));
            }
        }
    }
}

static void test_layernorm_fused_backward_matches_rule(void **state) {
    sc_ctx *ctx = *state;
    for (int dt = 0; dt < 2; dt++) {
        sc_dtype t = dt ? SC_F64 : SC_F32;
        sc_tensor *in[3] = {leaf(rand_t(ctx, t, 3, SHAPE(2, 3, 6), -2, 2, 8)),    // x (2, 3, 6)
                            leaf(rand_t(ctx, t, 1, SHAPE(6), 0.5, 1.5, 9)),       // gamma (6)
                            leaf(rand_t(ctx, t, 1, SHAPE(6), -1, 1, 10))};        // beta (6)
        sc_tensor *y = sc_layernorm(ctx, in[0], in[1], in[2], 1e-5);
        uint64_t runs;
        double d = fused_vs_rule(ctx, y, in, 3, SC_FUSED_LAYERNORM, &runs);
        assert_int_equal(runs, 1);
        assert_true(d <= (dt ? 1e-12 : 1e-5));
        sc_ctx_reset(ctx);
    }
    // Without gamma and beta, and with only x requiring grad.
    sc_tensor *x = leaf(rand_t(ctx, SC_F64, 2, SHAPE(3, 7), -2, 2, 12));
    sc_tensor *gamma = rand_t(ctx, SC_F64, 1, SHAPE(7), 0.5, 1.5, 13);
    uint64_t runs;
    assert_true(fused_vs_rule(ctx, sc_layernorm(ctx, x, NULL, NULL, 1e-5), &x, 1, SC_FUSED_LAYERNORM, &runs) <= 1e-12);
    assert_true(fused_vs_rule(ctx, sc_layernorm(ctx, x, gamma, NULL, 1e-5), &x, 1, SC_FUSED_LAYERNORM, &runs) <= 1e-12);
    assert_int_equal(runs, 1);
}

static void test_layernorm_errors_name_shapes(void **state) {
    sc_ctx *ctx = *state;
    sc_tensor *x = sc_zeros(ctx, SC_F64, 2, SHAPE(2, 4));
    sc_tensor *g = sc_zeros(ctx, SC_F64, 1, SHAPE(3));
    assert_null(sc_layernorm(ctx, x, g, NULL, 1e-5));
    assert_true(ctx->failed);
    assert_non_null(strstr(ctx->err.msg, "layernorm: gamma (3,) f64"));
    assert_non_null(strstr(ctx->err.msg, "(2, 4) f64"));
    sc_ctx_reset(ctx);
    x = sc_zeros(ctx, SC_F64, 2, SHAPE(2, 4));
    sc_tensor *b = sc_zeros(ctx, SC_F32, 1, SHAPE(4));
    assert_null(sc_layernorm(ctx, x, NULL, b, 1e-5));
    assert_non_null(strstr(ctx->err.msg, "layernorm: dtypes differ"));
    sc_ctx_reset(ctx);
}

// ---- dropout -------------------------------------------------------------------------------------

static void test_dropout(void **state) {
    sc_ctx *ctx = *state;
    const int64_t n = 20000;
    const double p = 0.3;
    sc_tensor *x = leaf(sc_full(ctx, SC_F32, 1, &n, 2.0));
    sc_rng_seed(&ctx->rng, 42);
    sc_tensor *a = sc_dropout(ctx, x, p, 1);
    sc_rng_seed(&ctx->rng, 42);
    sc_tensor *b = sc_dropout(ctx, x, p, 1);
    sc_tensor *c = sc_dropout(ctx, x, p, 1);  // the stream moved on: a new mask
    assert_non_null(a);
    assert_non_null(c);
    assert_memory_equal(a->data, b->data, (size_t)n * sizeof(float));
    assert_memory_not_equal(a->data, c->data, (size_t)n * sizeof(float));
    double mean = 0;
    int64_t dropped = 0;
    for (int64_t i = 0; i < n; i++) {
        double v = sc_tensor_get(a, i);
        mean += v / (double)n;
        if (v == 0.0) dropped++;
        else assert_true(fabs(v - 2.0 / (1.0 - p)) <= 1e-6);  // survivors are scaled by 1 / (1 - p)
    }
    // Binomial: sd of the dropped fraction 0.0032, of the mean 0.0092 (6+ sd margins).
    assert_true(fabs((double)dropped / (double)n - p) <= 0.02);
    assert_true(fabs(mean - 2.0) <= 0.06);
    // The gradient is the same scaled mask.
    sc_tensor *L = sc_sum_all(ctx, a);
    sc_tensor **g = sc_grad(ctx, &L, 1, &x, 1, NULL, 0);
    assert_non_null(g);
    for (int64_t i = 0; i < n; i++) assert_true(fabs(sc_tensor_get(g[0], i) - sc_tensor_get(a, i) / 2.0) <= 1e-6);
    // Identity when not training or p == 0; p outside [0, 1] is an error.
    assert_ptr_equal(sc_dropout(ctx, x, p, 0), x);
    assert_ptr_equal(sc_dropout(ctx, x, 0.0, 1), x);
    assert_null(sc_dropout(ctx, x, 1.5, 1));
    assert_non_null(strstr(ctx->err.msg, "dropout: probability 1.5"));
    sc_ctx_reset(ctx);
}

// The dropout mask (sc_rng_keep_mask) is sc_rng_uniform's draws compared with
// p, draw for draw, and leaves the stream where those draws leave it. p at
// exactly the first draw's value keeps it; the next double above drops it.
static void test_dropout_mask_is_the_uniform_draws(void **state) {
    (void)state;
    enum { N = 4096 };
    static float mf[N];
    static double md[N];
    sc_rng probe;
    sc_rng_seed(&probe, 7);
    double u0 = sc_rng_uniform(&probe);
    const double ps[] = {0.0, 0.3, 0.5, 1.0, u0, nextafter(u0, 1.0)};
    for (size_t k = 0; k < sizeof ps / sizeof ps[0]; k++) {
        sc_rng r1, r2, r3;
        sc_rng_seed(&r1, 7), sc_rng_seed(&r2, 7), sc_rng_seed(&r3, 7);
        sc_rng_keep_mask_f32(&r1, mf, N, ps[k], 3.0f);
        sc_rng_keep_mask_f64(&r3, md, N, ps[k], 3.0);
        for (int i = 0; i < N; i++) {
            int keep = sc_rng_uniform(&r2) >= ps[k];
            if (mf[i] != (keep ? 3.0f : 0.0f) || md[i] != (keep ? 3.0 : 0.0))
                fail_msg("p = %.17g, draw %d: mask %g / %g, the uniform says %s", ps[k], i, mf[i], md[i],
                         keep ? "keep" : "drop");
        }
        assert_memory_equal(&r1, &r2, sizeof r1);
        assert_memory_equal(&r3, &r2, sizeof r3);
    }
    sc_rng r;
    sc_rng_seed(&r, 7);
    sc_rng_keep_mask_f32(&r, mf, 1, u0, 1.0f);
    assert_true(mf[0] == 1.0f);
    sc_rng_seed(&r, 7);
    sc_rng_keep_mask_f32(&r, mf, 1, nextafter(u0, 1.0), 1.0f);
    assert_true(mf[0] == 0.0f);
}

// ---- linear, l2_norm -----------------------------------------------------------------------------

static void test_linear_and_l2_norm(void **state) {
    sc_ctx *ctx = *state;
    sc_tensor *x = rand_t(ctx, SC_F64, 3, SHAPE(2, 3, 4), -1, 1, 20);
    sc_tensor *w = rand_t(ctx, SC_F64, 2, SHAPE(4, 5), -1, 1, 21);
    sc_tensor *b = rand_t(ctx, SC_F64, 1, SHAPE(5), -1, 1, 22);
    sc_tensor *y = sc_linear(ctx, x, w, b), *y0 = sc_linear(ctx, x, w, NULL);
    assert_non_null(y);
    assert_int_equal(y->ndim, 3);
    assert_int_equal(y->shape[2], 5);
    for (int r = 0; r < 6; r++)
        for (int o = 0; o < 5; o++) {
            double s = 0;
            for (int i = 0; i < 4; i++) s += sc_tensor_get(x, r * 4 + i) * sc_tensor_get(w, i * 5 + o);
            assert_true(fabs(sc_tensor_get(y0, r * 5 + o) - s) <= 1e-14);
            assert_true(fabs(sc_tensor_get(y, r * 5 + o) - s - sc_tensor_get(b, o)) <= 1e-14);
        }
    sc_tensor *v = sc_linear(ctx, sc_slice(ctx, sc_reshape(ctx, x, 2, SHAPE(6, 4)), 0, 0, 1), w, b);
    sc_tensor *x1 = sc_reshape(ctx, sc_contiguous(ctx, sc_slice(ctx, sc_reshape(ctx, x, 2, SHAPE(6, 4)), 0, 0, 1)),
                               1, SHAPE(4));
    sc_tensor *v1 = sc_linear(ctx, x1, w, b);  // a single (I) vector -> (O)
    assert_non_null(v1);
    assert_int_equal(v1->ndim, 1);
    assert_true(max_diff(v, v1) <= 1e-15);

    sc_tensor *m = sc_from_f64(ctx, SC_F64, 2, SHAPE(2, 2), (const double[]){3, 4, 6, 8});
    sc_tensor *n0 = sc_l2_norm(ctx, m, -1, 0), *n1 = sc_l2_norm(ctx, m, 0, 1);
    assert_true(fabs(sc_tensor_get(n0, 0) - 5.0) <= 1e-15 && fabs(sc_tensor_get(n0, 1) - 10.0) <= 1e-15);
    assert_int_equal(n1->ndim, 2);
    assert_true(fabs(sc_tensor_get(n1, 0) - sqrt(45.0)) <= 1e-14 && fabs(sc_tensor_get(n1, 1) - sqrt(80.0)) <= 1e-14);

    // A zero row (a padded unit's gradient): norm 0, gradient 0 there (not NaN),
    // x / ||x|| elsewhere, also through a second backward (create_graph).
    sc_tensor *z = leaf(sc_from_f64(ctx, SC_F64, 2, SHAPE(2, 2), (const double[]){0, 0, 3, 4}));
    sc_tensor *nz = sc_l2_norm(ctx, z, -1, 0);
    assert_true(sc_tensor_get(nz, 0) == 0.0 && fabs(sc_tensor_get(nz, 1) - 5.0) <= 1e-15);
    sc_tensor *lz = sc_sum_all(ctx, sc_mul(ctx, nz, nz));  // sum of squared norms: d/dz = 2z
    sc_tensor *lz1 = sc_sum_all(ctx, nz);
    sc_tensor **gz = sc_grad(ctx, &lz1, 1, &z, 1, NULL, 1);
    assert_non_null(gz);
    const double want[4] = {0, 0, 0.6, 0.8};
    for (int i = 0; i < 4; i++) assert_true(fabs(sc_tensor_get(gz[0], i) - want[i]) <= 1e-15);
    sc_tensor **gz2 = sc_grad(ctx, &lz, 1, &z, 1, NULL, 0);
    assert_non_null(gz2);
    for (int i = 0; i < 4; i++) assert_true(isfinite(sc_tensor_get(gz2[0], i)));
    sc_tensor *hz = sc_sum_all(ctx, gz[0]);  // second order through the safe branch stays finite
    sc_tensor **gg = sc_grad(ctx, &hz, 1, &z, 1, NULL, 0);
    assert_non_null(gg);
    for (int i = 0; i < 4; i++) assert_true(isfinite(sc_tensor_get(gg[0], i)));

    assert_null(sc_linear(ctx, x, sc_zeros(ctx, SC_F64, 2, SHAPE(3, 5)), NULL));
    assert_non_null(strstr(ctx->err.msg, "linear: x (2, 3, 4) f64 does not fit weight (3, 5) f64"));
    sc_ctx_reset(ctx);
}

// ---- losses ----------------------------------------------------------------------------------------

static void test_cross_entropy_values(void **state) {
    sc_ctx *ctx = *state;
    // Row 0: log(e + e^2 + e^3) - 3; row 1: log 3. Mean 0.753109126556245.
    const double logits[6] = {1, 2, 3, 1, 1, 1};
    int32_t lab[2] = {2, 0};
    sc_tensor *labels = sc_empty(ctx, SC_I32, 1, SHAPE(2));
    memcpy(labels->data, lab, sizeof lab);
    for (int dt = 0; dt < 2; dt++) {
        sc_tensor *x = sc_from_f64(ctx, dt ? SC_F64 : SC_F32, 2, SHAPE(2, 3), logits);
        sc_tensor *L = sc_cross_entropy(ctx, x, labels);
        assert_non_null(L);
        assert_int_equal(L->ndim, 0);
        assert_true(fabs(item(L) - 0.753109126556245) <= (dt ? 1e-14 : 1e-6));
        // Soft targets equal to the one-hot labels give the same loss.
        sc_tensor *t = sc_one_hot(ctx, labels, 3, x->dtype);
        assert_true(fabs(item(sc_cross_entropy_soft(ctx, x, t)) - 0.753109126556245) <= (dt ? 1e-14 : 1e-6));
    }
    // Huge logits stay finite (f32): the loss is the margin.
    sc_tensor *big = sc_from_f64(ctx, SC_F32, 2, SHAPE(1, 3), (const double[]){1000, 0, -1000});
    lab[0] = 1;
    sc_tensor *l1 = sc_empty(ctx, SC_I32, 1, SHAPE(1));
    memcpy(l1->data, lab, sizeof(int32_t));
    sc_tensor *L = sc_cross_entropy(ctx, big, l1);
    assert_true(fabs(item(L) - 1000.0) <= 1e-3);
    sc_ctx_reset(ctx);
}

static void test_cross_entropy_fused_backward_matches_rule(void **state) {
    sc_ctx *ctx = *state;
    for (int dt = 0; dt < 2; dt++) {
        sc_tensor *x = leaf(rand_t(ctx, dt ? SC_F64 : SC_F32, 2, SHAPE(5, 4), -3, 3, 30));
        sc_tensor *labels = sc_empty(ctx, SC_I32, 1, SHAPE(5));
        for (int i = 0; i < 5; i++) ((int32_t *)labels->data)[i] = (i * 3) % 4;
        sc_tensor *L = sc_mul_scalar(ctx, sc_cross_entropy(ctx, x, labels), 1.7);  // g != 1
        uint64_t c0 = sc_fused_count(SC_FUSED_XENT);
        sc_tensor **fast = sc_grad(ctx, &L, 1, &x, 1, NULL, 0);
        uint64_t c1 = sc_fused_count(SC_FUSED_XENT);
        sc_tensor **rule = sc_grad(ctx, &L, 1, &x, 1, NULL, 1);
        assert_int_equal(c1 - c0, 1);
        assert_int_equal(sc_fused_count(SC_FUSED_XENT), c1);
        assert_true(max_diff(fast[0], rule[0]) <= (dt ? 1e-15 : 1e-7));
        // And against the closed form 1.7 (softmax - onehot) / N.
        for (int r = 0; r < 5; r++) {
            double m = -INFINITY, s = 0;
            for (int c = 0; c < 4; c++) m = fmax(m, sc_tensor_get(x, r * 4 + c));
            for (int c = 0; c < 4; c++) s += exp(sc_tensor_get(x, r * 4 + c) - m);
            for (int c = 0; c < 4; c++) {
                double ref = 1.7 * (exp(sc_tensor_get(x, r * 4 + c) - m) / s - (c == (r * 3) % 4)) / 5;
                assert_true(fabs(sc_tensor_get(fast[0], r * 4 + c) - ref) <= (dt ? 1e-15 : 1e-7));
            }
        }
        sc_ctx_reset(ctx);
    }
}

static void test_cross_entropy_errors(void **state) {
    sc_ctx *ctx = *state;
    sc_tensor *x = sc_zeros(ctx, SC_F64, 2, SHAPE(2, 3));
    sc_tensor *labels = sc_empty(ctx, SC_I32, 1, SHAPE(2));
    ((int32_t *)labels->data)[0] = 0;
    ((int32_t *)labels->data)[1] = 5;
    assert_null(sc_cross_entropy(ctx, x, labels));
    assert_non_null(strstr(ctx->err.msg, "cross_entropy: label 5 at index 1 is outside [0, 3)"));
    sc_ctx_reset(ctx);
    x = sc_zeros(ctx, SC_F64, 2, SHAPE(2, 3));
    labels = sc_empty(ctx, SC_I32, 1, SHAPE(2));
    ((int32_t *)labels->data)[0] = -1;
    ((int32_t *)labels->data)[1] = 0;
    assert_null(sc_cross_entropy(ctx, x, labels));
    assert_non_null(strstr(ctx->err.msg, "label -1 at index 0"));
    sc_ctx_reset(ctx);
    x = sc_zeros(ctx, SC_F64, 2, SHAPE(2, 3));
    assert_null(sc_cross_entropy(ctx, x, sc_zeros(ctx, SC_I32, 1, SHAPE(3))));
    assert_non_null(strstr(ctx->err.msg, "logits (2, 3) f64 and labels (3,) i32"));
    sc_ctx_reset(ctx);
    x = sc_zeros(ctx, SC_F64, 2, SHAPE(2, 3));
    assert_null(sc_cross_entropy(ctx, x, sc_zeros(ctx, SC_F64, 1, SHAPE(2))));
    assert_non_null(strstr(ctx->err.msg, "expected an i32 index tensor"));
    sc_ctx_reset(ctx);
}

static void test_mse_and_kl_values(void **state) {
    sc_ctx *ctx = *state;
    sc_tensor *p = sc_from_f64(ctx, SC_F64, 2, SHAPE(2, 2), (const double[]){1, 2, 3, 4});
    sc_tensor *t = sc_from_f64(ctx, SC_F64, 2, SHAPE(2, 2), (const double[]){0, 2, 5, 3.5});
    assert_true(fabs(item(sc_mse(ctx, p, t)) - (1 + 0 + 4 + 0.25) / 4) <= 1e-15);

    // KL((.5, .5) || (.25, .75)) = .5 ln 2 + .5 ln(2/3); the second row has p == q.
    sc_tensor *kp = sc_from_f64(ctx, SC_F64, 2, SHAPE(2, 2), (const double[]){0.5, 0.5, 0.3, 0.7});
    sc_tensor *kq = sc_from_f64(ctx, SC_F64, 2, SHAPE(2, 2), (const double[]){0.25, 0.75, 0.3, 0.7});
    assert_true(fabs(item(sc_kl_div(ctx, kp, kq, 1e-6)) - 0.14384103622589042 / 2) <= 1e-12);
    // A zero in q is clipped to eps: finite, = 1 * (log(1 - eps) - log eps).
    sc_tensor *hp = sc_from_f64(ctx, SC_F32, 1, SHAPE(2), (const double[]){0, 1});
    sc_tensor *hq = sc_from_f64(ctx, SC_F32, 1, SHAPE(2), (const double[]){1, 0});
    double eps = 1e-4, kl = item(sc_kl_div(ctx, hp, hq, eps));
    assert_true(fabs(kl - (log(1 - eps) - log(eps))) <= 1e-4);

    assert_null(sc_kl_div(ctx, kp, sc_zeros(ctx, SC_F64, 2, SHAPE(2, 3)), 1e-6));
    assert_non_null(strstr(ctx->err.msg, "kl_div: p (2, 2) f64 and q (2, 3) f64"));
    sc_ctx_reset(ctx);
    p = sc_zeros(ctx, SC_F64, 1, SHAPE(3));
    assert_null(sc_kl_div(ctx, p, p, 0.0));
    assert_non_null(strstr(ctx->err.msg, "kl_div: eps 0"));
    sc_ctx_reset(ctx);
}

// ---- attention ------------------------------------------------------------------------------------

static void test_attention_matches_naive(void **state) {
    sc_ctx *ctx = *state;
    enum { B = 2, H = 2, T = 3, S = 4, D = 3, DV = 2 };
    const double scale = 0.6;
    for (int dt = 0; dt < 2; dt++) {
        sc_dtype ty = dt ? SC_F64 : SC_F32;
        sc_tensor *q = rand_t(ctx, ty, 4, SHAPE(B, H, T, D), -1, 1, 40);
        sc_tensor *k = rand_t(ctx, ty, 4, SHAPE(B, H, S, D), -1, 1, 41);
        sc_tensor *v = rand_t(ctx, ty, 4, SHAPE(B, H, S, DV), -1, 1, 42);
        const double keep[B * S] = {1, 1, 0, 1, 1, 0, 0, 0};  // batch 1 keeps only key 0
        sc_tensor *mask = sc_from_f64(ctx, SC_I32, 4, SHAPE(B, 1, 1, S), keep);
        sc_tensor *logits = NULL;
        sc_tensor *out = sc_attention(ctx, q, k, v, mask, scale, &logits);
        assert_non_null(out);
        assert_non_null(logits);
        assert_int_equal(out->shape[3], DV);
        double tol = dt ? 1e-13 : 1e-5;
        for (int b = 0; b < B; b++)
            for (int h = 0; h < H; h++)
                for (int i = 0; i < T; i++) {
                    double lg[S], w[S], m = -INFINITY, s = 0;
                    for (int j = 0; j < S; j++) {
                        double dot = 0;
                        for (int d = 0; d < D; d++)
                            dot += sc_tensor_get(q, ((b * H + h) * T + i) * D + d) *
                                   sc_tensor_get(k, ((b * H + h) * S + j) * D + d);
                        lg[j] = keep[b * S + j] != 0 ? scale * dot : -1e9;
                        m = fmax(m, lg[j]);
                        double got = sc_tensor_get(logits, ((b * H + h) * T + i) * S + j);
                        assert_true(fabs(got - lg[j]) <= (lg[j] == -1e9 ? 0.0 : tol));
                    }
                    for (int j = 0; j < S; j++) s += (w[j] = exp(lg[j] - m));
                    for (int e = 0; e < DV; e++) {
                        double ref = 0;
                        for (int j = 0; j < S; j++) ref += w[j] / s * sc_tensor_get(v, ((b * H + h) * S + j) * DV + e);
                        assert_true(fabs(sc_tensor_get(out, ((b * H + h) * T + i) * DV + e) - ref) <= tol);
                    }
                }
        // Without a mask, every key counts.
        sc_tensor *o2 = sc_attention(ctx, q, k, v, NULL, scale, NULL);
        sc_tensor *qk = sc_mul_scalar(ctx, sc_matmul(ctx, q, sc_transpose(ctx, k, 2, 3)), scale);
        sc_tensor *ref2 = sc_matmul(ctx, sc_softmax(ctx, qk, -1), v);
        assert_true(max_diff(o2, ref2) <= tol);
    }
    sc_tensor *q = sc_zeros(ctx, SC_F64, 4, SHAPE(1, 1, 2, 3));
    assert_null(sc_attention(ctx, q, q, q, sc_zeros(ctx, SC_F64, 4, SHAPE(1, 1, 1, 3)), 1.0, NULL));
    assert_non_null(strstr(ctx->err.msg, "attention: mask (1, 1, 1, 3) f64 must be (B, 1, 1, S) = (1, 1, 1, 2)"));
    sc_ctx_reset(ctx);
}

static void test_op_errors(void **state) {
    sc_ctx *ctx = *state;
    sc_tensor *x = sc_zeros(ctx, SC_F64, 2, SHAPE(2, 3));
    assert_null(sc_softmax(ctx, x, 2));
    assert_non_null(strstr(ctx->err.msg, "softmax: axis 2 out of range for (2, 3) f64"));
    sc_ctx_reset(ctx);
    x = sc_zeros(ctx, SC_F64, 2, SHAPE(2, 3));
    assert_null(sc_mse(ctx, x, sc_zeros(ctx, SC_F64, 2, SHAPE(3, 2))));
    assert_non_null(strstr(ctx->err.msg, "mse: pred (2, 3) f64 and target (3, 2) f64"));
    sc_ctx_reset(ctx);
    // The ops that create_graph rules record check their own inputs.
    sc_tensor *q = sc_zeros(ctx, SC_F64, 4, SHAPE(1, 1, 2, 2));
    assert_null(sc_attention(ctx, q, q, q, NULL, 0.0, NULL));
    assert_non_null(strstr(ctx->err.msg, "attention: scale 0 must be finite and nonzero"));
    sc_ctx_reset(ctx);
    x = sc_zeros(ctx, SC_F64, 2, SHAPE(2, 3));
    assert_null(sc_layernorm_grad(ctx, x, sc_zeros(ctx, SC_F64, 2, SHAPE(3, 2)), NULL, 1e-5));
    assert_non_null(strstr(ctx->err.msg, "layernorm_grad: g (3, 2) f64 must have the shape of x (2, 3) f64"));
    sc_ctx_reset(ctx);
    x = sc_zeros(ctx, SC_F64, 2, SHAPE(2, 3));
    assert_null(sc_softmax_grad(ctx, x, sc_zeros(ctx, SC_F64, 1, SHAPE(6)), -1));
    assert_non_null(strstr(ctx->err.msg, "softmax_grad: g (6,) f64 must have the shape of y (2, 3) f64"));
    sc_ctx_reset(ctx);
    x = sc_zeros(ctx, SC_F64, 2, SHAPE(2, 3));
    assert_null(sc_sgd_step(ctx, x, x, sc_zeros(ctx, SC_F64, 1, SHAPE(2)), 0.1, 0.0));
    assert_non_null(strstr(ctx->err.msg, "sgd_step: clip factor (2,) f64 must hold one value"));
    sc_ctx_reset(ctx);
    // Sticky errors: a NULL input propagates without a new message.
    assert_null(sc_log_softmax(ctx, NULL, -1));
    assert_null(sc_layernorm(ctx, NULL, NULL, NULL, 1e-5));
    assert_null(sc_cross_entropy(ctx, NULL, NULL));
    assert_false(ctx->failed);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_softmax_matches_naive_any_axis),
        cmocka_unit_test(test_softmax_large_magnitude_is_stable),
        cmocka_unit_test(test_softmax_fused_backward_matches_rule),
        cmocka_unit_test(test_rules_match_finite_differences),
        cmocka_unit_test(test_layernorm_normalizes_rows),
        cmocka_unit_test(test_layernorm_fused_backward_matches_rule),
        cmocka_unit_test(test_layernorm_errors_name_shapes),
        cmocka_unit_test(test_dropout),
        cmocka_unit_test(test_dropout_mask_is_the_uniform_draws),
        cmocka_unit_test(test_linear_and_l2_norm),
        cmocka_unit_test(test_cross_entropy_values),
        cmocka_unit_test(test_cross_entropy_fused_backward_matches_rule),
        cmocka_unit_test(test_cross_entropy_errors),
        cmocka_unit_test(test_mse_and_kl_values),
        cmocka_unit_test(test_attention_matches_naive),
        cmocka_unit_test(test_op_errors),
    };
    return sc_test_run_with_ctx("nn_ops", tests);  // a fresh context per test
}
