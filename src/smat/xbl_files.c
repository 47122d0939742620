// xbl_files.c — the per-run files of train-xbl that a report renders, written
// with msgpack-c and atomically (temp file, fsync, rename) like metrics.msgpack.
//
// OUT/saliency.msgpack — the final model's saliency on the first 8 test examples:
//   {format: "scaffold-saliency", version: 1, task, modality: "image" | "text",
//    examples: [{index, label, pred, height, width, input, saliency, decoy}]}
//   index: the example's position in the test split; label, pred: class indices.
//   Images: height, width; input (H*W floats in [0, 1], the mean over channels);
//   saliency (H*W floats >= 0: sum over channels of the squared input gradient
//   of sum_k log p_k); decoy (H*W 0/1).
//   Text: no height/width/input; tokens (the sentence's words as the model sees
//   them: after tokenization and truncation, [CLS] left out), saliency (one float
//   >= 0 per word: the squared gradient of sum_k log p_k summed over the
//   embedding dim), decoy (one 0/1 per word).
//
// OUT/concepts.msgpack — concept-prune only, the concepts of the first model:
//   {format: "scaffold-concepts", version: 1, k,
//    points: [[x, y, concept, label, flagged], ...],
//    concepts: [{size, decoy_share, purity, flagged, height, width, thumbs}]}
//   points: the first two principal components of the pooled vectors (the PCA
//   the clustering ran on) of up to 2000 training examples: every s-th example
//   of the teacher-train split, s = ceil(n_train / 2000), so the subset is fixed.
//   thumbs: up to 6 of the concept's examples (its first in teacher-train order),
//   each H*W floats in [0, 1] (mean over channels). Text concepts have, instead
//   of height, width and thumbs, tokens: [[words], ...] (up to 6 sentences).
#include <msgpack.h>
#include <stdlib.h>
#include <string.h>

#include "core/fs.h"
#include "models/inputs.h"
#include "ops/ops.h"
#include "smat/xbl_impl.h"

#define SALIENCY_EXAMPLES 8
#define MAX_POINTS 2000
#define THUMBS 6

static void str(msgpack_packer *pk, const char *s) { msgpack_pack_str_with_body(pk, s, strlen(s)); }

// The words of encoded example j ([CLS] left out).
static void pack_words(msgpack_packer *pk, const sc_xbl_state *r, uint32_t j) {
    const sc_encoded *e = &r->pipe.enc;
    size_t L = e->len[j];
    msgpack_pack_array(pk, L - 1);
    for (size_t k = 1; k < L; k++) str(pk, sc_vocab_str(&r->pipe.vocab, (size_t)e->ids[e->off[j] + k]));
}

// Image j's pixels, mean over channels, in [0, 1].
static void pack_image(msgpack_packer *pk, const sc_dataset *d, uint32_t j) {
    size_t hw = d->H * d->W;
    msgpack_pack_array(pk, hw);
    for (size_t p = 0; p < hw; p++) {
        double v = 0;
        for (size_t c = 0; c < d->C; c++) v += d->pixels[((size_t)j * d->C + c) * hw + p];
        msgpack_pack_float(pk, (float)(v / (255.0 * (double)d->C)));
    }
}

// One example of saliency.msgpack: row i of g, dataset index j.
static void pack_saliency_example(msgpack_packer *pk, sc_xbl_state *r, const sc_tensor *g, int64_t i, uint32_t j,
                                  int64_t pred, double *s) {
    const sc_dataset *d = &r->pipe.data;
    msgpack_pack_map(pk, r->text ? 6 : 8);
    str(pk, "index"), msgpack_pack_int64(pk, i);
    str(pk, "label"), msgpack_pack_int(pk, d->label[j]);
    str(pk, "pred"), msgpack_pack_int64(pk, pred);
    sc_xbl_unit_saliency(r, g, i, s);
    if (r->text) {
        int64_t T = g->shape[1], L = (int64_t)r->pipe.enc.len[j];
        uint8_t *unit = r->tok_scratch, *obj = unit + T, *dec = obj + T;
        sc_xbl_token_masks(r, j, T, unit, obj, dec);
        str(pk, "tokens"), pack_words(pk, r, j);
        str(pk, "saliency"), msgpack_pack_array(pk, (size_t)(L - 1));
        for (int64_t t = 1; t < L; t++) msgpack_pack_float(pk, (float)s[t]);
        str(pk, "decoy"), msgpack_pack_array(pk, (size_t)(L - 1));
        for (int64_t t = 1; t < L; t++) msgpack_pack_int(pk, dec[t]);
        return;
    }
    size_t hw = d->H * d->W;
    str(pk, "height"), msgpack_pack_uint64(pk, d->H);
    str(pk, "width"), msgpack_pack_uint64(pk, d->W);
    str(pk, "input"), pack_image(pk, d, j);
    str(pk, "saliency"), msgpack_pack_array(pk, hw);
    for (size_t p = 0; p < hw; p++) msgpack_pack_float(pk, (float)s[p]);
    str(pk, "decoy"), msgpack_pack_array(pk, hw);
    for (size_t p = 0; p < hw; p++) msgpack_pack_int(pk, d->decoy_mask[(size_t)j * hw + p]);
}

// Forward (predictions) and saliency of the first n test examples, packed.
static int pack_saliency(msgpack_packer *pk, sc_xbl_state *r, size_t n, sc_err *err) {
    sc_ctx *ctx = &r->ctx;
    const sc_encoded *enc = r->text ? &r->pipe.enc : NULL;
    sc_batch b;
    if (sc_batch_alloc(&b, &r->pipe.data, enc, n ? n : 1, err)) return -1;
    sc_ctx_mark mark = sc_ctx_get_mark(ctx);
    sc_inputs in;
    sc_tensor *y = NULL, *g = NULL;
    double *s = NULL;
    int rc = sc_batch_fill(&b, &r->pipe.data, enc, r->test, n, err);
    if (!rc && !sc_inputs_from_batch(ctx, &b, r->pipe.shape.modality, r->model.dtype, &in)) {
        sc_no_grad_begin(ctx);
        y = sc_model_forward(&r->model, ctx, &in, 0, NULL);  // (n, K)
        sc_no_grad_end(ctx);
        g = y ? sc_xbl_saliency(r, ctx, &r->model, &in, r->test, n, SC_XBL_SUM_LOGPROBS, 0) : NULL;
    }
    if (!rc && !g) rc = sc_errf(err, "train-xbl: saliency file: %s", ctx->err.msg);
    int64_t U = g ? (r->text ? g->shape[1] : g->shape[2] * g->shape[3]) : 0;
    if (!rc && !(s = malloc(sizeof(double) * (size_t)U))) rc = sc_errf(err, "out of memory");
    msgpack_pack_array(pk, rc ? 0 : n);
    for (size_t i = 0; !rc && i < n; i++) {
        int64_t K = y->shape[1], best = 0;
        for (int64_t c = 1; c < K; c++)
            if (sc_tensor_get(y, (int64_t)i * K + c) > sc_tensor_get(y, (int64_t)i * K + best)) best = c;
        pack_saliency_example(pk, r, g, (int64_t)i, r->test[i], best, s);
    }
    free(s);
    sc_ctx_rewind(ctx, mark);
    sc_batch_free(&b);
    return rc;
}

int sc_xbl_write_saliency(sc_xbl_state *r, const char *path, sc_err *err) {
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 5);
    str(&pk, "format"), str(&pk, "scaffold-saliency");
    str(&pk, "version"), msgpack_pack_int(&pk, 1);
    str(&pk, "task"), str(&pk, r->pipe.task->name);
    str(&pk, "modality"), str(&pk, r->text ? "text" : "image");
    str(&pk, "examples");
    int rc = pack_saliency(&pk, r, r->n_test < SALIENCY_EXAMPLES ? r->n_test : SALIENCY_EXAMPLES, err);
    if (!rc) rc = sc_atomic_write(path, sb.data, sb.size, err);
    msgpack_sbuffer_destroy(&sb);
    return rc;
}

// One concept: its summary and up to THUMBS of its examples.
static void pack_concept(msgpack_packer *pk, const sc_xbl_state *r, int q, const int *assign) {
    const sc_xbl_concepts *c = &r->concepts;
    const sc_dataset *d = &r->pipe.data;
    uint32_t ex[THUMBS];
    int m = 0;
    for (size_t i = 0; i < r->n_train && m < THUMBS; i++)
        if (assign[i] == q) ex[m++] = r->train[i];
    msgpack_pack_map(pk, r->text ? 5 : 7);
    str(pk, "size"), msgpack_pack_int64(pk, c->size[q]);
    str(pk, "decoy_share"), msgpack_pack_double(pk, c->decoy_share[q]);
    str(pk, "purity"), msgpack_pack_double(pk, c->purity[q]);
    str(pk, "flagged"), msgpack_pack_int(pk, c->flagged[q]);
    if (r->text) {
        str(pk, "tokens"), msgpack_pack_array(pk, (size_t)m);
        for (int t = 0; t < m; t++) pack_words(pk, r, ex[t]);
        return;
    }
    str(pk, "height"), msgpack_pack_uint64(pk, d->H);
    str(pk, "width"), msgpack_pack_uint64(pk, d->W);
    str(pk, "thumbs"), msgpack_pack_array(pk, (size_t)m);
    for (int t = 0; t < m; t++) pack_image(pk, d, ex[t]);
}

int sc_xbl_write_concepts(const sc_xbl_state *r, const char *path, const double *proj, int64_t dims,
                          const int *assign, sc_err *err) {
    if (dims < 2) return sc_errf(err, "concept-prune: a 2-D concept map needs 2 components, the embeddings have %lld",
                                 (long long)dims);
    const sc_xbl_concepts *c = &r->concepts;
    size_t n = r->n_train, stride = (n + MAX_POINTS - 1) / MAX_POINTS, m = stride ? (n + stride - 1) / stride : 0;
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 5);
    str(&pk, "format"), str(&pk, "scaffold-concepts");
    str(&pk, "version"), msgpack_pack_int(&pk, 1);
    str(&pk, "k"), msgpack_pack_int(&pk, c->k);
    str(&pk, "points"), msgpack_pack_array(&pk, m);
    for (size_t i = 0; stride && i < n; i += stride) {
        msgpack_pack_array(&pk, 5);
        msgpack_pack_double(&pk, proj[i * (size_t)dims]);
        msgpack_pack_double(&pk, proj[i * (size_t)dims + 1]);
        msgpack_pack_int(&pk, assign[i]);
        msgpack_pack_int(&pk, r->pipe.data.label[r->train[i]]);
        msgpack_pack_int(&pk, c->flagged[assign[i]]);
    }
    str(&pk, "concepts"), msgpack_pack_array(&pk, (size_t)c->k);
    for (int q = 0; q < c->k; q++) pack_concept(&pk, r, q, assign);
    int rc = sc_atomic_write(path, sb.data, sb.size, err);
    msgpack_sbuffer_destroy(&sb);
    return rc;
}
