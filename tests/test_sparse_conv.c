// Sparse normalizers (sparsemax, entmax-1.5) and convolution / pooling: values
// derived by hand, agreement with brute-force references (bisection on the
// threshold; naive convolution and pooling loops), mask-awareness, the backward
// rules on known vectors, and error messages that name the op and the shapes.
// (Finite-difference checks to order 3 live in the gradcheck registry, run by
// test_autograd.)
#include "sc_test.h"

#include <math.h>
#include <string.h>

#include "kernels/sparse.h"
#include "ops/ops.h"

#define SHAPE(...) ((const int64_t[]){__VA_ARGS__})

static void ctx_init(sc_ctx *ctx) {
    sc_err err;
    assert_int_equal(sc_ctx_init(ctx, 256u << 20, 11, &err), 0);
}

static sc_tensor *from(sc_ctx *ctx, sc_dtype dt, int nd, const int64_t *shape, const double *v) {
    sc_tensor *t = sc_from_f64(ctx, dt, nd, shape, v);
    assert_non_null(t);
    return t;
}

static sc_tensor *rand_tensor(sc_ctx *ctx, sc_rng *r, sc_dtype dt, int nd, const int64_t *shape, double lo,
                              double hi) {
    sc_tensor *t = sc_empty(ctx, dt, nd, shape);
    assert_non_null(t);
    for (int64_t i = 0; i < t->numel; i++) sc_tensor_set(t, i, lo + (hi - lo) * sc_rng_uniform(r));
    return t;
}

static void assert_close(double got, double want, double tol, const char *what) {
    if (!(fabs(got - want) <= tol)) fail_msg("%s: got %.15g, want %.15g (tol %.1e)", what, got, want, tol);
}

// ---- sparse normalizers: known vectors --------------------------------------------------

// sparsemax([0.5, 0.3, -0.1]): sorted 0.5, 0.3, -0.1 with prefix sums 0.5, 0.8, 0.7.
//   k = 1: tau = (0.5 - 1)/1 = -0.5, 0.5 > -0.5 keeps it;
//   k = 2: tau = (0.8 - 1)/2 = -0.1, 0.3 > -0.1 keeps it;
//   k = 3: tau = (0.7 - 1)/3 = -0.1, -0.1 > -0.1 fails.
// So tau = -0.1 and p = [0.6, 0.4, 0].
// Backward with g = [1, 2, 3]: support {0, 1}, mean of g there 1.5, gx = [-0.5, 0.5, 0].
static void test_sparsemax_known(void **state) {
    (void)state;
    sc_ctx ctx;
    ctx_init(&ctx);
    for (int dt = 0; dt < 2; dt++) {
        double tol = dt == SC_F64 ? 1e-15 : 1e-7;
        sc_tensor *x = from(&ctx, (sc_dtype)dt, 1, SHAPE(3), (const double[]){0.5, 0.3, -0.1});
        x->requires_grad = 1;
        sc_tensor *p = sc_sparsemax(&ctx, x);
        assert_non_null(p);
        assert_close(sc_tensor_get(p, 0), 0.6, tol, "sparsemax[0]");
        assert_close(sc_tensor_get(p, 1), 0.4, tol, "sparsemax[1]");
        assert_true(sc_tensor_get(p, 2) == 0.0);
        sc_tensor *g = from(&ctx, (sc_dtype)dt, 1, SHAPE(3), (const double[]){1, 2, 3});
        sc_tensor **gx = sc_grad(&ctx, &p, 1, &x, 1, &g, 0);
        assert_non_null(gx);
        assert_close(sc_tensor_get(gx[0], 0), -0.5, tol, "sparsemax grad[0]");
        assert_close(sc_tensor_get(gx[0], 1), 0.5, tol, "sparsemax grad[1]");
        assert_true(sc_tensor_get(gx[0], 2) == 0.0);
    }
    // A large gap: [5, 0, 1, -2] has tau_2 = (6 - 1)/2 = 2.5 > 1, so the support is
    // {0} alone and the output is one-hot.
    sc_tensor *p = sc_sparsemax(&ctx, from(&ctx, SC_F64, 1, SHAPE(4), (const double[]){5, 0, 1, -2}));
    assert_non_null(p);
    for (int i = 0; i < 4; i++) assert_true(sc_tensor_get(p, i) == (i == 0 ? 1.0 : 0.0));
    // A single unit is always 1.
    p = sc_sparsemax(&ctx, from(&ctx, SC_F32, 2, SHAPE(2, 1), (const double[]){-7, 3}));
    assert_true(sc_tensor_get(p, 0) == 1.0 && sc_tensor_get(p, 1) == 1.0);
    sc_ctx_free(&ctx);
}

// entmax15([2, 1, -2]): X = x/2 = [1, 0.5, -1].
//   k = 1: tau = 1 - 1 = 0 < 1;
//   k = 2: mean 0.75, ss = 2 (0.25)^2 = 1/8, tau = 0.75 - sqrt((1 - 1/8)/2) = 3/4 - sqrt(7)/4,
//          about 0.0886 < 0.5, kept;
//   k = 3: ss = (5/6)^2 + (1/3)^2 + (7/6)^2 = 13/6 > 1, impossible.
// p_1 = (1 - tau)^2 = (1/4 + sqrt(7)/4)^2 = 1/2 + sqrt(7)/8, p_2 = (sqrt(7)/4 - 1/4)^2 = 1/2 - sqrt(7)/8,
// p_3 = 0 (and p_1 + p_2 = 1).
// Backward with g = [1, 0, 0]: s = sqrt(p) = [(sqrt7 + 1)/4, (sqrt7 - 1)/4, 0], sum s = sqrt7/2,
// s_1 s_2 = 6/16, so gx = s g - s (s.g)/sum s = [s_1 s_2 2/sqrt7, -s_1 s_2 2/sqrt7, 0]
//                                            = [3/(4 sqrt7), -3/(4 sqrt7), 0].
static void test_entmax15_known(void **state) {
    (void)state;
    sc_ctx ctx;
    ctx_init(&ctx);
    const double r7 = sqrt(7.0);
    for (int dt = 0; dt < 2; dt++) {
        double tol = dt == SC_F64 ? 1e-14 : 1e-6;
        sc_tensor *x = from(&ctx, (sc_dtype)dt, 1, SHAPE(3), (const double[]){2, 1, -2});
        x->requires_grad = 1;
        sc_tensor *p = sc_entmax15(&ctx, x);
        assert_non_null(p);
        assert_close(sc_tensor_get(p, 0), 0.5 + r7 / 8, tol, "entmax15[0]");
        assert_close(sc_tensor_get(p, 1), 0.5 - r7 / 8, tol, "entmax15[1]");
        assert_true(sc_tensor_get(p, 2) == 0.0);
        sc_tensor *g = from(&ctx, (sc_dtype)dt, 1, SHAPE(3), (const double[]){1, 0, 0});
        sc_tensor **gx = sc_grad(&ctx, &p, 1, &x, 1, &g, 0);
        assert_non_null(gx);
        assert_close(sc_tensor_get(gx[0], 0), 3 / (4 * r7), tol, "entmax15 grad[0]");
        assert_close(sc_tensor_get(gx[0], 1), -3 / (4 * r7), tol, "entmax15 grad[1]");
        assert_true(sc_tensor_get(gx[0], 2) == 0.0);
    }
    // Equal inputs: uniform (tau = x/2 - 1/sqrt(n), every p = 1/n), for sparsemax too.
    const double eq[5] = {0.7, 0.7, 0.7, 0.7, 0.7};
    sc_tensor *pe = sc_entmax15(&ctx, from(&ctx, SC_F64, 1, SHAPE(5), eq));
    sc_tensor *ps = sc_sparsemax(&ctx, from(&ctx, SC_F64, 1, SHAPE(5), eq));
    assert_non_null(pe);
    assert_non_null(ps);
    for (int i = 0; i < 5; i++) {
        assert_close(sc_tensor_get(pe, i), 0.2, 1e-15, "entmax15 uniform");
        assert_close(sc_tensor_get(ps, i), 0.2, 1e-15, "sparsemax uniform");
    }
    // A gap of more than 2 in x (1 in x/2) is one-hot for entmax-1.5 as well.
    pe = sc_entmax15(&ctx, from(&ctx, SC_F64, 1, SHAPE(3), (const double[]){0, 2.5, 0.4}));
    for (int i = 0; i < 3; i++) assert_true(sc_tensor_get(pe, i) == (i == 1 ? 1.0 : 0.0));
    sc_ctx_free(&ctx);
}

// ---- brute-force references ---------------------------------------------------------------
// Bisection on tau for sum_i map(z_i, tau) = 1: the sum decreases in tau and is >= 1
// at tau = max - 1 (the top entry alone gives 1) and 0 at tau = max (on the map's scale).
static double map_sum(const double *z, int64_t n, double tau, int entmax) {
    double s = 0;
    for (int64_t i = 0; i < n; i++) {
        double u = (entmax ? 0.5 * z[i] : z[i]) - tau;
        if (u > 0) s += entmax ? u * u : u;
    }
    return s;
}

static double bisect_tau(const double *z, int64_t n, int entmax) {
    double m = -INFINITY;
    for (int64_t i = 0; i < n; i++) m = fmax(m, entmax ? 0.5 * z[i] : z[i]);
    double lo = m - 1, hi = m;
    for (int it = 0; it < 200; it++) {
        double mid = 0.5 * (lo + hi);
        if (map_sum(z, n, mid, entmax) >= 1) lo = mid;
        else hi = mid;
    }
    return 0.5 * (lo + hi);
}

static void test_against_bisection(void **state) {
    (void)state;
    sc_ctx ctx;
    ctx_init(&ctx);
    sc_rng r;
    sc_rng_seed(&r, 42);
    const int64_t lens[] = {1, 2, 3, 5, 8, 17, 24, 25, 40, 100};  // > 24 takes the qsort path
    int trials = sc_test_quick() ? 3 : 20;
    for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++)
        for (int t = 0; t < trials; t++) {
            int64_t n = lens[li];
            double scale = t % 3 == 0 ? 0.2 : (t % 3 == 1 ? 2.0 : 10.0);  // dense to very sparse
            sc_tensor *x = rand_tensor(&ctx, &r, SC_F64, 2, SHAPE(2, n), -scale, scale);
            sc_tensor *x32 = sc_empty(&ctx, SC_F32, 2, SHAPE(2, n));
            for (int64_t i = 0; i < x->numel; i++) sc_tensor_set(x32, i, sc_tensor_get(x, i));
            for (int entmax = 0; entmax < 2; entmax++) {
                sc_tensor *p = entmax ? sc_entmax15(&ctx, x) : sc_sparsemax(&ctx, x);
                sc_tensor *p32 = entmax ? sc_entmax15(&ctx, x32) : sc_sparsemax(&ctx, x32);
                assert_non_null(p);
                assert_non_null(p32);
                for (int64_t row = 0; row < 2; row++) {
                    double z[100], zf[100], sum = 0, sum32 = 0;
                    for (int64_t i = 0; i < n; i++) {
                        z[i] = sc_tensor_get(x, row * n + i);
                        zf[i] = sc_tensor_get(x32, row * n + i);
                    }
                    double tau = bisect_tau(z, n, entmax), tauf = bisect_tau(zf, n, entmax);
                    for (int64_t i = 0; i < n; i++) {
                        double u = (entmax ? 0.5 * z[i] : z[i]) - tau, uf = (entmax ? 0.5 * zf[i] : zf[i]) - tauf;
                        double want = u > 0 ? (entmax ? u * u : u) : 0, want32 = uf > 0 ? (entmax ? uf * uf : uf) : 0;
                        double got = sc_tensor_get(p, row * n + i), got32 = sc_tensor_get(p32, row * n + i);
                        assert_close(got, want, 1e-12, entmax ? "entmax15 vs bisection" : "sparsemax vs bisection");
                        assert_close(got32, want32, 2e-6, entmax ? "entmax15 f32" : "sparsemax f32");
                        assert_true(got >= 0);
                        sum += got;
                        sum32 += got32;
                    }
                    assert_close(sum, 1.0, 1e-12, "sum to 1");
                    assert_close(sum32, 1.0, 1e-5, "f32 sum to 1");
                }
            }
        }
    // The kernels' threshold functions directly, against bisection.
    double z[6] = {0.3, -1.2, 2.0, 1.9, 0.0, 1.1}, scratch[6];
    int64_t k;
    assert_close(sc_k_sparsemax_tau(z, 6, scratch, &k), bisect_tau(z, 6, 0), 1e-13, "sparsemax tau");
    assert_int_equal(k, 2);  // 2.0 and 1.9: tau = (3.9 - 1)/2 = 1.45 > 1.1
    assert_close(sc_k_entmax15_tau(z, 6, scratch, &k), bisect_tau(z, 6, 1), 1e-13, "entmax15 tau");
    sc_ctx_free(&ctx);
}

// ---- masks -------------------------------------------------------------------------------
// A unit masked with -1e9 gets exactly 0, and the rest equal the normalizer of the
// row with the masked units removed (so they still sum to 1).
static void test_masked_units(void **state) {
    (void)state;
    sc_ctx ctx;
    ctx_init(&ctx);
    sc_rng r;
    sc_rng_seed(&r, 7);
    const int64_t R = 4, N = 9;
    for (int dt = 0; dt < 2; dt++) {
        sc_tensor *x = rand_tensor(&ctx, &r, (sc_dtype)dt, 2, SHAPE(R, N), -1.5, 1.5);
        sc_tensor *mask = sc_zeros(&ctx, SC_I32, 2, SHAPE(R, N));
        for (int64_t i = 0; i < R * N; i++) ((int32_t *)mask->data)[i] = i / N == 3 ? i % N != 4 : i % 3 == 1;
        // Row 0 also masks its largest score (a masked maximum must not leak mass);
        // row 3 keeps a single unit (which must get exactly 1).
        int64_t top = 0;
        for (int64_t i = 1; i < N; i++)
            if (sc_tensor_get(x, i) > sc_tensor_get(x, top)) top = i;
        ((int32_t *)mask->data)[top] = 1;
        sc_tensor *xm = sc_masked_fill(&ctx, x, mask, -1e9);
        for (int entmax = 0; entmax < 2; entmax++) {
            sc_tensor *p = entmax ? sc_entmax15(&ctx, xm) : sc_sparsemax(&ctx, xm);
            assert_non_null(p);
            for (int64_t row = 0; row < R; row++) {
                double kept[16];
                int64_t nk = 0;
                for (int64_t i = 0; i < N; i++)
                    if (!((int32_t *)mask->data)[row * N + i]) kept[nk++] = sc_tensor_get(x, row * N + i);
                sc_tensor *ref_in = from(&ctx, SC_F64, 1, &nk, kept);
                sc_tensor *ref = entmax ? sc_entmax15(&ctx, ref_in) : sc_sparsemax(&ctx, ref_in);
                double sum = 0, tol = dt == SC_F64 ? 1e-12 : 1e-6;
                for (int64_t i = 0, j = 0; i < N; i++) {
                    double v = sc_tensor_get(p, row * N + i);
                    if (((int32_t *)mask->data)[row * N + i]) {
                        if (v != 0.0)
                            fail_msg("dt %d entmax %d row %lld: masked unit %lld got %g", dt, entmax, (long long)row,
                                     (long long)i, v);
                    } else {
                        assert_close(v, sc_tensor_get(ref, j++), tol, "masked row vs reduced row");
                        sum += v;
                    }
                }
                assert_close(sum, 1.0, tol, "unmasked units sum to 1");
            }
        }
    }
    // Masking with -inf works too: [1, -inf, 0.5, -inf] is [1, 0.5] with zeros between.
    // sparsemax([1, 0.5]) = [0.75, 0.25] (tau = 0.25); entmax15: X = [0.5, 0.25],
    // tau = 0.375 - sqrt((1 - 1/32)/2) = 3/8 - sqrt(31)/8, so p = (1/8 + sqrt(31)/8)^2, (sqrt(31)/8 - 1/8)^2.
    const double inf_row[4] = {1, -INFINITY, 0.5, -INFINITY};
    sc_tensor *xi = from(&ctx, SC_F64, 1, SHAPE(4), inf_row);
    sc_tensor *si = sc_sparsemax(&ctx, xi), *ei = sc_entmax15(&ctx, xi);
    assert_non_null(si);
    assert_non_null(ei);
    const double r31 = sqrt(31.0), s_want[4] = {0.75, 0, 0.25, 0};
    const double e_want[4] = {(1 + r31) * (1 + r31) / 64, 0, (r31 - 1) * (r31 - 1) / 64, 0};
    for (int i = 0; i < 4; i++) {
        assert_close(sc_tensor_get(si, i), s_want[i], 1e-15, "sparsemax with -inf");
        assert_close(sc_tensor_get(ei, i), e_want[i], 1e-15, "entmax15 with -inf");
    }
    // A NaN score is garbage in, but must not crash or read out of bounds (memcheck).
    sc_tensor *xn = from(&ctx, SC_F32, 1, SHAPE(30), (const double[30]){[3] = NAN, [7] = 1.0});
    assert_non_null(sc_sparsemax(&ctx, xn));
    assert_non_null(sc_entmax15(&ctx, xn));
    // Every unit masked: the row is all -1e9, i.e. equal scores, hence uniform.
    sc_tensor *all = sc_full(&ctx, SC_F64, 1, SHAPE(4), -1e9);
    sc_tensor *pe = sc_entmax15(&ctx, all), *ps = sc_sparsemax(&ctx, all);
    for (int i = 0; i < 4; i++) {
        assert_close(sc_tensor_get(pe, i), 0.25, 1e-12, "all-masked entmax15");
        assert_close(sc_tensor_get(ps, i), 0.25, 1e-12, "all-masked sparsemax");
    }
    sc_ctx_free(&ctx);
}

// Non-contiguous and 3-d inputs: the last axis of a transposed view, rows flattened.
// Gradients (f32 fast path and f64) sum to zero per row: the output stays on the simplex.
static void test_views_and_grad_rows(void **state) {
    (void)state;
    sc_ctx ctx;
    ctx_init(&ctx);
    sc_rng r;
    sc_rng_seed(&r, 3);
    sc_tensor *x = rand_tensor(&ctx, &r, SC_F64, 3, SHAPE(2, 5, 3), -2, 2);
    x->requires_grad = 1;
    sc_tensor *xt = sc_transpose(&ctx, x, 1, 2);  // (2, 3, 5), not contiguous
    sc_tensor *xc = sc_contiguous(&ctx, sc_detach(&ctx, xt));
    for (int entmax = 0; entmax < 2; entmax++) {
        sc_tensor *p = entmax ? sc_entmax15(&ctx, xt) : sc_sparsemax(&ctx, xt);
        sc_tensor *q = entmax ? sc_entmax15(&ctx, xc) : sc_sparsemax(&ctx, xc);
        assert_non_null(p);
        for (int64_t i = 0; i < p->numel; i++) assert_true(sc_tensor_get(p, i) == sc_tensor_get(q, i));
        sc_tensor *g = rand_tensor(&ctx, &r, SC_F64, 3, SHAPE(2, 3, 5), -1, 1);
        sc_tensor **gx = sc_grad(&ctx, &p, 1, &x, 1, &g, 0);
        assert_non_null(gx);
        // gx has x's shape (2, 5, 3); the normalized axis is 1.
        for (int b = 0; b < 2; b++)
            for (int c = 0; c < 3; c++) {
                double s = 0;
                for (int t = 0; t < 5; t++) s += sc_tensor_get(gx[0], (b * 5 + t) * 3 + c);
                assert_close(s, 0.0, 1e-12, "gradient row sum");
            }
    }
    sc_ctx_free(&ctx);
}

// Without create_graph the rules take a fused kernel; with it, the op-based formula.
// Both must give the same gradient (f64 and f32, masked rows, a non-contiguous g).
static void test_fused_backward_agrees(void **state) {
    (void)state;
    sc_ctx ctx;
    ctx_init(&ctx);
    sc_rng r;
    sc_rng_seed(&r, 23);
    for (int dt = 0; dt < 2; dt++)
        for (int entmax = 0; entmax < 2; entmax++) {
            sc_tensor *x = rand_tensor(&ctx, &r, (sc_dtype)dt, 2, SHAPE(5, 12), -2, 2);
            sc_tensor *mask = sc_zeros(&ctx, SC_F64, 2, SHAPE(1, 12));
            ((double *)mask->data)[3] = ((double *)mask->data)[8] = 1;
            x->requires_grad = 1;
            sc_tensor *xm = sc_masked_fill(&ctx, x, mask, -1e9);
            sc_tensor *p = entmax ? sc_entmax15(&ctx, xm) : sc_sparsemax(&ctx, xm);
            // g = transpose of a (12, 5) tensor: a non-contiguous incoming gradient.
            sc_tensor *g = sc_transpose(&ctx, rand_tensor(&ctx, &r, (sc_dtype)dt, 2, SHAPE(12, 5), -1, 1), 0, 1);
            uint64_t before = sc_k_sparse_fused_count();
            sc_tensor **fast = sc_grad(&ctx, &p, 1, &x, 1, &g, 0);
            assert_true(sc_k_sparse_fused_count() == before + 1);
            sc_tensor **slow = sc_grad(&ctx, &p, 1, &x, 1, &g, 1);
            assert_true(sc_k_sparse_fused_count() == before + 1);
            assert_non_null(fast);
            assert_non_null(slow);
            double tol = dt == SC_F64 ? 1e-13 : 1e-5;
            for (int64_t i = 0; i < x->numel; i++)
                assert_close(sc_tensor_get(fast[0], i), sc_tensor_get(slow[0], i), tol, "fused vs op-based rule");
        }
    sc_ctx_free(&ctx);
}

// ---- convolution --------------------------------------------------------------------------
typedef struct { int64_t B, C, H, W, O, kh, kw; int stride, pad; } conv_case;

// The textbook six loops (plus the batch): out[b,o,oh,ow] = bias[o] +
// sum_{c,i,j} w[o,c,i,j] x[b,c,oh s - p + i, ow s - p + j], zero outside the image.
static double naive_conv(const sc_tensor *x, const sc_tensor *w, const sc_tensor *bias, const conv_case *k,
                         int64_t b, int64_t o, int64_t oh, int64_t ow) {
    double acc = bias ? sc_tensor_get(bias, o) : 0;
    for (int64_t c = 0; c < k->C; c++)
        for (int64_t i = 0; i < k->kh; i++)
            for (int64_t j = 0; j < k->kw; j++) {
                int64_t ih = oh * k->stride - k->pad + i, iw = ow * k->stride - k->pad + j;
                if (ih < 0 || ih >= k->H || iw < 0 || iw >= k->W) continue;
                acc += sc_tensor_get(w, ((o * k->C + c) * k->kh + i) * k->kw + j) *
                       sc_tensor_get(x, ((b * k->C + c) * k->H + ih) * k->W + iw);
            }
    return acc;
}

static void test_conv2d_vs_naive(void **state) {
    (void)state;
    sc_ctx ctx;
    ctx_init(&ctx);
    sc_rng r;
    sc_rng_seed(&r, 99);
    const conv_case cases[] = {
        {2, 3, 7, 7, 4, 3, 3, 1, 1}, {1, 2, 6, 5, 3, 3, 2, 2, 0}, {2, 1, 5, 5, 2, 5, 5, 1, 2},
        {1, 3, 8, 8, 2, 1, 1, 3, 0}, {2, 2, 7, 6, 3, 3, 3, 2, 1}, {1, 4, 9, 11, 5, 4, 2, 3, 2},
        {3, 2, 3, 3, 2, 5, 5, 1, 1},
    };
    for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
        const conv_case *k = &cases[ci];
        for (int dt = 0; dt < 2; dt++) {
            sc_tensor *x = rand_tensor(&ctx, &r, (sc_dtype)dt, 4, SHAPE(k->B, k->C, k->H, k->W), -1, 1);
            sc_tensor *w = rand_tensor(&ctx, &r, (sc_dtype)dt, 4, SHAPE(k->O, k->C, k->kh, k->kw), -1, 1);
            sc_tensor *bias = ci % 2 ? NULL : rand_tensor(&ctx, &r, (sc_dtype)dt, 1, SHAPE(k->O), -1, 1);
            sc_tensor *y = sc_conv2d(&ctx, x, w, bias, k->stride, k->pad);
            if (!y) fail_msg("conv case %zu: %s", ci, ctx.err.msg);
            int64_t OH = (k->H + 2 * k->pad - k->kh) / k->stride + 1, OW = (k->W + 2 * k->pad - k->kw) / k->stride + 1;
            assert_int_equal(y->ndim, 4);
            assert_true(y->shape[0] == k->B && y->shape[1] == k->O && y->shape[2] == OH && y->shape[3] == OW);
            double tol = dt == SC_F64 ? 1e-12 : 1e-5;
            for (int64_t b = 0; b < k->B; b++)
                for (int64_t o = 0; o < k->O; o++)
                    for (int64_t oh = 0; oh < OH; oh++)
                        for (int64_t ow = 0; ow < OW; ow++)
                            assert_close(sc_tensor_get(y, ((b * k->O + o) * OH + oh) * OW + ow),
                                         naive_conv(x, w, bias, k, b, o, oh, ow), tol, "conv2d vs naive");
        }
    }
    sc_ctx_free(&ctx);
}

// col2im is the adjoint of im2col: <im2col(x), c> = <x, col2im(c)> for any x, c.
static void test_im2col_adjoint(void **state) {
    (void)state;
    sc_ctx ctx;
    ctx_init(&ctx);
    sc_rng r;
    sc_rng_seed(&r, 5);
    const int geo[][4] = {{3, 3, 1, 1}, {2, 3, 2, 0}, {3, 2, 2, 2}, {1, 1, 1, 0}, {4, 4, 3, 1}};
    for (size_t gi = 0; gi < sizeof geo / sizeof geo[0]; gi++) {
        sc_tensor *x = rand_tensor(&ctx, &r, SC_F64, 4, SHAPE(2, 3, 7, 6), -1, 1);
        sc_tensor *cols = sc_im2col(&ctx, x, geo[gi][0], geo[gi][1], geo[gi][2], geo[gi][3]);
        assert_non_null(cols);
        sc_tensor *c = rand_tensor(&ctx, &r, SC_F64, 3, cols->shape, -1, 1);
        sc_tensor *back = sc_col2im(&ctx, c, 3, 7, 6, geo[gi][0], geo[gi][1], geo[gi][2], geo[gi][3]);
        assert_non_null(back);
        double lhs = sc_tensor_get(sc_sum_all(&ctx, sc_mul(&ctx, cols, c)), 0);
        double rhs = sc_tensor_get(sc_sum_all(&ctx, sc_mul(&ctx, x, back)), 0);
        assert_close(lhs, rhs, 1e-11, "im2col adjoint");
    }
    sc_ctx_free(&ctx);
}

// ---- pooling ----------------------------------------------------------------------------------
static void test_pooling_vs_naive(void **state) {
    (void)state;
    sc_ctx ctx;
    ctx_init(&ctx);
    sc_rng r;
    sc_rng_seed(&r, 17);
    const int combos[][2] = {{2, 2}, {3, 1}, {3, 2}, {2, 3}, {1, 1}, {5, 1}};
    for (size_t pi = 0; pi < sizeof combos / sizeof combos[0]; pi++)
        for (int dt = 0; dt < 2; dt++) {
            int k = combos[pi][0], st = combos[pi][1];
            const int64_t B = 2, C = 3, H = 7, W = 6, OH = (H - k) / st + 1, OW = (W - k) / st + 1;
            sc_tensor *x = rand_tensor(&ctx, &r, (sc_dtype)dt, 4, SHAPE(B, C, H, W), -2, 2);
            sc_tensor *avg = sc_avg_pool2d(&ctx, x, k, st), *mx = sc_max_pool2d(&ctx, x, k, st);
            assert_non_null(avg);
            assert_non_null(mx);
            assert_true(avg->shape[2] == OH && avg->shape[3] == OW && mx->shape[2] == OH && mx->shape[3] == OW);
            double tol = dt == SC_F64 ? 1e-14 : 1e-6;
            for (int64_t bc = 0; bc < B * C; bc++)
                for (int64_t oh = 0; oh < OH; oh++)
                    for (int64_t ow = 0; ow < OW; ow++) {
                        double s = 0, m = -INFINITY;
                        for (int i = 0; i < k; i++)
                            for (int j = 0; j < k; j++) {
                                double v = sc_tensor_get(x, (bc * H + oh * st + i) * W + ow * st + j);
                                s += v;
                                m = fmax(m, v);
                            }
                        int64_t at = (bc * OH + oh) * OW + ow;
                        assert_close(sc_tensor_get(avg, at), s / (k * k), tol, "avg_pool2d vs naive");
                        assert_true(sc_tensor_get(mx, at) == m);
                    }
        }
    // Max pooling routes the gradient to the window's maximum only:
    // x = [[1, 5], [3, 2]] with k = 2 gives 5, and d/dx = [[0, 1], [0, 0]].
    sc_tensor *x = from(&ctx, SC_F64, 4, SHAPE(1, 1, 2, 2), (const double[]){1, 5, 3, 2});
    x->requires_grad = 1;
    sc_tensor *y = sc_max_pool2d(&ctx, x, 2, 2);
    sc_tensor **g = sc_grad(&ctx, &y, 1, &x, 1, NULL, 0);
    assert_non_null(g);
    assert_true(sc_tensor_get(y, 0) == 5.0);
    for (int i = 0; i < 4; i++) assert_true(sc_tensor_get(g[0], i) == (i == 1 ? 1.0 : 0.0));
    sc_ctx_free(&ctx);
}

// ---- errors ------------------------------------------------------------------------------------
// Runs one failing call on a fresh ctx and checks the message contains `want`.
#define EXPECT_ERR(call, want)                                                            \
    do {                                                                                  \
        sc_ctx_reset(&ctx);                                                               \
        sc_tensor *res_ = (call);                                                         \
        assert_null(res_);                                                                \
        assert_true(ctx.failed);                                                          \
        if (!strstr(ctx.err.msg, want)) fail_msg("message \"%s\" lacks \"%s\"", ctx.err.msg, want); \
    } while (0)

static void test_errors(void **state) {
    (void)state;
    sc_ctx ctx;
    ctx_init(&ctx);
#define T(dt, ...) sc_zeros(&ctx, dt, (int)(sizeof((const int64_t[]){__VA_ARGS__}) / sizeof(int64_t)), SHAPE(__VA_ARGS__))
    EXPECT_ERR(sc_conv2d(&ctx, T(SC_F32, 1, 3, 5, 5), T(SC_F32, 2, 2, 3, 3), NULL, 1, 0),
               "conv2d: channel mismatch: input (1, 3, 5, 5) f32 has 3 channels, weight (2, 2, 3, 3) f32 expects 2");
    EXPECT_ERR(sc_conv2d(&ctx, T(SC_F32, 1, 1, 3, 3), T(SC_F32, 1, 1, 5, 5), NULL, 1, 0),
               "conv2d: kernel 5x5 is larger than the padded input: image 3x3 with pad 0 (input (1, 1, 3, 3) f32)");
    EXPECT_ERR(sc_conv2d(&ctx, T(SC_F32, 1, 1, 3, 3), T(SC_F32, 2, 1, 3, 3), T(SC_F32, 3), 1, 0),
               "conv2d: bias (3,) f32 must be (2,) for weight (2, 1, 3, 3) f32");
    EXPECT_ERR(sc_conv2d(&ctx, T(SC_F32, 3, 5, 5), T(SC_F32, 2, 3, 3, 3), NULL, 1, 0),
               "conv2d: input must be (B, C, H, W), got (3, 5, 5) f32");
    EXPECT_ERR(sc_conv2d(&ctx, T(SC_F32, 1, 3, 5, 5), T(SC_F32, 2, 3, 3), NULL, 1, 0),
               "conv2d: weight must be (O, C, kh, kw), got (2, 3, 3) f32");
    EXPECT_ERR(sc_conv2d(&ctx, T(SC_F32, 1, 3, 5, 5), T(SC_F64, 2, 3, 3, 3), NULL, 1, 0), "conv2d: dtypes differ");
    EXPECT_ERR(sc_conv2d(&ctx, T(SC_F32, 1, 3, 5, 5), T(SC_F32, 2, 3, 3, 3), NULL, 0, 0),
               "conv2d: kernel 3x3, stride 0, pad 0 for (1, 3, 5, 5) f32");
    EXPECT_ERR(sc_im2col(&ctx, T(SC_F32, 1, 1, 5, 5), 3, 3, 1, 2000000000), "im2col: kernel 3x3, stride 1, pad 2000000000");
    EXPECT_ERR(sc_im2col(&ctx, T(SC_F64, 4, 4), 2, 2, 1, 0), "im2col: input must be (B, C, H, W), got (4, 4) f64");
    EXPECT_ERR(sc_im2col(&ctx, T(SC_F64, 1, 1, 4, 4), 2, 7, 1, 1), "im2col: kernel 2x7 is larger than the padded input");
    EXPECT_ERR(sc_col2im(&ctx, T(SC_F64, 1, 6, 9), 2, 4, 4, 2, 2, 1, 0),
               "col2im: columns (1, 6, 9) f64 do not match C=2, 2x2 kernel, stride 1, pad 0 on 4x4: expected (B, 8, 9)");
    EXPECT_ERR(sc_col2im(&ctx, T(SC_F64, 1, 8, 10), 2, 4, 4, 2, 2, 1, 0), "expected (B, 8, 9)");
    EXPECT_ERR(sc_max_pool2d(&ctx, T(SC_F32, 2, 3, 4, 4), 5, 1),
               "max_pool2d: kernel 5x5 is larger than the padded input: image 4x4 with pad 0 (input (2, 3, 4, 4) f32)");
    EXPECT_ERR(sc_avg_pool2d(&ctx, T(SC_F32, 2, 3, 4), 2, 2), "avg_pool2d: input must be (B, C, H, W), got (2, 3, 4) f32");
    EXPECT_ERR(sc_sparsemax(&ctx, T(SC_I32, 3)), "sparsemax: expected a floating-point tensor, got (3,) i32");
    EXPECT_ERR(sc_entmax15(&ctx, T(SC_F32, 2, 0)), "entmax15: the last axis of (2, 0) f32 is empty");
    EXPECT_ERR(sc_entmax15(&ctx, sc_scalar(&ctx, SC_F64, 1.0)), "entmax15: needs at least one dimension, got () f64");
#undef T
    // Errors are sticky: a later op on the failed result returns NULL, the first message stays.
    sc_ctx_reset(&ctx);
    sc_tensor *bad = sc_max_pool2d(&ctx, sc_zeros(&ctx, SC_F32, 4, SHAPE(1, 1, 2, 2)), 3, 1);
    assert_null(sc_sparsemax(&ctx, bad));
    assert_non_null(strstr(ctx.err.msg, "max_pool2d:"));
    sc_ctx_free(&ctx);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sparsemax_known),    cmocka_unit_test(test_entmax15_known),
        cmocka_unit_test(test_against_bisection),  cmocka_unit_test(test_masked_units),
        cmocka_unit_test(test_views_and_grad_rows), cmocka_unit_test(test_conv2d_vs_naive),
        cmocka_unit_test(test_im2col_adjoint),     cmocka_unit_test(test_pooling_vs_naive),
        cmocka_unit_test(test_fused_backward_agrees), cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests_name("sparse_conv", tests, NULL, sc_test_teardown);
}
