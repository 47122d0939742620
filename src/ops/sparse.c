// sparse.c — sparsemax and entmax-1.5 over the last axis: normalizers that give
// exact zeros (explanations over tokens, patches, heads). Forward kernels sort
// each row (kernels/sparse.c); the rules are written in ops.
//
// A masked unit is one set to a large negative score beforehand (masked_fill
// with -1e9): it lands below any threshold and gets exactly 0.
#include "kernels/sparse.h"
#include "ops/op_util.h"

typedef enum { N_SPARSEMAX, N_ENTMAX15 } norm_kind;

static const sc_op_def OP_SPARSEMAX, OP_ENTMAX15;

// The support of the output (p > 0) as a 0/1 constant of p's dtype: never recorded.
static sc_tensor *support_mask(sc_ctx *ctx, const sc_tensor *p) {
    sc_tensor *m = sc_empty_like(ctx, p);
    if (!m) return NULL;
    if (p->dtype == SC_F32) {
        const float *pv = p->data;
        float *mv = m->data;
        for (int64_t i = 0; i < p->numel; i++) mv[i] = pv[i] > 0 ? 1.0f : 0.0f;
    } else {
        const double *pv = p->data;
        double *mv = m->data;
        for (int64_t i = 0; i < p->numel; i++) mv[i] = pv[i] > 0 ? 1.0 : 0.0;
    }
    return m;
}

static sc_tensor *normalize(sc_ctx *ctx, norm_kind k, const sc_op_def *def, sc_tensor *x) {
    SC_GUARD1(ctx, x);
    if (sc_need_float(ctx, def->name, x)) return NULL;
    char b[96];
    if (x->ndim < 1)
        return sc_fail(ctx, "%s: needs at least one dimension, got %s", def->name, sc_shape_str(x, b, sizeof b));
    int64_t n = x->shape[x->ndim - 1];
    if (n == 0) return sc_fail(ctx, "%s: the last axis of %s is empty", def->name, sc_shape_str(x, b, sizeof b));
    sc_tensor *xc = sc_contiguous(ctx, x);  // (..., n)
    sc_tensor *out = sc_empty_like(ctx, x);  // (..., n)
    if (!xc || !out) return NULL;
    double *scratch = sc_arena_alloc(&ctx->arena, 2 * (size_t)n * sizeof(double), SC_ARENA_ALIGN);  // (2 n)
    if (!scratch)
        return sc_fail(ctx, "%s: step arena exhausted allocating a sort buffer for %s", def->name,
                       sc_shape_str(x, b, sizeof b));
    int64_t rows = x->numel / n;
    if (x->dtype == SC_F32) {
        if (k == N_SPARSEMAX) sc_k_sparsemax_f32(out->data, xc->data, rows, n, scratch);
        else sc_k_entmax15_f32(out->data, xc->data, rows, n, scratch);
    } else {
        if (k == N_SPARSEMAX) sc_k_sparsemax_f64(out->data, xc->data, rows, n, scratch);
        else sc_k_entmax15_f64(out->data, xc->data, rows, n, scratch);
    }
    sc_node *node = sc_record(ctx, def, out, 1, &x);
    if (node && !(node->saved[0] = support_mask(ctx, out))) return NULL;
    return out;
}

sc_tensor *sc_sparsemax(sc_ctx *ctx, sc_tensor *x) { return normalize(ctx, N_SPARSEMAX, &OP_SPARSEMAX, x); }
sc_tensor *sc_entmax15(sc_ctx *ctx, sc_tensor *x) { return normalize(ctx, N_ENTMAX15, &OP_ENTMAX15, x); }

// Without create_graph nothing records during backward: one fused pass over the rows.
static sc_tensor *back_fused(sc_ctx *ctx, const sc_node *n, sc_tensor *g, norm_kind k) {
    const sc_tensor *y = n->out;             // (..., len), contiguous (made by the forward)
    sc_tensor *gc = sc_contiguous(ctx, g);   // (..., len)
    sc_tensor *gx = sc_empty_like(ctx, y);   // (..., len)
    if (!gc || !gx) return NULL;
    int64_t len = y->shape[y->ndim - 1], rows = y->numel / len;
    if (y->dtype == SC_F32) {
        if (k == N_SPARSEMAX) sc_k_sparsemax_back_f32(gx->data, gc->data, y->data, rows, len);
        else sc_k_entmax15_back_f32(gx->data, gc->data, y->data, rows, len);
    } else {
        if (k == N_SPARSEMAX) sc_k_sparsemax_back_f64(gx->data, gc->data, y->data, rows, len);
        else sc_k_entmax15_back_f64(gx->data, gc->data, y->data, rows, len);
    }
    return gx;
}

// Sparsemax is p = x - tau on the support S and 0 off it, with tau the mean of
// (x - 1/|S|) over S, so its Jacobian is diag(s) - s s^T / |S| (s the 0/1 support):
//   gx = s * (g - sum(g s) / sum(s))     per row.
// Piecewise linear: the rule is linear in g and constant in x, as it should be.
static void sparsemax_rule(sc_ctx *ctx, const sc_node *n, sc_tensor *g, sc_tensor **gin, const int *need) {
    if (!need[0]) return;
    if (!ctx->create_graph) {
        gin[0] = back_fused(ctx, n, g, N_SPARSEMAX);
        return;
    }
    sc_tensor *s = n->saved[0];                                  // (..., n) constant
    sc_tensor *size = sc_sum(ctx, s, -1, 1);                     // (..., 1) constant, >= 1
    sc_tensor *mean = sc_div(ctx, sc_sum(ctx, sc_mul(ctx, g, s), -1, 1), size);  // (..., 1)
    gin[0] = sc_mul(ctx, s, sc_sub(ctx, g, mean));
}

// Entmax-1.5: p = (x/2 - tau)^2 on the support. With s = sqrt(p) = x/2 - tau
// there, differentiating sum p = 1 gives dtau/dx_j = s_j / (2 sum s), so
//   dp_i/dx_j = s_i delta_ij - s_i s_j / sum(s),   gx = s g - s sum(s g) / sum(s).
// s is computed from the output p (on the tape), so the rule differentiates again:
// d s = dp / (2 s) on the support. The inner where keeps sqrt away from 0 off the
// support (sqrt(1) there, discarded by the outer where), so no derivative of any
// order ever evaluates 1 / sqrt(0).
static void entmax15_rule(sc_ctx *ctx, const sc_node *n, sc_tensor *g, sc_tensor **gin, const int *need) {
    if (!need[0]) return;
    if (!ctx->create_graph) {
        gin[0] = back_fused(ctx, n, g, N_ENTMAX15);
        return;
    }
    sc_tensor *mask = n->saved[0];                               // (..., n) constant
    sc_dtype dt = n->out->dtype;
    sc_tensor *inner = sc_where(ctx, mask, n->out, sc_scalar(ctx, dt, 1.0));
    sc_tensor *s = sc_where(ctx, mask, sc_sqrt(ctx, inner), sc_scalar(ctx, dt, 0.0));  // (..., n)
    sc_tensor *sg = sc_mul(ctx, s, g);                           // (..., n)
    sc_tensor *ratio = sc_div(ctx, sc_sum(ctx, sg, -1, 1), sc_sum(ctx, s, -1, 1));  // (..., 1)
    gin[0] = sc_sub(ctx, sg, sc_mul(ctx, s, ratio));
}

static const sc_op_def OP_SPARSEMAX = {"sparsemax", sparsemax_rule}, OP_ENTMAX15 = {"entmax15", entmax15_rule};
