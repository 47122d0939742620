#include "nn/cnn.h"

#include <math.h>
#include <stdio.h>

#include "nn/vit.h"
#include "ops/ops.h"

static const char *const pool_names[] = {"max", "avg", NULL};

int sc_cnn_build(sc_model *m, sc_rng *rng, sc_err *err) {
    long patch, width, channels;
    int64_t gh, gw;
    int pool;
    double dropout;
    if (sc_image_grid(m, &patch, &gh, &gw, err) || sc_config_long(&m->cfg, "width", 1, 1024, &width, err) ||
        sc_config_long(&m->cfg, "channels", 1, 1024, &channels, err) ||
        sc_config_choice(&m->cfg, "pool", pool_names, &pool, err) ||
        sc_config_double(&m->cfg, "dropout", 0.0, 0.9, &dropout, err))
        return -1;
    int stages = 0;
    while ((1L << stages) < patch) stages++;
    if ((1L << stages) != patch || stages > SC_CNN_MAX_STAGES)
        return sc_errf(err, "patch = %ld: the CNN needs a power of two up to %d (one 2x2 pooling per halving)", patch,
                       1 << SC_CNN_MAX_STAGES);
    sc_cnn *a = sc_model_arch_alloc(m, sizeof *a, err);
    if (!a) return -1;
    a->patch = patch;
    a->gh = gh;
    a->gw = gw;
    a->U = gh * gw;
    a->C_in = m->shape.C;
    a->K = channels;
    a->stages = stages;
    a->max_pool = pool == 0;
    a->dropout = dropout;
    if (sc_model_n_outputs(m, &a->n_out, err)) return -1;
    for (int s = 0; s <= stages; s++) {
        const int64_t I = s == 0 ? a->C_in : width, O = s == stages ? a->K : width;
        const int64_t ws[4] = {O, I, 3, 3}, bs[1] = {O};
        char wn[SC_PARAM_NAME_MAX], bn[SC_PARAM_NAME_MAX];
        snprintf(wn, sizeof wn, "conv.%d.w", s);
        snprintf(bn, sizeof bn, "conv.%d.b", s);
        if (!(a->conv_w[s] = sc_params_add(&m->params, wn, m->dtype, 4, ws, err)) ||
            !(a->conv_b[s] = sc_params_add(&m->params, bn, m->dtype, 1, bs, err)))
            return -1;
        sc_init_normal(a->conv_w[s], rng, sqrt(2.0 / (double)(I * 9)));  // He, for ReLU
    }
    if (sc_mlp_build(&a->head, &m->params, "head", a->K, 0, 0, a->n_out, SC_ACT_RELU, m->dtype, rng, err)) return -1;
    m->arch = a;
    m->info = (sc_model_info){.n_layers = 0, .n_heads = 0, .n_units = a->U, .unit_offset = 0};  // cells, no attention
    return 0;
}

sc_tensor *sc_cnn_forward(const sc_model *m, sc_ctx *ctx, const sc_inputs *in, unsigned flags, sc_model_state *st) {
    const sc_cnn *a = m->arch;
    const int training = (flags & SC_FWD_TRAINING) != 0;
    if (ctx->failed) return NULL;
    const int64_t B = in->images->shape[0], U = a->U, K = a->K;
    sc_tensor *cells = sc_image_embed(ctx, in->images, a->patch, flags);       // (B, U, C p p)
    sc_tensor *x = sc_cells_to_image(ctx, cells, a->C_in, a->gh, a->gw, a->patch);  // (B, C, H, W)
    for (int s = 0; s < a->stages; s++) {
        x = sc_relu(ctx, sc_conv2d(ctx, x, a->conv_w[s], a->conv_b[s], 1, 1));  // (B, width, h, w)
        x = a->max_pool ? sc_max_pool2d(ctx, x, 2, 2) : sc_avg_pool2d(ctx, x, 2, 2);  // (B, width, h/2, w/2)
    }
    x = sc_relu(ctx, sc_conv2d(ctx, x, a->conv_w[a->stages], a->conv_b[a->stages], 1, 1));  // (B, K, gh, gw)
    const int64_t fs[3] = {B, K, U};
    sc_tensor *feat = sc_transpose(ctx, sc_reshape(ctx, x, 3, fs), 1, 2);     // (B, U, K)
    sc_tensor *pooled = sc_mean(ctx, feat, 1, 0);                              // (B, K)
    sc_tensor *out = sc_mlp_forward(&a->head, ctx, sc_dropout(ctx, pooled, a->dropout, training), 0.0, training,
                                    NULL);                                      // (B, n_out)
    if (st && !ctx->failed) {
        // cam[b, c, u] = sum_k W[k, c] F[b, k, u]: the head applied to each cell's features.
        st->cam = sc_transpose(ctx, sc_matmul(ctx, feat, a->head.head_w), 1, 2);  // (B, U, n_out) -> (B, n_out, U)
        st->n_units = U;
        st->unit_mask = sc_image_unit_mask(ctx, B, U, m->dtype);
        st->embeddings = cells;
        st->n_layers = 0;
        st->n_heads = 0;
        st->unit_offset = 0;
        st->hidden[0] = feat;
        st->pooled = pooled;
    }
    return ctx->failed ? NULL : out;
}
