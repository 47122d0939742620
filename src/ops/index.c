// index.c — embedding lookup (gather_rows) and its adjoint (scatter_add_rows),
// each the other's backward rule; one_hot builds constants from labels.
#include <string.h>

#include "ops/op_util.h"

static const sc_op_def OP_GATHER, OP_SCATTER;

static int check_idx(sc_ctx *ctx, const char *op, const sc_tensor *idx, int64_t V) {
    if (sc_need_index(ctx, op, idx)) return -1;
    for (int64_t i = 0; i < idx->numel; i++) {
        int64_t r = (int64_t)sc_tensor_get(idx, i);
        if (r < 0 || r >= V) {
            sc_fail(ctx, "%s: index %lld at position %lld is outside [0, %lld)", op, (long long)r, (long long)i,
                    (long long)V);
            return -1;
        }
    }
    return 0;
}

sc_tensor *sc_gather_rows(sc_ctx *ctx, sc_tensor *table, sc_tensor *idx) {
    SC_GUARD2(ctx, table, idx);
    char b[96];
    if (sc_need_float(ctx, "gather_rows", table)) return NULL;
    if (table->ndim != 2) return sc_fail(ctx, "gather_rows: table must be (V, D), got %s", sc_shape_str(table, b, sizeof b));
    if (idx->ndim + 1 > SC_MAX_DIMS) return sc_fail(ctx, "gather_rows: index has too many dimensions");
    int64_t V = table->shape[0], D = table->shape[1];
    if (check_idx(ctx, "gather_rows", idx, V)) return NULL;
    int64_t shape[SC_MAX_DIMS];
    memcpy(shape, idx->shape, sizeof(int64_t) * (size_t)idx->ndim);
    shape[idx->ndim] = D;
    sc_tensor *tc = sc_contiguous(ctx, table);
    sc_tensor *out = sc_empty(ctx, table->dtype, idx->ndim + 1, shape);
    if (!tc || !out) return NULL;
    size_t row = (size_t)D * sc_dtype_size(table->dtype);
    for (int64_t i = 0; i < idx->numel; i++) {
        int64_t r = (int64_t)sc_tensor_get(idx, i);
        memcpy((char *)out->data + (size_t)i * row, (const char *)tc->data + (size_t)r * row, row);
    }
    sc_node *n = sc_record(ctx, &OP_GATHER, out, 1, &table);
    if (n) n->saved[0] = idx;
    return out;
}
static void gather_rule(sc_ctx *ctx, const sc_node *n, sc_tensor *g, sc_tensor **gin, const int *need) {
    if (need[0]) gin[0] = sc_scatter_add_rows(ctx, g, n->saved[0], n->in[0]->shape[0]);
}

sc_tensor *sc_scatter_add_rows(sc_ctx *ctx, sc_tensor *src, sc_tensor *idx, int64_t V) {
    SC_GUARD2(ctx, src, idx);
    char b1[96], b2[96];
    if (sc_need_float(ctx, "scatter_add_rows", src)) return NULL;
    int ok = src->ndim == idx->ndim + 1;
    for (int d = 0; ok && d < idx->ndim; d++) ok = src->shape[d] == idx->shape[d];
    if (!ok)
        return sc_fail(ctx, "scatter_add_rows: src %s must be index shape %s plus one trailing dimension",
                       sc_shape_str(src, b1, sizeof b1), sc_shape_str(idx, b2, sizeof b2));
    if (check_idx(ctx, "scatter_add_rows", idx, V)) return NULL;
    int64_t D = src->shape[src->ndim - 1], shape[2] = {V, D};
    sc_tensor *sc = sc_contiguous(ctx, src);
    sc_tensor *out = sc_zeros(ctx, src->dtype, 2, shape);
    if (!sc || !out) return NULL;
    for (int64_t i = 0; i < idx->numel; i++) {
        int64_t r = (int64_t)sc_tensor_get(idx, i);
        if (src->dtype == SC_F32) {
            float *o = (float *)out->data + r * D;
            const float *s = (const float *)sc->data + i * D;
            for (int64_t j = 0; j < D; j++) o[j] += s[j];
        } else {
            double *o = (double *)out->data + r * D;
            const double *s = (const double *)sc->data + i * D;
            for (int64_t j = 0; j < D; j++) o[j] += s[j];
        }
    }
    sc_node *n = sc_record(ctx, &OP_SCATTER, out, 1, &src);
    if (n) n->saved[0] = idx;
    return out;
}
static void scatter_rule(sc_ctx *ctx, const sc_node *n, sc_tensor *g, sc_tensor **gin, const int *need) {
    if (need[0]) gin[0] = sc_gather_rows(ctx, g, n->saved[0]);
}

static const sc_op_def OP_GATHER = {"gather_rows", gather_rule}, OP_SCATTER = {"scatter_add_rows", scatter_rule};

sc_tensor *sc_one_hot(sc_ctx *ctx, sc_tensor *labels, int64_t C, sc_dtype dtype) {
    SC_GUARD1(ctx, labels);
    if (check_idx(ctx, "one_hot", labels, C)) return NULL;
    if (labels->ndim + 1 > SC_MAX_DIMS) return sc_fail(ctx, "one_hot: labels have too many dimensions");
    int64_t shape[SC_MAX_DIMS];
    memcpy(shape, labels->shape, sizeof(int64_t) * (size_t)labels->ndim);
    shape[labels->ndim] = C;
    sc_tensor *out = sc_zeros(ctx, dtype, labels->ndim + 1, shape);
    if (!out) return NULL;
    for (int64_t i = 0; i < labels->numel; i++) sc_tensor_set(out, i * C + (int64_t)sc_tensor_get(labels, i), 1.0);
    return out;
}
