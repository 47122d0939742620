#include "nn/encoder.h"

#include <math.h>
#include <stdio.h>

#include "ops/ops.h"

static sc_tensor *add_param(sc_params *P, const char *prefix, int layer, const char *part, sc_dtype dt, int nd,
                            int64_t d0, int64_t d1, sc_err *err) {
    char name[SC_PARAM_NAME_MAX];
    if (layer >= 0) snprintf(name, sizeof name, "%s.%d.%s", prefix, layer, part);
    else snprintf(name, sizeof name, "%s.%s", prefix, part);
    int64_t shape[2] = {d0, d1};
    return sc_params_add(P, name, dt, nd, shape, err);
}

int sc_encoder_build(sc_encoder *e, sc_params *P, const char *prefix, int layers, int heads, int64_t width,
                     int64_t mlp, sc_dtype dt, sc_rng *rng, sc_err *err) {
    if (layers < 1 || layers > SC_MAX_LAYERS) return sc_errf(err, "layers = %d: expected 1..%d", layers, SC_MAX_LAYERS);
    if (heads < 1 || width % heads) return sc_errf(err, "width %lld is not divisible by heads %d", (long long)width, heads);
    e->layers = layers;
    e->heads = heads;
    e->width = width;
    e->mlp = mlp;
    double out_std = 0.02 / sqrt(2.0 * layers);
    for (int i = 0; i < layers; i++) {
        sc_encoder_layer *L = &e->l[i];
        if (!(L->ln1_g = add_param(P, prefix, i, "ln1.g", dt, 1, width, 0, err)) ||
            !(L->ln1_b = add_param(P, prefix, i, "ln1.b", dt, 1, width, 0, err)) ||
            !(L->qkv_w = add_param(P, prefix, i, "attn.qkv.w", dt, 2, width, 3 * width, err)) ||
            !(L->qkv_b = add_param(P, prefix, i, "attn.qkv.b", dt, 1, 3 * width, 0, err)) ||
            !(L->proj_w = add_param(P, prefix, i, "attn.proj.w", dt, 2, width, width, err)) ||
            !(L->proj_b = add_param(P, prefix, i, "attn.proj.b", dt, 1, width, 0, err)) ||
            !(L->ln2_g = add_param(P, prefix, i, "ln2.g", dt, 1, width, 0, err)) ||
            !(L->ln2_b = add_param(P, prefix, i, "ln2.b", dt, 1, width, 0, err)) ||
            !(L->fc_w = add_param(P, prefix, i, "mlp.fc.w", dt, 2, width, mlp, err)) ||
            !(L->fc_b = add_param(P, prefix, i, "mlp.fc.b", dt, 1, mlp, 0, err)) ||
            !(L->out_w = add_param(P, prefix, i, "mlp.out.w", dt, 2, mlp, width, err)) ||
            !(L->out_b = add_param(P, prefix, i, "mlp.out.b", dt, 1, width, 0, err)))
            return -1;
        sc_init_const(L->ln1_g, 1.0);
        sc_init_const(L->ln2_g, 1.0);
        sc_init_normal(L->qkv_w, rng, 0.02);
        sc_init_normal(L->proj_w, rng, out_std);
        sc_init_normal(L->fc_w, rng, 0.02);
        sc_init_normal(L->out_w, rng, out_std);
    }
    if (!(e->lnf_g = add_param(P, prefix, -1, "lnf.g", dt, 1, width, 0, err)) ||
        !(e->lnf_b = add_param(P, prefix, -1, "lnf.b", dt, 1, width, 0, err)))
        return -1;
    sc_init_const(e->lnf_g, 1.0);
    return 0;
}

int sc_encoder_head_build(sc_model *m, sc_encoder *enc, sc_mlp *head, long layers, long heads, long width,
                          long mlp_ratio, int64_t n_out, int64_t n_units, int unit_offset, sc_rng *rng, sc_err *err) {
    if (sc_encoder_build(enc, &m->params, "enc", (int)layers, (int)heads, width, mlp_ratio * width, m->dtype, rng,
                         err) ||
        sc_mlp_build(head, &m->params, "head", width, 0, 0, n_out, SC_ACT_GELU, m->dtype, rng, err))
        return -1;
    m->info = (sc_model_info){.n_layers = (int)layers, .n_heads = (int)heads, .n_units = n_units,
                              .unit_offset = unit_offset, .width = width};
    return 0;
}

sc_tensor *sc_encoder_forward(const sc_encoder *e, sc_ctx *ctx, sc_tensor *x, sc_tensor *key_mask, double dropout,
                              int training, sc_model_state *st) {
    if (!x || ctx->failed) return NULL;
    const int64_t B = x->shape[0], U = x->shape[1], C = e->width, H = e->heads, D = C / H;
    sc_tensor *mask4 = NULL;  // (B, 1, 1, U)
    if (key_mask) {
        int64_t s4[4] = {B, 1, 1, U};
        mask4 = sc_reshape(ctx, key_mask, 4, s4);
    }
    if (st) {
        st->n_layers = e->layers;
        st->n_heads = e->heads;
        st->hidden[0] = x;
    }
    const int swap[4] = {0, 2, 1, 3};  // (B, U, H, D) <-> (B, H, U, D)
    int64_t s4[4] = {B, U, H, D}, s3[3] = {B, U, C};
    for (int i = 0; i < e->layers; i++) {
        const sc_encoder_layer *L = &e->l[i];
        sc_tensor *h = sc_layernorm(ctx, x, L->ln1_g, L->ln1_b, 1e-5);                      // (B, U, C)
        // q, k and v from column blocks of the fused qkv weight (C, 3C): slicing the
        // weight, not the (B, U, 3C) activation, keeps their gradients activation-sized
        // (a slice's gradient is its whole input, zero outside the block).
        sc_tensor *qkv[3];
        for (int j = 0; j < 3; j++) {
            sc_tensor *wj = sc_slice(ctx, L->qkv_w, 1, j * C, (j + 1) * C);                // (C, C)
            sc_tensor *bj = sc_slice(ctx, L->qkv_b, 0, j * C, (j + 1) * C);                // (C)
            qkv[j] = sc_permute(ctx, sc_reshape(ctx, sc_linear(ctx, h, wj, bj), 4, s4), swap);  // (B, H, U, D)
        }
        sc_tensor *q = qkv[0], *k = qkv[1], *v = qkv[2];
        sc_tensor *logits = NULL;
        sc_tensor *att = sc_attention(ctx, q, k, v, mask4, 1.0 / sqrt((double)D), st ? &logits : NULL);
        sc_tensor *o = sc_reshape(ctx, sc_permute(ctx, att, swap), 3, s3);                   // (B, U, C)
        o = sc_dropout(ctx, sc_linear(ctx, o, L->proj_w, L->proj_b), dropout, training);
        x = sc_add(ctx, x, o);
        sc_tensor *m = sc_gelu(ctx, sc_linear(ctx, sc_layernorm(ctx, x, L->ln2_g, L->ln2_b, 1e-5), L->fc_w, L->fc_b));
        m = sc_dropout(ctx, sc_linear(ctx, m, L->out_w, L->out_b), dropout, training);     // (B, U, C)
        x = sc_add(ctx, x, m);
        if (st) {
            st->attn_logits[i] = logits;
            st->hidden[i + 1] = x;
        }
    }
    sc_tensor *out = sc_layernorm(ctx, x, e->lnf_g, e->lnf_b, 1e-5);
    if (st) st->sequence = out;
    return out;
}
