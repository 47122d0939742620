// optim.c — optimizer set-up (state in a persistent arena) and the two step
// entry points: validation, global-norm clipping, then per-parameter dispatch to
// sgd.c / adam.c.
#include <string.h>

#include "ops/ops.h"
#include "optim/optim_impl.h"

sc_optim_cfg sc_optim_sgd_cfg(double momentum, double weight_decay, double clip_norm) {
    sc_optim_cfg c = {.kind = SC_OPTIM_SGD, .momentum = momentum, .weight_decay = weight_decay,
                      .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8, .clip_norm = clip_norm};
    return c;
}

sc_optim_cfg sc_optim_adam_cfg(int decoupled, double weight_decay, double clip_norm) {
    sc_optim_cfg c = {.kind = decoupled ? SC_OPTIM_ADAMW : SC_OPTIM_ADAM, .weight_decay = weight_decay,
                      .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8, .clip_norm = clip_norm};
    return c;
}

static int check_cfg(const sc_optim_cfg *c, sc_err *err) {
    if (c->kind != SC_OPTIM_SGD && c->kind != SC_OPTIM_ADAM && c->kind != SC_OPTIM_ADAMW)
        return sc_errf(err, "optim: unknown optimizer kind %d", (int)c->kind);
    if (!(c->weight_decay >= 0)) return sc_errf(err, "optim: weight decay %g must be >= 0", c->weight_decay);
    if (c->kind == SC_OPTIM_SGD) {
        if (!(c->momentum >= 0 && c->momentum < 1))
            return sc_errf(err, "optim: SGD momentum %g must be in [0, 1)", c->momentum);
        if (c->nesterov && c->momentum == 0)
            return sc_errf(err, "optim: Nesterov momentum needs momentum > 0");
    } else {
        if (!(c->beta1 >= 0 && c->beta1 < 1) || !(c->beta2 >= 0 && c->beta2 < 1))
            return sc_errf(err, "optim: Adam betas (%g, %g) must be in [0, 1)", c->beta1, c->beta2);
        if (!(c->eps > 0)) return sc_errf(err, "optim: Adam eps %g must be > 0", c->eps);
    }
    return 0;
}

int sc_optim_init(sc_optim *o, const sc_optim_cfg *cfg, sc_tensor *const *params, int n, sc_err *err) {
    memset(o, 0, sizeof *o);
    if (check_cfg(cfg, err)) return -1;
    if (n < 1 || n > SC_PARAMS_MAX) return sc_errf(err, "optim: %d parameter tensors (need 1..%d)", n, SC_PARAMS_MAX);
    size_t bytes = 0;
    for (int i = 0; i < n; i++) {
        const sc_tensor *p = params[i];
        char b[96];
        if (!p) return sc_errf(err, "optim: parameter %d is NULL", i);
        if (p->dtype != SC_F32 && p->dtype != SC_F64)
            return sc_errf(err, "optim: parameter %d %s is not f32/f64", i, sc_shape_str(p, b, sizeof b));
        if (!sc_tensor_is_contiguous(p) || p->node)
            return sc_errf(err, "optim: parameter %d %s must be a contiguous leaf tensor", i,
                           sc_shape_str(p, b, sizeof b));
        bytes += (size_t)p->numel * sc_dtype_size(p->dtype);
    }
    int slots = cfg->kind == SC_OPTIM_SGD ? (cfg->momentum > 0) : 2;
    // Room for the state, each tensor's header, alignment and a valgrind red zone.
    size_t cap = (size_t)slots * bytes + (size_t)n * (size_t)slots * (sizeof(sc_tensor) + 512) + 4096;
    if (sc_arena_init(&o->arena, cap, "optim", err)) return -1;
    o->cfg = *cfg;
    o->n = n;
    for (int i = 0; i < n; i++) {
        sc_tensor *p = params[i];
        o->p[i] = p;
        for (int s = 0; s < slots; s++) {
            sc_tensor *st = sc_empty_in(&o->arena, p->dtype, p->ndim, p->shape);
            if (!st) {
                sc_arena_free(&o->arena);
                return sc_errf(err, "optim: state arena full at parameter %d", i);
            }
            st->name = p->name;
            if (s == 0) o->m[i] = st;
            else o->v[i] = st;
        }
    }
    return 0;
}

int sc_optim_init_params(sc_optim *o, const sc_optim_cfg *cfg, const sc_params *p, sc_err *err) {
    return sc_optim_init(o, cfg, p->t, p->n, err);
}

void sc_optim_free(sc_optim *o) { sc_arena_free(&o->arena); }

void sc_optim_reset_state(sc_optim *o) {
    for (int i = 0; i < o->n; i++) {
        if (o->m[i]) memset(o->m[i]->data, 0, (size_t)o->m[i]->numel * sc_dtype_size(o->m[i]->dtype));
        if (o->v[i]) memset(o->v[i]->data, 0, (size_t)o->v[i]->numel * sc_dtype_size(o->v[i]->dtype));
    }
    o->t = 0;
}

// grads[i] must be present and match o->p[i] (or params[i]) in shape and dtype.
static int check_grads(const sc_optim *o, sc_ctx *ctx, const char *op, sc_tensor *const *params,
                       sc_tensor *const *grads) {
    if (ctx->failed) return -1;
    if (!grads) return sc_fail(ctx, "%s: no gradients given", op), -1;
    for (int i = 0; i < o->n; i++) {
        const sc_tensor *p = params ? params[i] : o->p[i], *g = grads[i];
        if (!p || !g) return sc_fail(ctx, "%s: parameter or gradient %d missing", op, i), -1;
        char b1[96], b2[96];
        if (!sc_same_shape(p, o->p[i]) || p->dtype != o->p[i]->dtype)
            return sc_fail(ctx, "%s: parameter %d is %s, the optimizer's is %s", op, i, sc_shape_str(p, b1, sizeof b1),
                           sc_shape_str(o->p[i], b2, sizeof b2)), -1;
        if (!sc_same_shape(p, g) || p->dtype != g->dtype)
            return sc_fail(ctx, "%s: gradient %d is %s but parameter '%s' is %s", op, i,
                           sc_shape_str(g, b1, sizeof b1), p->name ? p->name : "?", sc_shape_str(p, b2, sizeof b2)), -1;
    }
    return 0;
}

// All gradients are made contiguous first (a copy only for strided ones), so a
// failure leaves every parameter untouched; the copies are dropped afterwards.
int sc_optim_step(sc_optim *o, sc_ctx *ctx, sc_tensor *const *grads, double lr) {
    if (check_grads(o, ctx, "optim_step", NULL, grads)) return -1;
    double f = 1.0;
    if (o->cfg.clip_norm > 0) f = sc_clip_factor(sc_grad_global_norm(grads, o->n), o->cfg.clip_norm);
    int64_t t = o->t + 1;
    sc_ctx_mark mark = sc_ctx_get_mark(ctx);
    sc_tensor **gc = sc_arena_alloc(&ctx->arena, sizeof(sc_tensor *) * (size_t)o->n, 8);
    if (!gc) return sc_fail(ctx, "optim_step: step arena exhausted"), -1;
    sc_no_grad_begin(ctx);
    for (int i = 0; i < o->n; i++) gc[i] = sc_contiguous(ctx, grads[i]);
    sc_no_grad_end(ctx);
    if (ctx->failed) return -1;
    for (int i = 0; i < o->n; i++) {
        if (o->cfg.kind == SC_OPTIM_SGD) sc_sgd_step_one(o, i, gc[i], lr, f);
        else sc_adam_step_one(o, i, gc[i], lr, f, t);
    }
    sc_ctx_rewind(ctx, mark);  // nothing was recorded; this frees the copies
    o->t = t;
    return 0;
}

static int check_state(const sc_optim *o, sc_ctx *ctx, sc_tensor *const *st, int i, const char *which) {
    if (!st || !st[i]) return 0;
    char b1[96], b2[96];
    if (!sc_same_shape(st[i], o->p[i]) || st[i]->dtype != o->p[i]->dtype)
        return sc_fail(ctx, "optim_fstep: state %s[%d] is %s, parameter is %s", which, i,
                       sc_shape_str(st[i], b1, sizeof b1), sc_shape_str(o->p[i], b2, sizeof b2)), -1;
    return 0;
}

int sc_optim_fstep_from(const sc_optim *o, sc_ctx *ctx, sc_tensor *const *params, sc_tensor *const *grads,
                        sc_tensor *const *m, sc_tensor *const *v, int64_t t, double lr, sc_tensor **new_params,
                        sc_tensor **new_m, sc_tensor **new_v) {
    if (check_grads(o, ctx, "optim_fstep", params, grads)) return -1;
    for (int i = 0; i < o->n; i++)
        if (check_state(o, ctx, m, i, "m") || check_state(o, ctx, v, i, "v")) return -1;
    if (t < 0) return sc_fail(ctx, "optim_fstep: negative step count %lld", (long long)t), -1;
    sc_tensor *f;  // the clip factor (NULL: 1), applied inside each update
    if (sc_clip_factor_graph(ctx, grads, o->n, o->cfg.clip_norm, &f, NULL)) return -1;
    for (int i = 0; i < o->n; i++) {
        sc_tensor *theta = params ? params[i] : o->p[i], *mo = NULL, *vo = NULL;
        // The optimizer's own state enters as a constant (a detached view).
        sc_tensor *mi = m && m[i] ? m[i] : o->m[i] ? sc_detach(ctx, o->m[i]) : NULL;
        sc_tensor *vi = v && v[i] ? v[i] : o->v[i] ? sc_detach(ctx, o->v[i]) : NULL;
        if (o->cfg.kind == SC_OPTIM_SGD) {
            new_params[i] = sc_sgd_fstep_one(o, ctx, theta, grads[i], f, mi, lr, &mo);
        } else {
            sc_tensor *gi = f ? sc_mul(ctx, grads[i], f) : grads[i];
            new_params[i] = sc_adam_fstep_one(o, ctx, theta, gi, mi, vi, lr, t + 1, &mo, &vo);
        }
        if (new_m) new_m[i] = mo;
        if (new_v) new_v[i] = vo;
        if (!new_params[i]) return -1;
    }
    return ctx->failed ? -1 : 0;
}

int sc_optim_fstep(const sc_optim *o, sc_ctx *ctx, sc_tensor *const *params, sc_tensor *const *grads,
                   double lr, sc_tensor **new_params, sc_tensor **new_m, sc_tensor **new_v) {
    return sc_optim_fstep_from(o, ctx, params, grads, NULL, NULL, o->t, lr, new_params, new_m, new_v);
}
