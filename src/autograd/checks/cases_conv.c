// Gradcheck cases for ops/conv.c (see autograd/gradcheck.h).
//
// im2col / col2im / conv2d / avg_pool2d are linear (bilinear for conv2d) so
// every order checks the rules' own differentiability. Max pooling is piecewise
// linear: its inputs are a shuffled grid of distinct values (no two closer than
// 4/numel, far beyond the 1e-6 finite-difference step, so the argmax of a window
// never flips), and a squared variant gives it a non-zero Hessian.
#include "autograd/gradcheck.h"
#include "ops/ops.h"

#define SHAPE(...) ((const int64_t[]){__VA_ARGS__})
#define U(nd, shp, lo, hi) sc_gc_uniform(s, r, nd, SHAPE shp, lo, hi, 0)
#define MAKE(name, body) static void name(sc_arena *s, sc_rng *r, sc_tensor **x) { body; }
#define FN(name, expr) static sc_tensor *name(sc_ctx *ctx, sc_tensor **x) { return expr; }

// Distinct values -2 + 4 (k + 1/2) / numel in a random order.
static sc_tensor *no_ties(sc_arena *s, sc_rng *r, int ndim, const int64_t *shape) {
    sc_tensor *t = sc_empty_in(s, SC_F64, ndim, shape);
    if (!t) return NULL;
    double *p = t->data;
    for (int64_t i = 0; i < t->numel; i++) p[i] = -2.0 + 4.0 * ((double)i + 0.5) / (double)t->numel;
    for (int64_t i = t->numel - 1; i > 0; i--) {  // Fisher-Yates
        int64_t j = (int64_t)sc_rng_below(r, (uint64_t)i + 1);
        double v = p[i];
        p[i] = p[j];
        p[j] = v;
    }
    return t;
}

// x (2, 2, 4, 4); a 3x2 kernel, stride 2, pad 1 -> OH = 2, OW = 3, cols (2, 12, 6).
MAKE(mk_img, x[0] = U(4, (2, 2, 4, 4), -1, 1))
MAKE(mk_cols, x[0] = U(3, (2, 12, 6), -1, 1))
// conv: x (2, 2, 4, 4), w (3, 2, 3, 3), b (3,); stride 2, pad 1 -> (2, 3, 2, 2).
MAKE(mk_conv, x[0] = U(4, (2, 2, 4, 4), -1, 1); x[1] = U(4, (3, 2, 3, 3), -1, 1); x[2] = U(1, (3), -1, 1))
// stride 1, pad 0, non-square input and kernel: x (1, 2, 4, 5), w (2, 2, 2, 3) -> (1, 2, 3, 3).
MAKE(mk_conv_plain, x[0] = U(4, (1, 2, 4, 5), -1, 1); x[1] = U(4, (2, 2, 2, 3), -1, 1))
MAKE(mk_pool, x[0] = no_ties(s, r, 4, SHAPE(2, 2, 4, 4)))
MAKE(mk_pool_odd, x[0] = no_ties(s, r, 4, SHAPE(1, 2, 5, 5)))

FN(f_im2col, sc_im2col(ctx, x[0], 3, 2, 2, 1))
FN(f_col2im, sc_col2im(ctx, x[0], 2, 4, 4, 3, 2, 2, 1))
FN(f_conv, sc_conv2d(ctx, x[0], x[1], x[2], 2, 1))
FN(f_conv_plain, sc_conv2d(ctx, x[0], x[1], NULL, 1, 0))
FN(f_avg, sc_avg_pool2d(ctx, x[0], 2, 2))
FN(f_avg_overlap, sc_avg_pool2d(ctx, x[0], 3, 1))
FN(f_max, sc_max_pool2d(ctx, x[0], 2, 2))
// Overlapping windows (k 3, stride 2 on 5x5): one pixel can be the max of several.
FN(f_max_overlap, sc_max_pool2d(ctx, x[0], 3, 2))
static sc_tensor *f_max_sq(sc_ctx *ctx, sc_tensor **x) {
    sc_tensor *y = sc_max_pool2d(ctx, x[0], 2, 2);
    return sc_mul(ctx, y, y);
}

const sc_gc_case sc_gc_cases_conv[] = {
    {"im2col", 1, 0, mk_img, f_im2col},
    {"col2im", 1, 0, mk_cols, f_col2im},
    {"conv2d", 3, 0, mk_conv, f_conv},
    {"conv2d_nobias", 2, 0, mk_conv_plain, f_conv_plain},
    {"avg_pool2d", 1, 0, mk_img, f_avg},
    {"avg_pool2d_overlap", 1, 0, mk_img, f_avg_overlap},
    {"max_pool2d", 1, 0, mk_pool, f_max},
    {"max_pool2d_overlap", 1, 0, mk_pool_odd, f_max_overlap},
    {"max_pool2d_squared", 1, 0, mk_pool, f_max_sq},
    {NULL, 0, 0, NULL, NULL},
};
