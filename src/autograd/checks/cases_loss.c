// Gradcheck cases for ops/loss.c (see autograd/gradcheck.h).
#include "autograd/gradcheck.h"
#include "ops/ops.h"

#define SHAPE(...) ((const int64_t[]){__VA_ARGS__})
#define U(nd, shp, lo, hi, gap) sc_gc_uniform(s, r, nd, SHAPE shp, lo, hi, gap)
#define MAKE(name, body) static void name(sc_arena *s, sc_rng *r, sc_tensor **x) { body; }
#define FN(name, expr) static sc_tensor *name(sc_ctx *ctx, sc_tensor **x) { return expr; }

MAKE(mk_ce, x[0] = U(2, (4, 3), -2, 2, 0); x[1] = sc_gc_labels(s, r, 1, SHAPE(4), 3))
// Soft targets need not be normalized for the check: the loss is smooth in both.
MAKE(mk_soft, x[0] = U(2, (3, 4), -2, 2, 0); x[1] = U(2, (3, 4), 0.05, 0.6, 0))
MAKE(mk_mse, x[0] = U(2, (3, 4), -2, 2, 0); x[1] = U(2, (3, 4), -2, 2, 0))
// Inside (eps, 1 - eps), well away from the clip points.
MAKE(mk_kl, x[0] = U(3, (2, 2, 4), 0.05, 0.9, 0); x[1] = U(3, (2, 2, 4), 0.05, 0.9, 0))
MAKE(mk_kl_logits, x[0] = U(2, (3, 4), -2, 2, 0); x[1] = U(2, (3, 4), -2, 2, 0))

FN(f_ce, sc_cross_entropy(ctx, x[0], x[1]))
FN(f_ce_soft, sc_cross_entropy_soft(ctx, x[0], x[1]))
FN(f_mse, sc_mse(ctx, x[0], x[1]))
FN(f_kl, sc_kl_div(ctx, x[0], x[1], 1e-3))
// The way simulatability training uses it: distributions from teacher and student scores.
FN(f_kl_softmax, sc_kl_div(ctx, sc_softmax(ctx, x[0], -1), sc_softmax(ctx, x[1], -1), 1e-6))

const sc_gc_case sc_gc_cases_loss[] = {
    {"cross_entropy", 1, 1, mk_ce, f_ce},
    {"cross_entropy_soft", 2, 0, mk_soft, f_ce_soft},
    {"mse", 2, 0, mk_mse, f_mse},
    {"kl_div", 2, 0, mk_kl, f_kl},
    {"kl_div_softmax", 2, 0, mk_kl_logits, f_kl_softmax},
    {NULL, 0, 0, NULL, NULL},
};
