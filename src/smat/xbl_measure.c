// xbl_measure.c — what train-xbl measures and how it changes the examples it
// measures on (xbl_impl.h): per-unit maps of pixels or tokens, the input
// gradient, the erased and swapped variants of a batch, and the measures.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/inputs.h"
#include "ops/ops.h"
#include "smat/xbl_impl.h"

void sc_xbl_token_masks(const sc_xbl_state *r, uint32_t j, int64_t T, uint8_t *unit, uint8_t *obj, uint8_t *decoy) {
    const sc_encoded *e = &r->pipe.enc;
    const sc_dataset *d = &r->pipe.data;
    int64_t L = (int64_t)e->len[j];  // [CLS] + words, truncated; word k - 1 of the dataset is position k
    for (int64_t k = 0; k < T; k++) {
        int in = k >= 1 && k < L;
        unit[k] = (uint8_t)in;
        obj[k] = in ? e->rat[e->off[j] + (size_t)k] : 0;
        decoy[k] = in ? d->decoy_mask[d->rat_off[j] + (size_t)k - 1] : 0;
    }
}

void sc_xbl_token_distance(const sc_xbl_state *r, uint32_t j, int64_t T, float *dist) {
    const sc_encoded *e = &r->pipe.enc;
    int64_t L = (int64_t)e->len[j] < T ? (int64_t)e->len[j] : T;
    for (int64_t k = 0; k < T; k++) dist[k] = 0;
    if (L > 1) sc_xbl_distance_map_1d(e->rat + e->off[j] + 1, L - 1, dist + 1);
}

sc_tensor *sc_xbl_gold(const sc_xbl_state *r, sc_ctx *ctx, const uint32_t *idx, size_t n) {
    sc_tensor *y = sc_empty(ctx, SC_I32, 1, (int64_t[]){(int64_t)n});
    for (size_t i = 0; y && i < n; i++) ((int32_t *)y->data)[i] = r->pipe.data.label[idx[i]];
    return y;
}

sc_tensor *sc_xbl_saliency(sc_xbl_state *r, sc_ctx *ctx, const sc_model *m, const sc_inputs *in, const uint32_t *idx,
                           size_t n, sc_xbl_target target, int create_graph) {
    int saved = ctx->no_grad;
    ctx->no_grad = 0;
    sc_inputs leaf = *in;
    sc_model_state st = {0};
    sc_tensor *x = NULL, *y = NULL;
    unsigned flags = 0;
    if (!r->text) {  // the pixels, as a leaf of a second forward pass
        if ((x = sc_detach(ctx, in->images))) x->requires_grad = 1;
        leaf.images = x;
    } else if (!create_graph) {
        flags = SC_FWD_EMBED_LEAF;  // measuring: the embeddings as a leaf (no table gradient needed)
    }  // training: the gathered rows themselves, so the penalty reaches the embedding table
    if (target == SC_XBL_TARGET_LOGIT) y = sc_xbl_gold(r, ctx, idx, n);
    sc_tensor *logits = sc_model_forward(m, ctx, &leaf, flags, r->text ? &st : NULL);  // evaluation mode
    if (r->text) x = st.embeddings;
    sc_tensor *g = logits ? sc_xbl_input_gradient(ctx, logits, x, target, y, create_graph) : NULL;
    ctx->no_grad = saved;
    return g;
}

void sc_xbl_unit_saliency(const sc_xbl_state *r, const sc_tensor *g, int64_t i, double *s) {
    if (r->text) {  // (B, T, E)
        int64_t T = g->shape[1], E = g->shape[2];
        for (int64_t t = 0; t < T; t++) {
            double a = 0;
            for (int64_t k = 0; k < E; k++) {
                double v = sc_tensor_get(g, (i * T + t) * E + k);
                a += v * v;
            }
            s[t] = a;
        }
        return;
    }
    int64_t C = g->shape[1], hw = g->shape[2] * g->shape[3];  // (B, C, H, W)
    for (int64_t p = 0; p < hw; p++) s[p] = 0;
    for (int64_t c = 0; c < C; c++)
        for (int64_t p = 0; p < hw; p++) {
            double v = sc_tensor_get(g, (i * C + c) * hw + p);
            s[p] += v * v;
        }
}

// The bounding box of example j's decoy pixels: 0 if it has none.
static int decoy_box(const sc_dataset *d, size_t j, int64_t *y0, int64_t *x0, int64_t *y1, int64_t *x1) {
    int64_t H = (int64_t)d->H, W = (int64_t)d->W;
    const uint8_t *m = d->decoy_mask + j * d->H * d->W;
    *y0 = H, *x0 = W, *y1 = -1, *x1 = -1;
    for (int64_t y = 0; y < H; y++)
        for (int64_t x = 0; x < W; x++)
            if (m[y * W + x]) {
                if (y < *y0) *y0 = y;
                if (x < *x0) *x0 = x;
                if (y > *y1) *y1 = y;
                if (x > *x1) *x1 = x;
            }
    return *y1 >= 0;
}

int sc_xbl_swap_prepare(sc_xbl_state *r, sc_err *err) {
    const sc_dataset *d = &r->pipe.data;
    const sc_encoded *e = &r->pipe.enc;
    size_t K = r->pipe.shape.n_outputs, C = d->C;
    int *found = calloc(K, sizeof(int));
    r->swap_tok = malloc(K * sizeof(int32_t));
    r->swap_shade = malloc(K * (C ? C : 1) * sizeof(float));
    r->swap_size = malloc(K * 2 * sizeof(int64_t));
    if (!found || !r->swap_tok || !r->swap_shade || !r->swap_size) return free(found), sc_errf(err, "out of memory");
    for (size_t i = 0; i < r->n_train; i++) {
        uint32_t j = r->train[i];
        size_t c = (size_t)d->label[j];
        if (found[c]) continue;
        if (r->text) {
            for (size_t k = 1; k < e->len[j] && !found[c]; k++)
                if (d->decoy_mask[d->rat_off[j] + k - 1]) r->swap_tok[c] = e->ids[e->off[j] + k], found[c] = 1;
            continue;
        }
        int64_t y0, x0, y1, x1, hw = (int64_t)(d->H * d->W);
        if (!decoy_box(d, j, &y0, &x0, &y1, &x1)) continue;
        for (size_t ch = 0; ch < C; ch++)
            r->swap_shade[c * C + ch] = d->pixels[(j * C + ch) * (size_t)hw + (size_t)(y0 * (int64_t)d->W + x0)] / 255.0f;
        r->swap_size[2 * c] = y1 - y0 + 1, r->swap_size[2 * c + 1] = x1 - x0 + 1;
        found[c] = 1;
    }
    for (size_t c = 0; c < K; c++)
        if (!found[c]) {
            free(found);
            return sc_errf(err, "train-xbl: no teacher-train example of class '%s' carries a decoy (the swap test "
                                "takes each class's decoy from one)", r->pipe.task->classes[c]);
        }
    free(found);
    return 0;
}

// Text rows: erase deletes the decoy tokens (compacting the row), swap replaces them.
static void text_variant(sc_xbl_state *r, sc_batch *b, const uint32_t *idx, size_t k, int variant) {
    int64_t T = (int64_t)b->T, K = (int64_t)r->pipe.shape.n_outputs;
    uint8_t *unit = r->tok_scratch, *obj = unit + T, *dec = obj + T;
    for (size_t i = 0; i < k; i++) {
        int32_t *ids = b->ids + i * b->T;
        float *mask = b->mask + i * b->T;
        sc_xbl_token_masks(r, idx[i], T, unit, obj, dec);
        int32_t other = r->swap_tok[(r->pipe.data.label[idx[i]] + K / 2) % K];
        int64_t w = 0;
        for (int64_t t = 0; t < T; t++) {
            if (dec[t] && variant == SC_XBL_SWAPPED) ids[t] = other;
            if (dec[t] && variant == SC_XBL_ERASED) continue;
            ids[w] = ids[t], mask[w] = mask[t], w++;
        }
        for (; w < T; w++) ids[w] = SC_TOK_PAD, mask[w] = 0;
    }
}

void sc_xbl_batch_variant(sc_xbl_state *r, sc_batch *b, const uint32_t *idx, size_t k, int variant) {
    if (variant == SC_XBL_AS_IS) return;
    if (r->text) {
        text_variant(r, b, idx, k, variant);
        return;
    }
    const sc_dataset *d = &r->pipe.data;
    int64_t H = (int64_t)d->H, W = (int64_t)d->W, hw = H * W, C = (int64_t)d->C, K = (int64_t)r->pipe.shape.n_outputs;
    for (size_t i = 0; i < k; i++) {
        float *img = b->images + (size_t)i * (size_t)(C * hw);
        const uint8_t *m = d->decoy_mask + (size_t)idx[i] * (size_t)hw;
        for (int64_t c = 0; c < C; c++)
            for (int64_t p = 0; p < hw; p++)
                if (m[p]) img[c * hw + p] = 0;
        if (variant != SC_XBL_SWAPPED) continue;
        int64_t y0, x0, y1, x1, o = (d->label[idx[i]] + K / 2) % K, ph = r->swap_size[2 * o], pw = r->swap_size[2 * o + 1];
        if (!decoy_box(d, idx[i], &y0, &x0, &y1, &x1)) y0 = x0 = 0;  // none: the opposite of top-left
        int64_t ny = y0 < H / 2 ? H - ph : 0, nx = x0 < W / 2 ? W - pw : 0;
        for (int64_t c = 0; c < C; c++)
            for (int64_t y = ny; y < ny + ph; y++)
                for (int64_t x = nx; x < nx + pw; x++) img[c * hw + y * W + x] = r->swap_shade[o * C + c];
    }
}

void sc_xbl_text_erase(sc_xbl_state *r, uint32_t j) {
    sc_encoded *e = &r->pipe.enc;
    sc_dataset *d = &r->pipe.data;
    size_t w = 1, L = e->len[j], n = d->rat_len[j], removed_in = 0;
    int32_t *ids = e->ids + e->off[j];
    uint8_t *rat = e->rat + e->off[j], *drat = d->rat + d->rat_off[j], *dm = d->decoy_mask + d->rat_off[j];
    // Position k >= 1 of the encoded row is word k - 1 of the dataset's masks; the
    // words past the truncation (k >= L) shift in the masks only.
    for (size_t k = 1; k <= n; k++) {
        if (dm[k - 1]) {
            removed_in += k < L;
            continue;
        }
        if (k < L) ids[w] = ids[k], rat[w] = rat[k];
        drat[w - 1] = drat[k - 1], dm[w - 1] = dm[k - 1];
        w++;
    }
    e->len[j] = (uint32_t)(L - removed_in);
    d->rat_len[j] = w - 1;
}

// Decoy share and distance score of row i of g (images: pixels, text: words),
// added to acc. s, unit, obj, dec, dist: scratch of U units.
static void saliency_measures(sc_xbl_state *r, const sc_tensor *g, int64_t i, uint32_t j, int64_t U, double *s,
                              uint8_t *unit, uint8_t *obj, uint8_t *dec, sc_xbl_measures *acc) {
    const sc_dataset *d = &r->pipe.data;
    sc_xbl_unit_saliency(r, g, i, s);
    if (r->text) {
        sc_xbl_token_masks(r, j, U, unit, obj, dec);
        sc_xbl_token_distance(r, j, U, r->dist);
    } else {
        memset(unit, 1, (size_t)U);
        memcpy(dec, d->decoy_mask + (size_t)j * (size_t)U, (size_t)U);
        sc_xbl_distance_map(d->obj_mask + (size_t)j * (size_t)U, 1, (int64_t)d->H, (int64_t)d->W, r->dist, r->scratch,
                            r->iscratch);
    }
    double tot = 0, on = 0, far = 0;
    for (int64_t u = 0; u < U; u++) {
        double v = unit[u] ? s[u] : 0;
        tot += v;
        on += dec[u] ? v : 0;
        far += v * r->dist[u];
    }
    acc->reliance += tot > 0 ? on / tot : 0;
    acc->distance += far / (tot + SC_XBL_EPS);
}

// One batch: accuracy and, with saliency_too, the saliency measures.
static int measure_batch(sc_xbl_state *r, sc_ctx *ctx, sc_inputs *in, const uint32_t *idx, size_t k, int saliency_too,
                         sc_xbl_measures *acc) {
    const sc_dataset *d = &r->pipe.data;
    sc_no_grad_begin(ctx);
    sc_tensor *y = sc_model_forward(&r->model, ctx, in, 0, NULL);  // (k, K)
    sc_no_grad_end(ctx);
    if (!y) return -1;
    int64_t K = y->shape[1];
    for (size_t i = 0; i < k; i++) {
        int64_t best = 0;
        for (int64_t c = 1; c < K; c++)
            if (sc_tensor_get(y, (int64_t)i * K + c) > sc_tensor_get(y, (int64_t)i * K + best)) best = c;
        acc->correct += best == d->label[idx[i]];
    }
    if (!saliency_too) return 0;
    // The measures use one saliency whatever the training used.
    sc_tensor *g = sc_xbl_saliency(r, ctx, &r->model, in, idx, k, SC_XBL_SUM_LOGPROBS, 0);
    if (!g) return -1;
    int64_t U = r->text ? g->shape[1] : (int64_t)(d->H * d->W);
    double *s = malloc(sizeof(double) * (size_t)U);
    uint8_t *m = malloc(3 * (size_t)U);
    if (!s || !m) return free(s), free(m), sc_fail(ctx, "out of memory"), -1;
    for (size_t i = 0; i < k; i++) saliency_measures(r, g, (int64_t)i, idx[i], U, s, m, m + U, m + 2 * U, acc);
    free(s), free(m);
    return 0;
}

int sc_xbl_measure(sc_xbl_state *r, const uint32_t *idx, size_t n, int variant, int saliency_too,
                   sc_xbl_measures *out, sc_err *err) {
    memset(out, 0, sizeof *out);
    sc_batch b;
    sc_ctx *ctx = &r->ctx;
    const sc_encoded *enc = r->text ? &r->pipe.enc : NULL;
    size_t eb = (size_t)r->opts.eval_batch;
    if (sc_batch_alloc(&b, &r->pipe.data, enc, eb, err)) return -1;
    int rc = 0;
    sc_ctx_mark mark = sc_ctx_get_mark(ctx);
    for (size_t s = 0; s < n && !rc; s += eb) {
        size_t k = n - s < eb ? n - s : eb;
        sc_inputs in;
        if (sc_batch_fill(&b, &r->pipe.data, enc, idx + s, k, err)) {
            rc = -1;
            break;
        }
        sc_xbl_batch_variant(r, &b, idx + s, k, variant);
        if (sc_inputs_from_batch(ctx, &b, r->pipe.shape.modality, r->model.dtype, &in) ||
            measure_batch(r, ctx, &in, idx + s, k, saliency_too && variant == SC_XBL_AS_IS, out))
            rc = sc_errf(err, "train-xbl: measuring: %s", ctx->err.msg);
        sc_ctx_rewind(ctx, mark);
    }
    sc_batch_free(&b);
    if (n) out->correct /= (double)n, out->reliance /= (double)n, out->distance /= (double)n;
    return rc;
}
