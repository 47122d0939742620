// xent.c — see xent.h. Each row is shifted by its maximum before exponentiating.
#include "kernels/xent.h"

#include <math.h>

#include "kernels/fastmath.h"

#define XENT_KERNELS(T, SUFFIX, EXP)                                                                          \
    /* Returns the row's max m and writes sum_c exp(x_c - m) into *s. */                                 \
    static T row_shift_##SUFFIX(const T *xr, int64_t C, double *s) {                                     \
        T m = xr[0];                                                                                     \
        for (int64_t c = 1; c < C; c++)                                                                  \
            if (xr[c] > m) m = xr[c];                                                                    \
        double acc = 0;                                                                                  \
        for (int64_t c = 0; c < C; c++) acc += (double)EXP(xr[c] - m);                           \
        *s = acc;                                                                                        \
        return m;                                                                                        \
    }                                                                                                    \
                                                                                                         \
    double sc_k_xent_##SUFFIX(const T *x, const int32_t *labels, int64_t N, int64_t C) {                \
        double total = 0;                                                                                \
        for (int64_t r = 0; r < N; r++) {                                                                \
            const T *xr = x + r * C; /* (C) */                                                          \
            double s;                                                                                    \
            T m = row_shift_##SUFFIX(xr, C, &s);                                                         \
            /* lse - x_l = log s - (x_l - m) */                                                          \
            total += log(s) - ((double)xr[labels[r]] - (double)m);                                       \
        }                                                                                                \
        return total / (double)N;                                                                        \
    }                                                                                                    \
                                                                                                         \
    void sc_k_xent_back_##SUFFIX(T *gx, const T *x, const int32_t *labels, int64_t N, int64_t C,        \
                                 double scale) {                                                         \
        for (int64_t r = 0; r < N; r++) {                                                                \
            const T *xr = x + r * C;                                                                     \
            T *o = gx + r * C;                                                                           \
            double s;                                                                                    \
            T m = row_shift_##SUFFIX(xr, C, &s);                                                         \
            for (int64_t c = 0; c < C; c++) {                                                            \
                double p = (double)EXP(xr[c] - m) / s;                                           \
                o[c] = (T)(scale * (p - (c == labels[r] ? 1.0 : 0.0)));                                  \
            }                                                                                            \
        }                                                                                                \
    }

XENT_KERNELS(float, f32, sc_expf_fast)  // vectorizable; kernels/fastmath.h
XENT_KERNELS(double, f64, exp)
