#include "ops/op_util.h"

int sc_need_float(sc_ctx *ctx, const char *op, const sc_tensor *x) {
    if (x->dtype == SC_F32 || x->dtype == SC_F64) return 0;
    char b[96];
    sc_fail(ctx, "%s: expected a floating-point tensor, got %s", op, sc_shape_str(x, b, sizeof b));
    return -1;
}

int sc_need_same_dtype(sc_ctx *ctx, const char *op, const sc_tensor *a, const sc_tensor *b) {
    if (a->dtype == b->dtype) return 0;
    char s1[96], s2[96];
    sc_fail(ctx, "%s: dtypes differ: %s and %s (convert one first)", op, sc_shape_str(a, s1, sizeof s1),
            sc_shape_str(b, s2, sizeof s2));
    return -1;
}

int sc_need_like(sc_ctx *ctx, const char *op, const char *name, const sc_tensor *t, const char *like_name,
                 const sc_tensor *like) {
    if (sc_need_float(ctx, op, like) || sc_need_same_dtype(ctx, op, like, t)) return -1;
    if (sc_same_shape(t, like)) return 0;
    char s1[96], s2[96];
    sc_fail(ctx, "%s: %s %s must have the shape of %s %s", op, name, sc_shape_str(t, s1, sizeof s1), like_name,
            sc_shape_str(like, s2, sizeof s2));
    return -1;
}

int sc_need_index(sc_ctx *ctx, const char *op, const sc_tensor *x) {
    if (x->dtype == SC_I32) return 0;
    char b[96];
    sc_fail(ctx, "%s: expected an i32 index tensor, got %s", op, sc_shape_str(x, b, sizeof b));
    return -1;
}

int sc_norm_axis(sc_ctx *ctx, const char *op, const sc_tensor *x, int axis) {
    int a = axis < 0 ? axis + x->ndim : axis;
    if (a < 0 || a >= x->ndim) {
        char b[96];
        sc_fail(ctx, "%s: axis %d out of range for %s", op, axis, sc_shape_str(x, b, sizeof b));
        return -1;
    }
    return a;
}

int sc_broadcast_shapes(sc_ctx *ctx, const char *op, const sc_tensor *a, const sc_tensor *b, int *ndim,
                        int64_t *shape) {
    int n = a->ndim > b->ndim ? a->ndim : b->ndim;
    for (int d = 0; d < n; d++) {
        int da = d - (n - a->ndim), db = d - (n - b->ndim);
        int64_t sa = da >= 0 ? a->shape[da] : 1, sb = db >= 0 ? b->shape[db] : 1;
        if (sa != sb && sa != 1 && sb != 1) {
            char s1[96], s2[96];
            sc_fail(ctx, "%s: shapes %s and %s are not broadcastable (dimension %d: %lld vs %lld)", op,
                    sc_shape_str(a, s1, sizeof s1), sc_shape_str(b, s2, sizeof s2), d, (long long)sa,
                    (long long)sb);
            return -1;
        }
        shape[d] = sa == 1 ? sb : sa;
    }
    *ndim = n;
    return 0;
}

void sc_broadcast_strides(const sc_tensor *x, int ndim, const int64_t *shape, int64_t *strides) {
    for (int d = 0; d < ndim; d++) {
        int dx = d - (ndim - x->ndim);
        strides[d] = (dx >= 0 && x->shape[dx] == shape[d]) ? x->stride[dx] : 0;
        if (dx >= 0 && x->shape[dx] == 1) strides[d] = 0;
    }
}
