#include "eval/metrics.h"

#include <math.h>

double sc_accuracy(const int32_t *pred, const int32_t *ref, size_t n) {
    if (!n) return 0;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) k += pred[i] == ref[i];
    return (double)k / (double)n;
}

double sc_pearson(const float *a, const float *b, size_t n) {
    if (n < 2) return 0;
    double ma = 0, mb = 0;
    for (size_t i = 0; i < n; i++) ma += a[i], mb += b[i];
    ma /= (double)n;
    mb /= (double)n;
    double sab = 0, saa = 0, sbb = 0;
    for (size_t i = 0; i < n; i++) {
        double da = a[i] - ma, db = b[i] - mb;
        sab += da * db;
        saa += da * da;
        sbb += db * db;
    }
    return saa > 0 && sbb > 0 ? sab / sqrt(saa * sbb) : 0;
}

double sc_rmse(const float *a, const float *b, size_t n) {
    if (!n) return 0;
    double s = 0;
    for (size_t i = 0; i < n; i++) s += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
    return sqrt(s / (double)n);
}
