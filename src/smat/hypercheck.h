// hypercheck.h — checking hypergradients against finite differences, and the
// tiny real SMaT problem `scaffold hypercheck` runs them on.
//
// The reference is the outer loss as a function of φ through k REAL inner steps,
//   F(φ) = L_out(θ_k(φ)),  θ_j = sc_optim_step(θ_{j-1}, ∇L_in,j-1(θ_{j-1}; φ)),
// differentiated by central differences in every φ entry. Unrolled-k must match
// it to rounding/truncation; implicit and DARTS approximations are measured
// against the k = 1 reference.
#ifndef SC_SMAT_HYPERCHECK_H
#define SC_SMAT_HYPERCHECK_H

#include "smat/hypergrad.h"

// F(φ) at the current φ: k real steps, L_out, then θ, the optimizer state and its
// step count are restored exactly. 0, or -1 with err.
int sc_hg_outer_after(const sc_bilevel *b, sc_ctx *ctx, int k, double *out, sc_err *err);

// fd[e] = (F(φ + h_e) - F(φ - h_e)) / (2 h_e), h_e = h · max(1, |φ_e|), for every
// entry e of φ (flattened in order φ[0], φ[1], ...); φ is restored. 0 or -1.
int sc_hg_fd(const sc_bilevel *b, sc_ctx *ctx, int k, double h, double *fd, sc_err *err);

// ‖a - b‖ / ‖b‖ (‖a‖ when b = 0) and the cosine of a and b.
double sc_hg_rel_err(const double *a, const double *b, int64_t n);
double sc_hg_cosine(const double *a, const double *b, int64_t n);

#endif
