// feature_cache.h — a frozen teacher explainer's parameter-free features, kept
// once per example.
//
// A learnable teacher explainer with a features/from_features split
// (explain/explainer.h; the attention explainer: the per-head aggregated
// attention logits) reads from the teacher only its features, which do not
// depend on φ. The teacher is frozen, so they are constants per example: the
// first batch that holds an example runs the teacher forward and stores its
// rows; every later batch is assembled from the store, with no teacher
// forward. The explanation is then from_features(f, unit_mask): the same ops,
// on the same numbers, as explaining a fresh forward.
//
// Storage: one slot of (P + 1) × U doubles per example seen (exact for f32
// and f64 models alike) (the P feature rows,
// then the unit mask), U the task's widest unit row (max_tokens for text);
// slots are handed out as examples are first stored, so a run over N training
// examples holds N slots, not the whole dataset. Text rows computed on a
// shorter batch are zero beyond its length, where the unit mask is 0: masked
// units never get mass (the normalizers set them to exactly 0), so a row read
// back at another batch's length gives the same explanation.
#ifndef SC_SMAT_FEATURE_CACHE_H
#define SC_SMAT_FEATURE_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "autograd/engine.h"
#include "core/err.h"

typedef struct sc_feature_cache {
    int P;             // feature rows per example
    int64_t U;         // units per stored row
    size_t n_data;     // dataset size: example indices are < n_data
    int32_t *slot_of;  // (n_data) slot of example i, -1 if not stored
    double *rows;      // (cap, P + 1, U): features, then the unit mask
    size_t n_slots, cap;
} sc_feature_cache;

// An empty cache for examples 0..n_data-1 with P rows of U units. 0, or -1 with
// err (nothing to free).
int sc_feature_cache_init(sc_feature_cache *c, int P, int64_t U, size_t n_data, sc_err *err);
// 1 if every example idx[0..n) is stored (0 for a zeroed cache).
int sc_feature_cache_has(const sc_feature_cache *c, const uint32_t *idx, size_t n);
// Stores f (n, P, V) and unit_mask (n, V), V <= U, as examples idx[0..n)
// (already stored ones are overwritten). 0, or -1 with err.
int sc_feature_cache_store(sc_feature_cache *c, const uint32_t *idx, size_t n, const sc_tensor *f,
                           const sc_tensor *unit_mask, sc_err *err);
// The stored rows of idx[0..n) cut to V units, as new tensors of dtype dt in
// the step arena: *f (n, P, V) and *unit_mask (n, V). Every example must be
// stored. 0, or -1 with ctx failed.
int sc_feature_cache_load(const sc_feature_cache *c, sc_ctx *ctx, const uint32_t *idx, size_t n, int64_t V,
                          sc_dtype dt, sc_tensor **f, sc_tensor **unit_mask);
// A no-op on a zeroed or freed cache.
void sc_feature_cache_free(sc_feature_cache *c);

#endif
