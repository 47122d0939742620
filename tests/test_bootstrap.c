// Bootstrap confidence intervals over seeds (eval/bootstrap.c): degenerate
// cases with exact answers, coverage of a binomial proportion against its
// normal-approximation width, averaging over seeds, regression metrics,
// determinism, and the argument checks.
#include "sc_test.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "eval/bootstrap.h"

static void test_constant_runs(void **state) {
    (void)state;
    float ones[50];
    for (int i = 0; i < 50; i++) ones[i] = 1;
    sc_boot_run runs[2] = {{ones, NULL}, {ones, NULL}};
    sc_boot_cfg cfg = sc_boot_default();
    sc_boot_ci ci;
    sc_err err;
    assert_int_equal(sc_bootstrap(runs, 2, 50, sc_boot_mean_a, &cfg, &ci, &err), 0);
    assert_true(ci.mean == 1 && ci.lo == 1 && ci.hi == 1 && ci.seed_sd == 0);
}

// One seed, n = 2000 Bernoulli(0.8) agreements, resamples of 1000 points: the
// interval must hold the sample mean and have about the normal width
// 2 · 1.96 · sqrt(p(1-p)/1000) = 0.0496.
static void test_binomial_width(void **state) {
    (void)state;
    enum { N = 2000 };
    float *a = malloc(sizeof(float) * N);
    sc_rng rng;
    sc_rng_seed(&rng, 7);
    double s = 0;
    for (int i = 0; i < N; i++) s += a[i] = sc_rng_uniform(&rng) < 0.8 ? 1.0f : 0.0f;
    sc_boot_run run = {a, NULL};
    sc_boot_cfg cfg = sc_boot_default();
    sc_boot_ci ci;
    sc_err err;
    assert_int_equal(sc_bootstrap(&run, 1, N, sc_boot_mean_a, &cfg, &ci, &err), 0);
    assert_true(fabs(ci.mean - s / N) < 1e-12);
    assert_true(ci.lo < ci.mean && ci.mean < ci.hi);
    double width = ci.hi - ci.lo, p = s / N, want = 2 * 1.959964 * sqrt(p * (1 - p) / 1000);
    assert_true(fabs(width - want) < 0.25 * want);
    // Same configuration, same numbers; another resampling seed, other numbers.
    sc_boot_ci again, other;
    assert_int_equal(sc_bootstrap(&run, 1, N, sc_boot_mean_a, &cfg, &again, &err), 0);
    assert_true(again.lo == ci.lo && again.hi == ci.hi);
    cfg.seed++;
    assert_int_equal(sc_bootstrap(&run, 1, N, sc_boot_mean_a, &cfg, &other, &err), 0);
    assert_true(other.lo != ci.lo || other.hi != ci.hi);
    free(a);
}

// Two seeds at 0.6 and 0.8 (alternating patterns): the estimate is their mean,
// the per-seed spread is the sample sd sqrt(2)·0.1, and the interval holds 0.7.
static void test_seed_average(void **state) {
    (void)state;
    enum { N = 1000 };
    float x[N], y[N];
    for (int i = 0; i < N; i++) {
        x[i] = i % 5 < 3;  // 0.6
        y[i] = i % 5 < 4;  // 0.8
    }
    sc_boot_run runs[2] = {{x, NULL}, {y, NULL}};
    sc_boot_cfg cfg = sc_boot_default();
    sc_boot_ci ci;
    sc_err err;
    assert_int_equal(sc_bootstrap(runs, 2, N, sc_boot_mean_a, &cfg, &ci, &err), 0);
    assert_true(fabs(ci.mean - 0.7) < 1e-12);
    assert_true(fabs(ci.seed_sd - sqrt(2.0) * 0.1) < 1e-12);
    assert_true(ci.lo < 0.7 && 0.7 < ci.hi && ci.hi - ci.lo < 0.1);
}

static void test_regression_metrics(void **state) {
    (void)state;
    enum { N = 400 };
    float a[N], b[N], c[N];
    for (int i = 0; i < N; i++) {
        a[i] = (float)i;
        b[i] = (float)(2 * i + 3);  // an exact linear relation: pearson 1 on every resample
        c[i] = a[i] + 2.0f;         // a constant offset: rmse 2 on every resample
    }
    sc_boot_run lin = {a, b}, off = {a, c};
    sc_boot_cfg cfg = sc_boot_default();
    cfg.resamples = 50;
    sc_boot_ci ci;
    sc_err err;
    assert_int_equal(sc_bootstrap(&lin, 1, N, sc_boot_pearson, &cfg, &ci, &err), 0);
    assert_true(fabs(ci.mean - 1) < 1e-9 && fabs(ci.lo - 1) < 1e-9 && fabs(ci.hi - 1) < 1e-9);
    assert_int_equal(sc_bootstrap(&off, 1, N, sc_boot_rmse, &cfg, &ci, &err), 0);
    assert_true(fabs(ci.mean - 2) < 1e-9 && fabs(ci.lo - 2) < 1e-9 && fabs(ci.hi - 2) < 1e-9);
}

static void test_bad_arguments(void **state) {
    (void)state;
    float a[4] = {1, 0, 1, 0};
    sc_boot_run run = {a, NULL};
    sc_boot_ci ci;
    sc_err err;
    sc_boot_cfg cfg = sc_boot_default();
    assert_int_equal(sc_bootstrap(&run, 0, 4, sc_boot_mean_a, &cfg, &ci, &err), -1);
    assert_int_equal(sc_bootstrap(&run, 1, 0, sc_boot_mean_a, &cfg, &ci, &err), -1);
    cfg.fraction = 0;
    assert_int_equal(sc_bootstrap(&run, 1, 4, sc_boot_mean_a, &cfg, &ci, &err), -1);
    assert_non_null(strstr(err.msg, "fraction"));
    cfg = sc_boot_default();
    cfg.level = 1;
    assert_int_equal(sc_bootstrap(&run, 1, 4, sc_boot_mean_a, &cfg, &ci, &err), -1);
    cfg = sc_boot_default();
    cfg.resamples = 0;
    assert_int_equal(sc_bootstrap(&run, 1, 4, sc_boot_mean_a, &cfg, &ci, &err), -1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_constant_runs),   cmocka_unit_test(test_binomial_width),
        cmocka_unit_test(test_seed_average),    cmocka_unit_test(test_regression_metrics),
        cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests_name("bootstrap", tests, NULL, sc_test_teardown);
}
