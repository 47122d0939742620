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
    double worst = 0;
    for (int i = 0; i <= 400000; i++) {
        float u = -20.0f + 40.0f * (float)i / 400000.0f;
        double err = fabs(sc_tanhf_fast(u) - tanh((double)u));
        if (err > worst) worst = err;
    }
    if (worst > 2e-7) fail_msg("sc_tanhf_fast max absolute error %.3e > 2e-7", worst);
    assert_true(sc_tanhf_fast(50.0f) == 1.0f && sc_tanhf_fast(-50.0f) == -1.0f);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_expf_fast_accuracy),
        cmocka_unit_test(test_tanhf_fast_accuracy),
    };
    return cmocka_run_group_tests_name("fastmath", tests, NULL, sc_test_teardown);
}
