// feature_cache.c — see feature_cache.h.
#include "smat/feature_cache.h"

#include <stdlib.h>
#include <string.h>

int sc_feature_cache_init(sc_feature_cache *c, int P, int64_t U, size_t n_data, sc_err *err) {
    memset(c, 0, sizeof *c);
    if (P <= 0 || U <= 0 || n_data == 0)
        return sc_errf(err, "feature cache: %d rows of %lld units for %zu examples", P, (long long)U, n_data);
    c->slot_of = malloc(sizeof(int32_t) * n_data);
    if (!c->slot_of) return sc_errf(err, "feature cache: out of memory for %zu examples", n_data);
    for (size_t i = 0; i < n_data; i++) c->slot_of[i] = -1;
    c->P = P, c->U = U, c->n_data = n_data;
    return 0;
}

int sc_feature_cache_has(const sc_feature_cache *c, const uint32_t *idx, size_t n) {
    if (!c || !c->slot_of) return 0;
    for (size_t i = 0; i < n; i++)
        if (idx[i] >= c->n_data || c->slot_of[idx[i]] < 0) return 0;
    return 1;
}

static size_t slot_values(const sc_feature_cache *c) { return (size_t)(c->P + 1) * (size_t)c->U; }

// The slot of example i, handed out on first use (the store doubles as needed).
static double *slot(sc_feature_cache *c, uint32_t i, sc_err *err) {
    if (c->slot_of[i] < 0) {
        if (c->n_slots == c->cap) {
            size_t cap = c->cap ? 2 * c->cap : 64;
            if (cap > c->n_data) cap = c->n_data;
            double *r = realloc(c->rows, sizeof(double) * slot_values(c) * cap);
            if (!r) return sc_errf(err, "feature cache: out of memory for %zu examples", cap), NULL;
            c->rows = r, c->cap = cap;
        }
        c->slot_of[i] = (int32_t)c->n_slots++;
    }
    return c->rows + (size_t)c->slot_of[i] * slot_values(c);
}

int sc_feature_cache_store(sc_feature_cache *c, const uint32_t *idx, size_t n, const sc_tensor *f,
                           const sc_tensor *unit_mask, sc_err *err) {
    if (!c->slot_of) return sc_errf(err, "feature cache: not initialised");
    int64_t V = unit_mask->ndim == 2 ? unit_mask->shape[1] : -1;
    if (f->ndim != 3 || f->shape[0] != (int64_t)n || f->shape[1] != c->P || f->shape[2] != V ||
        unit_mask->shape[0] != (int64_t)n || V > c->U)
        return sc_errf(err, "feature cache: features of %zu examples do not fit %d rows of at most %lld units", n,
                       c->P, (long long)c->U);
    for (size_t b = 0; b < n; b++) {
        if (idx[b] >= c->n_data)
            return sc_errf(err, "feature cache: example %u outside the dataset (%zu)", idx[b], c->n_data);
        double *row = slot(c, idx[b], err);
        if (!row) return -1;
        memset(row, 0, sizeof(double) * slot_values(c));
        // Off the hot path (once per example): element access keeps any layout.
        for (int p = 0; p < c->P; p++)
            for (int64_t u = 0; u < V; u++)
                row[(size_t)p * (size_t)c->U + (size_t)u] =
                    sc_tensor_get(f, ((int64_t)b * c->P + p) * V + u);
        for (int64_t u = 0; u < V; u++)
            row[(size_t)c->P * (size_t)c->U + (size_t)u] = sc_tensor_get(unit_mask, (int64_t)b * V + u);
    }
    return 0;
}

int sc_feature_cache_load(const sc_feature_cache *c, sc_ctx *ctx, const uint32_t *idx, size_t n, int64_t V,
                          sc_dtype dt, sc_tensor **f, sc_tensor **unit_mask) {
    if (!sc_feature_cache_has(c, idx, n)) return sc_fail(ctx, "feature cache: a batch example is not stored"), -1;
    if (V <= 0 || V > c->U)
        return sc_fail(ctx, "feature cache: %lld units asked, rows hold %lld", (long long)V, (long long)c->U), -1;
    int64_t B = (int64_t)n, P = c->P;
    *f = sc_empty(ctx, dt, 3, (int64_t[]){B, P, V});  // (B, P, V)
    *unit_mask = sc_empty(ctx, dt, 2, (int64_t[]){B, V});  // (B, V)
    if (!*f || !*unit_mask) return -1;
    for (int64_t b = 0; b < B; b++) {
        const double *row = c->rows + (size_t)c->slot_of[idx[b]] * slot_values(c);
        for (int64_t p = 0; p <= P; p++) {
            const double *src = row + (size_t)p * (size_t)c->U;
            if (dt == SC_F32) {
                float *dst = p < P ? (float *)(*f)->data + (b * P + p) * V : (float *)(*unit_mask)->data + b * V;
                for (int64_t u = 0; u < V; u++) dst[u] = (float)src[u];
            } else {
                double *dst = p < P ? (double *)(*f)->data + (b * P + p) * V : (double *)(*unit_mask)->data + b * V;
                memcpy(dst, src, sizeof(double) * (size_t)V);
            }
        }
    }
    return 0;
}

void sc_feature_cache_free(sc_feature_cache *c) {
    if (!c) return;
    free(c->slot_of);
    free(c->rows);
    memset(c, 0, sizeof *c);
}
