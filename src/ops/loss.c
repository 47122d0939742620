// loss.c — losses, each a scalar mean over examples.
//   cross_entropy       primitive: fused forward (logsumexp - picked logit), rule
//                       (softmax(x) - onehot) g / N (fused kernel without a graph)
//   cross_entropy_soft  composite: mean over rows of -sum t log_softmax(x)
//   mse                 composite: mean (p - t)^2
//   kl_div              composite: mean over rows of sum p (log clip(p) - log clip(q))
#include "kernels/fused.h"
#include "kernels/xent.h"
#include "ops/op_util.h"

// ---- cross_entropy ---------------------------------------------------------------------------
static const sc_op_def OP_XENT;

// logits (N, C) float, labels (N) i32 with every label in [0, C).
static int check_xent(sc_ctx *ctx, const sc_tensor *x, const sc_tensor *labels) {
    char s1[96], s2[96];
    if (sc_need_float(ctx, "cross_entropy", x) || sc_need_index(ctx, "cross_entropy", labels)) return -1;
    if (x->ndim != 2 || labels->ndim != 1 || labels->shape[0] != x->shape[0]) {
        sc_fail(ctx, "cross_entropy: logits %s and labels %s must be (N, C) and (N)", sc_shape_str(x, s1, sizeof s1),
                sc_shape_str(labels, s2, sizeof s2));
        return -1;
    }
    if (x->shape[0] == 0 || x->shape[1] == 0) {
        sc_fail(ctx, "cross_entropy: logits %s have no examples or no classes", sc_shape_str(x, s1, sizeof s1));
        return -1;
    }
    int64_t C = x->shape[1];
    for (int64_t i = 0; i < labels->numel; i++) {
        double l = sc_tensor_get(labels, i);
        if (l < 0 || l >= (double)C) {
            sc_fail(ctx, "cross_entropy: label %lld at index %lld is outside [0, %lld) (logits %s)", (long long)l,
                    (long long)i, (long long)C, sc_shape_str(x, s1, sizeof s1));
            return -1;
        }
    }
    return 0;
}

sc_tensor *sc_cross_entropy(sc_ctx *ctx, sc_tensor *logits, sc_tensor *labels) {
    SC_GUARD2(ctx, logits, labels);
    if (check_xent(ctx, logits, labels)) return NULL;
    int64_t N = logits->shape[0], C = logits->shape[1];
    sc_no_grad_begin(ctx);
    sc_tensor *xc = sc_contiguous(ctx, logits);  // (N, C)
    sc_tensor *lc = sc_contiguous(ctx, labels);  // (N)
    sc_no_grad_end(ctx);
    if (!xc || !lc) return NULL;
    double loss = logits->dtype == SC_F32 ? sc_k_xent_f32(xc->data, lc->data, N, C)
                                          : sc_k_xent_f64(xc->data, lc->data, N, C);
    sc_tensor *out = sc_scalar(ctx, logits->dtype, loss);  // ()
    sc_node *n = sc_record(ctx, &OP_XENT, out, 1, &logits);
    if (n) n->saved[0] = lc;
    return out;
}

// d loss / dx = (softmax(x) - onehot(labels)) / N, times the scalar g.
static void xent_rule(sc_ctx *ctx, const sc_node *n, sc_tensor *g, sc_tensor **gin, const int *need) {
    if (!need[0]) return;
    sc_tensor *x = n->in[0], *labels = n->saved[0];
    int64_t N = x->shape[0], C = x->shape[1];
    if (!ctx->create_graph) {
        sc_tensor *xc = sc_contiguous(ctx, x);  // (N, C)
        sc_tensor *gx = sc_empty_like(ctx, x);  // (N, C)
        if (!xc || !gx) return;
        double scale = sc_item(g) / (double)N;
        if (x->dtype == SC_F32) sc_k_xent_back_f32(gx->data, xc->data, labels->data, N, C, scale);
        else sc_k_xent_back_f64(gx->data, xc->data, labels->data, N, C, scale);
        sc_fused_note(SC_FUSED_XENT);
        gin[0] = gx;
        return;
    }
    sc_tensor *onehot = sc_one_hot(ctx, labels, C, x->dtype);  // (N, C) constant
    sc_tensor *diff = sc_sub(ctx, sc_softmax(ctx, x, -1), onehot);
    gin[0] = sc_mul(ctx, sc_mul_scalar(ctx, diff, 1.0 / (double)N), g);
}

static const sc_op_def OP_XENT = {"cross_entropy", xent_rule};

// ---- composites -------------------------------------------------------------------------------

static int need_same_shape(sc_ctx *ctx, const char *op, const char *na, const sc_tensor *a, const char *nb,
                           const sc_tensor *b) {
    if (sc_need_float(ctx, op, a) || sc_need_same_dtype(ctx, op, a, b)) return -1;
    if (sc_same_shape(a, b) && a->ndim >= 1 && a->numel > 0) return 0;
    char s1[96], s2[96];
    sc_fail(ctx, "%s: %s %s and %s %s must have the same non-empty shape", op, na, sc_shape_str(a, s1, sizeof s1), nb,
            sc_shape_str(b, s2, sizeof s2));
    return -1;
}

// Soft targets t (..., C), rows summing to 1 (not enforced): mean over rows of
// -sum_c t log_softmax(x). Differentiable in both logits and targets.
sc_tensor *sc_cross_entropy_soft(sc_ctx *ctx, sc_tensor *logits, sc_tensor *targets) {
    SC_GUARD2(ctx, logits, targets);
    if (need_same_shape(ctx, "cross_entropy_soft", "logits", logits, "targets", targets)) return NULL;
    sc_tensor *per_row = sc_sum(ctx, sc_mul(ctx, targets, sc_log_softmax(ctx, logits, -1)), -1, 0);  // (...)
    return sc_neg(ctx, sc_mean_all(ctx, per_row));
}

sc_tensor *sc_mse(sc_ctx *ctx, sc_tensor *pred, sc_tensor *target) {
    SC_GUARD2(ctx, pred, target);
    if (need_same_shape(ctx, "mse", "pred", pred, "target", target)) return NULL;
    sc_tensor *d = sc_sub(ctx, pred, target);
    return sc_mean_all(ctx, sc_mul(ctx, d, d));
}

// KL(p || q) per row over the last axis, averaged over the other dims: the
// explanation loss of simulatability training (teacher p, student q). Clipping
// both into [eps, 1 - eps] keeps log finite when an attention weight is 0.
sc_tensor *sc_kl_div(sc_ctx *ctx, sc_tensor *p, sc_tensor *q, double eps) {
    SC_GUARD2(ctx, p, q);
    if (need_same_shape(ctx, "kl_div", "p", p, "q", q)) return NULL;
    if (!(eps > 0.0 && eps < 0.5)) return sc_fail(ctx, "kl_div: eps %g must be in (0, 0.5)", eps);
    sc_tensor *lp = sc_log(ctx, sc_clamp(ctx, p, eps, 1.0 - eps));
    sc_tensor *lq = sc_log(ctx, sc_clamp(ctx, q, eps, 1.0 - eps));
    sc_tensor *per_row = sc_sum(ctx, sc_mul(ctx, p, sc_sub(ctx, lp, lq)), -1, 0);  // (...)
    return sc_mean_all(ctx, per_row);
}
