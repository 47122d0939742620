// Explanation losses (explain/losses.c): known values (KL of equal distributions
// and the Fenchel–Young losses at their minimizer are 0), first derivatives
// against finite differences and against the closed form y - p of the FY losses,
// second order (Hessian-vector products of the joint (scores, p) Hessian against
// finite differences of gradients, f64), third order along the scores, a sparse
// teacher, masking, and the combination check.
#include "sc_test.h"

#include <math.h>
#include <string.h>

#include "explain/losses.h"
#include "ops/ops.h"


enum { B = 2, U = 5 };
static const int64_t SH[2] = {B, U};
// Scores away from sparsemax/entmax support boundaries (checked by the FD agreement).
static const double SCORES[B * U] = {0.9, -0.4, 0.3, 1.6, -1.2, 0.2, 1.1, -0.7, 0.6, 0.0};
// A teacher distribution per row, strictly positive (p log p has an infinite slope
// at 0); row 1 unit 4 is masked in the masked cases, dropping its 0.05 of mass.
static const double PT[B * U] = {0.3, 0.1, 0.2, 0.35, 0.05, 0.25, 0.35, 0.1, 0.25, 0.05};
static const double MASK[B * U] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 0};

static sc_tensor *leaf(sc_ctx *ctx, const double *v) {
    sc_tensor *t = sc_from_f64(ctx, SC_F64, 2, SH, v);
    t->requires_grad = 1;
    return t;
}

static sc_tensor *loss_of(sc_ctx *ctx, sc_expl_loss_kind k, sc_tensor *p, sc_tensor *s, int masked) {
    sc_tensor *m = masked ? sc_from_f64(ctx, SC_F64, 2, SH, MASK) : NULL;
    return sc_expl_loss(ctx, k, p, s, m);
}

// Loss k at leaves in[0] = scores sv and in[1] = teacher pv (*loss, if asked)
// and its gradient with respect to both.
static sc_tensor **joint_grad(sc_ctx *ctx, int k, int masked, const double *sv, const double *pv, int create_graph,
                              sc_tensor *in[2], sc_tensor **loss) {
    in[0] = leaf(ctx, sv), in[1] = leaf(ctx, pv);
    sc_tensor *l = loss_of(ctx, (sc_expl_loss_kind)k, in[1], in[0], masked);
    assert_non_null(l);
    if (loss) *loss = l;
    sc_tensor **g = sc_grad(ctx, &l, 1, in, 2, NULL, create_graph);
    assert_non_null(g);
    return g;
}

// The joint Hessian-vector product H (vs, vp) from g = joint_grad(create_graph).
static sc_tensor **joint_hvp(sc_ctx *ctx, sc_tensor **g, sc_tensor *in[2], const double *vs, const double *vp) {
    sc_tensor *ts = sc_from_f64(ctx, SC_F64, 2, SH, vs), *tp = sc_from_f64(ctx, SC_F64, 2, SH, vp);
    sc_tensor *dot = sc_add(ctx, sc_sum_all(ctx, sc_mul(ctx, g[0], ts)), sc_sum_all(ctx, sc_mul(ctx, g[1], tp)));
    sc_tensor **hv = sc_grad(ctx, &dot, 1, in, 2, NULL, 0);
    assert_non_null(hv);
    return hv;
}

static double loss_value(sc_ctx *ctx, sc_expl_loss_kind k, const double *p, const double *s, int masked) {
    sc_no_grad_begin(ctx);
    sc_tensor *l = loss_of(ctx, k, sc_from_f64(ctx, SC_F64, 2, SH, p), sc_from_f64(ctx, SC_F64, 2, SH, s), masked);
    sc_no_grad_end(ctx);
    assert_non_null(l);
    return sc_tensor_get(l, 0);
}

// Row-wise normalizer of SCORES (with the mask fill) as plain doubles.
static void normalize(sc_ctx *ctx, sc_expl_norm n, const double *s, int masked, double *out) {
    sc_no_grad_begin(ctx);
    sc_tensor *x = sc_from_f64(ctx, SC_F64, 2, SH, s);
    if (masked) x = sc_expl_mask_scores(ctx, x, sc_from_f64(ctx, SC_F64, 2, SH, MASK));
    sc_tensor *y = n == SC_NORM_SOFTMAX ? sc_softmax(ctx, x, -1)
                   : n == SC_NORM_SPARSEMAX ? sc_sparsemax(ctx, x) : sc_entmax15(ctx, x);
    sc_no_grad_end(ctx);
    assert_non_null(y);
    for (int i = 0; i < B * U; i++) out[i] = sc_tensor_get(y, i);
}

static const sc_expl_norm NORM_OF[3] = {SC_NORM_SOFTMAX, SC_NORM_SPARSEMAX, SC_NORM_ENTMAX15};

static void test_zero_at_match(void **state) {
    sc_ctx *ctx = *state;
    for (int k = 0; k < 3; k++)
        for (int masked = 0; masked < 2; masked++) {
            sc_ctx_reset(ctx);
            double y[B * U];
            normalize(ctx, NORM_OF[k], SCORES, masked, y);
            if (k > 0) {  // the sparse normalizers really produce zeros here
                int zeros = 0;
                for (int i = 0; i < B * U; i++) zeros += y[i] == 0.0;
                assert_true(zeros >= 2);
            }
            double l0 = loss_value(ctx, (sc_expl_loss_kind)k, y, SCORES, masked);
            assert_true(fabs(l0) < 1e-12);
            // Against another teacher the loss is strictly positive.
            double l1 = loss_value(ctx, (sc_expl_loss_kind)k, PT, SCORES, masked);
            assert_true(l1 > 1e-3);
        }
}

static void test_kl_known_value(void **state) {
    sc_ctx *ctx = *state;
    sc_ctx_reset(ctx);
    // One row: scores 0 on 2 units -> q = (1/2, 1/2); p = (1, 0): KL = log 2
    // (the p = 0 term vanishes even though p is clipped inside the log).
    int64_t sh[2] = {1, 2};
    double s[2] = {0, 0}, p[2] = {1, 0};
    sc_tensor *l = sc_expl_kl_loss(ctx, sc_from_f64(ctx, SC_F64, 2, sh, p), sc_from_f64(ctx, SC_F64, 2, sh, s), NULL);
    assert_non_null(l);
    assert_true(fabs(sc_tensor_get(l, 0) - log(2.0)) < 1e-6);
    // Sparsemax FY by hand: theta = (1, 0) -> y = (1, 0); p = (1/2, 1/2):
    // <theta, y - p> - |y|^2/2 + |p|^2/2 = 1/2 - 1/2 + 1/4 = 1/4.
    double s2[2] = {1, 0}, p2[2] = {0.5, 0.5};
    l = sc_expl_sparsemax_loss(ctx, sc_from_f64(ctx, SC_F64, 2, sh, p2), sc_from_f64(ctx, SC_F64, 2, sh, s2), NULL);
    assert_true(fabs(sc_tensor_get(l, 0) - 0.25) < 1e-12);
    // Entmax FY: theta = (3, 0) -> y = ([1.5 - 0.5]^2, 0) = (1, 0);
    // <theta, y - p> - 4/3 (1 - 2 (1/2)^1.5) = 1.5 - 4/3 (1 - 2^-0.5).
    double s3[2] = {3, 0};
    l = sc_expl_entmax15_loss(ctx, sc_from_f64(ctx, SC_F64, 2, sh, p2), sc_from_f64(ctx, SC_F64, 2, sh, s3), NULL);
    assert_true(fabs(sc_tensor_get(l, 0) - (1.5 - 4.0 / 3.0 * (1 - pow(0.5, 0.5)))) < 1e-12);
}

// First order: FD on every coordinate of scores and p; FY also against (y - p)/B.
static void test_gradients(void **state) {
    sc_ctx *ctx = *state;
    for (int k = 0; k < 3; k++)
        for (int masked = 0; masked < 2; masked++) {
            sc_ctx_reset(ctx);
            sc_tensor *in[2];
            sc_tensor **g = joint_grad(ctx, k, masked, SCORES, PT, 0, in, NULL);
            double y[B * U];
            normalize(ctx, NORM_OF[k], SCORES, masked, y);
            const double h = 1e-6;
            for (int i = 0; i < B * U; i++) {
                double sp[B * U], sm[B * U], pp[B * U], pm[B * U];
                memcpy(sp, SCORES, sizeof sp), memcpy(sm, SCORES, sizeof sm);
                memcpy(pp, PT, sizeof pp), memcpy(pm, PT, sizeof pm);
                sp[i] += h, sm[i] -= h, pp[i] += h, pm[i] -= h;
                double fd_s = (loss_value(ctx, k, PT, sp, masked) - loss_value(ctx, k, PT, sm, masked)) / (2 * h);
                double fd_p = (loss_value(ctx, k, pp, SCORES, masked) - loss_value(ctx, k, pm, SCORES, masked)) / (2 * h);
                assert_true(fabs(sc_tensor_get(g[0], i) - fd_s) < 1e-6);
                assert_true(fabs(sc_tensor_get(g[1], i) - fd_p) < 1e-6);
                // FY: y - p exactly; KL: q sum(p) - p (sum(p) = 0.95 in the masked row 1).
                double psum = 0;
                for (int j = 0; j < U; j++) psum += masked && MASK[i / U * U + j] == 0 ? 0.0 : PT[i / U * U + j];
                double want = masked && MASK[i] == 0 ? 0.0 : ((k == 0 ? psum : 1.0) * y[i] - PT[i]) / B;
                assert_true(fabs(sc_tensor_get(g[0], i) - want) < 1e-9);
            }
        }
}

// Gradient at (s + e vs, p + e vp), no graph.
static void grad_at(sc_ctx *ctx, int k, int masked, const double *vs, const double *vp, double e, double *gs,
                    double *gp) {
    double s2[B * U], p2[B * U];
    for (int i = 0; i < B * U; i++) s2[i] = SCORES[i] + e * vs[i], p2[i] = PT[i] + e * vp[i];
    sc_tensor *in[2];
    sc_tensor **g = joint_grad(ctx, k, masked, s2, p2, 0, in, NULL);
    for (int i = 0; i < B * U; i++) gs[i] = sc_tensor_get(g[0], i), gp[i] = sc_tensor_get(g[1], i);
}

// Second order: H v through create_graph vs central differences of gradients.
static void test_hvp(void **state) {
    sc_ctx *ctx = *state;
    const double VS[B * U] = {0.3, -0.2, 0.5, 0.1, -0.4, 0.2, 0.7, -0.3, -0.1, 0.6};
    const double VP[B * U] = {-0.1, 0.2, 0.05, -0.15, 0.3, 0.1, -0.2, 0.25, 0.05, -0.3};
    for (int k = 0; k < 3; k++)
        for (int masked = 0; masked < 2; masked++) {
            sc_ctx_reset(ctx);
            sc_tensor *in[2];
            sc_tensor **hv = joint_hvp(ctx, joint_grad(ctx, k, masked, SCORES, PT, 1, in, NULL), in, VS, VP);
            double gsp[B * U], gpp[B * U], gsm[B * U], gpm[B * U];
            const double e = 1e-5;
            grad_at(ctx, k, masked, VS, VP, e, gsp, gpp);
            grad_at(ctx, k, masked, VS, VP, -e, gsm, gpm);
            double norm = 0;
            for (int i = 0; i < B * U; i++) {
                double fs = (gsp[i] - gsm[i]) / (2 * e), fp = (gpp[i] - gpm[i]) / (2 * e);
                assert_true(fabs(sc_tensor_get(hv[0], i) - fs) < 1e-6);
                assert_true(fabs(sc_tensor_get(hv[1], i) - fp) < 1e-6);
                norm += fabs(fs) + fabs(fp);
            }
            assert_true(norm > 1e-2);  // the second-order signal is not trivially zero
        }
}

// A sparse teacher (exact zeros, e.g. from sparsemax) with every loss: values,
// gradients and Hessian-vector products stay finite (p log p and p^1.5 at p = 0),
// FY losses stay >= 0, and H v along the scores still matches finite differences.
static void test_sparse_teacher(void **state) {
    sc_ctx *ctx = *state;
    static const double PS[B * U] = {0.6, 0.4, 0, 0, 0, 0, 0.7, 0, 0.3, 0};
    static const double VS[B * U] = {0.3, -0.2, 0.5, 0.1, -0.4, 0.2, 0.7, -0.3, -0.1, 0.6};
    static const double VP[B * U] = {-0.1, 0.2, 0.05, -0.15, 0.3, 0.1, -0.2, 0.25, 0.05, -0.3};
    for (int k = 0; k < 3; k++) {
        sc_ctx_reset(ctx);
        sc_tensor *in[2], *l;
        sc_tensor **g = joint_grad(ctx, k, 1, SCORES, PS, 1, in, &l);
        assert_true(isfinite(sc_tensor_get(l, 0)) && sc_tensor_get(l, 0) > 0);
        sc_tensor **hv = joint_hvp(ctx, g, in, VS, VP);
        sc_tensor *s = in[0], *vs = sc_from_f64(ctx, SC_F64, 2, SH, VS);
        for (int i = 0; i < B * U; i++)
            for (int j = 0; j < 2; j++) {
                assert_true(isfinite(sc_tensor_get(g[j], i)));
                assert_true(isfinite(sc_tensor_get(hv[j], i)));
            }
        // Scores direction only: (H_ss vs) against differences of the scores gradient.
        sc_tensor *dot_s = sc_sum_all(ctx, sc_mul(ctx, g[0], vs));
        sc_tensor **hs = sc_grad(ctx, &dot_s, 1, &s, 1, NULL, 0);
        assert_non_null(hs);
        const double e = 1e-5;
        double sp[B * U], sm[B * U];
        for (int i = 0; i < B * U; i++) sp[i] = SCORES[i] + e * VS[i], sm[i] = SCORES[i] - e * VS[i];
        sc_tensor *s_p = leaf(ctx, sp), *s_m = leaf(ctx, sm);
        sc_tensor *l_p = loss_of(ctx, (sc_expl_loss_kind)k, sc_from_f64(ctx, SC_F64, 2, SH, PS), s_p, 1);
        sc_tensor *l_m = loss_of(ctx, (sc_expl_loss_kind)k, sc_from_f64(ctx, SC_F64, 2, SH, PS), s_m, 1);
        sc_tensor **g_p = sc_grad(ctx, &l_p, 1, &s_p, 1, NULL, 0);
        sc_tensor **g_m = sc_grad(ctx, &l_m, 1, &s_m, 1, NULL, 0);
        assert_non_null(g_p);
        assert_non_null(g_m);
        for (int i = 0; i < B * U; i++) {
            double fd = (sc_tensor_get(g_p[0], i) - sc_tensor_get(g_m[0], i)) / (2 * e);
            assert_true(fabs(sc_tensor_get(hs[0], i) - fd) < 1e-6);
        }
    }
}

// H v along the scores (direction vs) at SCORES + e w, on the tape (create_graph): (B, U).
static sc_tensor *hvp_s(sc_ctx *ctx, int k, const double *vs, double e, const double *w, sc_tensor **s_out) {
    double s2[B * U];
    for (int i = 0; i < B * U; i++) s2[i] = SCORES[i] + e * w[i];
    sc_tensor *s = leaf(ctx, s2);
    sc_tensor *l = loss_of(ctx, (sc_expl_loss_kind)k, sc_from_f64(ctx, SC_F64, 2, SH, PT), s, 1);
    sc_tensor **g = sc_grad(ctx, &l, 1, &s, 1, NULL, 1);
    assert_non_null(g);
    sc_tensor *dot = sc_sum_all(ctx, sc_mul(ctx, g[0], sc_from_f64(ctx, SC_F64, 2, SH, vs)));
    sc_tensor **h = sc_grad(ctx, &dot, 1, &s, 1, NULL, 1);
    assert_non_null(h);
    *s_out = s;
    return h[0];
}

// Third order along the scores: d/ds <H v, w> against differences of H v along w.
static void test_third_order(void **state) {
    sc_ctx *ctx = *state;
    const double VS[B * U] = {0.3, -0.2, 0.5, 0.1, -0.4, 0.2, 0.7, -0.3, -0.1, 0.6};
    const double WS[B * U] = {-0.4, 0.1, 0.3, -0.2, 0.5, 0.3, -0.1, 0.2, 0.4, -0.5};
    for (int k = 0; k < 3; k++) {
        sc_ctx_reset(ctx);
        sc_tensor *s;
        sc_tensor *hv = hvp_s(ctx, k, VS, 0, WS, &s);
        sc_tensor *dot = sc_sum_all(ctx, sc_mul(ctx, hv, sc_from_f64(ctx, SC_F64, 2, SH, WS)));
        sc_tensor **t = sc_grad(ctx, &dot, 1, &s, 1, NULL, 0);
        assert_non_null(t);
        // t = T[v, w, .]; symmetric, so it equals the derivative of H v along w.
        const double e = 1e-4;
        sc_tensor *sp, *sm;
        sc_tensor *hp = hvp_s(ctx, k, VS, e, WS, &sp), *hm = hvp_s(ctx, k, VS, -e, WS, &sm);
        double norm = 0;
        for (int i = 0; i < B * U; i++) {
            double fd = (sc_tensor_get(hp, i) - sc_tensor_get(hm, i)) / (2 * e);
            assert_true(fabs(sc_tensor_get(t[0], i) - fd) < 1e-6);
            norm += fabs(fd);
        }
        // Sparsemax's Hessian is piecewise constant (third order 0); the others are not.
        if (k != SC_EXPL_LOSS_SPARSEMAX) assert_true(norm > 1e-2);
        else assert_true(norm < 1e-9);
    }
}

static void test_f32_and_errors(void **state) {
    sc_ctx *ctx = *state;
    sc_ctx_reset(ctx);
    // f32 agrees with f64.
    for (int k = 0; k < 3; k++) {
        sc_tensor *m = sc_from_f64(ctx, SC_F32, 2, SH, MASK);
        sc_tensor *l = sc_expl_loss(ctx, k, sc_from_f64(ctx, SC_F32, 2, SH, PT), sc_from_f64(ctx, SC_F32, 2, SH, SCORES), m);
        assert_non_null(l);
        assert_true(fabs(sc_tensor_get(l, 0) - loss_value(ctx, k, PT, SCORES, 1)) < 1e-5);
    }
    int64_t bad[2] = {B, U - 1};
    double z[B * U] = {0};
    sc_tensor *l = sc_expl_kl_loss(ctx, sc_from_f64(ctx, SC_F64, 2, SH, PT), sc_from_f64(ctx, SC_F64, 2, bad, z), NULL);
    assert_null(l);
    assert_non_null(strstr(ctx->err.msg, "expl_kl_loss"));
    assert_non_null(strstr(ctx->err.msg, "(2, 4)"));
    sc_ctx_reset(ctx);
    l = sc_expl_entmax15_loss(ctx, sc_from_f64(ctx, SC_F64, 2, SH, PT), sc_from_f64(ctx, SC_F64, 2, SH, SCORES),
                              sc_from_f64(ctx, SC_F64, 2, bad, z));
    assert_null(l);
    assert_non_null(strstr(ctx->err.msg, "mask"));
}

static void test_combination_check(void **state) {
    (void)state;
    sc_err err;
    for (int t = 0; t < 3; t++) {
        assert_int_equal(sc_expl_loss_check(SC_EXPL_LOSS_KL, t, SC_NORM_SOFTMAX, &err), 0);
        assert_int_equal(sc_expl_loss_check(SC_EXPL_LOSS_SPARSEMAX, t, SC_NORM_SPARSEMAX, &err), 0);
        assert_int_equal(sc_expl_loss_check(SC_EXPL_LOSS_ENTMAX15, t, SC_NORM_ENTMAX15, &err), 0);
    }
    assert_int_equal(sc_expl_loss_check(SC_EXPL_LOSS_KL, SC_NORM_SOFTMAX, SC_NORM_SPARSEMAX, &err), -1);
    assert_non_null(strstr(err.msg, "log 0"));
    assert_int_equal(sc_expl_loss_check(SC_EXPL_LOSS_KL, SC_NORM_ENTMAX15, SC_NORM_ENTMAX15, &err), -1);
    assert_int_equal(sc_expl_loss_check(SC_EXPL_LOSS_SPARSEMAX, SC_NORM_SOFTMAX, SC_NORM_SOFTMAX, &err), -1);
    assert_non_null(strstr(err.msg, "softmax"));
    assert_int_equal(sc_expl_loss_check(SC_EXPL_LOSS_ENTMAX15, SC_NORM_SOFTMAX, SC_NORM_SPARSEMAX, &err), -1);
    assert_int_equal(sc_expl_loss_check((sc_expl_loss_kind)9, SC_NORM_SOFTMAX, SC_NORM_SOFTMAX, &err), -1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_zero_at_match),
        cmocka_unit_test(test_kl_known_value),
        cmocka_unit_test(test_gradients),
        cmocka_unit_test(test_hvp),
        cmocka_unit_test(test_sparse_teacher),
        cmocka_unit_test(test_third_order),
        cmocka_unit_test(test_f32_and_errors),
        cmocka_unit_test(test_combination_check),
    };
    return sc_test_run_with_ctx("expl_losses", tests);  // a fresh context per test
}
