// faithfulness.h — does the model depend on the units a saliency map ranks high?
//
// Model-agnostic: the model is a callback giving, for one example, the probability
// of the class predicted on the full input when only the units with keep[u] = 1
// are present (the caller decides what "absent" means: a pad token, a mean pixel,
// an attention mask). Invalid units (mask 0, e.g. padding) are always passed as 0.
// Units are ranked by descending saliency, ties by index (eval/rank.h).
//
// Comprehensiveness and sufficiency are AOPC-style averages (DeYoung et al. 2020,
// ERASER) over the fractions SC_FAITH_FRACTIONS = {0.05, 0.1, 0.2, 0.3, 0.5} of the
// n valid units, with k = ceil(f n) (at least 1) top units:
//   comprehensiveness = mean_f [ p(all) − p(all minus the top k) ]   (higher = more faithful)
//   sufficiency       = mean_f [ p(all) − p(only the top k) ]        (lower = more faithful)
// Deletion / insertion curves (Petsiuk et al. 2018, RISE): with `steps` steps, step
// i in 0..steps removes (deletion) or keeps (insertion) the top round(i n / steps)
// units; the area under p over [0, 1] by the trapezoid rule. A faithful saliency
// gives a low deletion area and a high insertion area.
#ifndef SC_EVAL_FAITHFULNESS_H
#define SC_EVAL_FAITHFULNESS_H

#include <stdint.h>

#include "core/err.h"

typedef double (*sc_prob_fn)(void *user, const float *keep /* (U,) 1 = unit kept */);

#define SC_FAITH_N_FRACTIONS 5
extern const double SC_FAITH_FRACTIONS[SC_FAITH_N_FRACTIONS];

typedef struct sc_faithfulness {
    double comprehensiveness;
    double sufficiency;
    double deletion;   // area under the deletion curve
    double insertion;  // area under the insertion curve
} sc_faithfulness;

// One example: saliency and mask (U,) (mask NULL = all valid), steps >= 1 for the
// curves. Calls prob 1 + 2 * 5 + 2 * (steps + 1) times. 0, or -1 with a message
// (no valid unit, steps < 1, allocation).
int sc_faithfulness_example(sc_prob_fn prob, void *user, const float *saliency, const float *mask, int64_t U,
                            int steps, sc_faithfulness *out, sc_err *err);

#endif
