#include "models_util.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ops/ops.h"
#include "optim/optim.h"
#include "sc_test.h"

void mu_make(sc_model *m, const mu_arch *a, const char *dtype, const sc_model_shape *shape, uint64_t seed) {
    sc_config cfg;
    sc_err err = {{0}};
    sc_config_init(&cfg);
    for (int i = 0; a->kv[i]; i++) assert_int_equal(sc_config_set_kv(&cfg, a->kv[i], &err), 0);
    char kv[32];
    snprintf(kv, sizeof kv, "dtype=%s", dtype);
    assert_int_equal(sc_config_set_kv(&cfg, kv, &err), 0);
    const sc_model_def *def = sc_model_find(a->role, a->name);
    assert_non_null(def);
    if (sc_model_create(m, def, shape, &cfg, seed, &err)) fail_msg("%s", err.msg);
}

void mu_text_inputs(sc_ctx *ctx, sc_inputs *in, int64_t B, int64_t T, const int64_t *lens, int64_t V, sc_dtype dt,
                    uint64_t seed) {
    sc_rng r;
    sc_rng_seed(&r, seed);
    int64_t s[2] = {B, T};
    memset(in, 0, sizeof *in);
    in->B = B;
    in->ids = sc_empty(ctx, SC_I32, 2, s);
    in->mask = sc_empty(ctx, dt, 2, s);
    assert_non_null(in->ids);
    assert_non_null(in->mask);
    int32_t *ids = in->ids->data;
    for (int64_t b = 0; b < B; b++)
        for (int64_t t = 0; t < T; t++) {
            int real = t <= lens[b];
            ids[b * T + t] = t == 0 ? 1 : real ? 2 + (int32_t)sc_rng_below(&r, (uint64_t)(V - 2)) : 0;
            sc_tensor_set(in->mask, b * T + t, real);
        }
}

sc_tensor *mu_forward(const sc_model *m, sc_ctx *ctx, const sc_inputs *in, sc_model_state *st) {
    memset(st, 0, sizeof *st);
    sc_tensor *out = sc_model_forward(m, ctx, in, 0, st);
    if (!out) fail_msg("%s", ctx->err.msg);
    return out;
}

void mu_expect_shape(const sc_tensor *t, int nd, const int64_t *shape) {
    assert_non_null(t);
    assert_int_equal(t->ndim, nd);
    for (int i = 0; i < nd; i++) assert_int_equal(t->shape[i], shape[i]);
}

double mu_max_abs(const sc_tensor *t) {
    double m = 0;
    for (int64_t i = 0; i < t->numel; i++) m = fmax(m, fabs(sc_tensor_get(t, i)));
    return m;
}

void mu_set_requires_grad(sc_model *m, int on) {
    for (int i = 0; i < m->params.n; i++) m->params.t[i]->requires_grad = on;
}

static int params_equal(const sc_model *a, const sc_model *b) {
    if (a->params.n != b->params.n) return 0;
    for (int i = 0; i < a->params.n; i++) {
        const sc_tensor *x = a->params.t[i], *y = b->params.t[i];
        if (strcmp(a->params.names[i], b->params.names[i]) || x->numel != y->numel ||
            memcmp(x->data, y->data, sc_dtype_size(x->dtype) * (size_t)x->numel))
            return 0;
    }
    return 1;
}

void mu_expect_seeding(sc_model *a, sc_model *b, const mu_arch *arch, const sc_model_shape *shape) {
    sc_model c;
    mu_make(a, arch, "f32", shape, 42);
    mu_make(b, arch, "f32", shape, 42);
    mu_make(&c, arch, "f32", shape, 43);
    assert_true(params_equal(a, b));
    assert_false(params_equal(a, &c));
    sc_model_free(&c);
}

void mu_expect_fit(sc_ctx *ctx, sc_model *m, const mu_fit *spec) {
    sc_optim o;
    sc_err err = {{0}};
    sc_optim_cfg oc = sc_optim_adam_cfg(0, 0.0, 0.0);
    assert_int_equal(sc_optim_init_params(&o, &oc, &m->params, &err), 0);
    double first = 0, last = 0;
    for (int s = 0; s < spec->steps; s++) {
        sc_ctx_reset(ctx);
        sc_tensor *loss = spec->loss(ctx, m, spec->arg);
        sc_tensor **g = sc_grad(ctx, &loss, 1, o.p, o.n, NULL, 0);
        if (!g) fail_msg("%s: %s", spec->what, ctx->err.msg);
        last = sc_tensor_get(loss, 0);
        if (s == 0) first = last;
        assert_int_equal(sc_optim_step(&o, ctx, g, spec->lr), 0);
    }
    const double bound = spec->relative ? spec->target * first : spec->target;
    if (!(last < bound && last < first))
        fail_msg("%s: loss %.4f -> %.4f after %d steps (want < %.4g)", spec->what, first, last, spec->steps, bound);
    sc_optim_free(&o);
}

int mu_fd_check(sc_ctx *ctx, sc_model *m, sc_tensor *const *grad, const mu_fd *spec) {
    const double h = 1e-5;
    int nonzero = 0;
    for (int p = 0; p < m->params.n; p++) {
        sc_tensor *t = m->params.t[p];
        for (int c = 0; c < spec->n_coords; c++) {
            int64_t i = spec->coord ? spec->coord(m, p, c, spec->coord_arg) : -1;
            if (i < 0) i = (t->numel * (2 * c + 1) / (2 * spec->n_coords) + c) % t->numel;
            const double x0 = sc_tensor_get(t, i);
            double f[2];
            for (int s = 0; s < 2; s++) {
                sc_tensor_set(t, i, x0 + (s ? -h : h));
                f[s] = spec->f(ctx, m, spec->arg);
            }
            sc_tensor_set(t, i, x0);
            const double fd = (f[0] - f[1]) / (2 * h), an = sc_tensor_get(grad[p], i);
            if (fabs(fd - an) > spec->tol * fmax(1.0, fabs(fd)))
                fail_msg("%s %s[%lld]: %s %.10g vs finite difference %.10g", spec->what, m->params.names[p],
                         (long long)i, spec->label ? spec->label : "analytic", an, fd);
            nonzero += fabs(an) > spec->nonzero;
        }
    }
    return nonzero;
}

typedef struct logit_at {
    const sc_inputs *in;
    int64_t i;  // flat index into the (B, K) outputs
} logit_at;

static double logit_value(sc_ctx *ctx, sc_model *m, void *arg) {
    const logit_at *a = arg;
    sc_no_grad_begin(ctx);
    sc_ctx_mark mk = sc_ctx_get_mark(ctx);
    sc_tensor *o = sc_model_forward(m, ctx, a->in, 0, NULL);
    assert_non_null(o);
    const double v = sc_tensor_get(o, a->i);
    sc_ctx_rewind(ctx, mk);
    sc_no_grad_end(ctx);
    return v;
}

int mu_check_logit_grads(sc_ctx *ctx, sc_model *m, const sc_inputs *in, int64_t row, int64_t col,
                         const mu_fd *spec) {
    sc_tensor *out = sc_model_forward(m, ctx, in, 0, NULL);
    if (!out) fail_msg("%s: %s", spec->what, ctx->err.msg);
    sc_tensor *y = sc_sum_all(ctx, sc_slice(ctx, sc_slice(ctx, out, 0, row, row + 1), 1, col, col + 1));
    sc_tensor **g = sc_grad(ctx, &y, 1, m->params.t, m->params.n, NULL, 0);
    if (!g) fail_msg("%s: %s", spec->what, ctx->err.msg);
    logit_at a = {in, row * out->shape[1] + col};
    mu_fd s = *spec;
    s.f = logit_value;
    s.arg = &a;
    return mu_fd_check(ctx, m, g, &s);
}
