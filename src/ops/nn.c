// nn.c — softmax and log_softmax along any axis (primitives with fused stable
// kernels; softmax_grad, what softmax's create_graph rule records), inverted dropout (a primitive with a constant mask), and the
// composite l2_norm. layernorm lives in layernorm.c, linear in linear.c,
// attention in attention.c.
#include <math.h>

#include "kernels/fused.h"
#include "kernels/softmax.h"
#include "ops/op_util.h"

// x seen as (outer, len, inner) around axis ax.
static void split_axis(const sc_tensor *x, int ax, int64_t *outer, int64_t *len, int64_t *inner) {
    *outer = 1, *inner = 1, *len = x->shape[ax];
    for (int d = 0; d < ax; d++) *outer *= x->shape[d];
    for (int d = ax + 1; d < x->ndim; d++) *inner *= x->shape[d];
}

// ---- softmax / log_softmax -------------------------------------------------------------
static const sc_op_def OP_SOFTMAX, OP_LOG_SOFTMAX;

static sc_tensor *softmax_op(sc_ctx *ctx, const sc_op_def *def, sc_tensor *x, int axis, int is_log) {
    SC_GUARD1(ctx, x);
    if (sc_need_float(ctx, def->name, x)) return NULL;
    int ax = sc_norm_axis(ctx, def->name, x, axis);
    if (ax < 0) return NULL;
    if (x->shape[ax] == 0) {
        char b[96];
        return sc_fail(ctx, "%s: axis %d of %s is empty", def->name, axis, sc_shape_str(x, b, sizeof b));
    }
    int64_t outer, len, inner;
    split_axis(x, ax, &outer, &len, &inner);
    sc_no_grad_begin(ctx);  // the copy is internal: the node below records x itself
    sc_tensor *xc = sc_contiguous(ctx, x);  // (outer, len, inner)
    sc_no_grad_end(ctx);
    sc_tensor *y = sc_empty_like(ctx, x);   // (outer, len, inner)
    if (!xc || !y) return NULL;
    if (x->dtype == SC_F32) sc_k_softmax_f32(y->data, xc->data, outer, len, inner, is_log);
    else sc_k_softmax_f64(y->data, xc->data, outer, len, inner, is_log);
    sc_node *n = sc_record(ctx, def, y, 1, &x);
    if (n) n->iattr[0] = ax;
    return y;
}

sc_tensor *sc_softmax(sc_ctx *ctx, sc_tensor *x, int axis) { return softmax_op(ctx, &OP_SOFTMAX, x, axis, 0); }
sc_tensor *sc_log_softmax(sc_ctx *ctx, sc_tensor *x, int axis) {
    return softmax_op(ctx, &OP_LOG_SOFTMAX, x, axis, 1);
}

// Without a graph to build, one pass of the fused kernel gives the same numbers
// as the op-based formula (tests/test_nn_ops.c checks the agreement).
static sc_tensor *softmax_back_fused(sc_ctx *ctx, const sc_node *n, sc_tensor *g, int is_log) {
    const sc_tensor *y = n->out;  // contiguous: made by the forward
    int64_t outer, len, inner;
    split_axis(y, (int)n->iattr[0], &outer, &len, &inner);
    sc_tensor *gc = sc_contiguous(ctx, g);  // (outer, len, inner); nothing records here
    sc_tensor *gx = sc_empty_like(ctx, y);
    if (!gc || !gx) return NULL;
    if (y->dtype == SC_F32) sc_k_softmax_back_f32(gx->data, gc->data, y->data, outer, len, inner, is_log);
    else sc_k_softmax_back_f64(gx->data, gc->data, y->data, outer, len, inner, is_log);
    sc_fused_note(SC_FUSED_SOFTMAX);
    return gx;
}

// y = softmax(x):  dx = y * (g - sum(g * y, axis))
static void softmax_rule(sc_ctx *ctx, const sc_node *n, sc_tensor *g, sc_tensor **gin, const int *need) {
    if (!need[0]) return;
    if (!ctx->create_graph) {
        gin[0] = softmax_back_fused(ctx, n, g, 0);
        return;
    }
    gin[0] = sc_softmax_grad(ctx, n->out, g, (int)n->iattr[0]);
}

// y = log_softmax(x):  dx = g - exp(y) * sum(g, axis)   (exp(y) = softmax(x))
static void log_softmax_rule(sc_ctx *ctx, const sc_node *n, sc_tensor *g, sc_tensor **gin, const int *need) {
    if (!need[0]) return;
    if (!ctx->create_graph) {
        gin[0] = softmax_back_fused(ctx, n, g, 1);
        return;
    }
    int ax = (int)n->iattr[0];
    gin[0] = sc_sub(ctx, g, sc_mul(ctx, sc_exp(ctx, n->out), sc_sum(ctx, g, ax, 1)));
}

static const sc_op_def OP_SOFTMAX = {"softmax", softmax_rule};
static const sc_op_def OP_LOG_SOFTMAX = {"log_softmax", log_softmax_rule};

// ---- softmax_grad: y (g - sum(g y, axis)), what softmax's rule records with create_graph ----
// One op with the fused backward kernel (so the bits are the no-graph path's),
// where the formula from ops kept three tensors of y's size in the graph.
static const sc_op_def OP_SOFTMAX_GRAD;

sc_tensor *sc_softmax_grad(sc_ctx *ctx, sc_tensor *y, sc_tensor *g, int axis) {
    SC_GUARD2(ctx, y, g);
    if (sc_need_like(ctx, "softmax_grad", "g", g, "y", y)) return NULL;
    int ax = sc_norm_axis(ctx, "softmax_grad", y, axis);
    if (ax < 0) return NULL;
    int64_t outer, len, inner;
    split_axis(y, ax, &outer, &len, &inner);
    sc_no_grad_begin(ctx);  // internal copies: the node below records y and g
    sc_tensor *yc = sc_contiguous(ctx, y), *gc = sc_contiguous(ctx, g);  // (outer, len, inner)
    sc_no_grad_end(ctx);
    sc_tensor *out = sc_empty_like(ctx, y);
    if (!yc || !gc || !out) return NULL;
    if (y->dtype == SC_F32) sc_k_softmax_back_f32(out->data, gc->data, yc->data, outer, len, inner, 0);
    else sc_k_softmax_back_f64(out->data, gc->data, yc->data, outer, len, inner, 0);
    sc_tensor *in[2] = {y, g};
    sc_node *n = sc_record(ctx, &OP_SOFTMAX_GRAD, out, 2, in);
    if (n) n->iattr[0] = ax;
    return out;
}

// out = y g - y s with s = sum(g y). For an upstream h (sums along the axis):
//   dg = y (h - sum(h y)) = softmax_grad(y, h)         (the map g -> out is self-adjoint)
//   dy = h (g - s) - g sum(h y)
static void softmax_grad_rule(sc_ctx *ctx, const sc_node *n, sc_tensor *h, sc_tensor **gin, const int *need) {
    sc_tensor *y = n->in[0], *g = n->in[1];
    int ax = (int)n->iattr[0];
    if (need[1]) gin[1] = sc_softmax_grad(ctx, y, h, ax);
    if (!need[0]) return;
    sc_tensor *s = sc_sum(ctx, sc_mul(ctx, g, y), ax, 1), *t = sc_sum(ctx, sc_mul(ctx, h, y), ax, 1);
    gin[0] = sc_sub(ctx, sc_mul(ctx, h, sc_sub(ctx, g, s)), sc_mul(ctx, g, t));
}

static const sc_op_def OP_SOFTMAX_GRAD = {"softmax_grad", softmax_grad_rule};

// ---- dropout ------------------------------------------------------------------------------
// Inverted dropout: each element survives with probability 1 - p and is scaled by
// 1 / (1 - p), so E[out] = x and evaluation needs no rescaling. The scaled mask m
// (0 or 1/(1-p)) is drawn once from ctx->rng and saved as a constant; out = x m
// and the rule is g m — linear, so every higher order stays exact.
static const sc_op_def OP_DROPOUT;

sc_tensor *sc_dropout(sc_ctx *ctx, sc_tensor *x, double p, int training) {
    SC_GUARD1(ctx, x);
    if (sc_need_float(ctx, "dropout", x)) return NULL;
    if (!(p >= 0.0 && p <= 1.0)) return sc_fail(ctx, "dropout: probability %g is outside [0, 1]", p);
    if (!training || p == 0.0) return x;
    sc_no_grad_begin(ctx);
    sc_tensor *xc = sc_contiguous(ctx, x);
    sc_no_grad_end(ctx);
    sc_tensor *mask = sc_empty_like(ctx, x);  // same shape as x, a constant
    sc_tensor *out = sc_empty_like(ctx, x);
    if (!xc || !mask || !out) return NULL;
    double keep_scale = p < 1.0 ? 1.0 / (1.0 - p) : 0.0;  // p == 1 drops everything
    if (x->dtype == SC_F32) {
        float *m = mask->data, *o = out->data;
        const float *xv = xc->data;
        sc_rng_keep_mask_f32(&ctx->rng, m, x->numel, p, (float)keep_scale);
        for (int64_t i = 0; i < x->numel; i++) o[i] = xv[i] * m[i];
    } else {
        double *m = mask->data, *o = out->data;
        const double *xv = xc->data;
        sc_rng_keep_mask_f64(&ctx->rng, m, x->numel, p, keep_scale);
        for (int64_t i = 0; i < x->numel; i++) o[i] = xv[i] * m[i];
    }
    sc_node *n = sc_record(ctx, &OP_DROPOUT, out, 1, &x);
    if (n) {
        n->saved[0] = mask;
        n->fattr[0] = p;
    }
    return out;
}

static void dropout_rule(sc_ctx *ctx, const sc_node *n, sc_tensor *g, sc_tensor **gin, const int *need) {
    if (need[0]) gin[0] = sc_mul(ctx, g, n->saved[0]);
}
static const sc_op_def OP_DROPOUT = {"dropout", dropout_rule};

// ---- composites ----------------------------------------------------------------------------

// sqrt(sum(x^2, axis)). Its gradient x / ||x|| is 0/0 where x = 0 (a padded
// unit's input gradient, exactly zero); there it is defined as 0, the
// subgradient of smallest norm. The "double where": s is replaced by 1 where it
// is 0 before the sqrt, so the discarded branch never makes a NaN that the
// chain rule would multiply by 0 (NaN * 0 = NaN); values are unchanged.
sc_tensor *sc_l2_norm(sc_ctx *ctx, sc_tensor *x, int axis, int keepdim) {
    SC_GUARD1(ctx, x);
    sc_tensor *s = sc_sum(ctx, sc_mul(ctx, x, x), axis, keepdim);
    if (!s) return NULL;
    sc_tensor *zero = sc_empty(ctx, s->dtype, s->ndim, s->shape);  // constant mask: 1 where s == 0
    if (!zero) return NULL;
    int any = 0;
    for (int64_t i = 0; i < s->numel; i++) {
        int z = sc_tensor_get(s, i) == 0.0;
        sc_tensor_set(zero, i, z);
        any |= z;
    }
    if (!any) return sc_sqrt(ctx, s);  // the common case: no extra ops on the tape
    sc_tensor *ones = sc_full(ctx, s->dtype, s->ndim, s->shape, 1.0);
    sc_tensor *zeros = sc_full(ctx, s->dtype, s->ndim, s->shape, 0.0);
    return sc_where(ctx, zero, zeros, sc_sqrt(ctx, sc_where(ctx, zero, ones, s)));
}
