// checkpoint.h — a trained model on disk: one msgpack map (format below; layers: src/README.md).
//
//   format   "scaffold-checkpoint"
//   version  1
//   kind     "teacher" | "student"          (the model definition's role)
//   arch     the definition's name          (looked up in the registry on load)
//   config   {key: value}                   the resolved hyperparameters, as strings
//   shape    {modality, n_outputs, regression, vocab_size, max_tokens, C, H, W, F}
//   task     the task's name ("" if none)
//   vocab    the vocabulary (text/vocab.h map), or nil
//   tensors  [{name, dtype "f32"|"f64", shape [..], data bin (little-endian)}]
//            every parameter, in creation order
//   rng      [4 unsigned integers]          training generator state
//   step     optimizer steps taken
//   metrics  {name: float}                  e.g. test accuracy, target mean/std
//   pretrain {objective, corpus, corpus_digest}   only in a pretrained backbone's file
//            (scaffold pretrain): what it learned from; absent otherwise
//   checksum sha256 (lowercase hex) of, for each tensor in order: its name, a
//            0 byte, its dtype, a 0 byte, each dimension as an 8-byte
//            little-endian integer, then its data bytes
//
// Saving packs in memory and writes through sc_atomic_write (temp file in the
// same folder, fsync, rename): a failed save never leaves a partial file. The
// bytes are a pure function of the model and the extras, so the same seed gives
// the same file.
//
// Loading reads untrusted bytes: the structure is walked with bounds checks
// before msgpack-c sees it (io/mpcheck.h), every field's type is checked before
// use, the checksum is verified, and the model is rebuilt from the saved config
// and shape so every tensor's name, dtype and shape is checked against what the
// architecture builds. Every error names the file and what is wrong.
#ifndef SC_IO_CHECKPOINT_H
#define SC_IO_CHECKPOINT_H

#include <stdint.h>

#include "core/rng.h"
#include "models/model.h"
#include "text/vocab.h"

#define SC_CKPT_FORMAT "scaffold-checkpoint"
#define SC_CKPT_VERSION 1
#define SC_CKPT_NAME_MAX 64
#define SC_CKPT_MAX_METRICS 32

// Everything besides the model. Initialize with sc_ckpt_extra_init; after a load,
// release with sc_ckpt_extra_free. Do not copy a loaded one by value (vocab
// points into it).
typedef struct sc_ckpt_extra {
    char task[SC_CKPT_NAME_MAX];
    const sc_vocab *vocab;   // save: the vocabulary to store (NULL: nil); load: &vocab_store or NULL
    sc_vocab vocab_store;    // load: the restored vocabulary (owned)
    sc_rng rng;
    int64_t step;
    int n_metrics;
    char metric_name[SC_CKPT_MAX_METRICS][SC_CKPT_NAME_MAX];
    double metric[SC_CKPT_MAX_METRICS];
    // A pretrained backbone's provenance; objective "" = not pretrained (no field).
    char pre_objective[SC_CKPT_NAME_MAX], pre_corpus[SC_CKPT_NAME_MAX], pre_digest[65];
} sc_ckpt_extra;

void sc_ckpt_extra_init(sc_ckpt_extra *x);
void sc_ckpt_extra_free(sc_ckpt_extra *x);
// Adds or overwrites a metric.
int sc_ckpt_extra_set_metric(sc_ckpt_extra *x, const char *name, double value, sc_err *err);
// 1 and *value if the metric is present, else 0.
int sc_ckpt_extra_metric(const sc_ckpt_extra *x, const char *name, double *value);

// extra may be NULL (empty task, nil vocabulary, zero rng and step, no metrics).
int sc_checkpoint_save(const char *path, const sc_model *m, const sc_ckpt_extra *extra, sc_err *err);

// Rebuilds the model the file describes (architecture from the registry) and
// fills *m (free with sc_model_free) and, if extra is non-NULL, *extra. On
// failure nothing is left allocated.
int sc_checkpoint_load(const char *path, sc_model *m, sc_ckpt_extra *extra, sc_err *err);
// The same with an explicit definition, which must match the file's kind and arch
// (for definitions outside the registry, e.g. in tests).
int sc_checkpoint_load_as(const char *path, const sc_model_def *def, sc_model *m, sc_ckpt_extra *extra,
                          sc_err *err);
// The same on a checkpoint's bytes held in memory (the loaders read the file and
// call this); `name` prefixes errors; def may be NULL (the registry's).
int sc_checkpoint_load_buf(const char *name, const uint8_t *buf, size_t n, const sc_model_def *def, sc_model *m,
                           sc_ckpt_extra *extra, sc_err *err);

// Used by both directions: feeds one tensor into the checksum.
struct sc_sha256;
void sc_ckpt_hash_tensor(struct sc_sha256 *h, const char *name, size_t name_len, const char *dtype, int ndim,
                         const int64_t *shape, const void *data, size_t nbytes);

// ---- shared with other files holding parameters (io/explainer_ckpt.h) ----
struct msgpack_packer;
struct msgpack_object;
// Packs p as the `tensors` list above; checksum_hex gets its checksum. A NULL
// packer only computes the checksum.
int sc_ckpt_pack_params(struct msgpack_packer *pk, const sc_params *p, char checksum_hex[65], sc_err *err);
// The checksum a checkpoint of these parameters records: a model's identity
// (an explainer checkpoint names its teacher by it).
int sc_params_checksum(const sc_params *p, char hex[65], sc_err *err);
// Restores p from a `tensors` list and its `checksum` string (untrusted:
// every tensor checked, the checksum verified, names, dtypes and shapes must be
// exactly p's). `what` names p in errors. Nothing is copied unless all pass.
int sc_ckpt_unpack_params(const struct msgpack_object *tensors, const struct msgpack_object *checksum, sc_params *p,
                          const char *what, sc_err *err);

#endif
