// elementwise.c — binary ops with NumPy broadcasting (add, sub, mul, div), where,
// masked_fill. The output is contiguous; inputs may be any strided view (an
// expanded input has stride 0, so broadcasting costs no copy).
#include <string.h>

#include "kernels/parallel.h"
#include "ops/op_util.h"

typedef enum { BIN_ADD, BIN_SUB, BIN_MUL, BIN_DIV } bin_kind;

// Walks output rows [row_lo, row_hi) in row-major order (a row: the innermost
// dimension); each row is a tight loop with a fast path for the common stride
// patterns (both unit, one broadcast). Rows are independent, so sc_parallel_rows
// may hand them to different threads.
#define BINARY_KERNEL(T, SUFFIX)                                                                     \
    static void binary_##SUFFIX(bin_kind kind, T *o, const T *pa, const T *pb, int ndim,               \
                                const int64_t *shape, const int64_t *sa, const int64_t *sb,            \
                                int64_t row_lo, int64_t row_hi) {                                      \
        int64_t inner = ndim ? shape[ndim - 1] : 1;                                                    \
        int64_t ia = ndim ? sa[ndim - 1] : 0, ib = ndim ? sb[ndim - 1] : 0;                            \
        int64_t idx[SC_MAX_DIMS] = {0}, offa = 0, offb = 0, rest = row_lo;                             \
        for (int d = ndim - 2; d >= 0; d--) { /* the odometer's position at row_lo */                  \
            idx[d] = rest % shape[d];                                                                  \
            rest /= shape[d];                                                                          \
            offa += idx[d] * sa[d];                                                                    \
            offb += idx[d] * sb[d];                                                                    \
        }                                                                                              \
        for (int64_t r = row_lo; r < row_hi; r++) {                                                    \
            const T *xa = pa + offa, *xb = pb + offb;                                                  \
            T *xo = o + r * inner;                                                                     \
            switch (kind) {                                                                            \
            case BIN_ADD: BINARY_LOOP(T, x + y); break;                                                \
            case BIN_SUB: BINARY_LOOP(T, x - y); break;                                                \
            case BIN_MUL: BINARY_LOOP(T, x * y); break;                                                \
            case BIN_DIV: BINARY_LOOP(T, x / y); break;                                                \
            }                                                                                          \
            for (int d = ndim - 2; d >= 0; d--) { /* odometer over the outer dims */                   \
                idx[d]++;                                                                              \
                offa += sa[d];                                                                         \
                offb += sb[d];                                                                         \
                if (idx[d] < shape[d]) break;                                                          \
                offa -= sa[d] * shape[d];                                                              \
                offb -= sb[d] * shape[d];                                                              \
                idx[d] = 0;                                                                            \
            }                                                                                          \
        }                                                                                              \
    }

#define BINARY_LOOP(T, EXPR)                                                                           \
    do {                                                                                               \
        if (ia == 1 && ib == 1) {                                                                      \
            for (int64_t j = 0; j < inner; j++) { T x = xa[j], y = xb[j]; xo[j] = EXPR; }              \
        } else if (ia == 1 && ib == 0) {                                                               \
            T y = xb[0];                                                                               \
            for (int64_t j = 0; j < inner; j++) { T x = xa[j]; xo[j] = EXPR; }                         \
        } else if (ia == 0 && ib == 1) {                                                               \
            T x = xa[0];                                                                               \
            for (int64_t j = 0; j < inner; j++) { T y = xb[j]; xo[j] = EXPR; }                         \
        } else {                                                                                       \
            for (int64_t j = 0; j < inner; j++) { T x = xa[j * ia], y = xb[j * ib]; xo[j] = EXPR; }    \
        }                                                                                              \
    } while (0)

BINARY_KERNEL(float, f32)
BINARY_KERNEL(double, f64)

typedef struct {
    bin_kind kind;
    sc_dtype dtype;
    void *o;
    const void *pa, *pb;
    int ndim;
    const int64_t *shape, *sa, *sb;
} binary_job;

static void binary_range(void *p, int64_t lo, int64_t hi) {
    const binary_job *j = p;
    if (j->dtype == SC_F32)
        binary_f32(j->kind, j->o, j->pa, j->pb, j->ndim, j->shape, j->sa, j->sb, lo, hi);
    else
        binary_f64(j->kind, j->o, j->pa, j->pb, j->ndim, j->shape, j->sa, j->sb, lo, hi);
}

// The whole output as one row (the coalesced shape has one dimension):
// sc_parallel_for hands out element ranges [lo, hi) of it.
static void binary_flat_range(void *p, int64_t lo, int64_t hi) {
    const binary_job *j = p;
    int64_t n = hi - lo, ia = j->sa[0] * lo, ib = j->sb[0] * lo;
    if (j->dtype == SC_F32)
        binary_f32(j->kind, (float *)j->o + lo, (const float *)j->pa + ia, (const float *)j->pb + ib, 1, &n, j->sa,
                   j->sb, 0, 1);
    else
        binary_f64(j->kind, (double *)j->o + lo, (const double *)j->pa + ia, (const double *)j->pb + ib, 1, &n,
                   j->sa, j->sb, 0, 1);
}

// Merges neighbouring dimensions that both inputs walk as one (d and d + 1
// merge when stride[d] == stride[d + 1] * shape[d + 1] for each input, which
// holds for contiguous runs and for broadcast runs, stride 0), and drops
// dimensions of size 1. Same elements in the same order, fewer and longer rows:
// a bias added to (B, T, C) becomes B*T rows of C, two same-shape contiguous
// tensors one row. Returns the new ndim (0 for a scalar).
static int coalesce(int ndim, int64_t *shape, int64_t *sa, int64_t *sb) {
    int k = 0;
    for (int d = 0; d < ndim; d++) {
        if (shape[d] == 1) continue;
        if (k > 0 && sa[k - 1] == sa[d] * shape[d] && sb[k - 1] == sb[d] * shape[d]) {
            shape[k - 1] *= shape[d];
            sa[k - 1] = sa[d], sb[k - 1] = sb[d];
            continue;
        }
        shape[k] = shape[d], sa[k] = sa[d], sb[k] = sb[d];
        k++;
    }
    return k;
}

static const sc_op_def OP_ADD, OP_SUB, OP_MUL, OP_DIV;

static sc_tensor *binary(sc_ctx *ctx, bin_kind kind, const sc_op_def *def, sc_tensor *a, sc_tensor *b) {
    SC_GUARD2(ctx, a, b);
    if (sc_need_float(ctx, def->name, a) || sc_need_same_dtype(ctx, def->name, a, b)) return NULL;
    int ndim;
    int64_t shape[SC_MAX_DIMS], sa[SC_MAX_DIMS], sb[SC_MAX_DIMS];
    if (sc_broadcast_shapes(ctx, def->name, a, b, &ndim, shape)) return NULL;
    sc_tensor *out = sc_empty(ctx, a->dtype, ndim, shape);
    if (!out) return NULL;
    sc_broadcast_strides(a, ndim, shape, sa);
    sc_broadcast_strides(b, ndim, shape, sb);
    if (out->numel > 0) {
        // The kernel walks the coalesced shape (out is contiguous, so any
        // merge that holds for a and b holds for it too).
        int64_t cs[SC_MAX_DIMS], ca[SC_MAX_DIMS], cb[SC_MAX_DIMS];
        size_t bytes = (size_t)ndim * sizeof(int64_t);
        memcpy(cs, shape, bytes), memcpy(ca, sa, bytes), memcpy(cb, sb, bytes);
        int nc = coalesce(ndim, cs, ca, cb);
        if (nc == 0) cs[0] = 1, ca[0] = cb[0] = 0, nc = 1;  // a scalar: one row of one
        binary_job job = {kind, a->dtype, out->data, a->data, b->data, nc, cs, ca, cb};
        if (nc == 1) sc_parallel_for(cs[0], SC_PARALLEL_MIN_ELEMENTS, binary_flat_range, &job);
        else sc_parallel_rows(out->numel / cs[nc - 1], sc_parallel_min_rows(cs[nc - 1]), binary_range, &job);
    }
    sc_tensor *in[2] = {a, b};
    sc_record(ctx, def, out, 2, in);
    return out;
}

sc_tensor *sc_add(sc_ctx *ctx, sc_tensor *a, sc_tensor *b) { return binary(ctx, BIN_ADD, &OP_ADD, a, b); }
sc_tensor *sc_sub(sc_ctx *ctx, sc_tensor *a, sc_tensor *b) { return binary(ctx, BIN_SUB, &OP_SUB, a, b); }
sc_tensor *sc_mul(sc_ctx *ctx, sc_tensor *a, sc_tensor *b) { return binary(ctx, BIN_MUL, &OP_MUL, a, b); }
sc_tensor *sc_div(sc_ctx *ctx, sc_tensor *a, sc_tensor *b) { return binary(ctx, BIN_DIV, &OP_DIV, a, b); }

// Gradients of broadcast inputs are summed back to the input's shape.
static sc_tensor *to(sc_ctx *ctx, sc_tensor *g, const sc_tensor *like) {
    return sc_sum_to(ctx, g, like->ndim, like->shape);
}

static void add_rule(sc_ctx *ctx, const sc_node *n, sc_tensor *g, sc_tensor **gin, const int *need) {
    if (need[0]) gin[0] = to(ctx, g, n->in[0]);
    if (need[1]) gin[1] = to(ctx, g, n->in[1]);
}
static void sub_rule(sc_ctx *ctx, const sc_node *n, sc_tensor *g, sc_tensor **gin, const int *need) {
    if (need[0]) gin[0] = to(ctx, g, n->in[0]);
    if (need[1]) gin[1] = to(ctx, sc_neg(ctx, g), n->in[1]);
}
static void mul_rule(sc_ctx *ctx, const sc_node *n, sc_tensor *g, sc_tensor **gin, const int *need) {
    if (need[0]) gin[0] = to(ctx, sc_mul(ctx, g, n->in[1]), n->in[0]);
    if (need[1]) gin[1] = to(ctx, sc_mul(ctx, g, n->in[0]), n->in[1]);
}
// d(a/b)/da = 1/b;  d(a/b)/db = -a/b^2 = -out/b.
static void div_rule(sc_ctx *ctx, const sc_node *n, sc_tensor *g, sc_tensor **gin, const int *need) {
    if (need[0]) gin[0] = to(ctx, sc_div(ctx, g, n->in[1]), n->in[0]);
    if (need[1]) gin[1] = to(ctx, sc_neg(ctx, sc_mul(ctx, g, sc_div(ctx, n->out, n->in[1]))), n->in[1]);
}

static const sc_op_def OP_ADD = {"add", add_rule};
static const sc_op_def OP_SUB = {"sub", sub_rule};
static const sc_op_def OP_MUL = {"mul", mul_rule};
static const sc_op_def OP_DIV = {"div", div_rule};

// ---- where / masked_fill -------------------------------------------------------------
// The mask is turned into a 0/1 constant of the data dtype once, in the forward;
// the rules multiply by it, so they stay differentiable in g (a second-order
// check differentiates through them).

static sc_tensor *mask_as(sc_ctx *ctx, const char *op, sc_tensor *mask, sc_dtype dtype, int invert) {
    if (mask->dtype != SC_F32 && mask->dtype != SC_F64 && mask->dtype != SC_I32) {
        sc_fail(ctx, "%s: unsupported mask dtype", op);
        return NULL;
    }
    sc_tensor *m = sc_empty(ctx, dtype, mask->ndim, mask->shape);
    if (!m) return NULL;
    int fast = sc_tensor_is_contiguous(mask) && (dtype == SC_F32 || dtype == SC_F64);
    for (int64_t i = 0; i < m->numel; i++) {
        int on = !fast                    ? sc_tensor_get(mask, i) != 0.0
                 : mask->dtype == SC_F32 ? ((const float *)mask->data)[i] != 0.0f
                 : mask->dtype == SC_F64 ? ((const double *)mask->data)[i] != 0.0
                                         : ((const int32_t *)mask->data)[i] != 0;
        on = invert ? !on : on;
        if (!fast) sc_tensor_set(m, i, (double)on);
        else if (dtype == SC_F32) ((float *)m->data)[i] = (float)on;
        else ((double *)m->data)[i] = (double)on;
    }
    return m;
}

static const sc_op_def OP_WHERE, OP_MASKED_FILL;

// Contiguous copy of t broadcast to (ndim, shape), without recording.
static sc_tensor *broadcast_copy(sc_ctx *ctx, sc_tensor *t, int ndim, const int64_t *shape) {
    return sc_add(ctx, sc_zeros(ctx, t->dtype, ndim, shape), t);
}

// out[i] = pick[i] != 0 ? alt[i] : out[i], all contiguous with out's shape. Selecting
// (not multiplying by 0/1) keeps inf/nan in the unselected branch out of the result.
static void select_into(sc_tensor *out, const sc_tensor *pick, const sc_tensor *alt, double value) {
    for (int64_t i = 0; i < out->numel; i++) {
        int on = out->dtype == SC_F32 ? ((const float *)pick->data)[i] != 0.0f : ((const double *)pick->data)[i] != 0.0;
        if (!on) continue;
        double v = alt ? (out->dtype == SC_F32 ? ((const float *)alt->data)[i] : ((const double *)alt->data)[i]) : value;
        if (out->dtype == SC_F32) ((float *)out->data)[i] = (float)v;
        else ((double *)out->data)[i] = v;
    }
}

// The forward both masked ops share, for x broadcast to (nd, shape) with some
// entries replaced: the 0/1 masks in x's dtype, *keep where x stays and *repl
// where it is replaced (replaced where the mask is set, or where it is not:
// repl_where_set), which the rules multiply g by; then, unrecorded, the output
// buffer holding x and *repl_b, repl broadcast alongside it for select_into.
static sc_tensor *masked_out(sc_ctx *ctx, const char *op, sc_tensor *mask, int repl_where_set, sc_tensor *x, int nd,
                             const int64_t *shape, sc_tensor **keep, sc_tensor **repl, sc_tensor **repl_b) {
    *keep = mask_as(ctx, op, mask, x->dtype, repl_where_set);
    *repl = mask_as(ctx, op, mask, x->dtype, !repl_where_set);
    if (!*keep || !*repl) return NULL;
    sc_no_grad_begin(ctx);
    sc_tensor *out = broadcast_copy(ctx, x, nd, shape);
    *repl_b = broadcast_copy(ctx, *repl, nd, shape);
    sc_no_grad_end(ctx);
    return out && *repl_b ? out : NULL;
}

sc_tensor *sc_where(sc_ctx *ctx, sc_tensor *mask, sc_tensor *a, sc_tensor *b) {
    SC_GUARD3(ctx, mask, a, b);
    if (sc_need_float(ctx, "where", a) || sc_need_same_dtype(ctx, "where", a, b)) return NULL;
    int nd1, nd;
    int64_t s1[SC_MAX_DIMS], shape[SC_MAX_DIMS];
    if (sc_broadcast_shapes(ctx, "where", a, b, &nd1, s1)) return NULL;
    sc_tensor tmp = {.ndim = nd1};
    memcpy(tmp.shape, s1, sizeof s1);
    if (sc_broadcast_shapes(ctx, "where", &tmp, mask, &nd, shape)) return NULL;
    sc_tensor *on, *off, *offb;  // a where the mask is set, b where it is not
    sc_tensor *out = masked_out(ctx, "where", mask, 0, a, nd, shape, &on, &off, &offb);
    if (!out) return NULL;
    sc_no_grad_begin(ctx);
    sc_tensor *bb = broadcast_copy(ctx, b, nd, shape);
    sc_no_grad_end(ctx);
    if (!bb) return NULL;
    select_into(out, offb, bb, 0.0);
    sc_tensor *in[2] = {a, b};
    sc_node *n = sc_record(ctx, &OP_WHERE, out, 2, in);
    if (n) n->saved[0] = on, n->saved[1] = off;
    return out;
}

static void where_rule(sc_ctx *ctx, const sc_node *n, sc_tensor *g, sc_tensor **gin, const int *need) {
    if (need[0]) gin[0] = to(ctx, sc_mul(ctx, g, n->saved[0]), n->in[0]);
    if (need[1]) gin[1] = to(ctx, sc_mul(ctx, g, n->saved[1]), n->in[1]);
}

sc_tensor *sc_masked_fill(sc_ctx *ctx, sc_tensor *x, sc_tensor *mask, double value) {
    SC_GUARD2(ctx, x, mask);
    if (sc_need_float(ctx, "masked_fill", x)) return NULL;
    int ndim;
    int64_t shape[SC_MAX_DIMS];
    if (sc_broadcast_shapes(ctx, "masked_fill", x, mask, &ndim, shape)) return NULL;
    sc_tensor *keep, *fill, *fillb;  // value where the mask is set
    sc_tensor *out = masked_out(ctx, "masked_fill", mask, 1, x, ndim, shape, &keep, &fill, &fillb);
    if (!out) return NULL;
    select_into(out, fillb, NULL, value);
    sc_tensor *in[1] = {x};
    sc_node *n = sc_record(ctx, &OP_MASKED_FILL, out, 1, in);
    if (n) n->saved[0] = keep;
    return out;
}

static void masked_fill_rule(sc_ctx *ctx, const sc_node *n, sc_tensor *g, sc_tensor **gin, const int *need) {
    if (need[0]) gin[0] = to(ctx, sc_mul(ctx, g, n->saved[0]), n->in[0]);
}

static const sc_op_def OP_WHERE = {"where", where_rule};
static const sc_op_def OP_MASKED_FILL = {"masked_fill", masked_fill_rule};
