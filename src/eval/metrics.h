// metrics.h — agreement and error measures between predictions and references.
#ifndef SC_EVAL_METRICS_H
#define SC_EVAL_METRICS_H

#include <stddef.h>
#include <stdint.h>

// Fraction of positions where pred == ref.
double sc_accuracy(const int32_t *pred, const int32_t *ref, size_t n);
// Pearson correlation (0 if either side is constant).
double sc_pearson(const float *a, const float *b, size_t n);
// Root mean squared difference.
double sc_rmse(const float *a, const float *b, size_t n);

#endif
