// teacher_run.h — training a teacher as a library call: the model whose
// predictions students learn to simulate and whose explanations they are given.
// `scaffold train-teacher` parses argv into an sc_teacher_run_cfg and prints the
// outcome; the runner's child processes and the tests call the same.
//
//     sc_teacher_run_cfg c = sc_teacher_run_defaults();
//     c.task = "movie-reviews";  c.seed = 1;  c.out = "runs/teacher";
//     sc_teacher_outcome o;
//     if (sc_teacher_run(&c, &o, &err)) fprintf(stderr, "%s\n", err.msg);
//     printf("%.4f\n", o.metric);   // test accuracy (regression: pearson)
//
// Configuration layers, lowest first: the trainer's defaults (train/trainer.h),
// teachers/configs/<task>.yaml (or config_path), then `sets` ("k=v": trainer
// keys, every other key the architecture's). The run writes OUT/teacher.ckpt
// (bit-identical for the same seed and configuration: no wall-clock times in
// it) and OUT/metrics.msgpack (io/results.h), each atomically.
#ifndef SC_SMAT_TEACHER_RUN_H
#define SC_SMAT_TEACHER_RUN_H

#include <stdint.h>
#include <stdio.h>

#include "core/err.h"

typedef struct sc_teacher_run_cfg {
    const char *task;          // a task name or folder (required)
    const char *arch;          // NULL: the config file's `arch`, or without one the modality's default (sc_run_default_arch)
    const char *config_path;   // NULL: teachers/configs/<task>.yaml when it exists
    char *const *sets;         // n_sets "k=v" overrides
    int n_sets;
    uint64_t seed;
    const char *out;           // folder for teacher.ckpt and metrics.msgpack (required; created)
    const char *init;          // a pretrained backbone to start from (io/backbone.h), or NULL
    FILE *log;                 // progress lines (NULL: quiet)
} sc_teacher_run_cfg;

// seed 1, log = stderr.
sc_teacher_run_cfg sc_teacher_run_defaults(void);

// What a run measured (plain values: nothing to free).
typedef struct sc_teacher_outcome {
    char task[64], arch[64];  // the task's name (also when given by folder)
    uint64_t seed;
    int regression;
    size_t n_train, n_valid, n_test;
    long long n_params;
    double metric;            // test accuracy (regression: test pearson)
    double rmse;              // regression: test rmse in the task's units (else -1)
    double best_valid;        // validation accuracy / pearson of the kept model
    long best_epoch, epochs_run, steps;
    int stopped_by;           // SC_STOP_* (train/trainer.h)
    double seconds;           // training wall-clock time
    char ckpt_path[1024], metrics_path[1024];
} sc_teacher_outcome;

// The outcome as `scaffold train-teacher` prints it; task as the user gave it
// (a name or a folder).
void sc_teacher_outcome_print(FILE *f, const char *task, const sc_teacher_outcome *o);
// Trains, tests and writes. 0, or -1 with err naming what failed.
int sc_teacher_run(const sc_teacher_run_cfg *cfg, sc_teacher_outcome *out, sc_err *err);

#endif
