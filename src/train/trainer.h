// trainer.h — the one training loop, for teachers and students.
//
// Each step: a shuffled batch of the training indices, a forward pass in
// training mode, the loss (cross-entropy against the given labels, or MSE
// against the given targets for regression) plus an optional extra term (the
// students' explanation loss), the gradient, an optimizer step with clipping and
// the learning-rate schedule, and an optional after-step hook (the SMaT meta
// step). After each epoch the model is evaluated on the validation indices;
// the best parameters (model and extra) are kept, and training stops after `patience` epochs
// without improvement. The best parameters are restored at the end.
//
// Labels and targets are arrays indexed by dataset example: gold labels for a
// teacher, the teacher's predictions for a student (then the validation metric
// is agreement with the teacher: simulatability).
#ifndef SC_TRAIN_TRAINER_H
#define SC_TRAIN_TRAINER_H

#include <stdio.h>

#include "core/config.h"
#include "optim/optim.h"
#include "train/pipeline.h"

// The trainer's keys (defaults and help); configs mix them with model keys.
extern const sc_config_spec sc_trainer_spec[];

typedef struct sc_train_opts {
    sc_optim_cfg optim;
    sc_schedule sched;      // total is filled in from epochs × steps per epoch
    double lr;
    long epochs, batch_size, patience, eval_batch, max_steps, threads, log_every, arena_mb;
} sc_train_opts;

// Reads the trainer keys of cfg (defaults applied by the caller or here).
int sc_train_opts_from_config(sc_train_opts *o, sc_config *cfg, sc_err *err);

// What the after-step hook sees: the step just taken.
typedef struct sc_train_step {
    sc_model *m;
    sc_optim *opt;           // the trainer's optimizer (θ = the model's params, then the extra ones)
    double lr;               // the learning rate of this step
    long step;               // steps taken so far (1 after the first)
    long total;              // the run's step budget (epochs x steps per epoch, or max_steps)
    long epoch;
    const uint32_t *idx;     // the batch's dataset indices
    size_t n;
    const sc_inputs *in;     // the batch (step-arena tensors, valid until the hook returns)
} sc_train_step;

typedef struct sc_train_hooks {
    void *user;
    // Adds to the loss (may be NULL). idx: the batch's dataset indices.
    sc_tensor *(*extra_loss)(void *user, sc_ctx *ctx, const sc_model *m, const sc_inputs *in,
                             const sc_model_state *st, const uint32_t *idx, size_t n);
    int want_state;  // pass a filled state to extra_loss
    // Runs after every optimizer step (e.g. a meta step); non-zero stops with an
    // error. The ctx still holds the step's tape; the hook may rewind it.
    int (*after_step)(void *user, sc_ctx *ctx, const sc_train_step *s, sc_err *err);
    // Runs after each epoch's evaluation (may be NULL), e.g. to close a curve.
    void (*after_epoch)(void *user, long epoch);
} sc_train_hooks;

// Per-epoch curves are kept in full: `epochs` may not exceed this (a config
// asking for more is an error naming the limit, never a silently cut curve).
#define SC_MAX_EPOCHS 1024

// Why training ended: the patience ran out (converged by validation), the
// epoch cap or the step budget (max_steps) stopped it.
enum { SC_STOP_PATIENCE = 1, SC_STOP_EPOCHS, SC_STOP_STEPS };
const char *sc_stop_name(int stopped_by);  // "patience", "epochs", "max_steps"

typedef struct sc_train_result {
    long steps, epochs_run, best_epoch;
    int stopped_by;             // SC_STOP_*
    double best_valid;          // accuracy, or pearson for regression
    double seconds;
    double step_seconds;        // inside the optimizer steps (forward, backward, update), hooks excluded
    double hook_seconds;        // inside after_step
    double valid_curve[SC_MAX_EPOCHS];  // per epoch
    double loss_curve[SC_MAX_EPOCHS];   // mean training loss per epoch
    int n_curve;
} sc_train_result;

typedef struct sc_trainer {
    sc_pipeline *pipe;
    sc_model *model;
    sc_train_opts opts;
    const uint32_t *train_idx, *valid_idx;
    size_t n_train, n_valid;
    const int32_t *labels;   // (dataset n,) classification targets
    const float *targets;    // (dataset n,) regression targets
    sc_params *extra;        // optional parameters trained jointly (a student explainer's ψ), or NULL
    uint64_t seed;
    sc_train_hooks hooks;
    FILE *log;               // progress output (NULL = quiet)
    const char *label;       // progress prefix
} sc_trainer;

int sc_train(sc_trainer *t, sc_ctx *ctx, sc_train_result *res, sc_err *err);

// Predictions of the model on `idx` (no grad, eval mode, batches of eval_batch):
// argmax classes into pred_class, or scores into pred_score (regression). Either may be NULL.
int sc_predict(sc_pipeline *p, const sc_model *m, sc_ctx *ctx, const uint32_t *idx, size_t n, long eval_batch,
               int32_t *pred_class, float *pred_score, sc_err *err);

// Metric of predictions on idx against labels / targets: accuracy, or pearson for regression.
int sc_evaluate(sc_pipeline *p, const sc_model *m, sc_ctx *ctx, const uint32_t *idx, size_t n, long eval_batch,
                const int32_t *labels, const float *targets, double *metric, double *rmse, sc_err *err);

#endif
