// K-center greedy (active/kcenter.c): exact picks on hand-checkable point sets
// (a line, the corners of a square, duplicates, no labelled set, b > N), bad
// sizes refused, and random integer-valued sets (so every float product is
// exact) against a naive O(N b L) implementation in double, over several
// block boundaries of the pool.
#include "sc_test.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "active/kcenter.h"
#include "core/rng.h"

static void expect_picks(const float *pool, int64_t n, const float *lab, int64_t l, int64_t d, int64_t b,
                         const int64_t *want, int64_t n_want) {
    int64_t got[64];
    sc_err err;
    assert_int_equal(sc_kcenter_greedy(pool, n, lab, l, d, b, got, &err), 0);
    for (int64_t i = 0; i < n_want; i++)
        if (got[i] != want[i]) fail_msg("pick %lld: got %lld, want %lld", (long long)i, (long long)got[i],
                                        (long long)want[i]);
}

// Points 0, 1, ..., 10 on a line, point 0 labelled (as the pool's first point
// too, at distance 0). Picks: 10 (distance 10); then 5 (5 from both ends);
// then the distances to {0, 5, 10} are 1,2,2,1 | 1,2,2,1 for points 1-4 | 6-9:
// the first 2 is point 2, which brings 3 down to 1; then 7, which brings 8
// down to 1; then the 1s in index order 1, 3, 4, 6, 8, 9; last 0 (distance 0).
static void test_line(void **state) {
    (void)state;
    float pool[11], lab[1] = {0};
    for (int i = 0; i <= 10; i++) pool[i] = (float)i;
    const int64_t want[] = {10, 5, 2, 7, 1, 3, 4, 6, 8, 9, 0};
    expect_picks(pool, 11, lab, 1, 1, 11, want, 11);
    // Without a labelled set the first pick is the lowest index (every distance
    // is infinite), then the farthest from it.
    const int64_t want0[] = {0, 10, 5, 2};
    expect_picks(pool, 11, NULL, 0, 1, 4, want0, 4);
}

// The unit square's corners (0,0) (1,0) (0,1) (1,1) and its centre (.5,.5),
// labelled (0,0): the opposite corner (1,1) is farthest (squared 2); then (1,0)
// and (0,1) tie at 1: the lower index (1,0) first; then (0,1); then the centre.
static void test_square(void **state) {
    (void)state;
    const float pool[] = {0.5f, 0.5f, 1, 0, 0, 1, 1, 1}, lab[] = {0, 0};
    const int64_t want[] = {3, 1, 2, 0};
    expect_picks(pool, 4, lab, 1, 2, 4, want, 4);
    // Duplicates of a labelled point are never preferred to a real distance,
    // and b > N gives N picks.
    const float dup[] = {0, 0, 0, 0, 2, 0};
    const int64_t want2[] = {2, 0, 1};
    expect_picks(dup, 3, lab, 1, 2, 9, want2, 3);
}

static void test_refusals(void **state) {
    (void)state;
    sc_err err;
    int64_t p[2];
    float x[2] = {0, 1};
    assert_int_equal(sc_kcenter_greedy(x, 2, NULL, 1, 1, 1, p, &err), -1);  // labelled count without points
    assert_non_null(strstr(err.msg, "k-center: bad sizes"));
    assert_int_equal(sc_kcenter_greedy(x, 2, NULL, 0, 0, 1, p, &err), -1);  // D = 0
    assert_int_equal(sc_kcenter_greedy(x, 2, NULL, 0, 1, 0, p, &err), 0);   // b = 0: nothing to do
}

// The same greedy rule written out naively: O(N L D) then O(N D) per pick,
// every distance recomputed in double from the coordinates.
static void naive(const float *x, int64_t n, const float *c, int64_t l, int64_t d, int64_t b, int64_t *out) {
    double *dm = malloc(sizeof(double) * (size_t)n);
    char *used = calloc((size_t)n, 1);
    for (int64_t i = 0; i < n; i++) {
        dm[i] = INFINITY;
        for (int64_t j = 0; j < l; j++) {
            double s = 0;
            for (int64_t k = 0; k < d; k++) s += (double)(x[i * d + k] - c[j * d + k]) * (x[i * d + k] - c[j * d + k]);
            dm[i] = fmin(dm[i], s);
        }
    }
    for (int64_t t = 0; t < b; t++) {
        int64_t best = -1;
        for (int64_t i = 0; i < n; i++)
            if (!used[i] && (best < 0 || dm[i] > dm[best])) best = i;
        out[t] = best;
        used[best] = 1;
        for (int64_t i = 0; i < n; i++) {
            double s = 0;
            for (int64_t k = 0; k < d; k++)
                s += (double)(x[i * d + k] - x[best * d + k]) * (x[i * d + k] - x[best * d + k]);
            dm[i] = fmin(dm[i], s);
        }
    }
    free(dm), free(used);
}

// Integer coordinates in [-3, 3]: norms and dot products are small integers,
// exact in float, so the BLIS path must agree with the naive one pick for pick
// (ties included, both taking the lowest index).
static void test_against_naive(void **state) {
    (void)state;
    // The last two cross the products' chunk of 512 centers (b = N picks; L = 700).
    const int64_t cases[][4] = {{50, 0, 3, 20},     {300, 7, 5, 40},  {2500, 30, 8, 60},
                                {1100, 1, 2, 1100}, {3000, 700, 4, 50}};
    int n_cases = sc_test_quick() ? 2 : 5;
    sc_rng r;
    sc_rng_seed(&r, 2018);
    for (int t = 0; t < n_cases; t++) {
        int64_t n = cases[t][0], l = cases[t][1], d = cases[t][2], b = cases[t][3];
        float *x = malloc(sizeof(float) * (size_t)(n * d)), *c = malloc(sizeof(float) * (size_t)(l * d + 1));
        int64_t *got = malloc(sizeof(int64_t) * (size_t)b), *want = malloc(sizeof(int64_t) * (size_t)b);
        for (int64_t i = 0; i < n * d; i++) x[i] = (float)((int64_t)sc_rng_below(&r, 7) - 3);
        for (int64_t i = 0; i < l * d; i++) c[i] = (float)((int64_t)sc_rng_below(&r, 7) - 3);
        sc_err err;
        assert_int_equal(sc_kcenter_greedy(x, n, l ? c : NULL, l, d, b, got, &err), 0);
        naive(x, n, c, l, d, b, want);
        for (int64_t i = 0; i < b; i++)
            if (got[i] != want[i])
                fail_msg("case %d (N %lld, L %lld, D %lld): pick %lld is %lld, naive %lld", t, (long long)n,
                         (long long)l, (long long)d, (long long)i, (long long)got[i], (long long)want[i]);
        char *seen = calloc((size_t)n, 1);  // distinct picks
        for (int64_t i = 0; i < b; i++) assert_int_equal(seen[got[i]]++, 0);
        free(seen), free(x), free(c), free(got), free(want);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_line),
        cmocka_unit_test(test_square),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_against_naive),
    };
    return cmocka_run_group_tests_name("al_kcenter", tests, NULL, sc_test_teardown);
}
