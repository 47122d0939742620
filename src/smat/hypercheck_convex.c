// hypercheck_convex.c — where implicit differentiation is exact: a strongly
// convex inner problem at its minimum, so Neumann and CG can be checked too.
//
//   L_in(θ; φ) = ½ θᵀAθ - φᵀBθ     (A SPD 6×6, B 3×6)  →  θ*(φ) = A⁻¹Bᵀφ
//   L_out(θ)   = ½ ‖Cθ - y‖²        (C 4×6)
//   F*(φ) = L_out(θ*(φ)),  dF*/dφ = B A⁻¹ Cᵀ(Cθ* - y)
// The reference is central differences of F* with θ* solved in plain C (no
// engine involved); θ is set to θ*(φ) before the methods run, as implicit
// differentiation assumes.
#include <math.h>
#include <string.h>

#include "ops/ops.h"
#include "smat/hg_impl.h"
#include "smat/hypercheck.h"

#define NT 6
#define NP 3
#define NO 4

typedef struct convex {
    double A[NT * NT], B[NP * NT], C[NO * NT], y[NO];
    sc_params P, F;  // θ (NT, 1), φ (NP, 1)
} convex;

static double rnd(uint64_t *s) {  // splitmix64 → [-1, 1)
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return (double)((z ^ (z >> 31)) >> 11) / (double)(1ull << 52) - 1.0;
}

// x = A⁻¹ b (A SPD: elimination without pivoting).
static void solve(const double *A0, const double *b0, double *x) {
    double A[NT * NT], b[NT];
    memcpy(A, A0, sizeof A);
    memcpy(b, b0, sizeof b);
    for (int k = 0; k < NT; k++)
        for (int i = k + 1; i < NT; i++) {
            double f = A[i * NT + k] / A[k * NT + k];
            for (int j = k; j < NT; j++) A[i * NT + j] -= f * A[k * NT + j];
            b[i] -= f * b[k];
        }
    for (int i = NT - 1; i >= 0; i--) {
        double s = b[i];
        for (int j = i + 1; j < NT; j++) s -= A[i * NT + j] * x[j];
        x[i] = s / A[i * NT + i];
    }
}

static void theta_star(const convex *c, const double *phi, double *th) {
    double r[NT];
    for (int j = 0; j < NT; j++) {
        r[j] = 0;
        for (int i = 0; i < NP; i++) r[j] += c->B[i * NT + j] * phi[i];
    }
    solve(c->A, r, th);
}

static double f_star(const convex *c, const double *phi) {
    double th[NT], s = 0;
    theta_star(c, phi, th);
    for (int o = 0; o < NO; o++) {
        double r = -c->y[o];
        for (int j = 0; j < NT; j++) r += c->C[o * NT + j] * th[j];
        s += 0.5 * r * r;
    }
    return s;
}

static sc_tensor *mat(sc_ctx *ctx, const double *v, int64_t r, int64_t k) {
    return sc_from_f64(ctx, SC_F64, 2, (int64_t[]){r, k}, v);
}

static sc_tensor *inner(void *user, sc_ctx *ctx, int j) {
    (void)j;
    convex *c = user;
    sc_tensor *th = c->P.t[0], *phi = c->F.t[0];  // (NT, 1), (NP, 1)
    sc_tensor *q = sc_sum_all(ctx, sc_mul(ctx, th, sc_matmul(ctx, mat(ctx, c->A, NT, NT), th)));
    sc_tensor *l = sc_sum_all(ctx, sc_mul(ctx, phi, sc_matmul(ctx, mat(ctx, c->B, NP, NT), th)));
    return sc_sub(ctx, sc_mul_scalar(ctx, q, 0.5), l);
}

static sc_tensor *outer(void *user, sc_ctx *ctx) {
    convex *c = user;
    sc_tensor *r = sc_sub(ctx, sc_matmul(ctx, mat(ctx, c->C, NO, NT), c->P.t[0]), mat(ctx, c->y, NO, 1));
    return sc_mul_scalar(ctx, sc_sum_all(ctx, sc_mul(ctx, r, r)), 0.5);
}

static int setup(convex *c, uint64_t seed, sc_err *err) {
    uint64_t s = seed * 0x2545F4914F6CDD1Dull + 17;
    double M[NT * NT];
    for (int i = 0; i < NT * NT; i++) M[i] = rnd(&s);
    for (int i = 0; i < NT; i++)  // A = MᵀM + I
        for (int j = 0; j < NT; j++) {
            double a = i == j;
            for (int k = 0; k < NT; k++) a += M[k * NT + i] * M[k * NT + j];
            c->A[i * NT + j] = a;
        }
    for (int i = 0; i < NP * NT; i++) c->B[i] = rnd(&s);
    for (int i = 0; i < NO * NT; i++) c->C[i] = rnd(&s);
    for (int i = 0; i < NO; i++) c->y[i] = rnd(&s);
    if (sc_params_init(&c->P, 1u << 14, err)) return -1;
    if (sc_params_init(&c->F, 1u << 14, err)) return sc_params_free(&c->P), -1;
    sc_tensor *th = sc_params_add(&c->P, "theta", SC_F64, 2, (int64_t[]){NT, 1}, err);
    sc_tensor *phi = sc_params_add(&c->F, "phi", SC_F64, 2, (int64_t[]){NP, 1}, err);
    if (!th || !phi) return -1;
    double p[NP], t[NT];
    for (int i = 0; i < NP; i++) p[i] = rnd(&s);
    theta_star(c, p, t);
    sc_hg_scatter(&phi, 1, p);
    sc_hg_scatter(&th, 1, t);
    return 0;
}

int sc_hypercheck_convex(const sc_hc_opts *o, FILE *out, int *n_fail, sc_err *err) {
    convex c;
    memset(&c, 0, sizeof c);
    sc_ctx ctx;
    if (sc_ctx_init(&ctx, 8u << 20, o->seed, err)) return -1;
    int rc = setup(&c, o->seed, err);
    sc_optim opt;
    sc_optim_cfg oc = sc_optim_sgd_cfg(0, 0, 0);
    if (!rc) rc = sc_optim_init_params(&opt, &oc, &c.P, err);
    if (rc) {
        sc_params_free(&c.P);
        sc_params_free(&c.F);
        sc_ctx_free(&ctx);
        return -1;
    }
    // α = 1 / λ_max bound (Gershgorin) keeps the Neumann series convergent.
    double gmax = 0;
    for (int i = 0; i < NT; i++) {
        double r = 0;
        for (int j = 0; j < NT; j++) r += fabs(c.A[i * NT + j]);
        gmax = fmax(gmax, r);
    }
    sc_bilevel b = {.user = &c, .opt = &opt, .lr = 1.0 / gmax, .n_phi = 1, .phi = c.F.t, .inner_loss = inner,
                    .outer_loss = outer};
    double phi[NP], fd[NP], d[NP];
    sc_hg_gather(c.F.t, 1, phi);
    for (int e = 0; e < NP; e++) {  // Richardson-extrapolated central differences, as sc_hg_fd
        double D[2];
        for (int r = 0; r < 2; r++) {
            double h = 1e-5 / (1 + r), x = phi[e];
            phi[e] = x + h;
            double fp = f_star(&c, phi);
            phi[e] = x - h;
            double fm = f_star(&c, phi);
            phi[e] = x;
            D[r] = (fp - fm) / (2 * h);
        }
        fd[e] = (4 * D[1] - D[0]) / 3;
    }
    fprintf(out, "\nimplicit check: strongly convex L_in = 0.5 th'A th - phi'B th at its minimum th*(phi) "
                 "(6 + 3 values), alpha = %.3g\n", b.lr);
    // Each implicit method twice: at --terms (truncated, reported) and at the terms
    // that make it exact here (checked): its registry row says how many.
    struct conv_row { sc_hg_method m; int J, checked; } rows[2 * 8];
    int nr = 0;
    for (int m = 0; m < sc_hg_n_methods && nr + 2 <= (int)(sizeof rows / sizeof rows[0]); m++) {
        const sc_hg_method_def *def = &sc_hg_methods[m];
        if (!(def->flags & SC_HG_IMPLICIT) || !(o->methods & (1 << m))) continue;
        int exact = def->exact_terms > 0 ? def->exact_terms : NT;
        rows[nr++] = (struct conv_row){m, o->terms < exact ? o->terms : exact - 1, 0};
        rows[nr++] = (struct conv_row){m, exact, 1};
    }
    for (int r = 0; r < nr && !rc; r++) {
        sc_hg_cfg cfg = sc_hg_default();
        cfg.method = rows[r].m;
        cfg.terms = rows[r].J;
        sc_hg_stats st;
        sc_tensor *dphi = sc_zeros_like(&ctx, c.F.t[0]);
        if (!dphi || sc_hypergrad_stats(&b, &ctx, &cfg, &dphi, NULL, &st, err)) {
            rc = -1;
            break;
        }
        sc_hg_gather(&dphi, 1, d);
        sc_ctx_reset(&ctx);
        double rel = sc_hg_rel_err(d, fd, NP);
        char kj[16];
        snprintf(kj, sizeof kj, "J=%d", cfg.terms);
        fprintf(out, "  %-9s %-8s %-10s %10.3e %9.5f %10.3e %9s", sc_hg_method_name(cfg.method), kj, "fd(th*)", rel,
                sc_hg_cosine(d, fd, NP), sqrt(sc_hg_dot(d, d, NP)), "");
        if (rows[r].checked) {
            *n_fail += !(rel <= 1e-6);
            fprintf(out, "  %s\n", rel <= 1e-6 ? "ok (<= 1e-6)" : "FAIL (> 1e-6)");
        } else {
            fprintf(out, "  truncated (reported)\n");
        }
    }
    sc_optim_free(&opt);
    sc_params_free(&c.P);
    sc_params_free(&c.F);
    sc_ctx_free(&ctx);
    return rc;
}
