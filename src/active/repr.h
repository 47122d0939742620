// repr.h — what strategies compute about examples with the current model: class
// probabilities, the pooled embedding, the local linear map, K-center picks and
// top-b ranking (strategy.h). Each walks the examples in eval_batch batches,
// in evaluation mode (no dropout), and rewinds the context after each batch.
#ifndef SC_ACTIVE_REPR_H
#define SC_ACTIVE_REPR_H

#include "active/strategy.h"
#include "models/inputs.h"

// fn is called once per batch: examples first .. first + k - 1 of idx, as inputs.
typedef int (*sc_al_batch_fn)(void *user, sc_ctx *ctx, const sc_inputs *in, size_t first, size_t k);
int sc_al_for_batches(const sc_al_env *e, const uint32_t *idx, size_t n, sc_al_batch_fn fn, void *user, sc_err *err);

// Softmax probabilities (n, K) of the model into p (row-major).
int sc_al_probs(const sc_al_env *e, const uint32_t *idx, size_t n, float *p, sc_err *err);
// Predictive entropy -sum_k p_k log p_k of one row.
double sc_al_entropy(const float *p, int64_t K);

// The pooled representation the output head reads (sc_model_state.pooled), (n, dim), malloc'd.
int sc_al_embeddings(const sc_al_env *e, const uint32_t *idx, size_t n, float **out, int64_t *dim, sc_err *err);

// DAMI's local linear interpretation: J(x) = d logit_yhat(x) / d input, yhat the
// predicted class (a regression model's one output), flattened, (n, dim), malloc'd. The input is the pixels
// (C*H*W) for images, the standardized features (F) for tables, and for text
// the token-embedding vectors at positions 1..K (the first K tokens after
// [CLS]; K = opt->dami_tokens), zero where a sentence is shorter: K*E values.
// For a piecewise-linear (ReLU) network f is exactly linear on the activation
// region around x, f_yhat(x') = J(x) x' + (f_yhat(x) - J(x) x), so J is the
// local linear map's row; for other activations (GELU, softmax attention) it
// is the first-order Taylor linearisation at x.
int sc_al_jacobians(const sc_al_env *e, const uint32_t *idx, size_t n, float **out, int64_t *dim, sc_err *err);

enum { SC_AL_REPR_EMBEDDING = 0, SC_AL_REPR_JACOBIAN = 1 };
// K-center greedy (kcenter.h) over representation `repr` of cand, the
// labelled examples' representations as the already chosen centers: b picks into out.
int sc_al_kcenter_select(const sc_al_env *e, int repr, const uint32_t *cand, size_t n_cand, size_t b, uint32_t *out,
                         sc_err *err);

// The b entries of cand with the largest score (score[i] belongs to cand[i]),
// ties to the earlier entry, into out (in rank order).
int sc_al_top_b(const double *score, const uint32_t *cand, size_t n_cand, size_t b, uint32_t *out, sc_err *err);

#endif
