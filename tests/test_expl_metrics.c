// Explanation metrics: plausibility (eval/plausibility.c) on hand-made rankings
// with known answers, and faithfulness (eval/faithfulness.c) against synthetic
// models given as callbacks: a linear one whose values are derived by hand in the
// comments, and a sigmoid one where the true weights as saliency must give the
// largest comprehensiveness of any ordering and the reversed weights the smallest.
#include "sc_test.h"

#include <math.h>
#include <string.h>

#include "eval/faithfulness.h"
#include "eval/plausibility.h"
#include "eval/rank.h"

#define TOL 1e-12

static void example(const float *s, const float *g, const float *m, int64_t U, double *auc, double *ap, double *rk,
                    int want_rc) {
    int64_t work[64];
    assert_int_equal(sc_plaus_example(s, g, m, U, work, auc, ap, rk), want_rc);
}

static void test_rank(void **state) {
    (void)state;
    const float s[6] = {0.5f, 2.0f, 0.5f, -1.0f, 2.0f, 9.0f};
    const float m[6] = {1, 1, 1, 1, 1, 0};
    int64_t idx[6], tmp[6];
    assert_int_equal(sc_rank_desc(s, m, 6, idx, tmp), 5);
    const int64_t want[5] = {1, 4, 0, 2, 3};  // ties by index; unit 5 is invalid
    for (int i = 0; i < 5; i++) assert_int_equal(idx[i], want[i]);
}

static void test_plausibility_known(void **state) {
    (void)state;
    double auc, ap, rk;
    const float gold[4] = {1, 1, 0, 0};
    const float perfect[4] = {4, 3, 2, 1}, reversed[4] = {1, 2, 3, 4}, tied[4] = {1, 1, 1, 1};
    example(perfect, gold, NULL, 4, &auc, &ap, &rk, 0);
    assert_true(fabs(auc - 1) < TOL && fabs(ap - 1) < TOL && fabs(rk - 1) < TOL);
    // Reversed: gold at descending positions 3 and 4: AP = (1/3 + 2/4) / 2 = 5/12.
    example(reversed, gold, NULL, 4, &auc, &ap, &rk, 0);
    assert_true(fabs(auc) < TOL && fabs(ap - 5.0 / 12.0) < TOL && fabs(rk) < TOL);
    // All tied: AUC 1/2; one threshold: AP = precision 2/4; recall@2 expected 1/2.
    example(tied, gold, NULL, 4, &auc, &ap, &rk, 0);
    assert_true(fabs(auc - 0.5) < TOL && fabs(ap - 0.5) < TOL && fabs(rk - 0.5) < TOL);
    // Worked example: gold at descending positions 1, 3, 5 of 5.
    //   AP = (1/1 + 2/3 + 3/5) / 3 = 34/45; AUC: gold ascending ranks 5, 3, 1 ->
    //   (9 - 6) / (3 * 2) = 1/2; recall@3: top 3 hold 2 of 3 gold = 2/3.
    const float s5[5] = {0.9f, 0.8f, 0.7f, 0.6f, 0.5f}, g5[5] = {1, 0, 1, 0, 1};
    example(s5, g5, NULL, 5, &auc, &ap, &rk, 0);
    assert_true(fabs(ap - 34.0 / 45.0) < TOL && fabs(auc - 0.5) < TOL && fabs(rk - 2.0 / 3.0) < TOL);
    // A partial tie across the cut: scores (3, 2, 2, 1), gold (1, 1, 0, 0): AUC counts
    // the tied (gold, non-gold) pair as 1/2: (1 + 1 + 1 + 0.5) / 4 = 7/8; recall@2:
    // unit 0 plus half of the tied pair's one gold = 1.5 / 2; AP: thresholds 3 -> P 1,
    // R 1/2; 2 -> P 2/3, R 1: 1/2 + 1/2 * 2/3 = 5/6.
    const float s4[4] = {3, 2, 2, 1};
    example(s4, gold, NULL, 4, &auc, &ap, &rk, 0);
    assert_true(fabs(auc - 7.0 / 8.0) < TOL && fabs(rk - 0.75) < TOL && fabs(ap - 5.0 / 6.0) < TOL);
}

static void test_plausibility_mask_and_skip(void **state) {
    (void)state;
    double auc, ap, rk;
    // Unit 2 is invalid (padding) with the top score and no gold: ignored.
    const float s[5] = {4, 3, 99, 2, 1}, g[5] = {1, 1, 0, 0, 0}, m[5] = {1, 1, 0, 1, 1};
    example(s, g, m, 5, &auc, &ap, &rk, 0);
    assert_true(fabs(auc - 1) < TOL && fabs(ap - 1) < TOL && fabs(rk - 1) < TOL);
    example(s, g, NULL, 5, &auc, &ap, &rk, 0);
    assert_true(auc < 1 - 0.1);
    // All gold over the valid units (the invalid unit is not gold): skipped.
    const float g_all[5] = {1, 1, 0, 1, 1}, g_none[5] = {0};
    example(s, g_all, m, 5, &auc, &ap, &rk, -1);
    example(s, g_none, m, 5, &auc, &ap, &rk, -1);
    // Batch: rows perfect, reversed, all-0 (skipped), all-1 (skipped).
    const float S[4 * 4] = {4, 3, 2, 1, 1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4};
    const float G[4 * 4] = {1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1};
    sc_plausibility r;
    sc_err err;
    assert_int_equal(sc_plausibility_batch(S, G, NULL, 4, 4, &r, &err), 0);
    assert_int_equal(r.n_used, 2);
    assert_int_equal(r.n_skipped, 2);
    assert_true(fabs(r.auc - 0.5) < TOL && fabs(r.ap - (1 + 5.0 / 12.0) / 2) < TOL && fabs(r.recall_at_k - 0.5) < TOL);
}

// ---- faithfulness ----

enum { NU = 10 };
// Weights summing to 1, so the linear model's p = Σ w keep lies in [0, 1].
static const float W[NU] = {0.4f, 0.2f, 0.1f, 0.1f, 0.05f, 0.05f, 0.04f, 0.03f, 0.02f, 0.01f};

typedef struct model {
    int sigmoid;
    int64_t invalid;  // unit that must always arrive as 0, or -1
    int calls;
    int bad;          // the invalid unit arrived as nonzero
} model;

static double prob_fn(void *user, const float *keep) {
    model *m = user;
    double z = 0;
    m->calls++;
    for (int64_t u = 0; u < NU; u++) z += (double)W[u] * keep[u];
    if (m->invalid >= 0 && keep[NU] != 0.0f) m->bad = 1;
    return m->sigmoid ? 1.0 / (1.0 + exp(-(8.0 * z - 4.0))) : z;
}

static void faith(model *m, const float *sal, const float *mask, int64_t U, int steps, sc_faithfulness *r) {
    sc_err err;
    assert_int_equal(sc_faithfulness_example(prob_fn, m, sal, mask, U, steps, r, &err), 0);
}

static void test_faith_linear_by_hand(void **state) {
    (void)state;
    model m = {0, -1, 0, 0};
    sc_faithfulness r;
    // n = 10: k = ceil(f n) = 1, 1, 2, 3, 5; top-k weight sums 0.4, 0.4, 0.6, 0.7, 0.85.
    //   comprehensiveness = (0.4 + 0.4 + 0.6 + 0.7 + 0.85) / 5 = 0.59
    //   sufficiency = mean of 1 - those = 0.41
    // Deletion with 10 steps: p_i = 1 - (top-i sum) = 1, .6, .4, .3, .2, .15, .1, .06,
    // .03, .01, 0 -> trapezoid (0.5 (1 + 0) + 1.85) / 10 = 0.235; insertion = 1 - that.
    faith(&m, W, NULL, NU, 10, &r);
    assert_true(fabs(r.comprehensiveness - 0.59) < 1e-6);
    assert_true(fabs(r.sufficiency - 0.41) < 1e-6);
    assert_true(fabs(r.deletion - 0.235) < 1e-6);
    assert_true(fabs(r.insertion - 0.765) < 1e-6);
    assert_int_equal(m.calls, 1 + 2 * 5 + 2 * 11);
    // Reversed saliency: bottom-k sums 0.01, 0.01, 0.03, 0.06, 0.15 -> 0.26 / 5.
    float rev[NU];
    for (int u = 0; u < NU; u++) rev[u] = -W[u];
    faith(&m, rev, NULL, NU, 10, &r);
    assert_true(fabs(r.comprehensiveness - 0.052) < 1e-6);
    assert_true(fabs(r.sufficiency - 0.948) < 1e-6);
    assert_true(fabs(r.deletion - 0.765) < 1e-6);
    // 2 steps: remove 0, 5, 10 units: p = 1, 0.15, 0 -> (1 + 0.15) / 4 + (0.15 + 0) / 4.
    faith(&m, W, NULL, NU, 2, &r);
    assert_true(fabs(r.deletion - (1.15 + 0.15) / 4) < 1e-6);
}

static void test_faith_sigmoid_extremes(void **state) {
    (void)state;
    model m = {1, -1, 0, 0};
    sc_faithfulness best, worst, r;
    float rev[NU];
    for (int u = 0; u < NU; u++) rev[u] = -W[u];
    faith(&m, W, NULL, NU, 10, &best);
    faith(&m, rev, NULL, NU, 10, &worst);
    assert_true(best.comprehensiveness > worst.comprehensiveness + 0.3);
    assert_true(best.sufficiency < worst.sufficiency - 0.3);
    assert_true(best.deletion < worst.deletion && best.insertion > worst.insertion);
    // Random orderings (a fixed LCG) land between the two extremes.
    uint32_t st = 12345;
    for (int t = 0; t < 50; t++) {
        float sal[NU];
        for (int u = 0; u < NU; u++) st = st * 1664525u + 1013904223u, sal[u] = (float)(st >> 8);
        faith(&m, sal, NULL, NU, 10, &r);
        assert_true(r.comprehensiveness <= best.comprehensiveness + 1e-12);
        assert_true(r.comprehensiveness >= worst.comprehensiveness - 1e-12);
        assert_true(r.sufficiency >= best.sufficiency - 1e-12);
        assert_true(r.sufficiency <= worst.sufficiency + 1e-12);
    }
}

static void test_faith_mask_and_errors(void **state) {
    (void)state;
    // An 11th, invalid unit with the top saliency: never passed as kept, no effect.
    float sal[NU + 1], mask[NU + 1];
    for (int u = 0; u < NU; u++) sal[u] = W[u], mask[u] = 1;
    sal[NU] = 100, mask[NU] = 0;
    model m = {0, NU, 0, 0};
    sc_faithfulness r;
    faith(&m, sal, mask, NU + 1, 10, &r);
    assert_false(m.bad);
    assert_true(fabs(r.comprehensiveness - 0.59) < 1e-6 && fabs(r.deletion - 0.235) < 1e-6);
    sc_err err;
    assert_int_equal(sc_faithfulness_example(prob_fn, &m, sal, mask, NU + 1, 0, &r, &err), -1);
    assert_non_null(strstr(err.msg, "steps 0"));
    float none[NU + 1] = {0};
    assert_int_equal(sc_faithfulness_example(prob_fn, &m, sal, none, NU + 1, 4, &r, &err), -1);
    assert_non_null(strstr(err.msg, "no valid unit"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rank),
        cmocka_unit_test(test_plausibility_known),
        cmocka_unit_test(test_plausibility_mask_and_skip),
        cmocka_unit_test(test_faith_linear_by_hand),
        cmocka_unit_test(test_faith_sigmoid_extremes),
        cmocka_unit_test(test_faith_mask_and_errors),
    };
    return cmocka_run_group_tests_name("expl_metrics", tests, NULL, sc_test_teardown);
}
