// plausibility.h — agreement of a saliency map with human (gold) rationales.
//
// Per example, over its valid units only: ROC-AUC of the saliency as a score for
// "unit is gold", average precision, and recall@k with k = the number of gold
// units. Examples whose valid gold mask is all 0 or all 1 have no ranking to
// judge: they are skipped and counted. Averages over the remaining examples.
#ifndef SC_EVAL_PLAUSIBILITY_H
#define SC_EVAL_PLAUSIBILITY_H

#include <stdint.h>

#include "core/err.h"

typedef struct sc_plausibility {
    double auc;            // mean ROC-AUC (ties: average ranks, so all-tied = 0.5)
    double ap;             // mean average precision (ties: one threshold per distinct score)
    double recall_at_k;    // mean recall@k (ties at the cut: expected value under random order)
    int64_t n_used;        // examples averaged
    int64_t n_skipped;     // examples with all-0 or all-1 gold over valid units
} sc_plausibility;

// Per-example values; return -1 if the example is skipped (nothing written).
// scores, gold (nonzero = rationale unit), mask (nonzero = valid; NULL = all): (U,).
// work: scratch of 2 U int64.
int sc_plaus_example(const float *scores, const float *gold, const float *mask, int64_t U, int64_t *work,
                     double *auc, double *ap, double *recall_at_k);

// Over a batch: scores, gold, mask (B, U) row-major (mask may be NULL). 0 or -1 (allocation).
int sc_plausibility_batch(const float *scores, const float *gold, const float *mask, int64_t B, int64_t U,
                          sc_plausibility *out, sc_err *err);

#endif
