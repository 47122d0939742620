// layernorm.c — see layernorm.h.
#include "kernels/layernorm.h"

#include <math.h>

#include "kernels/parallel.h"

// Rows are independent in the forward and in the backward's gx, so
// sc_parallel_rows splits rows between threads. ggamma and gbeta sum over rows;
// they are split by columns instead, each column summing its rows in order, so
// no sum depends on the thread count.
typedef struct {
    void *y, *mean, *rstd, *acc;
    const void *x, *gamma, *beta, *g;
    int64_t rows, D;
    double eps;
} layernorm_job;

#define LAYERNORM_KERNELS(T, SUFFIX)                                                                    \
    /* mean and rstd of one row (D), rounded to T as the forward stores them */                        \
    static void row_stats_##SUFFIX(const T *xr, int64_t D, double eps, double *mu_out, double *rs_out) { \
        double mu = 0, var = 0;                                                                         \
        for (int64_t c = 0; c < D; c++) mu += xr[c];                                                    \
        mu /= (double)D;                                                                                \
        for (int64_t c = 0; c < D; c++) var += ((double)xr[c] - mu) * ((double)xr[c] - mu);             \
        var /= (double)D;                                                                               \
        *mu_out = mu;                                                                                   \
        *rs_out = 1.0 / sqrt(var + eps);                                                                \
    }                                                                                                   \
                                                                                                        \
    static void forward_rows_##SUFFIX(void *p, int64_t r0, int64_t r1) {                                \
        const layernorm_job *j = p;                                                                     \
        const T *gamma = j->gamma, *beta = j->beta;                                                     \
        T *mean = j->mean, *rstd = j->rstd;                                                             \
        int64_t D = j->D;                                                                               \
        for (int64_t r = r0; r < r1; r++) {                                                             \
            const T *xr = (const T *)j->x + r * D; /* (D) */                                           \
            T *yr = (T *)j->y + r * D;                                                                  \
            double mu, rs;                                                                              \
            row_stats_##SUFFIX(xr, D, j->eps, &mu, &rs);                                                \
            mean[r] = (T)mu;                                                                            \
            rstd[r] = (T)rs;                                                                            \
            /* one loop per case: a test inside becomes masked loads (slow on AMD Zen); */              \
            /* one operation per statement, so the bits are those of the single loop */               \
            if (gamma && beta)                                                                          \
                for (int64_t c = 0; c < D; c++) {                                                       \
                    double v = ((double)xr[c] - mu) * rs;                                               \
                    v = v * gamma[c];                                                                   \
                    yr[c] = (T)(v + beta[c]);                                                           \
                }                                                                                       \
            else if (gamma)                                                                             \
                for (int64_t c = 0; c < D; c++) {                                                       \
                    double v = ((double)xr[c] - mu) * rs;                                               \
                    yr[c] = (T)(v * gamma[c]);                                                          \
                }                                                                                       \
            else if (beta)                                                                              \
                for (int64_t c = 0; c < D; c++) {                                                       \
                    double v = ((double)xr[c] - mu) * rs;                                               \
                    yr[c] = (T)(v + beta[c]);                                                           \
                }                                                                                       \
            else                                                                                        \
                for (int64_t c = 0; c < D; c++) yr[c] = (T)(((double)xr[c] - mu) * rs);                 \
        }                                                                                               \
    }                                                                                                   \
                                                                                                        \
    void sc_k_layernorm_##SUFFIX(T *y, T *mean, T *rstd, const T *x, const T *gamma, const T *beta,    \
                                 int64_t rows, int64_t D, double eps) {                                 \
        layernorm_job j = {.y = y, .mean = mean, .rstd = rstd, .x = x, .gamma = gamma, .beta = beta,    \
                           .D = D, .eps = eps};                                                         \
        sc_parallel_rows(rows, sc_parallel_min_rows(D), forward_rows_##SUFFIX, &j);                     \
    }                                                                                                   \
                                                                                                        \
    /* gx of rows [r0, r1): needs the row's means of gxhat and of gxhat xhat */                         \
    static void gx_row_##SUFFIX(T *o, const T *gr, const T *xr, const T *gamma, double mu, double rs,   \
                                int64_t D) {                                                            \
        double a = 0, b = 0;                                                                            \
        for (int64_t c = 0; c < D; c++) {                                                               \
            double xh = ((double)xr[c] - mu) * rs;                                                      \
            double gh = gamma ? (double)gr[c] * gamma[c] : (double)gr[c];                               \
            a += gh;                                                                                    \
            b += gh * xh;                                                                               \
        }                                                                                               \
        a /= (double)D;                                                                                 \
        b /= (double)D;                                                                                 \
        if (gamma) /* one loop per case, as in the forward; the same expression */                      \
            for (int64_t c = 0; c < D; c++) {                                                           \
                double xh = ((double)xr[c] - mu) * rs, gh = (double)gr[c] * gamma[c];                   \
                o[c] = (T)(rs * (gh - a - xh * b));                                                     \
            }                                                                                           \
        else                                                                                            \
            for (int64_t c = 0; c < D; c++) {                                                           \
                double xh = ((double)xr[c] - mu) * rs, gh = (double)gr[c];                              \
                o[c] = (T)(rs * (gh - a - xh * b));                                                     \
            }                                                                                           \
    }                                                                                                   \
                                                                                                        \
    static void back_rows_##SUFFIX(void *p, int64_t r0, int64_t r1) {                                   \
        const layernorm_job *j = p;                                                                     \
        int64_t D = j->D;                                                                               \
        for (int64_t r = r0; r < r1; r++)                                                               \
            gx_row_##SUFFIX((T *)j->y + r * D, (const T *)j->g + r * D, (const T *)j->x + r * D,        \
                            j->gamma, ((const T *)j->mean)[r], ((const T *)j->rstd)[r], D);             \
    }                                                                                                   \
                                                                                                        \
    /* gx with the row statistics recomputed (and rounded to T, as the forward stores them) */          \
    static void gx_rows_##SUFFIX(void *p, int64_t r0, int64_t r1) {                                     \
        const layernorm_job *j = p;                                                                     \
        int64_t D = j->D;                                                                               \
        for (int64_t r = r0; r < r1; r++) {                                                             \
            const T *xr = (const T *)j->x + r * D;                                                      \
            double mu, rs;                                                                              \
            row_stats_##SUFFIX(xr, D, j->eps, &mu, &rs);                                                \
            gx_row_##SUFFIX((T *)j->y + r * D, (const T *)j->g + r * D, xr, j->gamma, (T)mu, (T)rs, D); \
        }                                                                                               \
    }                                                                                                   \
                                                                                                        \
    static void stats_rows_##SUFFIX(void *p, int64_t r0, int64_t r1) {                                  \
        const layernorm_job *j = p;                                                                     \
        for (int64_t r = r0; r < r1; r++) {                                                             \
            double mu, rs;                                                                              \
            row_stats_##SUFFIX((const T *)j->x + r * j->D, j->D, j->eps, &mu, &rs);                     \
            ((T *)j->mean)[r] = (T)mu;                                                                  \
            ((T *)j->rstd)[r] = (T)rs;                                                                  \
        }                                                                                               \
    }                                                                                                   \
                                                                                                        \
    void sc_k_layernorm_stats_##SUFFIX(T *mean, T *rstd, const T *x, int64_t rows, int64_t D, double eps) { \
        layernorm_job j = {.mean = mean, .rstd = rstd, .x = x, .rows = rows, .D = D, .eps = eps};        \
        sc_parallel_rows(rows, sc_parallel_min_rows(D), stats_rows_##SUFFIX, &j);                       \
    }                                                                                                   \
                                                                                                        \
    void sc_k_layernorm_gx_##SUFFIX(T *gx, const T *g, const T *x, const T *gamma, int64_t rows, int64_t D, \
                                    double eps) {                                                       \
        layernorm_job j = {.y = gx, .x = x, .gamma = gamma, .g = g, .rows = rows, .D = D, .eps = eps};   \
        sc_parallel_rows(rows, sc_parallel_min_rows(D), gx_rows_##SUFFIX, &j);                          \
    }                                                                                                   \
                                                                                                        \
    /* acc[c] = sum_r g_rc xhat_rc, acc[D + c] = sum_r g_rc for columns [c0, c1) */                     \
    static void back_cols_##SUFFIX(void *p, int64_t c0, int64_t c1) {                                   \
        const layernorm_job *j = p;                                                                     \
        const T *g = j->g, *x = j->x, *mean = j->mean, *rstd = j->rstd;                                 \
        double *accg = j->acc, *accb = (double *)j->acc + j->D; /* (D), (D) */                          \
        int64_t D = j->D, rows = j->rows;                                                       \
        for (int64_t c = c0; c < c1; c++) accg[c] = accb[c] = 0;                                        \
        for (int64_t r = 0; r < rows; r++) {                                                            \
            double mu = mean[r], rs = rstd[r];                                                          \
            const T *gr = g + r * D, *xr = x + r * D;                                                   \
            for (int64_t c = c0; c < c1; c++) {                                                         \
                accg[c] += (double)gr[c] * (((double)xr[c] - mu) * rs);                                 \
                accb[c] += gr[c];                                                                       \
            }                                                                                           \
        }                                                                                               \
    }                                                                                                   \
                                                                                                        \
    void sc_k_layernorm_back_##SUFFIX(T *gx, T *ggamma, T *gbeta, double *acc, const T *g, const T *x, \
                                      const T *mean, const T *rstd, const T *gamma, int64_t rows,       \
                                      int64_t D) {                                                      \
        layernorm_job j = {.y = gx, .mean = (void *)mean, .rstd = (void *)rstd, .acc = acc, .x = x,     \
                           .gamma = gamma, .g = g, .rows = rows, .D = D};                               \
        if (gx) sc_parallel_rows(rows, sc_parallel_min_rows(D), back_rows_##SUFFIX, &j);                \
        if (!ggamma && !gbeta) return;                                                                  \
        sc_parallel_for(D, sc_parallel_min_rows(rows), back_cols_##SUFFIX, &j);                         \
        for (int64_t c = 0; c < D; c++) {                                                               \
            if (ggamma) ggamma[c] = (T)acc[c];                                                          \
            if (gbeta) gbeta[c] = (T)acc[D + c];                                                        \
        }                                                                                               \
    }

LAYERNORM_KERNELS(float, f32)
LAYERNORM_KERNELS(double, f64)
