// faithfulness.c — comprehensiveness, sufficiency, deletion and insertion (see the
// header for the definitions and their sources).
#include "eval/faithfulness.h"

#include <math.h>
#include <stdlib.h>

#include "eval/rank.h"

const double SC_FAITH_FRACTIONS[SC_FAITH_N_FRACTIONS] = {0.05, 0.1, 0.2, 0.3, 0.5};

// keep (U,): valid units get `rest`, the first k ranked units get `top`; invalid 0.
static void fill_keep(float *keep, const float *mask, int64_t U, const int64_t *idx, int64_t k, float top,
                      float rest) {
    for (int64_t u = 0; u < U; u++) keep[u] = (!mask || mask[u] != 0.0f) ? rest : 0.0f;
    for (int64_t i = 0; i < k; i++) keep[idx[i]] = top;
}

// Area under p_0..p_steps on [0, 1], trapezoid rule.
static double curve_area(sc_prob_fn prob, void *user, float *keep, const float *mask, int64_t U,
                         const int64_t *idx, int64_t n, int steps, int deletion) {
    double area = 0, prev = 0;
    for (int i = 0; i <= steps; i++) {
        int64_t k = (int64_t)floor((double)i * (double)n / (double)steps + 0.5);
        if (deletion) fill_keep(keep, mask, U, idx, k, 0.0f, 1.0f);
        else fill_keep(keep, mask, U, idx, k, 1.0f, 0.0f);
        double p = prob(user, keep);
        if (i > 0) area += 0.5 * (prev + p) / (double)steps;
        prev = p;
    }
    return area;
}

int sc_faithfulness_example(sc_prob_fn prob, void *user, const float *saliency, const float *mask, int64_t U,
                            int steps, sc_faithfulness *out, sc_err *err) {
    if (steps < 1) return sc_errf(err, "faithfulness: steps %d must be >= 1", steps);
    if (U < 1) return sc_errf(err, "faithfulness: %lld units", (long long)U);
    // One block: idx (U), tmp (U) int64 then keep (U) float.
    int64_t *idx = malloc((size_t)U * (2 * sizeof(int64_t) + sizeof(float)));
    if (!idx) return sc_errf(err, "faithfulness: cannot allocate scratch for %lld units", (long long)U);
    int64_t *tmp = idx + U;
    float *keep = (float *)(tmp + U);
    int64_t n = sc_rank_desc(saliency, mask, U, idx, tmp);
    if (n == 0) {
        free(idx);
        return sc_errf(err, "faithfulness: the example has no valid unit");
    }
    fill_keep(keep, mask, U, idx, 0, 1.0f, 1.0f);
    double full = prob(user, keep);
    double comp = 0, suff = 0;
    for (int f = 0; f < SC_FAITH_N_FRACTIONS; f++) {
        int64_t k = (int64_t)ceil(SC_FAITH_FRACTIONS[f] * (double)n - 1e-9);
        if (k < 1) k = 1;
        if (k > n) k = n;
        fill_keep(keep, mask, U, idx, k, 0.0f, 1.0f);  // top k removed
        comp += full - prob(user, keep);
        fill_keep(keep, mask, U, idx, k, 1.0f, 0.0f);  // only top k kept
        suff += full - prob(user, keep);
    }
    out->comprehensiveness = comp / SC_FAITH_N_FRACTIONS;
    out->sufficiency = suff / SC_FAITH_N_FRACTIONS;
    out->deletion = curve_area(prob, user, keep, mask, U, idx, n, steps, 1);
    out->insertion = curve_area(prob, user, keep, mask, U, idx, n, steps, 0);
    free(idx);
    return 0;
}
