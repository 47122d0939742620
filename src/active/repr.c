// repr.c — probabilities, embeddings, input Jacobians, K-center and top-b for
// the strategies (repr.h).
#include "active/repr.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "active/kcenter.h"
#include "ops/ops.h"

int sc_al_for_batches(const sc_al_env *e, const uint32_t *idx, size_t n, sc_al_batch_fn fn, void *user, sc_err *err) {
    sc_pipeline *p = e->pipe;
    size_t eb = e->eval_batch > 0 ? (size_t)e->eval_batch : 64;
    sc_batch b;
    if (sc_batch_alloc(&b, &p->data, p->has_text ? &p->enc : NULL, eb, err)) return -1;
    sc_ctx *ctx = e->ctx;
    sc_ctx_mark mark = sc_ctx_get_mark(ctx);
    int rc = 0;
    for (size_t s = 0; s < n && !rc; s += eb) {
        size_t k = n - s < eb ? n - s : eb;
        sc_inputs in;
        if (sc_batch_fill(&b, &p->data, p->has_text ? &p->enc : NULL, idx + s, k, err)) {
            rc = -1;
            break;
        }
        if (sc_inputs_from_batch(ctx, &b, p->shape.modality, e->model->dtype, &in) || fn(user, ctx, &in, s, k) ||
            ctx->failed) {
            rc = sc_errf(err, "%s", ctx->failed ? ctx->err.msg : "active learning: a batch failed");
            sc_ctx_reset(ctx);  // clears the error; nothing of the step is kept
            break;
        }
        sc_ctx_rewind(ctx, mark);
    }
    sc_batch_free(&b);
    return rc;
}

typedef struct probs_job {
    const sc_model *m;
    float *p;
    int64_t K;
} probs_job;

static int probs_batch(void *user, sc_ctx *ctx, const sc_inputs *in, size_t first, size_t k);

int sc_al_probs(const sc_al_env *e, const uint32_t *idx, size_t n, float *p, sc_err *err) {
    probs_job j = {e->model, p, e->model->shape.n_outputs};
    return sc_al_for_batches(e, idx, n, probs_batch, &j, err);
}

double sc_al_entropy(const float *p, int64_t K) {
    double h = 0;
    for (int64_t k = 0; k < K; k++)
        if (p[k] > 0) h -= (double)p[k] * log((double)p[k]);
    return h;
}

// A walk that fills an (n, dim) array of floats, dim known from the first batch.
typedef struct model_job {
    const sc_al_env *e;
    float *out;
    int64_t dim;
    size_t n;
} model_job;

static int probs_batch(void *user, sc_ctx *ctx, const sc_inputs *in, size_t first, size_t k) {
    probs_job *j = user;
    sc_no_grad_begin(ctx);
    sc_tensor *y = sc_model_forward(j->m, ctx, in, 0, NULL);  // (k, K)
    sc_no_grad_end(ctx);
    if (!y) return -1;
    for (size_t i = 0; i < k; i++) {  // softmax in double, max-shifted
        double mx = -INFINITY, z = 0;
        for (int64_t c = 0; c < j->K; c++) mx = fmax(mx, sc_tensor_get(y, (int64_t)i * j->K + c));
        for (int64_t c = 0; c < j->K; c++) z += exp(sc_tensor_get(y, (int64_t)i * j->K + c) - mx);
        float *row = j->p + (first + i) * (size_t)j->K;
        for (int64_t c = 0; c < j->K; c++) row[c] = (float)(exp(sc_tensor_get(y, (int64_t)i * j->K + c) - mx) / z);
    }
    return 0;
}

// Allocates the (n, dim) output on the first batch, when dim becomes known.
static int job_alloc(model_job *j, int64_t dim) {
    if (j->out) return j->dim == dim ? 0 : -1;
    j->dim = dim;
    j->out = calloc(j->n * (size_t)dim + 1, sizeof(float));
    return j->out ? 0 : -1;
}

static int embed_batch(void *user, sc_ctx *ctx, const sc_inputs *in, size_t first, size_t k) {
    model_job *j = user;
    sc_model_state st;
    memset(&st, 0, sizeof st);
    sc_no_grad_begin(ctx);
    sc_tensor *y = sc_model_forward(j->e->model, ctx, in, 0, &st);
    sc_no_grad_end(ctx);
    if (!y) return -1;
    if (!st.pooled || st.pooled->ndim != 2) return sc_fail(ctx, "core-set: the model exposes no pooled vector"), -1;
    int64_t D = st.pooled->shape[1];
    if (job_alloc(j, D)) return sc_fail(ctx, "core-set: out of memory"), -1;
    for (size_t i = 0; i < k; i++)
        for (int64_t d = 0; d < D; d++)
            j->out[(first + i) * (size_t)D + (size_t)d] = (float)sc_tensor_get(st.pooled, (int64_t)i * D + d);
    return 0;
}

int sc_al_embeddings(const sc_al_env *e, const uint32_t *idx, size_t n, float **out, int64_t *dim, sc_err *err) {
    model_job j = {.e = e, .n = n};
    int rc = sc_al_for_batches(e, idx, n, embed_batch, &j, err);
    if (!rc && !j.out) rc = job_alloc(&j, 1) ? sc_errf(err, "out of memory") : 0;  // n == 0
    if (rc) return free(j.out), -1;
    *out = j.out, *dim = j.dim;
    return 0;
}

// The flattened gradient of each example's predicted-class logit w.r.t. its
// input (repr.h). s = sum_b f_{b, yhat_b}: in evaluation mode examples do not
// interact, so row b of ds/dx is d f_{b, yhat_b} / d x_b.
static sc_tensor *input_gradient(sc_ctx *ctx, const sc_model *m, const sc_inputs *in, int *text) {
    sc_inputs leaf = *in;
    sc_model_state st;
    memset(&st, 0, sizeof st);
    sc_tensor *x = NULL;
    unsigned flags = 0;
    *text = m->shape.modality == SC_TEXT;
    if (m->shape.modality == SC_IMAGE) {  // the pixels, as a leaf
        if ((x = sc_detach(ctx, in->images))) x->requires_grad = 1;
        leaf.images = x;
    } else {
        flags = SC_FWD_EMBED_LEAF;  // text: the token embeddings; tables: the features (B, F, 1)
    }
    sc_tensor *logits = sc_model_forward(m, ctx, &leaf, flags, &st);
    if (!logits) return NULL;
    if (flags) x = st.embeddings;
    if (!x) return sc_fail(ctx, "dami: the model exposes no input embeddings");
    int64_t B = logits->shape[0], K = logits->shape[1];
    sc_tensor *y = sc_empty(ctx, SC_I32, 1, &B);
    if (!y) return NULL;
    for (int64_t b = 0; b < B; b++) {  // the predicted class, first on ties
        int32_t best = 0;
        for (int64_t c = 1; c < K; c++)
            if (sc_tensor_get(logits, b * K + c) > sc_tensor_get(logits, b * K + best)) best = (int32_t)c;
        ((int32_t *)y->data)[b] = best;
    }
    sc_tensor *s = sc_sum_all(ctx, sc_mul(ctx, logits, sc_one_hot(ctx, y, K, logits->dtype)));
    sc_tensor **g = s ? sc_grad(ctx, &s, 1, &x, 1, NULL, 0) : NULL;
    return g ? g[0] : NULL;
}

static int jac_batch(void *user, sc_ctx *ctx, const sc_inputs *in, size_t first, size_t k) {
    model_job *j = user;
    int saved = ctx->no_grad, text;
    ctx->no_grad = 0;  // a tape for the gradient even if the caller is in an evaluation scope
    sc_tensor *g = input_gradient(ctx, j->e->model, in, &text);
    ctx->no_grad = saved;
    if (!g) return -1;
    int64_t per = g->numel / (int64_t)k;  // values per example
    if (!text) {
        if (job_alloc(j, per)) return sc_fail(ctx, "dami: out of memory"), -1;
        for (size_t i = 0; i < k; i++)
            for (int64_t d = 0; d < per; d++)
                j->out[(first + i) * (size_t)per + (size_t)d] = (float)sc_tensor_get(g, (int64_t)i * per + d);
        return 0;
    }
    int64_t T = g->shape[1], E = g->shape[2], K = j->e->opt->dami_tokens;  // (B, T, E)
    if (job_alloc(j, K * E)) return sc_fail(ctx, "dami: out of memory"), -1;
    for (size_t i = 0; i < k; i++)  // positions 1..K; shorter sentences keep zeros
        for (int64_t t = 1; t <= K && t < T; t++)
            for (int64_t d = 0; d < E; d++)
                j->out[(first + i) * (size_t)(K * E) + (size_t)((t - 1) * E + d)] =
                    (float)sc_tensor_get(g, ((int64_t)i * T + t) * E + d);
    return 0;
}

int sc_al_jacobians(const sc_al_env *e, const uint32_t *idx, size_t n, float **out, int64_t *dim, sc_err *err) {
    model_job j = {.e = e, .n = n};
    int rc = sc_al_for_batches(e, idx, n, jac_batch, &j, err);
    if (!rc && !j.out) rc = job_alloc(&j, 1) ? sc_errf(err, "out of memory") : 0;
    if (rc) return free(j.out), -1;
    *out = j.out, *dim = j.dim;
    return 0;
}

int sc_al_kcenter_select(const sc_al_env *e, int repr, const uint32_t *cand, size_t n_cand, size_t b, uint32_t *out,
                         sc_err *err) {
    float *xc = NULL, *xl = NULL;
    int64_t dc = 0, dl = 0, *picks = malloc(sizeof(int64_t) * (b + 1));
    int (*rep)(const sc_al_env *, const uint32_t *, size_t, float **, int64_t *, sc_err *) =
        repr == SC_AL_REPR_JACOBIAN ? sc_al_jacobians : sc_al_embeddings;
    int rc = picks ? 0 : sc_errf(err, "out of memory");
    if (!rc) rc = rep(e, cand, n_cand, &xc, &dc, err);
    if (!rc && e->n_labelled) rc = rep(e, e->labelled, e->n_labelled, &xl, &dl, err);
    if (!rc && e->n_labelled && dl != dc) rc = sc_errf(err, "k-center: representation sizes differ (%lld, %lld)",
                                                       (long long)dc, (long long)dl);
    if (!rc) rc = sc_kcenter_greedy(xc, (int64_t)n_cand, xl, (int64_t)e->n_labelled, dc, (int64_t)b, picks, err);
    size_t nb = b < n_cand ? b : n_cand;
    for (size_t i = 0; !rc && i < nb; i++) out[i] = cand[picks[i]];
    free(xc), free(xl), free(picks);
    return rc;
}

typedef struct ranked {
    double score;
    size_t pos;
} ranked;

// Descending score, then ascending position: a total order, so qsort is deterministic.
static int by_score(const void *pa, const void *pb) {
    const ranked *a = pa, *b = pb;
    if (a->score != b->score) return a->score > b->score ? -1 : 1;
    return a->pos < b->pos ? -1 : a->pos > b->pos;
}

int sc_al_top_b(const double *score, const uint32_t *cand, size_t n_cand, size_t b, uint32_t *out, sc_err *err) {
    ranked *r = malloc(sizeof(ranked) * (n_cand + 1));
    if (!r) return sc_errf(err, "out of memory");
    for (size_t i = 0; i < n_cand; i++) r[i] = (ranked){isnan(score[i]) ? -INFINITY : score[i], i};
    qsort(r, n_cand, sizeof(ranked), by_score);
    for (size_t i = 0; i < b && i < n_cand; i++) out[i] = cand[r[i].pos];
    free(r);
    return 0;
}
