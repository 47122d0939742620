// concepts.h — dataset-level concepts, the clustering half of second-order
// explainability (after Zeng et al., XAI4CV 2023): each training example is one
// vector (its saliency-weighted pooled embedding), the vectors are projected on
// their top principal components, and k-means groups them; k is the one with the
// best mean silhouette. A concept is a cluster: its share of saliency on a
// decoy and its class purity then tell whether it rests on a spurious cue.
//
// Everything is f64, row-major, and deterministic for a given seed.
#ifndef SC_EXPLAIN_CONCEPTS_H
#define SC_EXPLAIN_CONCEPTS_H

#include <stdint.h>

#include "core/err.h"

// PCA of X (n, d), n >= 2, onto its top k <= d components:
//   Xc = X - mean,  C = Xc^T Xc / (n - 1) = V diag(lambda) V^T (lambda descending)
//   proj (n, k) = Xc V_k,  components (k, d) = V_k^T,  var (k) = lambda_1..k
// Each component's sign makes its largest-magnitude entry positive. Any output
// may be NULL but proj. 0, or -1 with err.
int sc_pca(const double *X, int64_t n, int64_t d, int64_t k, double *proj, double *components, double *var,
           sc_err *err);

// k-means (Lloyd) with k-means++ seeding from `seed`, at most `iters` rounds
// (stops when no assignment changes). An emptied cluster takes the point
// farthest from its centre. assign (n), centers (k, d); *inertia (may be NULL)
// = sum of squared distances to the assigned centres. 0, or -1 with err.
int sc_kmeans(const double *X, int64_t n, int64_t d, int k, uint64_t seed, int iters, int *assign, double *centers,
              double *inertia, sc_err *err);

// Mean silhouette of an assignment (Rousseeuw 1987): per point
// s = (b - a) / max(a, b), a the mean distance to its own cluster, b to the
// nearest other; 0 for a point alone in its cluster. O(n^2 d): callers
// subsample (sc_concepts_choose_k does). Needs k >= 2 clusters present.
double sc_silhouette(const double *X, int64_t n, int64_t d, const int *assign, int k);

// k in [k_min, k_max] (2 <= k_min <= k_max) with the best mean silhouette, on a
// fixed random subsample of at most `max_sample` points (ties: the smaller k).
// Fills assign (n) and centers (k_max, d: the first *best_k rows) for the
// chosen k, and scores (k_max - k_min + 1) with each k's silhouette.
// 0, or -1 with err.
int sc_concepts_choose_k(const double *X, int64_t n, int64_t d, int k_min, int k_max, uint64_t seed,
                         int64_t max_sample, int *best_k, int *assign, double *centers, double *scores, sc_err *err);

#endif
