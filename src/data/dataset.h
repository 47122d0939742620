// dataset.h — a task's examples in memory, with their split assignment.
//
// One struct for all modalities; the arrays of the other modalities are NULL.
// Storage is a few large arrays (no allocation per example): text lives in one
// blob addressed by offsets, images are uint8 (n, C, H, W), features float (n, F).
#ifndef SC_DATA_DATASET_H
#define SC_DATA_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "data/read_count.h"
#include "data/task.h"

typedef struct sc_dataset {
    const sc_task *task;  // not owned
    size_t n, cap;
    int32_t *label;       // (n,) class index (classification), else 0
    float *target;        // (n,) regression target, else the class index
    uint8_t *partition;   // (n,) index into task->rules (source partition)
    uint8_t *split;       // (n,) sc_split, after sc_dataset_assign_splits

    // text
    char *blob;           // all texts, UTF-8, each NUL-terminated
    size_t blob_len, blob_cap;
    size_t *text_off;     // (n,) offset of example i's text in blob
    // ground-truth token rationales (optional): rat[rat_off[i] .. rat_off[i]+rat_len[i])
    uint8_t *rat;         // 0/1 per token (after tokenization, [CLS] excluded)
    size_t rat_used, rat_cap;
    size_t *rat_off, *rat_len;  // (n,)

    // image
    size_t C, H, W;
    uint8_t *pixels;      // (n, C, H, W), 0..255
    uint8_t *obj_mask;    // (n, H, W) optional ground truth: the object
    uint8_t *decoy_mask;  // (n, H, W) optional ground truth: the decoy patch

    // tabular
    size_t F;
    float *features;      // (n, F)

    size_t counts[SC_NSPLITS];  // examples per split

    // What the reader made of each file (read_count.h); empty for generated data.
    sc_read_count *reads;
    size_t n_reads, reads_cap;
} sc_dataset;

// Prepares an empty dataset for task t (image size / feature count from t).
int sc_dataset_init(sc_dataset *d, const sc_task *t, sc_err *err);
void sc_dataset_free(sc_dataset *d);

// Appends one example. `text` (text tasks) must be valid UTF-8 of length len;
// `pixels` (image: C*H*W bytes) or `features` (tabular: F floats) for the others.
// rationale may be NULL. Returns the new example's index or -1.
long sc_dataset_add(sc_dataset *d, int partition, int32_t label, float target, const char *text, size_t len,
                    const uint8_t *pixels, const float *features, const uint8_t *rationale, size_t rat_len,
                    sc_err *err);

static inline const char *sc_dataset_text(const sc_dataset *d, size_t i) { return d->blob + d->text_off[i]; }

// Records how a reader accounted for one file (copied).
int sc_dataset_add_count(sc_dataset *d, const sc_read_count *c, sc_err *err);

// Assigns every example a split from the task's partition rules (see task.h).
int sc_dataset_assign_splits(sc_dataset *d, sc_err *err);

// Index of the partition rule named `name` (-1 if the task has none).
int sc_dataset_partition(const sc_task *t, const char *name);

// Loads the task's data (fetched files from the cache, or the generator), then
// assigns splits. Fails if any split that has a non-zero fraction is empty.
int sc_dataset_load(const sc_task *t, sc_dataset *d, sc_err *err);

#endif
