// kcenter.h — K-center greedy selection (Sener & Savarese 2018, "Active
// Learning for Convolutional Neural Networks: A Core-Set Approach", Alg. 1).
//
// Given N pool points x_i and L already chosen ("labelled") points c_j in R^D
// (float, row-major), pick b pool points one at a time, each the point whose
// distance to the nearest chosen point is largest:
//     d(i)  = min_j ||x_i - c_j||^2          (over the labelled and the picked)
//     pick  = argmax_i d(i)                  (ties: the lowest index)
// then d(i) = min(d(i), ||x_i - x_pick||^2) for every i. The greedy set is a
// 2-approximation of the minimax facility-location (k-center) optimum.
//
// Squared distances are ||x||^2 + ||c||^2 - 2 x.c with the products done by
// BLIS (kernels/gemm.h), a pool block of SC_KCENTER_BLOCK rows against up to
// 512 centers at a time: memory is O(block x 512) scratch plus a copy of the
// (L + b) centers, never N x N. Evaluation is lazy and exact (kcenter.c): a
// block is brought up to date with the centers chosen since its last visit
// only when its stale maximum (an upper bound, distances only shrink) could
// still hold the argmax, so the updates are batched into GEMMs instead of one
// N x D matrix-vector product per pick. The picks are those of eager updating.
// `scaffold bench active` (bench/bench_active.c) times it against one BLIS
// product of all the distances and against eager updating. Negative rounding
// results are clamped to 0. The result is a function of the inputs and BLIS's
// thread count.
#ifndef SC_ACTIVE_KCENTER_H
#define SC_ACTIVE_KCENTER_H

#include <stdint.h>

#include "core/err.h"

#define SC_KCENTER_BLOCK 1024

// Picks min(b, N) distinct pool indices (0-based, in pick order) into picks.
// labelled may be NULL when L == 0: the first pick is then pool point 0 (every
// distance is +inf and ties go to the lowest index). 0, or -1 with err set
// (bad sizes, out of memory). Nothing is allocated on return.
int sc_kcenter_greedy(const float *pool, int64_t n, const float *labelled, int64_t l, int64_t d, int64_t b,
                      int64_t *picks, sc_err *err);

#endif
