// pretrain_impl.h — the state of one pretraining run, shared by pretrain.c
// (setup and steps) and pretrain_files.c (resume state and result file).
// Private to src/pretrain/.
#ifndef SC_PRETRAIN_IMPL_H
#define SC_PRETRAIN_IMPL_H

#include "autograd/engine.h"
#include "models/model.h"
#include "optim/optim.h"
#include "pretrain/mlm.h"
#include "pretrain/pretrain.h"
#include "text/vocab.h"

typedef struct pt_opts {
    long steps, stop_at, batch, warmup, max_tokens, min_freq, max_vocab, valid_texts, eval_every, save_every, threads,
        log_every, arena_mb;
    double lr, min_lr, weight_decay, clip, mask_prob;
} pt_opts;

// The loss curve: one point per evaluation (step 0 = before training).
typedef struct pt_curve {
    long *step;
    double *train, *valid;  // train: mean loss of the steps since the previous point (NaN at step 0)
    size_t n, cap;
} pt_curve;

typedef struct pt_run {
    const sc_pretrain_cfg *c;
    const char *corpus_name, *digest;
    sc_config run_cfg, model_cfg;  // the run's keys (defaults applied) and the architecture's overrides
    pt_opts o;
    const sc_model_def *def;
    sc_vocab vocab;
    int have_vocab;
    int32_t mask_id;
    // Encoded texts: text i is ids[off[i] .. off[i] + len[i]) ([CLS] first).
    int32_t *ids;
    size_t *off;
    uint32_t *len;
    size_t n;
    uint32_t *train, *valid, *order;  // order: this epoch's permutation of train
    size_t n_train, n_valid;
    long order_epoch;
    sc_model model;
    int have_model;
    sc_params head;
    int have_head;
    sc_mlm_head mh;
    sc_tensor *theta[SC_PARAMS_MAX];  // the model's parameters, then the head's
    int n_theta;
    sc_optim opt;
    int have_opt;
    sc_ctx ctx;
    int have_ctx;
    sc_schedule sched;
    sc_mlm_rule rule;
    int32_t *targets;  // (batch, max_tokens) scratch
    float *maskbuf;    // (batch, max_tokens) scratch
    long step;         // steps taken
    double tokens;     // real tokens seen in training steps
    double acc_sum;    // training losses since the last curve point, and their count
    long acc_n;
    double seconds;    // training time over every invocation
    pt_curve curve;
    char key[65];      // sha256 of what determines the run (arch, configs, seed, corpus digest)
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
void pt_curve_free(pt_curve *c);

#endif
