// xbl_impl.h — what xbl_run.c and xbl_concepts.c share: the state of one
// explanation-based learning run. Not a public header.
#ifndef SC_SMAT_XBL_IMPL_H
#define SC_SMAT_XBL_IMPL_H

#include "explain/xbl_losses.h"
#include "smat/xbl_run.h"
#include "train/setup.h"
#include "train/trainer.h"

enum { SC_XBL_NONE, SC_XBL_RRR, SC_XBL_DISTANCE, SC_XBL_CONCEPT_PRUNE };
// sc_xbl_methods (xbl_run.h) lists the methods in the order of the enum above.

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
    const char *out;         // the run's folder
    int text;                // 1: text (units are tokens), 0: images (units are pixels)
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
    int gradcam;             // saliency: 0 the input gradient, 1 Grad-CAM (xbl_gradcam.c)
    int64_t cell, gh, gw;    // gradcam: the model's cell size in pixels and its grid
    int concept_mask;        // concept-prune: 1 = erase the decoy of flagged examples, 0 = drop them
    int concept_k_max;
    double concept_threshold;
    sc_xbl_concepts concepts;
    uint32_t *train, *valid, *test;
    size_t n_train, n_valid, n_test;
    float *dist;        // (max_b, H, W) or (max_b, max_T) distance maps of a batch
    double *scratch;    // sc_xbl_distance_map's
    int64_t *iscratch;
    int64_t max_T;      // text: the longest encoded example ([CLS] included)
    uint8_t *tok_scratch;  // text: 3 max_T bytes (a row's unit, object and decoy masks)
    // The swap test's decoy of each class, read off the first teacher-train
    // example of the class that carries one (sc_xbl_swap_prepare):
    int32_t *swap_tok;  // text (K): the decoy token's id
    float *swap_shade;  // images (K, C): the patch's value per channel, in [0, 1]
    int64_t *swap_size; // images (K, 2): the patch's height and width
} sc_xbl_state;

// How a measured batch is changed before the forward pass (sc_xbl_batch_variant).
//   AS_IS:   unchanged.
//   ERASED:  the decoy removed. Images: its pixels set to 0. Text: the decoy
//            token deleted from the sequence (the later tokens move one place
//            left; the row is padded at its end).
//   SWAPPED: the decoy of another class, the one half-way round, (y + floor(K/2))
//            mod K: decoy codes may be ordinal (decoy-fashion-mnist's shades
//            grow with the class), and the neighbouring class's code is then
//            close enough to the true one to be read as it. Images: the example's
//            own patch erased and that class's patch (its shade and size) painted
//            in the corner diagonally opposite (bottom-right when the example has
//            none). Text: the decoy token replaced, in place, by that class's.
enum { SC_XBL_AS_IS, SC_XBL_ERASED, SC_XBL_SWAPPED };

// Per-token masks of example j in a padded row of T positions ([CLS] first):
// the word units (1 on words, 0 on [CLS] and padding), the object (rationale)
// and the decoy. Text only.
void sc_xbl_token_masks(const sc_xbl_state *r, uint32_t j, int64_t T, uint8_t *unit, uint8_t *obj, uint8_t *decoy);
// The distance map of example j over a row of T tokens: 0 on [CLS] and padding,
// sc_xbl_distance_map_1d over the words (normalised by the word count).
void sc_xbl_token_distance(const sc_xbl_state *r, uint32_t j, int64_t T, float *dist);
// The gold labels (n) i32 of examples idx, for saliency_target=label.
sc_tensor *sc_xbl_gold(const sc_xbl_state *r, sc_ctx *ctx, const uint32_t *idx, size_t n);
// The input gradient (images: (B, C, H, W) of the pixels; text: (B, T, E) of the
// token embeddings), in evaluation mode; with create_graph it stays on the tape.
sc_tensor *sc_xbl_saliency(sc_xbl_state *r, sc_ctx *ctx, const sc_model *m, const sc_inputs *in, const uint32_t *idx,
                           size_t n, sc_xbl_target target, int create_graph);
// Saliency per unit of row i of g: images s[p] = sum_c g_icp^2 (H W values);
// text s[t] = sum_e g_ite^2 (T values; the caller applies the word-unit mask).
void sc_xbl_unit_saliency(const sc_xbl_state *r, const sc_tensor *g, int64_t i, double *s);
// saliency=gradcam: checks that the model has a feature map over its cell grid
// (sc_model_def.feature_map: a CNN) and reads the grid. 0, or -1 with err.
int sc_xbl_gradcam_prepare(sc_xbl_state *r, sc_err *err);
// The Grad-CAM (B, U) of the model's final feature map (sc_xbl_gradcam), on a
// second forward pass in evaluation mode; with create_graph it stays on the tape.
sc_tensor *sc_xbl_gradcam_saliency(sc_xbl_state *r, sc_ctx *ctx, const sc_model *m, const sc_inputs *in,
                                   const uint32_t *idx, size_t n, sc_xbl_target target, int create_graph);
// The per-cell map (B, U) of a batch: the decoy's share of each cell's pixels
// (rrr), or the mean over them of the object's distance map (distance).
sc_tensor *sc_xbl_cell_map(sc_xbl_state *r, sc_ctx *ctx, const uint32_t *idx, size_t n, int distance, sc_dtype dt);
// Reads off each class's decoy for the swap test. 0, or -1 with err.
int sc_xbl_swap_prepare(sc_xbl_state *r, sc_err *err);
// Applies a variant (above) to the first k rows of a filled batch of examples idx.
void sc_xbl_batch_variant(sc_xbl_state *r, sc_batch *b, const uint32_t *idx, size_t k, int variant);
// Text: deletes the decoy token(s) of example j from the encoded data (and its
// rationale and decoy masks), for concept_action=mask.
void sc_xbl_text_erase(sc_xbl_state *r, uint32_t j);

// Measures over n examples idx under a variant: accuracy, and with saliency_too
// (AS_IS only) decoy reliance and distance score (means over the examples).
typedef struct sc_xbl_measures {
    double correct, reliance, distance;
} sc_xbl_measures;
int sc_xbl_measure(sc_xbl_state *r, const uint32_t *idx, size_t n, int variant, int saliency_too,
                   sc_xbl_measures *out, sc_err *err);

// OUT/saliency.msgpack: the final model's saliency on the first 8 test examples.
int sc_xbl_write_saliency(sc_xbl_state *r, const char *path, sc_err *err);
// OUT/concepts.msgpack (concept-prune): the 2-D PCA map of up to 2000 training
// examples and each concept's summary and examples. proj (n_train, dims >= 2) in
// r->train order, before the flagged concepts are acted on.
int sc_xbl_write_concepts(const sc_xbl_state *r, const char *path, const double *proj, int64_t dims,
                          const int *assign, sc_err *err);

// Concept pruning between the two trainings: finds the training split's
// concepts with the current model, flags those resting on the decoy, and drops
// (from r->train) or masks (erases the decoy pixels of) their examples.
int sc_xbl_concepts_apply(sc_xbl_state *r, FILE *log, sc_err *err);

#endif
