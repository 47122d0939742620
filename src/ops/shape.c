// shape.c — reshape, permute, slice and friends. Views where the data allows
// (permute, slice, reshape of a contiguous tensor); contiguous() copies.
#include <string.h>

#include "kernels/copy.h"
#include "ops/op_util.h"

static const sc_op_def OP_CONTIG, OP_RESHAPE, OP_PERMUTE, OP_SLICE, OP_UNSLICE, OP_CONCAT;

// ---- contiguous ----------------------------------------------------------------------
sc_tensor *sc_contiguous(sc_ctx *ctx, sc_tensor *x) {
    SC_GUARD1(ctx, x);
    if (sc_tensor_is_contiguous(x)) return x;
    sc_tensor *out = sc_empty_like(ctx, x);
    if (!out) return NULL;
    sc_k_copy_strided(out->data, out->stride, x->data, x->stride, x->ndim, x->shape, sc_dtype_size(x->dtype));
    sc_record(ctx, &OP_CONTIG, out, 1, &x);
    return out;
}
static void contig_rule(sc_ctx *ctx, const sc_node *n, sc_tensor *g, sc_tensor **gin, const int *need) {
    if (need[0]) gin[0] = g;
}

// ---- reshape -------------------------------------------------------------------------
sc_tensor *sc_reshape(sc_ctx *ctx, sc_tensor *x, int ndim, const int64_t *shape) {
    SC_GUARD1(ctx, x);
    if (ndim < 0 || ndim > SC_MAX_DIMS) return sc_fail(ctx, "reshape: %d dimensions (max %d)", ndim, SC_MAX_DIMS);
    int64_t s[SC_MAX_DIMS], known = 1;
    int infer = -1;
    for (int d = 0; d < ndim; d++) {
        s[d] = shape[d];
        if (s[d] == -1) {
            if (infer >= 0) return sc_fail(ctx, "reshape: more than one -1 in the target shape");
            infer = d;
        } else {
            known *= s[d];
        }
    }
    if (infer >= 0) s[infer] = known ? x->numel / known : 0;
    int64_t total = 1;
    for (int d = 0; d < ndim; d++) total *= s[d];
    if (total != x->numel) {
        char b[96];
        return sc_fail(ctx, "reshape: cannot view %s (%lld elements) as a shape of %lld elements",
                       sc_shape_str(x, b, sizeof b), (long long)x->numel, (long long)total);
    }
    sc_tensor *src = sc_contiguous(ctx, x);
    sc_tensor *out = sc_view_of(ctx, src);
    if (!out) return NULL;
    sc_tensor_set_shape(out, x->dtype, ndim, s);
    sc_tensor *in = src;  // the contiguous copy (if any) is already on the tape
    sc_record(ctx, &OP_RESHAPE, out, 1, &in);
    return out;
}
static void reshape_rule(sc_ctx *ctx, const sc_node *n, sc_tensor *g, sc_tensor **gin, const int *need) {
    if (need[0]) gin[0] = sc_reshape(ctx, g, n->in[0]->ndim, n->in[0]->shape);
}

sc_tensor *sc_unsqueeze(sc_ctx *ctx, sc_tensor *x, int axis) {
    SC_GUARD1(ctx, x);
    int a = axis < 0 ? axis + x->ndim + 1 : axis;
    if (a < 0 || a > x->ndim) return sc_fail(ctx, "unsqueeze: axis %d out of range for %d dims", axis, x->ndim);
    int64_t s[SC_MAX_DIMS + 1];
    for (int d = 0, k = 0; d <= x->ndim; d++) s[d] = d == a ? 1 : x->shape[k++];
    return sc_reshape(ctx, x, x->ndim + 1, s);
}

sc_tensor *sc_squeeze(sc_ctx *ctx, sc_tensor *x, int axis) {
    SC_GUARD1(ctx, x);
    int a = sc_norm_axis(ctx, "squeeze", x, axis);
    if (a < 0) return NULL;
    if (x->shape[a] != 1) return sc_fail(ctx, "squeeze: axis %d has size %lld, not 1", axis, (long long)x->shape[a]);
    int64_t s[SC_MAX_DIMS];
    for (int d = 0, k = 0; d < x->ndim; d++)
        if (d != a) s[k++] = x->shape[d];
    return sc_reshape(ctx, x, x->ndim - 1, s);
}

// ---- permute / transpose --------------------------------------------------------------
sc_tensor *sc_permute(sc_ctx *ctx, sc_tensor *x, const int *perm) {
    SC_GUARD1(ctx, x);
    int seen[SC_MAX_DIMS] = {0};
    for (int d = 0; d < x->ndim; d++) {
        if (perm[d] < 0 || perm[d] >= x->ndim || seen[perm[d]]++)
            return sc_fail(ctx, "permute: invalid permutation for %d dimensions (entry %d = %d)", x->ndim, d, perm[d]);
    }
    sc_tensor *out = sc_view_of(ctx, x);
    if (!out) return NULL;
    for (int d = 0; d < x->ndim; d++) {
        out->shape[d] = x->shape[perm[d]];
        out->stride[d] = x->stride[perm[d]];
    }
    sc_node *n = sc_record(ctx, &OP_PERMUTE, out, 1, &x);
    if (n)
        for (int d = 0; d < x->ndim; d++) n->iattr[d] = perm[d];
    return out;
}
static void permute_rule(sc_ctx *ctx, const sc_node *n, sc_tensor *g, sc_tensor **gin, const int *need) {
    if (!need[0]) return;
    int inv[SC_MAX_DIMS];
    for (int d = 0; d < n->in[0]->ndim; d++) inv[n->iattr[d]] = d;
    gin[0] = sc_permute(ctx, g, inv);
}

sc_tensor *sc_transpose(sc_ctx *ctx, sc_tensor *x, int d0, int d1) {
    SC_GUARD1(ctx, x);
    int a = sc_norm_axis(ctx, "transpose", x, d0), b = sc_norm_axis(ctx, "transpose", x, d1);
    if (a < 0 || b < 0) return NULL;
    int perm[SC_MAX_DIMS];
    for (int d = 0; d < x->ndim; d++) perm[d] = d;
    perm[a] = b;
    perm[b] = a;
    return sc_permute(ctx, x, perm);
}

// ---- slice / unslice ------------------------------------------------------------------
sc_tensor *sc_slice(sc_ctx *ctx, sc_tensor *x, int axis, int64_t start, int64_t end) {
    SC_GUARD1(ctx, x);
    int a = sc_norm_axis(ctx, "slice", x, axis);
    if (a < 0) return NULL;
    if (start < 0 || end < start || end > x->shape[a]) {
        char b[96];
        return sc_fail(ctx, "slice: [%lld, %lld) out of range for axis %d of %s", (long long)start,
                       (long long)end, axis, sc_shape_str(x, b, sizeof b));
    }
    sc_tensor *out = sc_view_of(ctx, x);
    if (!out) return NULL;
    out->data = (char *)x->data + (size_t)(start * x->stride[a]) * sc_dtype_size(x->dtype);
    out->shape[a] = end - start;
    out->numel = x->shape[a] ? x->numel / x->shape[a] * (end - start) : 0;
    sc_node *n = sc_record(ctx, &OP_SLICE, out, 1, &x);
    if (n) n->iattr[0] = a, n->iattr[1] = start, n->iattr[2] = end;
    return out;
}
static void slice_rule(sc_ctx *ctx, const sc_node *n, sc_tensor *g, sc_tensor **gin, const int *need) {
    if (need[0]) gin[0] = sc_unslice(ctx, g, (int)n->iattr[0], n->iattr[1], n->in[0]->shape[n->iattr[0]]);
}

sc_tensor *sc_unslice(sc_ctx *ctx, sc_tensor *x, int axis, int64_t start, int64_t full) {
    SC_GUARD1(ctx, x);
    int a = sc_norm_axis(ctx, "unslice", x, axis);
    if (a < 0) return NULL;
    if (start < 0 || start + x->shape[a] > full)
        return sc_fail(ctx, "unslice: block of %lld at %lld does not fit in %lld", (long long)x->shape[a],
                       (long long)start, (long long)full);
    int64_t shape[SC_MAX_DIMS];
    memcpy(shape, x->shape, sizeof shape);
    shape[a] = full;
    sc_tensor *out = sc_zeros(ctx, x->dtype, x->ndim, shape);
    if (!out) return NULL;
    char *dst = (char *)out->data + (size_t)(start * out->stride[a]) * sc_dtype_size(x->dtype);
    sc_k_copy_strided(dst, out->stride, x->data, x->stride, x->ndim, x->shape, sc_dtype_size(x->dtype));
    sc_node *n = sc_record(ctx, &OP_UNSLICE, out, 1, &x);
    if (n) n->iattr[0] = a, n->iattr[1] = start;
    return out;
}
static void unslice_rule(sc_ctx *ctx, const sc_node *n, sc_tensor *g, sc_tensor **gin, const int *need) {
    int a = (int)n->iattr[0];
    if (need[0]) gin[0] = sc_slice(ctx, g, a, n->iattr[1], n->iattr[1] + n->in[0]->shape[a]);
}

// ---- concat / stack -------------------------------------------------------------------
sc_tensor *sc_concat(sc_ctx *ctx, sc_tensor *const *xs, int n, int axis) {
    if (ctx->failed) return NULL;
    if (n < 1) return sc_fail(ctx, "concat: no tensors given");
    for (int i = 0; i < n; i++)
        if (!xs[i]) return NULL;
    int a = sc_norm_axis(ctx, "concat", xs[0], axis);
    if (a < 0) return NULL;
    int64_t shape[SC_MAX_DIMS];
    memcpy(shape, xs[0]->shape, sizeof shape);
    shape[a] = 0;
    for (int i = 0; i < n; i++) {
        int ok = xs[i]->ndim == xs[0]->ndim && xs[i]->dtype == xs[0]->dtype;
        for (int d = 0; ok && d < xs[0]->ndim; d++) ok = d == a || xs[i]->shape[d] == xs[0]->shape[d];
        if (!ok) {
            char b1[96], b2[96];
            return sc_fail(ctx, "concat: tensor %d %s does not match tensor 0 %s outside axis %d", i,
                           sc_shape_str(xs[i], b1, sizeof b1), sc_shape_str(xs[0], b2, sizeof b2), axis);
        }
        shape[a] += xs[i]->shape[a];
    }
    sc_tensor *out = sc_empty(ctx, xs[0]->dtype, xs[0]->ndim, shape);
    if (!out) return NULL;
    size_t es = sc_dtype_size(out->dtype);
    int64_t off = 0;
    for (int i = 0; i < n; i++) {
        char *dst = (char *)out->data + (size_t)(off * out->stride[a]) * es;
        sc_k_copy_strided(dst, out->stride, xs[i]->data, xs[i]->stride, xs[i]->ndim, xs[i]->shape, es);
        off += xs[i]->shape[a];
    }
    sc_node *node = sc_record(ctx, &OP_CONCAT, out, n, xs);
    if (node) node->iattr[0] = a;
    return out;
}
static void concat_rule(sc_ctx *ctx, const sc_node *n, sc_tensor *g, sc_tensor **gin, const int *need) {
    int a = (int)n->iattr[0];
    int64_t off = 0;
    for (int i = 0; i < n->n_in; i++) {
        int64_t len = n->in[i]->shape[a];
        if (need[i]) gin[i] = sc_slice(ctx, g, a, off, off + len);
        off += len;
    }
}

sc_tensor *sc_stack(sc_ctx *ctx, sc_tensor *const *xs, int n, int axis) {
    if (ctx->failed) return NULL;
    if (n < 1 || n > 4096) return sc_fail(ctx, "stack: %d tensors (want 1..4096)", n);
    sc_tensor **u = sc_arena_alloc(&ctx->arena, sizeof(sc_tensor *) * (size_t)n, 8);
    if (!u) return sc_fail(ctx, "stack: step arena exhausted");
    for (int i = 0; i < n; i++) u[i] = sc_unsqueeze(ctx, xs[i], axis);
    return sc_concat(ctx, u, n, axis);
}

static const sc_op_def OP_CONTIG = {"contiguous", contig_rule}, OP_RESHAPE = {"reshape", reshape_rule},
                       OP_PERMUTE = {"permute", permute_rule}, OP_SLICE = {"slice", slice_rule},
                       OP_UNSLICE = {"unslice", unslice_rule}, OP_CONCAT = {"concat", concat_rule};
