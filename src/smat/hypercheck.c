// hypercheck.c — finite-difference references for hypergradients (see hypercheck.h).
#include "smat/hypercheck.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "ops/ops.h"
#include "smat/hg_impl.h"

int sc_hg_outer_after(const sc_bilevel *b, sc_ctx *ctx, int k, double *out, sc_err *err) {
    sc_optim *o = b->opt;
    int S = o->cfg.kind == SC_OPTIM_SGD ? (o->cfg.momentum > 0) : 2;
    int64_t N = sc_hg_count(o->p, o->n);
    double *save = malloc(sizeof(double) * (size_t)N * (size_t)(1 + S));
    if (!save) return sc_errf(err, "hypercheck: out of memory");
    sc_hg_gather(o->p, o->n, save);
    if (S > 0) sc_hg_gather(o->m, o->n, save + N);
    if (S > 1) sc_hg_gather(o->v, o->n, save + 2 * N);
    int64_t t0 = o->t;
    int rc = 0;
    sc_ctx_mark mark = sc_ctx_get_mark(ctx);
    for (int j = 0; j < k && !rc; j++) {
        sc_tensor *L = sc_hg_inner(b, ctx, j, "reference", err);
        sc_tensor **g = L ? sc_grad(ctx, &L, 1, o->p, o->n, NULL, 0) : NULL;
        if (!L) rc = -1;
        else if (!g || sc_optim_step(o, ctx, g, b->lr)) rc = sc_hg_fail(ctx, "reference", "inner step", err);
        sc_ctx_rewind(ctx, mark);
    }
    if (!rc) {
        sc_no_grad_begin(ctx);
        sc_tensor *L = b->outer_loss(b->user, ctx);
        sc_no_grad_end(ctx);
        if (!L) rc = sc_hg_fail(ctx, "reference", "outer loss", err);
        else *out = sc_tensor_get(L, 0);
        sc_ctx_rewind(ctx, mark);
    }
    if (rc && ctx->failed) ctx->failed = 0;
    sc_hg_scatter(o->p, o->n, save);
    if (S > 0) sc_hg_scatter(o->m, o->n, save + N);
    if (S > 1) sc_hg_scatter(o->v, o->n, save + 2 * N);
    o->t = t0;
    free(save);
    return rc;
}

// Central difference of F in entry q of tensor t with step he.
static int central(const sc_bilevel *b, sc_ctx *ctx, int k, sc_tensor *t, int64_t q, double he, double *out,
                   sc_err *err) {
    double x = sc_tensor_get(t, q), fp = 0, fm = 0;
    sc_tensor_set(t, q, x + he);
    int rc = sc_hg_outer_after(b, ctx, k, &fp, err);
    sc_tensor_set(t, q, x - he);
    rc = rc ? rc : sc_hg_outer_after(b, ctx, k, &fm, err);
    sc_tensor_set(t, q, x);
    *out = (fp - fm) / (2 * he);
    return rc;
}

int sc_hg_fd(const sc_bilevel *b, sc_ctx *ctx, int k, double h, double *fd, sc_err *err) {
    int e = 0;
    for (int i = 0; i < b->n_phi; i++) {
        sc_tensor *p = b->phi[i];
        for (int64_t q = 0; q < p->numel; q++, e++) {
            double he = h * fmax(1.0, fabs(sc_tensor_get(p, q))), d1, d2;
            if (central(b, ctx, k, p, q, he, &d1, err) || central(b, ctx, k, p, q, he / 2, &d2, err)) return -1;
            fd[e] = (4 * d2 - d1) / 3;  // Richardson: the h² terms cancel
        }
    }
    return 0;
}

double sc_hg_rel_err(const double *a, const double *b, int64_t n) {
    double d = 0, nb = 0, na = 0;
    for (int64_t i = 0; i < n; i++) {
        d += (a[i] - b[i]) * (a[i] - b[i]);
        nb += b[i] * b[i];
        na += a[i] * a[i];
    }
    return nb > 0 ? sqrt(d / nb) : sqrt(na);
}

double sc_hg_cosine(const double *a, const double *b, int64_t n) {
    double ab = sc_hg_dot(a, b, n), aa = sc_hg_dot(a, a, n), bb = sc_hg_dot(b, b, n);
    return aa > 0 && bb > 0 ? ab / sqrt(aa * bb) : 0.0;
}

// ---- the check on the tiny SMaT problem -----------------------------------------------------

typedef struct hc_case {
    const char *name;
    sc_optim_cfg oc;
    double lr;
    int approx;    // also run the methods that are not SC_HG_EXACT (reported against fd(k=1), not checked)
    int unroll_k;  // also the exact methods' k = K row (checked against fd(k))
    int warm;  // real steps taken first (non-zero momentum / Adam state), undone after the case
} hc_case;

// ‖∇_θ L_in,0‖ / clip at the current θ (how hard the clipping binds; 0 if off).
static double clip_ratio(const sc_bilevel *b, sc_ctx *ctx, sc_err *err) {
    if (!(b->opt->cfg.clip_norm > 0)) return 0;
    sc_ctx_mark m = sc_ctx_get_mark(ctx);
    sc_tensor *L = sc_hg_inner(b, ctx, 0, "reference", err);
    sc_tensor **g = L ? sc_grad(ctx, &L, 1, b->opt->p, b->opt->n, NULL, 0) : NULL;
    double r = g ? sc_grad_global_norm(g, b->opt->n) / b->opt->cfg.clip_norm : -1;
    sc_ctx_rewind(ctx, m);
    if (ctx->failed) ctx->failed = 0;
    return r;
}

// One meta step φ ← φ - η dφ (|η dφ| = 1e-3) must lower F(φ) = L_out(θ_1(φ)) on
// its batch: 0 when it does, 1 when not, -1 with err (φ is restored either way).
static int descent(const sc_bilevel *b, sc_ctx *ctx, const double *d, double F0, FILE *out, sc_err *err) {
    int64_t P = sc_hg_count(b->phi, b->n_phi);
    double nd = sqrt(sc_hg_dot(d, d, P)), F1 = F0;
    if (!(nd > 0)) return 0;
    double eta = 1e-3 / nd, *phi0 = malloc(sizeof(double) * (size_t)P * 2), *phi1 = phi0 + P;
    if (!phi0) return sc_errf(err, "hypercheck: out of memory");
    sc_hg_gather(b->phi, b->n_phi, phi0);
    for (int64_t e = 0; e < P; e++) phi1[e] = phi0[e] - eta * d[e];
    sc_hg_scatter(b->phi, b->n_phi, phi1);
    int rc = sc_hg_outer_after(b, ctx, 1, &F1, err);
    sc_hg_scatter(b->phi, b->n_phi, phi0);  // exactly back
    free(phi0);
    if (rc) return -1;
    int ok = F1 < F0;
    fprintf(out, "  descent   one meta step |dphi step| = 1e-3: L_out %.12g -> %.12g (%+.3g, first order %+.3g)  %s\n",
            F0, F1, F1 - F0, -1e-3 * nd, ok ? "ok" : "FAIL (no decrease)");
    return ok ? 0 : 1;
}

// One table row: a method at (k, J), against its FD reference.
typedef struct hc_row {
    int method, k, terms;
    const double *ref;  // fd(k) for an exact row at k > 1, else fd(k=1)
    int64_t P;
} hc_row;

// Prints the row; an exact row adds its check to *worst / *n_fail, and at k = 1
// one meta step along it must lower the outer loss. 0, or -1 with err.
static int run_row(sc_hc_problem *p, sc_ctx *ctx, const hc_row *r, double *d, FILE *out, double *worst,
                   int *n_fail, sc_err *err) {
    const sc_hg_method_def *def = &sc_hg_methods[r->method];
    sc_tensor *dphi[SC_PARAMS_MAX];
    for (int i = 0; i < p->b.n_phi; i++)
        if (!(dphi[i] = sc_zeros_like(ctx, p->b.phi[i]))) return sc_hg_fail(ctx, "check", "dphi", err);
    sc_hg_cfg cfg = sc_hg_default();
    cfg.method = r->method;
    cfg.unroll = r->k;
    cfg.terms = r->terms;
    sc_hg_stats st;
    double t0 = 1e3 * sc_now();
    if (sc_hypergrad_stats(&p->b, ctx, &cfg, dphi, NULL, &st, err)) return -1;
    double ms = 1e3 * sc_now() - t0;
    sc_hg_gather(dphi, p->b.n_phi, d);
    double rel = sc_hg_rel_err(d, r->ref, r->P), cs = sc_hg_cosine(d, r->ref, r->P);
    char kj[32] = "";
    if (def->flags & SC_HG_USES_UNROLL) snprintf(kj, sizeof kj, "k=%d", cfg.unroll);
    else if (def->flags & SC_HG_USES_TERMS) snprintf(kj, sizeof kj, "J=%d", cfg.terms);
    else if (def->flags & SC_HG_USES_EPS) snprintf(kj, sizeof kj, "eps=%g", cfg.eps);
    fprintf(out, "  %-9s %-8s %-10s %10.3e %9.5f %10.3e %9.1f", def->name, kj, r->k > 1 ? "fd(k)" : "fd(k=1)", rel,
            cs, sqrt(sc_hg_dot(d, d, r->P)), ms);
    if (def->flags & SC_HG_EXACT) {
        *worst = isfinite(rel) ? fmax(*worst, rel) : INFINITY;
        *n_fail += !(rel <= 1e-4);
        fprintf(out, "  %s", rel <= 1e-4 ? "ok" : "FAIL (> 1e-4)");
    } else if (def->describe) {
        char what[160];
        def->describe(&st, what, sizeof what);
        fprintf(out, "  %s", what);
    }
    fprintf(out, "\n");
    if ((def->flags & SC_HG_EXACT) && r->k == 1) {
        int dr = descent(&p->b, ctx, d, st.outer, out, err);
        if (dr < 0) return -1;
        *n_fail += dr;
    }
    return 0;
}

static int run_case(sc_hc_problem *p, sc_ctx *ctx, const hc_case *c, const sc_hc_opts *o, FILE *out,
                    double *worst, int *n_fail, sc_err *err) {
    sc_optim opt;
    if (sc_optim_init(&opt, &c->oc, p->theta, p->n_theta, err)) return -1;
    p->b.opt = &opt;
    p->b.lr = c->lr;
    int64_t P = sc_hg_count(p->b.phi, p->b.n_phi), N = sc_hg_count(p->theta, p->n_theta);
    double *buf = malloc(sizeof(double) * (size_t)(P * 3 + N));
    int rc = buf ? 0 : sc_errf(err, "hypercheck: out of memory");
    double *fd1 = buf, *fdk = buf + P, *d = buf + 2 * P, *th0 = buf + 3 * P;
    if (!rc) sc_hg_gather(p->theta, p->n_theta, th0);
    sc_ctx_mark mark = sc_ctx_get_mark(ctx);
    for (int s = 0; s < c->warm && !rc; s++) {
        sc_tensor *L = sc_hg_inner(&p->b, ctx, s + 1, "warm-up", err);
        sc_tensor **g = L ? sc_grad(ctx, &L, 1, opt.p, opt.n, NULL, 0) : NULL;
        if (!L) rc = -1;
        else if (!g || sc_optim_step(&opt, ctx, g, c->lr)) rc = sc_hg_fail(ctx, "warm-up", "step", err);
        sc_ctx_rewind(ctx, mark);
    }
    if (!rc) rc = sc_hg_fd(&p->b, ctx, 1, 1e-5, fd1, err);
    int K = o->unroll;
    if (!rc && c->unroll_k) rc = sc_hg_fd(&p->b, ctx, K, 1e-5, fdk, err);
    double cr = rc ? 0 : clip_ratio(&p->b, ctx, err);
    if (!rc) {
        fprintf(out, "\n%s%s   |fd(k=1)| = %.3g", c->name, c->warm ? " (after 2 real steps)" : "",
                sqrt(sc_hg_dot(fd1, fd1, P)));
        if (cr > 0) fprintf(out, "   |g|/clip = %.3g (%s)", cr, cr > 1 ? "clipping active" : "inactive");
        fprintf(out, "\n");
    }
    for (int m = 0; m < sc_hg_n_methods && !rc; m++) {
        const sc_hg_method_def *def = &sc_hg_methods[m];
        if (!(o->methods & (1 << m))) continue;
        int exact = (def->flags & SC_HG_EXACT) != 0;
        if (!exact && !c->approx) continue;
        for (int krow = 0; krow < 2 && !rc; krow++) {  // k = 1, then (exact, unrolling methods) k = K
            if (krow && !(exact && c->unroll_k && (def->flags & SC_HG_USES_UNROLL))) break;
            hc_row row = {.method = m, .k = krow ? K : 1, .terms = o->terms, .ref = krow ? fdk : fd1, .P = P};
            rc = run_row(p, ctx, &row, d, out, worst, n_fail, err);
        }
    }
    sc_ctx_rewind(ctx, mark);
    if (buf) sc_hg_scatter(p->theta, p->n_theta, th0);  // undo the warm-up steps
    free(buf);
    sc_optim_free(&opt);
    p->b.opt = NULL;
    return rc;
}

int sc_hypercheck_run(const sc_hc_opts *o, FILE *out, double *worst, int *n_fail, sc_err *err) {
    *worst = 0;
    *n_fail = 0;
    sc_ctx ctx;
    if (sc_ctx_init(&ctx, 128u << 20, o->seed, err)) return -1;
    sc_hc_problem *p = malloc(sizeof *p);  // ~315 KB (two models, two explainers): on the heap
    if (!p) {
        sc_ctx_free(&ctx);
        return sc_errf(err, "hypercheck: out of memory");
    }
    int rc = sc_hc_setup(p, &ctx, o->seed, SC_HC_PHI_COEF, err);
    if (!rc) {
        int64_t N = sc_hg_count(p->theta, p->n_theta), P = sc_hg_count(p->b.phi, p->b.n_phi);
        fprintf(out, "hypercheck: synth-text, f64; teacher transformer 2 layers / student 1 layer, width 8, 2 heads,\n            attention weights scaled up (sharp heads), attention explainers, beta 1, KL\n");
        fprintf(out, "theta: %lld values (student + psi), phi: %lld head coefficients; FD: central, h = 1e-5 and h/2, Richardson-extrapolated\n",
                (long long)N, (long long)P);
        fprintf(out, "unrolled rows are checked against FD of L_out(theta_k(phi)) through k real steps (<= 1e-4);\n"
                     "neumann / cg / darts approximate the k = 1 hypergradient and are reported, not checked.\n");
        fprintf(out, "\n  %-9s %-8s %-10s %10s %9s %10s %9s\n", "method", "k/J", "reference", "rel.err", "cosine",
                "|dphi|", "ms");
    }
    // A fresh Adam's first step is ≈ lr·sign(d): with ε = 1e-8 its φ-derivative is
    // ~1e-6, at the edge of what FD resolves; ε = 1e-3 keeps the case (zero
    // gradients meet a zero second moment) and makes it measurable.
    sc_optim_cfg adam_fresh = sc_optim_adam_cfg(0, 0, 0);
    adam_fresh.eps = 1e-3;
    const hc_case cases[] = {
        {"sgd lr 5e-3, clip 5, wd 0.01 (the paper)", sc_optim_sgd_cfg(0, 0.01, 5), 5e-3, 1, 1, 0},
        {"sgd lr 5e-3 plain (no clip, no decay)", sc_optim_sgd_cfg(0, 0, 0), 5e-3, 1, 0, 0},
        {"sgd momentum 0.9, lr 5e-3, clip 5, wd 0.01", sc_optim_sgd_cfg(0.9, 0.01, 5), 5e-3, 0, 1, 2},
        {"adam lr 1e-3, wd 0.01", sc_optim_adam_cfg(0, 0.01, 0), 1e-3, 0, 1, 2},
        {"adam lr 1e-3, eps 1e-3, no decay, fresh state (zero-gradient entries)", adam_fresh, 1e-3, 0, 1, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0] && !rc; i++)
        rc = run_case(p, &ctx, &cases[i], o, out, worst, n_fail, err);
    // φ with the explainer's learnable temperature (log T), then with the learned
    // query weights as well, under the paper's optimizer.
    static const char *const variants[] = {
        "head coefficients + log temperature (learn_temperature=true)",
        "head coefficients + log temperature + query vector (aggregation=learned)"};
    for (int v = SC_HC_PHI_TEMPERATURE; v <= SC_HC_PHI_QUERY && !rc; v++) {
        sc_ctx_reset(&ctx);  // first: the tape borrows the problem's slabs
        sc_hc_free(p);
        if ((rc = sc_hc_setup(p, &ctx, o->seed, v, err))) break;
        fprintf(out, "\nphi = %s, %lld values:", variants[v - 1], (long long)sc_hg_count(p->b.phi, p->b.n_phi));
        rc = run_case(p, &ctx, &cases[0], o, out, worst, n_fail, err);
    }
    sc_hc_free(p);
    free(p);
    sc_ctx_free(&ctx);
    int implicit = 0;
    for (int m = 0; m < sc_hg_n_methods; m++) implicit |= (o->methods & (1 << m)) && (sc_hg_methods[m].flags & SC_HG_IMPLICIT);
    if (!rc && implicit) rc = sc_hypercheck_convex(o, out, n_fail, err);
    return rc;
}
