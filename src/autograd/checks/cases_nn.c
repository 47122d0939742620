// Gradcheck cases for ops/nn.c, ops/layernorm.c, ops/attention.c (see autograd/gradcheck.h).
//
// layernorm_grad, layernorm_gamma_grad and softmax_grad (what the create_graph
// rules of layernorm and softmax record) are checked on their own.
// softmax, log_softmax and layernorm (and cross_entropy in cases_loss.c) have two
// backward paths. Order 1 here exercises the fused kernel (the final sc_grad runs
// without create_graph); orders 2 and 3 differentiate the op-based rule, but only
// for consistency with itself. That the op-based rule equals the (checked) fused
// kernel is shown by tests/test_nn_ops.c (the *_fused_backward_matches_rule tests):
// together the two prove the rule right to third order.
#include "autograd/gradcheck.h"
#include "ops/ops.h"

#define SHAPE(...) ((const int64_t[]){__VA_ARGS__})
#define U(nd, shp, lo, hi, gap) sc_gc_uniform(s, r, nd, SHAPE shp, lo, hi, gap)
#define MAKE(name, body) static void name(sc_arena *s, sc_rng *r, sc_tensor **x) { body; }
#define FN(name, expr) static sc_tensor *name(sc_ctx *ctx, sc_tensor **x) { return expr; }

MAKE(mk_mat, x[0] = U(2, (3, 4), -2, 2, 0))
MAKE(mk_3d, x[0] = U(3, (2, 3, 4), -2, 2, 0))
MAKE(mk_ln, x[0] = U(2, (3, 5), -2, 2, 0); x[1] = U(1, (5), 0.5, 1.5, 0); x[2] = U(1, (5), -1, 1, 0))
MAKE(mk_ln3, x[0] = U(3, (2, 2, 4), -2, 2, 0))
MAKE(mk_lng, x[0] = U(2, (3, 5), -2, 2, 0); x[1] = U(2, (3, 5), -1, 1, 0); x[2] = U(1, (5), 0.5, 1.5, 0))
MAKE(mk_linear, x[0] = U(3, (2, 3, 4), -1, 1, 0); x[1] = U(2, (4, 3), -1, 1, 0); x[2] = U(1, (3), -1, 1, 0))
MAKE(mk_linear_vec, x[0] = U(1, (4), -1, 1, 0); x[1] = U(2, (4, 3), -1, 1, 0); x[2] = U(1, (3), -1, 1, 0))
MAKE(mk_linear_wt, x[0] = U(3, (2, 3, 4), -1, 1, 0); x[1] = U(2, (3, 4), -1, 1, 0); x[2] = U(1, (3), -1, 1, 0))
MAKE(mk_sg, x[0] = U(2, (3, 4), -2, 2, 0); x[1] = U(2, (3, 4), -1, 1, 0))
MAKE(mk_l2, x[0] = U(2, (3, 4), -2, 2, 0.3))

// q, k, v (B=2, H=2, T=3, D=2); mask (2, 1, 1, 3) keeps keys {0, 1, 2} and {0, 2}.
static void mk_attn(sc_arena *s, sc_rng *r, sc_tensor **x) {
    for (int i = 0; i < 3; i++) x[i] = U(4, (2, 2, 3, 2), -1, 1, 0);
    x[3] = sc_empty_in(s, SC_F64, 4, SHAPE(2, 1, 1, 3));
    if (!x[3]) return;
    const double keep[6] = {1, 1, 1, 1, 0, 1};
    for (int i = 0; i < 6; i++) ((double *)x[3]->data)[i] = keep[i];
}

FN(f_softmax_last, sc_softmax(ctx, x[0], -1))
FN(f_softmax_0, sc_softmax(ctx, x[0], 0))
FN(f_softmax_mid, sc_softmax(ctx, x[0], 1))
// y a softmax output (positive, rows summing to 1), as the rule sees it.
FN(f_softmax_grad, sc_softmax_grad(ctx, sc_softmax(ctx, x[0], -1), x[1], -1))
FN(f_softmax_grad_0, sc_softmax_grad(ctx, sc_softmax(ctx, x[0], 0), x[1], 0))
FN(f_log_softmax, sc_log_softmax(ctx, x[0], -1))
FN(f_log_softmax_0, sc_log_softmax(ctx, x[0], 0))
FN(f_layernorm, sc_layernorm(ctx, x[0], x[1], x[2], 1e-5))
FN(f_layernorm_plain, sc_layernorm(ctx, x[0], NULL, NULL, 1e-3))
FN(f_layernorm_grad, sc_layernorm_grad(ctx, x[0], x[1], x[2], 1e-5))
FN(f_layernorm_gamma_grad, sc_layernorm_gamma_grad(ctx, x[0], x[1], 1e-5))
FN(f_layernorm_grad_plain, sc_layernorm_grad(ctx, x[0], x[1], NULL, 1e-3))
FN(f_linear, sc_linear(ctx, x[0], x[1], x[2]))
// tanh on top: linear is linear in each input, so its higher orders need one.
FN(f_linear_vec, sc_tanh(ctx, sc_linear(ctx, x[0], x[1], x[2])))
FN(f_linear_wt, sc_tanh(ctx, sc_linear(ctx, x[0], sc_transpose(ctx, x[1], 0, 1), x[2])))
FN(f_l2_norm, sc_l2_norm(ctx, x[0], -1, 0))
FN(f_l2_norm_keep, sc_l2_norm(ctx, x[0], 0, 1))
FN(f_attention, sc_attention(ctx, x[0], x[1], x[2], x[3], 0.7, NULL))

// gradcheck evaluates the function many times: reseeding makes every evaluation
// draw the same mask. Dropout is linear in x, so a tanh on top keeps the second
// and third orders non-trivial.
static sc_tensor *f_dropout(sc_ctx *ctx, sc_tensor **x) {
    sc_rng_seed(&ctx->rng, 20221122);
    return sc_tanh(ctx, sc_dropout(ctx, x[0], 0.4, 1));
}

// The masked logits are an output too (explainers differentiate through them).
static sc_tensor *f_attention_logits(sc_ctx *ctx, sc_tensor **x) {
    sc_tensor *logits = NULL;
    sc_tensor *out = sc_attention(ctx, x[0], x[1], x[2], x[3], 0.7, &logits);
    // Masked entries are the constant -1e9: keep them out of the checked sum.
    return out ? sc_tanh(ctx, sc_mul(ctx, logits, x[3])) : NULL;
}

const sc_gc_case sc_gc_cases_nn[] = {
    {"softmax", 1, 0, mk_mat, f_softmax_last},
    {"softmax_axis0", 1, 0, mk_mat, f_softmax_0},
    {"softmax_axis1_3d", 1, 0, mk_3d, f_softmax_mid},
    {"softmax_grad", 2, 0, mk_sg, f_softmax_grad},
    {"softmax_grad_axis0", 2, 0, mk_sg, f_softmax_grad_0},
    {"log_softmax", 1, 0, mk_mat, f_log_softmax},
    {"log_softmax_axis0", 1, 0, mk_mat, f_log_softmax_0},
    {"layernorm", 3, 0, mk_ln, f_layernorm},
    {"layernorm_no_affine", 1, 0, mk_ln3, f_layernorm_plain},
    {"layernorm_grad", 3, 0, mk_lng, f_layernorm_grad},
    {"layernorm_grad_no_gamma", 2, 0, mk_lng, f_layernorm_grad_plain},
    {"layernorm_gamma_grad", 2, 0, mk_lng, f_layernorm_gamma_grad},
    {"dropout", 1, 0, mk_mat, f_dropout},
    {"linear", 3, 0, mk_linear, f_linear},
    {"linear_vector", 3, 0, mk_linear_vec, f_linear_vec},
    {"linear_transposed_weight", 3, 0, mk_linear_wt, f_linear_wt},
    {"l2_norm", 1, 0, mk_l2, f_l2_norm},
    {"l2_norm_keepdim", 1, 0, mk_l2, f_l2_norm_keep},
    {"attention", 3, 1, mk_attn, f_attention},
    {"attention_logits", 3, 1, mk_attn, f_attention_logits},
    {NULL, 0, 0, NULL, NULL},
};
