// adam.c — Adam (coupled L2 weight decay) and AdamW (decoupled), both forms.
//
// At step t (1-based), with bias corrections bc1 = 1 - β1^t, bc2 = 1 - β2^t:
//   d  = clip(g) (+ wd θ for Adam)
//   m' = β1 m + (1 - β1) d
//   v' = β2 v + (1 - β2) d²
//   s  = (m' / bc1) / (sqrt(v' / bc2) + ε)
//   θ' = θ - lr s              (Adam)
//   θ' = θ (1 - lr wd) - lr s  (AdamW: the decay does not pass through the moments)
#include <math.h>

#include "ops/ops.h"
#include "optim/optim_impl.h"
#include "optim/update.h"

static sc_adam_hyper hyper(const sc_optim *o, double lr, double f, int64_t t) {
    sc_adam_hyper h = {.lr = lr, .f = f, .wd = o->cfg.weight_decay, .b1 = o->cfg.beta1, .b2 = o->cfg.beta2,
                       .eps = o->cfg.eps, .decoupled = o->cfg.kind == SC_OPTIM_ADAMW};
    h.bc1 = 1.0 - pow(o->cfg.beta1, (double)t);
    h.bc2 = 1.0 - pow(o->cfg.beta2, (double)t);
    return h;
}

void sc_adam_step_one(sc_optim *o, int i, const sc_tensor *g, double lr, double f, int64_t t) {
    sc_adam_hyper h = hyper(o, lr, f, t);
    sc_tensor *p = o->p[i];
    if (p->dtype == SC_F32)
        sc_adam_update_f32(p->data, o->m[i]->data, o->v[i]->data, g->data, p->numel, &h);
    else
        sc_adam_update_f64(p->data, o->m[i]->data, o->v[i]->data, g->data, p->numel, &h);
}

// The same update as recorded ops; m and v are the optimizer's state (constants)
// or graph tensors from an earlier functional step.
// Note sqrt's derivative is unbounded at 0: a meta-gradient through an element
// whose d and v are both exactly 0 is not finite (as in any autodiff framework).
sc_tensor *sc_adam_fstep_one(const sc_optim *o, sc_ctx *ctx, sc_tensor *theta, sc_tensor *g, sc_tensor *m0,
                             sc_tensor *v0, double lr, int64_t t, sc_tensor **m_out, sc_tensor **v_out) {
    sc_adam_hyper h = hyper(o, lr, 1.0, t);
    sc_tensor *d = g;  // (shape of θ)
    if (!h.decoupled && h.wd != 0.0) d = sc_add(ctx, g, sc_mul_scalar(ctx, theta, h.wd));
    sc_tensor *m = sc_add(ctx, sc_mul_scalar(ctx, m0, h.b1), sc_mul_scalar(ctx, d, 1.0 - h.b1));
    sc_tensor *v = sc_add(ctx, sc_mul_scalar(ctx, v0, h.b2),
                          sc_mul_scalar(ctx, sc_mul(ctx, d, d), 1.0 - h.b2));
    sc_tensor *den = sc_add_scalar(ctx, sc_sqrt(ctx, sc_mul_scalar(ctx, v, 1.0 / h.bc2)), h.eps);
    sc_tensor *s = sc_div(ctx, sc_mul_scalar(ctx, m, 1.0 / h.bc1), den);
    sc_tensor *th = h.decoupled && h.wd != 0.0 ? sc_mul_scalar(ctx, theta, 1.0 - h.lr * h.wd) : theta;
    if (m_out) *m_out = m;
    if (v_out) *v_out = v;
    return sc_sub(ctx, th, sc_mul_scalar(ctx, s, lr));
}
