// softmax.h — numerically stable softmax / log-softmax along one axis, and the
// fused backward used when no graph is requested (see ops/nn.c).
//
// Every tensor is contiguous and seen as (outer, len, inner): the normalization
// runs along `len`, whose elements sit `inner` apart. Softmax of the last axis is
// inner = 1; of axis 0 of a (len, C) matrix, outer = 1 and inner = C.
//
// Stability: y = exp(x - m) / sum exp(x - m) with m the maximum of the row, so
// no exponential overflows; log-softmax is x - m - log(sum exp(x - m)), never
// log(softmax). Sums accumulate in f64 (f32 rows stay accurate).
#ifndef SC_KERNELS_SOFTMAX_H
#define SC_KERNELS_SOFTMAX_H

#include <stdint.h>

// y (outer, len, inner) = softmax(x) or, with is_log != 0, log_softmax(x).
void sc_k_softmax_f32(float *y, const float *x, int64_t outer, int64_t len, int64_t inner, int is_log);
void sc_k_softmax_f64(double *y, const double *x, int64_t outer, int64_t len, int64_t inner, int is_log);

// gx (outer, len, inner) from the incoming gradient g and the forward output y:
//   softmax:     gx = y * (g - sum(g * y))
//   log_softmax: gx = g - exp(y) * sum(g)
void sc_k_softmax_back_f32(float *gx, const float *g, const float *y, int64_t outer, int64_t len, int64_t inner,
                           int is_log);
void sc_k_softmax_back_f64(double *gx, const double *g, const double *y, int64_t outer, int64_t len, int64_t inner,
                           int is_log);

#endif
