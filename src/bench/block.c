// block.c — the benchmark transformer block (block.h), shared by `bench engine`,
// `bench export` and `bench time`.
#include "bench/block.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ops/ops.h"

static sc_tensor *P_(sc_bench_block *b, const char *name) { return sc_params_get(&b->P, name); }

sc_tensor *sc_bench_block_loss(sc_bench_block *b) {
    sc_ctx *ctx = b->ctx;
    enum { BB = SC_BLOCK_B, BT = SC_BLOCK_T, BC = SC_BLOCK_C, BH = SC_BLOCK_H };
    const int64_t D = BC / BH;
    sc_tensor *h = sc_layernorm(ctx, b->x, P_(b, "ln1.g"), P_(b, "ln1.b"), 1e-5);     // (B, T, C)
    sc_tensor *qkv = sc_linear(ctx, h, P_(b, "attn.w"), P_(b, "attn.b"));             // (B, T, 3C)
    int64_t s5[5] = {BB, BT, 3, BH, D};
    int perm[5] = {2, 0, 3, 1, 4};
    sc_tensor *heads = sc_permute(ctx, sc_reshape(ctx, qkv, 5, s5), perm);           // (3, B, H, T, D)
    sc_tensor *q = sc_squeeze(ctx, sc_slice(ctx, heads, 0, 0, 1), 0);                 // (B, H, T, D)
    sc_tensor *k = sc_squeeze(ctx, sc_slice(ctx, heads, 0, 1, 2), 0);
    sc_tensor *v = sc_squeeze(ctx, sc_slice(ctx, heads, 0, 2, 3), 0);
    sc_tensor *att = sc_mul_scalar(ctx, sc_matmul(ctx, q, sc_transpose(ctx, k, -1, -2)), 1.0 / sqrt((double)D));
    sc_tensor *p = sc_softmax(ctx, att, -1);                                          // (B, H, T, T)
    int perm2[4] = {0, 2, 1, 3};
    int64_t s3[3] = {BB, BT, BC};
    sc_tensor *o = sc_reshape(ctx, sc_permute(ctx, sc_matmul(ctx, p, v), perm2), 3, s3);  // (B, T, C)
    sc_tensor *x1 = sc_add(ctx, b->x, sc_linear(ctx, o, P_(b, "proj.w"), P_(b, "proj.b")));
    sc_tensor *h2 = sc_layernorm(ctx, x1, P_(b, "ln2.g"), P_(b, "ln2.b"), 1e-5);
    sc_tensor *m = sc_gelu(ctx, sc_linear(ctx, h2, P_(b, "fc.w"), P_(b, "fc.b")));   // (B, T, 4C)
    sc_tensor *y = sc_add(ctx, x1, sc_linear(ctx, m, P_(b, "out.w"), P_(b, "out.b")));  // (B, T, C)
    return sc_mean_all(ctx, sc_mul(ctx, y, b->r));
}

// Σ_i <t_i, t_i> as a graph scalar.
static sc_tensor *sum_sq(sc_ctx *ctx, sc_tensor **t, int n) {
    sc_tensor *s = NULL;
    for (int i = 0; i < n && t; i++) {
        sc_tensor *e = sc_sum_all(ctx, sc_mul(ctx, t[i], t[i]));
        s = s ? sc_add(ctx, s, e) : e;
    }
    return s;
}

void sc_bench_block_run(void *p) {
    sc_bench_block *b = p;
    sc_ctx_reset(b->ctx);
    b->ctx->arena.peak = 0;
    sc_tensor *L = sc_bench_block_loss(b);
    if (b->mode >= SC_BLOCK_FWD_BWD) {
        sc_tensor **g = sc_grad(b->ctx, &L, 1, b->P.t, b->P.n, NULL, b->mode == SC_BLOCK_DOUBLE);
        if (b->mode == SC_BLOCK_DOUBLE && g) {  // grad of <g, g>: a Hessian-vector product, as in a meta step
            sc_tensor *s = sum_sq(b->ctx, g, b->P.n);
            sc_grad(b->ctx, &s, 1, b->P.t, b->P.n, NULL, 0);
        }
    }
    if (b->ctx->failed) fprintf(stderr, "bench block: %s\n", b->ctx->err.msg);
    b->peak = b->ctx->arena.peak;
}

int sc_bench_block_values(sc_bench_block *b, double *loss, double *grad_sq, double *hvp_sq, sc_err *err) {
    sc_ctx *ctx = b->ctx;
    sc_ctx_reset(ctx);
    sc_tensor *L = sc_bench_block_loss(b);
    sc_tensor **g = L ? sc_grad(ctx, &L, 1, b->P.t, b->P.n, NULL, 1) : NULL;
    sc_tensor *s = g ? sum_sq(ctx, g, b->P.n) : NULL;
    sc_tensor **h = s ? sc_grad(ctx, &s, 1, b->P.t, b->P.n, NULL, 0) : NULL;
    sc_tensor *hs = h ? sum_sq(ctx, h, b->P.n) : NULL;
    if (!hs) {
        sc_errf(err, "bench block: %s", ctx->failed ? ctx->err.msg : "values failed");
        sc_ctx_reset(ctx);
        return -1;
    }
    *loss = sc_tensor_get(L, 0);
    *grad_sq = sc_tensor_get(s, 0);
    *hvp_sq = sc_tensor_get(hs, 0);
    sc_ctx_reset(ctx);
    return 0;
}

int sc_bench_block_init(sc_bench_block *b, sc_ctx *ctx, sc_err *err) {
    enum { BB = SC_BLOCK_B, BT = SC_BLOCK_T, BC = SC_BLOCK_C };
    memset(b, 0, sizeof *b);
    b->ctx = ctx;
    if (sc_params_init(&b->P, 64u << 20, err)) return -1;
    struct { const char *name; int nd; int64_t s[2]; double init; } spec[] = {
        {"ln1.g", 1, {BC}, 1}, {"ln1.b", 1, {BC}, 0}, {"attn.w", 2, {BC, 3 * BC}, -1}, {"attn.b", 1, {3 * BC}, 0},
        {"proj.w", 2, {BC, BC}, -1}, {"proj.b", 1, {BC}, 0}, {"ln2.g", 1, {BC}, 1}, {"ln2.b", 1, {BC}, 0},
        {"fc.w", 2, {BC, 4 * BC}, -1}, {"fc.b", 1, {4 * BC}, 0}, {"out.w", 2, {4 * BC, BC}, -1}, {"out.b", 1, {BC}, 0},
    };
    sc_rng rng;
    sc_rng_seed(&rng, 11);
    for (size_t i = 0; i < sizeof spec / sizeof spec[0]; i++) {
        sc_tensor *t = sc_params_add(&b->P, spec[i].name, SC_F32, spec[i].nd, spec[i].s, err);
        if (!t) {
            sc_params_free(&b->P);
            return -1;
        }
        if (spec[i].init < 0) sc_init_normal(t, &rng, 0.02);
        else sc_init_const(t, spec[i].init);
    }
    // x and r live in the slab (not as parameters) so that context resets keep them.
    int64_t xs[3] = {BB, BT, BC};
    b->x = sc_empty_in(&b->P.arena, SC_F32, 3, xs);
    b->r = sc_empty_in(&b->P.arena, SC_F32, 3, xs);
    if (!b->x || !b->r) {
        sc_params_free(&b->P);
        return sc_errf(err, "bench block: parameter slab full");
    }
    sc_rng_seed(&rng, 5);
    sc_init_normal(b->x, &rng, 1.0);
    sc_init_normal(b->r, &rng, 1.0);
    return 0;
}

void sc_bench_block_free(sc_bench_block *b) { sc_params_free(&b->P); }
