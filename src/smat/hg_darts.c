// hg_darts.c — the DARTS hypergradient (Liu et al. 2019, eq. 8): the mixed
// second-order product of unrolled-1 for plain SGD, by a central difference of
// ∇_φ L_in along v = ∇L_out(θ'), θ' = θ - lr ∇L_in(θ):
//   dφ ≈ -lr · (∇_φ L_in(θ + εv) - ∇_φ L_in(θ - εv)) / (2ε),  ε = eps / ‖v‖.
// It ignores clipping, weight decay and optimizer state: an approximation by design.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smat/hg_impl.h"

// ∇_φ L_in at the current leaves into dst.
static int grad_phi(const sc_bilevel *b, sc_ctx *ctx, double *dst, sc_hg_stats *st, sc_err *err) {
    sc_ctx_mark mark = sc_ctx_get_mark(ctx);
    sc_tensor *L = sc_hg_inner(b, ctx, 0, "darts", err);
    if (!L) return -1;
    sc_tensor **g = sc_grad(ctx, &L, 1, b->phi, b->n_phi, NULL, 0);
    if (!g) return sc_hg_fail(ctx, "darts", "gradient w.r.t. φ", err);
    sc_hg_gather(g, b->n_phi, dst);
    st->inner_grads++;
    sc_ctx_rewind(ctx, mark);
    return 0;
}

int sc_hg_darts(const sc_bilevel *b, sc_ctx *ctx, const sc_hg_cfg *cfg, double *dphi, sc_hg_stats *st,
                sc_err *err) {
    sc_optim *o = b->opt;
    if (!(cfg->eps > 0)) return sc_errf(err, "hypergrad darts: eps %g must be > 0", cfg->eps);
    int64_t N = sc_hg_count(o->p, o->n), P = sc_hg_count(b->phi, b->n_phi);
    double *buf = malloc(sizeof(double) * (size_t)(3 * N + P));
    if (!buf) return sc_errf(err, "hypergrad darts: out of memory");
    double *th = buf, *v = buf + N, *tp = buf + 2 * N, *gm = buf + 3 * N;
    sc_hg_gather(o->p, o->n, th);
    int rc = -1;
    sc_ctx_mark mark = sc_ctx_get_mark(ctx);
    sc_tensor *L = sc_hg_inner(b, ctx, 0, "darts", err);
    if (!L || sc_hg_grad_theta(b, ctx, L, v, "darts", err)) goto done;
    st->inner_grads++;
    sc_ctx_rewind(ctx, mark);
    for (int64_t e = 0; e < N; e++) tp[e] = th[e] - b->lr * v[e];
    sc_hg_scatter(o->p, o->n, tp);
    sc_tensor *Lo = sc_hg_outer(b, ctx, "darts", err);
    if (!Lo || sc_hg_grad_theta(b, ctx, Lo, v, "darts", err)) goto done;
    st->outer = sc_tensor_get(Lo, 0);
    sc_ctx_rewind(ctx, mark);
    double nv = sqrt(sc_hg_dot(v, v, N));
    if (!(nv > 0)) {  // ∇L_out = 0: the hypergradient is 0
        memset(dphi, 0, sizeof(double) * (size_t)P);
        rc = 0;
        goto done;
    }
    double eps = cfg->eps / nv;
    for (int sign = 1; sign >= -1; sign -= 2) {
        for (int64_t e = 0; e < N; e++) tp[e] = th[e] + sign * eps * v[e];
        sc_hg_scatter(o->p, o->n, tp);
        if (grad_phi(b, ctx, sign > 0 ? dphi : gm, st, err)) goto done;
    }
    for (int64_t e = 0; e < P; e++) dphi[e] = -b->lr * (dphi[e] - gm[e]) / (2 * eps);
    rc = 0;
done:
    sc_ctx_rewind(ctx, mark);
    sc_hg_scatter(o->p, o->n, th);
    free(buf);
    return rc;
}

void sc_hg_darts_describe(const sc_hg_stats *st, char *buf, size_t cap) {
    (void)st;
    snprintf(buf, cap, "approximation");
}
