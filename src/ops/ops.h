// ops.h — every differentiable op. Each returns a new tensor (or a view) in the
// step arena, records itself on the tape when needed, and returns NULL after an
// error (see autograd/engine.h). Axis arguments accept negatives (-1 = last).
//
// Primitives have a forward kernel and a backward rule written in these same ops
// (the rule sits right after its forward, in the same file). Composites are built
// from primitives and need no rule of their own. gradcheck covers both.
#ifndef SC_OPS_OPS_H
#define SC_OPS_OPS_H

#include "autograd/engine.h"

// ---- elementwise (ops/elementwise.c, ops/unary.c) ---- broadcasting like NumPy
sc_tensor *sc_add(sc_ctx *ctx, sc_tensor *a, sc_tensor *b);
sc_tensor *sc_sub(sc_ctx *ctx, sc_tensor *a, sc_tensor *b);
sc_tensor *sc_mul(sc_ctx *ctx, sc_tensor *a, sc_tensor *b);
sc_tensor *sc_div(sc_ctx *ctx, sc_tensor *a, sc_tensor *b);
sc_tensor *sc_neg(sc_ctx *ctx, sc_tensor *x);
sc_tensor *sc_add_scalar(sc_ctx *ctx, sc_tensor *x, double c);    // x + c
sc_tensor *sc_mul_scalar(sc_ctx *ctx, sc_tensor *x, double c);    // x * c
sc_tensor *sc_rsub_scalar(sc_ctx *ctx, sc_tensor *x, double c);   // c - x (composite)
sc_tensor *sc_pow_scalar(sc_ctx *ctx, sc_tensor *x, double p);    // x^p (x > 0 unless p is an integer)
sc_tensor *sc_exp(sc_ctx *ctx, sc_tensor *x);
sc_tensor *sc_log(sc_ctx *ctx, sc_tensor *x);
sc_tensor *sc_sqrt(sc_ctx *ctx, sc_tensor *x);
sc_tensor *sc_rsqrt(sc_ctx *ctx, sc_tensor *x);
sc_tensor *sc_abs(sc_ctx *ctx, sc_tensor *x);
sc_tensor *sc_tanh(sc_ctx *ctx, sc_tensor *x);
sc_tensor *sc_sigmoid(sc_ctx *ctx, sc_tensor *x);
sc_tensor *sc_relu(sc_ctx *ctx, sc_tensor *x);
sc_tensor *sc_gelu(sc_ctx *ctx, sc_tensor *x);  // tanh approximation (BERT, GPT-2)
sc_tensor *sc_gelu_grad(sc_ctx *ctx, sc_tensor *x);  // d gelu / dx
// g · d gelu / dx, g shaped like x: what gelu's rule records with create_graph.
sc_tensor *sc_gelu_backward(sc_ctx *ctx, sc_tensor *x, sc_tensor *g);
sc_tensor *sc_clamp(sc_ctx *ctx, sc_tensor *x, double lo, double hi);
// where(mask != 0, a, b); mask is never differentiated, a and b broadcast.
sc_tensor *sc_where(sc_ctx *ctx, sc_tensor *mask, sc_tensor *a, sc_tensor *b);
// x with `value` where mask != 0 (mask broadcasts to x).
sc_tensor *sc_masked_fill(sc_ctx *ctx, sc_tensor *x, sc_tensor *mask, double value);

// ---- reductions and broadcasting (ops/reduce.c) ----
sc_tensor *sc_sum(sc_ctx *ctx, sc_tensor *x, int axis, int keepdim);
sc_tensor *sc_sum_all(sc_ctx *ctx, sc_tensor *x);  // shape ()
sc_tensor *sc_mean(sc_ctx *ctx, sc_tensor *x, int axis, int keepdim);
sc_tensor *sc_mean_all(sc_ctx *ctx, sc_tensor *x);
sc_tensor *sc_max(sc_ctx *ctx, sc_tensor *x, int axis, int keepdim);  // ties: first index
sc_tensor *sc_logsumexp(sc_ctx *ctx, sc_tensor *x, int axis, int keepdim);
// Broadcast to a larger shape (a view with zero strides).
sc_tensor *sc_expand(sc_ctx *ctx, sc_tensor *x, int ndim, const int64_t *shape);
// Sum over the dimensions that broadcasting added: the adjoint of sc_expand.
sc_tensor *sc_sum_to(sc_ctx *ctx, sc_tensor *x, int ndim, const int64_t *shape);

// ---- shape (ops/shape.c) ----
sc_tensor *sc_reshape(sc_ctx *ctx, sc_tensor *x, int ndim, const int64_t *shape);  // one -1 allowed
sc_tensor *sc_permute(sc_ctx *ctx, sc_tensor *x, const int *perm);
sc_tensor *sc_transpose(sc_ctx *ctx, sc_tensor *x, int d0, int d1);
sc_tensor *sc_slice(sc_ctx *ctx, sc_tensor *x, int axis, int64_t start, int64_t end);
// Zeros of length `full` along axis with x placed at [start, start + len): slice's adjoint.
sc_tensor *sc_unslice(sc_ctx *ctx, sc_tensor *x, int axis, int64_t start, int64_t full);
sc_tensor *sc_concat(sc_ctx *ctx, sc_tensor *const *xs, int n, int axis);
sc_tensor *sc_stack(sc_ctx *ctx, sc_tensor *const *xs, int n, int axis);
sc_tensor *sc_contiguous(sc_ctx *ctx, sc_tensor *x);  // x itself if already contiguous
sc_tensor *sc_unsqueeze(sc_ctx *ctx, sc_tensor *x, int axis);
sc_tensor *sc_squeeze(sc_ctx *ctx, sc_tensor *x, int axis);

// ---- indexing (ops/index.c) ----
// Embedding lookup: table (V, D), idx i32 of any shape S -> (S..., D).
sc_tensor *sc_gather_rows(sc_ctx *ctx, sc_tensor *table, sc_tensor *idx);
// The adjoint: src (S..., D) summed into rows idx of a zero (V, D) table.
sc_tensor *sc_scatter_add_rows(sc_ctx *ctx, sc_tensor *src, sc_tensor *idx, int64_t V);
// One-hot constant (S..., C) of dtype from i32 labels (S...).
sc_tensor *sc_one_hot(sc_ctx *ctx, sc_tensor *labels, int64_t C, sc_dtype dtype);

// ---- products (ops/matmul.c) ---- through BLIS, transposed views cost nothing
// a (..., M, K) @ b (..., K, N); batch dims equal, or b 2-d (shared weights).
sc_tensor *sc_matmul(sc_ctx *ctx, sc_tensor *a, sc_tensor *b);

// ---- neural-network ops (ops/nn.c) ----
sc_tensor *sc_softmax(sc_ctx *ctx, sc_tensor *x, int axis);
sc_tensor *sc_log_softmax(sc_ctx *ctx, sc_tensor *x, int axis);
// y (g - sum(g y, axis)) for y = softmax(x): dL/dx for an upstream g, what
// softmax's rule records with create_graph; differentiable.
sc_tensor *sc_softmax_grad(sc_ctx *ctx, sc_tensor *y, sc_tensor *g, int axis);
// Normalizes over the last dim: (x - mean) / sqrt(var + eps) * gamma + beta.
sc_tensor *sc_layernorm(sc_ctx *ctx, sc_tensor *x, sc_tensor *gamma, sc_tensor *beta, double eps);
// dL/dx of layernorm(x, gamma, ., eps) for an upstream g shaped like x (gamma may
// be NULL): what layernorm's rule records with create_graph; differentiable.
sc_tensor *sc_layernorm_grad(sc_ctx *ctx, sc_tensor *x, sc_tensor *g, sc_tensor *gamma, double eps);
// dL/dgamma of layernorm for an upstream g: the sum over rows of g xhat, (D).
sc_tensor *sc_layernorm_gamma_grad(sc_ctx *ctx, sc_tensor *x, sc_tensor *g, double eps);
// Inverted dropout with probability p (identity when !training or p == 0).
sc_tensor *sc_dropout(sc_ctx *ctx, sc_tensor *x, double p, int training);
// x (..., I) @ w (I, O) + b (O); b may be NULL. One primitive (ops/linear.c).
sc_tensor *sc_linear(sc_ctx *ctx, sc_tensor *x, sc_tensor *w, sc_tensor *b);
sc_tensor *sc_l2_norm(sc_ctx *ctx, sc_tensor *x, int axis, int keepdim);
// Scaled dot-product attention (ops/attention.c), a composite: softmax(q k^T scale,
// keys with mask 0 filled with -1e9) @ v. q (B, H, T, D), k (B, H, S, D), v (B, H, S, Dv),
// mask (B, 1, 1, S) or NULL (nonzero = keep). Returns (B, H, T, Dv); if logits_out,
// also the masked pre-softmax logits (B, H, T, S).
sc_tensor *sc_attention(sc_ctx *ctx, sc_tensor *q, sc_tensor *k, sc_tensor *v, sc_tensor *mask, double scale,
                        sc_tensor **logits_out);

// ---- losses (ops/loss.c) ---- each returns a scalar: the mean over examples
sc_tensor *sc_cross_entropy(sc_ctx *ctx, sc_tensor *logits, sc_tensor *labels);        // labels i32 (N,)
sc_tensor *sc_cross_entropy_soft(sc_ctx *ctx, sc_tensor *logits, sc_tensor *targets);  // targets (N, C)
sc_tensor *sc_mse(sc_ctx *ctx, sc_tensor *pred, sc_tensor *target);
// KL(p || q) = sum p (log p - log q) over the last axis, p and q clipped to [eps, 1 - eps].
sc_tensor *sc_kl_div(sc_ctx *ctx, sc_tensor *p, sc_tensor *q, double eps);

// ---- sparse normalizers (ops/sparse.c) ---- over the last axis
sc_tensor *sc_sparsemax(sc_ctx *ctx, sc_tensor *x);
sc_tensor *sc_entmax15(sc_ctx *ctx, sc_tensor *x);  // exact, by sorting

// ---- convolution and pooling (ops/conv.c) ---- x (B, C, H, W)
// Patches as columns: (B, C*kh*kw, OH*OW), zero padding.
sc_tensor *sc_im2col(sc_ctx *ctx, sc_tensor *x, int kh, int kw, int stride, int pad);
sc_tensor *sc_col2im(sc_ctx *ctx, sc_tensor *cols, int64_t C, int64_t H, int64_t W, int kh, int kw,
                     int stride, int pad);
sc_tensor *sc_conv2d(sc_ctx *ctx, sc_tensor *x, sc_tensor *w, sc_tensor *b, int stride, int pad);  // w (O, C, kh, kw)
sc_tensor *sc_avg_pool2d(sc_ctx *ctx, sc_tensor *x, int k, int stride);
sc_tensor *sc_max_pool2d(sc_ctx *ctx, sc_tensor *x, int k, int stride);

// ---- the SGD step as one op (ops/update.c), for functional steps ----
// θ - lr (f g + wd θ); g shaped like θ; f a one-value clip factor or NULL (1).
sc_tensor *sc_sgd_step(sc_ctx *ctx, sc_tensor *theta, sc_tensor *g, sc_tensor *f, double lr, double wd);

#endif
