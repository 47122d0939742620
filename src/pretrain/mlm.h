// mlm.h — masked-token prediction (BERT's pretraining objective) for the text
// transformer: the masking rule and the prediction head.
//
// Masking (Devlin et al. 2019, and their create_pretraining_data): in each row,
// k = max(1, round(p · n)) of its n real tokens ([CLS] and padding excluded) are
// chosen uniformly without replacement; each chosen token becomes
//     [MASK]               with probability 0.8,
//     a random token       with probability 0.1 (uniform over the non-special ids),
//     itself (unchanged)   with probability 0.1,
// and its original id is the target. The unchanged 10% make the model keep a
// representation of every observed token (it cannot tell which ones it must
// predict); the random 10% keep it from trusting the input blindly.
//
// The head (BERT's "transform" then a decoder tied to the input embeddings):
//     h  = sequence[chosen]                      (M, C)   rows of the encoder output
//     t  = LayerNorm(GELU(h W + b))               (M, C)   "mlm.dense.w" (C, C), "mlm.dense.b",
//                                                          "mlm.ln.g", "mlm.ln.b"
//     z  = t E^T + c                              (M, V)   E = the model's "embed.tokens" (V, C),
//                                                          c = "mlm.bias" (V)
//     L  = mean over the M chosen tokens of CE(z, target)
// Tying the decoder to E saves V · C parameters (most of a small model's) and
// trains E on both ends.
#ifndef SC_PRETRAIN_MLM_H
#define SC_PRETRAIN_MLM_H

#include <stddef.h>
#include <stdint.h>

#include "autograd/engine.h"
#include "core/params.h"
#include "core/rng.h"
#include "models/model.h"

// The rule's probabilities (BERT's 15% and 80/10/10 are the defaults).
typedef struct sc_mlm_rule {
    double select;         // p: share of real tokens chosen per row
    double to_mask, to_random;  // of the chosen: replaced by [MASK] / by a random token; the rest unchanged
    int32_t mask_id;       // the [MASK] token's id
    int32_t first_id;      // random tokens are drawn from [first_id, vocab_size), mask_id excluded
    int32_t vocab_size;
} sc_mlm_rule;

sc_mlm_rule sc_mlm_rule_bert(int32_t mask_id, int32_t first_id, int32_t vocab_size);

// Masks rows ids (B, T) in place. mask (B, T): 1 = real token; position 0 of each
// row is [CLS] and never chosen. targets (B, T) gets the original id at chosen
// positions and -1 elsewhere. Returns the number of chosen tokens. Draws only
// from rng, so a fixed seed gives fixed masks.
size_t sc_mlm_mask(const sc_mlm_rule *r, int32_t *ids, const float *mask, int64_t B, int64_t T, sc_rng *rng,
                   int32_t *targets);

// The head's parameters, added to `head` (an initialized slab): N(0, 0.02)
// dense weights, zero biases, unit LayerNorm gain.
typedef struct sc_mlm_head {
    sc_tensor *dense_w, *dense_b, *ln_g, *ln_b, *bias;
} sc_mlm_head;

int sc_mlm_head_build(sc_mlm_head *h, sc_params *head, int64_t C, int64_t V, sc_dtype dt, sc_rng *rng,
                      sc_err *err);
// Finds the head's tensors in a slab built by sc_mlm_head_build (e.g. restored).
int sc_mlm_head_bind(sc_mlm_head *h, const sc_params *head, sc_err *err);

// The masked-token loss of one batch: sequence (B, T, C) from the model's
// state, embed = its token table (V, C), targets (B, T) from sc_mlm_mask. The
// mean cross-entropy over the chosen positions (a scalar), NULL on error (or if
// no position was chosen). *n_chosen gets M.
sc_tensor *sc_mlm_loss(const sc_mlm_head *h, sc_ctx *ctx, sc_tensor *sequence, sc_tensor *embed,
                       const int32_t *targets, size_t *n_chosen);

#endif
