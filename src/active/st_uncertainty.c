// st_uncertainty.c — uncertainty sampling on the model's class probabilities p
// (Settles 2009, "Active Learning Literature Survey", sec. 3.1):
//   entropy: the b largest  H(p) = -sum_k p_k log p_k
//   margin:  the b smallest p_(1) - p_(2) (top-1 minus top-2 probability)
// Ties go to the earlier candidate (pool order).
#include <stdlib.h>

#include "active/repr.h"

// score[i] for each candidate from its probabilities; margin scores are negated
// so that both rank by largest score.
static int uncertainty(const sc_al_env *e, const uint32_t *cand, size_t n, size_t b, uint32_t *out, int margin,
                       sc_err *err) {
    int64_t K = e->model->shape.n_outputs;
    float *p = malloc(sizeof(float) * (n * (size_t)K + 1));
    double *s = malloc(sizeof(double) * (n + 1));
    int rc = p && s ? sc_al_probs(e, cand, n, p, err) : sc_errf(err, "out of memory");
    for (size_t i = 0; !rc && i < n; i++) {
        const float *q = p + i * (size_t)K;
        if (!margin) {
            s[i] = sc_al_entropy(q, K);
            continue;
        }
        double a = -1, c = -1;  // the largest and second largest
        for (int64_t k = 0; k < K; k++)
            if (q[k] > a) c = a, a = q[k];
            else if (q[k] > c) c = q[k];
        s[i] = -(a - (c < 0 ? 0 : c));
    }
    if (!rc) rc = sc_al_top_b(s, cand, n, b, out, err);
    free(p), free(s);
    return rc;
}

static int select_entropy(const sc_al_env *e, const uint32_t *c, size_t n, size_t b, uint32_t *out, sc_err *err) {
    return uncertainty(e, c, n, b, out, 0, err);
}

static int select_margin(const sc_al_env *e, const uint32_t *c, size_t n, size_t b, uint32_t *out, sc_err *err) {
    return uncertainty(e, c, n, b, out, 1, err);
}

const sc_al_strategy_def sc_al_strategy_entropy = {
    .name = "entropy",
    .summary = "the largest predictive entropy -sum_k p_k log p_k",
    .cite = "Settles 2009 (uncertainty sampling); Shannon entropy",
    .select = select_entropy,
    .needs_classes = 1,
};

const sc_al_strategy_def sc_al_strategy_margin = {
    .name = "margin",
    .summary = "the smallest margin between the top-1 and top-2 class probabilities",
    .cite = "Scheffer et al. 2001; Settles 2009",
    .select = select_margin,
    .needs_classes = 1,
};
