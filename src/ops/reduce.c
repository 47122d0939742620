// reduce.c — sum, max, logsumexp over one axis; expand (broadcast view) and its
// adjoint sum_to. A reduction sees x as (outer, len, inner) around the axis.
#include <math.h>
#include <string.h>

#include "kernels/parallel.h"
#include "ops/op_util.h"

typedef enum { R_SUM, R_MAX, R_LSE } red_kind;

// Output elements q in [q_lo, q_hi) of the (outer, inner) result, q = a * inner + i.
// A sum walks whole input rows of up to SUM_BLOCK outputs at a time (unit stride,
// vectorisable) instead of one strided column per output; every output still
// adds its len terms in order l = 0, 1, ... in f64, so the result does not
// depend on the blocking or on how outputs are split between threads.
#define SUM_BLOCK 256
#define SUM_MIN_BLOCK 16  // fewer outputs in a row (a sum over the last axis: 1) go column by column
#define REDUCE_KERNEL(T, SUFFIX, EXP, LOG)                                                             \
    static void sum_##SUFFIX(T *o, const T *x, int64_t len, int64_t inner, int64_t a, int64_t i0,       \
                             int64_t i1) {                                                             \
        double acc[SUM_BLOCK]; /* f64 accumulation: f32 sums stay accurate */                          \
        for (int64_t ib = i0; ib < i1; ib += SUM_BLOCK) {                                              \
            int64_t nb = i1 - ib < SUM_BLOCK ? i1 - ib : SUM_BLOCK;                                    \
            for (int64_t t = 0; t < nb; t++) acc[t] = 0;                                               \
            for (int64_t l = 0; l < len; l++) {                                                        \
                const T *row = x + (a * len + l) * inner + ib;                                         \
                for (int64_t t = 0; t < nb; t++) acc[t] += row[t];                                     \
            }                                                                                          \
            for (int64_t t = 0; t < nb; t++) o[a * inner + ib + t] = (T)acc[t];                        \
        }                                                                                              \
    }                                                                                                  \
                                                                                                       \
    static void reduce_##SUFFIX(red_kind k, T *o, T *argmask, const T *x, int64_t len, int64_t inner,  \
                                int64_t q_lo, int64_t q_hi) {                                          \
        for (int64_t q = q_lo; q < q_hi;) {                                                            \
            int64_t a = q / inner, i0 = q % inner;                                                     \
            int64_t i1 = q_hi - q < inner - i0 ? i0 + (q_hi - q) : inner; /* within row a */           \
            q += i1 - i0;                                                                              \
            if (k == R_SUM && i1 - i0 >= SUM_MIN_BLOCK) {                                             \
                sum_##SUFFIX(o, x, len, inner, a, i0, i1);                                             \
                continue;                                                                              \
            }                                                                                          \
            for (int64_t i = i0; i < i1; i++) {                                                        \
                const T *p = x + a * len * inner + i;                                                  \
                if (k == R_SUM) { /* a few outputs: one strided column each, same order */             \
                    double acc = 0;                                                                    \
                    for (int64_t l = 0; l < len; l++) acc += p[l * inner];                             \
                    o[a * inner + i] = (T)acc;                                                         \
                    continue;                                                                          \
                }                                                                                      \
                int64_t best = 0;                                                                      \
                for (int64_t l = 1; l < len; l++)                                                      \
                    if (p[l * inner] > p[best * inner]) best = l;                                      \
                T m = len ? p[best * inner] : (T)-INFINITY;                                            \
                if (k == R_MAX) {                                                                      \
                    o[a * inner + i] = m;                                                              \
                    T *am = argmask + a * len * inner + i;                                             \
                    for (int64_t l = 0; l < len; l++) am[l * inner] = l == best ? (T)1 : (T)0;         \
                } else if (isinf(m)) {                                                                 \
                    o[a * inner + i] = m; /* all -inf: logsumexp is -inf */                            \
                } else {                                                                               \
                    double s = 0;                                                                      \
                    for (int64_t l = 0; l < len; l++) s += EXP(p[l * inner] - m);                      \
                    o[a * inner + i] = m + (T)LOG(s);                                                  \
                }                                                                                      \
            }                                                                                          \
        }                                                                                              \
    }

REDUCE_KERNEL(float, f32, expf, log)
REDUCE_KERNEL(double, f64, exp, log)

static const sc_op_def OP_SUM, OP_MAX, OP_LSE, OP_EXPAND;

// Shape of x reduced over axis, with or without the kept unit dimension.
static int reduced_shape(const sc_tensor *x, int axis, int keepdim, int64_t *shape) {
    int nd = 0;
    for (int d = 0; d < x->ndim; d++) {
        if (d == axis) {
            if (keepdim) shape[nd++] = 1;
        } else {
            shape[nd++] = x->shape[d];
        }
    }
    return nd;
}

typedef struct {
    red_kind k;
    sc_dtype dtype;
    void *o, *argmask;
    const void *x;
    int64_t len, inner;
} reduce_job;

static void reduce_range(void *p, int64_t lo, int64_t hi) {
    const reduce_job *j = p;
    if (j->dtype == SC_F32)
        reduce_f32(j->k, j->o, j->argmask, j->x, j->len, j->inner, lo, hi);
    else
        reduce_f64(j->k, j->o, j->argmask, j->x, j->len, j->inner, lo, hi);
}

static sc_tensor *reduce(sc_ctx *ctx, red_kind k, const sc_op_def *def, sc_tensor *x, int axis, int keepdim) {
    SC_GUARD1(ctx, x);
    if (sc_need_float(ctx, def->name, x)) return NULL;
    int ax = sc_norm_axis(ctx, def->name, x, axis);
    if (ax < 0) return NULL;
    if (k != R_SUM && x->shape[ax] == 0)
        return sc_fail(ctx, "%s: cannot reduce over an empty axis %d", def->name, axis);
    int64_t shape[SC_MAX_DIMS], outer = 1, inner = 1, len = x->shape[ax];
    int nd = reduced_shape(x, ax, keepdim, shape);
    for (int d = 0; d < ax; d++) outer *= x->shape[d];
    for (int d = ax + 1; d < x->ndim; d++) inner *= x->shape[d];
    sc_tensor *xc = sc_contiguous(ctx, x);
    sc_tensor *out = sc_empty(ctx, x->dtype, nd, shape);
    sc_tensor *argmask = k == R_MAX ? sc_empty_like(ctx, x) : NULL;
    if (!xc || !out || (k == R_MAX && !argmask)) return NULL;
    reduce_job job = {k, x->dtype, out->data, argmask ? argmask->data : NULL, xc->data, len, inner};
    if (inner > 0) sc_parallel_rows(outer * inner, sc_parallel_min_rows(len), reduce_range, &job);
    sc_node *n = sc_record(ctx, def, out, 1, &x);
    if (n) {
        n->iattr[0] = ax;
        n->iattr[1] = keepdim;
        n->saved[0] = argmask;
    }
    return out;
}

sc_tensor *sc_sum(sc_ctx *ctx, sc_tensor *x, int axis, int keepdim) { return reduce(ctx, R_SUM, &OP_SUM, x, axis, keepdim); }
sc_tensor *sc_max(sc_ctx *ctx, sc_tensor *x, int axis, int keepdim) { return reduce(ctx, R_MAX, &OP_MAX, x, axis, keepdim); }
sc_tensor *sc_logsumexp(sc_ctx *ctx, sc_tensor *x, int axis, int keepdim) {
    return reduce(ctx, R_LSE, &OP_LSE, x, axis, keepdim);
}

// g (reduced shape) broadcast back over x's shape.
static sc_tensor *spread(sc_ctx *ctx, const sc_node *n, sc_tensor *g) {
    const sc_tensor *x = n->in[0];
    int64_t keep[SC_MAX_DIMS];
    int nd = reduced_shape(x, (int)n->iattr[0], 1, keep);
    return sc_expand(ctx, sc_reshape(ctx, g, nd, keep), x->ndim, x->shape);
}

static void sum_rule(sc_ctx *ctx, const sc_node *n, sc_tensor *g, sc_tensor **gin, const int *need) {
    if (need[0]) gin[0] = spread(ctx, n, g);
}
// The gradient flows to the first maximal element only (a constant 0/1 mask).
static void max_rule(sc_ctx *ctx, const sc_node *n, sc_tensor *g, sc_tensor **gin, const int *need) {
    if (need[0]) gin[0] = sc_mul(ctx, spread(ctx, n, g), n->saved[0]);
}
// d lse / dx = softmax(x) = exp(x - lse)
static void lse_rule(sc_ctx *ctx, const sc_node *n, sc_tensor *g, sc_tensor **gin, const int *need) {
    if (need[0]) gin[0] = sc_mul(ctx, spread(ctx, n, g), sc_exp(ctx, sc_sub(ctx, n->in[0], spread(ctx, n, n->out))));
}

static const sc_op_def OP_SUM = {"sum", sum_rule}, OP_MAX = {"max", max_rule}, OP_LSE = {"logsumexp", lse_rule};

sc_tensor *sc_sum_all(sc_ctx *ctx, sc_tensor *x) {
    SC_GUARD1(ctx, x);
    int64_t n = x->numel;
    return sc_sum(ctx, sc_reshape(ctx, x, 1, &n), 0, 0);
}

sc_tensor *sc_mean(sc_ctx *ctx, sc_tensor *x, int axis, int keepdim) {
    SC_GUARD1(ctx, x);
    int ax = sc_norm_axis(ctx, "mean", x, axis);
    if (ax < 0) return NULL;
    if (x->shape[ax] == 0) return sc_fail(ctx, "mean: axis %d is empty", axis);
    return sc_mul_scalar(ctx, sc_sum(ctx, x, ax, keepdim), 1.0 / (double)x->shape[ax]);
}

sc_tensor *sc_mean_all(sc_ctx *ctx, sc_tensor *x) {
    SC_GUARD1(ctx, x);
    if (x->numel == 0) return sc_fail(ctx, "mean_all: empty tensor");
    return sc_mul_scalar(ctx, sc_sum_all(ctx, x), 1.0 / (double)x->numel);
}

// ---- expand / sum_to ---------------------------------------------------------------------

sc_tensor *sc_expand(sc_ctx *ctx, sc_tensor *x, int ndim, const int64_t *shape) {
    SC_GUARD1(ctx, x);
    if (ndim < x->ndim || ndim > SC_MAX_DIMS) {
        char b[96];
        return sc_fail(ctx, "expand: cannot expand %s to %d dimensions", sc_shape_str(x, b, sizeof b), ndim);
    }
    for (int d = 0; d < ndim; d++) {
        int dx = d - (ndim - x->ndim);
        if (dx >= 0 && x->shape[dx] != shape[d] && x->shape[dx] != 1) {
            char b[96];
            return sc_fail(ctx, "expand: dimension %d of %s is %lld, cannot become %lld", dx,
                           sc_shape_str(x, b, sizeof b), (long long)x->shape[dx], (long long)shape[d]);
        }
    }
    int same = ndim == x->ndim;
    for (int d = 0; same && d < ndim; d++) same = x->shape[d] == shape[d];
    if (same) return x;
    sc_tensor *out = sc_view_of(ctx, x);
    if (!out) return NULL;
    int64_t strides[SC_MAX_DIMS];
    sc_broadcast_strides(x, ndim, shape, strides);
    out->ndim = ndim;
    out->numel = 1;
    for (int d = 0; d < ndim; d++) {
        out->shape[d] = shape[d];
        out->stride[d] = strides[d];
        out->numel *= shape[d];
    }
    sc_record(ctx, &OP_EXPAND, out, 1, &x);
    return out;
}

static void expand_rule(sc_ctx *ctx, const sc_node *n, sc_tensor *g, sc_tensor **gin, const int *need) {
    if (need[0]) gin[0] = sc_sum_to(ctx, g, n->in[0]->ndim, n->in[0]->shape);
}
static const sc_op_def OP_EXPAND = {"expand", expand_rule};

sc_tensor *sc_sum_to(sc_ctx *ctx, sc_tensor *x, int ndim, const int64_t *shape) {
    SC_GUARD1(ctx, x);
    if (ndim > x->ndim) {
        char b[96];
        return sc_fail(ctx, "sum_to: %s has fewer than %d dimensions", sc_shape_str(x, b, sizeof b), ndim);
    }
    sc_tensor *t = x;
    while (t && t->ndim > ndim) t = sc_sum(ctx, t, 0, 0);  // leading broadcast dims
    for (int d = 0; t && d < ndim; d++) {
        if (t->shape[d] == shape[d]) continue;
        if (shape[d] != 1) {
            char b[96];
            return sc_fail(ctx, "sum_to: dimension %d of %s cannot be summed to %lld", d,
                           sc_shape_str(x, b, sizeof b), (long long)shape[d]);
        }
        t = sc_sum(ctx, t, d, 1);
    }
    return t;
}
