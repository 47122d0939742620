#include "data/batch.h"

#include <stdlib.h>
#include <string.h>

#include "data/shuffle.h"

int sc_batcher_init(sc_batcher *b, const sc_dataset *d, int split, uint64_t seed, int shuffle, sc_err *err) {
    memset(b, 0, sizeof *b);
    size_t n = d->counts[split];
    b->order = malloc((n ? n : 1) * sizeof *b->order);
    if (!b->order) return sc_errf(err, "out of memory");
    for (size_t i = 0; i < d->n; i++)
        if (d->split[i] == split) b->order[b->n++] = (uint32_t)i;
    b->seed = seed;
    b->shuffle = shuffle;
    if (shuffle) sc_shuffle_u32(b->order, b->n, seed);
    return 0;
}

size_t sc_batcher_next(sc_batcher *b, size_t max_b, uint32_t *idx) {
    if (b->pos >= b->n) {  // epoch over: report it once, then reshuffle
        b->pos = 0;
        b->epoch++;
        if (b->shuffle) sc_shuffle_u32(b->order, b->n, b->seed + 0x9e3779b97f4a7c15ULL * b->epoch);
        return 0;
    }
    size_t k = b->n - b->pos < max_b ? b->n - b->pos : max_b;
    memcpy(idx, b->order + b->pos, k * sizeof *idx);
    b->pos += k;
    return k;
}

void sc_batcher_free(sc_batcher *b) {
    free(b->order);
    memset(b, 0, sizeof *b);
}

// Carves the arrays out of one block (each aligned to 64 bytes).
static void *carve(char **p, size_t bytes) {
    void *r = *p;
    *p += (bytes + 63) & ~(size_t)63;
    return r;
}

int sc_batch_alloc(sc_batch *b, const sc_dataset *d, const sc_encoded *e, size_t max_b, sc_err *err) {
    memset(b, 0, sizeof *b);
    const sc_task *t = d->task;
    b->max_B = max_b;
    b->C = d->C; b->H = d->H; b->W = d->W; b->F = d->F;
    size_t T = t->modality == SC_TEXT ? (e && e->max_len ? e->max_len : (size_t)t->max_tokens) : 0;
    b->max_T = T;
    size_t hw = d->H * d->W, sz[10] = {
        max_b * 4, max_b * 4, max_b * 4,                                    // index, labels, targets
        max_b * T * 4, max_b * T * 4, e && e->rat ? max_b * T * 4 : 0,      // ids, mask, rationale
        max_b * d->C * hw * 4, d->obj_mask ? max_b * hw * 4 : 0,            // images, object mask
        d->decoy_mask ? max_b * hw * 4 : 0, max_b * d->F * 4};              // decoy mask, features
    size_t total = 0;
    for (int i = 0; i < 10; i++) total += (sz[i] + 63) & ~(size_t)63;
    char *p = b->mem = calloc(1, total + 64);
    if (!p) return sc_errf(err, "out of memory for a batch of %zu", max_b);
    b->index = carve(&p, sz[0]);
    b->labels = carve(&p, sz[1]);
    b->targets = carve(&p, sz[2]);
    if (T) {
        b->ids = carve(&p, sz[3]);
        b->mask = carve(&p, sz[4]);
        if (sz[5]) b->rationale = carve(&p, sz[5]);
    }
    if (t->modality == SC_IMAGE) {
        b->images = carve(&p, sz[6]);
        if (sz[7]) b->obj_mask = carve(&p, sz[7]);
        if (sz[8]) b->decoy_mask = carve(&p, sz[8]);
    }
    if (t->modality == SC_TABULAR) b->features = carve(&p, sz[9]);
    return 0;
}

int sc_batch_fill(sc_batch *b, const sc_dataset *d, const sc_encoded *e, const uint32_t *idx, size_t n, sc_err *err) {
    if (n > b->max_B) return sc_errf(err, "batch of %zu exceeds the allocated %zu", n, b->max_B);
    const sc_task *t = d->task;
    b->B = n;
    size_t T = 0;
    if (t->modality == SC_TEXT) {
        if (!e) return sc_errf(err, "a text batch needs the encoded dataset");
        for (size_t i = 0; i < n; i++) T = e->len[idx[i]] > T ? e->len[idx[i]] : T;
        if (T > b->max_T) return sc_errf(err, "sequence of %zu ids exceeds the allocated %zu", T, b->max_T);
    }
    b->T = T;
    size_t hw = d->H * d->W, px = d->C * hw;
    for (size_t i = 0; i < n; i++) {
        size_t j = idx[i];
        if (j >= d->n) return sc_errf(err, "example index %zu out of range (%zu examples)", j, d->n);
        b->index[i] = (uint32_t)j;
        b->labels[i] = d->label[j];
        b->targets[i] = d->target[j];
        if (t->modality == SC_TEXT) {
            size_t L = e->len[j];
            for (size_t k = 0; k < T; k++) {
                int in = k < L;
                b->ids[i * T + k] = in ? e->ids[e->off[j] + k] : SC_TOK_PAD;
                b->mask[i * T + k] = (float)in;
                if (b->rationale) b->rationale[i * T + k] = in ? (float)e->rat[e->off[j] + k] : 0.0f;
            }
        } else if (t->modality == SC_IMAGE) {
            const uint8_t *src = d->pixels + j * px;
            for (size_t k = 0; k < px; k++) b->images[i * px + k] = (float)src[k] * (1.0f / 255.0f);
            for (size_t k = 0; b->obj_mask && k < hw; k++) b->obj_mask[i * hw + k] = d->obj_mask[j * hw + k];
            for (size_t k = 0; b->decoy_mask && k < hw; k++) b->decoy_mask[i * hw + k] = d->decoy_mask[j * hw + k];
        } else {
            memcpy(b->features + i * d->F, d->features + j * d->F, d->F * sizeof(float));
        }
    }
    return 0;
}

void sc_batch_free(sc_batch *b) {
    free(b->mem);
    memset(b, 0, sizeof *b);
}
