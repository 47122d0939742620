// Gradcheck cases for ops/sparse.c (see autograd/gradcheck.h).
//
// Both normalizers are smooth only away from the support boundary, where an
// entry's score crosses the threshold. Inputs are redrawn until every entry is
// at least MARGIN from the threshold (on the scale of the map: z - tau for
// sparsemax, z/2 - tau for entmax-1.5) and every row keeps at least two and
// drops at least one unit: the finite-difference steps (1e-6) never change the
// support, and the rules are exercised on a real, partial support.
#include <math.h>

#include "autograd/gradcheck.h"
#include "kernels/sparse.h"
#include "ops/ops.h"

#define SHAPE(...) ((const int64_t[]){__VA_ARGS__})
#define MARGIN 0.08
#define MAXN 16

static int row_ok(const double *z, int64_t n, int entmax) {
    double scratch[MAXN];
    int64_t k;
    double tau = entmax ? sc_k_entmax15_tau(z, n, scratch, &k) : sc_k_sparsemax_tau(z, n, scratch, &k);
    if (k < 2 || k == n) return 0;
    for (int64_t i = 0; i < n; i++)
        if (fabs((entmax ? 0.5 * z[i] : z[i]) - tau) < MARGIN) return 0;
    return 1;
}

// A (rows, n) leaf whose rows pass row_ok; scores uniform in [-scale, scale).
static sc_tensor *clear_rows(sc_arena *s, sc_rng *r, int64_t rows, int64_t n, double scale, int entmax) {
    sc_tensor *t = sc_empty_in(s, SC_F64, 2, SHAPE(rows, n));
    if (!t) return NULL;
    double *p = t->data;
    for (int64_t i = 0; i < rows; i++) {
        double *z = p + i * n;
        do
            for (int64_t j = 0; j < n; j++) z[j] = scale * (2 * sc_rng_uniform(r) - 1);
        while (!row_ok(z, n, entmax));
    }
    return t;
}

static void mk_sparsemax(sc_arena *s, sc_rng *r, sc_tensor **x) { x[0] = clear_rows(s, r, 3, 6, 1.0, 0); }
static void mk_entmax(sc_arena *s, sc_rng *r, sc_tensor **x) { x[0] = clear_rows(s, r, 3, 6, 2.0, 1); }

// Rows of 7 whose last column is masked (set to -1e9 before the normalizer); the
// unmasked first 6 columns are drawn as above. The mask is a constant input.
static void mk_masked(sc_arena *s, sc_rng *r, sc_tensor **x, int entmax) {
    sc_tensor *body = clear_rows(s, r, 3, 6, entmax ? 2.0 : 1.0, entmax);
    x[0] = sc_empty_in(s, SC_F64, 2, SHAPE(3, 7));
    x[1] = sc_empty_in(s, SC_F64, 2, SHAPE(1, 7));
    if (!body || !x[0] || !x[1]) return;
    double *xv = x[0]->data, *bv = body->data, *mv = x[1]->data;
    for (int i = 0; i < 3; i++) {
        for (int j = 0; j < 6; j++) xv[i * 7 + j] = bv[i * 6 + j];
        xv[i * 7 + 6] = 0.5 * (2 * sc_rng_uniform(r) - 1);  // a value that would be kept if unmasked
    }
    for (int j = 0; j < 7; j++) mv[j] = j == 6;
}
static void mk_sparsemax_masked(sc_arena *s, sc_rng *r, sc_tensor **x) { mk_masked(s, r, x, 0); }
static void mk_entmax_masked(sc_arena *s, sc_rng *r, sc_tensor **x) { mk_masked(s, r, x, 1); }

static sc_tensor *f_sparsemax(sc_ctx *ctx, sc_tensor **x) { return sc_sparsemax(ctx, x[0]); }
static sc_tensor *f_entmax(sc_ctx *ctx, sc_tensor **x) { return sc_entmax15(ctx, x[0]); }
// Sparsemax is piecewise linear; squaring its output makes the second and third
// orders exercise its rule inside a non-zero Hessian.
static sc_tensor *f_sparsemax_sq(sc_ctx *ctx, sc_tensor **x) {
    sc_tensor *p = sc_sparsemax(ctx, x[0]);
    return sc_mul(ctx, p, p);
}
// The rule on a transposed (non-contiguous) input: normalizes over axis 0 of x.
static sc_tensor *f_entmax_t(sc_ctx *ctx, sc_tensor **x) { return sc_entmax15(ctx, sc_transpose(ctx, x[0], 0, 1)); }
static void mk_entmax_t(sc_arena *s, sc_rng *r, sc_tensor **x) {
    sc_tensor *t = clear_rows(s, r, 3, 6, 2.0, 1);  // rows of the transposed view
    x[0] = sc_empty_in(s, SC_F64, 2, SHAPE(6, 3));
    if (!t || !x[0]) return;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 6; j++) ((double *)x[0]->data)[j * 3 + i] = ((double *)t->data)[i * 6 + j];
}
static sc_tensor *f_sparsemax_masked(sc_ctx *ctx, sc_tensor **x) {
    return sc_sparsemax(ctx, sc_masked_fill(ctx, x[0], x[1], -1e9));
}
static sc_tensor *f_entmax_masked(sc_ctx *ctx, sc_tensor **x) {
    return sc_entmax15(ctx, sc_masked_fill(ctx, x[0], x[1], -1e9));
}

const sc_gc_case sc_gc_cases_sparse[] = {
    {"sparsemax", 1, 0, mk_sparsemax, f_sparsemax},
    {"sparsemax_squared", 1, 0, mk_sparsemax, f_sparsemax_sq},
    {"sparsemax_masked", 1, 1, mk_sparsemax_masked, f_sparsemax_masked},
    {"entmax15", 1, 0, mk_entmax, f_entmax},
    {"entmax15_transposed", 1, 0, mk_entmax_t, f_entmax_t},
    {"entmax15_masked", 1, 1, mk_entmax_masked, f_entmax_masked},
    {NULL, 0, 0, NULL, NULL},
};
