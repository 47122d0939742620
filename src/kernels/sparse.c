// sparse.c — sparsemax and entmax-1.5 by sorting (see sparse.h for the maps).
#include "kernels/sparse.h"

#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

// Decreasing order, NaN last: a total order, so qsort stays well-defined on any input.
static int cmp_desc(const void *pa, const void *pb) {
    double a = *(const double *)pa, b = *(const double *)pb;
    if (isnan(a)) return isnan(b) ? 0 : 1;
    if (isnan(b)) return -1;
    return (a < b) - (a > b);
}

static void sort_desc(double *s, int64_t n) {
    if (n > 24) {
        qsort(s, (size_t)n, sizeof *s, cmp_desc);
        return;
    }
    for (int64_t i = 1; i < n; i++) {  // short rows: insertion sort
        double v = s[i];
        int64_t j = i;
        while (j > 0 && cmp_desc(&s[j - 1], &v) > 0) {
            s[j] = s[j - 1];
            j--;
        }
        s[j] = v;
    }
}

// With s sorted decreasing and the k largest entries as the support,
//   sum_{i<=k} (s_i - tau) = 1   =>   tau_k = (sum_{i<=k} s_i - 1) / k.
// The true support is the largest k with s_k > tau_k: if some k beyond it
// satisfied that, then sum_{i<k} (s_i - s_k) < 1, i.e. s_k would be above the true
// threshold, a contradiction. Values are shifted by the maximum s_1 so the
// prefix sums that decide the support never cancel against a large offset.
double sc_k_sparsemax_tau(const double *z, int64_t n, double *scratch, int64_t *support) {
    if (n < 1) {  // no row: no threshold (the ops reject empty axes before this)
        if (support) *support = 0;
        return 0.0;
    }
    memcpy(scratch, z, (size_t)n * sizeof *z);
    sort_desc(scratch, n);
    double m = scratch[0], cs = 0, tau = -1;  // k = 1 always qualifies: tau_1 = s_1 - 1
    int64_t best = 1;
    for (int64_t k = 1; k <= n; k++) {
        double v = scratch[k - 1] - m;
        cs += v;
        double t = (cs - 1) / (double)k;
        if (v > t) best = k, tau = t;
    }
    if (support) *support = best;
    return m + tau;
}

// Entmax-1.5 on X = z/2 (sorted decreasing): on a support of size k,
//   sum_{i<=k} (X_i - tau)^2 = 1,  the root below the mean:
//   tau_k = mean_k - sqrt((1 - ss_k) / k),  ss_k = sum_{i<=k} (X_i - mean_k)^2,
// ss_k from Welford's running update (no cancellation). As for sparsemax the
// support is the largest k with X_k > tau_k. ss_k never decreases and the true
// support has ss <= sum (X_i - tau)^2 = 1, so the scan stops once ss_k > 1.
double sc_k_entmax15_tau(const double *z, int64_t n, double *scratch, int64_t *support) {
    if (n < 1) {  // no row: no threshold (the ops reject empty axes before this)
        if (support) *support = 0;
        return 0.0;
    }
    for (int64_t i = 0; i < n; i++) scratch[i] = 0.5 * z[i];
    sort_desc(scratch, n);
    double m = scratch[0], mean = 0, ss = 0, tau = -1;  // k = 1: tau_1 = X_1 - 1
    int64_t best = 1;
    for (int64_t k = 1; k <= n; k++) {
        double v = scratch[k - 1] - m, d = v - mean;
        mean += d / (double)k;
        ss += d * (v - mean);
        if (ss > 1) break;
        double t = mean - sqrt((1 - ss) / (double)k);
        if (v > t) best = k, tau = t;
    }
    if (support) *support = best;
    return m + tau;
}

// One row: z (widened to f64) in scratch[0, n), the sort in scratch[n, 2n).
#define SPARSE_ROWS(T, NAME, TAU, MAP)                                                      \
    void NAME(T *y, const T *x, int64_t rows, int64_t n, double *scratch) {                  \
        double *z = scratch, *sorted = scratch + n;                                          \
        for (int64_t r = 0; r < rows; r++) {                                                 \
            const T *xr = x + r * n; /* (n,) */                                              \
            T *yr = y + r * n;       /* (n,) */                                              \
            for (int64_t i = 0; i < n; i++) z[i] = (double)xr[i];                            \
            double tau = TAU(z, n, sorted, NULL);                                            \
            for (int64_t i = 0; i < n; i++) {                                                \
                double v = MAP(z[i], tau);                                                   \
                yr[i] = (T)v;                                                                \
            }                                                                                \
        }                                                                                    \
    }

static inline double sparsemax_map(double z, double tau) { return z > tau ? z - tau : 0.0; }
static inline double entmax15_map(double z, double tau) {
    double u = 0.5 * z - tau;
    return u > 0 ? u * u : 0.0;
}

SPARSE_ROWS(float, sc_k_sparsemax_f32, sc_k_sparsemax_tau, sparsemax_map)
SPARSE_ROWS(double, sc_k_sparsemax_f64, sc_k_sparsemax_tau, sparsemax_map)
SPARSE_ROWS(float, sc_k_entmax15_f32, sc_k_entmax15_tau, entmax15_map)
SPARSE_ROWS(double, sc_k_entmax15_f64, sc_k_entmax15_tau, entmax15_map)

// ---- fused backward ----------------------------------------------------------------------
static _Atomic uint64_t fused_calls;  // atomic: concurrent steps never race on it
uint64_t sc_k_sparse_fused_count(void) { return atomic_load(&fused_calls); }

// s_i = weight(y_i) (0 off the support); sums in f64.
#define SPARSE_BACK(T, NAME, WEIGHT)                                                         \
    void NAME(T *gx, const T *g, const T *y, int64_t rows, int64_t n) {                      \
        atomic_fetch_add(&fused_calls, 1);                                                   \
        for (int64_t r = 0; r < rows; r++) {                                                 \
            const T *gr = g + r * n, *yr = y + r * n; /* (n,) */                             \
            T *o = gx + r * n;                        /* (n,) */                             \
            double ss = 0, sg = 0;                                                           \
            for (int64_t i = 0; i < n; i++) {                                                \
                double s = yr[i] > 0 ? WEIGHT((double)yr[i]) : 0.0;                          \
                ss += s;                                                                     \
                sg += s * (double)gr[i];                                                     \
            }                                                                                \
            double ratio = ss > 0 ? sg / ss : 0.0;                                           \
            for (int64_t i = 0; i < n; i++) {                                                \
                double s = yr[i] > 0 ? WEIGHT((double)yr[i]) : 0.0;                          \
                o[i] = (T)(s * ((double)gr[i] - ratio));                                     \
            }                                                                                \
        }                                                                                    \
    }

static inline double unit_weight(double y) { (void)y; return 1.0; }

SPARSE_BACK(float, sc_k_sparsemax_back_f32, unit_weight)
SPARSE_BACK(double, sc_k_sparsemax_back_f64, unit_weight)
SPARSE_BACK(float, sc_k_entmax15_back_f32, sqrt)
SPARSE_BACK(double, sc_k_entmax15_back_f64, sqrt)
