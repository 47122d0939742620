#include "eval/bootstrap.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"

sc_boot_cfg sc_boot_default(void) {
    sc_boot_cfg c = {.resamples = 500, .fraction = 0.5, .level = 0.95, .seed = 0xB0075ull};
    return c;
}

double sc_boot_mean_a(const sc_boot_run *r, const uint32_t *idx, size_t m) {
    double s = 0;
    for (size_t i = 0; i < m; i++) s += r->a[idx[i]];
    return m ? s / (double)m : 0;
}

// Pearson over the drawn pairs (repeats count with their multiplicity).
double sc_boot_pearson(const sc_boot_run *r, const uint32_t *idx, size_t m) {
    if (m < 2) return 0;
    double ma = 0, mb = 0;
    for (size_t i = 0; i < m; i++) ma += r->a[idx[i]], mb += r->b[idx[i]];
    ma /= (double)m;
    mb /= (double)m;
    double sab = 0, saa = 0, sbb = 0;
    for (size_t i = 0; i < m; i++) {
        double da = r->a[idx[i]] - ma, db = r->b[idx[i]] - mb;
        sab += da * db;
        saa += da * da;
        sbb += db * db;
    }
    return saa > 0 && sbb > 0 ? sab / sqrt(saa * sbb) : 0;
}

double sc_boot_rmse(const sc_boot_run *r, const uint32_t *idx, size_t m) {
    double s = 0;
    for (size_t i = 0; i < m; i++) {
        double d = (double)r->a[idx[i]] - r->b[idx[i]];
        s += d * d;
    }
    return m ? sqrt(s / (double)m) : 0;
}

static int cmp_double(const void *x, const void *y) {
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

// The q-quantile of sorted v[0..n) by linear interpolation between order
// statistics (numpy's default "linear" method), so small R behaves sensibly.
static double quantile_sorted(const double *v, int n, double q) {
    double pos = q * (n - 1);
    int lo = (int)floor(pos);
    if (lo >= n - 1) return v[n - 1];
    double w = pos - lo;
    return v[lo] * (1 - w) + v[lo + 1] * w;
}

int sc_bootstrap(const sc_boot_run *runs, int n_runs, size_t n, sc_boot_metric metric, const sc_boot_cfg *cfg,
                 sc_boot_ci *out, sc_err *err) {
    if (n_runs < 1) return sc_errf(err, "bootstrap: no runs");
    if (n < 1) return sc_errf(err, "bootstrap: no test points");
    if (n > UINT32_MAX) return sc_errf(err, "bootstrap: %zu test points is too many", n);
    if (cfg->resamples < 1) return sc_errf(err, "bootstrap: resamples must be >= 1, got %d", cfg->resamples);
    if (!(cfg->fraction > 0 && cfg->fraction <= 1))
        return sc_errf(err, "bootstrap: fraction must be in (0, 1], got %g", cfg->fraction);
    if (!(cfg->level > 0 && cfg->level < 1)) return sc_errf(err, "bootstrap: level must be in (0, 1), got %g", cfg->level);
    size_t m = (size_t)llround(cfg->fraction * (double)n);
    if (m < 1) m = 1;
    uint32_t *idx = malloc(sizeof(uint32_t) * (n > m ? n : m));
    double *means = malloc(sizeof(double) * (size_t)cfg->resamples);
    if (!idx || !means) {
        free(idx);
        free(means);
        return sc_errf(err, "bootstrap: out of memory for %d resamples of %zu points", cfg->resamples, m);
    }
    // Point estimate and seed spread on the full test set.
    for (size_t i = 0; i < n; i++) idx[i] = (uint32_t)i;
    double s = 0, ss = 0;
    for (int r = 0; r < n_runs; r++) {
        double v = metric(&runs[r], idx, n);
        s += v;
        ss += v * v;
    }
    out->mean = s / n_runs;
    double var = n_runs > 1 ? (ss - s * s / n_runs) / (n_runs - 1) : 0;
    out->seed_sd = var > 0 ? sqrt(var) : 0;

    sc_rng rng;
    sc_rng_seed(&rng, cfg->seed);
    for (int b = 0; b < cfg->resamples; b++) {
        for (size_t i = 0; i < m; i++) idx[i] = (uint32_t)sc_rng_below(&rng, n);
        double acc = 0;
        for (int r = 0; r < n_runs; r++) acc += metric(&runs[r], idx, m);
        means[b] = acc / n_runs;
    }
    qsort(means, (size_t)cfg->resamples, sizeof(double), cmp_double);
    double a = (1 - cfg->level) / 2;
    out->lo = quantile_sorted(means, cfg->resamples, a);
    out->hi = quantile_sorted(means, cfg->resamples, 1 - a);
    free(idx);
    free(means);
    return 0;
}
