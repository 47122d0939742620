#include "data/dataset.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "data/grow.h"

int sc_dataset_init(sc_dataset *d, const sc_task *t, sc_err *err) {
    memset(d, 0, sizeof *d);
    d->task = t;
    if (t->modality == SC_IMAGE) {
        d->C = (size_t)t->channels;
        d->H = (size_t)t->height;
        d->W = (size_t)t->width;
    }
    if (t->modality == SC_TABULAR) d->F = t->n_features;
    return 0;
}

void sc_dataset_free(sc_dataset *d) {
    free(d->label); free(d->target); free(d->partition); free(d->split);
    free(d->blob); free(d->text_off);
    free(d->rat); free(d->rat_off); free(d->rat_len);
    free(d->pixels); free(d->obj_mask); free(d->decoy_mask);
    free(d->features);
    free(d->reads);
    memset(d, 0, sizeof *d);
}

static int grow(void **p, size_t elem, size_t cap) {
    if (elem && cap > SIZE_MAX / elem) return -1;  // elem * cap bytes would overflow
    void *q = realloc(*p, elem * cap);
    if (!q) return -1;
    *p = q;
    return 0;
}

// Doubles every per-example array together (amortized O(1) appends).
static int reserve(sc_dataset *d) {
    if (d->n < d->cap) return 0;
    if (d->cap > SIZE_MAX / 2) return -1;
    size_t cap = d->cap ? 2 * d->cap : 1024;
    const sc_task *t = d->task;
    if (grow((void **)&d->label, sizeof *d->label, cap) || grow((void **)&d->target, sizeof *d->target, cap) ||
        grow((void **)&d->partition, 1, cap) || grow((void **)&d->split, 1, cap))
        return -1;
    if (t->modality == SC_TEXT &&
        (grow((void **)&d->text_off, sizeof(size_t), cap) || grow((void **)&d->rat_off, sizeof(size_t), cap) ||
         grow((void **)&d->rat_len, sizeof(size_t), cap)))
        return -1;
    if (t->modality == SC_IMAGE && grow((void **)&d->pixels, d->C * d->H * d->W, cap)) return -1;
    if (t->modality == SC_IMAGE && t->mask_dir && grow((void **)&d->obj_mask, d->H * d->W, cap)) return -1;
    if (t->modality == SC_TABULAR && grow((void **)&d->features, d->F * sizeof(float), cap)) return -1;
    d->cap = cap;
    return 0;
}

static int append_bytes(uint8_t **buf, size_t *used, size_t *cap, const void *src, size_t n) {
    if (sc_grow((void **)buf, cap, sc_grow_need(*used, n), 1, 65536)) return -1;
    if (n) memcpy(*buf + *used, src, n);
    *used += n;
    return 0;
}

long sc_dataset_add(sc_dataset *d, int partition, int32_t label, float target, const char *text, size_t len,
                    const uint8_t *pixels, const float *features, const uint8_t *rationale, size_t rat_len,
                    sc_err *err) {
    if (reserve(d)) return sc_errf(err, "out of memory after %zu examples", d->n);
    size_t i = d->n;
    const sc_task *t = d->task;
    d->label[i] = label;
    d->target[i] = target;
    d->partition[i] = (uint8_t)partition;
    d->split[i] = 0;
    if (t->modality == SC_TEXT) {
        d->text_off[i] = d->blob_len;
        static const char nul = 0;
        if (append_bytes((uint8_t **)&d->blob, &d->blob_len, &d->blob_cap, text, len) ||
            append_bytes((uint8_t **)&d->blob, &d->blob_len, &d->blob_cap, &nul, 1))
            return sc_errf(err, "out of memory");
        d->rat_off[i] = d->rat_used;
        d->rat_len[i] = rationale ? rat_len : 0;
        if (rationale && append_bytes(&d->rat, &d->rat_used, &d->rat_cap, rationale, rat_len))
            return sc_errf(err, "out of memory");
    } else if (t->modality == SC_IMAGE) {
        size_t px = d->C * d->H * d->W;
        memcpy(d->pixels + i * px, pixels, px);
    } else {
        memcpy(d->features + i * d->F, features, d->F * sizeof(float));
    }
    d->n++;
    return (long)i;
}

int sc_dataset_add_count(sc_dataset *d, const sc_read_count *c, sc_err *err) {
    if (sc_grow((void **)&d->reads, &d->reads_cap, d->n_reads + 1, sizeof *d->reads, 4))
        return sc_errf(err, "out of memory");
    d->reads[d->n_reads++] = *c;
    return 0;
}

int sc_dataset_partition(const sc_task *t, const char *name) {
    for (size_t i = 0; i < t->n_rules; i++)
        if (!strcmp(t->rules[i].name, name)) return (int)i;
    return -1;
}
