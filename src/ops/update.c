// update.c — the plain SGD step as one op, for functional (differentiable) steps:
//
//   out = θ - lr (f g + wd θ)        θ, g (shape of θ); f a scalar tensor or NULL (1)
//
// f is the global clip factor, itself a graph scalar (optim/clip.c). Built from
// elementwise ops the step kept five parameter-sized tensors per parameter in
// the second-order graph (f g, wd θ, their sum, lr times it, the difference):
// for a student with a large embedding table that is most of what the SMaT meta
// step adds on top of the two forward passes. The kernel runs the same float
// operations in the same order, so the values are those of the op formula (and
// of the in-place step in optim/update.c). The rule is built from ops.
#include <math.h>

#include "ops/op_util.h"

static const sc_op_def OP_SGD_STEP;

#define SGD_STEP_KERNEL(T)                                                     \
    do {                                                                       \
        const T *th = tc->data, *gv = gc->data;                                \
        T *o = out->data, lr_t = (T)lr, wd_t = (T)wd;                          \
        T fv = f ? ((const T *)fc->data)[0] : (T)1;                            \
        for (int64_t i = 0; i < out->numel; i++) { /* one op per statement: */ \
            T d = f ? gv[i] * fv : gv[i];          /* no fused multiply-add   */ \
            if (wd != 0.0) {                                                   \
                T t = th[i] * wd_t;                                            \
                d = d + t;                                                     \
            }                                                                  \
            T s = d * lr_t;                                                    \
            o[i] = th[i] - s;                                                  \
        }                                                                      \
    } while (0)

sc_tensor *sc_sgd_step(sc_ctx *ctx, sc_tensor *theta, sc_tensor *g, sc_tensor *f, double lr, double wd) {
    SC_GUARD2(ctx, theta, g);
    char b1[96];
    if (sc_need_like(ctx, "sgd_step", "gradient", g, "the parameter", theta)) return NULL;
    if (f && (f->numel != 1 || sc_need_same_dtype(ctx, "sgd_step", theta, f)))
        return ctx->failed ? NULL
                           : sc_fail(ctx, "sgd_step: clip factor %s must hold one value",
                                     sc_shape_str(f, b1, sizeof b1));
    if (!isfinite(lr) || !isfinite(wd)) return sc_fail(ctx, "sgd_step: lr %g and wd %g must be finite", lr, wd);
    sc_no_grad_begin(ctx);  // internal copies: the node below records the originals
    sc_tensor *tc = sc_contiguous(ctx, theta), *gc = sc_contiguous(ctx, g), *fc = f ? sc_contiguous(ctx, f) : NULL;
    sc_no_grad_end(ctx);
    sc_tensor *out = sc_empty_like(ctx, theta);
    if (!tc || !gc || (f && !fc) || !out) return NULL;
    if (out->dtype == SC_F32) SGD_STEP_KERNEL(float);
    else SGD_STEP_KERNEL(double);
    sc_tensor *in[3] = {theta, g, f};
    sc_node *n = sc_record(ctx, &OP_SGD_STEP, out, f ? 3 : 2, in);
    if (n) n->fattr[0] = lr, n->fattr[1] = wd;
    return out;
}

// For an upstream h:  dθ = (1 - lr wd) h,  dg = -lr f h,  df = -lr sum(h g)
static void sgd_step_rule(sc_ctx *ctx, const sc_node *n, sc_tensor *h, sc_tensor **gin, const int *need) {
    double lr = n->fattr[0], wd = n->fattr[1];
    sc_tensor *g = n->in[1], *f = n->n_in > 2 ? n->in[2] : NULL;
    if (need[0]) gin[0] = wd != 0.0 ? sc_mul_scalar(ctx, h, 1.0 - lr * wd) : h;
    if (need[1]) {
        sc_tensor *gh = sc_mul_scalar(ctx, h, -lr);
        gin[1] = f ? sc_mul(ctx, gh, f) : gh;
    }
    if (f && need[2]) {
        sc_tensor *df = sc_mul_scalar(ctx, sc_sum_all(ctx, sc_mul(ctx, h, g)), -lr);  // shape ()
        gin[2] = f->ndim ? sc_reshape(ctx, df, f->ndim, f->shape) : df;
    }
}

static const sc_op_def OP_SGD_STEP = {"sgd_step", sgd_step_rule};
