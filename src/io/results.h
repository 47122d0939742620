// results.h — one msgpack result file per run, readable from Python:
//   import msgpack; r = msgpack.unpackb(open("metrics.msgpack", "rb").read())
//   {format: "scaffold-result", version: 1, kind, task, arch, seed,
//    config: {model: {k: v}, trainer: {k: v}}, metric: {name, value}, rmse,
//    train: {steps, stopped_by, epochs_run, best_epoch, best_valid, seconds, valid_curve: [..],
//           loss_curve: [..]},
//    init: nil (from scratch) or {path, sha256, objective, corpus, corpus_digest}}
// Written atomically (temp file, fsync, rename).
#ifndef SC_IO_RESULTS_H
#define SC_IO_RESULTS_H

#include <stdint.h>

#include "core/config.h"
#include "train/trainer.h"

// The pretrained backbone a run started from (--init): the checkpoint's path
// and sha256 (the bytes, so a retrained backbone is a different start), and
// what it was pretrained on.
typedef struct sc_result_init {
    const char *path, *sha256, *objective, *corpus, *corpus_digest;
} sc_result_init;

typedef struct sc_result_run {
    const char *kind, *task, *arch;
    uint64_t seed;
    const sc_config *cfg_model, *cfg_trainer;
    const sc_train_result *train;
    const char *metric_name;
    double metric;
    double rmse;  // < 0: not applicable
    const sc_result_init *init;  // NULL: from scratch
} sc_result_run;

int sc_result_write(const char *path, const sc_result_run *r, sc_err *err);

// A student run (scaffold train-student):
//   {format, version, kind: "student", task, arch, teacher_arch, explainer, explainer_ckpt ("" or
//    the learned explainer's file, used frozen),
//    student_explainer, learn_explainer (bool), n, seed,
//    config: {model, trainer, smat, teacher_explainer, student_explainer},
//    test: {simulatability, accuracy, [chance for classification], [pearson, rmse, gold_pearson for regression], n,
//           per_example: {agree, gold_correct} (0/1 floats, classification) or
//                        {student_score, teacher_score, sq_error} (regression)},
//    train: {steps, stopped_by ("patience" | "epochs" | "max_steps"), epochs_run, best_epoch,
//           best_valid, seconds, valid_curve, loss_curve},
//    meta: {steps, loss_curve (outer loss averaged per epoch)},
//    timing: {student_step_seconds, meta_step_seconds} (means per step),
//    explainer_params: {teacher_before, teacher_after, student_before, student_after}
//    (head coefficients; empty when the explainer has none),
//    init: nil or the backbone (as for sc_result_run)}
// Per-example arrays and coefficients are arrays of floats.
typedef struct sc_result_student {
    const char *task, *arch, *teacher_arch, *explainer, *student_explainer;
    const char *label;  // NULL: the explainer's name, "smat" when learned, "smat-transfer" from a checkpoint
    const char *explainer_ckpt;  // the learned explainer used frozen (a path), or NULL
    long n;
    uint64_t seed;
    int learn, regression;
    const sc_config *cfg_model, *cfg_trainer, *cfg_smat, *cfg_texpl, *cfg_sexpl;  // any may be NULL
    const sc_train_result *train;
    double simulatability, accuracy;   // accuracy: vs gold (classification), pearson vs gold (regression)
    double chance;                     // classification: the agreement of a constant student (the share
                                       // of the teacher's most frequent test prediction)
    double pearson, rmse;              // regression, vs the teacher
    size_t n_test;
    const float *agree, *gold_correct;              // (n_test) classification
    const float *student_score, *teacher_score;     // (n_test) regression
    const double *meta_curve;
    int n_meta_curve;
    long meta_steps;
    double student_step_seconds, meta_step_seconds;
    const float *phi_before, *phi_after, *psi_before, *psi_after;
    int n_phi, n_psi;
    const sc_result_init *init;  // NULL: from scratch
} sc_result_student;

int sc_result_write_student(const char *path, const sc_result_student *r, sc_err *err);

// An explanation-based learning run (scaffold train-xbl, smat/xbl_run.h):
//   {format, version, kind: "xbl", task, arch, seed, method, lambda,
//    config: {model, trainer, xbl},
//    test: {accuracy, clean_accuracy, swap_accuracy, decoy_reliance, distance_score, n},
//    valid: {decoyed_accuracy, clean_accuracy, n}, train: {...as above}, created_by,
//    and for concept-prune: concepts: {k, silhouette, action, n_acted, first_valid,
//                                     size: [..], decoy_share: [..], purity: [..], flagged: [..]}}
typedef struct sc_result_xbl {
    const char *task, *arch, *method;
    double lambda;
    uint64_t seed;
    const sc_config *cfg_model, *cfg_trainer, *cfg_xbl;
    const sc_train_result *train;
    double test_accuracy, clean_accuracy, decoy_reliance, distance_score, decoyed_accuracy;
    double swap_accuracy, valid_clean_accuracy;
    size_t n_test, n_valid;
    int n_concepts;  // 0: no concepts section
    double silhouette, first_valid;
    const char *concept_action;
    int64_t n_acted;
    const int64_t *concept_size;
    const double *concept_decoy_share, *concept_purity;
    const int *concept_flagged;
} sc_result_xbl;

int sc_result_write_xbl(const char *path, const sc_result_xbl *r, sc_err *err);

#endif
