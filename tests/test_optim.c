// Optimizers: the in-place and the functional (differentiable) step give the same
// new parameters and state (f64, 1e-12) for SGD / momentum / Nesterov / weight
// decay, Adam, AdamW, with clipping off, inactive and active; SGD and Adam
// minimize a quadratic; schedules at known steps; clipping yields norm max_norm;
// training is bitwise deterministic; bad input is reported, not crashed on.
#include "sc_test.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/ops.h"
#include "optim/optim.h"

#define ARENA (64u << 20)



static void copy_values(sc_tensor *dst, const sc_tensor *src) {
    for (int64_t i = 0; i < dst->numel; i++) sc_tensor_set(dst, i, sc_tensor_get(src, i));
}

static double max_abs_diff(const sc_tensor *a, const sc_tensor *b) {
    double m = 0;
    for (int64_t i = 0; i < a->numel; i++) m = fmax(m, fabs(sc_tensor_get(a, i) - sc_tensor_get(b, i)));
    return m;
}

// ---- a tiny model: W (3, 2), c (2,); loss = mean((tanh(X W + c) - Y)^2), X (4, 3), Y (4, 2)
typedef struct {
    sc_params P;
} model;

static void model_init(model *m, sc_dtype dt) {
    sc_err err;
    assert_int_equal(sc_params_init(&m->P, 1u << 20, &err), 0);
    int64_t ws[2] = {3, 2}, cs[1] = {2};
    sc_tensor *W = sc_params_add(&m->P, "W", dt, 2, ws, &err), *c = sc_params_add(&m->P, "c", dt, 1, cs, &err);
    assert_non_null(W);
    assert_non_null(c);
    sc_test_fill(W, 11, 0.8);
    sc_test_fill(c, 12, 0.3);
}

static sc_tensor *model_loss(sc_ctx *ctx, sc_tensor *W, sc_tensor *c) {
    int64_t xs[2] = {4, 3}, ys[2] = {4, 2};
    sc_tensor *X = sc_zeros(ctx, W->dtype, 2, xs), *Y = sc_zeros(ctx, W->dtype, 2, ys);
    if (!X || !Y) return NULL;
    sc_test_fill(X, 21, 1.5);
    sc_test_fill(Y, 22, 0.9);
    sc_tensor *pred = sc_tanh(ctx, sc_add(ctx, sc_matmul(ctx, X, W), c));
    sc_tensor *r = sc_sub(ctx, pred, Y);
    return sc_mean_all(ctx, sc_mul(ctx, r, r));
}

// The model (dtype dt) and an optimizer o of config cfg over it.
static void model_with_optim(model *m, sc_optim *o, sc_dtype dt, const sc_optim_cfg *cfg) {
    sc_err err;
    model_init(m, dt);
    assert_int_equal(sc_optim_init_params(o, cfg, &m->P, &err), 0);
}

// Two identical models (dtype dt), each with its own optimizer of config cfg.
typedef struct twin {
    model A, B;
    sc_optim oa, ob;
} twin;

static void twin_init(twin *w, sc_dtype dt, const sc_optim_cfg *cfg) {
    model_with_optim(&w->A, &w->oa, dt, cfg);
    model_with_optim(&w->B, &w->ob, dt, cfg);
}

static void twin_free(twin *w) {
    sc_optim_free(&w->oa);
    sc_optim_free(&w->ob);
    sc_params_free(&w->A.P);
    sc_params_free(&w->B.P);
}

static sc_tensor **model_grads(sc_ctx *ctx, model *m, int create_graph) {
    sc_tensor *L = model_loss(ctx, m->P.t[0], m->P.t[1]);
    sc_tensor **g = sc_grad(ctx, &L, 1, m->P.t, 2, NULL, create_graph);
    if (!g) fprintf(stderr, "%s\n", ctx->err.msg);
    assert_non_null(g);
    return g;
}

// Runs `steps` steps of both forms side by side: model A in place, model B by the
// functional step. Copy-back mode: B's θ', m', v' values are copied back as B's
// next parameters and state (sc_optim_fstep each step). Chain mode: nothing is
// copied; the graph tensors θ', m', v' feed the next sc_optim_fstep_from (a
// k-step unroll on one tape). Returns the largest difference in parameters or
// state seen; *clip_ratio gets the largest gradient norm / clip threshold.
static double compare_forms(const sc_optim_cfg *cfg, int steps, double lr, int chain, double *clip_ratio) {
    sc_err err;
    sc_ctx ctx;
    assert_int_equal(sc_ctx_init(&ctx, ARENA, 1, &err), 0);
    twin w;
    twin_init(&w, SC_F64, cfg);
    double worst = 0;
    *clip_ratio = 0;
    sc_tensor *cp[2] = {w.B.P.t[0], w.B.P.t[1]}, *cm[2] = {NULL, NULL}, *cv[2] = {NULL, NULL};
    for (int s = 0; s < steps; s++) {
        sc_tensor **ga = model_grads(&ctx, &w.A, 0);
        double norm = sc_grad_global_norm(ga, 2);
        if (cfg->clip_norm > 0) *clip_ratio = fmax(*clip_ratio, norm / cfg->clip_norm);
        assert_int_equal(sc_optim_step(&w.oa, &ctx, ga, lr), 0);

        // Graph gradients (create_graph), as the meta step uses.
        sc_tensor *Lb = model_loss(&ctx, cp[0], cp[1]);
        sc_tensor **gb = sc_grad(&ctx, &Lb, 1, cp, 2, NULL, 1);
        assert_non_null(gb);
        sc_tensor *np[2], *nm[2], *nv[2];
        int rc = chain ? sc_optim_fstep_from(&w.ob, &ctx, cp, gb, cm, cv, s, lr, np, nm, nv)
                       : sc_optim_fstep(&w.ob, &ctx, NULL, gb, lr, np, nm, nv);
        if (rc) fprintf(stderr, "%s\n", ctx.err.msg);
        assert_int_equal(rc, 0);
        for (int i = 0; i < 2; i++) {
            assert_true(np[i]->requires_grad);  // built from ops, on the tape
            worst = fmax(worst, max_abs_diff(np[i], w.A.P.t[i]));
            if (w.ob.m[i]) {
                assert_non_null(nm[i]);
                worst = fmax(worst, max_abs_diff(nm[i], w.oa.m[i]));
            }
            if (w.ob.v[i]) worst = fmax(worst, max_abs_diff(nv[i], w.oa.v[i]));
            if (chain) {
                cp[i] = np[i], cm[i] = nm[i], cv[i] = nv[i];
                continue;
            }
            copy_values(w.B.P.t[i], np[i]);
            if (w.ob.m[i]) copy_values(w.ob.m[i], nm[i]);
            if (w.ob.v[i]) copy_values(w.ob.v[i], nv[i]);
        }
        if (!chain) {
            w.ob.t++;
            sc_ctx_reset(&ctx);
        }
    }
    if (chain) assert_int_equal(w.ob.t, 0);  // the functional steps mutated nothing
    // The parameters really moved.
    model C;
    model_init(&C, SC_F64);
    assert_true(max_abs_diff(C.P.t[0], w.A.P.t[0]) > 1e-4);
    if (chain) assert_true(max_abs_diff(C.P.t[0], w.B.P.t[0]) == 0.0);
    sc_ctx_free(&ctx);  // first: the tape borrows the slabs (core/params.h)
    sc_params_free(&C.P);
    twin_free(&w);
    return worst;
}

static void check_forms(sc_optim_cfg cfg, const char *what, int clip_mode) {
    for (int chain = 0; chain < 2; chain++) {
        double ratio;
        double d = compare_forms(&cfg, 4, 0.05, chain, &ratio);
        if (d > 1e-12 || getenv("SC_TEST_VERBOSE"))
            fprintf(stderr, "%s%s: in-place vs functional differ by %g (norm / clip %g)\n", what,
                    chain ? " (chained)" : "", d, ratio);
        assert_true(d <= 1e-12);
        if (clip_mode == 1) assert_true(ratio < 1.0);  // clipping configured but inactive
        if (clip_mode == 2) assert_true(ratio > 1.5);  // clipping active (the first step at least)
    }
}

static void test_forms_sgd(void **state) {
    (void)state;
    check_forms(sc_optim_sgd_cfg(0, 0, 0), "sgd", 0);
    check_forms(sc_optim_sgd_cfg(0, 0.01, 0), "sgd wd", 0);
    check_forms(sc_optim_sgd_cfg(0.9, 0.01, 0), "sgd momentum wd", 0);
    sc_optim_cfg nes = sc_optim_sgd_cfg(0.8, 0.05, 0);
    nes.nesterov = 1;
    check_forms(nes, "sgd nesterov", 0);
}

static void test_forms_sgd_clip(void **state) {
    (void)state;
    check_forms(sc_optim_sgd_cfg(0, 0.01, 100.0), "sgd clip inactive", 1);
    check_forms(sc_optim_sgd_cfg(0, 0.01, 0.05), "sgd clip active", 2);
    check_forms(sc_optim_sgd_cfg(0.9, 0.01, 0.05), "sgd momentum clip active", 2);
}

static void test_forms_adam(void **state) {
    (void)state;
    check_forms(sc_optim_adam_cfg(0, 0, 0), "adam", 0);
    check_forms(sc_optim_adam_cfg(0, 0.01, 0), "adam wd", 0);
    check_forms(sc_optim_adam_cfg(1, 0.1, 0), "adamw", 0);
    check_forms(sc_optim_adam_cfg(0, 0.01, 0.05), "adam clip active", 2);
    check_forms(sc_optim_adam_cfg(1, 0.1, 0.05), "adamw clip active", 2);
    check_forms(sc_optim_adam_cfg(1, 0.1, 100.0), "adamw clip inactive", 1);
}

// f32: same update to f32 rounding.
static void test_forms_f32(void **state) {
    (void)state;
    sc_err err;
    sc_ctx ctx;
    assert_int_equal(sc_ctx_init(&ctx, ARENA, 1, &err), 0);
    sc_optim_cfg cfgs[2] = {sc_optim_sgd_cfg(0.9, 0.01, 0.05), sc_optim_adam_cfg(1, 0.1, 0.05)};
    for (int k = 0; k < 2; k++) {
        twin w;
        twin_init(&w, SC_F32, &cfgs[k]);
        assert_int_equal(sc_optim_step(&w.oa, &ctx, model_grads(&ctx, &w.A, 0), 0.05), 0);
        sc_tensor *np[2];
        assert_int_equal(sc_optim_fstep(&w.ob, &ctx, NULL, model_grads(&ctx, &w.B, 1), 0.05, np, NULL, NULL), 0);
        for (int i = 0; i < 2; i++) {
            assert_int_equal(np[i]->dtype, SC_F32);
            assert_true(max_abs_diff(np[i], w.A.P.t[i]) < 1e-6);
        }
        sc_ctx_reset(&ctx);  // first: the tape borrows the slabs (core/params.h)
        twin_free(&w);
    }
    sc_ctx_free(&ctx);
}

// A strided gradient (a transposed view) gives the same step as its contiguous copy.
static void test_strided_grad(void **state) {
    (void)state;
    sc_err err;
    sc_ctx ctx;
    assert_int_equal(sc_ctx_init(&ctx, ARENA, 1, &err), 0);
    sc_optim_cfg cfg = sc_optim_adam_cfg(0, 0.01, 0.5);
    twin w;
    twin_init(&w, SC_F64, &cfg);
    int64_t ts[2] = {2, 3}, cs[1] = {2};
    sc_tensor *gt = sc_zeros(&ctx, SC_F64, 2, ts), *gc = sc_zeros(&ctx, SC_F64, 1, cs);
    sc_test_fill(gt, 5, 2.0);
    sc_test_fill(gc, 6, 2.0);
    sc_tensor *gview[2] = {sc_transpose(&ctx, gt, 0, 1), gc};
    assert_false(sc_tensor_is_contiguous(gview[0]));
    sc_tensor *gcopy[2] = {sc_contiguous(&ctx, gview[0]), gc};
    assert_int_equal(sc_optim_step(&w.oa, &ctx, gview, 0.1), 0);
    assert_int_equal(sc_optim_step(&w.ob, &ctx, gcopy, 0.1), 0);
    for (int i = 0; i < 2; i++) assert_true(max_abs_diff(w.A.P.t[i], w.B.P.t[i]) == 0.0);
    // The gradient itself is untouched by the step.
    for (int64_t k = 0; k < gt->numel; k++) assert_true(sc_tensor_get(gt, k) == 2.0 * sc_test_val(k, 5));
    twin_free(&w);
    sc_ctx_free(&ctx);
}

// ---- against an independent scalar reference (PyTorch's formulation) ----------------------
// Two steps with given gradients; the reference arranges Adam the way torch.optim
// does (step size lr / bc1, denominator sqrt(v) / sqrt(bc2) + eps), a different
// but equivalent order of operations.
static void reference(sc_optim_kind kind, double mu, int nesterov, double wd, const double g[2][2], double lr,
                      double *theta) {
    double m[2] = {0, 0}, v[2] = {0, 0};
    for (int t = 1; t <= 2; t++)
        for (int i = 0; i < 2; i++) {
            double d = g[t - 1][i];
            if (kind == SC_OPTIM_SGD) {
                d += wd * theta[i];
                m[i] = t == 1 ? d : mu * m[i] + d;
                theta[i] -= lr * (mu == 0 ? d : nesterov ? d + mu * m[i] : m[i]);
                continue;
            }
            if (kind == SC_OPTIM_ADAM) d += wd * theta[i];
            else theta[i] *= 1 - lr * wd;
            m[i] = 0.9 * m[i] + 0.1 * d;
            v[i] = 0.999 * v[i] + 0.001 * d * d;
            double bc1 = 1 - pow(0.9, t), bc2 = 1 - pow(0.999, t);
            theta[i] -= lr / bc1 * m[i] / (sqrt(v[i]) / sqrt(bc2) + 1e-8);
        }
}

static void test_reference_values(void **state) {
    (void)state;
    const double g[2][2] = {{0.5, 0.1}, {-0.2, 0.3}}, th0[2] = {1.0, -2.0};
    struct { sc_optim_cfg cfg; } cases[5] = {{sc_optim_sgd_cfg(0, 0.1, 0)}, {sc_optim_sgd_cfg(0.9, 0.1, 0)},
                                             {sc_optim_sgd_cfg(0.9, 0.1, 0)}, {sc_optim_adam_cfg(0, 0.1, 0)},
                                             {sc_optim_adam_cfg(1, 0.1, 0)}};
    cases[2].cfg.nesterov = 1;
    sc_err err;
    sc_ctx ctx;
    assert_int_equal(sc_ctx_init(&ctx, ARENA, 1, &err), 0);
    int64_t shape[1] = {2};
    for (int k = 0; k < 5; k++) {
        sc_params P;
        assert_int_equal(sc_params_init(&P, 1u << 16, &err), 0);
        sc_tensor *th = sc_params_add(&P, "theta", SC_F64, 1, shape, &err);
        for (int i = 0; i < 2; i++) sc_tensor_set(th, i, th0[i]);
        sc_optim o;
        assert_int_equal(sc_optim_init_params(&o, &cases[k].cfg, &P, &err), 0);
        for (int t = 0; t < 2; t++) {
            sc_tensor *gt = sc_from_f64(&ctx, SC_F64, 1, shape, g[t]);
            assert_int_equal(sc_optim_step(&o, &ctx, &gt, 0.1), 0);
            if (t == 0 && cases[k].cfg.kind == SC_OPTIM_ADAM) {
                // The first Adam step moves each coordinate by lr sign(d) (up to eps),
                // d = g + wd theta = (0.6, -0.1).
                assert_true(fabs(sc_tensor_get(th, 0) - (1.0 - 0.1)) < 1e-7);
                assert_true(fabs(sc_tensor_get(th, 1) - (-2.0 + 0.1)) < 1e-7);
            }
        }
        double ref[2] = {th0[0], th0[1]};
        reference(cases[k].cfg.kind, cases[k].cfg.momentum, cases[k].cfg.nesterov, 0.1, g, 0.1, ref);
        for (int i = 0; i < 2; i++) {
            if (fabs(sc_tensor_get(th, i) - ref[i]) > 1e-14)
                fprintf(stderr, "case %d: theta[%d] %.17g, reference %.17g\n", k, i, sc_tensor_get(th, i), ref[i]);
            assert_true(fabs(sc_tensor_get(th, i) - ref[i]) <= 1e-14);
        }
        assert_int_equal(o.t, 2);
        sc_ctx_reset(&ctx);  // the tape borrows the slab (core/params.h)
        sc_optim_free(&o);
        sc_params_free(&P);
    }
    sc_ctx_free(&ctx);
}

// ---- minimizing L = 1/2 θᵀAθ - bᵀθ (A SPD), minimum at θ* = A⁻¹b -----------------------
static const double QA[9] = {3.0, 0.5, 0.2, 0.5, 2.0, -0.3, 0.2, -0.3, 1.5};
static const double QB[3] = {1.0, -2.0, 0.5};

// θ* by Cramer's rule.
static void quad_solution(double *x) {
    const double *a = QA;
    double det = a[0] * (a[4] * a[8] - a[5] * a[7]) - a[1] * (a[3] * a[8] - a[5] * a[6]) + a[2] * (a[3] * a[7] - a[4] * a[6]);
    for (int c = 0; c < 3; c++) {
        double m[9];
        memcpy(m, a, sizeof m);
        for (int r = 0; r < 3; r++) m[r * 3 + c] = QB[r];
        x[c] = (m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) + m[2] * (m[3] * m[7] - m[4] * m[6])) / det;
    }
}

static double minimize_quadratic(sc_optim_cfg cfg, const sc_schedule *sched, int steps) {
    sc_err err;
    sc_ctx ctx;
    sc_params P;
    assert_int_equal(sc_ctx_init(&ctx, ARENA, 1, &err), 0);
    assert_int_equal(sc_params_init(&P, 1u << 16, &err), 0);
    int64_t ts[2] = {3, 1}, as[2] = {3, 3};
    sc_tensor *th = sc_params_add(&P, "theta", SC_F64, 2, ts, &err);
    assert_non_null(th);
    sc_optim o;
    assert_int_equal(sc_optim_init_params(&o, &cfg, &P, &err), 0);
    for (int s = 0; s < steps; s++) {
        sc_tensor *A = sc_from_f64(&ctx, SC_F64, 2, as, QA), *b = sc_from_f64(&ctx, SC_F64, 2, ts, QB);
        sc_tensor *L = sc_sub(&ctx, sc_mul_scalar(&ctx, sc_sum_all(&ctx, sc_mul(&ctx, th, sc_matmul(&ctx, A, th))), 0.5),
                              sc_sum_all(&ctx, sc_mul(&ctx, b, th)));
        sc_tensor **g = sc_grad(&ctx, &L, 1, &th, 1, NULL, 0);
        assert_non_null(g);
        assert_int_equal(sc_optim_step(&o, &ctx, g, sc_schedule_lr(sched, s)), 0);
        sc_ctx_reset(&ctx);
    }
    double x[3], d = 0;
    quad_solution(x);
    for (int i = 0; i < 3; i++) d = fmax(d, fabs(sc_tensor_get(th, i) - x[i]));
    sc_ctx_reset(&ctx);  // the tape borrows the slab (core/params.h)
    sc_optim_free(&o);
    sc_params_free(&P);
    sc_ctx_free(&ctx);
    return d;
}

static void test_minimize_quadratic(void **state) {
    (void)state;
    sc_schedule constant = {.kind = SC_SCHED_CONSTANT, .base_lr = 0.2};
    double d_sgd = minimize_quadratic(sc_optim_sgd_cfg(0, 0, 0), &constant, 300);
    assert_true(d_sgd < 1e-10);
    sc_optim_cfg mom = sc_optim_sgd_cfg(0.5, 0, 0);
    mom.nesterov = 1;
    assert_true(minimize_quadratic(mom, &constant, 300) < 1e-10);
    // Adam oscillates at a constant lr; decaying it (cosine to a small floor) settles it.
    sc_schedule cosine = {.kind = SC_SCHED_COSINE, .base_lr = 0.1, .floor_lr = 1e-4, .warmup = 10, .total = 1500};
    double d_adam = minimize_quadratic(sc_optim_adam_cfg(0, 0, 0), &cosine, 2000);
    if (d_adam > 1e-4) fprintf(stderr, "adam: distance to the minimum %g\n", d_adam);
    assert_true(d_adam < 1e-4);
}

// ---- schedules ------------------------------------------------------------------------
static void test_schedules(void **state) {
    (void)state;
    sc_schedule s = {.kind = SC_SCHED_LINEAR, .base_lr = 1.0, .floor_lr = 0.1, .warmup = 10, .total = 110};
    sc_err err;
    assert_int_equal(sc_schedule_check(&s, &err), 0);
    const double tol = 1e-15;
    assert_true(fabs(sc_schedule_lr(&s, 0) - 0.1) < tol);    // (0 + 1) / 10
    assert_true(fabs(sc_schedule_lr(&s, 4) - 0.5) < tol);
    assert_true(fabs(sc_schedule_lr(&s, 9) - 1.0) < tol);    // warmup done
    assert_true(fabs(sc_schedule_lr(&s, 10) - 1.0) < tol);   // decay starts from base
    assert_true(fabs(sc_schedule_lr(&s, 60) - 0.55) < tol);  // halfway: 0.1 + 0.9 / 2
    assert_true(fabs(sc_schedule_lr(&s, 110) - 0.1) < tol);  // floor
    assert_true(fabs(sc_schedule_lr(&s, 1000) - 0.1) < tol);
    s.kind = SC_SCHED_COSINE;
    assert_true(fabs(sc_schedule_lr(&s, 10) - 1.0) < tol);
    assert_true(fabs(sc_schedule_lr(&s, 35) - (0.1 + 0.9 * (1 + sqrt(0.5)) / 2)) < 1e-14);  // p = 1/4
    assert_true(fabs(sc_schedule_lr(&s, 60) - 0.55) < 1e-14);
    assert_true(fabs(sc_schedule_lr(&s, 85) - (0.1 + 0.9 * (1 - sqrt(0.5)) / 2)) < 1e-14);  // p = 3/4
    assert_true(fabs(sc_schedule_lr(&s, 110) - 0.1) < tol);
    for (int64_t k = 10; k < 110; k++) assert_true(sc_schedule_lr(&s, k + 1) <= sc_schedule_lr(&s, k));
    s.kind = SC_SCHED_CONSTANT;
    assert_true(fabs(sc_schedule_lr(&s, 3) - 0.4) < tol);
    assert_true(sc_schedule_lr(&s, 500) == 1.0);
    sc_schedule none = {.kind = SC_SCHED_CONSTANT, .base_lr = 0.003};
    assert_true(sc_schedule_lr(&none, 0) == 0.003 && sc_schedule_lr(&none, 7) == 0.003);
    sc_schedule bad = {.kind = SC_SCHED_LINEAR, .base_lr = 1.0, .floor_lr = 2.0, .warmup = 5, .total = 10};
    assert_int_equal(sc_schedule_check(&bad, &err), -1);
    assert_non_null(strstr(err.msg, "floor"));
    bad.floor_lr = 0;
    bad.total = 3;
    assert_int_equal(sc_schedule_check(&bad, &err), -1);
    assert_non_null(strstr(err.msg, "warmup"));
}

// ---- clipping ---------------------------------------------------------------------------
static void test_clip_norm(void **state) {
    (void)state;
    sc_err err;
    sc_ctx ctx;
    assert_int_equal(sc_ctx_init(&ctx, ARENA, 1, &err), 0);
    int64_t s1[2] = {4, 5}, s2[1] = {7};
    sc_tensor *g[2] = {sc_zeros(&ctx, SC_F64, 2, s1), sc_zeros(&ctx, SC_F64, 1, s2)};
    sc_test_fill(g[0], 1, 3.0);
    sc_test_fill(g[1], 2, 3.0);
    double ss = 0;
    for (int i = 0; i < 2; i++)
        for (int64_t k = 0; k < g[i]->numel; k++) ss += sc_tensor_get(g[i], k) * sc_tensor_get(g[i], k);
    double N = sqrt(ss), c = 0.75;
    assert_true(fabs(sc_grad_global_norm(g, 2) - N) < 1e-13);
    assert_true(N > 2.0);  // clipping will be active

    // Graph form first (on the unclipped values): same factor, as ops.
    sc_tensor *out[2], *norm;
    assert_int_equal(sc_clip_grad_norm_graph(&ctx, g, 2, c, out, &norm), 0);
    assert_true(fabs(sc_tensor_get(norm, 0) - N) < 1e-13);
    double gn = sc_grad_global_norm(out, 2);
    assert_true(fabs(gn - c * N / (N + 1e-6)) < 1e-14);

    double before = sc_clip_grad_norm(g, 2, c);
    assert_true(fabs(before - N) < 1e-13);
    double after = sc_grad_global_norm(g, 2);
    assert_true(fabs(after - c * N / (N + 1e-6)) < 1e-14);  // exact formula
    assert_true(fabs(after - c) < 1e-6 * c);                // i.e. max_norm to 1e-6
    for (int i = 0; i < 2; i++) assert_true(max_abs_diff(out[i], g[i]) < 1e-15);

    // Inactive: nothing changes, bit for bit; the graph form returns the inputs.
    double keep = sc_tensor_get(g[0], 3);
    sc_clip_grad_norm(g, 2, 10.0);
    assert_true(sc_tensor_get(g[0], 3) == keep);
    assert_int_equal(sc_clip_grad_norm_graph(&ctx, g, 2, 10.0, out, NULL), 0);
    assert_ptr_equal(out[0], g[0]);
    assert_true(sc_clip_factor(1.0, 0.0) == 1.0);  // disabled
    assert_true(sc_clip_factor(0.0, 1.0) == 1.0);  // zero gradient stays finite
    sc_ctx_free(&ctx);
}

// ---- determinism: the same run twice is bitwise identical ----------------------------
static void run_training(sc_dtype dt, sc_optim_cfg cfg, int steps, unsigned char *out, size_t *n_out) {
    sc_err err;
    sc_ctx ctx;
    assert_int_equal(sc_ctx_init(&ctx, ARENA, 1, &err), 0);
    model A;
    sc_optim o;
    model_with_optim(&A, &o, dt, &cfg);
    sc_schedule s = {.kind = SC_SCHED_COSINE, .base_lr = 0.05, .floor_lr = 0.001, .warmup = 3, .total = steps};
    for (int k = 0; k < steps; k++) {
        assert_int_equal(sc_optim_step(&o, &ctx, model_grads(&ctx, &A, 0), sc_schedule_lr(&s, k)), 0);
        sc_ctx_reset(&ctx);
    }
    size_t n = 0;
    for (int i = 0; i < 2; i++) {
        size_t b = (size_t)A.P.t[i]->numel * sc_dtype_size(dt);
        memcpy(out + n, A.P.t[i]->data, b);
        n += b;
        memcpy(out + n, o.m[i]->data, b);
        n += b;
    }
    *n_out = n;
    sc_ctx_reset(&ctx);  // the tape borrows the slab (core/params.h)
    sc_optim_free(&o);
    sc_params_free(&A.P);
    sc_ctx_free(&ctx);
}

static void test_determinism(void **state) {
    (void)state;
    int steps = sc_test_quick() ? 5 : 30;
    sc_optim_cfg cfgs[2] = {sc_optim_adam_cfg(1, 0.01, 0.1), sc_optim_sgd_cfg(0.9, 0.01, 0.1)};
    sc_dtype dts[2] = {SC_F32, SC_F64};
    for (int k = 0; k < 2; k++)
        for (int d = 0; d < 2; d++) {
            unsigned char a[512], b[512];
            size_t na, nb;
            run_training(dts[d], cfgs[k], steps, a, &na);
            run_training(dts[d], cfgs[k], steps, b, &nb);
            assert_int_equal(na, nb);
            assert_int_equal(memcmp(a, b, na), 0);
        }
}

// ---- errors are reported, not crashed on -------------------------------------------------
static void test_errors(void **state) {
    (void)state;
    sc_err err;
    sc_ctx ctx;
    assert_int_equal(sc_ctx_init(&ctx, ARENA, 1, &err), 0);
    model A;
    model_init(&A, SC_F64);
    sc_optim o;
    sc_optim_cfg bad = sc_optim_sgd_cfg(1.5, 0, 0);
    assert_int_equal(sc_optim_init_params(&o, &bad, &A.P, &err), -1);
    assert_non_null(strstr(err.msg, "momentum"));
    bad = sc_optim_sgd_cfg(0, 0, 0);
    bad.nesterov = 1;
    assert_int_equal(sc_optim_init_params(&o, &bad, &A.P, &err), -1);
    assert_non_null(strstr(err.msg, "Nesterov"));
    bad = sc_optim_adam_cfg(0, 0, 0);
    bad.eps = 0;
    assert_int_equal(sc_optim_init_params(&o, &bad, &A.P, &err), -1);
    assert_int_equal(sc_optim_init(&o, &bad, A.P.t, 0, &err), -1);

    sc_optim_cfg cfg = sc_optim_adam_cfg(0, 0, 1.0);
    assert_int_equal(sc_optim_init_params(&o, &cfg, &A.P, &err), 0);
    int64_t wrong[2] = {2, 3}, cs[1] = {2};
    sc_tensor *g[2] = {sc_zeros(&ctx, SC_F64, 2, wrong), sc_zeros(&ctx, SC_F64, 1, cs)};
    assert_int_equal(sc_optim_step(&o, &ctx, g, 0.1), -1);
    assert_non_null(strstr(ctx.err.msg, "gradient 0 is (2, 3) f64"));
    assert_non_null(strstr(ctx.err.msg, "'W'"));
    assert_int_equal(o.t, 0);  // nothing happened
    sc_ctx_reset(&ctx);
    sc_tensor *np[2];
    g[0] = sc_zeros(&ctx, SC_F32, 2, (int64_t[]){3, 2});
    g[1] = sc_zeros(&ctx, SC_F64, 1, cs);
    assert_int_equal(sc_optim_fstep(&o, &ctx, NULL, g, 0.1, np, NULL, NULL), -1);
    assert_non_null(strstr(ctx.err.msg, "optim_fstep"));
    sc_ctx_reset(&ctx);
    g[0] = sc_zeros(&ctx, SC_F64, 2, (int64_t[]){3, 2});
    g[1] = NULL;
    assert_int_equal(sc_optim_step(&o, &ctx, g, 0.1), -1);
    assert_non_null(strstr(ctx.err.msg, "missing"));
    sc_ctx_reset(&ctx);  // the tape borrows the slab (core/params.h)
    sc_optim_free(&o);
    sc_params_free(&A.P);
    sc_ctx_free(&ctx);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forms_sgd),         cmocka_unit_test(test_forms_sgd_clip),
        cmocka_unit_test(test_forms_adam),        cmocka_unit_test(test_forms_f32),
        cmocka_unit_test(test_strided_grad),      cmocka_unit_test(test_minimize_quadratic),
        cmocka_unit_test(test_schedules),         cmocka_unit_test(test_clip_norm),
        cmocka_unit_test(test_determinism),       cmocka_unit_test(test_errors),
        cmocka_unit_test(test_reference_values),
    };
    return cmocka_run_group_tests_name("optim", tests, NULL, sc_test_teardown);
}
