// optim_impl.h — per-parameter pieces shared by optim.c, sgd.c and adam.c (internal).
#ifndef SC_OPTIM_IMPL_H
#define SC_OPTIM_IMPL_H

#include "optim/optim.h"

// In-place update of parameter i from its contiguous gradient g; f = clip factor.
// t is the (1-based) number of the step being taken (Adam's bias correction).
void sc_sgd_step_one(sc_optim *o, int i, const sc_tensor *g, double lr, double f);
void sc_adam_step_one(sc_optim *o, int i, const sc_tensor *g, double lr, double f, int64_t t);

// Functional update of one parameter: theta, g and the state m, v are graph
// tensors or constants; returns θ' and, through m_out / v_out (may be NULL), the
// new state. t is the 1-based number of the step being taken. SGD takes g as it
// is and the clip factor f (a graph scalar, NULL for 1); Adam's g is clipped.
sc_tensor *sc_sgd_fstep_one(const sc_optim *o, sc_ctx *ctx, sc_tensor *theta, sc_tensor *g, sc_tensor *f,
                            sc_tensor *m, double lr, sc_tensor **m_out);
sc_tensor *sc_adam_fstep_one(const sc_optim *o, sc_ctx *ctx, sc_tensor *theta, sc_tensor *g, sc_tensor *m,
                             sc_tensor *v, double lr, int64_t t, sc_tensor **m_out, sc_tensor **v_out);

#endif
