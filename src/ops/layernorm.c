// layernorm.c — layer normalization over the last dimension: a primitive with a
// fused forward kernel and two backward paths (kernels/layernorm.h has the math):
//   create_graph: dx and dgamma are the ops layernorm_grad and
//                 layernorm_gamma_grad (the fused kernels, rules of their own built
//                 from ops), dbeta a sum, so the gradient differentiates again;
//   otherwise:    one fused kernel pass using the mean and rstd saved by the forward.
// tests/test_nn_ops.c checks that both give the same numbers.
//
// in[] holds x, then gamma and beta when given; iattr[0] / iattr[1] are their
// positions in in[] (-1 when absent), saved[] = {mean (rows), rstd (rows)}.
#include "kernels/fused.h"
#include "kernels/layernorm.h"
#include "ops/op_util.h"

static const sc_op_def OP_LAYERNORM;

static int check_param(sc_ctx *ctx, const char *what, const sc_tensor *p, const sc_tensor *x) {
    char s1[96], s2[96];
    int64_t D = x->shape[x->ndim - 1];
    if (p->ndim != 1 || p->shape[0] != D) {
        sc_fail(ctx, "layernorm: %s %s does not match the last dimension of x %s (expected (%lld))", what,
                sc_shape_str(p, s1, sizeof s1), sc_shape_str(x, s2, sizeof s2), (long long)D);
        return -1;
    }
    return sc_need_same_dtype(ctx, "layernorm", x, p);
}

sc_tensor *sc_layernorm(sc_ctx *ctx, sc_tensor *x, sc_tensor *gamma, sc_tensor *beta, double eps) {
    SC_GUARD1(ctx, x);
    char b[96];
    if (sc_need_float(ctx, "layernorm", x)) return NULL;
    if (x->ndim < 1 || x->shape[x->ndim - 1] == 0)
        return sc_fail(ctx, "layernorm: x %s has no last dimension to normalize", sc_shape_str(x, b, sizeof b));
    if (!(eps >= 0.0)) return sc_fail(ctx, "layernorm: eps %g must be >= 0", eps);
    if (gamma && check_param(ctx, "gamma", gamma, x)) return NULL;
    if (beta && check_param(ctx, "beta", beta, x)) return NULL;
    int64_t D = x->shape[x->ndim - 1], rows = x->numel / D;
    sc_no_grad_begin(ctx);  // internal copies: the node below records the originals
    sc_tensor *xc = sc_contiguous(ctx, x);                       // (rows, D)
    sc_tensor *gc = gamma ? sc_contiguous(ctx, gamma) : NULL;    // (D)
    sc_tensor *bc = beta ? sc_contiguous(ctx, beta) : NULL;      // (D)
    sc_no_grad_end(ctx);
    sc_tensor *y = sc_empty_like(ctx, x);                        // (rows, D)
    sc_tensor *mean = sc_empty(ctx, x->dtype, 1, &rows);         // (rows)
    sc_tensor *rstd = sc_empty(ctx, x->dtype, 1, &rows);         // (rows)
    if (!xc || (gamma && !gc) || (beta && !bc) || !y || !mean || !rstd) return NULL;
    if (x->dtype == SC_F32)
        sc_k_layernorm_f32(y->data, mean->data, rstd->data, xc->data, gc ? gc->data : NULL, bc ? bc->data : NULL,
                           rows, D, eps);
    else
        sc_k_layernorm_f64(y->data, mean->data, rstd->data, xc->data, gc ? gc->data : NULL, bc ? bc->data : NULL,
                           rows, D, eps);
    sc_tensor *in[3] = {x, NULL, NULL};
    int n_in = 1, ig = -1, ib = -1;
    if (gamma) ig = n_in, in[n_in++] = gamma;
    if (beta) ib = n_in, in[n_in++] = beta;
    sc_node *n = sc_record(ctx, &OP_LAYERNORM, y, n_in, in);
    if (n) {
        n->iattr[0] = ig;
        n->iattr[1] = ib;
        n->fattr[0] = eps;
        n->saved[0] = mean;
        n->saved[1] = rstd;
    }
    return y;
}

// The fast path: one kernel pass, nothing recorded.
static void layernorm_back_fused(sc_ctx *ctx, const sc_node *n, sc_tensor *g, sc_tensor **gin, const int *need) {
    const sc_tensor *x = n->in[0];
    int ig = (int)n->iattr[0], ib = (int)n->iattr[1];
    int64_t D = x->shape[x->ndim - 1], rows = x->numel / D, two_d = 2 * D;
    sc_tensor *gamma = ig >= 0 ? sc_contiguous(ctx, n->in[ig]) : NULL;  // (D)
    sc_tensor *xc = sc_contiguous(ctx, n->in[0]);                          // (rows, D)
    sc_tensor *gc = sc_contiguous(ctx, g);                                 // (rows, D)
    sc_tensor *acc = sc_empty(ctx, SC_F64, 1, &two_d);                     // (2 D) scratch
    sc_tensor *gx = need[0] ? sc_empty_like(ctx, x) : NULL;                // (rows, D)
    sc_tensor *gg = ig >= 0 && need[ig] ? sc_empty_like(ctx, n->in[ig]) : NULL;  // (D)
    sc_tensor *gb = ib >= 0 && need[ib] ? sc_empty_like(ctx, n->in[ib]) : NULL;  // (D)
    if (ctx->failed) return;
    if (x->dtype == SC_F32)
        sc_k_layernorm_back_f32(gx ? gx->data : NULL, gg ? gg->data : NULL, gb ? gb->data : NULL, acc->data,
                                gc->data, xc->data, n->saved[0]->data, n->saved[1]->data,
                                gamma ? gamma->data : NULL, rows, D);
    else
        sc_k_layernorm_back_f64(gx ? gx->data : NULL, gg ? gg->data : NULL, gb ? gb->data : NULL, acc->data,
                                gc->data, xc->data, n->saved[0]->data, n->saved[1]->data,
                                gamma ? gamma->data : NULL, rows, D);
    gin[0] = gx;
    if (ig >= 0) gin[ig] = gg;
    if (ib >= 0) gin[ib] = gb;
    sc_fused_note(SC_FUSED_LAYERNORM);
}

// The differentiable path: dx is one op of its own, layernorm_grad (below), whose
// kernel is the fused pass's (so the bits agree) and whose rule is built from
// ops; dgamma is the op layernorm_gamma_grad (the same again). A graph keeps one
// activation-sized tensor per layernorm where the formula from elementwise ops kept ten.
//   dgamma = sum over rows of g xhat,   dbeta = sum over rows of g
static void layernorm_rule(sc_ctx *ctx, const sc_node *n, sc_tensor *g, sc_tensor **gin, const int *need) {
    if (!ctx->create_graph) {
        layernorm_back_fused(ctx, n, g, gin, need);
        return;
    }
    sc_tensor *x = n->in[0];
    int ig = (int)n->iattr[0], ib = (int)n->iattr[1];
    double eps = n->fattr[0];
    if (need[0]) gin[0] = sc_layernorm_grad(ctx, x, g, ig >= 0 ? n->in[ig] : NULL, eps);
    if (ig >= 0 && need[ig]) gin[ig] = sc_layernorm_gamma_grad(ctx, x, g, eps);
    if (ib >= 0 && need[ib]) gin[ib] = sc_sum_to(ctx, g, 1, n->in[ib]->shape);
}

static const sc_op_def OP_LAYERNORM = {"layernorm", layernorm_rule};

// ---- layernorm_grad: gx = dL/dx of layernorm for an upstream g ------------------------------
// in[] = {x, g, gamma (when given)}; iattr[0] = gamma's position (-1 when absent).
static const sc_op_def OP_LAYERNORM_GRAD;

sc_tensor *sc_layernorm_grad(sc_ctx *ctx, sc_tensor *x, sc_tensor *g, sc_tensor *gamma, double eps) {
    SC_GUARD2(ctx, x, g);
    char b1[96];
    if (sc_need_like(ctx, "layernorm_grad", "g", g, "x", x)) return NULL;
    if (x->ndim < 1 || x->shape[x->ndim - 1] == 0)
        return sc_fail(ctx, "layernorm_grad: x %s has no last dimension", sc_shape_str(x, b1, sizeof b1));
    if (!(eps >= 0.0)) return sc_fail(ctx, "layernorm_grad: eps %g must be >= 0", eps);
    if (gamma && check_param(ctx, "gamma", gamma, x)) return NULL;
    int64_t D = x->shape[x->ndim - 1], rows = x->numel / D;
    sc_no_grad_begin(ctx);
    sc_tensor *xc = sc_contiguous(ctx, x), *gc = sc_contiguous(ctx, g);  // (rows, D)
    sc_tensor *gmc = gamma ? sc_contiguous(ctx, gamma) : NULL;         // (D)
    sc_no_grad_end(ctx);
    sc_tensor *gx = sc_empty_like(ctx, x);                              // (rows, D)
    if (!xc || !gc || (gamma && !gmc) || !gx) return NULL;
    if (x->dtype == SC_F32)
        sc_k_layernorm_gx_f32(gx->data, gc->data, xc->data, gmc ? gmc->data : NULL, rows, D, eps);
    else
        sc_k_layernorm_gx_f64(gx->data, gc->data, xc->data, gmc ? gmc->data : NULL, rows, D, eps);
    sc_tensor *in[3] = {x, g, gamma};
    sc_node *n = sc_record(ctx, &OP_LAYERNORM_GRAD, gx, gamma ? 3 : 2, in);
    if (n) {
        n->iattr[0] = gamma ? 2 : -1;
        n->fattr[0] = eps;
    }
    return gx;
}

// With r = rstd, xhat = layernorm(x), gxhat = g gamma, the op computes
//   out = r (gxhat - mean(gxhat) - xhat mean(gxhat xhat))      (means over the last dim)
// which is linear in gxhat and self-adjoint there, so for an upstream h
//   dgxhat = layernorm_grad(x, h):   dg = dgxhat gamma,  dgamma = sum over rows of dgxhat g.
// Through x (via xhat and r; xhat = (x - mean) r, dr/dx = -r^3 (x - mean) / D):
//   dx = -r (layernorm_grad(x, mean(gxhat xhat) h + mean(h xhat) gxhat) + mean(h out) xhat)
// (a term proportional to mean(xhat), zero, is left out). Every piece is an op,
// layernorm_grad itself included, so this differentiates again.
static void layernorm_grad_rule(sc_ctx *ctx, const sc_node *n, sc_tensor *h, sc_tensor **gin, const int *need) {
    sc_tensor *x = n->in[0], *g = n->in[1];
    int ig = (int)n->iattr[0];
    sc_tensor *gamma = ig >= 0 ? n->in[ig] : NULL;
    double eps = n->fattr[0];
    if (need[1] || (gamma && need[ig])) {
        sc_tensor *dgh = sc_layernorm_grad(ctx, x, h, NULL, eps);  // (..., D)
        if (need[1]) gin[1] = gamma ? sc_mul(ctx, dgh, gamma) : dgh;
        if (gamma && need[ig]) gin[ig] = sc_sum_to(ctx, sc_mul(ctx, dgh, g), 1, gamma->shape);
    }
    if (!need[0]) return;
    sc_tensor *xhat = sc_layernorm(ctx, x, NULL, NULL, eps);                              // (..., D)
    sc_tensor *xc = sc_sub(ctx, x, sc_mean(ctx, x, -1, 1));                               // (..., D)
    sc_tensor *r = sc_rsqrt(ctx, sc_add_scalar(ctx, sc_mean(ctx, sc_mul(ctx, xc, xc), -1, 1), eps));  // (..., 1)
    sc_tensor *gh = gamma ? sc_mul(ctx, g, gamma) : g;                                    // (..., D)
    sc_tensor *b = sc_mean(ctx, sc_mul(ctx, gh, xhat), -1, 1);                            // (..., 1)
    sc_tensor *c = sc_mean(ctx, sc_mul(ctx, h, xhat), -1, 1);                             // (..., 1)
    sc_tensor *e = sc_mean(ctx, sc_mul(ctx, h, n->out), -1, 1);                           // (..., 1)
    sc_tensor *v = sc_add(ctx, sc_mul(ctx, b, h), sc_mul(ctx, c, gh));                    // (..., D)
    sc_tensor *inner = sc_add(ctx, sc_layernorm_grad(ctx, x, v, NULL, eps), sc_mul(ctx, e, xhat));
    gin[0] = sc_neg(ctx, sc_mul(ctx, r, inner));
}

static const sc_op_def OP_LAYERNORM_GRAD = {"layernorm_grad", layernorm_grad_rule};

// ---- layernorm_gamma_grad: dgamma = sum over rows of g xhat ------------------------------------
// in[] = {x, g}; the kernel is the fused backward's column pass (sums in f64).
static const sc_op_def OP_LAYERNORM_GAMMA_GRAD;

sc_tensor *sc_layernorm_gamma_grad(sc_ctx *ctx, sc_tensor *x, sc_tensor *g, double eps) {
    SC_GUARD2(ctx, x, g);
    char b1[96], b2[96];
    if (sc_need_float(ctx, "layernorm_gamma_grad", x) || sc_need_same_dtype(ctx, "layernorm_gamma_grad", x, g))
        return NULL;
    if (x->ndim < 1 || x->shape[x->ndim - 1] == 0 || !sc_same_shape(x, g))
        return sc_fail(ctx, "layernorm_gamma_grad: x %s and g %s must have one shape with a last dimension",
                       sc_shape_str(x, b1, sizeof b1), sc_shape_str(g, b2, sizeof b2));
    if (!(eps >= 0.0)) return sc_fail(ctx, "layernorm_gamma_grad: eps %g must be >= 0", eps);
    int64_t D = x->shape[x->ndim - 1], rows = x->numel / D, two_d = 2 * D;
    sc_no_grad_begin(ctx);
    sc_tensor *xc = sc_contiguous(ctx, x), *gc = sc_contiguous(ctx, g);  // (rows, D)
    sc_no_grad_end(ctx);
    sc_tensor *mean = sc_empty(ctx, x->dtype, 1, &rows), *rstd = sc_empty(ctx, x->dtype, 1, &rows);  // (rows)
    sc_tensor *acc = sc_empty(ctx, SC_F64, 1, &two_d);                                              // (2 D)
    sc_tensor *gg = sc_empty(ctx, x->dtype, 1, &D);                                                 // (D)
    if (!xc || !gc || !mean || !rstd || !acc || !gg) return NULL;
    if (x->dtype == SC_F32) {
        sc_k_layernorm_stats_f32(mean->data, rstd->data, xc->data, rows, D, eps);
        sc_k_layernorm_back_f32(NULL, gg->data, NULL, acc->data, gc->data, xc->data, mean->data, rstd->data, NULL,
                                rows, D);
    } else {
        sc_k_layernorm_stats_f64(mean->data, rstd->data, xc->data, rows, D, eps);
        sc_k_layernorm_back_f64(NULL, gg->data, NULL, acc->data, gc->data, xc->data, mean->data, rstd->data, NULL,
                                rows, D);
    }
    sc_tensor *in[2] = {x, g};
    sc_node *n = sc_record(ctx, &OP_LAYERNORM_GAMMA_GRAD, gg, 2, in);
    if (n) n->fattr[0] = eps;
    return gg;
}

// out = sum over rows of g xhat(x) = <g u, xhat> for an upstream u (D), so
//   dg = xhat u (u broadcast over rows),   dx = layernorm_grad(x, g u)
// (the gradient of <v, xhat(x)> in x is layernorm's backward for the upstream v).
static void layernorm_gamma_grad_rule(sc_ctx *ctx, const sc_node *n, sc_tensor *u, sc_tensor **gin,
                                      const int *need) {
    sc_tensor *x = n->in[0], *g = n->in[1];
    double eps = n->fattr[0];
    if (need[1]) gin[1] = sc_mul(ctx, sc_layernorm(ctx, x, NULL, NULL, eps), u);
    if (need[0]) gin[0] = sc_layernorm_grad(ctx, x, sc_mul(ctx, g, u), NULL, eps);
}

static const sc_op_def OP_LAYERNORM_GAMMA_GRAD = {"layernorm_gamma_grad", layernorm_gamma_grad_rule};
