// plausibility.c — ROC-AUC, average precision and recall@k per example.
//
// All three walk the valid units in descending score order (eval/rank.h) in groups
// of equal score, so ties are handled without depending on the sort's order:
//   AUC (Mann–Whitney): (sum of the positives' ascending ranks − P(P+1)/2) / (P N),
//       each tie group getting the average of the ranks it spans.
//   AP: Σ over groups of (recall gain) × (precision after the whole group), i.e. one
//       threshold per distinct score, the usual step-wise definition.
//   recall@k, k = P: gold units among the top k; a group straddling the cut adds
//       its gold count × (slots left / group size), the expectation under a random
//       order within the tie.
#include "eval/plausibility.h"

#include <stdlib.h>

#include "eval/rank.h"

int sc_plaus_example(const float *scores, const float *gold, const float *mask, int64_t U, int64_t *work,
                     double *auc, double *ap, double *recall_at_k) {
    int64_t *idx = work, *tmp = work + U;
    int64_t n = sc_rank_desc(scores, mask, U, idx, tmp);
    int64_t P = 0;
    for (int64_t i = 0; i < n; i++) P += gold[idx[i]] != 0.0f;
    int64_t N = n - P;
    if (P == 0 || N == 0) return -1;
    double rank_sum = 0, ap_sum = 0, hits_k = 0;
    int64_t seen = 0, tp = 0;  // units and gold units before the current group
    for (int64_t g0 = 0; g0 < n;) {
        int64_t g1 = g0;
        int64_t pos = 0;
        while (g1 < n && scores[idx[g1]] == scores[idx[g0]]) pos += gold[idx[g1++]] != 0.0f;
        int64_t size = g1 - g0;
        // Descending positions seen+1..seen+size are ascending ranks n-seen-size+1..n-seen.
        double avg_rank = (double)n - (double)seen - (double)(size - 1) / 2.0;
        rank_sum += (double)pos * avg_rank;
        if (pos > 0) ap_sum += (double)pos / (double)P * (double)(tp + pos) / (double)(seen + size);
        if (seen < P) {
            int64_t slots = P - seen < size ? P - seen : size;
            hits_k += (double)pos * (double)slots / (double)size;
        }
        seen += size, tp += pos, g0 = g1;
    }
    *auc = (rank_sum - (double)P * (double)(P + 1) / 2.0) / ((double)P * (double)N);
    *ap = ap_sum;
    *recall_at_k = hits_k / (double)P;
    return 0;
}

int sc_plausibility_batch(const float *scores, const float *gold, const float *mask, int64_t B, int64_t U,
                          sc_plausibility *out, sc_err *err) {
    *out = (sc_plausibility){0};
    int64_t *work = malloc((size_t)(2 * (U > 0 ? U : 1)) * sizeof *work);
    if (!work) return sc_errf(err, "plausibility: cannot allocate %lld units of scratch", (long long)U);
    for (int64_t b = 0; b < B; b++) {
        double auc, ap, rk;
        if (sc_plaus_example(scores + b * U, gold + b * U, mask ? mask + b * U : NULL, U, work, &auc, &ap, &rk)) {
            out->n_skipped++;
            continue;
        }
        out->auc += auc, out->ap += ap, out->recall_at_k += rk, out->n_used++;
    }
    free(work);
    if (out->n_used > 0) {
        out->auc /= (double)out->n_used;
        out->ap /= (double)out->n_used;
        out->recall_at_k /= (double)out->n_used;
    }
    return 0;
}
