// objective.h — the SMaT losses: a student simulating a frozen teacher, with
// the teacher's explanations as extra supervision (the method: src/README.md).
//
//   L_sim(x)  = CE(S_θ(x), argmax T(x))          classification
//             = MSE(S_θ(x), T(x))                  regression (standardized scores)
//   L_in(x)   = L_sim(x) + β · L_expl(E_S(x; θ, ψ), E_T(x; φ))
//   L_out(x_v) = L_sim(x_v)   in eval mode, no explanations
//
// E_T is the teacher explainer (φ = its params, learnable only for SMaT); E_S is
// the student explainer (ψ, trained with the student; its SCORES feed the loss,
// see explain/losses.h): attention, or for students without attention a
// gradient explainer taken with create_graph on the student's own forward (its
// embeddings: the token table's rows for text, the input leaves for tabular and
// image students), so L_expl reaches θ by double backpropagation. The teacher is frozen: its forward runs without
// recording anything that depends on its parameters. Static teacher
// explanations (no φ) may be precomputed once per example (`cache`), which makes
// gradient and perturbation explainers cost nothing per step; a learned one's
// parameter-free features are stored per example the first time a batch holds
// it (`fcache`, feature_cache.h), so after that the teacher never runs again.
//
// Simulation targets are indexed by dataset example (the teacher's predictions
// on every example the run touches).
#ifndef SC_SMAT_OBJECTIVE_H
#define SC_SMAT_OBJECTIVE_H

#include "explain/explainer.h"
#include "explain/losses.h"
#include "smat/feature_cache.h"
#include "train/pipeline.h"

typedef struct sc_smat {
    const sc_pipeline *pipe;
    const sc_model *teacher;       // frozen
    sc_explainer *teacher_expl;    // E_T(φ); NULL when β = 0 ("none")
    sc_model *student;
    sc_explainer *student_expl;    // E_S(ψ); NULL when β = 0
    sc_expl_loss_kind loss;        // KL (softmax student) unless configured otherwise
    double beta;
    const int32_t *sim_labels;     // (dataset n) argmax of the teacher (classification)
    const float *sim_targets;      // (dataset n) teacher scores (regression)
    // Optional cache of static teacher explanations: row i (cache_U floats) for
    // dataset example i, valid where cache_have[i] != 0. NULL = computed per batch.
    float *cache;
    uint8_t *cache_have;
    int64_t cache_U;
    // Optional store of a learnable teacher explainer's parameter-free features
    // (feature_cache.h), owned by whoever set it (sc_student); NULL = a teacher
    // forward per batch.
    sc_feature_cache *fcache;
} sc_smat;

// Fills the static-explanation cache for dataset examples idx[0..n) (batches of
// `batch`): allocates s->cache / s->cache_have for the whole dataset on first use
// (cache_U = the task's longest unit row: max_tokens for text), runs the teacher
// and its explainer on each batch (gold rationales passed to the explainer when
// the task has them) and stores each row, zero-padded. Text rows are computed on
// the batch's padded length; padding never gets mass, so slicing a row to another
// batch's length is exact. 0, or -1 with err set.
int sc_smat_cache_fill(sc_smat *s, sc_ctx *ctx, const uint32_t *idx, size_t n, size_t batch, sc_err *err);
void sc_smat_cache_free(sc_smat *s);

// L_sim of the student outputs y (B, K) for the batch's dataset indices idx.
sc_tensor *sc_smat_sim_loss(const sc_smat *s, sc_ctx *ctx, sc_tensor *y, const uint32_t *idx, size_t n);

// The teacher explanation of a batch (B, U): differentiable w.r.t. φ when the
// teacher explainer has parameters and grad mode is on; from the cache when one
// is set, from the stored features (fcache) when the batch's examples have them.
sc_tensor *sc_smat_teacher_expl(sc_smat *s, sc_ctx *ctx, const sc_inputs *in, const uint32_t *idx, size_t n);

// β · L_expl for a student forward (its state st and outputs y on `in`).
sc_tensor *sc_smat_expl_loss(sc_smat *s, sc_ctx *ctx, const sc_inputs *in, const sc_model_state *st, sc_tensor *y,
                             const uint32_t *idx, size_t n);

// L_in on a batch: a student forward with `fwd_flags` (SC_FWD_TRAINING for
// dropout), L_sim + β · L_expl. Depends on θ (student), ψ and φ.
sc_tensor *sc_smat_inner_loss(sc_smat *s, sc_ctx *ctx, const sc_inputs *in, const uint32_t *idx, size_t n,
                              unsigned fwd_flags);

// L_out on a batch: student forward in eval mode, L_sim only.
sc_tensor *sc_smat_outer_loss(sc_smat *s, sc_ctx *ctx, const sc_inputs *in, const uint32_t *idx, size_t n);

#endif
