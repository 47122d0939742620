#include "autograd/gradcheck.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/ops.h"

#define GC_STEP 1e-6
#define GC_ATOL 1e-5
#define GC_RTOL 1e-4
#define GC_MAX_VARS 64

sc_tensor *sc_gc_uniform(sc_arena *store, sc_rng *rng, int ndim, const int64_t *shape, double lo, double hi,
                         double gap) {
    sc_tensor *t = sc_empty_in(store, SC_F64, ndim, shape);
    if (!t) return NULL;
    double *p = t->data;
    for (int64_t i = 0; i < t->numel; i++) {
        double v;
        do v = lo + (hi - lo) * sc_rng_uniform(rng);
        while (gap > 0 && fabs(v) < gap);
        p[i] = v;
    }
    return t;
}

sc_tensor *sc_gc_labels(sc_arena *store, sc_rng *rng, int ndim, const int64_t *shape, int64_t C) {
    sc_tensor *t = sc_empty_in(store, SC_I32, ndim, shape);
    if (!t) return NULL;
    int32_t *p = t->data;
    for (int64_t i = 0; i < t->numel; i++) p[i] = (int32_t)sc_rng_below(rng, (uint64_t)C);
    return t;
}

// Every case list concatenated, sized to what the lists hold (no cap): built
// once and kept for the process (reachable, not a leak).
static const sc_gc_case **all_cases;
static int n_all = -1;

static void collect(void) {
    if (n_all >= 0) return;
    const sc_gc_case *lists[] = {sc_gc_cases_elementwise, sc_gc_cases_shape, sc_gc_cases_nn,
                                 sc_gc_cases_loss, sc_gc_cases_sparse, sc_gc_cases_conv};
    int n = 0;
    for (size_t l = 0; l < sizeof lists / sizeof lists[0]; l++)
        for (const sc_gc_case *c = lists[l]; c->name; c++) n++;
    all_cases = malloc(sizeof *all_cases * (size_t)(n + 1));
    if (!all_cases) {  // a few KiB at start-up: nothing sensible can run without it
        fprintf(stderr, "gradcheck: out of memory for %d cases\n", n);
        abort();
    }
    n_all = 0;
    for (size_t l = 0; l < sizeof lists / sizeof lists[0]; l++)
        for (const sc_gc_case *c = lists[l]; c->name; c++) all_cases[n_all++] = c;
    all_cases[n_all] = NULL;
}

const sc_gc_case *const *sc_gradcheck_cases(int *n) {
    collect();
    if (n) *n = n_all;
    return all_cases;
}

const sc_gc_case *sc_gradcheck_find(const char *name) {
    collect();
    for (int i = 0; i < n_all; i++)
        if (!strcmp(all_cases[i]->name, name)) return all_cases[i];
    return NULL;
}

// The variables of S_order live in `store` and are perturbed in place; every
// evaluation happens in ctx's step arena and is discarded by rewinding it.
typedef struct {
    const sc_gc_case *c;
    sc_tensor *x[SC_GC_MAX_IN];      // op inputs (diff first, then constants)
    sc_tensor *vars[GC_MAX_VARS];    // z_order = x_diff, v, u_1, ..., u_{order-1}
    int n_vars;
} gc_state;

// Leaf copies of the variables (so each evaluation has a fresh tape).
static sc_tensor *leaf(sc_ctx *ctx, sc_tensor *src) {
    sc_tensor *t = sc_empty_like(ctx, src);
    if (!t) return NULL;
    memcpy(t->data, src->data, (size_t)src->numel * sc_dtype_size(src->dtype));
    t->requires_grad = 1;
    return t;
}

// Evaluates S_order from the stored variables; leaves the copies used in `z`.
static sc_tensor *eval_S(sc_ctx *ctx, gc_state *st, int order, sc_tensor **z) {
    const sc_gc_case *c = st->c;
    for (int i = 0; i < st->n_vars; i++) z[i] = leaf(ctx, st->vars[i]);
    sc_tensor *xin[SC_GC_MAX_IN];
    for (int i = 0; i < c->n_diff; i++) xin[i] = z[i];
    for (int i = 0; i < c->n_const; i++) xin[c->n_diff + i] = st->x[c->n_diff + i];
    sc_tensor *y = c->fn(ctx, xin);
    if (!y) return NULL;
    // S1 = <v, y>
    sc_tensor *S = sc_sum_all(ctx, sc_mul(ctx, z[c->n_diff], y));
    int nz = c->n_diff + 1;  // variables S currently depends on
    for (int k = 1; k < order && S; k++) {
        sc_tensor **gk = sc_grad(ctx, &S, 1, z, nz, NULL, 1);
        if (!gk) return NULL;
        sc_tensor *acc = NULL;
        for (int j = 0; j < nz; j++) {
            sc_tensor *term = sc_sum_all(ctx, sc_mul(ctx, z[nz + j], gk[j]));
            acc = acc ? sc_add(ctx, acc, term) : term;
        }
        S = acc;
        nz *= 2;
    }
    return S;
}

int sc_gradcheck_case(const sc_gc_case *c, int order, sc_gc_result *res, sc_err *err) {
    memset(res, 0, sizeof *res);
    if (order < 1 || order > 4) return sc_errf(err, "gradcheck: order %d not supported (1..4)", order);
    if (c->n_diff + c->n_const > SC_GC_MAX_IN) return sc_errf(err, "gradcheck %s: too many inputs", c->name);
    sc_arena store;
    sc_ctx ctx;
    if (sc_arena_init(&store, 64u << 20, "gradcheck", err)) return -1;
    if (sc_ctx_init(&ctx, 512u << 20, 1, err)) {
        sc_arena_free(&store);
        return -1;
    }
    gc_state st = {.c = c};
    sc_rng rng;
    sc_rng_seed(&rng, 0x5eed0000u + (uint64_t)strlen(c->name) * 7919u + (uint64_t)c->name[0]);
    c->make(&store, &rng, st.x);
    int rc = 0;
    // The output shape, for v: one evaluation of the op.
    sc_tensor *xin[SC_GC_MAX_IN];
    for (int i = 0; i < c->n_diff + c->n_const; i++) xin[i] = st.x[i];
    sc_tensor *y = c->fn(&ctx, xin);
    if (!y) {
        rc = sc_errf(err, "gradcheck %s: forward failed: %s", c->name, ctx.err.msg);
        goto done;
    }
    for (int i = 0; i < c->n_diff; i++) st.vars[st.n_vars++] = st.x[i];
    st.vars[st.n_vars++] = sc_gc_uniform(&store, &rng, y->ndim, y->shape, -1, 1, 0);
    for (int k = 1; k < order; k++) {
        int nz = st.n_vars;
        if (2 * nz > GC_MAX_VARS) {
            rc = sc_errf(err, "gradcheck %s: too many variables at order %d", c->name, order);
            goto done;
        }
        for (int j = 0; j < nz; j++)
            st.vars[st.n_vars++] = sc_gc_uniform(&store, &rng, st.vars[j]->ndim, st.vars[j]->shape, -1, 1, 0);
    }
    sc_ctx_reset(&ctx);

    // The last backward pass runs twice: without a graph (where ops may use fused
    // backward kernels) and with one (which forces the op-based rules). Both must
    // match the finite differences, so neither path can hide behind the other.
    sc_tensor *z[GC_MAX_VARS];
    sc_tensor *S = eval_S(&ctx, &st, order, z);
    sc_tensor **ga = S ? sc_grad(&ctx, &S, 1, z, st.n_vars, NULL, 0) : NULL;
    sc_tensor **gr = S ? sc_grad(&ctx, &S, 1, z, st.n_vars, NULL, 1) : NULL;
    if (!ga || !gr) {
        rc = sc_errf(err, "gradcheck %s order %d: %s", c->name, order, ctx.err.msg);
        goto done;
    }
    sc_ctx_mark mark = sc_ctx_get_mark(&ctx);
    res->ok = 1;
    for (int v = 0; v < st.n_vars; v++) {
        double *p = st.vars[v]->data;
        for (int64_t i = 0; i < st.vars[v]->numel; i++) {
            double keep = p[i], fp, fm;
            sc_tensor *zz[GC_MAX_VARS];
            p[i] = keep + GC_STEP;
            sc_tensor *Sp = eval_S(&ctx, &st, order, zz);
            fp = Sp ? sc_tensor_get(Sp, 0) : NAN;
            sc_ctx_rewind(&ctx, mark);
            p[i] = keep - GC_STEP;
            sc_tensor *Sm = eval_S(&ctx, &st, order, zz);
            fm = Sm ? sc_tensor_get(Sm, 0) : NAN;
            sc_ctx_rewind(&ctx, mark);
            p[i] = keep;
            if (ctx.failed) {
                rc = sc_errf(err, "gradcheck %s order %d: %s", c->name, order, ctx.err.msg);
                goto done;
            }
            double num = (fp - fm) / (2 * GC_STEP);
            double ae = fmax(fabs(sc_tensor_get(ga[v], i) - num), fabs(sc_tensor_get(gr[v], i) - num));
            double re = ae / fmax(1.0, fabs(num));
            if (!(ae <= GC_ATOL + GC_RTOL * fabs(num))) res->ok = 0;  // NaN fails too
            if (!(ae <= res->max_abs)) res->max_abs = ae;
            if (!(re <= res->max_rel)) res->max_rel = re;
            res->n_coords++;
        }
    }
done:
    sc_ctx_free(&ctx);
    sc_arena_free(&store);
    return rc;
}
