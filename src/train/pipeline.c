#include "train/pipeline.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "data/cache.h"

// Per-feature z-scores with statistics of the teacher-train split only (no
// peeking at test data); constant features keep std 1.
static void standardize_features(sc_dataset *d) {
    size_t F = d->F;
    for (size_t f = 0; f < F; f++) {
        double s = 0, s2 = 0;
        size_t n = 0;
        for (size_t i = 0; i < d->n; i++) {
            if (d->split[i] != SC_SPLIT_TEACHER_TRAIN) continue;
            double v = d->features[i * F + f];
            s += v;
            s2 += v * v;
            n++;
        }
        double mean = n ? s / (double)n : 0, var = n ? s2 / (double)n - mean * mean : 0;
        double sd = var > 1e-12 ? sqrt(var) : 1.0;
        for (size_t i = 0; i < d->n; i++) d->features[i * F + f] = (float)((d->features[i * F + f] - mean) / sd);
    }
}

static void standardize_targets(sc_pipeline *p) {
    sc_dataset *d = &p->data;
    double s = 0, s2 = 0;
    size_t n = 0;
    for (size_t i = 0; i < d->n; i++) {
        if (d->split[i] != SC_SPLIT_TEACHER_TRAIN) continue;
        s += d->target[i];
        s2 += (double)d->target[i] * d->target[i];
        n++;
    }
    p->target_mean = n ? s / (double)n : 0;
    double var = n ? s2 / (double)n - p->target_mean * p->target_mean : 1;
    p->target_std = var > 1e-12 ? sqrt(var) : 1.0;
    for (size_t i = 0; i < d->n; i++) d->target[i] = (float)((d->target[i] - p->target_mean) / p->target_std);
}

int sc_pipeline_open(sc_pipeline *p, const char *task_name, const sc_vocab *vocab, sc_err *err) {
    memset(p, 0, sizeof *p);
    p->target_std = 1.0;
    if (sc_task_open(task_name, &p->task, err)) return -1;
    const sc_task *t = p->task;
    // sc_dataset_load verifies the cached files first: a missing file or one that
    // changed since the fetch is named, with the command that repairs it.
    if (sc_dataset_load(t, &p->data, err)) goto fail;
    sc_model_shape *s = &p->shape;
    s->modality = t->modality;
    s->regression = t->label_kind == SC_REGRESSION;
    s->n_outputs = s->regression ? 1 : (int64_t)t->n_classes;
    if (s->regression) standardize_targets(p);
    switch (t->modality) {
    case SC_TEXT:
        p->has_text = 1;
        if (vocab) {
            // A restored vocabulary: copy it by re-counting its tokens in order.
            if (sc_vocab_init(&p->vocab, err)) goto fail;
            for (size_t i = SC_TOK_NSPECIAL; i < vocab->n; i++)
                if (sc_vocab_count(&p->vocab, sc_vocab_str(vocab, i), err)) goto fail;
        } else if (sc_vocab_from_split(&p->data, SC_SPLIT_TEACHER_TRAIN, &p->vocab, err)) {
            goto fail;
        }
        if (sc_encode_dataset(&p->data, &p->vocab, (size_t)t->max_tokens, &p->enc, err)) goto fail;
        s->vocab_size = (int64_t)p->vocab.n;
        s->max_tokens = t->max_tokens;
        break;
    case SC_IMAGE:
        s->C = (int64_t)p->data.C;
        s->H = (int64_t)p->data.H;
        s->W = (int64_t)p->data.W;
        break;
    case SC_TABULAR:
        s->F = (int64_t)p->data.F;
        standardize_features(&p->data);
        break;
    }
    return 0;
fail:
    sc_pipeline_close(p);
    return -1;
}

void sc_pipeline_close(sc_pipeline *p) {
    if (p->has_text) {
        sc_encoded_free(&p->enc);
        sc_vocab_free(&p->vocab);
    }
    if (p->task) {
        sc_dataset_free(&p->data);
        sc_task_free(p->task);
    }
    memset(p, 0, sizeof *p);
}

uint32_t *sc_pipeline_split(const sc_pipeline *p, int split, size_t *n) {
    size_t k = 0;
    uint32_t *idx = malloc(sizeof(uint32_t) * (p->data.counts[split] + 1));
    if (!idx) return NULL;
    for (size_t i = 0; i < p->data.n; i++)
        if (p->data.split[i] == split) idx[k++] = (uint32_t)i;
    *n = k;
    return idx;
}
