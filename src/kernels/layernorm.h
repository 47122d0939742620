// layernorm.h — fused layer normalization over the last dimension.
//
// Each row r of x (rows, D) is normalized with its own mean and variance:
//   mean_r = sum_j x_rj / D,  var_r = sum_j (x_rj - mean_r)^2 / D   (two passes: stable)
//   rstd_r = 1 / sqrt(var_r + eps),  xhat_rj = (x_rj - mean_r) rstd_r
//   y_rj   = xhat_rj gamma_j + beta_j
// gamma / beta may be NULL (meaning 1 / 0). mean and rstd are written out so the
// backward kernel does not recompute them.
#ifndef SC_KERNELS_LAYERNORM_H
#define SC_KERNELS_LAYERNORM_H

#include <stdint.h>

void sc_k_layernorm_f32(float *y, float *mean, float *rstd, const float *x, const float *gamma,
                        const float *beta, int64_t rows, int64_t D, double eps);
void sc_k_layernorm_f64(double *y, double *mean, double *rstd, const double *x, const double *gamma,
                        const double *beta, int64_t rows, int64_t D, double eps);

// The backward pass given g = dL/dy (rows, D). With gxhat = g gamma:
//   gx_rj     = rstd_r (gxhat_rj - mean_j(gxhat_r) - xhat_rj mean_j(gxhat_r xhat_r))
//   ggamma_j  = sum_r g_rj xhat_rj,   gbeta_j = sum_r g_rj
// Any of gx, ggamma, gbeta may be NULL (not needed). acc is caller scratch of
// 2 D doubles: ggamma and gbeta accumulate there in f64 across rows.
void sc_k_layernorm_back_f32(float *gx, float *ggamma, float *gbeta, double *acc, const float *g, const float *x,
                             const float *mean, const float *rstd, const float *gamma, int64_t rows, int64_t D);
void sc_k_layernorm_back_f64(double *gx, double *ggamma, double *gbeta, double *acc, const double *g,
                             const double *x, const double *mean, const double *rstd, const double *gamma,
                             int64_t rows, int64_t D);

// mean and rstd alone, as the forward computes and stores them.
void sc_k_layernorm_stats_f32(float *mean, float *rstd, const float *x, int64_t rows, int64_t D, double eps);
void sc_k_layernorm_stats_f64(double *mean, double *rstd, const double *x, int64_t rows, int64_t D, double eps);

// gx alone, as above, with mean and rstd recomputed from x (and rounded to the
// element type, as the forward stores them: the bits equal the backward's).
// The create_graph path's layernorm_grad op (ops/layernorm.c) runs this.
void sc_k_layernorm_gx_f32(float *gx, const float *g, const float *x, const float *gamma, int64_t rows, int64_t D,
                           double eps);
void sc_k_layernorm_gx_f64(double *gx, const double *g, const double *x, const double *gamma, int64_t rows,
                           int64_t D, double eps);

#endif
