// xbl_concepts.c — concept pruning (after Zeng et al., XAI4CV 2023), between
// the two trainings of `method=concept-prune` (xbl_impl.h).
//
// 1. Each training example becomes one vector: its unit embeddings e_u (B, U, E:
//    the model's input units, the ViT's patches or the text's token embeddings)
//    pooled with weights s_u = ||d f_y / d e_u||^2 (y the gold class),
//    v = sum_u s_u e_u / sum_u s_u. The same saliency gives the example's decoy
//    share: the part of sum_u s_u on units that touch the decoy's pixels, or
//    that are the decoy token. Text units are the words ([CLS] and padding get
//    weight 0: [CLS] is the same token in every sentence).
// 2. PCA to min(10, E) components, then k-means with k in 2..concept_k_max by
//    silhouette (explain/concepts.h).
// 3. Per concept: size, mean decoy share, class purity. The rule standing in
//    for the human who would inspect the concept map: a concept is flagged when
//    its mean decoy share is at least concept_threshold.
// 4. The flagged concepts' examples are dropped from the training split
//    (prune) or have their decoy erased (mask: its pixels set to 0; text: the
//    decoy token deleted from the example).
// Before step 4, OUT/concepts.msgpack gets the concept map (xbl_files.c).
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "explain/concepts.h"
#include "models/inputs.h"
#include "ops/ops.h"
#include "smat/xbl_impl.h"

#define PCA_DIMS 10
#define SILHOUETTE_SAMPLE 2000

// Unit u of a g x g grid touches the decoy of example i.
static int unit_on_decoy(const sc_dataset *d, uint32_t i, int64_t u, int64_t g) {
    int64_t H = (int64_t)d->H, W = (int64_t)d->W, cy = u / g, cx = u % g;
    for (int64_t y = cy * H / g; y < (cy + 1) * H / g; y++)
        for (int64_t x = cx * W / g; x < (cx + 1) * W / g; x++)
            if (d->decoy_mask[(size_t)i * (size_t)(H * W) + (size_t)(y * W + x)]) return 1;
    return 0;
}

// Pooled vectors and decoy shares of one batch: rows [off, off + k) of *vecs
// (n_total, E: allocated at the first batch, once E is known) and of share.
static int embed_batch(sc_xbl_state *r, sc_ctx *ctx, const sc_inputs *in, const uint32_t *idx, size_t k, size_t off,
                       size_t n_total, double **vecs, double *share, int64_t *E_out) {
    sc_model_state st = {0};
    int saved = ctx->no_grad;
    ctx->no_grad = 0;
    sc_tensor *logits = sc_model_forward(&r->model, ctx, in, SC_FWD_EMBED_LEAF, &st);
    sc_tensor *y = logits ? sc_empty(ctx, SC_I32, 1, (int64_t[]){(int64_t)k}) : NULL;
    for (size_t i = 0; y && i < k; i++) ((int32_t *)y->data)[i] = r->pipe.data.label[idx[i]];
    sc_tensor *s = y ? sc_sum_all(ctx, sc_mul(ctx, logits, sc_one_hot(ctx, y, logits->shape[1], logits->dtype))) : NULL;
    sc_tensor *E = st.embeddings;
    sc_tensor **g = s && E ? sc_grad(ctx, &s, 1, &E, 1, NULL, 0) : NULL;
    ctx->no_grad = saved;
    if (!g) return ctx->failed ? -1 : (sc_fail(ctx, "concept-prune: the model exposes no unit embeddings"), -1);
    int64_t U = E->shape[1], D = E->shape[2], grid = (int64_t)lround(sqrt((double)U));
    if (!r->text && grid * grid != U)
        return sc_fail(ctx, "concept-prune: %lld units are not a square grid", (long long)U), -1;
    if (!*vecs) {
        *E_out = D;
        if (!(*vecs = malloc(sizeof(double) * n_total * (size_t)D))) return sc_fail(ctx, "out of memory"), -1;
    }
    uint8_t *unit = r->tok_scratch, *obj = r->text ? unit + U : NULL, *dec = r->text ? obj + U : NULL;
    for (size_t i = 0; i < k; i++) {
        double tot = 0, on = 0, *v = *vecs + (off + i) * (size_t)D;
        memset(v, 0, sizeof(double) * (size_t)D);
        if (r->text) sc_xbl_token_masks(r, idx[i], U, unit, obj, dec);
        for (int64_t u = 0; u < U; u++) {
            double w = 0;
            for (int64_t j = 0; j < D; j++) {
                double gv = sc_tensor_get(g[0], ((int64_t)i * U + u) * D + j);
                w += gv * gv;
            }
            if (r->text && !unit[u]) continue;
            tot += w;
            if (r->text ? dec[u] : unit_on_decoy(&r->pipe.data, idx[i], u, grid)) on += w;
            for (int64_t j = 0; j < D; j++) v[j] += w * sc_tensor_get(E, ((int64_t)i * U + u) * D + j);
        }
        for (int64_t j = 0; j < D && tot > 0; j++) v[j] /= tot;
        share[off + i] = tot > 0 ? on / tot : 0;
    }
    return 0;
}

// Vectors (n_train, E) and decoy shares (n_train) of the training split; *vecs malloc'd.
static int embed_training(sc_xbl_state *r, double **vecs, double *share, int64_t *E, sc_err *err) {
    sc_batch b;
    sc_ctx *ctx = &r->ctx;
    size_t eb = (size_t)r->opts.eval_batch;
    const sc_encoded *enc = r->text ? &r->pipe.enc : NULL;
    *vecs = NULL;
    if (sc_batch_alloc(&b, &r->pipe.data, enc, eb, err)) return -1;
    int rc = 0;
    sc_ctx_mark mark = sc_ctx_get_mark(ctx);
    for (size_t s = 0; s < r->n_train && !rc; s += eb) {
        size_t k = r->n_train - s < eb ? r->n_train - s : eb;
        sc_inputs in;
        if (sc_batch_fill(&b, &r->pipe.data, enc, r->train + s, k, err)) rc = -1;
        else if (sc_inputs_from_batch(ctx, &b, r->pipe.shape.modality, r->model.dtype, &in) ||
                 embed_batch(r, ctx, &in, r->train + s, k, s, r->n_train, vecs, share, E))
            rc = sc_errf(err, "concept-prune: embedding the training split: %s", ctx->err.msg);
        sc_ctx_rewind(ctx, mark);
    }
    sc_batch_free(&b);
    return rc;
}

// Size, mean decoy share and class purity of each concept; flags by the rule.
static void concept_stats(sc_xbl_state *r, const int *assign, const double *share) {
    sc_xbl_concepts *c = &r->concepts;
    int K = (int)r->pipe.shape.n_outputs;
    int64_t *cls = calloc((size_t)c->k * (size_t)K, sizeof(int64_t));
    for (int q = 0; q < c->k; q++) c->size[q] = 0, c->decoy_share[q] = 0;
    for (size_t i = 0; i < r->n_train; i++) {
        int q = assign[i];
        c->size[q]++;
        c->decoy_share[q] += share[i];
        if (cls) cls[(size_t)q * (size_t)K + (size_t)r->pipe.data.label[r->train[i]]]++;
    }
    for (int q = 0; q < c->k; q++) {
        int64_t best = 0;
        for (int y = 0; cls && y < K; y++)
            if (cls[(size_t)q * (size_t)K + (size_t)y] > best) best = cls[(size_t)q * (size_t)K + (size_t)y];
        c->decoy_share[q] = c->size[q] ? c->decoy_share[q] / (double)c->size[q] : 0;
        c->purity[q] = c->size[q] ? (double)best / (double)c->size[q] : 0;
        c->flagged[q] = c->decoy_share[q] >= r->concept_threshold;
    }
    free(cls);
}

// Drops or masks the flagged concepts' examples.
static int act(sc_xbl_state *r, const int *assign, sc_err *err) {
    sc_xbl_concepts *c = &r->concepts;
    sc_dataset *d = &r->pipe.data;
    size_t hw = d->H * d->W, kept = 0;
    c->n_acted = 0;
    for (size_t i = 0; i < r->n_train; i++) {
        uint32_t ex = r->train[i];
        if (!c->flagged[assign[i]]) {
            r->train[kept++] = ex;
            continue;
        }
        c->n_acted++;
        if (!r->concept_mask) continue;  // pruned: not kept
        r->train[kept++] = ex;
        if (r->text) {
            sc_xbl_text_erase(r, ex);
            continue;
        }
        for (size_t ch = 0; ch < d->C; ch++)
            for (size_t p = 0; p < hw; p++)
                if (d->decoy_mask[(size_t)ex * hw + p]) d->pixels[((size_t)ex * d->C + ch) * hw + p] = 0;
    }
    if (!kept) return sc_errf(err, "concept-prune: every concept was flagged; nothing is left to train on");
    r->n_train = kept;
    return 0;
}

int sc_xbl_concepts_apply(sc_xbl_state *r, FILE *log, sc_err *err) {
    sc_xbl_concepts *c = &r->concepts;
    double *vecs = NULL, *proj = NULL, *centers = NULL, scores[SC_XBL_MAX_CONCEPTS];
    double *share = malloc(sizeof(double) * (r->n_train + 1));
    int *assign = malloc(sizeof(int) * (r->n_train + 1));
    int64_t E = 0;
    int rc = -1;
    if (!share || !assign) {
        sc_errf(err, "out of memory");
        goto out;
    }
    if (embed_training(r, &vecs, share, &E, err)) goto out;
    int64_t dims = E < PCA_DIMS ? E : PCA_DIMS;
    proj = malloc(sizeof(double) * r->n_train * (size_t)dims);
    centers = malloc(sizeof(double) * (size_t)SC_XBL_MAX_CONCEPTS * (size_t)dims);
    if (!proj || !centers) {
        sc_errf(err, "out of memory");
        goto out;
    }
    if (sc_pca(vecs, (int64_t)r->n_train, E, dims, proj, NULL, NULL, err) ||
        sc_concepts_choose_k(proj, (int64_t)r->n_train, dims, 2, r->concept_k_max, r->seed, SILHOUETTE_SAMPLE,
                             &c->k, assign, centers, scores, err))
        goto out;
    c->silhouette = scores[c->k - 2];
    concept_stats(r, assign, share);
    if (log) {
        fprintf(log, "concept-prune: %d concepts (silhouette %.3f)\n", c->k, c->silhouette);
        for (int q = 0; q < c->k; q++)
            fprintf(log, "  concept %d: %lld examples, decoy share %.3f, purity %.3f%s\n", q, (long long)c->size[q],
                    c->decoy_share[q], c->purity[q], c->flagged[q] ? "  FLAGGED" : "");
    }
    char path[1100];
    snprintf(path, sizeof path, "%s/concepts.msgpack", r->out);
    if (sc_xbl_write_concepts(r, path, proj, dims, assign, err) || act(r, assign, err)) goto out;
    if (log)
        fprintf(log, "concept-prune: %s %lld training examples; training afresh on %zu\n",
                r->concept_mask ? "masked the decoy of" : "pruned", (long long)c->n_acted, r->n_train);
    rc = 0;
out:
    free(vecs), free(proj), free(centers), free(share), free(assign);
    return rc;
}
