// losses.h — explanation losses between teacher and student saliency (SMaT).
//
// Shapes: teacher distribution p (B, U), student scores (B, U), unit mask (B, U)
// (nonzero = valid unit; NULL = all valid). Every loss returns a scalar: the mean
// over the B examples. All are composites of differentiable ops from ops/ops.h, so
// gradients of any order flow into the student scores AND into p (the teacher
// explainer is meta-learned through them).
//
// The student input is always the student explainer's SCORES (pre-normalizer):
// masked units are filled with SC_EXPL_MASK_FILL before the student normalizer,
// so they get probability 0. The teacher p is a distribution over units (from the
// teacher's normalizer); it is multiplied by the mask (mass on masked units is
// dropped, not renormalized: callers should pass a masked distribution).
//
//   KL:        softmax student q = softmax(scores); KL(p || q) summed over units,
//              p and q clipped to [1e-7, 1 - 1e-7] (as the reference does).
//   SPARSEMAX: sparsemax Fenchel–Young loss with target p:
//                L(θ; p) = <θ, y - p> - ½||y||² + ½||p||²,  y = sparsemax(θ).
//              The reference uses ||sparsemax(θ) - p||² instead; we use the FY
//              form because it is convex in θ, its gradient is exactly y - p and it
//              is 0 iff sparsemax(θ) = p.
//   ENTMAX15:  entmax-1.5 Fenchel–Young loss with the Tsallis-1.5 regularizer
//              Ω(y) = 4/3 (Σ y^1.5 - 1) on the simplex (Ω' = 2 √y, so the
//              maximizer of <θ, y> - Ω(y) is y = [θ/2 - τ]_+^2 = entmax15(θ)):
//                L(θ; p) = <θ, y - p> - 4/3 Σ y^1.5 + 4/3 Σ p^1.5,  y = entmax15(θ);
//              gradient y - p (the J^T terms cancel since θ - 2√y is constant on
//              the support).
#ifndef SC_EXPLAIN_LOSSES_H
#define SC_EXPLAIN_LOSSES_H

#include "autograd/engine.h"
#include "core/err.h"
#include "explain/explainer.h"

#define SC_EXPL_MASK_FILL (-1e6)
#define SC_EXPL_KL_EPS 1e-7

typedef enum sc_expl_loss_kind { SC_EXPL_LOSS_KL = 0, SC_EXPL_LOSS_SPARSEMAX, SC_EXPL_LOSS_ENTMAX15 } sc_expl_loss_kind;

const char *sc_expl_norm_name(sc_expl_norm n);
const char *sc_expl_loss_name(sc_expl_loss_kind k);

// 0 if (teacher normalizer, student normalizer, loss) makes sense, else -1 with a
// message. Rules: KL needs a softmax student (a sparse student puts exact zeros
// where the teacher may have mass: log 0); the FY losses need the student
// normalizer that defines them (sparsemax loss <-> sparsemax student, entmax loss
// <-> entmax15 student). Any teacher normalizer is accepted: all give
// distributions, and KL with a sparse teacher is fine (0 log 0 = 0).
int sc_expl_loss_check(sc_expl_loss_kind loss, sc_expl_norm teacher, sc_expl_norm student, sc_err *err);

// Student scores with masked units set to SC_EXPL_MASK_FILL (scores itself if mask is NULL).
sc_tensor *sc_expl_mask_scores(sc_ctx *ctx, sc_tensor *scores, sc_tensor *mask);

sc_tensor *sc_expl_kl_loss(sc_ctx *ctx, sc_tensor *p_teacher, sc_tensor *scores, sc_tensor *mask);
sc_tensor *sc_expl_sparsemax_loss(sc_ctx *ctx, sc_tensor *p_teacher, sc_tensor *scores, sc_tensor *mask);
sc_tensor *sc_expl_entmax15_loss(sc_ctx *ctx, sc_tensor *p_teacher, sc_tensor *scores, sc_tensor *mask);
// Dispatch on kind.
sc_tensor *sc_expl_loss(sc_ctx *ctx, sc_expl_loss_kind kind, sc_tensor *p_teacher, sc_tensor *scores,
                        sc_tensor *mask);

#endif
