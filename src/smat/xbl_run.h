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
// evaluation mode (no dropout) on a second forward pass: for images of the
// pixels (a leaf copy of the batch), for text of the token embeddings (the rows
// gathered from the embedding table, so the penalty reaches the table too), a
// token's saliency being its squared gradient summed over the embedding dim.
// With saliency=gradcam (images; a model with a feature map over its cell grid,
// i.e. --model cnn) it is instead the Grad-CAM of that map (sc_xbl_gradcam),
// and the losses act on its cells, a cell's wrong-region value being the share
// of its pixels on the decoy and its distance the mean over its pixels
// (xbl_gradcam.c). The measures below use the input gradient whatever the
// training saliency, so every row is read with the same instrument.
//   method none:      plain training (the baseline)
//   method rrr:       L_rrr with the decoy mask (pixels or tokens) as the wrong region
//   method distance:  L_dist with the distance map of the object mask: images the
//                     2-D Euclidean transform over the image diagonal; text
//                     |position - nearest object word| / the sentence's word count
//   method concept-prune: train plainly, find the training split's concepts,
//                     drop (or erase the decoy of) the examples of concepts that
//                     rest on the decoy, and train afresh (smat/xbl_concepts.c)
// Text units are the sentence's words: [CLS] and padding count in no measure
// and no loss (xbl_losses.h).
// Configuration: the teacher's layers (trainer and architecture keys,
// teachers/configs/<task>.yaml) plus this file's keys (sc_xbl_spec).
//
// Measured on the test split, whose decoy carries no information (the task's
// generator randomises it there):
//   test_accuracy     the test examples as they are (decoy present, uninformative)
//   clean_accuracy    the same with the decoy erased: images its pixels set to 0;
//                     text the decoy token deleted from the sequence
//   swap_accuracy     the same with the decoy of another class, (y + floor(K/2))
//                     mod K (the farthest code when codes are ordinal, as shades are):
//                     images that class's patch (shade and size, read off a
//                     teacher-train example) moved to the diagonally opposite
//                     corner; text that class's decoy token in place of its own
//   decoy_reliance    mean over examples of the share of squared input gradient
//                     (of sum_k log p_k) that falls on the decoy's pixels / tokens
//   distance_score    mean over examples of L_dist (0: all saliency on the object)
// and on teacher-valid (decoys agree with the label): decoyed_accuracy, and
// valid_clean_accuracy (decoy erased as above) — the measure to choose lambda by
// without looking at test. Files (written atomically) in OUT:
//   metrics.msgpack   io/results.h, kind "xbl"
//   saliency.msgpack  the final model's saliency on the first 8 test examples
//   concepts.msgpack  concept-prune: the concept map (format: xbl_files.c)
#ifndef SC_SMAT_XBL_RUN_H
#define SC_SMAT_XBL_RUN_H

#include <stdint.h>
#include <stdio.h>

#include "core/config.h"
#include "core/err.h"

extern const sc_config_spec sc_xbl_spec[];
extern const char *const sc_xbl_methods[];  // "none", "rrr", "distance", "concept-prune" (NULL-terminated)

// The xbl keys (sc_xbl_spec) of one run, parsed and range-checked.
typedef struct sc_xbl_options {
    int method;               // index into sc_xbl_methods
    double lambda;            // [0, 1e6]
    int gradcam;              // saliency: 0 input-gradient, 1 gradcam
    int target_logit;         // saliency_target: 0 logprobs, 1 label
    int concept_mask;         // concept_action: 0 prune, 1 mask
    int concept_k_max;        // 2..16
    double concept_threshold; // [0, 1]
} sc_xbl_options;

// Fills xcfg's missing xbl keys with their defaults and parses them; an error
// names the key and its allowed values. Used by the run and by manifest
// validation (so `scaffold run --dry-run` finds a bad value before anything runs).
int sc_xbl_options_parse(sc_config *xcfg, sc_xbl_options *o, sc_err *err);
// 1 if `key` (without "=value") is one of sc_xbl_spec's.
int sc_xbl_is_key(const char *key, size_t len);

typedef struct sc_xbl_run_cfg {
    const char *task;         // a task with decoy and object masks: images or text (required)
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
    double swap_accuracy, valid_clean_accuracy;
    long best_epoch, epochs_run, steps;
    int stopped_by;
    double seconds;
    int n_concepts, n_flagged;  // concept-prune: concepts found, flagged (else 0)
    long long n_acted;          // concept-prune: training examples pruned or masked
    char metrics_path[1024], saliency_path[1024];
    char concepts_path[1024];   // concept-prune only (else "")
} sc_xbl_outcome;

void sc_xbl_outcome_print(FILE *f, const sc_xbl_outcome *o);
// Trains, measures and writes. 0, or -1 with err naming what failed.
int sc_xbl_run(const sc_xbl_run_cfg *cfg, sc_xbl_outcome *out, sc_err *err);

#endif
