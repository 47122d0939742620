// implicit.c — hypergradients by implicit differentiation: the Neumann series
// and conjugate gradient (two rows of the registry, hg_methods.c).
//
// Implicit: at θ taken as a stationary point of L_in, θ*(φ) has
//   dθ*/dφ = -H⁻¹ ∂²L_in/∂θ∂φ,  so  dφ = -(∂²L_in/∂φ∂θ) x,  x = H⁻¹ v,  v = ∇L_out(θ).
// g = ∇_θ L_in is built once with create_graph; then
//   H p      = grad(<g, p>, θ)   (Hessian-vector product, one backward pass)
//   mixed x  = grad(<g, x>, φ)
// and the graph of g stays alive under a mark that each product rewinds to.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/ops.h"
#include "smat/hg_impl.h"

typedef struct hvp_ctx {
    const sc_bilevel *b;
    sc_ctx *ctx;
    sc_tensor **g;  // ∇_θ L_in with its graph
    sc_ctx_mark mark;
    const char *method;
    sc_err *err;
    sc_hg_stats *st;
} hvp_ctx;

// dst = grad(<g, x>, inputs) flattened; rewinds to h->mark.
static int vjp_g(hvp_ctx *h, const double *x, sc_tensor *const *inputs, int n_in, double *dst) {
    const sc_optim *o = h->b->opt;
    sc_tensor **xt = sc_arena_alloc(&h->ctx->arena, sizeof(sc_tensor *) * (size_t)o->n, 8);
    if (!xt) return sc_errf(h->err, "hypergrad %s: step arena exhausted", h->method);
    if (sc_hg_tensors(h->ctx, o->p, o->n, x, xt)) return sc_hg_fail(h->ctx, h->method, "vector", h->err);
    sc_tensor **r = sc_grad(h->ctx, h->g, o->n, inputs, n_in, xt, 0);
    if (!r) return sc_hg_fail(h->ctx, h->method, "second-order product", h->err);
    sc_hg_gather(r, n_in, dst);
    sc_ctx_rewind(h->ctx, h->mark);
    return 0;
}

static int hvp(hvp_ctx *h, const double *p, double *Hp) {
    h->st->hvps++;
    return vjp_g(h, p, h->b->opt->p, h->b->opt->n, Hp);
}

// x ≈ H⁻¹ v = α Σ_{i<J} (I - αH)^i v.
static int neumann(hvp_ctx *h, const double *v, double alpha, int J, int64_t N, double *x, double *p, double *Hp) {
    memcpy(p, v, sizeof(double) * (size_t)N);
    memcpy(x, v, sizeof(double) * (size_t)N);
    for (int i = 1; i < J; i++) {
        if (hvp(h, p, Hp)) return -1;
        for (int64_t e = 0; e < N; e++) {
            p[e] -= alpha * Hp[e];
            x[e] += p[e];
        }
    }
    for (int64_t e = 0; e < N; e++) x[e] *= alpha;
    double vv = sc_hg_dot(v, v, N);
    h->st->neumann_last = vv > 0 ? sqrt(sc_hg_dot(p, p, N) / vv) : 0.0;
    return 0;
}

// H x = v by J iterations of conjugate gradient from x = 0. Stops early on
// convergence or on pᵀHp ≤ 0 (H not positive definite along p: CG's step is
// meaningless there), which is recorded; at the first iteration x = α v then.
static int cg(hvp_ctx *h, const double *v, double alpha, int J, int64_t N, double *x, double *r, double *p,
              double *Hp) {
    memset(x, 0, sizeof(double) * (size_t)N);
    memcpy(r, v, sizeof(double) * (size_t)N);
    memcpy(p, v, sizeof(double) * (size_t)N);
    double rr = sc_hg_dot(r, r, N), vv = rr;
    for (int it = 0; it < J && rr > 1e-30 * vv; it++) {
        if (hvp(h, p, Hp)) return -1;
        double pHp = sc_hg_dot(p, Hp, N);
        if (!(pHp > 0)) {
            h->st->cg_indefinite = 1;
            if (it == 0)
                for (int64_t e = 0; e < N; e++) x[e] = alpha * v[e];
            break;
        }
        double a = rr / pHp;
        for (int64_t e = 0; e < N; e++) {
            x[e] += a * p[e];
            r[e] -= a * Hp[e];
        }
        double rr2 = sc_hg_dot(r, r, N);
        for (int64_t e = 0; e < N; e++) p[e] = r[e] + rr2 / rr * p[e];
        rr = rr2;
        h->st->cg_iters++;
    }
    // The true residual ‖Hx - v‖ / ‖v‖ (one more product: the report must not flatter).
    if (hvp(h, x, Hp)) return -1;
    double s = 0;
    for (int64_t e = 0; e < N; e++) s += (Hp[e] - v[e]) * (Hp[e] - v[e]);
    h->st->cg_residual = vv > 0 ? sqrt(s / vv) : 0.0;
    return 0;
}

// The shared frame: v, the inner gradient's graph, x = H⁻¹v by `solver`
// (1 = Neumann, 0 = CG), then the mixed product.
static int implicit(const sc_bilevel *b, sc_ctx *ctx, const sc_hg_cfg *cfg, int series, double *dphi,
                    sc_hg_stats *st, sc_err *err) {
    const char *method = series ? "neumann" : "cg";
    const sc_optim *o = b->opt;
    int J = cfg->terms;
    if (J < 1) return sc_errf(err, "hypergrad %s: terms J = %d, expected >= 1", method, J);
    double alpha = cfg->alpha > 0 ? cfg->alpha : b->lr;
    int64_t N = sc_hg_count(o->p, o->n);
    double *buf = malloc(sizeof(double) * (size_t)N * 5);
    if (!buf) return sc_errf(err, "hypergrad %s: out of memory", method);
    double *v = buf, *x = buf + N, *r = buf + 2 * N, *p = buf + 3 * N, *Hp = buf + 4 * N;
    int rc = -1;
    sc_ctx_mark m0 = sc_ctx_get_mark(ctx);
    sc_tensor *Lo = sc_hg_outer(b, ctx, method, err);
    if (!Lo || sc_hg_grad_theta(b, ctx, Lo, v, method, err)) goto done;
    st->outer = sc_tensor_get(Lo, 0);
    sc_ctx_rewind(ctx, m0);

    sc_tensor *L = sc_hg_inner(b, ctx, 0, method, err);
    if (!L) goto done;
    hvp_ctx h = {.b = b, .ctx = ctx, .method = method, .err = err, .st = st};
    h.g = sc_grad(ctx, &L, 1, o->p, o->n, NULL, 1);
    if (!h.g) {
        sc_hg_fail(ctx, method, "gradient of the inner loss", err);
        goto done;
    }
    st->inner_grads++;
    h.mark = sc_ctx_get_mark(ctx);
    if (series ? neumann(&h, v, alpha, J, N, x, p, Hp) : cg(&h, v, alpha, J, N, x, r, p, Hp))
        goto done;
    if (vjp_g(&h, x, b->phi, b->n_phi, dphi)) goto done;
    int64_t P = sc_hg_count(b->phi, b->n_phi);
    for (int64_t e = 0; e < P; e++) dphi[e] = -dphi[e];
    rc = 0;
done:
    sc_ctx_rewind(ctx, m0);
    free(buf);
    return rc;
}

int sc_hg_neumann(const sc_bilevel *b, sc_ctx *ctx, const sc_hg_cfg *cfg, double *dphi, sc_hg_stats *st,
                  sc_err *err) {
    return implicit(b, ctx, cfg, 1, dphi, st, err);
}

int sc_hg_cg(const sc_bilevel *b, sc_ctx *ctx, const sc_hg_cfg *cfg, double *dphi, sc_hg_stats *st, sc_err *err) {
    return implicit(b, ctx, cfg, 0, dphi, st, err);
}

void sc_hg_neumann_describe(const sc_hg_stats *st, char *buf, size_t cap) {
    snprintf(buf, cap, "last term %.2g x |v|%s", st->neumann_last,
             st->neumann_last > 1 ? " (diverging: alpha*H has eigenvalues outside (0, 2))" : "");
}

void sc_hg_cg_describe(const sc_hg_stats *st, char *buf, size_t cap) {
    snprintf(buf, cap, "%d iters, residual %.2g%s", st->cg_iters, st->cg_residual,
             st->cg_indefinite ? ", negative curvature: stopped" : "");
}
