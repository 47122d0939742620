// hypercheck.c — finite-difference references for hypergradients (see hypercheck.h).
#include "smat/hypercheck.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

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

int sc_hg_fd(const sc_bilevel *b, sc_ctx *ctx, int k, double h, double *fd, sc_err *err) {
    int e = 0;
    for (int i = 0; i < b->n_phi; i++) {
        sc_tensor *p = b->phi[i];
        for (int64_t q = 0; q < p->numel; q++, e++) {
            double x = sc_tensor_get(p, q), he = h * fmax(1.0, fabs(x)), fp, fm;
            sc_tensor_set(p, q, x + he);
            int rc = sc_hg_outer_after(b, ctx, k, &fp, err);
            sc_tensor_set(p, q, x - he);
            rc = rc ? rc : sc_hg_outer_after(b, ctx, k, &fm, err);
            sc_tensor_set(p, q, x);
            if (rc) return -1;
            fd[e] = (fp - fm) / (2 * he);
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
