// attention.c — scaled dot-product attention as a composite of primitives:
//   logits = (q @ k^T) * scale                 (B, H, T, S)
//   logits = masked_fill(logits, !mask, -1e9)  keys with mask 0 get weight exp(-1e9) = 0
//   out    = softmax(logits, -1) @ v           (B, H, T, Dv)
// Every step is a BLIS GEMM or a fused kernel (softmax), and every step has an
// op-based rule, so attention differentiates to any order. The masked logits
// are returned on request: attention-based explainers read them.
#include "ops/op_util.h"

#define ATTN_MASKED (-1e9)

static int check_attention(sc_ctx *ctx, const sc_tensor *q, const sc_tensor *k, const sc_tensor *v,
                           const sc_tensor *mask) {
    char s1[96], s2[96], s3[96];
    if (sc_need_float(ctx, "attention", q) || sc_need_same_dtype(ctx, "attention", q, k) ||
        sc_need_same_dtype(ctx, "attention", q, v))
        return -1;
    int ok = q->ndim == 4 && k->ndim == 4 && v->ndim == 4;
    for (int d = 0; ok && d < 2; d++) ok = k->shape[d] == q->shape[d] && v->shape[d] == q->shape[d];
    ok = ok && k->shape[3] == q->shape[3] && v->shape[2] == k->shape[2];
    if (!ok) {
        sc_fail(ctx, "attention: q %s, k %s, v %s must be (B, H, T, D), (B, H, S, D), (B, H, S, Dv)",
                sc_shape_str(q, s1, sizeof s1), sc_shape_str(k, s2, sizeof s2), sc_shape_str(v, s3, sizeof s3));
        return -1;
    }
    if (mask && (mask->ndim != 4 || mask->shape[0] != q->shape[0] || mask->shape[1] != 1 || mask->shape[2] != 1 ||
                 mask->shape[3] != k->shape[2])) {
        sc_fail(ctx, "attention: mask %s must be (B, 1, 1, S) = (%lld, 1, 1, %lld) for keys %s",
                sc_shape_str(mask, s1, sizeof s1), (long long)q->shape[0], (long long)k->shape[2],
                sc_shape_str(k, s2, sizeof s2));
        return -1;
    }
    return 0;
}

sc_tensor *sc_attention(sc_ctx *ctx, sc_tensor *q, sc_tensor *k, sc_tensor *v, sc_tensor *mask, double scale,
                        sc_tensor **logits_out) {
    if (logits_out) *logits_out = NULL;
    SC_GUARD3(ctx, q, k, v);
    if (check_attention(ctx, q, k, v, mask)) return NULL;
    sc_tensor *logits = sc_mul_scalar(ctx, sc_matmul(ctx, q, sc_transpose(ctx, k, -1, -2)), scale);  // (B, H, T, S)
    if (mask) {
        // masked_fill fills where its mask is nonzero: build the complement
        // (1 where a key is dropped), a constant of shape (B, 1, 1, S).
        sc_tensor *drop = sc_empty(ctx, SC_I32, mask->ndim, mask->shape);
        if (!drop) return NULL;
        int32_t *dv = drop->data;
        for (int64_t i = 0; i < drop->numel; i++) dv[i] = sc_tensor_get(mask, i) == 0.0;
        logits = sc_masked_fill(ctx, logits, drop, ATTN_MASKED);
    }
    sc_tensor *out = sc_matmul(ctx, sc_softmax(ctx, logits, -1), v);  // (B, H, T, Dv)
    if (out && logits_out) *logits_out = logits;
    return out;
}
