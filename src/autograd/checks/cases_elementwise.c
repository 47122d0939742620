// Gradcheck cases for ops/elementwise.c, unary.c, reduce.c, matmul.c.
#include "autograd/gradcheck.h"
#include "ops/ops.h"

#define SHAPE(...) ((const int64_t[]){__VA_ARGS__})
#define U(nd, shp, lo, hi, gap) sc_gc_uniform(s, r, nd, SHAPE shp, lo, hi, gap)
#define MAKE(name, body) static void name(sc_arena *s, sc_rng *r, sc_tensor **x) { body; }
#define FN(name, expr) static sc_tensor *name(sc_ctx *ctx, sc_tensor **x) { return expr; }

MAKE(mk_pair_bcast, x[0] = U(2, (3, 4), -2, 2, 0); x[1] = U(2, (1, 4), -2, 2, 0))
MAKE(mk_pair_div, x[0] = U(2, (3, 4), -2, 2, 0); x[1] = U(1, (4), 0.5, 2, 0))
MAKE(mk_one, x[0] = U(2, (3, 4), -2, 2, 0))
MAKE(mk_pos, x[0] = U(2, (3, 4), 0.3, 2.5, 0))
MAKE(mk_gap, x[0] = U(2, (3, 4), -2, 2, 0.2))
MAKE(mk_3d, x[0] = U(3, (2, 3, 4), -2, 2, 0))
MAKE(mk_where, x[0] = U(2, (3, 4), -2, 2, 0); x[1] = U(1, (4), -2, 2, 0); x[2] = U(2, (3, 4), -1, 1, 0.3))
MAKE(mk_mask, x[0] = U(2, (3, 4), -2, 2, 0); x[1] = U(2, (1, 4), -1, 1, 0.3))
MAKE(mk_same2, x[0] = U(2, (3, 4), -2, 2, 0); x[1] = U(2, (3, 4), -1, 1, 0))
MAKE(mk_step, x[0] = U(2, (3, 4), -2, 2, 0); x[1] = U(2, (3, 4), -1, 1, 0); x[2] = U(0, (1), 0.5, 1.5, 0))
MAKE(mk_mm, x[0] = U(2, (3, 4), -1, 1, 0); x[1] = U(2, (4, 2), -1, 1, 0))
MAKE(mk_bmm, x[0] = U(3, (2, 3, 4), -1, 1, 0); x[1] = U(3, (2, 4, 3), -1, 1, 0))
MAKE(mk_mm3x2, x[0] = U(3, (2, 3, 4), -1, 1, 0); x[1] = U(2, (4, 2), -1, 1, 0))
MAKE(mk_row, x[0] = U(2, (1, 4), -2, 2, 0))

FN(f_add, sc_add(ctx, x[0], x[1]))
FN(f_sub, sc_sub(ctx, x[0], x[1]))
FN(f_mul, sc_mul(ctx, x[0], x[1]))
FN(f_div, sc_div(ctx, x[0], x[1]))
FN(f_neg, sc_neg(ctx, x[0]))
FN(f_adds, sc_add_scalar(ctx, x[0], 0.7))
FN(f_muls, sc_mul_scalar(ctx, x[0], -1.3))
FN(f_rsubs, sc_rsub_scalar(ctx, x[0], 2.0))
FN(f_pows, sc_pow_scalar(ctx, x[0], 2.5))
FN(f_exp, sc_exp(ctx, x[0]))
FN(f_log, sc_log(ctx, x[0]))
FN(f_sqrt, sc_sqrt(ctx, x[0]))
FN(f_rsqrt, sc_rsqrt(ctx, x[0]))
FN(f_abs, sc_abs(ctx, x[0]))
FN(f_tanh, sc_tanh(ctx, x[0]))
FN(f_sigmoid, sc_sigmoid(ctx, x[0]))
FN(f_relu, sc_relu(ctx, x[0]))
FN(f_gelu, sc_gelu(ctx, x[0]))
FN(f_gelu_grad, sc_gelu_grad(ctx, x[0]))
FN(f_gelu_backward, sc_gelu_backward(ctx, x[0], x[1]))
// sgd_step is linear in theta and g: a tanh on top keeps the higher orders non-trivial.
FN(f_sgd_step, sc_tanh(ctx, sc_sgd_step(ctx, x[0], x[1], x[2], 0.7, 0.3)))
FN(f_sgd_step_plain, sc_tanh(ctx, sc_sgd_step(ctx, x[0], x[1], NULL, 0.7, 0.0)))
FN(f_clamp, sc_clamp(ctx, x[0], -1.0, 1.0))
// A smooth function of the piecewise ops' output keeps higher orders non-trivial.
FN(f_where, sc_where(ctx, x[2], x[0], x[1]))
FN(f_masked_fill, sc_masked_fill(ctx, x[0], x[1], -3.0))
FN(f_sum, sc_sum(ctx, x[0], 1, 0))
FN(f_sum_keep, sc_sum(ctx, x[0], 0, 1))
FN(f_sum_all, sc_sum_all(ctx, x[0]))
FN(f_mean, sc_mean(ctx, x[0], -1, 0))
FN(f_max, sc_max(ctx, x[0], -1, 1))
FN(f_lse, sc_logsumexp(ctx, x[0], 1, 0))
FN(f_expand, sc_expand(ctx, x[0], 3, SHAPE(2, 3, 4)))
FN(f_sum_to, sc_sum_to(ctx, x[0], 2, SHAPE(1, 4)))
FN(f_mm, sc_matmul(ctx, x[0], x[1]))
FN(f_mm_t, sc_matmul(ctx, sc_transpose(ctx, x[1], 0, 1), sc_transpose(ctx, x[0], 0, 1)))

const sc_gc_case sc_gc_cases_elementwise[] = {
    {"add", 2, 0, mk_pair_bcast, f_add},
    {"sub", 2, 0, mk_pair_bcast, f_sub},
    {"mul", 2, 0, mk_pair_bcast, f_mul},
    {"div", 2, 0, mk_pair_div, f_div},
    {"neg", 1, 0, mk_one, f_neg},
    {"add_scalar", 1, 0, mk_one, f_adds},
    {"mul_scalar", 1, 0, mk_one, f_muls},
    {"rsub_scalar", 1, 0, mk_one, f_rsubs},
    {"pow_scalar", 1, 0, mk_pos, f_pows},
    {"exp", 1, 0, mk_one, f_exp},
    {"log", 1, 0, mk_pos, f_log},
    {"sqrt", 1, 0, mk_pos, f_sqrt},
    {"rsqrt", 1, 0, mk_pos, f_rsqrt},
    {"abs", 1, 0, mk_gap, f_abs},
    {"tanh", 1, 0, mk_one, f_tanh},
    {"sigmoid", 1, 0, mk_one, f_sigmoid},
    {"relu", 1, 0, mk_gap, f_relu},
    {"gelu", 1, 0, mk_one, f_gelu},
    {"gelu_grad", 1, 0, mk_one, f_gelu_grad},
    {"gelu_backward", 2, 0, mk_same2, f_gelu_backward},
    {"sgd_step", 3, 0, mk_step, f_sgd_step},
    {"sgd_step_no_clip", 2, 0, mk_step, f_sgd_step_plain},
    {"clamp", 1, 0, mk_gap, f_clamp},
    {"where", 2, 1, mk_where, f_where},
    {"masked_fill", 1, 1, mk_mask, f_masked_fill},
    {"sum", 1, 0, mk_one, f_sum},
    {"sum_keepdim", 1, 0, mk_one, f_sum_keep},
    {"sum_all", 1, 0, mk_3d, f_sum_all},
    {"mean", 1, 0, mk_one, f_mean},
    {"max", 1, 0, mk_one, f_max},
    {"logsumexp", 1, 0, mk_one, f_lse},
    {"expand", 1, 0, mk_row, f_expand},
    {"sum_to", 1, 0, mk_3d, f_sum_to},
    {"matmul", 2, 0, mk_mm, f_mm},
    {"matmul_transposed", 2, 0, mk_mm, f_mm_t},
    {"matmul_batched", 2, 0, mk_bmm, f_mm},
    {"matmul_shared_weight", 2, 0, mk_mm3x2, f_mm},
    {NULL, 0, 0, NULL, NULL},
};
