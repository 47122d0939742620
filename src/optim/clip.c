// clip.c — global-norm gradient clipping over a whole parameter set.
//
//   N = sqrt(Σ_i ‖g_i‖²)  over ALL tensors,   f = min(1, c / (N + 1e-6)),   g_i ← f g_i
//
// The 1e-6 keeps f finite for a zero gradient (and matches the usual
// implementations); after clipping ‖g‖ = c N / (N + 1e-6), i.e. c to ~1e-6/N relative.
#include <math.h>

#include "ops/ops.h"
#include "optim/optim.h"

#define CLIP_EPS 1e-6

double sc_grad_global_norm(sc_tensor *const *grads, int n) {
    double s = 0;
    for (int i = 0; i < n; i++) {
        const sc_tensor *g = grads[i];
        if (g->dtype == SC_F64 && sc_tensor_is_contiguous(g)) {
            const double *x = g->data;
            for (int64_t k = 0; k < g->numel; k++) s += x[k] * x[k];
        } else if (g->dtype == SC_F32 && sc_tensor_is_contiguous(g)) {
            const float *x = g->data;
            for (int64_t k = 0; k < g->numel; k++) s += (double)x[k] * (double)x[k];
        } else {  // strided views: slow path
            for (int64_t k = 0; k < g->numel; k++) {
                double v = sc_tensor_get(g, k);
                s += v * v;
            }
        }
    }
    return sqrt(s);
}

double sc_clip_factor(double norm, double max_norm) {
    if (!(max_norm > 0)) return 1.0;
    double f = max_norm / (norm + CLIP_EPS);
    return f < 1.0 ? f : 1.0;
}

double sc_clip_grad_norm(sc_tensor *const *grads, int n, double max_norm) {
    double norm = sc_grad_global_norm(grads, n), f = sc_clip_factor(norm, max_norm);
    if (f == 1.0) return norm;
    for (int i = 0; i < n; i++) {
        sc_tensor *g = grads[i];
        if (g->dtype == SC_F64 && sc_tensor_is_contiguous(g)) {
            double *x = g->data;
            for (int64_t k = 0; k < g->numel; k++) x[k] *= f;
        } else if (g->dtype == SC_F32 && sc_tensor_is_contiguous(g)) {
            float *x = g->data, ff = (float)f;
            for (int64_t k = 0; k < g->numel; k++) x[k] *= ff;
        } else {  // a strided view: scale each element once (a broadcast view would repeat)
            for (int64_t k = 0; k < g->numel; k++) sc_tensor_set(g, k, sc_tensor_get(g, k) * f);
        }
    }
    return norm;
}

// The factor as a graph scalar. min(1, c / (N + ε)) is piecewise: where clipping
// is active its derivative is that of c / (N + ε) (which reaches every gradient
// through N), where it is inactive the factor is the constant 1. We pick the
// piece from the current value — exactly what sc_where with a constant mask
// would give, but without building (and later differentiating) sqrt at N = 0
// in the unused branch, whose 0 · inf would poison the meta-gradient with NaN.
int sc_clip_factor_graph(sc_ctx *ctx, sc_tensor *const *grads, int n, double max_norm, sc_tensor **factor,
                         sc_tensor **norm_out) {
    *factor = NULL;
    if (norm_out) *norm_out = NULL;
    for (int i = 0; i < n; i++)
        if (!grads[i] || ctx->failed) return -1;
    if (!(max_norm > 0)) return 0;
    sc_tensor *sq = NULL;  // Σ_i ‖g_i‖², shape ()
    for (int i = 0; i < n; i++) {
        if (grads[i]->dtype != grads[0]->dtype) {
            char b1[96], b2[96];
            sc_fail(ctx, "clip_grad_norm: gradients of mixed dtypes %s and %s", sc_shape_str(grads[0], b1, sizeof b1),
                    sc_shape_str(grads[i], b2, sizeof b2));
            return -1;
        }
        sc_tensor *s = sc_sum_all(ctx, sc_mul(ctx, grads[i], grads[i]));
        sq = sq ? sc_add(ctx, sq, s) : s;
    }
    sc_tensor *norm = sc_sqrt(ctx, sq);
    if (!norm) return -1;
    if (norm_out) *norm_out = norm;
    if (sc_clip_factor(sc_tensor_get(norm, 0), max_norm) == 1.0) return 0;  // inactive: f = 1
    *factor = sc_div(ctx, sc_scalar(ctx, norm->dtype, max_norm), sc_add_scalar(ctx, norm, CLIP_EPS));
    return ctx->failed ? -1 : 0;
}

int sc_clip_grad_norm_graph(sc_ctx *ctx, sc_tensor *const *grads, int n, double max_norm, sc_tensor **out,
                            sc_tensor **norm_out) {
    sc_tensor *f;
    if (sc_clip_factor_graph(ctx, grads, n, max_norm, &f, norm_out)) return -1;
    for (int i = 0; i < n; i++) out[i] = f ? sc_mul(ctx, grads[i], f) : grads[i];
    return ctx->failed ? -1 : 0;
}
