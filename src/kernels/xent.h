// xent.h — fused cross-entropy of logits against integer labels.
//
// For logits x (N, C) and labels l (N) in [0, C):
//   loss  = (1/N) sum_r [ logsumexp(x_r) - x_r,l_r ]        (max-shifted logsumexp)
//   dx_rc = scale (softmax(x_r)_c - [c == l_r])             (scale = g / N in the op)
// Labels are validated by the op before these run.
#ifndef SC_KERNELS_XENT_H
#define SC_KERNELS_XENT_H

#include <stdint.h>

double sc_k_xent_f32(const float *x, const int32_t *labels, int64_t N, int64_t C);
double sc_k_xent_f64(const double *x, const int32_t *labels, int64_t N, int64_t C);

void sc_k_xent_back_f32(float *gx, const float *x, const int32_t *labels, int64_t N, int64_t C, double scale);
void sc_k_xent_back_f64(double *gx, const double *x, const int32_t *labels, int64_t N, int64_t C, double scale);

#endif
