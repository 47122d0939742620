// Dataset-level concepts (explain/concepts.c): PCA against the data's known
// structure (orthonormal components, variances that are the projections'
// variances, the dominant direction found), k-means recovering separated
// blobs, the silhouette against a hand computation, k chosen by silhouette,
// determinism, and the refusals.
#include "sc_test.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "explain/concepts.h"

enum { N = 300, D = 6, K_TRUE = 3 };

// Three blobs of 100 points, centred 10 apart along different axes, sd 0.5;
// label[i] is the blob.
static void blobs(double *X, int *label, uint64_t seed) {
    sc_rng r;
    sc_rng_seed(&r, seed);
    for (int i = 0; i < N; i++) {
        label[i] = i % K_TRUE;
        for (int j = 0; j < D; j++) {
            double g = 0;  // a sum of 12 uniforms: close enough to a normal for a test
            for (int t = 0; t < 12; t++) g += sc_rng_uniform(&r);
            X[i * D + j] = 0.5 * (g - 6) + (j == label[i] ? 10 : 0);
        }
    }
}

static void test_pca(void **state) {
    (void)state;
    // Points along (1, 2, 2)/3 with spread 3, plus small noise: the first
    // component is that direction, its variance about 9 x var(t).
    static double X[N * 3], proj[N * 2], comp[2 * 3], var[2];
    sc_rng r;
    sc_rng_seed(&r, 3);
    for (int i = 0; i < N; i++) {
        double t = 6 * sc_rng_uniform(&r) - 3;
        for (int j = 0; j < 3; j++) X[i * 3 + j] = t * (j == 0 ? 1 : 2) + 0.01 * (sc_rng_uniform(&r) - 0.5) + 5;
    }
    sc_err err;
    assert_int_equal(sc_pca(X, N, 3, 2, proj, comp, var, &err), 0);
    assert_true(fabs(comp[0] - 1.0 / 3) < 1e-3 && fabs(comp[1] - 2.0 / 3) < 1e-3 && fabs(comp[2] - 2.0 / 3) < 1e-3);
    assert_true(var[0] > 100 * var[1]);
    for (int a = 0; a < 2; a++)  // orthonormal components
        for (int b = 0; b < 2; b++) {
            double dot = 0;
            for (int j = 0; j < 3; j++) dot += comp[a * 3 + j] * comp[b * 3 + j];
            assert_true(fabs(dot - (a == b)) < 1e-10);
        }
    for (int t = 0; t < 2; t++) {  // each variance is its projection's (centred) sample variance
        double m = 0, v = 0;
        for (int i = 0; i < N; i++) m += proj[i * 2 + t];
        m /= N;
        for (int i = 0; i < N; i++) v += (proj[i * 2 + t] - m) * (proj[i * 2 + t] - m);
        assert_true(fabs(m) < 1e-9);
        assert_true(fabs(v / (N - 1) - var[t]) < 1e-9 * fmax(1, var[t]));
    }
    assert_int_equal(sc_pca(X, 1, 3, 2, proj, comp, var, &err), -1);
    assert_non_null(strstr(err.msg, "need n >= 2 points and 1 <= k <= d"));
    assert_int_equal(sc_pca(X, N, 3, 4, proj, comp, var, &err), -1);
}

// Agreement of two labelings up to renaming: each cluster maps to one blob.
static int same_partition(const int *a, const int *b, int n, int k) {
    int map[8];
    for (int c = 0; c < k; c++) map[c] = -1;
    for (int i = 0; i < n; i++) {
        if (map[a[i]] < 0) map[a[i]] = b[i];
        if (map[a[i]] != b[i]) return 0;
    }
    return 1;
}

static void test_kmeans_and_choice_of_k(void **state) {
    (void)state;
    static double X[N * D], centers[8 * D], scores[5];
    static int label[N], assign[N], assign2[N];
    blobs(X, label, 7);
    sc_err err;
    double inertia;
    assert_int_equal(sc_kmeans(X, N, D, 3, 1, 100, assign, centers, &inertia, &err), 0);
    assert_true(same_partition(assign, label, N, 3));
    assert_true(inertia < N * D * 0.5);  // within-cluster spread only (sd 0.5 per axis)
    // Determinism: the same seed, the same assignment.
    assert_int_equal(sc_kmeans(X, N, D, 3, 1, 100, assign2, centers, NULL, &err), 0);
    assert_memory_equal(assign, assign2, sizeof assign);
    // The silhouette of the true partition is high; of a random one about 0.
    double s = sc_silhouette(X, N, D, label, 3);
    assert_true(s > 0.8);
    for (int i = 0; i < N; i++) assign2[i] = (i * 7 + i / 5) % 3;
    assert_true(fabs(sc_silhouette(X, N, D, assign2, 3)) < 0.1);
    // k from 2..6 by silhouette, on a subsample of 120: the three blobs.
    int k = 0;
    assert_int_equal(sc_concepts_choose_k(X, N, D, 2, 6, 5, 120, &k, assign, centers, scores, &err), 0);
    assert_int_equal(k, 3);
    assert_true(same_partition(assign, label, N, 3));
    for (int t = 0; t < 5; t++)
        if (t != 1) assert_true(scores[t] < scores[1]);
    assert_int_equal(sc_kmeans(X, 2, D, 3, 1, 10, assign, centers, NULL, &err), -1);
    assert_non_null(strstr(err.msg, "need 1 <= k <= n points"));
    assert_int_equal(sc_concepts_choose_k(X, N, D, 1, 3, 5, 100, &k, assign, centers, scores, &err), -1);
}

// A hand-checkable silhouette: points 0, 1 (cluster 0) and 10 (cluster 1) on a line.
static void test_silhouette_by_hand(void **state) {
    (void)state;
    const double X[3] = {0, 1, 10};
    const int a[3] = {0, 0, 1};
    // point 0: a = 1, b = 10 -> 0.9; point 1: a = 1, b = 9 -> 8/9; point 2: alone -> 0.
    double want = (0.9 + 8.0 / 9 + 0) / 3;
    assert_true(fabs(sc_silhouette(X, 3, 1, a, 2) - want) < 1e-12);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pca),
        cmocka_unit_test(test_kmeans_and_choice_of_k),
        cmocka_unit_test(test_silhouette_by_hand),
    };
    return cmocka_run_group_tests(tests, NULL, sc_test_teardown);
}
