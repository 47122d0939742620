// bench_active.c — `scaffold bench active`: K-center greedy (active/kcenter.h)
// on pools of 10^4 to 10^5 points, the selection core-set, DAMI and the hybrid
// run every round.
//
// Columns, per (N, D, L, b):
//   kcenter  the lazy exact greedy, seconds (median of repeated runs);
//   gemm     one raw BLIS product of all N x (L + b) dot products, seconds: the
//            products an implementation that knew the picks in advance would
//            need; a ratio near or below 1 means the greedy's bookkeeping and
//            its lazy skipping cost no more than that single product;
//   eager    the textbook greedy (after each pick, one N x D pass updating every
//            distance), on the cases where it takes seconds, not minutes, with
//            how many leading picks agree and the ratio of covering radii: the
//            two round distances differently, so a near-tie may part them, and
//            the radius says whether the lazy set covers the pool as well.
// Points: a mixture of 64 Gaussian clusters with random widths, so the
// embedding-like structure (dense clumps, far outliers) is what the lazy
// bound meets, fixed by seed. One thread unless the process was given more.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "active/kcenter.h"
#include "bench/bench.h"
#include "core/rng.h"
#include "kernels/gemm.h"
#include "kernels/parallel.h"

typedef struct kc_case {
    int64_t n, d, l, b;
    float *pool, *lab, *dots;  // (n, d), (l, d), (n, l + b)
    int64_t *picks, *eager_picks;
} kc_case;

// Mixture points: centre (uniform in [-1, 1]^d) + width * normal noise.
static void fill_points(float *x, int64_t n, int64_t d, const float *centres, const float *widths, sc_rng *g) {
    for (int64_t i = 0; i < n; i++) {
        int64_t c = (int64_t)sc_rng_below(g, 64);
        for (int64_t j = 0; j < d; j++) x[i * d + j] = centres[c * d + j] + widths[c] * (float)sc_rng_normal(g);
    }
}

static int make_case(kc_case *k, int64_t n, int64_t d, int64_t l, int64_t b) {
    *k = (kc_case){.n = n, .d = d, .l = l, .b = b};
    k->pool = malloc(sizeof(float) * (size_t)(n * d));
    k->lab = malloc(sizeof(float) * (size_t)(l * d));
    k->dots = malloc(sizeof(float) * (size_t)(n * (l + b)));
    k->picks = malloc(sizeof(int64_t) * (size_t)b);
    k->eager_picks = malloc(sizeof(int64_t) * (size_t)b);
    float *centres = malloc(sizeof(float) * (size_t)(64 * d)), widths[64];
    if (!k->pool || !k->lab || !k->dots || !k->picks || !k->eager_picks || !centres) return free(centres), -1;
    sc_rng g;
    sc_rng_seed(&g, 0x4B43454Eull ^ (uint64_t)(n * 31 + d));
    for (int64_t i = 0; i < 64 * d; i++) centres[i] = (float)(2 * sc_rng_uniform(&g) - 1);
    for (int c = 0; c < 64; c++) widths[c] = (float)(0.05 + 0.5 * sc_rng_uniform(&g));
    fill_points(k->pool, n, d, centres, widths, &g);
    fill_points(k->lab, l, d, centres, widths, &g);
    free(centres);
    return 0;
}

static void free_case(kc_case *k) {
    free(k->pool), free(k->lab), free(k->dots), free(k->picks), free(k->eager_picks);
    *k = (kc_case){0};
}

static void run_lazy(void *p) {
    kc_case *k = p;
    sc_err e;
    if (sc_kcenter_greedy(k->pool, k->n, k->lab, k->l, k->d, k->b, k->picks, &e)) abort();
}

// The product the greedy cannot do with less of: pool (n, d) @ centres^T (d, l + b);
// the labelled points stand in for all l + b centres (the same shape).
static void run_gemm(void *p) {
    kc_case *k = p;
    int64_t m = k->l + k->b;
    for (int64_t c0 = 0; c0 < m; c0 += k->l) {  // (n, d) @ (d, min(l, m - c0)) into columns c0..
        int64_t w = m - c0 < k->l ? m - c0 : k->l;
        sc_sgemm(k->n, w, k->d, 1.0f, k->pool, k->d, 1, k->lab, 1, k->d, 0.0f, k->dots + c0, m, 1);
    }
}

// Textbook greedy: squared distances kept for all n, updated by one pass per
// centre. With follow == NULL it picks (the farthest point, lowest index on
// ties) into k->eager_picks; otherwise it replays the picks in follow. Returns
// the covering radius after all l + b centres, max_i min_c ||x_i - c||^2.
static double greedy_pass(kc_case *k, const int64_t *follow) {
    float *dist = malloc(sizeof(float) * (size_t)k->n);
    if (!dist) abort();
    for (int64_t i = 0; i < k->n; i++) dist[i] = INFINITY;
    const int64_t *picks = follow ? follow : k->eager_picks;
    for (int64_t c = 0; c < k->l + k->b; c++) {
        const float *y = c < k->l ? k->lab + c * k->d : k->pool + picks[c - k->l] * k->d;
        for (int64_t i = 0; i < k->n; i++) {
            const float *x = k->pool + i * k->d;
            float s = 0;
            for (int64_t j = 0; j < k->d; j++) s += (x[j] - y[j]) * (x[j] - y[j]);
            dist[i] = s < dist[i] ? s : dist[i];
        }
        if (follow || c + 1 < k->l || c + 1 - k->l == k->b) continue;
        int64_t best = 0;
        for (int64_t i = 1; i < k->n; i++)
            if (dist[i] > dist[best]) best = i;
        k->eager_picks[c + 1 - k->l] = best;
    }
    double radius = 0;
    for (int64_t i = 0; i < k->n; i++) radius = dist[i] > radius ? dist[i] : radius;
    free(dist);
    return radius;
}

static void bench_one(FILE *out, int64_t n, int64_t d, int64_t l, int64_t b, int eager, int quick) {
    kc_case k;
    if (make_case(&k, n, d, l, b)) {
        fprintf(out, "  %7lld %5lld %5lld %5lld  out of memory\n", (long long)n, (long long)d, (long long)l,
                (long long)b);
        free_case(&k);
        return;
    }
    double secs = quick ? 0.1 : 1.0;
    double t_lazy = sc_bench_time(run_lazy, &k, secs), t_gemm = sc_bench_time(run_gemm, &k, secs);
    fprintf(out, "  %7lld %5lld %5lld %5lld  %9.3f %9.3f %7.2f", (long long)n, (long long)d, (long long)l,
            (long long)b, t_lazy, t_gemm, t_lazy / t_gemm);
    if (eager) {
        double t0 = sc_now();
        double r_eager = greedy_pass(&k, NULL);
        double t_eager = sc_now() - t0;
        double r_lazy = greedy_pass(&k, k.picks);
        int64_t same = 0;
        while (same < b && k.picks[same] == k.eager_picks[same]) same++;
        fprintf(out, "  %9.3f %7.1f  %6lld %9.5f\n", t_eager, t_eager / t_lazy, (long long)same, r_lazy / r_eager);
    } else {
        fprintf(out, "  %9s %7s  %6s %9s\n", "-", "-", "-", "-");
    }
    free_case(&k);
}

int sc_bench_active(FILE *out, int quick) {
    fprintf(out, "K-center greedy (active/kcenter.h), %d thread(s), BLIS kernels %s; seconds, medians\n",
            sc_get_threads(), sc_blas_kernels());
    fprintf(out, "  %7s %5s %5s %5s  %9s %9s %7s  %9s %7s  %6s %9s\n", "N", "D", "L", "b", "kcenter", "gemm",
            "ratio", "eager", "eager/k", "same", "radius");
    bench_one(out, 10000, 64, 100, 100, 1, quick);
    bench_one(out, 10000, 256, 100, 1000, !quick, quick);
    if (!quick) {
        bench_one(out, 100000, 256, 100, 1000, 1, quick);
        bench_one(out, 100000, 512, 1000, 1000, 0, quick);
    }
    fprintf(out, "  ratio = kcenter / gemm, one raw product of all N x (L + b) dot products; eager/k = the textbook\n"
                 "  greedy's time over the lazy one; same = leading picks identical to the textbook greedy's (the\n"
                 "  distances are rounded differently: x.x + c.c - 2 x.c against sum (x - c)^2, so near-ties can\n"
                 "  part); radius = the lazy picks' covering radius over the textbook picks' (1 = as good)\n");
    return 0;
}
