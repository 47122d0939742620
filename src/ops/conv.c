// conv.c — im2col / col2im (primitives, each the other's backward rule) and the
// composites built on them: conv2d = weight matrix @ patch columns (one batched
// BLIS GEMM), average and max pooling = mean / max over each patch column.
#include "kernels/im2col.h"
#include "ops/op_util.h"

static const sc_op_def OP_IM2COL, OP_COL2IM;

#define WIN_MAX (1 << 20)

// Validates a sliding window over an (H, W) image and fills the geometry.
// `shown` is the tensor named in error messages.
static int window(sc_ctx *ctx, const char *op, const sc_tensor *shown, int64_t B, int64_t C, int64_t H, int64_t W,
                  int kh, int kw, int stride, int pad, sc_im2col_geom *g) {
    char b[96];
    // The upper bounds keep every size product below int64 overflow.
    if (kh < 1 || kw < 1 || stride < 1 || pad < 0 || kh > WIN_MAX || kw > WIN_MAX || stride > WIN_MAX ||
        pad > WIN_MAX) {
        sc_fail(ctx,
                "%s: kernel %dx%d, stride %d, pad %d for %s: kernel sizes and stride must be in [1, %d], "
                "pad in [0, %d]",
                op, kh, kw, stride, pad, sc_shape_str(shown, b, sizeof b), WIN_MAX, WIN_MAX);
        return -1;
    }
    if (H + 2 * (int64_t)pad < kh || W + 2 * (int64_t)pad < kw) {
        sc_fail(ctx, "%s: kernel %dx%d is larger than the padded input: image %lldx%lld with pad %d (input %s)", op,
                kh, kw, (long long)H, (long long)W, pad, sc_shape_str(shown, b, sizeof b));
        return -1;
    }
    int64_t P = pad;
    *g = (sc_im2col_geom){B, C, H, W, kh, kw, stride, pad, (H + 2 * P - kh) / stride + 1,
                          (W + 2 * P - kw) / stride + 1};
    return 0;
}

static int need_image(sc_ctx *ctx, const char *op, const sc_tensor *x) {
    if (sc_need_float(ctx, op, x)) return -1;
    if (x->ndim == 4) return 0;
    char b[96];
    sc_fail(ctx, "%s: input must be (B, C, H, W), got %s", op, sc_shape_str(x, b, sizeof b));
    return -1;
}

// ---- im2col ----------------------------------------------------------------------------
sc_tensor *sc_im2col(sc_ctx *ctx, sc_tensor *x, int kh, int kw, int stride, int pad) {
    SC_GUARD1(ctx, x);
    sc_im2col_geom g;
    if (need_image(ctx, "im2col", x)) return NULL;
    if (window(ctx, "im2col", x, x->shape[0], x->shape[1], x->shape[2], x->shape[3], kh, kw, stride, pad, &g))
        return NULL;
    sc_tensor *xc = sc_contiguous(ctx, x);  // (B, C, H, W)
    int64_t shape[3] = {g.B, g.C * g.kh * g.kw, g.OH * g.OW};
    sc_tensor *out = sc_empty(ctx, x->dtype, 3, shape);  // (B, C kh kw, OH OW)
    if (!xc || !out) return NULL;
    if (x->dtype == SC_F32) sc_k_im2col_f32(out->data, xc->data, &g);
    else sc_k_im2col_f64(out->data, xc->data, &g);
    sc_node *n = sc_record(ctx, &OP_IM2COL, out, 1, &x);
    if (n) n->iattr[0] = kh, n->iattr[1] = kw, n->iattr[2] = stride, n->iattr[3] = pad;
    return out;
}

// im2col is linear, so its vjp is its adjoint, col2im (and vice versa).
static void im2col_rule(sc_ctx *ctx, const sc_node *n, sc_tensor *g, sc_tensor **gin, const int *need) {
    const sc_tensor *x = n->in[0];
    if (need[0])
        gin[0] = sc_col2im(ctx, g, x->shape[1], x->shape[2], x->shape[3], (int)n->iattr[0], (int)n->iattr[1],
                           (int)n->iattr[2], (int)n->iattr[3]);
}

// ---- col2im ----------------------------------------------------------------------------
sc_tensor *sc_col2im(sc_ctx *ctx, sc_tensor *cols, int64_t C, int64_t H, int64_t W, int kh, int kw, int stride,
                     int pad) {
    SC_GUARD1(ctx, cols);
    if (sc_need_float(ctx, "col2im", cols)) return NULL;
    char b[96];
    if (C < 1 || H < 1 || W < 1)
        return sc_fail(ctx, "col2im: image size C=%lld H=%lld W=%lld must be positive (columns %s)", (long long)C,
                       (long long)H, (long long)W, sc_shape_str(cols, b, sizeof b));
    if (cols->ndim != 3)
        return sc_fail(ctx, "col2im: columns must be (B, C*kh*kw, OH*OW), got %s", sc_shape_str(cols, b, sizeof b));
    sc_im2col_geom g;
    if (window(ctx, "col2im", cols, cols->shape[0], C, H, W, kh, kw, stride, pad, &g)) return NULL;
    if (cols->shape[1] != C * kh * kw || cols->shape[2] != g.OH * g.OW)
        return sc_fail(ctx,
                       "col2im: columns %s do not match C=%lld, %dx%d kernel, stride %d, pad %d on %lldx%lld: "
                       "expected (B, %lld, %lld)",
                       sc_shape_str(cols, b, sizeof b), (long long)C, kh, kw, stride, pad, (long long)H, (long long)W,
                       (long long)(C * kh * kw), (long long)(g.OH * g.OW));
    sc_tensor *cc = sc_contiguous(ctx, cols);  // (B, C kh kw, OH OW)
    int64_t shape[4] = {g.B, C, H, W};
    sc_tensor *out = sc_empty(ctx, cols->dtype, 4, shape);  // (B, C, H, W)
    if (!cc || !out) return NULL;
    if (cols->dtype == SC_F32) sc_k_col2im_f32(out->data, cc->data, &g);
    else sc_k_col2im_f64(out->data, cc->data, &g);
    sc_node *n = sc_record(ctx, &OP_COL2IM, out, 1, &cols);
    if (n) n->iattr[0] = kh, n->iattr[1] = kw, n->iattr[2] = stride, n->iattr[3] = pad;
    return out;
}

static void col2im_rule(sc_ctx *ctx, const sc_node *n, sc_tensor *g, sc_tensor **gin, const int *need) {
    if (need[0]) gin[0] = sc_im2col(ctx, g, (int)n->iattr[0], (int)n->iattr[1], (int)n->iattr[2], (int)n->iattr[3]);
}

static const sc_op_def OP_IM2COL = {"im2col", im2col_rule}, OP_COL2IM = {"col2im", col2im_rule};

// ---- conv2d (composite) ----------------------------------------------------------------
// y[b, o, :] = W (O, C kh kw) @ cols[b] (C kh kw, OH OW) (+ bias[o]). The weight
// matrix is expanded over the batch as a stride-0 view, so the product is one
// batched GEMM and the result is already (B, O, OH OW) in memory order.
sc_tensor *sc_conv2d(sc_ctx *ctx, sc_tensor *x, sc_tensor *w, sc_tensor *b, int stride, int pad) {
    SC_GUARD2(ctx, x, w);
    char s1[96], s2[96];
    if (need_image(ctx, "conv2d", x) || sc_need_same_dtype(ctx, "conv2d", x, w)) return NULL;
    if (w->ndim != 4)
        return sc_fail(ctx, "conv2d: weight must be (O, C, kh, kw), got %s", sc_shape_str(w, s1, sizeof s1));
    int64_t B = x->shape[0], C = x->shape[1], O = w->shape[0], kh = w->shape[2], kw = w->shape[3];
    if (w->shape[1] != C)
        return sc_fail(ctx, "conv2d: channel mismatch: input %s has %lld channels, weight %s expects %lld",
                       sc_shape_str(x, s1, sizeof s1), (long long)C, sc_shape_str(w, s2, sizeof s2),
                       (long long)w->shape[1]);
    if (b && (sc_need_same_dtype(ctx, "conv2d", x, b) || b->ndim != 1 || b->shape[0] != O))
        return sc_fail(ctx, "conv2d: bias %s must be (%lld,) for weight %s", sc_shape_str(b, s1, sizeof s1),
                       (long long)O, sc_shape_str(w, s2, sizeof s2));
    if (kh > WIN_MAX || kw > WIN_MAX)
        return sc_fail(ctx, "conv2d: kernel of weight %s is larger than %d", sc_shape_str(w, s1, sizeof s1), WIN_MAX);
    sc_im2col_geom g;
    if (window(ctx, "conv2d", x, B, C, x->shape[2], x->shape[3], (int)kh, (int)kw, stride, pad, &g)) return NULL;
    sc_tensor *cols = sc_im2col(ctx, x, (int)kh, (int)kw, stride, pad);       // (B, C kh kw, L)
    int64_t wm_shape[3] = {1, O, C * kh * kw}, wb_shape[3] = {B, O, C * kh * kw};
    sc_tensor *wm = sc_reshape(ctx, w, 3, wm_shape);                           // (1, O, C kh kw)
    sc_tensor *y = sc_matmul(ctx, sc_expand(ctx, wm, 3, wb_shape), cols);     // (B, O, L)
    int64_t y_shape[4] = {B, O, g.OH, g.OW}, b_shape[4] = {1, O, 1, 1};
    y = sc_reshape(ctx, y, 4, y_shape);                                        // (B, O, OH, OW)
    if (b) y = sc_add(ctx, y, sc_reshape(ctx, b, 4, b_shape));
    return y;
}

// ---- pooling (composites) --------------------------------------------------------------
// Non-overlapping or overlapping k x k windows, no padding: the patch columns of
// each channel, (B, C, k k, L), reduced over the window axis.
static sc_tensor *pool(sc_ctx *ctx, const char *op, sc_tensor *x, int k, int stride, int is_max) {
    SC_GUARD1(ctx, x);
    if (need_image(ctx, op, x)) return NULL;
    sc_im2col_geom g;
    if (window(ctx, op, x, x->shape[0], x->shape[1], x->shape[2], x->shape[3], k, k, stride, 0, &g)) return NULL;
    int64_t win_shape[4] = {g.B, g.C, (int64_t)k * k, g.OH * g.OW}, out_shape[4] = {g.B, g.C, g.OH, g.OW};
    sc_tensor *win = sc_reshape(ctx, sc_im2col(ctx, x, k, k, stride, 0), 4, win_shape);  // (B, C, k k, L)
    sc_tensor *red = is_max ? sc_max(ctx, win, 2, 0) : sc_mean(ctx, win, 2, 0);          // (B, C, L)
    return sc_reshape(ctx, red, 4, out_shape);                                             // (B, C, OH, OW)
}

sc_tensor *sc_avg_pool2d(sc_ctx *ctx, sc_tensor *x, int k, int stride) {
    return pool(ctx, "avg_pool2d", x, k, stride, 0);
}
sc_tensor *sc_max_pool2d(sc_ctx *ctx, sc_tensor *x, int k, int stride) {
    return pool(ctx, "max_pool2d", x, k, stride, 1);
}
