// sgd.c — SGD with coupled weight decay and (Nesterov) momentum, both forms.
//
//   d = clip(g) + wd θ                 (the SMaT reference's student update)
//   b' = μ b + d                       (momentum buffer; PyTorch convention, no dampening)
//   u = d (μ = 0),  b' (heavy ball),  d + μ b' (Nesterov)
//   θ' = θ - lr u
#include "ops/ops.h"
#include "optim/optim_impl.h"
#include "optim/update.h"

void sc_sgd_step_one(sc_optim *o, int i, const sc_tensor *g, double lr, double f) {
    sc_sgd_hyper h = {.lr = lr, .f = f, .wd = o->cfg.weight_decay, .mu = o->cfg.momentum,
                      .nesterov = o->cfg.nesterov};
    sc_tensor *p = o->p[i], *b = o->m[i];
    if (p->dtype == SC_F32)
        sc_sgd_update_f32(p->data, b ? b->data : NULL, g->data, p->numel, &h);
    else
        sc_sgd_update_f64(p->data, b ? b->data : NULL, g->data, p->numel, &h);
}

// The same update as recorded ops; θ, g, f (and b, when it comes from an earlier
// functional step) carry the graph. Without momentum it is the one op sgd_step
// (ops/update.c: the same arithmetic, one tensor in the graph instead of five).
sc_tensor *sc_sgd_fstep_one(const sc_optim *o, sc_ctx *ctx, sc_tensor *theta, sc_tensor *g, sc_tensor *f,
                            sc_tensor *m, double lr, sc_tensor **m_out) {
    double wd = o->cfg.weight_decay, mu = o->cfg.momentum;
    if (mu == 0.0) return sc_sgd_step(ctx, theta, g, f, lr, wd);
    if (f) g = sc_mul(ctx, g, f);
    sc_tensor *d = wd != 0.0 ? sc_add(ctx, g, sc_mul_scalar(ctx, theta, wd)) : g;  // (shape of θ)
    sc_tensor *u = d;
    if (mu != 0.0) {
        sc_tensor *b = sc_add(ctx, sc_mul_scalar(ctx, m, mu), d);
        u = o->cfg.nesterov ? sc_add(ctx, d, sc_mul_scalar(ctx, b, mu)) : b;
        if (m_out) *m_out = b;
    }
    return sc_sub(ctx, theta, sc_mul_scalar(ctx, u, lr));
}
