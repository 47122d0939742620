// layernorm.c — see layernorm.h.
#include "kernels/layernorm.h"

#include <math.h>

#define LAYERNORM_KERNELS(T, SUFFIX)                                                                    \
    void sc_k_layernorm_##SUFFIX(T *y, T *mean, T *rstd, const T *x, const T *gamma, const T *beta,    \
                                 int64_t rows, int64_t D, double eps) {                                 \
        for (int64_t r = 0; r < rows; r++) {                                                            \
            const T *xr = x + r * D; /* (D) */                                                         \
            T *yr = y + r * D;                                                                          \
            double mu = 0, var = 0;                                                                     \
            for (int64_t j = 0; j < D; j++) mu += xr[j];                                                \
            mu /= (double)D;                                                                            \
            for (int64_t j = 0; j < D; j++) var += ((double)xr[j] - mu) * ((double)xr[j] - mu);         \
            var /= (double)D;                                                                           \
            double rs = 1.0 / sqrt(var + eps);                                                          \
            mean[r] = (T)mu;                                                                            \
            rstd[r] = (T)rs;                                                                            \
            for (int64_t j = 0; j < D; j++) {                                                           \
                double v = ((double)xr[j] - mu) * rs;                                                   \
                if (gamma) v *= gamma[j];                                                               \
                if (beta) v += beta[j];                                                                 \
                yr[j] = (T)v;                                                                           \
            }                                                                                           \
        }                                                                                               \
    }                                                                                                   \
                                                                                                        \
    void sc_k_layernorm_back_##SUFFIX(T *gx, T *ggamma, T *gbeta, double *acc, const T *g, const T *x, \
                                      const T *mean, const T *rstd, const T *gamma, int64_t rows,       \
                                      int64_t D) {                                                      \
        double *accg = acc, *accb = acc + D; /* (D), (D) */                                             \
        for (int64_t j = 0; j < 2 * D; j++) acc[j] = 0;                                                 \
        for (int64_t r = 0; r < rows; r++) {                                                            \
            const T *gr = g + r * D, *xr = x + r * D;                                                   \
            double mu = mean[r], rs = rstd[r], a = 0, b = 0;                                            \
            for (int64_t j = 0; j < D; j++) {                                                           \
                double xh = ((double)xr[j] - mu) * rs;                                                  \
                double gh = gamma ? (double)gr[j] * gamma[j] : (double)gr[j];                           \
                a += gh;                                                                                \
                b += gh * xh;                                                                           \
                accg[j] += (double)gr[j] * xh;                                                          \
                accb[j] += gr[j];                                                                       \
            }                                                                                           \
            a /= (double)D;                                                                             \
            b /= (double)D;                                                                             \
            if (!gx) continue;                                                                          \
            T *o = gx + r * D;                                                                          \
            for (int64_t j = 0; j < D; j++) {                                                           \
                double xh = ((double)xr[j] - mu) * rs;                                                  \
                double gh = gamma ? (double)gr[j] * gamma[j] : (double)gr[j];                           \
                o[j] = (T)(rs * (gh - a - xh * b));                                                     \
            }                                                                                           \
        }                                                                                               \
        for (int64_t j = 0; j < D; j++) {                                                               \
            if (ggamma) ggamma[j] = (T)accg[j];                                                         \
            if (gbeta) gbeta[j] = (T)accb[j];                                                           \
        }                                                                                               \
    }

LAYERNORM_KERNELS(float, f32)
LAYERNORM_KERNELS(double, f64)
