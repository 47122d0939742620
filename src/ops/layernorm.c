// layernorm.c — layer normalization over the last dimension: a primitive with a
// fused forward kernel and two backward paths (kernels/layernorm.h has the math):
//   create_graph: the gradient is rebuilt from differentiable ops (mean, rstd and
//                 xhat recomputed from x), so it can be differentiated again;
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

// The differentiable path. With xhat = (x - mean) rstd and gxhat = g gamma:
//   dx     = rstd (gxhat - mean(gxhat) - xhat mean(gxhat xhat))   (means over the last dim)
//   dgamma = sum over rows of g xhat,   dbeta = sum over rows of g
static void layernorm_rule(sc_ctx *ctx, const sc_node *n, sc_tensor *g, sc_tensor **gin, const int *need) {
    if (!ctx->create_graph) {
        layernorm_back_fused(ctx, n, g, gin, need);
        return;
    }
    sc_tensor *x = n->in[0];
    int ig = (int)n->iattr[0], ib = (int)n->iattr[1];
    double eps = n->fattr[0];
    sc_tensor *xc = sc_sub(ctx, x, sc_mean(ctx, x, -1, 1));                           // (..., D)
    sc_tensor *rstd = sc_rsqrt(ctx, sc_add_scalar(ctx, sc_mean(ctx, sc_mul(ctx, xc, xc), -1, 1), eps));  // (..., 1)
    sc_tensor *xhat = sc_mul(ctx, xc, rstd);                                          // (..., D)
    if (need[0]) {
        sc_tensor *gxhat = ig >= 0 ? sc_mul(ctx, g, n->in[ig]) : g;                   // (..., D)
        sc_tensor *a = sc_mean(ctx, gxhat, -1, 1);                                    // (..., 1)
        sc_tensor *bm = sc_mean(ctx, sc_mul(ctx, gxhat, xhat), -1, 1);                // (..., 1)
        gin[0] = sc_mul(ctx, rstd, sc_sub(ctx, sc_sub(ctx, gxhat, a), sc_mul(ctx, xhat, bm)));
    }
    if (ig >= 0 && need[ig]) gin[ig] = sc_sum_to(ctx, sc_mul(ctx, g, xhat), 1, n->in[ig]->shape);
    if (ib >= 0 && need[ib]) gin[ib] = sc_sum_to(ctx, g, 1, n->in[ib]->shape);
}

static const sc_op_def OP_LAYERNORM = {"layernorm", layernorm_rule};
