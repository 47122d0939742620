// Closed-form checks of the autodiff engine and of the meta-gradient through the
// functional optimizer step (f64 throughout).
//
// 1. L(θ) = ½ θᵀAθ − bᵀθ, A SPD: ∇L = Aθ − b; the Hessian-vector product by grad of
//    grad is Av (every column of A, i.e. the whole Hessian); third order
//    ∂/∂θ (vᵀ H v) = 0.
// 2. A cubic L(θ) = Σ c_i θ_i³/6 + (aᵀθ)³/6 + ½ θᵀAθ − bᵀθ: gradient, Hessian-vector
//    product and the third-derivative contraction T(u, w, ·) against their
//    analytic values.
// 3. One-step-unrolled meta-gradient on a linear model (the SMaT structure): the
//    hyperparameter φ only enters the inner loss, θ' = U(θ, ∇θ L_in(θ; φ)) by the
//    functional step, L_out(θ'); dL_out/dφ by sc_grad through the step, against
//    the hand-derived value (SGD, SGD with active clipping) and against central
//    finite differences of L_out(φ) evaluated with the IN-PLACE step (SGD, SGD
//    with clipping, momentum, Adam and AdamW one step from given moments).
#include "sc_test.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/ops.h"
#include "optim/optim.h"

#define ARENA (64u << 20)


static sc_tensor *tensor(sc_ctx *ctx, int64_t rows, int64_t cols, const double *v) {
    int64_t s[2] = {rows, cols};
    return sc_from_f64(ctx, SC_F64, 2, s, v);
}

static sc_tensor *leaf(sc_ctx *ctx, int64_t rows, int64_t cols, const double *v) {
    sc_tensor *t = tensor(ctx, rows, cols, v);
    if (t) t->requires_grad = 1;
    return t;
}

static sc_tensor *grad1(sc_ctx *ctx, sc_tensor *y, sc_tensor *x, int create_graph) {
    sc_tensor **g = sc_grad(ctx, &y, 1, &x, 1, NULL, create_graph);
    if (!g) fprintf(stderr, "grad: %s\n", ctx->err.msg);
    assert_non_null(g);
    return g[0];
}

static sc_tensor *dot(sc_ctx *ctx, sc_tensor *a, sc_tensor *b) { return sc_sum_all(ctx, sc_mul(ctx, a, b)); }

static void expect_values(const sc_tensor *t, const double *want, int64_t n, double tol, const char *what) {
    assert_int_equal(t->numel, n);
    for (int64_t i = 0; i < n; i++) {
        double got = sc_tensor_get(t, i);
        if (fabs(got - want[i]) > tol) fprintf(stderr, "%s[%lld]: got %.17g want %.17g\n", what, (long long)i, got, want[i]);
        assert_true(fabs(got - want[i]) <= tol);
    }
}

// ---- 1, 2: quadratic and cubic ------------------------------------------------------------
#define D 4
// SPD: diagonally dominant and symmetric.
static const double A4[D * D] = {4.0, 1.0, -0.5, 0.3, 1.0, 3.0, 0.4, -0.2, -0.5, 0.4, 2.5, 0.6, 0.3, -0.2, 0.6, 2.0};
static const double B4[D] = {1.0, -1.5, 0.25, 2.0};
static const double TH4[D] = {0.7, -0.4, 1.2, -0.9};

static void matvec(const double *M, const double *x, double *y) {
    for (int i = 0; i < D; i++) {
        y[i] = 0;
        for (int j = 0; j < D; j++) y[i] += M[i * D + j] * x[j];
    }
}

// ½ θᵀAθ − bᵀθ as ops, θ (D, 1).
static sc_tensor *quadratic(sc_ctx *ctx, sc_tensor *th) {
    sc_tensor *A = tensor(ctx, D, D, A4), *b = tensor(ctx, D, 1, B4);
    return sc_sub(ctx, sc_mul_scalar(ctx, dot(ctx, th, sc_matmul(ctx, A, th)), 0.5), dot(ctx, b, th));
}

static void test_quadratic(void **state) {
    (void)state;
    sc_err err;
    sc_ctx ctx;
    assert_int_equal(sc_ctx_init(&ctx, ARENA, 1, &err), 0);
    sc_tensor *th = leaf(&ctx, D, 1, TH4);
    sc_tensor *L = quadratic(&ctx, th);
    sc_tensor *g = grad1(&ctx, L, th, 1);
    double want[D];
    matvec(A4, TH4, want);
    for (int i = 0; i < D; i++) want[i] -= B4[i];
    expect_values(g, want, D, 1e-13, "grad");
    // Hessian column by column: H e_j = A e_j.
    for (int j = 0; j < D; j++) {
        double e[D] = {0};
        e[j] = 1;
        sc_tensor *hv = grad1(&ctx, dot(&ctx, g, tensor(&ctx, D, 1, e)), th, 1);
        double col[D];
        for (int i = 0; i < D; i++) col[i] = A4[i * D + j];
        expect_values(hv, col, D, 1e-13, "Hessian column");
    }
    // A general v, then third order: vᵀ H v does not depend on θ.
    double v[D] = {0.3, -1.1, 0.8, 0.5}, Av[D];
    matvec(A4, v, Av);
    sc_tensor *vt = tensor(&ctx, D, 1, v);
    sc_tensor *hv = grad1(&ctx, dot(&ctx, g, vt), th, 1);
    expect_values(hv, Av, D, 1e-13, "Hv");
    sc_tensor *t3 = grad1(&ctx, dot(&ctx, hv, vt), th, 0);
    double zero[D] = {0};
    expect_values(t3, zero, D, 1e-13, "d(vHv)/dtheta");
    sc_ctx_free(&ctx);
}

static const double C4[D] = {1.5, -0.7, 2.0, 0.9};
static const double AV4[D] = {0.6, -0.3, 0.45, 0.8};

// Σ c_i θ_i³/6 + (aᵀθ)³/6 + ½ θᵀAθ − bᵀθ
static sc_tensor *cubic(sc_ctx *ctx, sc_tensor *th) {
    sc_tensor *c = tensor(ctx, D, 1, C4), *a = tensor(ctx, D, 1, AV4);
    sc_tensor *t1 = sc_mul_scalar(ctx, dot(ctx, c, sc_pow_scalar(ctx, th, 3.0)), 1.0 / 6.0);
    sc_tensor *t2 = sc_mul_scalar(ctx, sc_pow_scalar(ctx, dot(ctx, a, th), 3.0), 1.0 / 6.0);
    return sc_add(ctx, sc_add(ctx, t1, t2), quadratic(ctx, th));
}

static void test_cubic(void **state) {
    (void)state;
    sc_err err;
    sc_ctx ctx;
    assert_int_equal(sc_ctx_init(&ctx, ARENA, 1, &err), 0);
    const double u[D] = {0.3, -1.1, 0.8, 0.5}, w[D] = {-0.6, 0.2, 1.3, -0.4};
    double s = 0, au = 0, aw = 0;  // s = aᵀθ
    for (int i = 0; i < D; i++) s += AV4[i] * TH4[i], au += AV4[i] * u[i], aw += AV4[i] * w[i];
    // ∇L = ½ c⊙θ² + ½ s² a + Aθ − b
    double g_want[D], Hu_want[D], T_want[D], Ath[D], Au[D];
    matvec(A4, TH4, Ath);
    matvec(A4, u, Au);
    for (int i = 0; i < D; i++) {
        g_want[i] = 0.5 * C4[i] * TH4[i] * TH4[i] + 0.5 * s * s * AV4[i] + Ath[i] - B4[i];
        // H = diag(c⊙θ) + s a aᵀ + A
        Hu_want[i] = C4[i] * TH4[i] * u[i] + s * au * AV4[i] + Au[i];
        // T(u, w, ·) = c⊙u⊙w + (aᵀu)(aᵀw) a
        T_want[i] = C4[i] * u[i] * w[i] + au * aw * AV4[i];
    }
    sc_tensor *th = leaf(&ctx, D, 1, TH4);
    sc_tensor *g = grad1(&ctx, cubic(&ctx, th), th, 1);
    expect_values(g, g_want, D, 1e-13, "cubic grad");
    sc_tensor *Hu = grad1(&ctx, dot(&ctx, g, tensor(&ctx, D, 1, u)), th, 1);
    expect_values(Hu, Hu_want, D, 1e-13, "cubic Hu");
    sc_tensor *T = grad1(&ctx, dot(&ctx, Hu, tensor(&ctx, D, 1, w)), th, 1);
    expect_values(T, T_want, D, 1e-13, "cubic T(u, w, .)");
    // Fourth order of a cubic is zero.
    sc_tensor *F = grad1(&ctx, dot(&ctx, T, tensor(&ctx, D, 1, u)), th, 0);
    double zero[D] = {0};
    expect_values(F, zero, D, 1e-13, "cubic fourth order");
    sc_ctx_free(&ctx);
}

// ---- 3: one-step-unrolled meta-gradient ----------------------------------------------------
//
// Linear model, n = 6 training rows, m = 5 validation rows, d = 3 features:
//   L_in(θ; φ)  = (1/n) ‖Xθ − y‖² + Σ_j φ_j θ_j²     (φ a scalar, or one weight per feature)
//   g(φ)        = ∇θ L_in = (2/n) Xᵀ(Xθ − y) + 2 φ⊙θ
//   θ'(φ)       = θ − lr (f(φ) g(φ) + wd θ)          (SGD with coupled weight decay)
//   L_out(φ)    = (1/m) ‖Xv θ' − yv‖²
// θ is the current (fixed) parameter, so only g depends on φ: ∂g/∂φ_j = 2 θ_j e_j
// (for a scalar φ, ∂g/∂φ = q := 2θ). With r := ∇θ' L_out = (2/m) Xvᵀ(Xv θ' − yv):
//
//   without clipping (f = 1):   dL_out/dφ_j = rᵀ ∂θ'/∂φ_j = −lr r_j 2θ_j,
//                               scalar φ: dL_out/dφ = −2 lr rᵀθ.
//   weight decay adds −lr wd θ to θ' — a term independent of φ, so it changes θ'
//   (and hence r) but not ∂θ'/∂φ.
//
//   with active clipping, f = c / (N + ε), N = ‖g‖:
//     ∂N/∂φ = gᵀq / N,   ∂f/∂φ = −c/(N + ε)² · gᵀq / N,
//     ∂(f g)/∂φ = f q + g ∂f/∂φ,
//     dL_out/dφ = −lr rᵀ (f q + g ∂f/∂φ)
//                = −lr c/(N + ε) [rᵀq − (rᵀg)(gᵀq) / (N (N + ε))].
#define N_TR 6
#define N_VA 5
#define NF 3

typedef struct {
    double X[N_TR * NF], y[N_TR], Xv[N_VA * NF], yv[N_VA], th[NF];
} problem;

static problem make_problem(void) {
    problem p;
    for (int i = 0; i < N_TR * NF; i++) p.X[i] = sc_test_val(i, 31);
    for (int i = 0; i < N_TR; i++) p.y[i] = sc_test_val(i, 32);
    for (int i = 0; i < N_VA * NF; i++) p.Xv[i] = sc_test_val(i, 33);
    for (int i = 0; i < N_VA; i++) p.yv[i] = sc_test_val(i, 34);
    for (int i = 0; i < NF; i++) p.th[i] = 1.5 * sc_test_val(i, 35);
    return p;
}

// (2/rows) Mᵀ(M x − t) in plain C.
static void lsq_grad(const double *M, const double *t, int rows, const double *x, double *out) {
    for (int j = 0; j < NF; j++) out[j] = 0;
    for (int i = 0; i < rows; i++) {
        double r = -t[i];
        for (int j = 0; j < NF; j++) r += M[i * NF + j] * x[j];
        for (int j = 0; j < NF; j++) out[j] += 2.0 / rows * M[i * NF + j] * r;
    }
}

// The hand-derived dL_out/dφ for SGD (scalar φ), clipping active iff clip > 0 and N + ε > clip.
static double analytic_sgd(const problem *p, double phi, double lr, double wd, double clip) {
    double g[NF], q[NF], r[NF], thp[NF], N = 0;
    lsq_grad(p->X, p->y, N_TR, p->th, g);
    for (int j = 0; j < NF; j++) g[j] += 2 * phi * p->th[j], q[j] = 2 * p->th[j], N += g[j] * g[j];
    N = sqrt(N);
    double f = clip > 0 && N + 1e-6 > clip ? clip / (N + 1e-6) : 1.0;
    for (int j = 0; j < NF; j++) thp[j] = p->th[j] - lr * (f * g[j] + wd * p->th[j]);
    lsq_grad(p->Xv, p->yv, N_VA, thp, r);
    double rq = 0, rg = 0, gq = 0;
    for (int j = 0; j < NF; j++) rq += r[j] * q[j], rg += r[j] * g[j], gq += g[j] * q[j];
    if (f == 1.0) return -lr * rq;
    return -lr * clip / (N + 1e-6) * (rq - rg * gq / (N * (N + 1e-6)));
}

typedef struct {
    const char *name;
    sc_optim_cfg cfg;
    double lr;
    int moments;      // start from given (nonzero) optimizer state, at step t = 3
    int vector_phi;   // φ one weight per feature instead of a scalar
    int analytic;     // compare with analytic_sgd too
    int clip_active;  // expected clipping state at the first step (checked)
    int steps;        // functional steps unrolled (0 means 1)
} meta_case;

static const double PHI_VEC[NF] = {0.3, 0.05, 0.6};
#define PHI_SCALAR 0.25

// A context and θ, an (n, 1) parameter holding `values`.
typedef struct theta_rig {
    sc_ctx ctx;
    sc_params P;
    sc_tensor *th;
    sc_optim o;  // an optimizer over θ (zeroed until a test sets one up)
} theta_rig;

static void rig_open(theta_rig *r, int n, const double *values) {
    sc_err err;
    memset(&r->o, 0, sizeof r->o);
    assert_int_equal(sc_ctx_init(&r->ctx, ARENA, 1, &err), 0);
    assert_int_equal(sc_params_init(&r->P, 1u << 16, &err), 0);
    r->th = sc_params_add(&r->P, "theta", SC_F64, 2, (int64_t[]){n, 1}, &err);
    assert_non_null(r->th);
    for (int i = 0; i < n; i++) sc_tensor_set(r->th, i, values[i]);
}

static void rig_close(theta_rig *r) {
    sc_optim_free(&r->o);
    sc_ctx_free(&r->ctx);  // first: the tape borrows the slab (core/params.h)
    sc_params_free(&r->P);
}

// Sets up the optimizer over θ with the case's state.
static void optim_for(const meta_case *mc, sc_optim *o, sc_tensor *th) {
    sc_err err;
    assert_int_equal(sc_optim_init(o, &mc->cfg, &th, 1, &err), 0);
    if (!mc->moments) return;
    for (int j = 0; j < NF; j++) {
        if (o->m[0]) sc_tensor_set(o->m[0], j, 0.4 * sc_test_val(j, 41));
        if (o->v[0]) sc_tensor_set(o->v[0], j, 0.05 + 0.1 * fabs(sc_test_val(j, 42)));
    }
    o->t = 3;
}

// θ of the problem and the case's optimizer over it (r->o); returns the context.
static sc_ctx *meta_open(theta_rig *r, const meta_case *mc, const problem *p) {
    rig_open(r, NF, p->th);
    optim_for(mc, &r->o, r->th);
    return &r->ctx;
}

// L_in(θ; φ) as ops.
static sc_tensor *inner_loss(sc_ctx *ctx, const problem *p, sc_tensor *th, sc_tensor *phi) {
    sc_tensor *r = sc_sub(ctx, sc_matmul(ctx, tensor(ctx, N_TR, NF, p->X), th), tensor(ctx, N_TR, 1, p->y));
    sc_tensor *reg = phi->numel == 1 ? sc_mul(ctx, phi, dot(ctx, th, th)) : dot(ctx, phi, sc_mul(ctx, th, th));
    return sc_add(ctx, sc_mean_all(ctx, sc_mul(ctx, r, r)), reg);
}

static sc_tensor *outer_loss(sc_ctx *ctx, const problem *p, sc_tensor *th) {
    sc_tensor *r = sc_sub(ctx, sc_matmul(ctx, tensor(ctx, N_VA, NF, p->Xv), th), tensor(ctx, N_VA, 1, p->yv));
    return sc_mean_all(ctx, sc_mul(ctx, r, r));
}

static sc_tensor *phi_tensor(sc_ctx *ctx, const meta_case *mc, const double *phi) {
    return mc->vector_phi ? tensor(ctx, NF, 1, phi) : sc_scalar(ctx, SC_F64, phi[0]);
}

// The meta-gradient dL_out/dφ through the functional step; writes the clip norm seen.
static void meta_gradient(const meta_case *mc, const problem *p, const double *phi_v, double *out, double *norm) {
    theta_rig r;
    sc_ctx *ctx = meta_open(&r, mc, p);
    sc_tensor *th = r.th;
    sc_optim *o = &r.o;
    sc_tensor *phi = phi_tensor(ctx, mc, phi_v);
    phi->requires_grad = 1;
    // k unrolled functional steps on one tape; each inner gradient is a graph
    // tensor depending on φ (and, from the second step, on the earlier steps).
    sc_tensor *thp = th, *m = NULL, *v = NULL;
    for (int k = 0; k < (mc->steps ? mc->steps : 1); k++) {
        sc_tensor *g = grad1(ctx, inner_loss(ctx, p, thp, phi), thp, 1);
        if (k == 0) *norm = sc_grad_global_norm(&g, 1);
        sc_tensor *nt, *nm, *nv;
        int rc = sc_optim_fstep_from(o, ctx, &thp, &g, &m, &v, o->t + k, mc->lr, &nt, &nm, &nv);
        if (rc) fprintf(stderr, "%s\n", ctx->err.msg);
        assert_int_equal(rc, 0);
        thp = nt, m = nm, v = nv;
    }
    sc_tensor *d = grad1(ctx, outer_loss(ctx, p, thp), phi, 0);
    for (int64_t j = 0; j < d->numel; j++) out[j] = sc_tensor_get(d, j);
    assert_int_equal(o->t, mc->moments ? 3 : 0);  // the functional step mutated nothing
    for (int j = 0; j < NF; j++) assert_true(sc_tensor_get(th, j) == p->th[j]);
    rig_close(&r);
}

// L_out(φ) with the real in-place step (no graph at all): the function the
// meta-gradient is the derivative of.
static double outer_value(const meta_case *mc, const problem *p, const double *phi_v) {
    theta_rig r;
    sc_ctx *ctx = meta_open(&r, mc, p);
    sc_tensor *th = r.th;
    sc_optim *o = &r.o;
    for (int k = 0; k < (mc->steps ? mc->steps : 1); k++) {
        sc_tensor *g = grad1(ctx, inner_loss(ctx, p, th, phi_tensor(ctx, mc, phi_v)), th, 0);
        assert_int_equal(sc_optim_step(o, ctx, &g, mc->lr), 0);
    }
    sc_no_grad_begin(ctx);
    double L = sc_tensor_get(outer_loss(ctx, p, th), 0);
    sc_no_grad_end(ctx);
    rig_close(&r);
    return L;
}

static void check_meta_case(const meta_case *mc) {
    problem p = make_problem();
    double phi[NF], mg[NF], norm;
    int k = mc->vector_phi ? NF : 1;
    for (int j = 0; j < NF; j++) phi[j] = mc->vector_phi ? PHI_VEC[j] : PHI_SCALAR;
    meta_gradient(mc, &p, phi, mg, &norm);
    if (mc->cfg.clip_norm > 0) assert_int_equal(norm + 1e-6 > mc->cfg.clip_norm, mc->clip_active);
    const double h = 1e-5;
    double biggest = 0;
    for (int j = 0; j < k; j++) {
        double pp[NF], pm[NF];
        memcpy(pp, phi, sizeof pp);
        memcpy(pm, phi, sizeof pm);
        pp[j] += h;
        pm[j] -= h;
        double fd = (outer_value(mc, &p, pp) - outer_value(mc, &p, pm)) / (2 * h);
        double rel = fabs(mg[j] - fd) / fabs(fd);
        if (rel > 1e-6 || getenv("SC_TEST_VERBOSE"))
            fprintf(stderr, "%s: dL_out/dphi[%d] = %.12g, finite difference %.12g (rel %.2g)\n", mc->name, j, mg[j],
                    fd, rel);
        assert_true(rel <= 1e-6);
        biggest = fmax(biggest, fabs(fd));
    }
    assert_true(biggest > 1e-4);  // a real signal, not a vanishing derivative
    if (mc->analytic) {
        double an = analytic_sgd(&p, phi[0], mc->lr, mc->cfg.weight_decay, mc->cfg.clip_norm);
        if (fabs(mg[0] - an) > 1e-12 * fabs(an) + 1e-15 || getenv("SC_TEST_VERBOSE"))
            fprintf(stderr, "%s: dL_out/dphi = %.17g, analytic %.17g\n", mc->name, mg[0], an);
        assert_true(fabs(mg[0] - an) <= 1e-12 * fabs(an) + 1e-15);
    }
}

enum { META_SGD, META_SGD_CLIP, META_ADAM, META_UNROLLED };

// Every case, tagged with the test that runs it.
static void check_meta_group(int group) {
    const struct {
        int group;
        meta_case c;
    } cases[] = {
        {META_SGD, {"sgd", sc_optim_sgd_cfg(0, 0, 0), 0.3, 0, 0, 1, 0, 1}},
        {META_SGD, {"sgd wd", sc_optim_sgd_cfg(0, 0.01, 0), 0.3, 0, 0, 1, 0, 1}},
        {META_SGD, {"sgd wd, vector phi", sc_optim_sgd_cfg(0, 0.01, 0), 0.3, 0, 1, 0, 0, 1}},
        {META_SGD,
         {"sgd momentum nesterov", {.kind = SC_OPTIM_SGD, .momentum = 0.9, .nesterov = 1, .weight_decay = 0.01}, 0.3,
          1, 0, 0, 0, 1}},
        {META_SGD_CLIP, {"sgd wd clip active", sc_optim_sgd_cfg(0, 0.01, 0.3), 0.3, 0, 0, 1, 1, 1}},
        {META_SGD_CLIP, {"sgd wd clip inactive", sc_optim_sgd_cfg(0, 0.01, 50.0), 0.3, 0, 0, 1, 0, 1}},
        {META_SGD_CLIP, {"sgd wd clip active, vector phi", sc_optim_sgd_cfg(0, 0.01, 0.3), 0.3, 0, 1, 0, 1, 1}},
        {META_ADAM, {"adam from moments", sc_optim_adam_cfg(0, 0.01, 0), 0.3, 1, 0, 0, 0, 1}},
        {META_ADAM, {"adam from moments, clip active", sc_optim_adam_cfg(0, 0.01, 0.3), 0.3, 1, 0, 0, 1, 1}},
        {META_ADAM, {"adamw from moments, vector phi", sc_optim_adam_cfg(1, 0.1, 0), 0.3, 1, 1, 0, 0, 1}},
        {META_UNROLLED,
         {"sgd momentum wd clip, 3 steps",
          {.kind = SC_OPTIM_SGD, .momentum = 0.9, .weight_decay = 0.01, .clip_norm = 0.3}, 0.2, 0, 0, 0, 1, 3}},
        {META_UNROLLED, {"adam from moments, 3 steps", sc_optim_adam_cfg(0, 0.01, 0), 0.2, 1, 0, 0, 0, 3}},
        {META_UNROLLED, {"adamw clip, vector phi, 3 steps", sc_optim_adam_cfg(1, 0.1, 0.3), 0.2, 1, 1, 0, 1, 3}},
    };
    int n = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (cases[i].group == group) check_meta_case(&cases[i].c), n++;
    assert_true(n >= 3);
}

static void test_meta_sgd(void **state) { (void)state, check_meta_group(META_SGD); }
static void test_meta_sgd_clip(void **state) { (void)state, check_meta_group(META_SGD_CLIP); }
static void test_meta_adam(void **state) { (void)state, check_meta_group(META_ADAM); }
// Unrolling k = 3 functional steps (state passed along as graph tensors) against
// finite differences of 3 in-place steps.
static void test_meta_unrolled(void **state) { (void)state, check_meta_group(META_UNROLLED); }

// The Jacobian of the functional step in θ itself (θ' depends on θ directly and
// through g = ∇L(θ) = Aθ − b of the quadratic):
//   SGD, wd:                θ' = θ − lr (g + wd θ)               ⇒ ∂θ'/∂θ · v = v − lr (A + wd I) v
//   Nesterov (buffer b const): θ' = θ − lr ((1 + μ) d + μ² b), d = g + wd θ
//                                                               ⇒ ∂θ'/∂θ · v = v − lr (1 + μ)(A + wd I) v
// (A symmetric, so the vector-Jacobian product sc_grad computes is the same.)
static void test_step_jacobian(void **state) {
    (void)state;
    const double lr = 0.15, wd = 0.02, mu = 0.7;
    const double v[D] = {0.3, -1.1, 0.8, 0.5};
    for (int nesterov = 0; nesterov < 2; nesterov++) {
        theta_rig r;
        rig_open(&r, D, TH4);
        sc_ctx *ctx = &r.ctx;
        sc_tensor *th = r.th;
        sc_err err;
        sc_optim_cfg cfg = sc_optim_sgd_cfg(nesterov ? mu : 0, wd, 0);
        cfg.nesterov = nesterov;
        assert_int_equal(sc_optim_init(&r.o, &cfg, &th, 1, &err), 0);
        if (nesterov)
            for (int i = 0; i < D; i++) sc_tensor_set(r.o.m[0], i, sc_test_val(i, 51));
        sc_tensor *g = grad1(ctx, quadratic(ctx, th), th, 1);
        sc_tensor *thp;
        assert_int_equal(sc_optim_fstep(&r.o, ctx, NULL, &g, lr, &thp, NULL, NULL), 0);
        sc_tensor *jv = grad1(ctx, dot(ctx, thp, tensor(ctx, D, 1, v)), th, 0);
        double Av[D], want[D], k = nesterov ? 1 + mu : 1;
        matvec(A4, v, Av);
        for (int i = 0; i < D; i++) want[i] = v[i] - lr * k * (Av[i] + wd * v[i]);
        expect_values(jv, want, D, 1e-14, nesterov ? "nesterov step jacobian" : "sgd step jacobian");
        rig_close(&r);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quadratic), cmocka_unit_test(test_cubic),     cmocka_unit_test(test_meta_sgd),
        cmocka_unit_test(test_meta_sgd_clip), cmocka_unit_test(test_meta_adam),
        cmocka_unit_test(test_meta_unrolled), cmocka_unit_test(test_step_jacobian),
    };
    return cmocka_run_group_tests_name("closed_form", tests, NULL, sc_test_teardown);
}
