// xbl_run.h — explanation-based learning as a library call: a model trained on
// a task with a decoy, penalised for the saliency it puts off the object
// (explain/xbl_losses.h), then measured on how much it still relies on the decoy.
// `scaffold train-xbl` parses argv into an sc_xbl_run_cfg and prints the outcome.
//
//     sc_xbl_run_cfg c = sc_xbl_run_defaults();
//     c.task = "decoy-fashion-mnist";  c.out = "runs/xbl";
//     char *sets[] = {"method=distance", "lambda=10"};  c.sets = sets;  c.n_sets = 2;
//     sc_xbl_outcome o;
//     if (sc_xbl_run(&c, &o, &err)) fprintf(stderr, "%s\n", err.msg);
//
// Training: teacher-train split, early stopping on teacher-valid (whose decoys,
// like the training split's, agree with the label), loss = CE + lambda L_expl.
// The saliency is the model's input gradient (explain/xbl_losses.h), taken in
// evaluation mode (no dropout) on a second forward pass whose input is a leaf.
//   method none:      plain training (the baseline)
//   method rrr:       L_rrr with the decoy mask as the wrong region
//   method distance:  L_dist with the distance map of the object mask
//   method concept-prune: train plainly, find the training split's concepts,
//                     drop (or mask the decoy of) the examples of concepts that
//                     rest on the decoy, and train afresh (smat/xbl_concepts.c)
// Configuration: the teacher's layers (trainer and architecture keys,
// teachers/configs/<task>.yaml) plus this file's keys (sc_xbl_spec).
//
// Measured on the test split, whose decoy carries no information (the task's
// generator randomises it there):
//   test_accuracy     the test images as they are (decoy present, uninformative:
//                     the swap test)
//   clean_accuracy    the same images with the decoy erased (its pixels set to 0)
//   decoy_reliance    mean over examples of the share of squared input gradient
//                     (of sum_k log p_k) that falls on the decoy's pixels
//   distance_score    mean over examples of L_dist (0: all saliency on the object)
// and on teacher-valid: decoyed_accuracy (decoys that agree with the label).
// OUT/metrics.msgpack (io/results.h, kind "xbl") is written atomically.
#ifndef SC_SMAT_XBL_RUN_H
#define SC_SMAT_XBL_RUN_H

#include <stdint.h>
#include <stdio.h>

#include "core/config.h"
#include "core/err.h"

extern const sc_config_spec sc_xbl_spec[];

typedef struct sc_xbl_run_cfg {
    const char *task;         // an image task with decoy and object masks (required)
    const char *arch;         // NULL: as for a teacher (config file, else the modality's default)
    const char *config_path;  // NULL: teachers/configs/<task>.yaml when it exists
    char *const *sets;        // n_sets "k=v": xbl keys, trainer keys, architecture keys
    int n_sets;
    uint64_t seed;
    const char *out;          // folder for metrics.msgpack (required; created)
    FILE *log;                // progress lines (NULL: quiet)
} sc_xbl_run_cfg;

sc_xbl_run_cfg sc_xbl_run_defaults(void);  // seed 1, log = stderr

typedef struct sc_xbl_outcome {
    char task[64], arch[64], method[16];
    double lambda;
    uint64_t seed;
    size_t n_train, n_valid, n_test;
    double test_accuracy, clean_accuracy, decoy_reliance, distance_score, decoyed_accuracy;
    long best_epoch, epochs_run, steps;
    int stopped_by;
    double seconds;
    int n_concepts, n_flagged;  // concept-prune: concepts found, flagged (else 0)
    long long n_acted;          // concept-prune: training examples pruned or masked
    char metrics_path[1024];
} sc_xbl_outcome;

void sc_xbl_outcome_print(FILE *f, const sc_xbl_outcome *o);
// Trains, measures and writes. 0, or -1 with err naming what failed.
int sc_xbl_run(const sc_xbl_run_cfg *cfg, sc_xbl_outcome *out, sc_err *err);

#endif
