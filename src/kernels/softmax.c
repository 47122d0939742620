// softmax.c — see softmax.h. One row = `len` elements `inner` apart.
#include "kernels/softmax.h"

#include <math.h>

#include "kernels/fastmath.h"
#include "kernels/parallel.h"

// Rows q = a * inner + i are independent: sc_parallel_rows splits them between
// threads, each row computed whole by the same code. The forward reads `in` (x)
// and writes `out` (y); the backward (g != NULL) reads `in` (y) and g.
typedef struct {
    void *out;
    const void *in, *g;
    int64_t len, inner;
    int is_log;
} softmax_job;

#define SOFTMAX_KERNELS(T, SUFFIX, EXP)                                                              \
    /* the end of a row: y = exp(x - m) scaled by 1 / s, or (x - m) - log s */                        \
    static void softmax_finish_##SUFFIX(T *yr, const T *xr, int64_t len, int is_log, T m, double s) {  \
        if (is_log) {                                                                                \
            T ls = (T)log(s);                                                                        \
            for (int64_t l = 0; l < len; l++) yr[l] = (xr[l] - m) - ls;                              \
        } else {                                                                                     \
            T inv = (T)(1.0 / s);                                                                    \
            for (int64_t l = 0; l < len; l++) yr[l] *= inv;                                          \
        }                                                                                            \
    }                                                                                                \
                                                                                                     \
    /* one contiguous row (inner == 1, the common case): the loops below with unit strides the */   \
    /* compiler can see, the same operations in the same order (so the same bits) */                \
    static void softmax_row1_##SUFFIX(T *yr, const T *xr, int64_t len, int is_log) {                  \
        T m = xr[0];                                                                                 \
        for (int64_t l = 1; l < len; l++)                                                            \
            if (xr[l] > m) m = xr[l];                                                                \
        for (int64_t l = 0; l < len; l++) yr[l] = EXP(xr[l] - m);                                    \
        double s = 0;                                                                                \
        for (int64_t l = 0; l < len; l++) s += (double)yr[l];                                        \
        softmax_finish_##SUFFIX(yr, xr, len, is_log, m, s);                                          \
    }                                                                                                \
                                                                                                     \
    /* four contiguous rows: the max and the f64 sum are chains of dependent steps, latency-bound */ \
    /* one row at a time; four rows' chains interleaved fill the pipeline, each row still taken */   \
    /* in order (so the bits are softmax_row1's) */                                                  \
    static void softmax_row4_##SUFFIX(T *y, const T *x, int64_t len, int is_log) {                   \
        const T *x0 = x, *x1 = x + len, *x2 = x + 2 * len, *x3 = x + 3 * len;                         \
        T m0 = x0[0], m1 = x1[0], m2 = x2[0], m3 = x3[0];                                            \
        for (int64_t l = 1; l < len; l++) {                                                          \
            if (x0[l] > m0) m0 = x0[l];                                                              \
            if (x1[l] > m1) m1 = x1[l];                                                              \
            if (x2[l] > m2) m2 = x2[l];                                                              \
            if (x3[l] > m3) m3 = x3[l];                                                              \
        }                                                                                            \
        T m[4] = {m0, m1, m2, m3};                                                                   \
        for (int64_t i = 0; i < 4; i++)                                                              \
            for (int64_t l = 0; l < len; l++) y[i * len + l] = EXP(x[i * len + l] - m[i]);           \
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;                                                       \
        for (int64_t l = 0; l < len; l++) {                                                          \
            s0 += (double)y[l];                                                                      \
            s1 += (double)y[len + l];                                                                \
            s2 += (double)y[2 * len + l];                                                            \
            s3 += (double)y[3 * len + l];                                                            \
        }                                                                                            \
        double s[4] = {s0, s1, s2, s3};                                                              \
        for (int64_t i = 0; i < 4; i++) softmax_finish_##SUFFIX(y + i * len, x + i * len, len, is_log, m[i], s[i]); \
    }                                                                                                \
                                                                                                     \
    static void softmax_rows_##SUFFIX(T *y, const T *x, int64_t len, int64_t inner, int is_log,      \
                                      int64_t q_lo, int64_t q_hi) {                                  \
        if (inner == 1) {                                                                            \
            int64_t q = q_lo;                                                                        \
            for (; q + 4 <= q_hi; q += 4) softmax_row4_##SUFFIX(y + q * len, x + q * len, len, is_log); \
            for (; q < q_hi; q++) softmax_row1_##SUFFIX(y + q * len, x + q * len, len, is_log);      \
            return;                                                                                  \
        }                                                                                            \
        for (int64_t q = q_lo; q < q_hi; q++) {                                                      \
            int64_t a = q / inner, i = q % inner;                                                    \
            {                                                                                        \
                const T *xr = x + a * len * inner + i; /* one row: (len), stride inner */           \
                T *yr = y + a * len * inner + i;                                                     \
                T m = xr[0];                                                                         \
                for (int64_t l = 1; l < len; l++)                                                    \
                    if (xr[l * inner] > m) m = xr[l * inner];                                        \
                /* y holds exp(x - m) until the final pass. Two loops, not one: the */              \
                /* exponentials vectorise, the f64 sum (in order) does not. */                        \
                for (int64_t l = 0; l < len; l++) yr[l * inner] = EXP(xr[l * inner] - m);            \
                double s = 0;                                                                        \
                for (int64_t l = 0; l < len; l++) s += (double)yr[l * inner];                        \
                if (is_log) { /* (x - m) - log s: no cancellation against a large m */              \
                    T ls = (T)log(s);                                                                \
                    for (int64_t l = 0; l < len; l++) yr[l * inner] = (xr[l * inner] - m) - ls;      \
                } else {                                                                             \
                    T inv = (T)(1.0 / s);                                                            \
                    for (int64_t l = 0; l < len; l++) yr[l * inner] *= inv;                          \
                }                                                                                    \
            }                                                                                        \
        }                                                                                            \
    }                                                                                                \
                                                                                                     \
    /* gx of one contiguous row from its sum s (see softmax_back_rows) */                             \
    static void softmax_back_out_##SUFFIX(T *xr, const T *gr, const T *yr, int64_t len, int is_log,  \
                                          double s) {                                                \
        for (int64_t l = 0; l < len; l++)                                                            \
            xr[l] = is_log ? (T)(gr[l] - (double)EXP(yr[l]) * s) : (T)(yr[l] * (gr[l] - s));         \
    }                                                                                                \
                                                                                                     \
    /* four contiguous rows, their sums interleaved as in softmax_row4 (the same bits) */            \
    static void softmax_back_row4_##SUFFIX(T *gx, const T *g, const T *y, int64_t len, int is_log) { \
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;                                                       \
        for (int64_t l = 0; l < len; l++) {                                                          \
            s0 += is_log ? (double)g[l] : (double)g[l] * (double)y[l];                               \
            s1 += is_log ? (double)g[len + l] : (double)g[len + l] * (double)y[len + l];             \
            s2 += is_log ? (double)g[2 * len + l] : (double)g[2 * len + l] * (double)y[2 * len + l]; \
            s3 += is_log ? (double)g[3 * len + l] : (double)g[3 * len + l] * (double)y[3 * len + l]; \
        }                                                                                            \
        double s[4] = {s0, s1, s2, s3};                                                              \
        for (int64_t i = 0; i < 4; i++)                                                              \
            softmax_back_out_##SUFFIX(gx + i * len, g + i * len, y + i * len, len, is_log, s[i]);    \
    }                                                                                                \
                                                                                                     \
    static void softmax_back_rows_##SUFFIX(T *gx, const T *g, const T *y, int64_t len, int64_t inner, \
                                           int is_log, int64_t q_lo, int64_t q_hi) {                 \
        if (inner == 1)                                                                              \
            for (; q_lo + 4 <= q_hi; q_lo += 4)                                                      \
                softmax_back_row4_##SUFFIX(gx + q_lo * len, g + q_lo * len, y + q_lo * len, len, is_log); \
        for (int64_t q = q_lo; q < q_hi; q++) {                                                      \
            int64_t a = q / inner, i = q % inner;                                                    \
            {                                                                                        \
                int64_t base = a * len * inner + i;                                                  \
                const T *gr = g + base, *yr = y + base;                                              \
                T *xr = gx + base;                                                                   \
                double s = 0; /* sum(g) for log_softmax, sum(g * y) for softmax */                   \
                for (int64_t l = 0; l < len; l++)                                                    \
                    s += is_log ? (double)gr[l * inner] : (double)gr[l * inner] * (double)yr[l * inner]; \
                for (int64_t l = 0; l < len; l++) {                                                  \
                    int64_t o = l * inner;                                                           \
                    xr[o] = is_log ? (T)(gr[o] - (double)EXP(yr[o]) * s) : (T)(yr[o] * (gr[o] - s)); \
                }                                                                                    \
            }                                                                                        \
        }                                                                                            \
    }                                                                                                \
                                                                                                     \
    static void softmax_range_##SUFFIX(void *p, int64_t lo, int64_t hi) {                            \
        const softmax_job *j = p;                                                                    \
        if (j->g)                                                                                    \
            softmax_back_rows_##SUFFIX(j->out, j->g, j->in, j->len, j->inner, j->is_log, lo, hi);     \
        else                                                                                         \
            softmax_rows_##SUFFIX(j->out, j->in, j->len, j->inner, j->is_log, lo, hi);               \
    }                                                                                                \
                                                                                                     \
    void sc_k_softmax_##SUFFIX(T *y, const T *x, int64_t outer, int64_t len, int64_t inner,         \
                               int is_log) {                                                         \
        softmax_job j = {y, x, NULL, len, inner, is_log};                                            \
        sc_parallel_rows(outer * inner, sc_parallel_min_rows(len), softmax_range_##SUFFIX, &j);      \
    }                                                                                                \
                                                                                                     \
    void sc_k_softmax_back_##SUFFIX(T *gx, const T *g, const T *y, int64_t outer, int64_t len,      \
                                    int64_t inner, int is_log) {                                     \
        softmax_job j = {gx, y, g, len, inner, is_log};                                              \
        sc_parallel_rows(outer * inner, sc_parallel_min_rows(len), softmax_range_##SUFFIX, &j);      \
    }

SOFTMAX_KERNELS(float, f32, sc_expf_fast)  // vectorizable; kernels/fastmath.h
SOFTMAX_KERNELS(double, f64, exp)
