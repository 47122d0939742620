// st_hybrid.c — uncertainty, then diversity: the m = min(n, max(b, ceil(
// hybrid_pool * b))) unlabelled examples of largest predictive entropy are the
// candidates, and DAMI's K-center greedy (st_coreset.c) picks b among them.
// hybrid_pool = 1 is entropy sampling; hybrid_pool >= n / b is DAMI.
#include <math.h>
#include <stdlib.h>

#include "active/repr.h"

static int select_hybrid(const sc_al_env *e, const uint32_t *cand, size_t n, size_t b, uint32_t *out, sc_err *err) {
    double want = ceil(e->opt->hybrid_pool * (double)b);
    size_t m = want >= (double)n ? n : (size_t)want;
    if (m < b) m = b < n ? b : n;
    int64_t K = e->model->shape.n_outputs;
    float *p = malloc(sizeof(float) * (n * (size_t)K + 1));
    double *s = malloc(sizeof(double) * (n + 1));
    uint32_t *top = malloc(sizeof(uint32_t) * (m + 1));
    int rc = p && s && top ? sc_al_probs(e, cand, n, p, err) : sc_errf(err, "out of memory");
    for (size_t i = 0; !rc && i < n; i++) s[i] = sc_al_entropy(p + i * (size_t)K, K);
    if (!rc) rc = sc_al_top_b(s, cand, n, m, top, err);
    if (!rc) rc = sc_al_kcenter_select(e, SC_AL_REPR_JACOBIAN, top, m, b, out, err);
    free(p), free(s), free(top);
    return rc;
}

const sc_al_strategy_def sc_al_strategy_hybrid = {
    .name = "hybrid",
    .summary = "DAMI K-center among the ceil(hybrid_pool x b) highest-entropy examples",
    .cite = "uncertainty pre-filter (Settles 2009) + DAMI (Liu et al.)",
    .select = select_hybrid,
    .needs_classes = 1,
};
