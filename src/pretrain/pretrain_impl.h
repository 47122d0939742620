// pretrain_impl.h — the state of one pretraining run, shared by pretrain.c
// (setup and steps) and pretrain_files.c (resume state and result file).
// Private to src/pretrain/.
#ifndef SC_PRETRAIN_IMPL_H
#define SC_PRETRAIN_IMPL_H

#include "autograd/engine.h"
#include "models/model.h"
#include "optim/optim.h"
#include "pretrain/mim.h"
#include "pretrain/mlm.h"
#include "pretrain/pretrain.h"
#include "text/vocab.h"
#include "train/pipeline.h"

typedef struct pt_opts {
    long steps, stop_at, batch, warmup, max_tokens, min_freq, max_vocab, held_out, eval_every, save_every, threads,
        log_every, arena_mb;
    double lr, min_lr, weight_decay, clip, mask_prob;
} pt_opts;

// The loss curve: one point per evaluation (step 0 = before training).
typedef struct pt_curve {
    long *step;
    double *train, *valid;  // train: mean loss of the steps since the previous point (NaN at step 0)
    size_t n, cap;
} pt_curve;

struct pt_run;

// What one modality's objective provides to the generic loop (pretrain.c).
typedef struct pt_objective {
    const char *name;    // the checkpoint's pretrain.objective: "masked-tokens" | "masked-cells"
    double mask_prob;    // its default share of units chosen
    // After the split: fills the model shape r->shape from the data (texts: the
    // vocabulary of the training items, then each item encoded).
    int (*prepare)(struct pt_run *r, sc_err *err);
    int (*build_head)(struct pt_run *r, sc_rng *rng, sc_err *err);
    // The mean loss over the chosen units of items idx[0..k), masks drawn from
    // rng; *units = chosen units, *seen = input units (tokens or cells).
    sc_tensor *(*loss)(struct pt_run *r, const uint32_t *idx, size_t k, sc_rng *rng, int training, size_t *units,
                       double *seen);
} pt_objective;

extern const pt_objective pt_masked_tokens, pt_masked_cells;

typedef struct pt_run {
    const sc_pretrain_cfg *c;
    const pt_objective *obj;
    const char *corpus_name, *digest;  // the data's name and identity (a corpus, or a task's images)
    sc_model_shape shape;
    sc_config run_cfg, model_cfg;  // the run's keys (defaults applied) and the architecture's overrides
    pt_opts o;
    const sc_model_def *def;
    sc_vocab vocab;
    int have_vocab;
    int32_t mask_id;
    // Texts (masked tokens): the corpus, then encoded, text i at ids[off[i] .. off[i] + len[i]) ([CLS] first).
    const char *blob;
    const size_t *text_off;
    int32_t *ids;
    size_t *off;
    uint32_t *len;
    size_t n;          // items (texts or images)
    // Images (masked cells): the task's pipeline; item i is dataset example image_idx[i].
    sc_pipeline pipe;
    int have_pipe;
    uint32_t *image_idx;
    sc_batch batch;
    int have_batch;
    uint32_t *train, *valid, *order;  // order: this epoch's permutation of train
    size_t n_train, n_valid;
    long order_epoch;
    sc_model model;
    int have_model;
    sc_params head;
    int have_head;
    sc_mlm_head mh;
    sc_mim_head ih;
    sc_tensor *theta[SC_PARAMS_MAX];  // the model's parameters, then the head's
    int n_theta;
    sc_optim opt;
    int have_opt;
    sc_ctx ctx;
    int have_ctx;
    sc_schedule sched;
    sc_mlm_rule rule;
    int32_t *targets;  // (batch, max_tokens) scratch
    float *maskbuf;    // (batch, max units) scratch
    long step;         // steps taken
    double tokens;     // real tokens seen in training steps
    double acc_sum;    // training losses since the last curve point, and their count
    long acc_n;
    double seconds;    // training time over every invocation
    pt_curve curve;
    char key[65];      // sha256 of what determines the run (arch, configs, seed, corpus digest)
    char digest_buf[65];  // images: the digest r->digest points to
} pt_run;

// Resume state (OUT/pretrain.state): format "scaffold-pretrain-state", version,
// key, step, tokens, seconds, acc_sum, acc_n, model_checksum (of the backbone's parameters),
// head (tensors + checksum, as in checkpoints), opt_t, moments [m0, v0, m1, ...]
// as little-endian binaries with moments_checksum, curve {step, train, valid}.
int pt_state_save(const pt_run *r, const char *path, sc_err *err);
// Restores head, optimizer and counters; the backbone's checksum must be `model_checksum`.
int pt_state_load(pt_run *r, const char *path, const char *model_checksum, sc_err *err);
// OUT/metrics.msgpack, kind "pretrain".
int pt_metrics_write(const pt_run *r, const char *path, sc_err *err);

int pt_curve_add(pt_curve *c, long step, double train, double valid);

// Masked cells: opens the task c->task and takes its teacher-train and
// student-pool images (labels unused) as r's items; the digest hashes their pixels.
int pt_images_open(pt_run *r, sc_err *err);

// Seeds g for one (step or epoch, purpose): nothing is carried across steps.
void pt_seed_for(sc_rng *g, uint64_t seed, long at, uint64_t purpose);
void pt_curve_free(pt_curve *c);

#endif
