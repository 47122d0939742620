// xbl_impl.h — what xbl_run.c and xbl_concepts.c share: the state of one
// explanation-based learning run. Not a public header.
#ifndef SC_SMAT_XBL_IMPL_H
#define SC_SMAT_XBL_IMPL_H

#include "explain/xbl_losses.h"
#include "smat/xbl_run.h"
#include "train/setup.h"
#include "train/trainer.h"

enum { SC_XBL_NONE, SC_XBL_RRR, SC_XBL_DISTANCE, SC_XBL_CONCEPT_PRUNE };
extern const char *const sc_xbl_methods[];  // by the enum above, NULL-terminated

#define SC_XBL_MAX_CONCEPTS 16

// What concept pruning found (xbl_concepts.c): the concepts of the training
// split under the first model, and what was done to the flagged ones.
typedef struct sc_xbl_concepts {
    int k;                                   // chosen by silhouette
    double silhouette;
    int64_t size[SC_XBL_MAX_CONCEPTS];       // training examples per concept
    double decoy_share[SC_XBL_MAX_CONCEPTS]; // mean share of saliency on the decoy
    double purity[SC_XBL_MAX_CONCEPTS];      // share of the concept's most frequent class
    int flagged[SC_XBL_MAX_CONCEPTS];
    int64_t n_acted;                         // examples pruned or masked
    double first_valid;                      // the first model's best validation accuracy
} sc_xbl_concepts;

typedef struct sc_xbl_state {
    sc_run_config rc;
    sc_config xcfg;
    sc_pipeline pipe;
    sc_model model;
    sc_ctx ctx;
    sc_train_opts opts;
    sc_train_result res;
    const sc_model_def *def;
    int have_pipe, have_model, have_ctx;
    uint64_t seed;
    int method;
    double lambda;
    sc_xbl_target target;
    int concept_mask;        // concept-prune: 1 = erase the decoy of flagged examples, 0 = drop them
    int concept_k_max;
    double concept_threshold;
    sc_xbl_concepts concepts;
    uint32_t *train, *valid, *test;
    size_t n_train, n_valid, n_test;
    float *dist;        // (max_b, H, W) distance maps of a batch
    double *scratch;    // sc_xbl_distance_map's
    int64_t *iscratch;
} sc_xbl_state;

// Concept pruning between the two trainings: finds the training split's
// concepts with the current model, flags those resting on the decoy, and drops
// (from r->train) or masks (erases the decoy pixels of) their examples.
int sc_xbl_concepts_apply(sc_xbl_state *r, FILE *log, sc_err *err);

#endif
