#include "nn/mlp.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ops/ops.h"

const char *const sc_activation_names[] = {"gelu", "relu", NULL};

static sc_tensor *add2(sc_params *P, const char *name, sc_dtype dt, int nd, int64_t d0, int64_t d1, sc_err *err) {
    int64_t shape[2] = {d0, d1};
    return sc_params_add(P, name, dt, nd, shape, err);
}

int sc_mlp_build(sc_mlp *n, sc_params *P, const char *prefix, int64_t in, int layers, int64_t width, int64_t n_out,
                 sc_activation act, sc_dtype dt, sc_rng *rng, sc_err *err) {
    if (layers < 0 || layers > SC_MLP_MAX_LAYERS)
        return sc_errf(err, "%s: layers = %d: expected 0..%d", prefix, layers, SC_MLP_MAX_LAYERS);
    if (in < 1 || n_out < 1 || (layers > 0 && width < 1))
        return sc_errf(err, "%s: sizes in %lld, width %lld, outputs %lld must be positive", prefix, (long long)in,
                       (long long)width, (long long)n_out);
    memset(n, 0, sizeof *n);
    n->layers = layers;
    n->in = in;
    n->width = width;
    n->n_out = n_out;
    n->act = act;
    const double gain = act == SC_ACT_RELU ? 2.0 : 1.0;
    int64_t fan_in = in;
    char name[SC_PARAM_NAME_MAX];
    for (int i = 0; i < layers; i++) {
        snprintf(name, sizeof name, "%s.%d.w", prefix, i);
        if (!(n->w[i] = add2(P, name, dt, 2, fan_in, width, err))) return -1;
        snprintf(name, sizeof name, "%s.%d.b", prefix, i);
        if (!(n->b[i] = add2(P, name, dt, 1, width, 0, err))) return -1;
        sc_init_normal(n->w[i], rng, sqrt(gain / (double)fan_in));
        fan_in = width;
    }
    if (!(n->head_w = add2(P, "head.w", dt, 2, fan_in, n_out, err)) ||
        !(n->head_b = add2(P, "head.b", dt, 1, n_out, 0, err)))
        return -1;
    sc_init_normal(n->head_w, rng, sqrt(1.0 / (double)fan_in));
    return 0;
}

sc_tensor *sc_mlp_forward(const sc_mlp *n, sc_ctx *ctx, sc_tensor *x, double dropout, int training,
                          sc_tensor **last) {
    for (int i = 0; i < n->layers; i++) {
        x = sc_linear(ctx, x, n->w[i], n->b[i]);  // (B, width)
        x = n->act == SC_ACT_RELU ? sc_relu(ctx, x) : sc_gelu(ctx, x);
        x = sc_dropout(ctx, x, dropout, training);
    }
    if (last) *last = x;
    return sc_linear(ctx, x, n->head_w, n->head_b);  // (B, n_out)
}

int sc_model_n_outputs(const sc_model *m, int64_t *n_out, sc_err *err) {
    *n_out = m->shape.regression ? 1 : m->shape.n_outputs;
    if (*n_out < 1) return sc_errf(err, "the task asks for %lld outputs", (long long)m->shape.n_outputs);
    return 0;
}

void *sc_model_arch_alloc(sc_model *m, size_t bytes, sc_err *err) {
    void *p = sc_arena_alloc(&m->params.arena, bytes, 64);
    if (!p) {
        sc_errf(err, "parameter slab full");
        return NULL;
    }
    memset(p, 0, bytes);
    return p;
}

typedef struct tabular {
    double dropout;
    sc_mlp mlp;
} tabular;

int sc_tabular_mlp_build(sc_model *m, sc_rng *rng, sc_err *err) {
    long layers, width;
    double dropout;
    int act;
    if (sc_config_long(&m->cfg, "layers", 0, SC_MLP_MAX_LAYERS, &layers, err) ||
        sc_config_long(&m->cfg, "width", 1, 1 << 16, &width, err) ||
        sc_config_choice(&m->cfg, "activation", sc_activation_names, &act, err) ||
        sc_config_double(&m->cfg, "dropout", 0.0, 0.9, &dropout, err))
        return -1;
    if (m->shape.F < 1) return sc_errf(err, "tabular shape needs F >= 1 features (got %lld)", (long long)m->shape.F);
    int64_t n_out;
    if (sc_model_n_outputs(m, &n_out, err)) return -1;
    tabular *a = sc_model_arch_alloc(m, sizeof *a, err);
    if (!a) return -1;
    a->dropout = dropout;
    if (sc_mlp_build(&a->mlp, &m->params, "mlp", m->shape.F, (int)layers, width, n_out, (sc_activation)act,
                     m->dtype, rng, err))
        return -1;
    m->arch = a;
    m->info = (sc_model_info){.n_layers = 0, .n_heads = 0, .n_units = m->shape.F, .unit_offset = 0};  // features
    return 0;
}

sc_tensor *sc_tabular_mlp_forward(const sc_model *m, sc_ctx *ctx, const sc_inputs *in, unsigned flags,
                                  sc_model_state *st) {
    const tabular *a = m->arch;
    const int64_t B = in->features->shape[0], F = in->features->shape[1];
    int64_t s3[3] = {B, F, 1}, s2[2] = {B, F};
    sc_tensor *x = in->features;  // (B, F)
    if (x->dtype != m->dtype) {   // a constant copy in the model's dtype
        sc_tensor *c = sc_empty(ctx, m->dtype, 2, s2);
        if (!c) return NULL;
        for (int64_t i = 0; i < c->numel; i++) sc_tensor_set(c, i, sc_tensor_get(x, i));
        x = c;
    }
    sc_tensor *emb = sc_reshape(ctx, x, 3, s3);  // (B, F, 1)
    if (emb && ((flags & SC_FWD_EMBED_LEAF) || !emb->requires_grad)) {
        // Features are data: make them a leaf so gradient explainers can always
        // differentiate with respect to the units.
        emb = sc_detach(ctx, emb);
        if (emb) emb->requires_grad = 1;
    }
    sc_tensor *last = NULL;
    sc_tensor *out = sc_mlp_forward(&a->mlp, ctx, sc_reshape(ctx, emb, 2, s2), a->dropout,
                                    (flags & SC_FWD_TRAINING) != 0, &last);  // (B, n_out)
    if (st) {
        st->n_units = F;
        st->unit_mask = sc_full(ctx, m->dtype, 2, s2, 1.0);
        st->embeddings = emb;
        st->n_layers = 0;
        st->n_heads = 0;
        st->hidden[0] = emb;
        st->pooled = last;
    }
    return ctx->failed ? NULL : out;
}
