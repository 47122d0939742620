// linear.c — a dense layer, y = x @ w + b, as one primitive.
//
//   x (..., I) @ w (I, O) + b (O) -> (..., O)
//
// The bias is written into the output first and the GEMM adds the product onto
// it (beta = 1), so a layer keeps one (..., O) tensor where matmul-then-add kept
// two (the product, dead once summed, stayed in the step arena until the step
// ended) and makes one pass less over it. Without a bias it is sc_matmul. The
// rule is built from matmul and sum_to, so it differentiates to any order.
#include <string.h>

#include "kernels/gemm.h"
#include "ops/op_util.h"

static const sc_op_def OP_LINEAR;

static int check_linear(sc_ctx *ctx, const sc_tensor *x, const sc_tensor *w, const sc_tensor *b) {
    char s1[96], s2[96];
    if (w->ndim != 2 || x->ndim < 1 || x->shape[x->ndim - 1] != w->shape[0]) {
        sc_fail(ctx, "linear: x %s does not fit weight %s (expected x (..., I) and w (I, O))",
                sc_shape_str(x, s1, sizeof s1), sc_shape_str(w, s2, sizeof s2));
        return -1;
    }
    if (b && (b->ndim != 1 || b->shape[0] != w->shape[1])) {
        sc_fail(ctx, "linear: bias %s does not match weight %s (expected (%lld))", sc_shape_str(b, s1, sizeof s1),
                sc_shape_str(w, s2, sizeof s2), (long long)w->shape[1]);
        return -1;
    }
    if (sc_need_float(ctx, "linear", x) || sc_need_same_dtype(ctx, "linear", x, w)) return -1;
    return b ? sc_need_same_dtype(ctx, "linear", x, b) : 0;
}

// BLIS takes any strides but zero ones (a broadcast view): those are copied.
static int has_broadcast(const sc_tensor *t) {
    for (int d = 0; d < t->ndim; d++)
        if (t->stride[d] == 0 && t->shape[d] > 1) return 1;
    return 0;
}

sc_tensor *sc_linear(sc_ctx *ctx, sc_tensor *x, sc_tensor *w, sc_tensor *b) {
    SC_GUARD2(ctx, x, w);
    if (check_linear(ctx, x, w, b)) return NULL;
    if (!b) {
        if (x->ndim > 1) return sc_matmul(ctx, x, w);
        return sc_squeeze(ctx, sc_matmul(ctx, sc_unsqueeze(ctx, x, 0), w), 0);  // (I) -> (1, O) -> (O)
    }
    int64_t I = w->shape[0], O = w->shape[1], rows = 1, shape[SC_MAX_DIMS];
    for (int d = 0; d < x->ndim - 1; d++) rows *= x->shape[d];
    sc_no_grad_begin(ctx);  // internal copies: the node below records the originals
    sc_tensor *xc = sc_contiguous(ctx, x);                          // (rows, I)
    sc_tensor *wc = has_broadcast(w) ? sc_contiguous(ctx, w) : w;  // (I, O), any strides
    sc_tensor *bc = sc_contiguous(ctx, b);                          // (O)
    sc_no_grad_end(ctx);
    memcpy(shape, x->shape, sizeof shape);
    shape[x->ndim - 1] = O;
    sc_tensor *y = sc_empty(ctx, x->dtype, x->ndim, shape);  // (..., O)
    if (!xc || !wc || !bc || !y) return NULL;
    size_t row_bytes = (size_t)O * sc_dtype_size(x->dtype);
    for (int64_t r = 0; r < rows; r++) memcpy((char *)y->data + (size_t)r * row_bytes, bc->data, row_bytes);
    if (x->dtype == SC_F32)
        sc_sgemm(rows, O, I, 1.0f, xc->data, I, 1, wc->data, wc->stride[0], wc->stride[1], 1.0f, y->data, O, 1);
    else
        sc_dgemm(rows, O, I, 1.0, xc->data, I, 1, wc->data, wc->stride[0], wc->stride[1], 1.0, y->data, O, 1);
    sc_tensor *in[3] = {x, w, b};
    sc_record(ctx, &OP_LINEAR, y, 3, in);
    return y;
}

// dx = g @ w^T,  dw = x^T @ g (rows folded: (I, rows) @ (rows, O)),  db = g summed over rows
static void linear_rule(sc_ctx *ctx, const sc_node *n, sc_tensor *g, sc_tensor **gin, const int *need) {
    sc_tensor *x = n->in[0], *w = n->in[1];
    int64_t I = w->shape[0], O = w->shape[1];
    if (need[0]) {
        sc_tensor *gx = sc_matmul(ctx, sc_reshape(ctx, g, 2, (int64_t[]){-1, O}), sc_transpose(ctx, w, 0, 1));
        gin[0] = sc_reshape(ctx, gx, x->ndim, x->shape);  // (rows, I) -> (..., I)
    }
    if (need[1]) {
        sc_tensor *x2 = sc_reshape(ctx, x, 2, (int64_t[]){-1, I}), *g2 = sc_reshape(ctx, g, 2, (int64_t[]){-1, O});
        gin[1] = sc_matmul(ctx, sc_transpose(ctx, x2, 0, 1), g2);
    }
    if (need[2]) gin[2] = sc_sum_to(ctx, g, 1, n->in[2]->shape);
}

static const sc_op_def OP_LINEAR = {"linear", linear_rule};
