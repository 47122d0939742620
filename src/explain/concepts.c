// concepts.c — see concepts.h. PCA through LAPACK's symmetric eigensolver on
// the covariance (formed with one BLIS product); k-means and the silhouette by
// hand (they are the method). No blis.h here: it conflicts with lapacke.h, and
// kernels/gemm.h is enough.
#include "explain/concepts.h"

#include <float.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "kernels/gemm.h"

int sc_pca(const double *X, int64_t n, int64_t d, int64_t k, double *proj, double *components, double *var,
           sc_err *err) {
    if (n < 2 || d < 1 || k < 1 || k > d)
        return sc_errf(err, "pca: need n >= 2 points and 1 <= k <= d, got n %lld, d %lld, k %lld", (long long)n,
                       (long long)d, (long long)k);
    double *xc = malloc(sizeof(double) * (size_t)(n * d)), *c = malloc(sizeof(double) * (size_t)(d * d));
    double *w = malloc(sizeof(double) * (size_t)d), *vk = malloc(sizeof(double) * (size_t)(d * k));
    int rc = -1;
    if (!xc || !c || !w || !vk) {
        sc_errf(err, "pca: out of memory");
        goto out;
    }
    for (int64_t j = 0; j < d; j++) {  // centre each column
        double m = 0;
        for (int64_t i = 0; i < n; i++) m += X[i * d + j];
        m /= (double)n;
        for (int64_t i = 0; i < n; i++) xc[i * d + j] = X[i * d + j] - m;
    }
    // C (d, d) = Xc^T Xc / (n - 1): Xc^T is Xc's view with swapped strides.
    sc_dgemm(d, d, n, 1.0 / (double)(n - 1), xc, 1, d, xc, d, 1, 0.0, c, d, 1);
    lapack_int info = LAPACKE_dsyevd(LAPACK_ROW_MAJOR, 'V', 'U', (lapack_int)d, c, (lapack_int)d, w);
    if (info) {
        sc_errf(err, "pca: the eigensolver failed (LAPACK dsyevd info %d)", (int)info);
        goto out;
    }
    // Eigenvalues come ascending: component t is column d - 1 - t of c.
    for (int64_t t = 0; t < k; t++) {
        int64_t col = d - 1 - t, arg = 0;
        for (int64_t i = 1; i < d; i++)
            if (fabs(c[i * d + col]) > fabs(c[arg * d + col])) arg = i;
        double sign = c[arg * d + col] < 0 ? -1 : 1;
        for (int64_t i = 0; i < d; i++) vk[i * k + t] = sign * c[i * d + col];  // V_k (d, k)
        if (var) var[t] = w[col] > 0 ? w[col] : 0;
        if (components)
            for (int64_t i = 0; i < d; i++) components[t * d + i] = vk[i * k + t];
    }
    sc_dgemm(n, k, d, 1.0, xc, d, 1, vk, k, 1, 0.0, proj, k, 1);  // (n, k)
    rc = 0;
out:
    free(xc), free(c), free(w), free(vk);
    return rc;
}

static double sqdist(const double *a, const double *b, int64_t d) {
    double s = 0;
    for (int64_t j = 0; j < d; j++) s += (a[j] - b[j]) * (a[j] - b[j]);
    return s;
}

// k-means++: the first centre uniformly, each next one with probability
// proportional to the squared distance to the nearest centre so far.
static void seed_centers(const double *X, int64_t n, int64_t d, int k, sc_rng *rng, double *centers, double *dmin) {
    int64_t first = (int64_t)(sc_rng_uniform(rng) * (double)n);
    memcpy(centers, X + (first < n ? first : n - 1) * d, sizeof(double) * (size_t)d);
    for (int64_t i = 0; i < n; i++) dmin[i] = sqdist(X + i * d, centers, d);
    for (int c = 1; c < k; c++) {
        double tot = 0;
        for (int64_t i = 0; i < n; i++) tot += dmin[i];
        double r = sc_rng_uniform(rng) * tot, acc = 0;
        int64_t pick = n - 1;
        for (int64_t i = 0; i < n && tot > 0; i++)
            if ((acc += dmin[i]) > r) {
                pick = i;
                break;
            }
        memcpy(centers + (int64_t)c * d, X + pick * d, sizeof(double) * (size_t)d);
        for (int64_t i = 0; i < n; i++) {
            double s = sqdist(X + i * d, centers + (int64_t)c * d, d);
            if (s < dmin[i]) dmin[i] = s;
        }
    }
}

// One assignment pass: the nearest centre of each point (ties: the lower index).
// Returns how many points changed cluster; dmin gets each point's squared distance.
static int64_t assign_points(const double *X, int64_t n, int64_t d, int k, const double *centers, int *assign,
                             double *dmin) {
    int64_t changed = 0;
    for (int64_t i = 0; i < n; i++) {
        int best = 0;
        double bd = DBL_MAX;
        for (int c = 0; c < k; c++) {
            double s = sqdist(X + i * d, centers + (int64_t)c * d, d);
            if (s < bd) bd = s, best = c;
        }
        changed += assign[i] != best;
        assign[i] = best;
        dmin[i] = bd;
    }
    return changed;
}

// Centres as the means of their points; an empty cluster takes the point
// farthest from its own centre (which then leaves its old cluster next pass).
static void update_centers(const double *X, int64_t n, int64_t d, int k, const int *assign, const double *dmin,
                           double *centers, int64_t *count) {
    memset(centers, 0, sizeof(double) * (size_t)(k * d));
    memset(count, 0, sizeof(int64_t) * (size_t)k);
    for (int64_t i = 0; i < n; i++) {
        count[assign[i]]++;
        for (int64_t j = 0; j < d; j++) centers[(int64_t)assign[i] * d + j] += X[i * d + j];
    }
    for (int c = 0; c < k; c++) {
        if (count[c]) {
            for (int64_t j = 0; j < d; j++) centers[(int64_t)c * d + j] /= (double)count[c];
            continue;
        }
        int64_t far = 0;
        for (int64_t i = 1; i < n; i++)
            if (dmin[i] > dmin[far]) far = i;
        memcpy(centers + (int64_t)c * d, X + far * d, sizeof(double) * (size_t)d);
    }
}

int sc_kmeans(const double *X, int64_t n, int64_t d, int k, uint64_t seed, int iters, int *assign, double *centers,
              double *inertia, sc_err *err) {
    if (k < 1 || n < k) return sc_errf(err, "kmeans: need 1 <= k <= n points, got k %d, n %lld", k, (long long)n);
    double *dmin = malloc(sizeof(double) * (size_t)n);
    int64_t *count = malloc(sizeof(int64_t) * (size_t)k);
    if (!dmin || !count) {
        free(dmin), free(count);
        return sc_errf(err, "kmeans: out of memory");
    }
    sc_rng rng;
    sc_rng_seed(&rng, seed);
    seed_centers(X, n, d, k, &rng, centers, dmin);
    for (int64_t i = 0; i < n; i++) assign[i] = -1;
    for (int it = 0; it < iters; it++) {
        if (!assign_points(X, n, d, k, centers, assign, dmin)) break;
        update_centers(X, n, d, k, assign, dmin, centers, count);
    }
    assign_points(X, n, d, k, centers, assign, dmin);  // consistent with the final centres
    if (inertia) {
        *inertia = 0;
        for (int64_t i = 0; i < n; i++) *inertia += dmin[i];
    }
    free(dmin), free(count);
    return 0;
}

double sc_silhouette(const double *X, int64_t n, int64_t d, const int *assign, int k) {
    double *sum = malloc(sizeof(double) * (size_t)k);
    int64_t *cnt = calloc((size_t)k, sizeof(int64_t));
    if (!sum || !cnt) {
        free(sum), free(cnt);
        return NAN;
    }
    for (int64_t i = 0; i < n; i++) cnt[assign[i]]++;
    double total = 0;
    for (int64_t i = 0; i < n; i++) {
        memset(sum, 0, sizeof(double) * (size_t)k);
        for (int64_t j = 0; j < n; j++)
            if (j != i) sum[assign[j]] += sqrt(sqdist(X + i * d, X + j * d, d));
        int own = assign[i];
        if (cnt[own] < 2) continue;  // alone in its cluster: s = 0
        double a = sum[own] / (double)(cnt[own] - 1), b = DBL_MAX;
        for (int c = 0; c < k; c++)
            if (c != own && cnt[c] && sum[c] / (double)cnt[c] < b) b = sum[c] / (double)cnt[c];
        if (b == DBL_MAX) continue;
        double m = a > b ? a : b;
        total += m > 0 ? (b - a) / m : 0;
    }
    free(sum), free(cnt);
    return total / (double)n;
}

int sc_concepts_choose_k(const double *X, int64_t n, int64_t d, int k_min, int k_max, uint64_t seed,
                         int64_t max_sample, int *best_k, int *assign, double *centers, double *scores, sc_err *err) {
    if (k_min < 2 || k_max < k_min || n < k_max)
        return sc_errf(err, "concepts: need 2 <= k_min <= k_max <= n, got %d..%d for %lld points", k_min, k_max,
                       (long long)n);
    int64_t m = n < max_sample ? n : max_sample;
    int64_t *pick = malloc(sizeof(int64_t) * (size_t)n);
    double *sub = malloc(sizeof(double) * (size_t)(m * d));
    int *sa = malloc(sizeof(int) * (size_t)m);
    if (!pick || !sub || !sa) {
        free(pick), free(sub), free(sa);
        return sc_errf(err, "concepts: out of memory");
    }
    sc_rng rng;  // the subsample: the first m of a seeded permutation
    sc_rng_seed(&rng, seed ^ 0x51u);
    for (int64_t i = 0; i < n; i++) pick[i] = i;
    for (int64_t i = n - 1; i > 0; i--) {
        int64_t j = (int64_t)(sc_rng_uniform(&rng) * (double)(i + 1));
        if (j > i) j = i;
        int64_t t = pick[i];
        pick[i] = pick[j], pick[j] = t;
    }
    for (int64_t i = 0; i < m; i++) memcpy(sub + i * d, X + pick[i] * d, sizeof(double) * (size_t)d);
    double best = -2;
    int rc = 0;
    for (int k = k_min; k <= k_max && !rc; k++) {
        rc = sc_kmeans(X, n, d, k, seed, 100, assign, centers, NULL, err);
        if (rc) break;
        for (int64_t i = 0; i < m; i++) sa[i] = assign[pick[i]];
        double s = sc_silhouette(sub, m, d, sa, k);
        scores[k - k_min] = s;
        if (s > best) best = s, *best_k = k;
    }
    if (!rc) rc = sc_kmeans(X, n, d, *best_k, seed, 100, assign, centers, NULL, err);
    free(pick), free(sub), free(sa);
    return rc;
}
