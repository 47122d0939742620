// kcenter.c — K-center greedy over squared Euclidean distances (kcenter.h).
//
// Lazy exact evaluation. Each pool block keeps how many of the chosen centers
// (the labelled points, then the picks) it has been updated with, and the
// largest distance among its unpicked points. Distances only shrink as centers
// are added, so a stale block maximum is an upper bound of its true one. To
// find the next pick the blocks are visited by decreasing bound; a visited
// block first catches up with its pending centers — ONE product of the block
// (m x D) against all of them (D x k), a real GEMM instead of a matrix-vector
// product per pick — and its bound becomes exact; the visit stops as soon as
// no remaining bound can beat (or tie with a lower index than) the best exact
// value found. The pick is the same as eager updating's: argmax of the true
// distances, ties to the lowest index.
#include "active/kcenter.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/gemm.h"

#define KCHUNK 512  // pending centers per product: the block's scratch is SC_KCENTER_BLOCK x KCHUNK floats

typedef struct kc {
    const float *x;      // (n, d) pool
    int64_t n, d, nb;    // points, dimension, blocks
    float *pn;           // (n) ||x_i||^2
    float *dmin;         // (n) distance to the nearest center applied so far; -1 once picked
    float *c, *cn;       // (L + b, d) centers and (L + b) their squared norms
    int64_t nc;          // centers so far
    int64_t *done;       // (nb) centers applied to each block
    float *bmax;         // (nb) largest dmin of the block's unpicked points (an upper bound while stale)
    int64_t *barg;       // (nb) its first index, or -1 if the block is exhausted
    float *g;            // (SC_KCENTER_BLOCK, KCHUNK) products
} kc;

static void sq_norms(const float *x, int64_t n, int64_t d, float *out) {
    for (int64_t i = 0; i < n; i++) {
        double s = 0;
        for (int64_t k = 0; k < d; k++) s += (double)x[i * d + k] * x[i * d + k];
        out[i] = (float)s;
    }
}

static void block_max(kc *s, int64_t bk) {
    int64_t lo = bk * SC_KCENTER_BLOCK, hi = lo + SC_KCENTER_BLOCK < s->n ? lo + SC_KCENTER_BLOCK : s->n;
    s->bmax[bk] = -1, s->barg[bk] = -1;
    for (int64_t i = lo; i < hi; i++)
        if (s->dmin[i] > s->bmax[bk]) s->bmax[bk] = s->dmin[i], s->barg[bk] = i;
}

// Brings block bk up to date with every center: G = X_blk C_pending^T, then
// d(i, j) = ||x_i||^2 + ||c_j||^2 - 2 G_ij, clamped at 0 (rounding).
static void catch_up(kc *s, int64_t bk) {
    int64_t lo = bk * SC_KCENTER_BLOCK, m = s->n - lo < SC_KCENTER_BLOCK ? s->n - lo : SC_KCENTER_BLOCK;
    if (s->done[bk] == s->nc) return;
    while (s->done[bk] < s->nc) {
        int64_t j0 = s->done[bk], k = s->nc - j0 < KCHUNK ? s->nc - j0 : KCHUNK;
        // G (m, k) = X[lo:lo+m] (m, d) @ C[j0:j0+k]^T (d, k): the transpose is C with swapped strides.
        sc_sgemm(m, k, s->d, 1.0f, s->x + lo * s->d, s->d, 1, s->c + j0 * s->d, 1, s->d, 0.0f, s->g, k, 1);
        for (int64_t i = 0; i < m; i++) {
            float *dm = &s->dmin[lo + i];
            if (*dm < 0) continue;
            for (int64_t j = 0; j < k; j++) {
                float v = s->pn[lo + i] + s->cn[j0 + j] - 2.0f * s->g[i * k + j];
                if (v < *dm) *dm = v < 0 ? 0 : v;
            }
        }
        s->done[bk] += k;
    }
    block_max(s, bk);
}

// (value, index) beats (best, arg): larger, or equal with a lower index.
static int beats(float v, int64_t i, float best, int64_t arg) { return v > best || (v == best && i < arg); }

// The next pick: the exact blocks' best, then stale blocks by decreasing bound
// until none can win.
static int64_t next_pick(kc *s) {
    float best = -1;
    int64_t arg = -1;
    for (int64_t q = 0; q < s->nb; q++)
        if (s->done[q] == s->nc && s->barg[q] >= 0 && (arg < 0 || beats(s->bmax[q], s->barg[q], best, arg)))
            best = s->bmax[q], arg = s->barg[q];
    for (;;) {
        int64_t bk = -1;  // the stale block of largest bound that could still win
        for (int64_t q = 0; q < s->nb; q++) {
            if (s->done[q] == s->nc || s->barg[q] < 0) continue;
            if (arg >= 0 && !beats(s->bmax[q], q * SC_KCENTER_BLOCK, best, arg)) continue;  // bound, first index
            if (bk < 0 || s->bmax[q] > s->bmax[bk]) bk = q;
        }
        if (bk < 0) return arg;
        catch_up(s, bk);  // now exact
        if (s->barg[bk] >= 0 && (arg < 0 || beats(s->bmax[bk], s->barg[bk], best, arg)))
            best = s->bmax[bk], arg = s->barg[bk];
    }
}

static void kc_free(kc *s) {
    free(s->pn), free(s->dmin), free(s->c), free(s->cn), free(s->done), free(s->bmax), free(s->barg), free(s->g);
}

int sc_kcenter_greedy(const float *pool, int64_t n, const float *labelled, int64_t l, int64_t d, int64_t b,
                      int64_t *picks, sc_err *err) {
    if (n < 0 || l < 0 || d < 1 || b < 0 || (n > 0 && !pool) || (l > 0 && !labelled) || (b > 0 && !picks))
        return sc_errf(err, "k-center: bad sizes (N %lld, L %lld, D %lld, b %lld)", (long long)n, (long long)l,
                       (long long)d, (long long)b);
    if (b > n) b = n;
    if (b == 0) return 0;
    kc s = {.x = pool, .n = n, .d = d, .nb = (n + SC_KCENTER_BLOCK - 1) / SC_KCENTER_BLOCK, .nc = l};
    s.pn = malloc(sizeof(float) * (size_t)n), s.dmin = malloc(sizeof(float) * (size_t)n);
    s.c = malloc(sizeof(float) * (size_t)((l + b) * d)), s.cn = malloc(sizeof(float) * (size_t)(l + b));
    s.done = calloc((size_t)s.nb, sizeof(int64_t)), s.bmax = malloc(sizeof(float) * (size_t)s.nb);
    s.barg = malloc(sizeof(int64_t) * (size_t)s.nb), s.g = malloc(sizeof(float) * SC_KCENTER_BLOCK * KCHUNK);
    if (!s.pn || !s.dmin || !s.c || !s.cn || !s.done || !s.bmax || !s.barg || !s.g) {
        kc_free(&s);
        return sc_errf(err, "k-center: out of memory (N %lld, L %lld, D %lld, b %lld)", (long long)n, (long long)l,
                       (long long)d, (long long)b);
    }
    sq_norms(pool, n, d, s.pn);
    if (l) memcpy(s.c, labelled, sizeof(float) * (size_t)(l * d)), sq_norms(labelled, l, d, s.cn);
    for (int64_t i = 0; i < n; i++) s.dmin[i] = INFINITY;
    for (int64_t q = 0; q < s.nb; q++) block_max(&s, q);  // +inf bounds: every block is visited first
    for (int64_t t = 0; t < b; t++) {
        int64_t p = next_pick(&s);
        picks[t] = p;
        s.dmin[p] = -1;  // picked: never again (a real distance is >= 0)
        int64_t bp = p / SC_KCENTER_BLOCK;
        memcpy(s.c + s.nc * d, pool + p * d, sizeof(float) * (size_t)d);
        s.cn[s.nc] = s.pn[p];
        // The pick's block was exact; it stays exact if we apply the new center now.
        int exact = s.done[bp] == s.nc;
        s.nc++;
        if (exact) catch_up(&s, bp);
        else block_max(&s, bp);
    }
    kc_free(&s);
    return 0;
}
