// update.h — raw-pointer kernels of the in-place optimizer steps (internal to optim/).
//
// All arrays are contiguous with n elements. `f` is the global clip factor applied
// to the gradient first (1 when clipping is off or inactive). The arithmetic
// mirrors, operation by operation and in the same precision, the op graph that
// the functional step builds, so the two forms agree to rounding.
#ifndef SC_OPTIM_UPDATE_H
#define SC_OPTIM_UPDATE_H

#include <stdint.h>

typedef struct sc_sgd_hyper {
    double lr, f, wd, mu;
    int nesterov;
} sc_sgd_hyper;

typedef struct sc_adam_hyper {
    double lr, f, wd, b1, b2, eps;
    double bc1, bc2;  // bias corrections 1 - β1^t, 1 - β2^t for this step t
    int decoupled;    // AdamW: θ ← θ (1 - lr wd) - lr step; else wd is added to g
} sc_adam_hyper;

// theta (n) updated; buf (n) the momentum buffer (NULL when mu == 0); g (n) read.
void sc_sgd_update_f32(float *theta, float *buf, const float *g, int64_t n, const sc_sgd_hyper *h);
void sc_sgd_update_f64(double *theta, double *buf, const double *g, int64_t n, const sc_sgd_hyper *h);
// theta, m, v (n) updated; g (n) read.
void sc_adam_update_f32(float *theta, float *m, float *v, const float *g, int64_t n, const sc_adam_hyper *h);
void sc_adam_update_f64(double *theta, double *m, double *v, const double *g, int64_t n, const sc_adam_hyper *h);

#endif
