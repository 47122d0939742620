// update.c — the in-place SGD and Adam/AdamW kernels, for f32 and f64.
//
// Scalars are rounded to the element type before use, as sc_mul_scalar and
// friends do in the functional step, so both forms take the same rounding steps.
#include "optim/update.h"

#include <math.h>

// SGD with coupled weight decay and (Nesterov) momentum, per element:
//   d = f g + wd θ;  b ← μ b + d;  u = nesterov ? d + μ b : b  (u = d when μ = 0);
//   θ ← θ - lr u.
#define SGD_KERNEL(T, SUFFIX)                                                                         \
    void sc_sgd_update_##SUFFIX(T *theta, T *buf, const T *g, int64_t n, const sc_sgd_hyper *h) {   \
        const T f = (T)h->f, wd = (T)h->wd, mu = (T)h->mu, lr = (T)h->lr;                            \
        const int clip = h->f != 1.0, decay = h->wd != 0.0, mom = h->mu != 0.0;                       \
        for (int64_t i = 0; i < n; i++) {                                                             \
            T d = clip ? g[i] * f : g[i];                                                             \
            if (decay) d = d + theta[i] * wd;                                                         \
            T u = d;                                                                                  \
            if (mom) {                                                                                \
                buf[i] = buf[i] * mu + d;                                                             \
                u = h->nesterov ? d + buf[i] * mu : buf[i];                                           \
            }                                                                                         \
            theta[i] = theta[i] - u * lr;                                                             \
        }                                                                                             \
    }

SGD_KERNEL(float, f32)
SGD_KERNEL(double, f64)

// Adam / AdamW, per element (t = this step, bc_k = 1 - β_k^t):
//   d = f g (+ wd θ for Adam);  m ← β1 m + (1-β1) d;  v ← β2 v + (1-β2) d²;
//   s = (m / bc1) / (sqrt(v / bc2) + ε);
//   θ ← θ - lr s  (Adam)   or   θ ← θ (1 - lr wd) - lr s  (AdamW).
#define ADAM_KERNEL(T, SUFFIX, SQRT)                                                                    \
    void sc_adam_update_##SUFFIX(T *theta, T *m, T *v, const T *g, int64_t n, const sc_adam_hyper *h) { \
        const T f = (T)h->f, wd = (T)h->wd, b1 = (T)h->b1, b2 = (T)h->b2, c1 = (T)(1.0 - h->b1);       \
        const T c2 = (T)(1.0 - h->b2), ibc1 = (T)(1.0 / h->bc1), ibc2 = (T)(1.0 / h->bc2);             \
        const T eps = (T)h->eps, lr = (T)h->lr, shrink = (T)(1.0 - h->lr * h->wd);                     \
        const int clip = h->f != 1.0, coupled = !h->decoupled && h->wd != 0.0;                          \
        const int decoupled = h->decoupled && h->wd != 0.0;                                             \
        for (int64_t i = 0; i < n; i++) {                                                               \
            T d = clip ? g[i] * f : g[i];                                                               \
            if (coupled) d = d + theta[i] * wd;                                                         \
            m[i] = m[i] * b1 + d * c1;                                                                  \
            v[i] = v[i] * b2 + (d * d) * c2;                                                            \
            T s = (m[i] * ibc1) / (SQRT(v[i] * ibc2) + eps);                                            \
            T th = decoupled ? theta[i] * shrink : theta[i];                                            \
            theta[i] = th - s * lr;                                                                     \
        }                                                                                               \
    }

ADAM_KERNEL(float, f32, sqrtf)
ADAM_KERNEL(double, f64, sqrt)
