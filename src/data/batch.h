// batch.h — seeded shuffles and batches of raw arrays (the model layer wraps them
// in tensors).
//
// One sc_batch is allocated once for a maximum batch size and reused for every
// step (no allocation per example). Text batches are padded to the longest
// sequence in the batch (T <= the task's max_tokens): ids 0 = [PAD], mask 0.
#ifndef SC_DATA_BATCH_H
#define SC_DATA_BATCH_H

#include "data/encode.h"

// Walks the examples of one split in a seeded order, epoch after epoch; each
// epoch has its own permutation (seed, epoch) so runs are reproducible.
typedef struct sc_batcher {
    uint32_t *order;  // (n,) example indices of the split
    size_t n, pos;
    uint64_t seed, epoch;
    int shuffle;
} sc_batcher;

int sc_batcher_init(sc_batcher *b, const sc_dataset *d, int split, uint64_t seed, int shuffle, sc_err *err);
// Up to max_b indices of the next batch into idx; returns how many (0 = the
// epoch is over; the next call starts a new epoch).
size_t sc_batcher_next(sc_batcher *b, size_t max_b, uint32_t *idx);
void sc_batcher_free(sc_batcher *b);

typedef struct sc_batch {
    size_t B, T;          // current batch size; padded length (text)
    size_t max_B, max_T;  // capacity
    size_t C, H, W, F;
    uint32_t *index;      // (B,) dataset indices
    int32_t *labels;      // (B,) class indices (classification)
    float *targets;       // (B,) regression targets (class index for classification)
    // text (row-major, row stride T)
    int32_t *ids;         // (B, T) token ids, [CLS] first
    float *mask;          // (B, T) 1 for tokens, 0 for padding
    float *rationale;     // (B, T) ground-truth token rationale, or NULL
    // image
    float *images;        // (B, C, H, W) in [0, 1]
    float *obj_mask;      // (B, H, W) ground truth object, or NULL
    float *decoy_mask;    // (B, H, W) ground truth decoy, or NULL
    // tabular
    float *features;      // (B, F)
    void *mem;            // the single allocation behind all arrays
} sc_batch;

// Sizes the batch for the dataset (e may be NULL for non-text tasks).
int sc_batch_alloc(sc_batch *b, const sc_dataset *d, const sc_encoded *e, size_t max_b, sc_err *err);
int sc_batch_fill(sc_batch *b, const sc_dataset *d, const sc_encoded *e, const uint32_t *idx, size_t n, sc_err *err);
void sc_batch_free(sc_batch *b);

#endif
