// kcenter.c — K-center greedy over squared Euclidean distances (kcenter.h).
#include "active/kcenter.h"

#include <math.h>
#include <stdlib.h>

#include "kernels/gemm.h"

// ||row||^2 of each of n rows of width d, in double for the sum then stored as float.
static void row_norms(const float *x, int64_t n, int64_t d, float *out) {
    for (int64_t i = 0; i < n; i++) {
        double s = 0;
        for (int64_t k = 0; k < d; k++) s += (double)x[i * d + k] * x[i * d + k];
        out[i] = (float)s;
    }
}

// dmin[i] = min_j ||x_i - c_j||^2 over the labelled set, a pool block at a time:
// G = X_blk C^T (blk x L) from one product, then ||x||^2 + ||c||^2 - 2 G.
static int init_min(const float *pool, const float *pn, int64_t n, const float *lab, int64_t l, int64_t d,
                    float *dmin, sc_err *err) {
    for (int64_t i = 0; i < n; i++) dmin[i] = INFINITY;
    if (l == 0) return 0;
    int64_t blk = SC_KCENTER_BLOCK;
    float *ln = malloc(sizeof(float) * (size_t)l), *g = malloc(sizeof(float) * (size_t)(blk * l));
    if (!ln || !g) return free(ln), free(g), sc_errf(err, "k-center: out of memory (%lld labelled)", (long long)l);
    row_norms(lab, l, d, ln);
    for (int64_t s = 0; s < n; s += blk) {
        int64_t m = n - s < blk ? n - s : blk;
        // G (m, l) = X[s:s+m] (m, d) @ C^T (d, l): C^T is C with swapped strides.
        sc_sgemm(m, l, d, 1.0f, pool + s * d, d, 1, lab, 1, d, 0.0f, g, l, 1);
        for (int64_t i = 0; i < m; i++) {
            float best = dmin[s + i];
            for (int64_t j = 0; j < l; j++) {
                float v = pn[s + i] + ln[j] - 2.0f * g[i * l + j];
                if (v < best) best = v;
            }
            dmin[s + i] = best < 0 ? 0 : best;
        }
    }
    free(ln), free(g);
    return 0;
}

// The first index of the largest dmin among the unpicked (dmin < 0 marks picked).
static int64_t argmax_first(const float *dmin, int64_t n) {
    int64_t best = -1;
    for (int64_t i = 0; i < n; i++)
        if (dmin[i] >= 0 && (best < 0 || dmin[i] > dmin[best])) best = i;
    return best;
}

int sc_kcenter_greedy(const float *pool, int64_t n, const float *labelled, int64_t l, int64_t d, int64_t b,
                      int64_t *picks, sc_err *err) {
    if (n < 0 || l < 0 || d < 1 || b < 0 || (n > 0 && !pool) || (l > 0 && !labelled) || (b > 0 && !picks))
        return sc_errf(err, "k-center: bad sizes (N %lld, L %lld, D %lld, b %lld)", (long long)n, (long long)l,
                       (long long)d, (long long)b);
    if (b > n) b = n;
    if (b == 0) return 0;
    float *pn = malloc(sizeof(float) * (size_t)n), *dmin = malloc(sizeof(float) * (size_t)n),
          *dot = malloc(sizeof(float) * (size_t)n);
    if (!pn || !dmin || !dot) {
        free(pn), free(dmin), free(dot);
        return sc_errf(err, "k-center: out of memory (%lld pool points)", (long long)n);
    }
    row_norms(pool, n, d, pn);
    int rc = init_min(pool, pn, n, labelled, l, d, dmin, err);
    for (int64_t t = 0; !rc && t < b; t++) {
        int64_t p = argmax_first(dmin, n);
        picks[t] = p;
        dmin[p] = -1;  // picked: never again (a real distance is >= 0)
        if (t + 1 == b) break;
        // dot (n, 1) = X (n, d) @ x_p (d, 1): one product of the new center with every point.
        sc_sgemm(n, 1, d, 1.0f, pool, d, 1, pool + p * d, 1, 1, 0.0f, dot, 1, 1);
        for (int64_t i = 0; i < n; i++) {
            if (dmin[i] < 0) continue;
            float v = pn[i] + pn[p] - 2.0f * dot[i];
            if (v < 0) v = 0;
            if (v < dmin[i]) dmin[i] = v;
        }
    }
    free(pn), free(dmin), free(dot);
    return rc;
}
