// attention.c — scaled dot-product attention from three primitives:
//   logits = (q @ k^T) * scale, keys with mask 0 set to -1e9   (B, H, T, S)
//            (attention_logits below: they get weight exp(-1e9) = 0)
//   out    = softmax(logits, -1) @ v                            (B, H, T, Dv)
// Every step is a BLIS GEMM or a fused kernel (softmax), and every step has an
// op-based rule, so attention differentiates to any order. The masked logits
// are returned on request: attention-based explainers read them.
#include <math.h>

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

// ---- the masked, scaled logits: one primitive -------------------------------------------
// logits = scale q @ k^T with dropped keys set to ATTN_MASKED, computed in place in
// the product's output: the graph keeps one (B, H, T, S) tensor where matmul,
// mul_scalar and masked_fill kept five (their copies and 0/1 masks included).
// saved[0] = (B, 1, 1, S) in q's dtype: scale where a key is kept, 0 where it is
// dropped (NULL: no mask), what the rule multiplies g by.
static const sc_op_def OP_ATTN_LOGITS;

// (B, 1, 1, S): scale where mask is nonzero, else 0, in dtype; a typed pass over a contiguous copy.
static sc_tensor *keep_mask(sc_ctx *ctx, sc_tensor *mask, sc_dtype dtype, double scale) {
    sc_no_grad_begin(ctx);
    sc_tensor *mc = sc_contiguous(ctx, mask);
    sc_no_grad_end(ctx);
    sc_tensor *keep = mc ? sc_empty(ctx, dtype, mask->ndim, mask->shape) : NULL;
    if (!keep) return NULL;
    for (int64_t i = 0; i < keep->numel; i++) {
        int on = mc->dtype == SC_F32   ? ((const float *)mc->data)[i] != 0.0f
                 : mc->dtype == SC_F64 ? ((const double *)mc->data)[i] != 0.0
                                       : ((const int32_t *)mc->data)[i] != 0;
        if (dtype == SC_F32) ((float *)keep->data)[i] = on ? (float)scale : 0.0f;
        else ((double *)keep->data)[i] = on ? scale : 0.0;
    }
    return keep;
}

// In place on lg (B, H, T, S) contiguous: lg = lg * scale, then ATTN_MASKED where keep is 0.
#define SCALE_AND_MASK(T)                                                                \
    do {                                                                                 \
        T *v = lg->data, sc = (T)scale;                                                  \
        const T *kp = keep ? keep->data : NULL;                                          \
        for (int64_t r = 0; r < rows; r++, v += S) {                                     \
            const T *kr = kp ? kp + (r / per_batch) * S : NULL; /* (S) of this batch */  \
            for (int64_t j = 0; j < S; j++) v[j] = kr && kr[j] == (T)0 ? (T)ATTN_MASKED : v[j] * sc; \
        }                                                                                \
    } while (0)

static sc_tensor *attention_logits(sc_ctx *ctx, sc_tensor *q, sc_tensor *k, sc_tensor *mask, double scale) {
    if (mask && mask->dtype != SC_F32 && mask->dtype != SC_F64 && mask->dtype != SC_I32)
        return sc_fail(ctx, "attention: mask must be f32, f64 or i32, got %s", sc_dtype_name(mask->dtype));
    sc_tensor *keep = mask ? keep_mask(ctx, mask, q->dtype, scale) : NULL;
    sc_no_grad_begin(ctx);  // the node below records q and k
    sc_tensor *lg = sc_matmul(ctx, q, sc_transpose(ctx, k, -1, -2));  // (B, H, T, S), contiguous
    sc_no_grad_end(ctx);
    if (!lg || (mask && !keep)) return NULL;
    int64_t S = lg->shape[3], rows = lg->numel / (S ? S : 1), per_batch = lg->shape[1] * lg->shape[2];
    if (S && lg->dtype == SC_F32) SCALE_AND_MASK(float);
    else if (S) SCALE_AND_MASK(double);
    sc_tensor *in[2] = {q, k};
    sc_node *n = sc_record(ctx, &OP_ATTN_LOGITS, lg, 2, in);
    if (n) {
        n->saved[0] = keep;
        n->fattr[0] = scale;
    }
    return lg;
}

// With gs = g scale, 0 at dropped keys (whose constant gets no gradient):
//   dq = gs @ k,   dk = gs^T @ q
static void attention_logits_rule(sc_ctx *ctx, const sc_node *n, sc_tensor *g, sc_tensor **gin, const int *need) {
    sc_tensor *gs = n->saved[0] ? sc_mul(ctx, g, n->saved[0]) : sc_mul_scalar(ctx, g, n->fattr[0]);  // (B, H, T, S)
    if (need[0]) gin[0] = sc_matmul(ctx, gs, n->in[1]);
    if (need[1]) gin[1] = sc_matmul(ctx, sc_transpose(ctx, gs, -1, -2), n->in[0]);
}

static const sc_op_def OP_ATTN_LOGITS = {"attention_logits", attention_logits_rule};

sc_tensor *sc_attention(sc_ctx *ctx, sc_tensor *q, sc_tensor *k, sc_tensor *v, sc_tensor *mask, double scale,
                        sc_tensor **logits_out) {
    if (logits_out) *logits_out = NULL;
    SC_GUARD3(ctx, q, k, v);
    if (check_attention(ctx, q, k, v, mask)) return NULL;
    if (!isfinite(scale) || scale == 0.0)  // attention_logits tells dropped keys by a 0 in scale keep
        return sc_fail(ctx, "attention: scale %g must be finite and nonzero", scale);
    sc_tensor *logits = attention_logits(ctx, q, k, mask, scale);      // (B, H, T, S)
    sc_tensor *out = sc_matmul(ctx, sc_softmax(ctx, logits, -1), v);  // (B, H, T, Dv)
    if (out && logits_out) *logits_out = logits;
    return out;
}
