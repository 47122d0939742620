// meta_values.c — the values of the SMaT benchmark cases that a replica must
// reproduce (meta_case.h: sc_meta_case_values), computed with the same library
// calls the timed steps make, in eval mode.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench/meta_case.h"
#include "ops/ops.h"

// L_in with β at the current θ, eval mode (NaN on failure, ctx->err set).
static double loss_at(sc_meta_case *c, double beta) {
    sc_ctx *ctx = &c->env->ctx;
    sc_smat *s = &c->env->st.smat;
    sc_ctx_mark mk = sc_ctx_get_mark(ctx);
    s->beta = beta;
    sc_tensor *L = sc_smat_inner_loss(s, ctx, &c->in, c->idx, c->n, 0);
    double v = L ? sc_tensor_get(L, 0) : NAN;
    s->beta = c->beta;
    sc_ctx_rewind(ctx, mk);
    return v;
}

double sc_meta_case_plain_loss(sc_meta_case *c) { return loss_at(c, 0); }

// Copies of tensors' data (contiguous leaves), to put them back.
static float *save(sc_tensor *const *t, int n) {
    size_t total = 0;
    for (int i = 0; i < n; i++) total += (size_t)t[i]->numel;
    float *s = malloc(sizeof(float) * (total + 1));
    for (int i = 0, o = 0; s && i < n; o += (int)t[i]->numel, i++)
        memcpy(s + o, t[i]->data, sizeof(float) * (size_t)t[i]->numel);
    return s;
}

static void restore(sc_tensor *const *t, int n, const float *s) {
    for (int i = 0, o = 0; i < n; o += (int)t[i]->numel, i++)
        memcpy(t[i]->data, s + o, sizeof(float) * (size_t)t[i]->numel);
}

// L_in with β after one SGD step from θ on its eval-mode gradient; θ put back.
static double after_step(sc_meta_case *c, double beta) {
    sc_ctx *ctx = &c->env->ctx;
    sc_smat *s = &c->env->st.smat;
    float *theta0 = save(c->opt.p, c->opt.n);
    if (!theta0) return NAN;
    int64_t t0 = c->opt.t;
    sc_ctx_mark mk = sc_ctx_get_mark(ctx);
    s->beta = beta;
    sc_tensor *L = sc_smat_inner_loss(s, ctx, &c->in, c->idx, c->n, 0);
    sc_tensor **g = L ? sc_grad(ctx, &L, 1, c->opt.p, c->opt.n, NULL, 0) : NULL;
    int ok = g && !sc_optim_step(&c->opt, ctx, g, SC_META_CASE_LR);
    s->beta = c->beta;
    sc_ctx_rewind(ctx, mk);
    double v = ok ? loss_at(c, beta) : NAN;
    restore(c->opt.p, c->opt.n, theta0);
    c->opt.t = t0;
    free(theta0);
    return v;
}

// The bilevel problem of sc_student_meta_step (smat/student.c) without scouts.
static sc_tensor *inner_cb(void *user, sc_ctx *ctx, int j) {
    (void)j;
    sc_meta_case *c = user;
    return sc_smat_inner_loss(&c->env->st.smat, ctx, &c->in, c->idx, c->n, 0);
}

static sc_tensor *outer_cb(void *user, sc_ctx *ctx) {
    sc_meta_case *c = user;
    return sc_smat_outer_loss(&c->env->st.smat, ctx, &c->vin, c->vidx, c->vn);
}

// dφ and L_out by sc_hypergrad, then φ after sc_student_meta_step's AdamW step
// (which computes the same dφ again); φ and the meta optimizer put back.
static int meta_values(sc_meta_case *c, sc_meta_values *v, sc_err *err) {
    sc_ctx *ctx = &c->env->ctx;
    sc_student *st = &c->env->st;
    sc_params *phi = &st->texpl.params;
    sc_tensor *dphi[SC_PARAMS_MAX];
    sc_ctx_mark mk = sc_ctx_get_mark(ctx);
    for (int i = 0; i < phi->n; i++)
        if (!(dphi[i] = sc_zeros(ctx, phi->t[i]->dtype, phi->t[i]->ndim, phi->t[i]->shape)))
            return sc_errf(err, "bench values: %s", ctx->err.msg);
    sc_bilevel b = {.user = c, .opt = &c->opt, .lr = SC_META_CASE_LR, .n_phi = phi->n, .phi = phi->t,
                    .inner_loss = inner_cb, .outer_loss = outer_cb};
    if (sc_hypergrad(&b, ctx, &st->cfg.hg, dphi, &v->outer, err)) return -1;
    float *d = save(dphi, phi->n), *phi0 = save(phi->t, phi->n);
    sc_ctx_rewind(ctx, mk);
    if (!d || !phi0) {
        free(d), free(phi0);
        return sc_errf(err, "bench values: out of memory");
    }
    double outer;
    int rc = sc_student_meta_step(st, ctx, &c->opt, SC_META_CASE_LR, &c->in, c->idx, c->n, c->vidx, c->vn,
                                  SC_META_CASE_META_LR, &outer, err);
    v->dphi = d;
    v->phi_after = save(phi->t, phi->n);
    restore(phi->t, phi->n, phi0);
    sc_optim_reset_state(&st->meta_opt);
    free(phi0);
    if (!rc && !v->phi_after) rc = sc_errf(err, "bench values: out of memory");
    return rc;
}

int sc_meta_case_values(sc_meta_case *c, sc_meta_values *v, sc_err *err) {
    memset(v, 0, sizeof *v);
    sc_student *st = &c->env->st;
    st->cfg.hg = sc_hg_default();  // unrolled-1, the paper's
    for (int i = 0; i < st->texpl.params.n; i++) v->n_phi += (int)st->texpl.params.t[i]->numel;
    v->plain = loss_at(c, 0);
    v->plain_after = after_step(c, 0);
    v->explained = loss_at(c, c->beta);
    v->explained_after = after_step(c, c->beta);
    if (c->env->ctx.failed || isnan(v->plain) || isnan(v->plain_after) || isnan(v->explained) ||
        isnan(v->explained_after))
        return sc_errf(err, "bench values: %s", c->env->ctx.failed ? c->env->ctx.err.msg : "a loss is NaN");
    if (meta_values(c, v, err)) {
        sc_meta_values_free(v);
        return -1;
    }
    return 0;
}

void sc_meta_values_free(sc_meta_values *v) {
    free(v->dphi), free(v->phi_after);
    v->dphi = v->phi_after = NULL;
}
