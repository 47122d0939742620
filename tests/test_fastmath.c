// The vectorizable f32 exp/tanh used by the hot kernels: accuracy over the whole
// range against libm in double precision, and the special values.
#include "sc_test.h"

#include <math.h>

#include "kernels/fastmath.h"

static void test_expf_fast_accuracy(void **state) {
    (void)state;
    double worst = 0;
    for (int i = 0; i <= 2000000; i++) {
        float x = -87.0f + 175.0f * (float)i / 2000000.0f;
        double want = exp((double)x), got = sc_expf_fast(x);
        double rel = fabs(got - want) / want;
        if (rel > worst) worst = rel;
    }
    if (worst > 3e-7) fail_msg("sc_expf_fast max relative error %.3e > 3e-7 (about 2.5 ulp)", worst);
    assert_true(sc_expf_fast(0.0f) == 1.0f);
    assert_true(sc_expf_fast(-INFINITY) == 0.0f);
    assert_true(sc_expf_fast(-1e9f) == 0.0f);  // masked attention logits
    assert_true(isinf(sc_expf_fast(INFINITY)) && sc_expf_fast(100.0f) > 0);
    assert_true(isnan(sc_expf_fast(NAN)));
}

static void test_tanhf_fast_accuracy(void **state) {
    (void)state;
    double worst_abs = 0, worst_rel = 0;
    for (int i = 0; i <= 400000; i++) {
        float u = -20.0f + 40.0f * (float)i / 400000.0f;
        double want = tanh((double)u), got = sc_tanhf_fast(u), err = fabs(got - want);
        if (err > worst_abs) worst_abs = err;
        if (want != 0 && err / fabs(want) > worst_rel) worst_rel = err / fabs(want);
        if (fabs(got) > 1.0) fail_msg("sc_tanhf_fast(%.9g) = %.9g is outside [-1, 1]", u, got);
        if (sc_tanhf_fast(-u) != -sc_tanhf_fast(u)) fail_msg("sc_tanhf_fast is not odd at %.9g", u);
    }
    // Near 0, where 1 - 2 / (1 + exp(2u)) lost its relative accuracy to cancellation.
    for (float u = 1e-30f; u < 1.0f; u *= 1.01f) {
        double want = tanh((double)u), rel = fabs(sc_tanhf_fast(u) - want) / want;
        if (rel > worst_rel) worst_rel = rel;
    }
    if (worst_abs > 4e-7) fail_msg("sc_tanhf_fast max absolute error %.3e > 4e-7", worst_abs);
    if (worst_rel > 4e-7) fail_msg("sc_tanhf_fast max relative error %.3e > 4e-7", worst_rel);
    assert_true(sc_tanhf_fast(0.0f) == 0.0f);
    assert_true(sc_tanhf_fast(50.0f) == 1.0f && sc_tanhf_fast(-50.0f) == -1.0f);
    assert_true(sc_tanhf_fast(INFINITY) == 1.0f && sc_tanhf_fast(-INFINITY) == -1.0f);
    assert_true(isnan(sc_tanhf_fast(NAN)));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_expf_fast_accuracy),
        cmocka_unit_test(test_tanhf_fast_accuracy),
    };
    return cmocka_run_group_tests_name("fastmath", tests, NULL, sc_test_teardown);
}
