// st_explanation.c — explanation-driven querying (after Nguyen & Ghose 2023,
// "Explanation-based active learning": learn where the model goes wrong from
// the explanations of its mistakes, and ask for labels where the same evidence
// is at work).
//
//  1. The model's mistakes on the student-valid split (prediction != the
//     oracle's label; valid is labelled for early stopping anyway). For a
//     regression task, where no prediction is simply wrong, the worse half: the
//     examples whose absolute residual |f(x) - y| exceeds the median's.
//  2. Their saliency s(x) over units (explainer opt->explainer, default
//     gradient-x-input: a distribution over each example's real units, for the
//     predicted, i.e. wrong, class), accumulated per input feature:
//         w[f] = sum over mistakes x, units u of x with feature(u) = f of s_u(x)
//     feature(u) is the token id at position u for text (the same word
//     anywhere), the image cell u for images, the feature u for tables.
//  3. Each unlabelled example's score is the weighted overlap of its own
//     saliency with those weights, score(x) = sum_u s_u(x) w[feature(u)], and
//     the b highest are queried (ties: the earlier candidate).
// With no mistake on valid every w is 0 and the ranking falls back to
// predictive entropy (said in the strategy's summary); for regression, which
// has no entropy, to the candidates' pool order (said in the round's note).
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "active/repr.h"
#include "explain/explainer.h"
#include "train/trainer.h"

typedef struct expl_job {
    const sc_al_env *e;
    sc_explainer *ex;
    double *w;      // (nw) per-feature weights
    int64_t nw;
    double *score;  // NULL: accumulate into w; else one score per example
} expl_job;

static int expl_batch(void *user, sc_ctx *ctx, const sc_inputs *in, size_t first, size_t k) {
    expl_job *j = user;
    const sc_model *m = j->e->model;
    sc_model_state st;
    memset(&st, 0, sizeof st);
    sc_tensor *logits = sc_model_forward(m, ctx, in, 0, &st);
    if (!logits) return -1;
    sc_explain_args a = {.model = m, .in = in, .st = &st, .logits = logits};
    sc_tensor *s = sc_explain(j->ex, ctx, &a);  // (k, U)
    if (!s) return -1;
    int64_t U = s->shape[1], T = in->ids ? in->ids->shape[1] : 0;
    for (size_t i = 0; i < k; i++) {
        double acc = 0;
        for (int64_t u = 0; u < U; u++) {
            double v = sc_tensor_get(s, (int64_t)i * U + u);
            int64_t f = in->ids ? (u < T ? ((const int32_t *)in->ids->data)[(int64_t)i * T + u] : -1) : u;
            if (v == 0 || f < 0 || f >= j->nw) continue;
            if (j->score) acc += v * j->w[f];
            else j->w[f] += v;
        }
        if (j->score) j->score[first + i] = acc;
    }
    return 0;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

// Regression: the student-valid examples whose absolute residual exceeds the
// median absolute residual, in valid order, into out (capacity n_valid).
static int worse_half(const sc_al_env *e, uint32_t *out, size_t *n_out, sc_err *err) {
    size_t n = e->n_valid;
    float *f = malloc(sizeof(float) * (n + 1));
    double *res = malloc(sizeof(double) * (n + 1)), *sorted = malloc(sizeof(double) * (n + 1));
    int rc = f && res && sorted ? sc_predict(e->pipe, e->model, e->ctx, e->valid, n, e->eval_batch, NULL, f, err)
                                : sc_errf(err, "out of memory");
    for (size_t i = 0; !rc && i < n; i++) sorted[i] = res[i] = fabs((double)f[i] - (double)e->targets[e->valid[i]]);
    if (!rc && n) {
        qsort(sorted, n, sizeof *sorted, cmp_double);
        double median = n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        for (size_t i = 0; i < n; i++)
            if (res[i] > median) out[(*n_out)++] = e->valid[i];
    }
    free(f), free(res), free(sorted);
    return rc;
}

// The student-valid examples the model gets wrong (against the oracle), malloc'd.
static int mistakes(const sc_al_env *e, uint32_t **out, size_t *n_out, sc_err *err) {
    if (e->model->shape.regression) {
        *n_out = 0;
        if (!(*out = malloc(sizeof(uint32_t) * (e->n_valid + 1)))) return sc_errf(err, "out of memory");
        return worse_half(e, *out, n_out, err);
    }
    int64_t K = e->model->shape.n_outputs;
    float *p = malloc(sizeof(float) * (e->n_valid * (size_t)K + 1));
    *out = malloc(sizeof(uint32_t) * (e->n_valid + 1));
    *n_out = 0;
    int rc = p && *out ? sc_al_probs(e, e->valid, e->n_valid, p, err) : sc_errf(err, "out of memory");
    for (size_t i = 0; !rc && i < e->n_valid; i++) {
        const float *q = p + i * (size_t)K;
        int32_t best = 0;
        for (int64_t c = 1; c < K; c++)
            if (q[c] > q[best]) best = (int32_t)c;
        if (best != e->oracle[e->valid[i]]) (*out)[(*n_out)++] = e->valid[i];
    }
    free(p);
    return rc;
}

static int entropy_scores(const sc_al_env *e, const uint32_t *cand, size_t n, double *score, sc_err *err) {
    int64_t K = e->model->shape.n_outputs;
    float *p = malloc(sizeof(float) * (n * (size_t)K + 1));
    int rc = p ? sc_al_probs(e, cand, n, p, err) : sc_errf(err, "out of memory");
    for (size_t i = 0; !rc && i < n; i++) score[i] = sc_al_entropy(p + i * (size_t)K, K);
    free(p);
    return rc;
}

static int select_explanation(const sc_al_env *e, const uint32_t *cand, size_t n, size_t b, uint32_t *out,
                              sc_err *err) {
    const sc_model *m = e->model;
    expl_job j = {.e = e, .nw = m->shape.modality == SC_TEXT ? m->shape.vocab_size : m->info.n_units};
    uint32_t *wrong = NULL;
    size_t n_wrong = 0;
    double *score = malloc(sizeof(double) * (n + 1)), total = 0;
    j.w = calloc((size_t)j.nw + 1, sizeof(double));
    j.ex = calloc(1, sizeof *j.ex);
    int rc = score && j.w && j.ex ? mistakes(e, &wrong, &n_wrong, err) : sc_errf(err, "out of memory");
    if (!rc) rc = sc_explainer_create(j.ex, e->opt->explainer, NULL, m, err);
    if (!rc) rc = sc_al_for_batches(e, wrong, n_wrong, expl_batch, &j, err);
    for (int64_t f = 0; !rc && f < j.nw; f++) total += j.w[f];
    if (!rc && total > 0) {
        j.score = score;
        rc = sc_al_for_batches(e, cand, n, expl_batch, &j, err);
    } else if (!rc && m->shape.regression) {
        for (size_t i = 0; i < n; i++) score[i] = 0;  // no entropy to fall back on: pool order
    } else if (!rc) {
        rc = entropy_scores(e, cand, n, score, err);  // no mistakes: nothing to learn from
    }
    const char *fallback = m->shape.regression ? "no saliency on the worse half of valid: pool order"
                                               : "no validation mistakes: ranked by entropy";
    if (!rc && e->note && total > 0) snprintf(e->note, e->note_cap, "%zu validation mistakes explained", n_wrong);
    else if (!rc && e->note) snprintf(e->note, e->note_cap, "%s", fallback);
    if (!rc) rc = sc_al_top_b(score, cand, n, b, out, err);
    if (j.ex) sc_explainer_free(j.ex);
    free(j.ex), free(j.w), free(score), free(wrong);
    return rc;
}

// The explainer must work with the model (e.g. attention explainers need attention).
static int check_explanation(const sc_model *m, const sc_al_options *opt, sc_err *err) {
    sc_explainer *ex = calloc(1, sizeof *ex);
    if (!ex) return sc_errf(err, "out of memory");
    int rc = sc_explainer_create(ex, opt->explainer, NULL, m, err);
    if (rc) sc_err_prefix(err, "key 'explainer'");
    else sc_explainer_free(ex);
    free(ex);
    return rc ? -1 : 0;
}

const sc_al_strategy_def sc_al_strategy_explanation = {
    .name = "explanation",
    .summary = "saliency overlap with the features salient in the model's validation mistakes "
               "(entropy when there are none)",
    .cite = "after Nguyen & Ghose 2023 (explanation-based active learning)",
    .select = select_explanation,
    .check = check_explanation,
};
