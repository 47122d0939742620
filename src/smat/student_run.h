// student_run.h — one simulatability experiment as a library call: a student
// trained on N teacher-labelled examples (with the teacher's explanations, and
// optionally meta-learning the teacher explainer), scored on the test split.
// `scaffold train-student` parses argv into an sc_student_run_cfg and prints the
// outcome; the runner's child processes, the bench and the tests call the same.
//
//     sc_student_run_cfg c = sc_student_run_defaults();
//     c.teacher_ckpt = "runs/teacher";  c.explainer = "attention";  c.learn = 1;
//     c.n = 500;  c.seed = 2;  c.out = "runs/smat-s2";
//     sc_student_outcome o;
//     if (sc_student_run(&c, &o, &err)) fprintf(stderr, "%s\n", err.msg);
//     printf("%.4f\n", o.simulatability);
//     sc_student_outcome_free(&o);
//
// Configuration layers, lowest first: the paper's student trainer (SGD, lr 5e-3,
// clip 5, weight decay 0.01, 30 epochs, patience 5; batch 32 text, 16 otherwise),
// students/configs/<task>.yaml (or config_path), then `sets` ("k=v": trainer
// keys, SMaT keys (sc_student_spec), `teacher.K` for the teacher explainer,
// `student_explainer.K` for the student's, every other key the architecture's).
#ifndef SC_SMAT_STUDENT_RUN_H
#define SC_SMAT_STUDENT_RUN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/err.h"
#include "io/checkpoint.h"
#include "smat/student.h"
#include "train/setup.h"

typedef struct sc_student_run_cfg {
    const char *teacher_ckpt;   // a checkpoint file, or the folder holding teacher.ckpt (this, or:)
    const char *teacher_arch;   // a fresh teacher of this architecture, random weights seeded by `seed`
    char *const *teacher_sets;  //   (benchmarks, checks; needs task): its n_teacher_sets "k=v" keys
    int n_teacher_sets;
    const char *explainer;      // an explainer name, or "none" (required unless explainer_ckpt)
    const char *explainer_ckpt; // a learned explainer saved by a SMaT run (io/explainer_ckpt.h), used
                                //   frozen as a static explainer; the teacher must be the one it was
                                //   learned on; its settings are the file's (no teacher.K keys)
    const char *task;           // NULL: the checkpoint's task (a different one is an error)
    const char *arch;           // NULL: the config file's `arch`, else the modality's default
    const char *config_path;    // NULL: students/configs/<task>.yaml when it exists
    char *const *sets;          // n_sets "k=v" overrides
    int n_sets;
    size_t n;                   // training examples drawn from the student pool (0: all of it)
    uint64_t seed;
    int learn;                  // meta-learn the teacher explainer (SMaT)
    const char *label;          // the row name for `scaffold compare` (NULL: explainer, or smat)
    const char *out;            // folder for metrics.msgpack (created); NULL writes nothing
    const char *init;           // a pretrained backbone to start the student from (io/backbone.h); it
                                //   must be the one the teacher's vocabulary came from
    FILE *log;                  // progress lines (NULL: quiet)
} sc_student_run_cfg;

// seed 1, n 0 (the whole pool), no meta-learning, log = stderr.
sc_student_run_cfg sc_student_run_defaults(void);

// What a run measured. Owns its coefficient arrays: sc_student_outcome_free.
typedef struct sc_student_outcome {
    char task[64], arch[64], teacher_arch[64], explainer[64], student_explainer[64];
    int regression, learn;
    size_t n_train, n_valid, n_test;
    uint64_t seed;
    double simulatability;      // test agreement with the teacher (regression: pearson vs the teacher)
    double accuracy;            // test accuracy vs gold (regression: pearson vs gold)
    double rmse;                // regression: vs the teacher, in target units
    double chance;              // classification: the agreement of a constant student (majority share)
    double best_valid;          // the kept student's validation simulatability
    long best_epoch, epochs_run, steps, meta_steps;
    int stopped_by;             // SC_STOP_* (train/trainer.h): patience, the epoch cap or max_steps
    double student_step_seconds, meta_step_seconds;
    double meta_first, meta_last;  // mean outer loss of the first and last epoch with meta steps
    int n_phi, n_psi;              // teacher / student explainer coefficients
    float *phi_before, *phi_after, *psi_before, *psi_after;
    double beta;
    double teacher_temperature; // a learned temperature (learn_temperature) at the end, else 0
    char metrics_path[1024];    // where the result file went ("" if out was NULL)
    char explainer_ckpt_path[1024];  // learn with out: the learned explainer (OUT/explainer.ckpt), else ""
} sc_student_outcome;

// A run's state once everything is built and before training: the teacher (with
// its predictions on every split as the simulation targets), the resolved
// configuration, the task's pipeline, the student, the SMaT state with both
// explainers, the step context and the splits. sc_student_run opens one,
// trains, scores and closes it; callers that drive steps themselves (`scaffold
// bench meta`, tests) open one and use its fields. Heap-allocated (configs and
// models are tens of KiB each). Fields are read-only to callers unless stated.
typedef struct sc_student_env {
    sc_ckpt_extra x;                   // the teacher checkpoint's extras (vocabulary, task)
    sc_model teacher, student;
    sc_pipeline pipe;
    sc_ctx ctx;                        // the step arena (callers may use it)
    sc_student st;                     // SMaT state: explainers, losses, meta optimizer
    sc_run_config rc;                  // resolved student configuration (trainer + the rest)
    sc_config model_cfg, smat_cfg, tcfg, scfg;  // rc split by consumer
    sc_train_opts opts;
    sc_student_cfg scf;
    sc_train_result res;
    const sc_model_def *def;           // the student architecture
    const char *task;
    const char *explainer;             // cfg's, or the explainer checkpoint's
    struct sc_explainer_ckpt *eck;     // cfg->explainer_ckpt, opened
    struct sc_backbone *init;          // cfg->init, opened
    int have_teacher, have_pipe, have_student, have_ctx, have_st;
    uint32_t *pool, *train, *valid, *test;  // student pool, the seeded training subset, valid, test
    size_t n_pool, n_train, n_valid, n_test;
    int32_t *pc;                       // (n_test) scratch for scoring
    float *ps, *agree, *gold, *tscore;
} sc_student_env;

// Builds it (no training). 0, or -1 with err and *env NULL.
int sc_student_env_open(sc_student_env **env, const sc_student_run_cfg *cfg, sc_err *err);
// Frees everything; NULL is a no-op.
void sc_student_env_close(sc_student_env *env);

// Runs it. 0, or -1 with err naming what failed (nothing is written under out
// unless the run completes: the result file is written atomically at the end).
int sc_student_run(const sc_student_run_cfg *cfg, sc_student_outcome *out, sc_err *err);

// The checkpoint file a --teacher-ckpt argument names: DIR/teacher.ckpt for a
// folder (a train-teacher output), else the argument itself. Into path; returns it.
const char *sc_student_teacher_ckpt_path(const char *arg, char *path, size_t cap);
// The outcome as `scaffold train-student` prints it (a few lines).
void sc_student_outcome_print(FILE *f, const sc_student_outcome *o);
// Frees the arrays; a no-op on a zeroed or already freed outcome.
void sc_student_outcome_free(sc_student_outcome *o);

// The student run's own default of a trainer key (it replaces the trainer's:
// AdamW, lr 1e-3, 40 epochs, ...), or NULL where the trainer's default stands.
// batch_size is 32 for text students and 16 otherwise.
const char *sc_student_trainer_default(const char *key);

#endif
