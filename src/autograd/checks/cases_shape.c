// Gradcheck cases for ops/shape.c and ops/index.c.
#include "autograd/gradcheck.h"
#include "ops/ops.h"

#define SHAPE(...) ((const int64_t[]){__VA_ARGS__})
#define U(nd, shp) sc_gc_uniform(s, r, nd, SHAPE shp, -2, 2, 0)
#define MAKE(name, body) static void name(sc_arena *s, sc_rng *r, sc_tensor **x) { body; }
#define FN(name, expr) static sc_tensor *name(sc_ctx *ctx, sc_tensor **x) { return expr; }

MAKE(mk_3d, x[0] = U(3, (2, 3, 4)))
MAKE(mk_two, x[0] = U(2, (2, 3)); x[1] = U(2, (4, 3)))
MAKE(mk_emb, x[0] = U(2, (5, 3)); x[1] = sc_gc_labels(s, r, 2, SHAPE(2, 3), 5))
MAKE(mk_scat, x[0] = U(3, (2, 3, 4)); x[1] = sc_gc_labels(s, r, 2, SHAPE(2, 3), 4))

static const int perm120[3] = {1, 2, 0};
// Products with a fixed nonlinearity make higher-order checks see these views
// from more than one side (a linear op alone has zero second derivative).
FN(f_reshape, sc_reshape(ctx, x[0], 2, SHAPE(4, -1)))
FN(f_permute, sc_permute(ctx, x[0], perm120))
FN(f_transpose, sc_transpose(ctx, x[0], 0, 2))
FN(f_slice, sc_slice(ctx, x[0], 2, 1, 3))
FN(f_unslice, sc_unslice(ctx, x[0], 1, 2, 6))
FN(f_contig, sc_contiguous(ctx, sc_transpose(ctx, x[0], 1, 2)))
FN(f_concat, sc_concat(ctx, x, 2, 0))
static sc_tensor *f_stack(sc_ctx *ctx, sc_tensor **x) {
    sc_tensor *parts[2] = {x[0], sc_slice(ctx, x[1], 0, 1, 3)};
    return sc_stack(ctx, parts, 2, 1);
}
FN(f_unsqueeze, sc_squeeze(ctx, sc_unsqueeze(ctx, x[0], 1), 1))
FN(f_view_chain, sc_mul(ctx, sc_reshape(ctx, sc_transpose(ctx, x[0], 0, 1), 2, SHAPE(3, 8)),
                        sc_reshape(ctx, sc_transpose(ctx, x[0], 0, 1), 2, SHAPE(3, 8))))
FN(f_gather, sc_gather_rows(ctx, x[0], x[1]))
FN(f_scatter, sc_scatter_add_rows(ctx, x[0], x[1], 4))
FN(f_gather_sq, sc_mul(ctx, sc_gather_rows(ctx, x[0], x[1]), sc_gather_rows(ctx, x[0], x[1])))

const sc_gc_case sc_gc_cases_shape[] = {
    {"reshape", 1, 0, mk_3d, f_reshape},
    {"permute", 1, 0, mk_3d, f_permute},
    {"transpose", 1, 0, mk_3d, f_transpose},
    {"slice", 1, 0, mk_3d, f_slice},
    {"unslice", 1, 0, mk_3d, f_unslice},
    {"contiguous", 1, 0, mk_3d, f_contig},
    {"concat", 2, 0, mk_two, f_concat},
    {"stack", 2, 0, mk_two, f_stack},
    {"unsqueeze_squeeze", 1, 0, mk_3d, f_unsqueeze},
    {"view_chain", 1, 0, mk_3d, f_view_chain},
    {"gather_rows", 1, 1, mk_emb, f_gather},
    {"gather_rows_squared", 1, 1, mk_emb, f_gather_sq},
    {"scatter_add_rows", 1, 1, mk_scat, f_scatter},
    {NULL, 0, 0, NULL, NULL},
};
