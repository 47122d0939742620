// hypergrad.c — the dispatch through the method registry, the flat-vector helpers and the unrolled
// (reverse-mode through k real optimizer steps) hypergradient.
//
// Unrolled-k, with S = the optimizer state (m for momentum, m and v for Adam):
//   forward:  θ_j, S_j = U(θ_{j-1}, S_{j-1}, ∇L_in,j-1(θ_{j-1}; φ)) by the REAL
//             in-place step (sc_optim_step), each (θ_j, S_j) stored;
//   reverse:  a_θ = ∇L_out(θ_k), a_S = 0; for j = k..1, with the leaves set to
//             θ_{j-1} and S_{j-1} as fresh leaf tensors, rebuild the step
//             functionally (sc_grad create_graph, sc_optim_fstep_from) and take
//             one VJP of (θ_j, S_j) with cotangents (a_θ, a_S) w.r.t.
//             (θ_{j-1}, S_{j-1}, φ): the first two are the new adjoints, the last
//             is added into dφ.
// Only one step's graph is alive at a time; the arena is rewound after each.
#include "smat/hg_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ops/ops.h"

sc_hg_cfg sc_hg_default(void) {
    sc_hg_cfg c = {.method = SC_HG_UNROLLED, .unroll = 1, .terms = 3, .alpha = 0.0, .eps = 0.01};
    return c;
}

// ---- flat vectors ---------------------------------------------------------------------
int64_t sc_hg_count(sc_tensor *const *t, int n) {
    int64_t c = 0;
    for (int i = 0; i < n; i++) c += t[i]->numel;
    return c;
}

void sc_hg_gather(sc_tensor *const *t, int n, double *dst) {
    for (int i = 0; i < n; i++) {
        const sc_tensor *x = t[i];
        if (sc_tensor_is_contiguous(x) && x->dtype == SC_F64) memcpy(dst, x->data, sizeof(double) * (size_t)x->numel);
        else if (sc_tensor_is_contiguous(x) && x->dtype == SC_F32)
            for (int64_t k = 0; k < x->numel; k++) dst[k] = ((const float *)x->data)[k];
        else
            for (int64_t k = 0; k < x->numel; k++) dst[k] = sc_tensor_get(x, k);
        dst += x->numel;
    }
}

void sc_hg_scatter(sc_tensor *const *t, int n, const double *src) {
    for (int i = 0; i < n; i++) {
        sc_tensor *x = t[i];
        if (sc_tensor_is_contiguous(x) && x->dtype == SC_F64) memcpy(x->data, src, sizeof(double) * (size_t)x->numel);
        else if (sc_tensor_is_contiguous(x) && x->dtype == SC_F32)
            for (int64_t k = 0; k < x->numel; k++) ((float *)x->data)[k] = (float)src[k];
        else
            for (int64_t k = 0; k < x->numel; k++) sc_tensor_set(x, k, src[k]);
        src += x->numel;
    }
}

int sc_hg_tensors(sc_ctx *ctx, sc_tensor *const *like, int n, const double *src, sc_tensor **out) {
    for (int i = 0; i < n; i++) {
        out[i] = sc_from_f64(ctx, like[i]->dtype, like[i]->ndim, like[i]->shape, src);
        if (!out[i]) return -1;
        src += like[i]->numel;
    }
    return 0;
}

double sc_hg_dot(const double *a, const double *b, int64_t n) {
    double s = 0;
    for (int64_t i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

int sc_hg_fail(sc_ctx *ctx, const char *method, const char *what, sc_err *err) {
    if (ctx->failed) return sc_errf(err, "hypergrad %s: %s: %s", method, what, ctx->err.msg);
    return sc_errf(err, "hypergrad %s: %s failed", method, what);
}

static sc_tensor *check_loss(sc_ctx *ctx, sc_tensor *L, const char *method, const char *which, sc_err *err) {
    if (!L) {
        sc_hg_fail(ctx, method, which, err);
        return NULL;
    }
    if (L->numel != 1) {
        char b[96];
        sc_errf(err, "hypergrad %s: %s returned %s, expected a scalar", method, which, sc_shape_str(L, b, sizeof b));
        return NULL;
    }
    if (!L->requires_grad) {
        sc_errf(err, "hypergrad %s: %s does not depend on the inner parameters θ", method, which);
        return NULL;
    }
    return L;
}

sc_tensor *sc_hg_inner(const sc_bilevel *b, sc_ctx *ctx, int j, const char *method, sc_err *err) {
    return check_loss(ctx, b->inner_loss(b->user, ctx, j), method, "inner loss", err);
}

sc_tensor *sc_hg_outer(const sc_bilevel *b, sc_ctx *ctx, const char *method, sc_err *err) {
    return check_loss(ctx, b->outer_loss(b->user, ctx), method, "outer loss", err);
}

int sc_hg_grad_theta(const sc_bilevel *b, sc_ctx *ctx, sc_tensor *L, double *dst, const char *method, sc_err *err) {
    sc_tensor **g = sc_grad(ctx, &L, 1, b->opt->p, b->opt->n, NULL, 0);
    if (!g) return sc_hg_fail(ctx, method, "gradient w.r.t. θ", err);
    sc_hg_gather(g, b->opt->n, dst);
    return 0;
}

// ---- unrolled-k -------------------------------------------------------------------------
typedef struct unroll_ws {
    int64_t N, P;    // θ elements, φ elements
    int S;           // state slots: 0 (plain SGD), 1 (momentum), 2 (Adam)
    double *th;      // (k+1, N) θ_0..θ_k
    double *st;      // (k+1, S, N) state after each step
    double *a;       // (1+S, N) adjoints of (θ_j, S_j)
} unroll_ws;

static double *state_at(const unroll_ws *w, int j, int s) { return w->st + ((size_t)j * (size_t)w->S + (size_t)s) * (size_t)w->N; }

// The optimizer's state tensors of slot s (m or v).
static sc_tensor *const *slot(const sc_optim *o, int s) { return s == 0 ? o->m : o->v; }

static void save_state(const sc_optim *o, const unroll_ws *w, int j) {
    for (int s = 0; s < w->S; s++) sc_hg_gather(slot(o, s), o->n, state_at(w, j, s));
}

static void load_state(sc_optim *o, const unroll_ws *w, int j) {
    for (int s = 0; s < w->S; s++) sc_hg_scatter(slot(o, s), o->n, state_at(w, j, s));
}

// θ_1..θ_k by the real optimizer step; the optimizer is put back by the caller.
static int unroll_forward(const sc_bilevel *b, sc_ctx *ctx, int k, unroll_ws *w, sc_hg_stats *st, sc_err *err) {
    sc_optim *o = b->opt;
    for (int j = 1; j <= k; j++) {
        sc_ctx_mark mark = sc_ctx_get_mark(ctx);
        sc_tensor *L = sc_hg_inner(b, ctx, j - 1, "unrolled", err);
        if (!L) return -1;
        sc_tensor **g = sc_grad(ctx, &L, 1, o->p, o->n, NULL, 0);
        if (!g || sc_optim_step(o, ctx, g, b->lr)) return sc_hg_fail(ctx, "unrolled", "forward step", err);
        st->inner_grads++;
        sc_ctx_rewind(ctx, mark);
        sc_hg_gather(o->p, o->n, w->th + (size_t)j * (size_t)w->N);
        save_state(o, w, j);
    }
    return 0;
}

// Adam's second moment v enters the step as sqrt(β2 v + (1-β2) d²): where v and d
// are both exactly 0 (a fresh state and an element with zero gradient, e.g. an
// unused embedding row without weight decay) autodiff meets sqrt'(0) = ∞ times 0
// and the whole hypergradient turns NaN, although the update ∝ d / (|d| + ε) has
// the finite derivative 1/ε there. A floor far below ε² on exactly-zero entries
// of the v leaf keeps every factor finite and changes nothing else (values by
// ~1e-150 in f64, 1e-19 in f32; the forward trajectory is the real step's anyway).
static void floor_zeros(sc_tensor *v) {
    if (v->dtype == SC_F64) {
        double *x = v->data;
        for (int64_t e = 0; e < v->numel; e++) x[e] = x[e] == 0.0 ? 1e-300 : x[e];
    } else {
        float *x = v->data;
        for (int64_t e = 0; e < v->numel; e++) x[e] = x[e] == 0.0f ? 1e-37f : x[e];
    }
}

// k = 1 without a separate forward pass: the graph of step 1 is built first, the
// REAL in-place step is taken from its gradient values (the same numbers
// sc_grad gives without create_graph), a_θ = ∇L_out(θ_1) is computed at the
// leaves, and θ_0, S_0 and the step count are put back before the VJP, whose
// backward rules read the leaves' data. Saves one inner forward and backward.
static int fused_outer(const sc_bilevel *b, sc_ctx *ctx, sc_tensor **g, unroll_ws *w, sc_hg_stats *st, sc_err *err) {
    sc_optim *o = b->opt;
    int64_t t0 = o->t;
    if (sc_optim_step(o, ctx, g, b->lr)) return sc_hg_fail(ctx, "unrolled", "forward step", err);
    sc_ctx_mark mark = sc_ctx_get_mark(ctx);
    sc_tensor *L = sc_hg_outer(b, ctx, "unrolled", err);
    int rc = L ? sc_hg_grad_theta(b, ctx, L, w->a, "unrolled", err) : -1;
    if (!rc) st->outer = sc_tensor_get(L, 0);
    sc_ctx_rewind(ctx, mark);
    memset(w->a + w->N, 0, sizeof(double) * (size_t)w->S * (size_t)w->N);
    sc_hg_scatter(o->p, o->n, w->th);
    load_state(o, w, 0);
    o->t = t0;
    return rc;
}

// One reverse step j (θ_{j-1} → θ_j): updates the adjoints and adds into dφ.
// fused (k = 1 only): the forward step and a_θ come from this step's own graph.
static int unroll_back(const sc_bilevel *b, sc_ctx *ctx, int j, int64_t t0, unroll_ws *w, double *dphi, int fused,
                       sc_hg_stats *st, sc_err *err) {
    sc_optim *o = b->opt;
    int n = o->n, S = w->S, n_in = n * (1 + S) + b->n_phi;
    sc_hg_scatter(o->p, n, w->th + (size_t)(j - 1) * (size_t)w->N);
    sc_tensor **in = sc_arena_alloc(&ctx->arena, sizeof(sc_tensor *) * (size_t)n_in, 8);
    sc_tensor **out = sc_arena_alloc(&ctx->arena, sizeof(sc_tensor *) * (size_t)(n * (1 + S)), 8);
    sc_tensor **cot = sc_arena_alloc(&ctx->arena, sizeof(sc_tensor *) * (size_t)(n * (1 + S)), 8);
    if (!in || !out || !cot) return sc_errf(err, "hypergrad unrolled: step arena exhausted");
    memcpy(in, o->p, sizeof(sc_tensor *) * (size_t)n);
    sc_tensor **m = NULL, **v = NULL;
    for (int s = 0; s < S; s++) {  // S_{j-1} as leaves, so the VJP reaches them
        sc_tensor **leaf = in + n * (1 + s);
        if (sc_hg_tensors(ctx, o->p, n, state_at(w, j - 1, s), leaf)) return sc_hg_fail(ctx, "unrolled", "state", err);
        for (int i = 0; i < n; i++) {
            leaf[i]->requires_grad = 1;
            if (s == 1) floor_zeros(leaf[i]);
        }
        if (s == 0) m = leaf;
        else v = leaf;
    }
    memcpy(in + n * (1 + S), b->phi, sizeof(sc_tensor *) * (size_t)b->n_phi);
    sc_tensor *L = sc_hg_inner(b, ctx, j - 1, "unrolled", err);
    if (!L) return -1;
    sc_tensor **g = sc_grad(ctx, &L, 1, o->p, n, NULL, 1);
    st->inner_grads++;
    if (!g || sc_optim_fstep_from(o, ctx, NULL, g, m, v, t0 + j - 1, b->lr, out, S > 0 ? out + n : NULL,
                                  S > 1 ? out + 2 * n : NULL))
        return sc_hg_fail(ctx, "unrolled", "functional step", err);
    if (fused && fused_outer(b, ctx, g, w, st, err)) return -1;
    if (sc_hg_tensors(ctx, o->p, n, w->a, cot)) return sc_hg_fail(ctx, "unrolled", "cotangents", err);
    for (int s = 0; s < S; s++)
        if (sc_hg_tensors(ctx, o->p, n, w->a + (size_t)(1 + s) * (size_t)w->N, cot + n * (1 + s)))
            return sc_hg_fail(ctx, "unrolled", "cotangents", err);
    // The last reverse step (j = 1) needs only φ's part: the adjoints of θ_0 and S_0
    // are never read. Asking for φ alone lets sc_grad skip every rule, and every
    // input of a rule, that does not lead to φ (the student's Hessian-vector
    // product in θ is most of the pass).
    int skip = j == 1 ? n * (1 + S) : 0;
    sc_tensor **r = sc_grad(ctx, out, n * (1 + S), in + skip, n_in - skip, cot, 0);
    if (!r) return sc_hg_fail(ctx, "unrolled", "vector-Jacobian product of the step", err);
    if (!skip) sc_hg_gather(r, n * (1 + S), w->a);  // new adjoints (θ_{j-1}, S_{j-1}), contiguous in w->a
    double *tmp = w->a + (size_t)(1 + S) * (size_t)w->N;  // room for φ's part (allocated with it)
    sc_hg_gather(r + n * (1 + S) - skip, b->n_phi, tmp);
    for (int64_t i = 0; i < w->P; i++) dphi[i] += tmp[i];
    return 0;
}

int sc_hg_unrolled(const sc_bilevel *b, sc_ctx *ctx, const sc_hg_cfg *cfg, double *dphi, sc_hg_stats *st,
                   sc_err *err) {
    sc_optim *o = b->opt;
    int k = cfg->unroll;
    if (k < 1) return sc_errf(err, "hypergrad unrolled: unroll k = %d, expected >= 1", k);
    unroll_ws w = {.N = sc_hg_count(o->p, o->n), .P = sc_hg_count(b->phi, b->n_phi)};
    w.S = o->cfg.kind == SC_OPTIM_SGD ? (o->cfg.momentum > 0) : 2;
    size_t nd = (size_t)(k + 1) * (size_t)w.N * (size_t)(1 + w.S) + (size_t)(1 + w.S) * (size_t)w.N + (size_t)w.P;
    double *buf = malloc(sizeof(double) * nd);
    if (!buf) return sc_errf(err, "hypergrad unrolled: out of memory (%zu doubles for %d stored steps)", nd, k);
    w.th = buf;
    w.st = w.th + (size_t)(k + 1) * (size_t)w.N;
    w.a = w.st + (size_t)(k + 1) * (size_t)w.S * (size_t)w.N;
    sc_hg_gather(o->p, o->n, w.th);
    save_state(o, &w, 0);
    int64_t t0 = o->t;
    memset(dphi, 0, sizeof(double) * (size_t)w.P);

    int fused = k == 1;
    int rc = fused ? 0 : unroll_forward(b, ctx, k, &w, st, err);
    sc_ctx_mark mark = sc_ctx_get_mark(ctx);
    if (!rc && !fused) {  // a_θ = ∇L_out(θ_k) (the leaves hold θ_k), a_S = 0
        sc_tensor *L = sc_hg_outer(b, ctx, "unrolled", err);
        rc = L ? sc_hg_grad_theta(b, ctx, L, w.a, "unrolled", err) : -1;
        if (!rc) st->outer = sc_tensor_get(L, 0);
        memset(w.a + w.N, 0, sizeof(double) * (size_t)w.S * (size_t)w.N);
        sc_ctx_rewind(ctx, mark);
    }
    for (int j = k; j >= 1 && !rc; j--) {
        rc = unroll_back(b, ctx, j, t0, &w, dphi, fused, st, err);
        sc_ctx_rewind(ctx, mark);
    }
    // Put everything back exactly: θ_0, S_0 and the step count.
    sc_hg_scatter(o->p, o->n, w.th);
    load_state(o, &w, 0);
    o->t = t0;
    free(buf);
    return rc;
}

// ---- dispatch ------------------------------------------------------------------------------
static int check_problem(const sc_bilevel *b, const sc_hg_cfg *cfg, sc_tensor *const *dphi, sc_err *err) {
    const char *m = sc_hg_method_name(cfg->method);
    if (!sc_hg_method_def_of(cfg->method))
        return sc_errf(err, "hypergrad: unknown method %d (expected %s)", (int)cfg->method, sc_hg_method_list());
    if (!b->opt || b->opt->n < 1) return sc_errf(err, "hypergrad %s: no inner optimizer / parameters θ", m);
    if (!b->inner_loss || !b->outer_loss) return sc_errf(err, "hypergrad %s: inner_loss and outer_loss are required", m);
    if (b->n_phi < 1 || !b->phi) return sc_errf(err, "hypergrad %s: no outer parameters φ", m);
    if (!(b->lr > 0)) return sc_errf(err, "hypergrad %s: inner learning rate %g must be > 0", m, b->lr);
    for (int i = 0; i < b->n_phi; i++) {
        char b1[96], b2[96];
        if (!b->phi[i] || !b->phi[i]->requires_grad)
            return sc_errf(err, "hypergrad %s: φ[%d] is missing or does not require grad", m, i);
        if (!dphi || !dphi[i] || !sc_same_shape(dphi[i], b->phi[i]) || dphi[i]->dtype != b->phi[i]->dtype)
            return sc_errf(err, "hypergrad %s: dphi[%d] %s must match φ[%d] %s", m, i,
                           dphi && dphi[i] ? sc_shape_str(dphi[i], b1, sizeof b1) : "(null)", i,
                           sc_shape_str(b->phi[i], b2, sizeof b2));
    }
    return 0;
}

int sc_hypergrad_stats(const sc_bilevel *b, sc_ctx *ctx, const sc_hg_cfg *cfg, sc_tensor *const *dphi,
                       double *outer, sc_hg_stats *st, sc_err *err) {
    if (check_problem(b, cfg, dphi, err)) return -1;
    if (ctx->failed) return sc_hg_fail(ctx, sc_hg_method_name(cfg->method), "context already failed", err);
    sc_hg_stats local;
    if (!st) st = &local;
    memset(st, 0, sizeof *st);
    int64_t P = sc_hg_count(b->phi, b->n_phi);
    double *d = calloc((size_t)P, sizeof(double));
    if (!d) return sc_errf(err, "hypergrad: out of memory");
    sc_ctx_mark mark = sc_ctx_get_mark(ctx);
    int rc = sc_hg_method_def_of(cfg->method)->fn(b, ctx, cfg, d, st, err);
    sc_ctx_rewind(ctx, mark);
    if (rc && ctx->failed) ctx->failed = 0;  // the message is in err; the ctx stays usable
    if (!rc) {
        sc_hg_scatter(dphi, b->n_phi, d);
        if (outer) *outer = st->outer;
    }
    free(d);
    return rc;
}

int sc_hypergrad(const sc_bilevel *b, sc_ctx *ctx, const sc_hg_cfg *cfg, sc_tensor *const *dphi, double *outer,
                 sc_err *err) {
    return sc_hypergrad_stats(b, ctx, cfg, dphi, outer, NULL, err);
}
