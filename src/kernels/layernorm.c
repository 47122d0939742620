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

// Rows are taken four at a time while four remain in the range, then one by one.
static int64_t rows_in_block(int64_t r, int64_t r1) { return r1 - r >= 4 ? 4 : 1; }

#define LAYERNORM_KERNELS(T, SUFFIX)                                                                    \
    /* mean and rstd of one row (D), rounded to T as the forward stores them */                         \
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
    /* row_stats of four rows D apart, their sums interleaved: each sum is a chain of dependent */      \
    /* additions (latency-bound one row at a time); four independent chains fill the pipeline, and */   \
    /* each row still adds in column order, so the bits are row_stats' */                               \
    static void row_stats4_##SUFFIX(const T *x, int64_t D, double eps, double *mu, double *rs) {        \
        const T *x0 = x, *x1 = x + D, *x2 = x + 2 * D, *x3 = x + 3 * D;                                 \
        double m0 = 0, m1 = 0, m2 = 0, m3 = 0, v0 = 0, v1 = 0, v2 = 0, v3 = 0;                          \
        for (int64_t c = 0; c < D; c++) {                                                               \
            m0 += x0[c];                                                                                \
            m1 += x1[c];                                                                                \
            m2 += x2[c];                                                                                \
            m3 += x3[c];                                                                                \
        }                                                                                               \
        m0 /= (double)D;                                                                                \
        m1 /= (double)D;                                                                                \
        m2 /= (double)D;                                                                                \
        m3 /= (double)D;                                                                                \
        for (int64_t c = 0; c < D; c++) {                                                               \
            v0 += ((double)x0[c] - m0) * ((double)x0[c] - m0);                                          \
            v1 += ((double)x1[c] - m1) * ((double)x1[c] - m1);                                          \
            v2 += ((double)x2[c] - m2) * ((double)x2[c] - m2);                                          \
            v3 += ((double)x3[c] - m3) * ((double)x3[c] - m3);                                          \
        }                                                                                               \
        double m[4] = {m0, m1, m2, m3}, v[4] = {v0, v1, v2, v3};                                        \
        for (int i = 0; i < 4; i++) {                                                                   \
            v[i] /= (double)D;                                                                          \
            mu[i] = m[i];                                                                               \
            rs[i] = 1.0 / sqrt(v[i] + eps);                                                             \
        }                                                                                               \
    }                                                                                                   \
                                                                                                        \
    /* The statistics of nb (4 or 1) rows from row r */                                                 \
    static void stats_block_##SUFFIX(const T *x, int64_t r, int64_t nb, int64_t D, double eps,          \
                                     double *mu, double *rs) {                                          \
        if (nb == 4) row_stats4_##SUFFIX(x + r * D, D, eps, mu, rs);                                    \
        else row_stats_##SUFFIX(x + r * D, D, eps, mu, rs);                                             \
    }                                                                                                   \
                                                                                                        \
    /* y of one row from its statistics */                                                              \
    static void forward_row_##SUFFIX(T *yr, const T *xr, const T *gamma, const T *beta, double mu,      \
                                     double rs, int64_t D) {                                            \
        /* one loop per case: a test inside becomes masked loads (slow on AMD Zen); */                  \
        /* one operation per statement, so the bits are those of the single loop */                     \
        if (gamma && beta)                                                                              \
            for (int64_t c = 0; c < D; c++) {                                                           \
                double v = ((double)xr[c] - mu) * rs;                                                   \
                v = v * gamma[c];                                                                       \
                yr[c] = (T)(v + beta[c]);                                                               \
            }                                                                                           \
        else if (gamma)                                                                                 \
            for (int64_t c = 0; c < D; c++) {                                                           \
                double v = ((double)xr[c] - mu) * rs;                                                   \
                yr[c] = (T)(v * gamma[c]);                                                              \
            }                                                                                           \
        else if (beta)                                                                                  \
            for (int64_t c = 0; c < D; c++) {                                                           \
                double v = ((double)xr[c] - mu) * rs;                                                   \
                yr[c] = (T)(v + beta[c]);                                                               \
            }                                                                                           \
        else                                                                                            \
            for (int64_t c = 0; c < D; c++) yr[c] = (T)(((double)xr[c] - mu) * rs);                     \
    }                                                                                                   \
                                                                                                        \
    static void forward_rows_##SUFFIX(void *p, int64_t r0, int64_t r1) {                                \
        const layernorm_job *j = p;                                                                     \
        T *mean = j->mean, *rstd = j->rstd;                                                             \
        int64_t D = j->D;                                                                               \
        for (int64_t r = r0; r < r1;) {                                                                 \
            double mu[4], rs[4];                                                                        \
            int64_t nb = rows_in_block(r, r1);                                                          \
            stats_block_##SUFFIX(j->x, r, nb, D, j->eps, mu, rs);                                       \
            for (int64_t i = 0; i < nb; i++, r++) {                                                     \
                mean[r] = (T)mu[i];                                                                     \
                rstd[r] = (T)rs[i];                                                                     \
                forward_row_##SUFFIX((T *)j->y + r * D, (const T *)j->x + r * D, j->gamma, j->beta,     \
                                     mu[i], rs[i], D);                                                  \
            }                                                                                           \
        }                                                                                               \
    }                                                                                                   \
                                                                                                        \
    void sc_k_layernorm_##SUFFIX(T *y, T *mean, T *rstd, const T *x, const T *gamma, const T *beta,     \
                                 int64_t rows, int64_t D, double eps) {                                 \
        layernorm_job j = {.y = y, .mean = mean, .rstd = rstd, .x = x, .gamma = gamma, .beta = beta,    \
                           .D = D, .eps = eps};                                                         \
        sc_parallel_rows(rows, sc_parallel_min_rows(D), forward_rows_##SUFFIX, &j);                     \
    }                                                                                                   \
                                                                                                        \
    /* gx of one row: needs the row's means a of gxhat and b of gxhat xhat (from gx_sums*) */           \
    static void gx_out_##SUFFIX(T *o, const T *gr, const T *xr, const T *gamma, double mu, double rs,   \
                                double a, double b, int64_t D) {                                        \
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
    /* the sums of one row's gxhat (a) and gxhat xhat (b) */                                            \
    static void gx_sums_##SUFFIX(const T *gr, const T *xr, const T *gamma, double mu, double rs,        \
                                 int64_t D, double *a_out, double *b_out) {                             \
        double a = 0, b = 0;                                                                            \
        for (int64_t c = 0; c < D; c++) {                                                               \
            double xh = ((double)xr[c] - mu) * rs;                                                      \
            double gh = gamma ? (double)gr[c] * gamma[c] : (double)gr[c];                               \
            a += gh;                                                                                    \
            b += gh * xh;                                                                               \
        }                                                                                               \
        *a_out = a;                                                                                     \
        *b_out = b;                                                                                     \
    }                                                                                                   \
                                                                                                        \
    /* gx_sums of four consecutive rows, interleaved as in row_stats4 (the same bits) */                \
    static void gx_sums4_##SUFFIX(const T *g, const T *x, const T *gamma, const double *mu,             \
                                  const double *rs, int64_t D, double *a, double *b) {                  \
        double a0 = 0, a1 = 0, a2 = 0, a3 = 0, b0 = 0, b1 = 0, b2 = 0, b3 = 0;                          \
        for (int64_t c = 0; c < D; c++) {                                                               \
            double xh0 = ((double)x[c] - mu[0]) * rs[0];                                                \
            double xh1 = ((double)x[D + c] - mu[1]) * rs[1];                                            \
            double xh2 = ((double)x[2 * D + c] - mu[2]) * rs[2];                                        \
            double xh3 = ((double)x[3 * D + c] - mu[3]) * rs[3];                                        \
            double gh0 = gamma ? (double)g[c] * gamma[c] : (double)g[c];                                \
            double gh1 = gamma ? (double)g[D + c] * gamma[c] : (double)g[D + c];                        \
            double gh2 = gamma ? (double)g[2 * D + c] * gamma[c] : (double)g[2 * D + c];                \
            double gh3 = gamma ? (double)g[3 * D + c] * gamma[c] : (double)g[3 * D + c];                \
            a0 += gh0;                                                                                  \
            a1 += gh1;                                                                                  \
            a2 += gh2;                                                                                  \
            a3 += gh3;                                                                                  \
            b0 += gh0 * xh0;                                                                            \
            b1 += gh1 * xh1;                                                                            \
            b2 += gh2 * xh2;                                                                            \
            b3 += gh3 * xh3;                                                                            \
        }                                                                                               \
        a[0] = a0, a[1] = a1, a[2] = a2, a[3] = a3;                                                     \
        b[0] = b0, b[1] = b1, b[2] = b2, b[3] = b3;                                                     \
    }                                                                                                   \
                                                                                                        \
    /* gx of nb (4 or 1) rows from row r, from their statistics */                                      \
    static void gx_block_##SUFFIX(T *o, const T *g, const T *x, const T *gamma, const double *mu,       \
                                  const double *rs, int64_t r, int64_t nb, int64_t D) {                 \
        double a[4], b[4];                                                                              \
        if (nb == 4) gx_sums4_##SUFFIX(g + r * D, x + r * D, gamma, mu, rs, D, a, b);                   \
        else gx_sums_##SUFFIX(g + r * D, x + r * D, gamma, mu[0], rs[0], D, a, b);                      \
        for (int64_t i = 0; i < nb; i++)                                                                \
            gx_out_##SUFFIX(o + (r + i) * D, g + (r + i) * D, x + (r + i) * D, gamma, mu[i], rs[i],     \
                            a[i] / (double)D, b[i] / (double)D, D);                                     \
    }                                                                                                   \
                                                                                                        \
    static void back_rows_##SUFFIX(void *p, int64_t r0, int64_t r1) {                                   \
        const layernorm_job *j = p;                                                                     \
        const T *mean = j->mean, *rstd = j->rstd;                                                       \
        for (int64_t r = r0, nb; r < r1; r += nb) {                                                     \
            double mu[4], rs[4];                                                                        \
            nb = rows_in_block(r, r1);                                                                  \
            for (int64_t i = 0; i < nb; i++) mu[i] = mean[r + i], rs[i] = rstd[r + i];                  \
            gx_block_##SUFFIX(j->y, j->g, j->x, j->gamma, mu, rs, r, nb, j->D);                         \
        }                                                                                               \
    }                                                                                                   \
                                                                                                        \
    /* gx with the row statistics recomputed (and rounded to T, as the forward stores them) */          \
    static void gx_rows_##SUFFIX(void *p, int64_t r0, int64_t r1) {                                     \
        const layernorm_job *j = p;                                                                     \
        for (int64_t r = r0, nb; r < r1; r += nb) {                                                     \
            double mu[4], rs[4];                                                                        \
            nb = rows_in_block(r, r1);                                                                  \
            stats_block_##SUFFIX(j->x, r, nb, j->D, j->eps, mu, rs);                                    \
            for (int64_t i = 0; i < nb; i++) mu[i] = (T)mu[i], rs[i] = (T)rs[i];                        \
            gx_block_##SUFFIX(j->y, j->g, j->x, j->gamma, mu, rs, r, nb, j->D);                         \
        }                                                                                               \
    }                                                                                                   \
                                                                                                        \
    static void stats_rows_##SUFFIX(void *p, int64_t r0, int64_t r1) {                                  \
        const layernorm_job *j = p;                                                                     \
        for (int64_t r = r0; r < r1;) {                                                                 \
            double mu[4], rs[4];                                                                        \
            int64_t nb = rows_in_block(r, r1);                                                          \
            stats_block_##SUFFIX(j->x, r, nb, j->D, j->eps, mu, rs);                                    \
            for (int64_t i = 0; i < nb; i++, r++) {                                                     \
                ((T *)j->mean)[r] = (T)mu[i];                                                           \
                ((T *)j->rstd)[r] = (T)rs[i];                                                           \
            }                                                                                           \
        }                                                                                               \
    }                                                                                                   \
                                                                                                        \
    void sc_k_layernorm_stats_##SUFFIX(T *mean, T *rstd, const T *x, int64_t rows, int64_t D, double eps) { \
        layernorm_job j = {.mean = mean, .rstd = rstd, .x = x, .rows = rows, .D = D, .eps = eps};       \
        sc_parallel_rows(rows, sc_parallel_min_rows(D), stats_rows_##SUFFIX, &j);                       \
    }                                                                                                   \
                                                                                                        \
    void sc_k_layernorm_gx_##SUFFIX(T *gx, const T *g, const T *x, const T *gamma, int64_t rows, int64_t D, \
                                    double eps) {                                                       \
        layernorm_job j = {.y = gx, .x = x, .gamma = gamma, .g = g, .rows = rows, .D = D, .eps = eps};  \
        sc_parallel_rows(rows, sc_parallel_min_rows(D), gx_rows_##SUFFIX, &j);                          \
    }                                                                                                   \
                                                                                                        \
    /* acc[c] = sum_r g_rc xhat_rc, acc[D + c] = sum_r g_rc for columns [c0, c1) */                     \
    static void back_cols_##SUFFIX(void *p, int64_t c0, int64_t c1) {                                   \
        const layernorm_job *j = p;                                                                     \
        const T *g = j->g, *x = j->x, *mean = j->mean, *rstd = j->rstd;                                 \
        double *accg = j->acc, *accb = (double *)j->acc + j->D; /* (D), (D) */                          \
        int64_t D = j->D, rows = j->rows;                                                               \
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
    void sc_k_layernorm_back_##SUFFIX(T *gx, T *ggamma, T *gbeta, double *acc, const T *g, const T *x,  \
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
