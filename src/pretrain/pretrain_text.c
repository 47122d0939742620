// pretrain_text.c — the masked-token objective of a text backbone: the
// vocabulary of the corpus's training texts plus [MASK], every text encoded
// once, batches masked by BERT's rule (mlm.h) and the tied-decoder loss.
#include <stdlib.h>
#include <string.h>

#include "ops/ops.h"
#include "pretrain/pretrain_impl.h"

static const char *const mask_token = "[MASK]";

// The vocabulary of the training texts (never the held-out ones), then [MASK].
static int build_vocab(pt_run *r, sc_err *err) {
    const char *blob = r->blob;
    const size_t *off = r->text_off;
    sc_vocab all;
    sc_tokens tk = {0};
    if (sc_vocab_init(&all, err)) return -1;
    int rc = 0;
    for (size_t i = 0; i < r->n_train && !rc; i++) {
        const char *s = blob + off[r->train[i]];
        if (sc_tokenize(s, strlen(s), &tk, err)) {
            rc = sc_err_prefix(err, "text %u", r->train[i]);
            break;
        }
        for (size_t t = 0; t < tk.n && !rc; t++) rc = sc_vocab_count(&all, sc_token(&tk, t), err);
    }
    if (!rc) rc = sc_vocab_finish(&all, (size_t)r->o.min_freq, (size_t)r->o.max_vocab - 1, &r->vocab, err);
    sc_vocab_free(&all);
    sc_tokens_free(&tk);
    if (rc) return -1;
    r->have_vocab = 1;
    // "[MASK]" cannot come out of the tokenizer ('[' is a token of its own), so it never collides.
    if (sc_vocab_count(&r->vocab, mask_token, err)) return -1;
    r->mask_id = sc_vocab_id(&r->vocab, mask_token);
    r->rule = sc_mlm_rule_bert(r->mask_id, SC_TOK_NSPECIAL, (int32_t)r->vocab.n);
    r->rule.select = r->o.mask_prob;
    return 0;
}

// Every text once: [CLS] + ids, cut at max_tokens.
static int encode_texts(pt_run *r, sc_err *err) {
    const char *blob = r->blob;
    const size_t *off = r->text_off;
    size_t T = (size_t)r->o.max_tokens, used = 0, cap = r->n * 16 + T;
    int32_t *row = malloc(sizeof *row * T);
    float *mk = malloc(sizeof *mk * T);
    r->ids = malloc(sizeof *r->ids * cap);
    r->off = malloc(sizeof *r->off * r->n);
    r->len = malloc(sizeof *r->len * r->n);
    sc_tokens tk = {0};
    int rc = !row || !mk || !r->ids || !r->off || !r->len ? sc_errf(err, "out of memory") : 0;
    for (size_t i = 0; i < r->n && !rc; i++) {
        size_t len;
        const char *s = blob + off[i];
        if (sc_vocab_encode(&r->vocab, s, strlen(s), T, row, mk, &len, &tk, err)) {
            rc = sc_err_prefix(err, "text %zu", i);
            break;
        }
        if (used + len > cap) {
            size_t nc = cap * 2 + T;
            int32_t *g = realloc(r->ids, sizeof *g * nc);
            if (!g) {
                rc = sc_errf(err, "out of memory");
                break;
            }
            r->ids = g, cap = nc;
        }
        memcpy(r->ids + used, row, sizeof *row * len);
        r->off[i] = used, r->len[i] = (uint32_t)len;
        used += len;
    }
    free(row), free(mk);
    sc_tokens_free(&tk);
    return rc;
}

// (length, text) pairs: qsort has no context argument to reach r->len through.
typedef struct len_item {
    uint32_t len, item;
} len_item;

static int cmp_len_item(const void *a, const void *b) {
    const len_item *x = a, *y = b;
    return x->len != y->len ? (x->len < y->len ? -1 : 1) : (x->item < y->item ? -1 : x->item > y->item);
}

// Held-out texts by length: their batches pad little (the loss is a sum over them).
static int sort_valid(pt_run *r, sc_err *err) {
    len_item *t = malloc(sizeof *t * (r->n_valid ? r->n_valid : 1));
    if (!t) return sc_errf(err, "out of memory");
    for (size_t i = 0; i < r->n_valid; i++) t[i] = (len_item){r->len[r->valid[i]], r->valid[i]};
    qsort(t, r->n_valid, sizeof *t, cmp_len_item);
    for (size_t i = 0; i < r->n_valid; i++) r->valid[i] = t[i].item;
    free(t);
    return 0;
}

static int text_prepare(pt_run *r, sc_err *err) {
    if (build_vocab(r, err) || encode_texts(r, err) || sort_valid(r, err)) return -1;
    r->shape = (sc_model_shape){.modality = SC_TEXT, .n_outputs = 2, .vocab_size = (int64_t)r->vocab.n,
                                .max_tokens = r->o.max_tokens};
    return 0;
}

static int text_head(pt_run *r, sc_rng *rng, sc_err *err) {
    sc_tensor *E = sc_params_get(&r->model.params, "embed.tokens");
    if (!E || E->ndim != 2) return sc_errf(err, "architecture '%s' has no token table 'embed.tokens'", r->def->name);
    return sc_mlm_head_build(&r->mh, &r->head, E->shape[1], E->shape[0], r->model.dtype, rng, err);
}

// Texts idx[0..k) as (k, L) ids and mask, L = the longest; masked by rng into r->targets.
static int make_batch(pt_run *r, const uint32_t *idx, size_t k, sc_rng *rng, sc_inputs *in, double *n_tok) {
    int64_t L = 1;
    for (size_t i = 0; i < k; i++)
        if ((int64_t)r->len[idx[i]] > L) L = r->len[idx[i]];
    int64_t s[2] = {(int64_t)k, L};
    sc_tensor *ids = sc_zeros(&r->ctx, SC_I32, 2, s), *mask = sc_zeros(&r->ctx, r->model.dtype, 2, s);
    if (!ids || !mask) return -1;
    int32_t *id = ids->data;
    float *m = r->maskbuf;  // (k, L) host copy: the masking rule reads floats whatever the model's dtype
    memset(m, 0, sizeof *m * (size_t)(k * (size_t)L));
    *n_tok = 0;
    for (size_t i = 0; i < k; i++) {
        memcpy(id + (int64_t)i * L, r->ids + r->off[idx[i]], sizeof *id * r->len[idx[i]]);
        for (uint32_t t = 0; t < r->len[idx[i]]; t++) m[(int64_t)i * L + t] = 1.0f;
        *n_tok += r->len[idx[i]];
    }
    for (int64_t j = 0; j < mask->numel; j++) sc_tensor_set(mask, j, m[j]);
    sc_mlm_mask(&r->rule, id, m, (int64_t)k, L, rng, r->targets);
    *in = (sc_inputs){.B = (int64_t)k, .ids = ids, .mask = mask};
    return 0;
}

static sc_tensor *text_loss(pt_run *r, const uint32_t *idx, size_t k, sc_rng *rng, int training, size_t *m,
                            double *seen) {
    sc_inputs in;
    if (make_batch(r, idx, k, rng, &in, seen)) return NULL;
    sc_model_state st;
    memset(&st, 0, sizeof st);
    if (!sc_model_forward(&r->model, &r->ctx, &in, training ? SC_FWD_TRAINING : 0, &st)) return NULL;
    return sc_mlm_loss(&r->mh, &r->ctx, st.sequence, sc_params_get(&r->model.params, "embed.tokens"), r->targets,
                       m);
}


const pt_objective pt_masked_tokens = {"masked-tokens", 0.15, text_prepare, text_head, text_loss};
