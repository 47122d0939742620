// bootstrap.h — confidence intervals over seeds by resampling test points.
//
// The SMaT protocol (notes/smat-reference.md): R resamples (500), each drawing
// a fraction f (50%) of the test points WITH replacement; on each resample the
// metric of every seed's run is computed on the same drawn points and averaged
// over seeds; the interval is the (α/2, 1 - α/2) percentile of those R means
// (the percentile bootstrap). The point estimate is the seed-average of the
// metric on the whole test set. Every run of a cell must be scored on the same
// test set (same points in the same order), which is what makes the shared
// draw meaningful.
//
// Metrics are callbacks over a run's per-point records, so one routine serves
// agreement (mean of 0/1), Pearson and RMSE (pairs of scores).
#ifndef SC_EVAL_BOOTSTRAP_H
#define SC_EVAL_BOOTSTRAP_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

// One run's per-test-point records: for agreement, a (n,) array of 0/1 in `a`
// (b NULL); for regression metrics, the student's scores `a` and the teacher's `b`.
typedef struct sc_boot_run {
    const float *a, *b;
} sc_boot_run;

// The metric of a run on the points idx[0..m) (indices may repeat).
typedef double (*sc_boot_metric)(const sc_boot_run *r, const uint32_t *idx, size_t m);

double sc_boot_mean_a(const sc_boot_run *r, const uint32_t *idx, size_t m);   // agreement / accuracy
double sc_boot_pearson(const sc_boot_run *r, const uint32_t *idx, size_t m);  // pearson(a, b)
double sc_boot_rmse(const sc_boot_run *r, const uint32_t *idx, size_t m);     // rmse(a, b)

typedef struct sc_boot_cfg {
    int resamples;     // R (500)
    double fraction;   // f: points per resample as a fraction of n (0.5)
    double level;      // confidence level (0.95)
    uint64_t seed;     // of the resampling stream (results are deterministic)
} sc_boot_cfg;

sc_boot_cfg sc_boot_default(void);

typedef struct sc_boot_ci {
    double mean;      // seed-average on the full test set
    double lo, hi;    // percentile interval
    double seed_sd;   // standard deviation of the per-seed full-set metrics (0 for one seed)
} sc_boot_ci;

// n_runs ≥ 1 runs over the same n ≥ 1 test points. 0, or -1 with err.
int sc_bootstrap(const sc_boot_run *runs, int n_runs, size_t n, sc_boot_metric metric, const sc_boot_cfg *cfg,
                 sc_boot_ci *out, sc_err *err);

#endif
