#include "nn/vit.h"

#include <math.h>

#include "ops/ops.h"

// ---- the image grid ------------------------------------------------------------------

int sc_image_grid(const sc_model *m, long *patch, int64_t *gh, int64_t *gw, sc_err *err) {
    if (sc_config_long(&m->cfg, "patch", 1, 64, patch, err)) return -1;
    const sc_model_shape *s = &m->shape;
    if (s->C < 1 || s->H < 1 || s->W < 1)
        return sc_errf(err, "image shape needs C, H, W >= 1 (got %lld, %lld, %lld)", (long long)s->C,
                       (long long)s->H, (long long)s->W);
    if (s->H % *patch || s->W % *patch)
        return sc_errf(err, "patch = %ld does not divide the image size %lldx%lld (H and W must be multiples of it)",
                       *patch, (long long)s->H, (long long)s->W);
    *gh = s->H / *patch;
    *gw = s->W / *patch;
    return 0;
}

// (B, C, gh p, gw p) viewed as (B, C, gh, p, gw, p), permuted to (B, gh, gw, C, p, p).
sc_tensor *sc_image_to_cells(sc_ctx *ctx, sc_tensor *images, int64_t p) {
    if (!images || ctx->failed) return NULL;
    char b[96];
    if (images->ndim != 4 || p < 1 || images->shape[2] % p || images->shape[3] % p)
        return sc_fail(ctx, "image cells: images %s must be (B, C, H, W) with H, W divisible by patch %lld",
                       sc_shape_str(images, b, sizeof b), (long long)p);
    const int64_t B = images->shape[0], C = images->shape[1], gh = images->shape[2] / p, gw = images->shape[3] / p;
    const int64_t s6[6] = {B, C, gh, p, gw, p}, s3[3] = {B, gh * gw, C * p * p};
    const int perm[6] = {0, 2, 4, 1, 3, 5};
    sc_tensor *t = sc_permute(ctx, sc_reshape(ctx, images, 6, s6), perm);  // (B, gh, gw, C, p, p)
    return sc_reshape(ctx, sc_contiguous(ctx, t), 3, s3);                   // (B, U, C p p)
}

sc_tensor *sc_cells_to_image(sc_ctx *ctx, sc_tensor *cells, int64_t C, int64_t gh, int64_t gw, int64_t p) {
    if (!cells || ctx->failed) return NULL;
    char b[96];
    if (cells->ndim != 3 || cells->shape[1] != gh * gw || cells->shape[2] != C * p * p)
        return sc_fail(ctx, "image cells: cells %s must be (B, %lld, %lld)", sc_shape_str(cells, b, sizeof b),
                       (long long)(gh * gw), (long long)(C * p * p));
    const int64_t B = cells->shape[0];
    const int64_t s6[6] = {B, gh, gw, C, p, p}, s4[4] = {B, C, gh * p, gw * p};
    const int perm[6] = {0, 3, 1, 4, 2, 5};  // back to (B, C, gh, p, gw, p)
    sc_tensor *t = sc_permute(ctx, sc_reshape(ctx, cells, 6, s6), perm);
    return sc_reshape(ctx, sc_contiguous(ctx, t), 4, s4);  // (B, C, H, W)
}

sc_tensor *sc_image_embed(sc_ctx *ctx, sc_tensor *images, int64_t patch, unsigned flags) {
    sc_tensor *e = sc_image_to_cells(ctx, images, patch);  // (B, U, C p p)
    if (e && ((flags & SC_FWD_EMBED_LEAF) || !e->requires_grad)) {
        e = sc_detach(ctx, e);
        if (e) e->requires_grad = 1;
    }
    return e;
}

sc_tensor *sc_image_unit_mask(sc_ctx *ctx, int64_t B, int64_t U, sc_dtype dt) {
    const int64_t s[2] = {B, U};
    return sc_full(ctx, dt, 2, s, 1.0);  // (B, U)
}

// ---- the ViT -------------------------------------------------------------------------

int sc_vit_build(sc_model *m, sc_rng *rng, sc_err *err) {
    long patch, layers, width, heads, ratio;
    int64_t gh, gw;
    double dropout;
    if (sc_image_grid(m, &patch, &gh, &gw, err) || sc_config_long(&m->cfg, "layers", 1, SC_MAX_LAYERS, &layers, err) ||
        sc_config_long(&m->cfg, "width", 1, 4096, &width, err) ||
        sc_config_long(&m->cfg, "heads", 1, 64, &heads, err) ||
        sc_config_long(&m->cfg, "mlp_ratio", 1, 16, &ratio, err) ||
        sc_config_double(&m->cfg, "dropout", 0.0, 0.9, &dropout, err))
        return -1;
    sc_vit *a = sc_model_arch_alloc(m, sizeof *a, err);
    if (!a) return -1;
    a->patch = patch;
    a->gh = gh;
    a->gw = gw;
    a->U = gh * gw;
    a->P = m->shape.C * patch * patch;
    a->C = width;
    a->dropout = dropout;
    if (sc_model_n_outputs(m, &a->n_out, err)) return -1;
    const int64_t ws[2] = {a->P, a->C}, bs[1] = {a->C}, cs[2] = {1, a->C}, ps[2] = {1 + a->U, a->C};
    if (!(a->patch_w = sc_params_add(&m->params, "embed.patch.w", m->dtype, 2, ws, err)) ||
        !(a->patch_b = sc_params_add(&m->params, "embed.patch.b", m->dtype, 1, bs, err)) ||
        !(a->cls = sc_params_add(&m->params, "embed.cls", m->dtype, 2, cs, err)) ||
        !(a->pos = sc_params_add(&m->params, "embed.pos", m->dtype, 2, ps, err)))
        return -1;
    // Patch projection: LeCun-normal over the cell's pixels (inputs lie in [0, 1]).
    sc_init_normal(a->patch_w, rng, 1.0 / sqrt((double)a->P));
    sc_init_normal(a->cls, rng, 0.02);
    sc_init_normal(a->pos, rng, 0.02);
    // Units are the grid cells; [CLS] sits at key position 0, so unit u is at u + 1.
    if (sc_encoder_head_build(m, &a->enc, &a->head, layers, heads, width, ratio, a->n_out, a->U, 1, rng, err))
        return -1;
    m->arch = a;
    return 0;
}

sc_tensor *sc_vit_forward(const sc_model *m, sc_ctx *ctx, const sc_inputs *in, unsigned flags, sc_model_state *st) {
    const sc_vit *a = m->arch;
    const int training = (flags & SC_FWD_TRAINING) != 0;
    if (ctx->failed) return NULL;
    const int64_t B = in->images->shape[0], U = a->U, C = a->C;
    sc_tensor *cells = sc_image_embed(ctx, in->images, a->patch, flags);       // (B, U, P)
    sc_tensor *x = sc_linear(ctx, cells, a->patch_w, a->patch_b);              // (B, U, C)
    if (in->unit_replace) {  // masked cells: the learned [MASK] embedding instead (SimMIM)
        const int64_t s3[3] = {B, U, 1};
        x = sc_where(ctx, sc_reshape(ctx, in->unit_replace, 3, s3), in->unit_replacement, x);
    }
    const int64_t cls_shape[3] = {B, 1, C};
    sc_tensor *parts[2] = {sc_expand(ctx, sc_unsqueeze(ctx, a->cls, 0), 3, cls_shape), x};  // (B, 1, C), (B, U, C)
    x = sc_add(ctx, sc_concat(ctx, parts, 2, 1), a->pos);                       // (B, 1+U, C) + (1+U, C)
    x = sc_dropout(ctx, x, a->dropout, training);
    sc_tensor *h = sc_encoder_forward(&a->enc, ctx, x, NULL, a->dropout, training, st);  // (B, 1+U, C)
    sc_tensor *pooled = sc_squeeze(ctx, sc_slice(ctx, h, 1, 0, 1), 1);         // (B, C) the final [CLS]
    sc_tensor *out = sc_mlp_forward(&a->head, ctx, sc_dropout(ctx, pooled, a->dropout, training), 0.0, training,
                                    NULL);                                      // (B, n_out)
    if (st && !ctx->failed) {
        st->n_units = U;
        st->unit_mask = sc_image_unit_mask(ctx, B, U, m->dtype);
        st->embeddings = cells;
        st->unit_offset = 1;
        for (int l = 0; l <= st->n_layers; l++) st->hidden[l] = sc_slice(ctx, st->hidden[l], 1, 1, 1 + U);  // (B, U, C)
        st->pooled = pooled;
    }
    return ctx->failed ? NULL : out;
}
