// xbl_losses.h — explanation-based learning (XBL): losses that penalise a model
// for the saliency it puts where the task's annotation says the right reason is
// not, so that training (loss = CE + λ L_expl) moves it off a decoy.
//
// The saliency is the model's own input gradient, taken with create_graph so
// the loss is differentiable in the parameters (double backprop):
//   g = d S / d x,  x the input (B, C, H, W) or (B, ...), S =
//     SC_XBL_SUM_LOGPROBS: sum_b sum_k log p_k(x_b)   (Ross et al. 2017: every class)
//     SC_XBL_TARGET_LOGIT: sum_b f_{y_b}(x_b)          (the gold or given class)
//
// Losses, each a scalar averaged over the B examples; masks and distance maps
// have the input's shape and are constants:
//   right for the right reasons (Ross, Hughes, Doshi-Velez 2017):
//       L_rrr  = 1/B sum_b sum_i (A_bi g_bi)^2,   A = 1 on the wrong region (decoy)
//   distance-aware (after Hagos et al., ICTAI 2023): saliency on the wrong side of
//   the object boundary, weighted by how far it is from the object:
//       s_bi = g_bi^2,  L_dist = 1/B sum_b (sum_i D_bi s_bi) / (sum_i s_bi + eps)
//   with D the distance map of the object mask (sc_xbl_distance_map): 0 on the
//   object, growing linearly with the Euclidean distance to it, 1 at the image
//   diagonal. It is the saliency-weighted mean distance from the object, so it
//   is scale-free in g, lies in [0, 1), and is 0 only when all saliency is on the
//   object. Squares, not absolute values: smooth, so second derivatives exist
//   everywhere (gradchecked in tests/test_xbl_losses.c).
#ifndef SC_EXPLAIN_XBL_LOSSES_H
#define SC_EXPLAIN_XBL_LOSSES_H

#include <stdint.h>

#include "autograd/engine.h"

#define SC_XBL_EPS 1e-12

typedef enum sc_xbl_target { SC_XBL_SUM_LOGPROBS = 0, SC_XBL_TARGET_LOGIT = 1 } sc_xbl_target;

// g = dS/dx for logits (B, K) computed from the leaf x (requires_grad); y (B)
// i32 targets (SC_XBL_TARGET_LOGIT only; may be NULL otherwise). With
// create_graph the saliency stays on the tape. Shape of x.
sc_tensor *sc_xbl_input_gradient(sc_ctx *ctx, sc_tensor *logits, sc_tensor *x, sc_xbl_target target, sc_tensor *y,
                                 int create_graph);

// Grad-CAM (Selvaraju et al. 2017) of a feature map F (B, U, K) computed from
// the input (units u: the cells of a CNN's final grid; channels k), for the same
// S as above:
//     a_bk = 1/U sum_u dS/dF_buk          channel weights: the gradient, pooled
//     M_bu = relu(sum_k a_bk F_buk)       (B, U)
// For a CNN whose head is global average pooling and one linear layer W
// (nn/cnn.h) and S = sum_b f_{y_b}, a_bk = W[k, y_b] / U, so M is the class
// activation map over U, clipped at 0. dS/dF is itself a function of the
// parameters, so with create_graph both factors stay on the tape and a loss on M
// is differentiable in them. F need not be a leaf, only on the tape.
sc_tensor *sc_xbl_gradcam(sc_ctx *ctx, sc_tensor *logits, sc_tensor *feat, sc_xbl_target target, sc_tensor *y,
                          int create_graph);

// L_rrr for g and the wrong-region mask A (same shape as g).
sc_tensor *sc_xbl_rrr_loss(sc_ctx *ctx, sc_tensor *g, sc_tensor *wrong_mask);

// L_dist for g and the distance map D (same shape as g).
sc_tensor *sc_xbl_distance_loss(sc_ctx *ctx, sc_tensor *g, sc_tensor *dist);

// The distance map of n object masks of h x w pixels (row-major, nonzero =
// object): dist[i] = Euclidean distance from pixel i to the nearest object
// pixel divided by the diagonal sqrt(h^2 + w^2). A mask with no object pixel
// gets all zeros (nothing to be far from: such an example adds no penalty).
// Exact (Felzenszwalb & Huttenlocher 2012, two passes of the 1-D lower envelope
// of parabolas); work is O(n h w). scratch: (h + w) * 4 doubles + (h + w) ints,
// caller-owned (sc_xbl_distance_scratch gives the sizes).
void sc_xbl_distance_map(const uint8_t *mask, int64_t n, int64_t h, int64_t w, float *dist, double *scratch,
                         int64_t *iscratch);
// Sizes of the scratch buffers sc_xbl_distance_map needs for an h x w image.
void sc_xbl_distance_scratch(int64_t h, int64_t w, int64_t *n_doubles, int64_t *n_ints);

// ---- units: tokens, and the cells of a Grad-CAM ---------------------------------------
// For text the input is the token embeddings e (B, T, E) (the gathered rows of
// the embedding table, so the losses reach the table too) and g = dS/de. A
// token's saliency is its squared gradient summed over the embedding dim,
//     s_bt = u_bt sum_e g_bte^2,
// with u (B, T) the word-unit mask: 1 on the sentence's words, 0 on [CLS] and
// padding ([CLS] is in every sentence, so it is no reason; padding has no
// gradient). With A (B, T) the decoy mask and D (B, T) the token distance map:
//     L_rrr_tok  = 1/B sum_b sum_t A_bt s_bt           (A is 0/1: = sum (A g)^2)
//     L_dist_tok = 1/B sum_b (sum_t D_bt s_bt) / (sum_t s_bt + eps)
// the image losses above with pixels replaced by tokens.
//
// A Grad-CAM M (B, U) enters the same losses as g = M viewed (B, U, 1), so
// s_bu = M_bu^2 (units NULL), with A_bu the share of cell u's pixels on the
// decoy and D_bu the mean of the pixel distance map over the cell. These are the
// pixel losses of M upsampled to pixels (each pixel its cell's value): L_dist
// equal, L_rrr divided by the p^2 pixels of a cell.

// s (B, T) for g (B, T, E) and units (B, T) (NULL: every position counts).
sc_tensor *sc_xbl_token_saliency(sc_ctx *ctx, sc_tensor *g, sc_tensor *units);
sc_tensor *sc_xbl_rrr_token_loss(sc_ctx *ctx, sc_tensor *g, sc_tensor *wrong_mask, sc_tensor *units);
sc_tensor *sc_xbl_distance_token_loss(sc_ctx *ctx, sc_tensor *g, sc_tensor *dist, sc_tensor *units);

// The token distance map of one sentence of n words: dist[i] = |i - j*| / n,
// j* the nearest object word (1-D distance transform: one pass forward, one
// back, O(n)). 0 on the object; all zeros when no word is object.
void sc_xbl_distance_map_1d(const uint8_t *obj, int64_t n, float *dist);

#endif
