// Hypergradients (smat/hypergrad.h): on a quadratic bilevel problem with a closed
// form every method reaches its known value (unrolled-1 and DARTS exactly,
// Neumann with many terms and CG to the implicit solution); on a tiny tanh model
// unrolled-1 and unrolled-3 match central differences of the outer loss through
// the real optimizer steps (SGD with active clipping and decay, momentum, Adam);
// one meta step lowers the outer loss; θ and the optimizer state come back
// bit-exactly (f64 and f32); Adam through exactly-zero gradients stays finite;
// `scaffold hypercheck` exits 0 and prints its table.
#include "sc_test.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "ops/ops.h"
#include "smat/hypercheck.h"
#include "smat/hypergrad.h"

#define ARENA (64u << 20)



static void get_all(sc_tensor *const *t, int n, double *dst) {
    for (int i = 0; i < n; i++)
        for (int64_t k = 0; k < t[i]->numel; k++) *dst++ = sc_tensor_get(t[i], k);
}

// ---- (a) the quadratic: L_in = ½ θᵀAθ - φᵀθ, L_out = ½‖θ - y‖², θ, φ, y (n, 1), A SPD.
//   unrolled-1 (plain SGD): θ' = θ - lr (Aθ - φ), dφ = lr (θ' - y)        (DARTS: the same, exactly)
//   implicit:               dφ = A⁻¹ (θ - y)
#define QN 5
typedef struct quad {
    sc_params P;   // θ
    sc_params F;   // φ
    double A[QN * QN], y[QN];
} quad;

static sc_tensor *quad_inner(void *user, sc_ctx *ctx, int j) {
    (void)j;
    quad *q = user;
    int64_t as[2] = {QN, QN};
    sc_tensor *th = q->P.t[0], *A = sc_from_f64(ctx, SC_F64, 2, as, q->A);
    sc_tensor *quadf = sc_sum_all(ctx, sc_mul(ctx, th, sc_matmul(ctx, A, th)));
    return sc_sub(ctx, sc_mul_scalar(ctx, quadf, 0.5), sc_sum_all(ctx, sc_mul(ctx, q->F.t[0], th)));
}

static sc_tensor *quad_outer(void *user, sc_ctx *ctx) {
    quad *q = user;
    int64_t ys[2] = {QN, 1};
    sc_tensor *r = sc_sub(ctx, q->P.t[0], sc_from_f64(ctx, SC_F64, 2, ys, q->y));
    return sc_mul_scalar(ctx, sc_sum_all(ctx, sc_mul(ctx, r, r)), 0.5);
}

static void quad_init(quad *q) {
    sc_err err;
    int64_t s[2] = {QN, 1};
    assert_int_equal(sc_params_init(&q->P, 1u << 16, &err), 0);
    assert_int_equal(sc_params_init(&q->F, 1u << 16, &err), 0);
    sc_test_fill(sc_params_add(&q->P, "theta", SC_F64, 2, s, &err), 1, 1.0);
    sc_test_fill(sc_params_add(&q->F, "phi", SC_F64, 2, s, &err), 2, 1.0);
    double B[QN * QN];
    for (int i = 0; i < QN * QN; i++) B[i] = sc_test_val(i, 3);
    for (int i = 0; i < QN; i++) {  // A = BᵀB + I: SPD, eigenvalues in about [1, 6]
        q->y[i] = sc_test_val(i, 4);
        for (int j = 0; j < QN; j++) {
            double a = i == j;
            for (int k = 0; k < QN; k++) a += B[k * QN + i] * B[k * QN + j];
            q->A[i * QN + j] = a;
        }
    }
}

// x = A⁻¹ b by Gaussian elimination (A SPD: no pivoting needed).
static void solve(const double *A0, const double *b0, double *x) {
    double A[QN * QN], b[QN];
    memcpy(A, A0, sizeof A);
    memcpy(b, b0, sizeof b);
    for (int k = 0; k < QN; k++)
        for (int i = k + 1; i < QN; i++) {
            double f = A[i * QN + k] / A[k * QN + k];
            for (int j = k; j < QN; j++) A[i * QN + j] -= f * A[k * QN + j];
            b[i] -= f * b[k];
        }
    for (int i = QN - 1; i >= 0; i--) {
        double s = b[i];
        for (int j = i + 1; j < QN; j++) s -= A[i * QN + j] * x[j];
        x[i] = s / A[i * QN + i];
    }
}

static double run(sc_bilevel *b, sc_ctx *ctx, sc_hg_cfg cfg, double *d, sc_hg_stats *st) {
    sc_err err;
    sc_tensor *dphi[SC_PARAMS_MAX];
    for (int i = 0; i < b->n_phi; i++) dphi[i] = sc_zeros_like(ctx, b->phi[i]);
    double outer = NAN;
    int rc = sc_hypergrad_stats(b, ctx, &cfg, dphi, &outer, st, &err);
    if (rc) fprintf(stderr, "%s\n", err.msg);
    assert_int_equal(rc, 0);
    get_all(dphi, b->n_phi, d);
    return outer;
}

static void test_quadratic_closed_form(void **state) {
    sc_ctx *ctx = *state;
    sc_err err;
    quad q;
    quad_init(&q);
    sc_optim o;
    sc_optim_cfg oc = sc_optim_sgd_cfg(0, 0, 0);
    assert_int_equal(sc_optim_init_params(&o, &oc, &q.P, &err), 0);
    sc_bilevel b = {.user = &q, .opt = &o, .lr = 0.1, .n_phi = 1, .phi = q.F.t, .inner_loss = quad_inner,
                    .outer_loss = quad_outer};
    double th[QN], phi[QN], want1[QN], wantI[QN], r[QN], d[QN];
    get_all(q.P.t, 1, th);
    get_all(q.F.t, 1, phi);
    for (int i = 0; i < QN; i++) {
        double At = 0;
        for (int j = 0; j < QN; j++) At += q.A[i * QN + j] * th[j];
        want1[i] = 0.1 * (th[i] - 0.1 * (At - phi[i]) - q.y[i]);
        r[i] = th[i] - q.y[i];
    }
    solve(q.A, r, wantI);

    sc_hg_cfg cfg = sc_hg_default();
    run(&b, ctx, cfg, d, NULL);
    assert_true(sc_hg_rel_err(d, want1, QN) < 1e-13);
    cfg.method = SC_HG_DARTS;  // exact on a quadratic (the mixed term is linear in θ)
    run(&b, ctx, cfg, d, NULL);
    assert_true(sc_hg_rel_err(d, want1, QN) < 1e-9);

    cfg.method = SC_HG_NEUMANN;
    cfg.terms = 400;  // ‖I - 0.1 A‖ ≤ 0.9: the tail is below 0.9^400
    sc_hg_stats st;
    run(&b, ctx, cfg, d, &st);
    assert_int_equal(st.hvps, 399);
    assert_true(sc_hg_rel_err(d, wantI, QN) < 1e-10);
    cfg.terms = 2;  // few terms: honestly not there yet
    run(&b, ctx, cfg, d, NULL);
    assert_true(sc_hg_rel_err(d, wantI, QN) > 1e-3);

    cfg.method = SC_HG_CG;
    cfg.terms = QN;  // exact in n iterations
    run(&b, ctx, cfg, d, &st);
    assert_true(sc_hg_rel_err(d, wantI, QN) < 1e-9);
    assert_true(st.cg_residual < 1e-9);
    assert_int_equal(st.cg_indefinite, 0);
    sc_optim_free(&o);
    sc_params_free(&q.P);
    sc_params_free(&q.F);
}

// ---- (b)-(d) a tiny model: θ = W (3, 4), c (4,); φ = w (4,) weighting the inner residuals.
//   L_in,j = mean(exp(w) ⊙ (tanh(X_j W + c) - Y)²) + 0.1 mean(w² ⊙ c),  X_j (6, 3) another batch per j
//   L_out  = mean((tanh(X_v W + c) - Y_v)²)
typedef struct tiny {
    sc_params P, F;
} tiny;

static sc_tensor *tiny_resid(sc_ctx *ctx, tiny *m, int64_t salt) {
    int64_t xs[2] = {6, 3}, ys[2] = {6, 4};
    sc_dtype dt = m->P.t[0]->dtype;
    sc_tensor *X = sc_empty(ctx, dt, 2, xs), *Y = sc_empty(ctx, dt, 2, ys);
    if (!X || !Y) return NULL;
    sc_test_fill(X, salt, 1.5);
    sc_test_fill(Y, salt + 1, 0.9);
    return sc_sub(ctx, sc_tanh(ctx, sc_add(ctx, sc_matmul(ctx, X, m->P.t[0]), m->P.t[1])), Y);
}

static sc_tensor *tiny_inner(void *user, sc_ctx *ctx, int j) {
    tiny *m = user;
    sc_tensor *r = tiny_resid(ctx, m, 100 + 2 * j), *w = m->F.t[0];
    sc_tensor *fit = sc_mean_all(ctx, sc_mul(ctx, sc_exp(ctx, w), sc_mul(ctx, r, r)));
    return sc_add(ctx, fit, sc_mul_scalar(ctx, sc_mean_all(ctx, sc_mul(ctx, sc_mul(ctx, w, w), m->P.t[1])), 0.1));
}

static sc_tensor *tiny_outer(void *user, sc_ctx *ctx) {
    sc_tensor *r = tiny_resid(ctx, user, 7);
    return sc_mean_all(ctx, sc_mul(ctx, r, r));
}

static void tiny_init_dt(tiny *m, sc_dtype dt) {
    sc_err err;
    int64_t ws[2] = {3, 4}, cs[1] = {4};
    assert_int_equal(sc_params_init(&m->P, 1u << 16, &err), 0);
    assert_int_equal(sc_params_init(&m->F, 1u << 16, &err), 0);
    sc_test_fill(sc_params_add(&m->P, "W", dt, 2, ws, &err), 11, 0.8);
    sc_test_fill(sc_params_add(&m->P, "c", dt, 1, cs, &err), 12, 0.3);
    sc_test_fill(sc_params_add(&m->F, "w", dt, 1, cs, &err), 13, 0.5);
}

static void tiny_init(tiny *m) { tiny_init_dt(m, SC_F64); }

static void tiny_free(tiny *m) {
    sc_params_free(&m->P);
    sc_params_free(&m->F);
}

// The tiny problem with its optimizer and the bilevel problem over both (b
// points into the struct: keep it in place).
typedef struct tiny_rig {
    tiny m;
    sc_optim o;
    sc_bilevel b;
} tiny_rig;

// After tiny_init*(&r->m): the optimizer (config oc) and the problem (inner rate lr).
static void tiny_bind(tiny_rig *r, sc_optim_cfg oc, double lr) {
    sc_err err;
    assert_int_equal(sc_optim_init_params(&r->o, &oc, &r->m.P, &err), 0);
    r->b = (sc_bilevel){.user = &r->m, .opt = &r->o, .lr = lr, .n_phi = 1, .phi = r->m.F.t,
                        .inner_loss = tiny_inner, .outer_loss = tiny_outer};
}

static void tiny_open(tiny_rig *r, sc_dtype dt, sc_optim_cfg oc, double lr) {
    tiny_init_dt(&r->m, dt);
    tiny_bind(r, oc, lr);
}

static void tiny_close(tiny_rig *r) {
    sc_optim_free(&r->o);
    tiny_free(&r->m);
}

// Takes a couple of real steps first so momentum / Adam state is non-zero.
static void warm(sc_bilevel *b, sc_ctx *ctx, int steps) {
    for (int s = 0; s < steps; s++) {
        sc_tensor *L = tiny_inner(b->user, ctx, 5);
        sc_tensor **g = sc_grad(ctx, &L, 1, b->opt->p, b->opt->n, NULL, 0);
        assert_non_null(g);
        assert_int_equal(sc_optim_step(b->opt, ctx, g, b->lr), 0);
        sc_ctx_reset(ctx);
    }
}

static void check_unrolled(sc_optim_cfg oc, double lr, const char *what) {
    sc_err err;
    sc_ctx ctx;
    assert_int_equal(sc_ctx_init(&ctx, ARENA, 1, &err), 0);
    tiny_rig r;
    tiny_open(&r, SC_F64, oc, lr);
    warm(&r.b, &ctx, 2);
    double th0[16], th1[16], st0[32], st1[32];
    get_all(r.o.p, 2, th0);
    if (r.o.m[0]) get_all(r.o.m, 2, st0);
    if (r.o.v[0]) get_all(r.o.v, 2, st0 + 16);
    int ks[2] = {1, 3};
    for (int t = 0; t < (sc_test_quick() ? 1 : 2); t++) {
        sc_hg_cfg cfg = sc_hg_default();
        cfg.unroll = ks[t];
        double d[4], fd[4], F;
        double outer = run(&r.b, &ctx, cfg, d, NULL);
        assert_int_equal(sc_hg_outer_after(&r.b, &ctx, ks[t], &F, &err), 0);
        assert_true(fabs(outer - F) <= 1e-12 * fabs(F));  // the reported outer loss is F(φ)
        assert_int_equal(sc_hg_fd(&r.b, &ctx, ks[t], 1e-5, fd, &err), 0);
        double rel = sc_hg_rel_err(d, fd, 4);
        if (rel > 1e-7 || getenv("SC_TEST_VERBOSE"))
            fprintf(stderr, "%s unrolled-%d: rel err vs FD %.3g (|fd| %.3g)\n", what, ks[t], rel,
                    sqrt(fd[0] * fd[0] + fd[1] * fd[1]));
        assert_true(rel < 1e-7);
        // (d) restored bit-exactly, state and step count untouched.
        get_all(r.o.p, 2, th1);
        assert_memory_equal(th0, th1, sizeof th0);
        if (r.o.m[0]) {
            get_all(r.o.m, 2, st1);
            assert_memory_equal(st0, st1, 16 * sizeof(double));
        }
        if (r.o.v[0]) {
            get_all(r.o.v, 2, st1 + 16);
            assert_memory_equal(st0 + 16, st1 + 16, 16 * sizeof(double));
        }
        assert_int_equal(r.o.t, 2);
    }
    tiny_close(&r);
    sc_ctx_free(&ctx);
}

static void test_unrolled_sgd_clip_wd(void **state) {
    (void)state;
    check_unrolled(sc_optim_sgd_cfg(0, 0, 0), 0.3, "sgd");
    check_unrolled(sc_optim_sgd_cfg(0, 0.01, 0.05), 0.3, "sgd clip active wd");  // ‖g‖ ~ 1 ≫ 0.05
}

static void test_unrolled_state(void **state) {
    (void)state;
    check_unrolled(sc_optim_sgd_cfg(0.9, 0.01, 0.5), 0.2, "sgd momentum");
    check_unrolled(sc_optim_adam_cfg(0, 0.01, 0), 0.05, "adam");
    check_unrolled(sc_optim_adam_cfg(1, 0.1, 0.05), 0.05, "adamw clip");
}

// (c) a small step against dφ lowers F(φ) = L_out(θ_1(φ)); every method leaves θ alone.
static void test_descent_and_restore(void **state) {
    sc_ctx *ctx = *state;
    sc_err err;
    tiny_rig r;
    tiny_open(&r, SC_F64, sc_optim_sgd_cfg(0, 0.01, 5), 0.3);
    double th0[16], th1[16], d[4], F0, F1;
    get_all(r.o.p, 2, th0);
    for (int meth = 0; meth < sc_hg_n_methods; meth++) {  // every registered method
        sc_hg_cfg cfg = sc_hg_default();
        cfg.method = (sc_hg_method)meth;
        run(&r.b, ctx, cfg, d, NULL);
        get_all(r.o.p, 2, th1);
        assert_memory_equal(th0, th1, sizeof th0);
        assert_int_equal(r.o.t, 0);
    }
    sc_hg_cfg cfg = sc_hg_default();
    F0 = run(&r.b, ctx, cfg, d, NULL);
    double n2 = 0;
    for (int i = 0; i < 4; i++) n2 += d[i] * d[i];
    double eta = 1e-3 / sqrt(n2);  // a step of length 1e-3 in φ
    for (int i = 0; i < 4; i++) sc_tensor_set(r.m.F.t[0], i, sc_tensor_get(r.m.F.t[0], i) - eta * d[i]);
    assert_int_equal(sc_hg_outer_after(&r.b, ctx, 1, &F1, &err), 0);
    assert_true(F1 < F0);
    // First order: the decrease is η‖dφ‖² to a few percent.
    assert_true(fabs((F0 - F1) / (eta * n2) - 1) < 0.05);
    tiny_close(&r);
}

// Adam from a fresh state without decay, with a parameter whose gradient is
// exactly 0: autodiff through sqrt(v') at v' = 0 would give NaN; the
// hypergradient is finite and matches FD.
static void test_adam_zero_gradient(void **state) {
    sc_ctx *ctx = *state;
    sc_err err;
    tiny_rig r;
    tiny_init(&r.m);
    int64_t us[1] = {3};
    sc_test_fill(sc_params_add(&r.m.P, "unused", SC_F64, 1, us, &err), 14, 1.0);
    sc_optim_cfg oc = sc_optim_adam_cfg(0, 0, 0);
    oc.eps = 0.01;  // a smoother first step d / (|d| + ε): a hypergradient FD resolves
    tiny_bind(&r, oc, 0.05);
    double d[4], fd[4];
    run(&r.b, ctx, sc_hg_default(), d, NULL);
    for (int i = 0; i < 4; i++) assert_true(isfinite(d[i]));
    assert_int_equal(sc_hg_fd(&r.b, ctx, 1, 1e-5, fd, &err), 0);
    if (getenv("SC_TEST_VERBOSE")) fprintf(stderr, "adam zero gradient: rel err vs FD %.3g\n", sc_hg_rel_err(d, fd, 4));
    assert_true(sc_hg_rel_err(d, fd, 4) < 1e-6);
    tiny_close(&r);
}

// f32 (what students train in): every method runs, agrees with f64 to f32
// precision, and restores θ and the Adam state bit-exactly.
static void test_f32(void **state) {
    sc_ctx *ctx = *state;
    for (int meth = 0; meth < sc_hg_n_methods; meth++) {  // every registered method
        double d[2][4];
        for (int k = 0; k < 2; k++) {
            sc_optim_cfg oc = sc_optim_adam_cfg(0, 0.01, 0.5);
            if (!(sc_hg_methods[meth].flags & SC_HG_OPTIM_STATE)) oc = sc_optim_sgd_cfg(0, 0, 0);  // plain SGD
            tiny_rig r;
            tiny_open(&r, k ? SC_F32 : SC_F64, oc, 0.1);
            warm(&r.b, ctx, 1);
            float before[16], after[16];
            for (int i = 0; i < 12; i++) before[i] = k ? ((float *)r.o.p[0]->data)[i] : 0;
            sc_hg_cfg cfg = sc_hg_default();
            cfg.method = (sc_hg_method)meth;
            cfg.unroll = 2;
            run(&r.b, ctx, cfg, d[k], NULL);
            for (int i = 0; i < 12; i++) after[i] = k ? ((float *)r.o.p[0]->data)[i] : 0;
            assert_memory_equal(before, after, 12 * sizeof(float));
            tiny_close(&r);
        }
        double rel = sc_hg_rel_err(d[1], d[0], 4);
        if (rel > 1e-3 || getenv("SC_TEST_VERBOSE"))
            fprintf(stderr, "f32 %s: rel diff to f64 %.3g\n", sc_hg_method_name((sc_hg_method)meth), rel);
        assert_true(rel < 1e-3);
    }
}

// Bad configurations are errors naming the method, not crashes.
static void test_errors(void **state) {
    sc_ctx *ctx = *state;
    sc_err err;
    tiny_rig r;
    tiny_open(&r, SC_F64, sc_optim_sgd_cfg(0, 0, 0), 0.3);
    sc_tensor *dphi = sc_zeros_like(ctx, r.m.F.t[0]);
    sc_hg_cfg cfg = sc_hg_default();
    cfg.unroll = 0;
    assert_int_equal(sc_hypergrad(&r.b, ctx, &cfg, &dphi, NULL, &err), -1);
    assert_non_null(strstr(err.msg, "unrolled"));
    cfg = sc_hg_default();
    cfg.method = SC_HG_CG;
    cfg.terms = 0;
    assert_int_equal(sc_hypergrad(&r.b, ctx, &cfg, &dphi, NULL, &err), -1);
    assert_non_null(strstr(err.msg, "cg"));
    sc_tensor *wrong = sc_zeros(ctx, SC_F64, 1, (int64_t[]){3});
    cfg = sc_hg_default();
    assert_int_equal(sc_hypergrad(&r.b, ctx, &cfg, &wrong, NULL, &err), -1);
    assert_non_null(strstr(err.msg, "dphi[0]"));
    assert_int_equal(sc_hg_method_parse("neumann"), SC_HG_NEUMANN);
    assert_int_equal(sc_hg_method_parse("nope"), -1);
    cfg = sc_hg_default();
    cfg.method = sc_hg_n_methods;  // past the registry
    assert_int_equal(sc_hypergrad(&r.b, ctx, &cfg, &dphi, NULL, &err), -1);
    assert_non_null(strstr(err.msg, "unknown method"));
    // The registry's rows are complete and found by name; the list names them all.
    assert_true(sc_hg_n_methods >= 4);
    assert_null(sc_hg_methods[sc_hg_n_methods].name);
    for (int i = 0; i < sc_hg_n_methods; i++) {
        const sc_hg_method_def *d = &sc_hg_methods[i];
        assert_non_null(d->name);
        assert_non_null(d->summary);
        assert_non_null(d->fn);
        assert_int_equal(sc_hg_method_parse(d->name), i);
        assert_string_equal(sc_hg_method_names()[i], d->name);
        assert_non_null(strstr(sc_hg_method_list(), d->name));
        if (!(d->flags & SC_HG_EXACT)) assert_non_null(d->describe);  // hypercheck reports what it did
    }
    assert_null(sc_hg_method_names()[sc_hg_n_methods]);
    sc_ctx_reset(ctx);
    tiny_close(&r);
}

// (e) the command: exit 0 and the table; usage errors name the option.
static void test_hypercheck_cli(void **state) {
    (void)state;
    static char out[16384], errb[4096];
    char *full[] = {"hypercheck"}, *quick[] = {"hypercheck", "--method", "unrolled", "--unroll", "2"};
    int rc = sc_test_quick() ? sc_test_capture(sc_cmd_hypercheck, 5, quick, out, sizeof out, errb, sizeof errb)
                             : sc_test_capture(sc_cmd_hypercheck, 1, full, out, sizeof out, errb, sizeof errb);
    if (rc) fprintf(stderr, "%s\n%s\n", out, errb);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "rel.err"));
    assert_non_null(strstr(out, "clipping active"));
    assert_non_null(strstr(out, "worst relative error"));
    assert_null(strstr(out, "FAIL"));
    if (!sc_test_quick()) {
        assert_non_null(strstr(out, "neumann"));
        assert_non_null(strstr(out, "darts"));
        assert_non_null(strstr(out, "implicit check"));
        assert_non_null(strstr(out, "ok (<= 1e-6)"));
    }
    char *bad[] = {"hypercheck", "--method", "newton"};
    assert_int_equal(sc_test_capture(sc_cmd_hypercheck, 3, bad, out, sizeof out, errb, sizeof errb), 2);
    assert_non_null(strstr(errb, "--method"));
    char *bad2[] = {"hypercheck", "--unroll", "0"};
    assert_int_equal(sc_test_capture(sc_cmd_hypercheck, 3, bad2, out, sizeof out, errb, sizeof errb), 2);
    assert_non_null(strstr(errb, "--unroll"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quadratic_closed_form),
        cmocka_unit_test(test_unrolled_sgd_clip_wd),
        cmocka_unit_test(test_unrolled_state),
        cmocka_unit_test(test_descent_and_restore),
        cmocka_unit_test(test_adam_zero_gradient),
        cmocka_unit_test(test_f32),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_hypercheck_cli),
    };
    return cmocka_run_group_tests(tests, sc_test_ctx_setup, sc_test_ctx_teardown);
}
