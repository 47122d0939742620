// matmul.c — matrix products through BLIS. Strides go straight to BLIS, so the
// transposed operands of the backward rules are free views, never copies.
//
//   a (..., M, K) @ b (..., K, N) -> (..., M, N)
//   batch dims of a and b equal (one gemm per batch entry), or b 2-d: then a's
//   leading dims fold into M and the product is a single gemm (a linear layer).
#include "kernels/gemm.h"
#include "ops/op_util.h"

static const sc_op_def OP_MATMUL;

// Offset (elements) of batch entry `b` in a tensor whose batch dims are [0, nb).
static int64_t batch_offset(const sc_tensor *t, int nb, int64_t b) {
    int64_t off = 0;
    for (int d = nb - 1; d >= 0; d--) {
        off += (b % t->shape[d]) * t->stride[d];
        b /= t->shape[d];
    }
    return off;
}

sc_tensor *sc_matmul(sc_ctx *ctx, sc_tensor *a, sc_tensor *b) {
    SC_GUARD2(ctx, a, b);
    if (sc_need_float(ctx, "matmul", a) || sc_need_same_dtype(ctx, "matmul", a, b)) return NULL;
    char s1[96], s2[96];
    if (a->ndim < 2 || b->ndim < 2)
        return sc_fail(ctx, "matmul: operands need at least 2 dimensions, got %s @ %s",
                       sc_shape_str(a, s1, sizeof s1), sc_shape_str(b, s2, sizeof s2));
    int64_t M = a->shape[a->ndim - 2], K = a->shape[a->ndim - 1];
    int64_t K2 = b->shape[b->ndim - 2], N = b->shape[b->ndim - 1];
    if (K != K2)
        return sc_fail(ctx, "matmul: inner dimensions differ: %s @ %s (%lld vs %lld)",
                       sc_shape_str(a, s1, sizeof s1), sc_shape_str(b, s2, sizeof s2), (long long)K,
                       (long long)K2);
    if (a->ndim > 2 && b->ndim == 2) {  // fold batch into rows: one big gemm
        int64_t flat[2] = {-1, K}, shape[SC_MAX_DIMS];
        sc_tensor *y = sc_matmul(ctx, sc_reshape(ctx, a, 2, flat), b);
        for (int d = 0; d < a->ndim - 1; d++) shape[d] = a->shape[d];
        shape[a->ndim - 1] = N;
        return sc_reshape(ctx, y, a->ndim, shape);
    }
    // BLIS needs real strides: materialize broadcast (stride-0) matrix dims.
    for (int d = a->ndim - 2; d < a->ndim; d++)
        if (a->stride[d] == 0 && a->shape[d] > 1) { a = sc_contiguous(ctx, a); break; }
    for (int d = b->ndim - 2; d < b->ndim; d++)
        if (b->stride[d] == 0 && b->shape[d] > 1) { b = sc_contiguous(ctx, b); break; }
    if (!a || !b) return NULL;
    int nb = a->ndim - 2;
    int ok = b->ndim == a->ndim;
    for (int d = 0; ok && d < nb; d++) ok = a->shape[d] == b->shape[d];
    if (!ok)
        return sc_fail(ctx, "matmul: batch dimensions differ: %s @ %s", sc_shape_str(a, s1, sizeof s1),
                       sc_shape_str(b, s2, sizeof s2));
    int64_t shape[SC_MAX_DIMS], batches = 1;
    for (int d = 0; d < nb; d++) shape[d] = a->shape[d], batches *= a->shape[d];
    shape[nb] = M;
    shape[nb + 1] = N;
    sc_tensor *out = sc_empty(ctx, a->dtype, a->ndim, shape);
    if (!out) return NULL;
    int64_t *off = sc_arena_alloc(&ctx->arena, 2 * (size_t)batches * sizeof(int64_t), 8);
    if (!off) return sc_fail(ctx, "matmul: out of step arena for %lld batch offsets", (long long)batches);
    for (int64_t i = 0; i < batches; i++) off[i] = batch_offset(a, nb, i), off[batches + i] = batch_offset(b, nb, i);
    sc_gemm_batch(a->dtype == SC_F64, batches, M, N, K, a->data, off, a->stride[nb], a->stride[nb + 1], b->data,
                  off + batches, b->stride[nb], b->stride[nb + 1], out->data);
    sc_tensor *in[2] = {a, b};
    sc_record(ctx, &OP_MATMUL, out, 2, in);
    return out;
}

// dA = g @ B^T,  dB = A^T @ g  (transposes are stride swaps)
static void matmul_rule(sc_ctx *ctx, const sc_node *n, sc_tensor *g, sc_tensor **gin, const int *need) {
    if (need[0]) gin[0] = sc_matmul(ctx, g, sc_transpose(ctx, n->in[1], -1, -2));
    if (need[1]) gin[1] = sc_matmul(ctx, sc_transpose(ctx, n->in[0], -1, -2), g);
}
static const sc_op_def OP_MATMUL = {"matmul", matmul_rule};
