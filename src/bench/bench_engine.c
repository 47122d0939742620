// bench_engine.c — `scaffold bench engine`.
//
// (1) GEMM-bound ops as a ratio of raw bli_sgemm throughput on the same shapes:
//     sc_matmul forward (arena allocation + op dispatch + BLIS), and forward +
//     backward (three GEMMs, two on transposed views) against three raw GEMMs.
// (2) The pre-LN transformer block of bench/block.h (B=32, T=64, C=128, 4 heads): forward +
//     backward; forward + create_graph backward + a second backward (grad of
//     grad, what a SMaT meta step does); peak step-arena memory. With 1 and 2
//     BLIS threads.
// (3) Small products, µs per call: sc_sgemm, which hands them to BLIS's
//     micro-kernel (kernels/gemm_direct.h) or, where BLIS would take its
//     small-product path, to those kernels (kernels/gemm_sup.h), against a
//     bli_sgemm call; B stored by rows and by columns (attention's Q K^T).
#include <blis-openmp/blis.h>  // (3) calls BLIS itself
#include <math.h>
#include <string.h>

#include "bench/bench.h"
#include "bench/block.h"
#include "core/params.h"
#include "kernels/gemm.h"
#include "kernels/parallel.h"
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

typedef struct {
    int64_t m, n, k, rsb, csb;  // B (k, n) by rows (rsb = n) or by columns (csb = k)
    const float *a, *b;
    float *c;
    int blis;
} small_case;

static void run_small(void *p) {
    small_case *g = p;
    if (!g->blis) {
        sc_sgemm(g->m, g->n, g->k, 1.0f, g->a, g->k, 1, g->b, g->rsb, g->csb, 0.0f, g->c, g->n, 1);
        return;
    }
    float one = 1, zero = 0;
    rntm_t serial = BLIS_RNTM_INITIALIZER;
    bli_rntm_set_num_threads(1, &serial);
    bli_sgemm_ex(BLIS_NO_TRANSPOSE, BLIS_NO_TRANSPOSE, g->m, g->n, g->k, &one, (float *)g->a, g->k, 1,
                 (float *)g->b, g->rsb, g->csb, &zero, g->c, g->n, 1, NULL, &serial);
}

static void bench_small(FILE *out, sc_ctx *ctx, double secs) {
    fprintf(out, "\n== small products, 1 thread (us per call; sc_sgemm: BLIS's micro-kernel or its small-product "
                 "kernels called directly, %s kernels)\n", sc_blas_kernels());
    fprintf(out, "  %5s %5s %5s %5s  %9s  %9s  %6s\n", "M", "N", "K", "B by", "bli_sgemm", "sc_sgemm", "ratio");
    static const int64_t shapes[][4] = {{25, 25, 16, 1}, {25, 16, 25, 0}, {25, 25, 16, 0}, {32, 32, 32, 0},
                                        {64, 64, 15, 0}, {64, 64, 64, 0},  {800, 32, 32, 0}, {800, 32, 32, 1}};
    for (int i = 0; i < (int)(sizeof shapes / sizeof shapes[0]); i++) {
        sc_ctx_reset(ctx);
        int64_t m = shapes[i][0], n = shapes[i][1], k = shapes[i][2], bcols = shapes[i][3];
        sc_tensor *A = sc_full(ctx, SC_F32, 2, (int64_t[]){m, k}, 0.5);
        sc_tensor *B = sc_full(ctx, SC_F32, 2, (int64_t[]){k, n}, 0.25);
        sc_tensor *C = sc_empty(ctx, SC_F32, 2, (int64_t[]){m, n});
        if (!A || !B || !C) return;
        small_case g = {m, n, k, bcols ? 1 : n, bcols ? k : 1, A->data, B->data, C->data, 1};
        double t_blis = sc_bench_time(run_small, &g, secs);
        g.blis = 0;
        double t_sc = sc_bench_time(run_small, &g, secs);
        fprintf(out, "  %5lld %5lld %5lld %5s  %9.2f  %9.2f  %6.2f\n", (long long)m, (long long)n, (long long)k,
                bcols ? "cols" : "rows", t_blis * 1e6, t_sc * 1e6, t_blis / t_sc);
    }
}

int sc_bench_engine(FILE *out, int quick) {
    sc_err err;
    sc_ctx ctx;
    if (sc_ctx_init(&ctx, 2048u << 20, 1, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    double secs = quick ? 0.05 : 0.4;
    int saved_threads = sc_get_threads();
    for (int threads = 1; threads <= 2; threads++) {
        sc_set_threads(threads);
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
    sc_set_threads(1);
    bench_small(out, &ctx, secs);
    fprintf(out, "\n== transformer block B=%d T=%d C=%d heads=%d (f32)\n", SC_BLOCK_B, SC_BLOCK_T, SC_BLOCK_C,
            SC_BLOCK_H);
    fprintf(out, "  %7s  %-28s %10s %9s %12s\n", "threads", "pass", "ms/step", "vs fwd", "peak MiB");
    sc_bench_block b;
    if (sc_bench_block_init(&b, &ctx, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        sc_ctx_free(&ctx);
        return 1;
    }
    static const char *names[3] = {"forward", "forward+backward", "fwd+bwd(create_graph)+bwd"};
    for (int threads = 1; threads <= 2; threads++) {
        sc_set_threads(threads);
        double t0 = 0;
        for (int mode = 0; mode < 3; mode++) {
            sc_ctx_reset(&ctx);
            b.mode = (sc_block_mode)mode;
            double t = sc_bench_time(sc_bench_block_run, &b, secs);
            if (mode == 0) t0 = t;
            fprintf(out, "  %7d  %-28s %10.2f %8.2fx %12.1f\n", threads, names[mode], t * 1e3, t / t0,
                    (double)b.peak / (1 << 20));
        }
    }
    sc_set_threads(saved_threads);
    int failed = ctx.failed;
    sc_ctx_free(&ctx);  // first: the tape borrows the slab (core/params.h)
    sc_bench_block_free(&b);
    return failed;
}
