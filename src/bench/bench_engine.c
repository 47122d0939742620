// bench_engine.c — `scaffold bench engine`.
//
// (1) GEMM-bound ops as a ratio of raw bli_sgemm throughput on the same shapes:
//     sc_matmul forward (arena allocation + op dispatch + BLIS), and forward +
//     backward (three GEMMs, two on transposed views) against three raw GEMMs.
// (2) One pre-LN transformer block (B=32, T=64, C=128, 4 heads): forward +
//     backward; forward + create_graph backward + a second backward (grad of
//     grad, what a SMaT meta step does); peak step-arena memory. With 1 and 2
//     BLIS threads.
#include <math.h>
#include <string.h>

#include "bench/bench.h"
#include "core/params.h"
#include "kernels/gemm.h"
#include "ops/ops.h"

typedef struct {
    int64_t m, n, k;
    float *a, *b, *c;
    sc_ctx *ctx;
    sc_tensor *A, *B;
    int backward;
} gemm_case;

static void run_raw(void *p) {
    gemm_case *g = p;
    sc_sgemm(g->m, g->n, g->k, 1.0f, g->a, g->k, 1, g->b, g->n, 1, 0.0f, g->c, g->n, 1);
}

static void run_op(void *p) {
    gemm_case *g = p;
    sc_ctx_mark mk = sc_ctx_get_mark(g->ctx);
    sc_tensor *y = sc_matmul(g->ctx, g->A, g->B);  // (m, n)
    if (g->backward) {
        sc_tensor *in[2] = {g->A, g->B};
        sc_tensor *gy = sc_full(g->ctx, SC_F32, 2, y->shape, 1.0);
        sc_grad(g->ctx, &y, 1, in, 2, &gy, 0);
    }
    sc_ctx_rewind(g->ctx, mk);
}

static void bench_gemm(FILE *out, sc_ctx *ctx, int64_t m, int64_t n, int64_t k, double secs) {
    gemm_case g = {.m = m, .n = n, .k = k, .ctx = ctx};
    int64_t sa[2] = {m, k}, sb[2] = {k, n};
    g.A = sc_full(ctx, SC_F32, 2, sa, 0.5);
    g.B = sc_full(ctx, SC_F32, 2, sb, 0.25);
    g.A->requires_grad = g.B->requires_grad = 1;
    int64_t sc_[2] = {m, n};
    sc_tensor *C = sc_empty(ctx, SC_F32, 2, sc_);
    g.a = g.A->data, g.b = g.B->data, g.c = C->data;
    double flops = 2.0 * (double)m * (double)n * (double)k;
    double t_raw = sc_bench_time(run_raw, &g, secs);
    g.backward = 0;
    double t_fwd = sc_bench_time(run_op, &g, secs);
    g.backward = 1;
    double t_fb = sc_bench_time(run_op, &g, secs);
    fprintf(out, "  %5lld %5lld %5lld  %9.1f  %9.1f  %6.2f  %9.1f  %6.2f\n", (long long)m, (long long)n,
            (long long)k, flops / t_raw * 1e-9, flops / t_fwd * 1e-9, t_raw / t_fwd, 3 * flops / t_fb * 1e-9,
            3 * t_raw / t_fb);
}

// ---- transformer block -------------------------------------------------------------------
enum { BB = 32, BT = 64, BC = 128, BH = 4 };

typedef struct {
    sc_ctx *ctx;
    sc_params P;
    sc_tensor *x, *r;  // input (B, T, C), random projection for the loss (B, T, C)
    int mode;          // 0 forward, 1 forward+backward, 2 + grad of grad
    size_t peak;
} block_case;

static sc_tensor *P_(block_case *b, const char *name) { return sc_params_get(&b->P, name); }

static sc_tensor *block_forward(block_case *b) {
    sc_ctx *ctx = b->ctx;
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

static void run_block(void *p) {
    block_case *b = p;
    sc_ctx_reset(b->ctx);
    b->ctx->arena.peak = 0;
    sc_tensor *L = block_forward(b);
    if (b->mode >= 1) {
        sc_tensor **g = sc_grad(b->ctx, &L, 1, b->P.t, b->P.n, NULL, b->mode == 2);
        if (b->mode == 2 && g) {  // grad of <g, g>: a Hessian-vector product, as in a meta step
            sc_tensor *s = NULL;
            for (int i = 0; i < b->P.n; i++) {
                sc_tensor *t = sc_sum_all(b->ctx, sc_mul(b->ctx, g[i], g[i]));
                s = s ? sc_add(b->ctx, s, t) : t;
            }
            sc_grad(b->ctx, &s, 1, b->P.t, b->P.n, NULL, 0);
        }
    }
    if (b->ctx->failed) fprintf(stderr, "bench block: %s\n", b->ctx->err.msg);
    b->peak = b->ctx->arena.peak;
}

static int block_setup(block_case *b, sc_ctx *ctx, sc_err *err) {
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
        if (!t) return -1;
        if (spec[i].init < 0) sc_init_normal(t, &rng, 0.02);
        else sc_init_const(t, spec[i].init);
    }
    return 0;
}

int sc_bench_engine(FILE *out, int quick) {
    sc_err err;
    sc_ctx ctx;
    if (sc_ctx_init(&ctx, 2048u << 20, 1, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    double secs = quick ? 0.05 : 0.4;
    int saved_threads = sc_blas_get_threads();
    for (int threads = 1; threads <= 2; threads++) {
        sc_blas_set_threads(threads);
        fprintf(out, "\n== GEMM-bound ops vs raw bli_sgemm, %d thread%s (GFLOP/s; ratio = raw time / op time)\n",
                threads, threads > 1 ? "s" : "");
        fprintf(out, "  %5s %5s %5s  %9s  %9s  %6s  %9s  %6s\n", "M", "N", "K", "raw", "matmul", "ratio",
                "fwd+bwd", "ratio");
        static const int64_t shapes[][3] = {{128, 128, 128}, {256, 256, 256}, {512, 512, 512},
                                            {2048, 384, 128}, {2048, 128, 512}, {1024, 1024, 1024}};
        int ns = quick ? 3 : 6;
        for (int i = 0; i < ns; i++) {
            sc_ctx_reset(&ctx);
            bench_gemm(out, &ctx, shapes[i][0], shapes[i][1], shapes[i][2], secs);
        }
    }
    fprintf(out, "\n== transformer block B=%d T=%d C=%d heads=%d (f32)\n", BB, BT, BC, BH);
    fprintf(out, "  %7s  %-28s %10s %9s %12s\n", "threads", "pass", "ms/step", "vs fwd", "peak MiB");
    block_case b;
    memset(&b, 0, sizeof b);
    if (block_setup(&b, &ctx, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        sc_ctx_free(&ctx);
        return 1;
    }
    static const char *names[3] = {"forward", "forward+backward", "fwd+bwd(create_graph)+bwd"};
    for (int threads = 1; threads <= 2; threads++) {
        sc_blas_set_threads(threads);
        double t0 = 0;
        for (int mode = 0; mode < 3; mode++) {
            sc_ctx_reset(&ctx);
            int64_t xs[3] = {BB, BT, BC};
            b.mode = mode;
            double t;
            // x and r live in the params slab so that resets keep them.
            if (!b.x) {
                b.x = sc_empty_in(&b.P.arena, SC_F32, 3, xs);
                b.r = sc_empty_in(&b.P.arena, SC_F32, 3, xs);
                sc_rng rng;
                sc_rng_seed(&rng, 5);
                sc_init_normal(b.x, &rng, 1.0);
                sc_init_normal(b.r, &rng, 1.0);
            }
            t = sc_bench_time(run_block, &b, secs);
            if (mode == 0) t0 = t;
            fprintf(out, "  %7d  %-28s %10.2f %8.2fx %12.1f\n", threads, names[mode], t * 1e3, t / t0,
                    (double)b.peak / (1 << 20));
        }
    }
    sc_blas_set_threads(saved_threads);
    int failed = ctx.failed;
    sc_ctx_free(&ctx);  // first: the tape borrows the slab (core/params.h)
    sc_params_free(&b.P);
    return failed;
}
