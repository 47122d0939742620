// hypercheck.h — checking hypergradients against finite differences, and the
// tiny real SMaT problem `scaffold hypercheck` runs them on.
//
// The reference is the outer loss as a function of φ through k REAL inner steps,
//   F(φ) = L_out(θ_k(φ)),  θ_j = sc_optim_step(θ_{j-1}, ∇L_in,j-1(θ_{j-1}; φ)),
// differentiated by (Richardson-extrapolated) central differences in every φ entry. Unrolled-k must match
// it to rounding/truncation; implicit and DARTS approximations are measured
// against the k = 1 reference.
#ifndef SC_SMAT_HYPERCHECK_H
#define SC_SMAT_HYPERCHECK_H

#include <stdio.h>

#include "smat/hypergrad.h"
#include "smat/objective.h"

// F(φ) at the current φ: k real steps, L_out, then θ, the optimizer state and its
// step count are restored exactly. 0, or -1 with err.
int sc_hg_outer_after(const sc_bilevel *b, sc_ctx *ctx, int k, double *out, sc_err *err);

// fd[e] = dF/dφ_e by central differences D(h_e) = (F(φ + h_e) - F(φ - h_e)) / (2 h_e),
// h_e = h · max(1, |φ_e|), Richardson-extrapolated (4 D(h_e/2) - D(h_e)) / 3 so the
// truncation error is O(h⁴) (Adam's first step, ∝ d / (|d| + ε), is strongly
// curved), for every entry e of φ (flattened φ[0], φ[1], ...); φ is restored. 0 or -1.
int sc_hg_fd(const sc_bilevel *b, sc_ctx *ctx, int k, double h, double *fd, sc_err *err);

// ‖a - b‖ / ‖b‖ (‖a‖ when b = 0) and the cosine of a and b.
double sc_hg_rel_err(const double *a, const double *b, int64_t n);
double sc_hg_cosine(const double *a, const double *b, int64_t n);

// ---- the tiny real SMaT problem (hypercheck_problem.c) ----------------------------------
// synth-text in f64: a 1-layer width-8 2-head transformer teacher and student
// (random init, no dropout), the teacher explainer `attention` with learnable
// head coefficients φ, the student explainer `attention` (ψ, part of θ with the
// student's weights), β = 1, KL. Inner batches (one per unrolled step, cycling)
// come from the student pool, the outer batch from student-valid; simulation
// labels are the teacher's argmax. L_in uses fwd_flags = 0 (deterministic).
#define SC_HC_BATCHES 2
typedef struct sc_hc_problem {
    sc_pipeline pipe;
    sc_model teacher, student;
    sc_explainer texpl, sexpl;
    sc_smat smat;
    int32_t *sim_labels;                 // (dataset n)
    uint32_t idx[SC_HC_BATCHES][4], vidx[4];
    sc_inputs in[SC_HC_BATCHES], vin;    // step-arena tensors made at setup: keep them below every mark
    int n_theta;
    sc_tensor *theta[SC_PARAMS_MAX];     // student weights, then ψ
    sc_bilevel b;                        // opt and lr are set per case
    int have;                            // setup progress, for sc_hc_free
} sc_hc_problem;

// What φ (the teacher explainer's parameters) holds: the head coefficients;
// with the explainer's log T (attention's learn_temperature); or with the
// query vector of aggregation=learned as well.
enum { SC_HC_PHI_COEF = 0, SC_HC_PHI_TEMPERATURE, SC_HC_PHI_QUERY };
int sc_hc_setup(sc_hc_problem *p, sc_ctx *ctx, uint64_t seed, int variant, sc_err *err);
void sc_hc_free(sc_hc_problem *p);

// ---- the check (hypercheck.c) ---------------------------------------------------------------
typedef struct sc_hc_opts {
    int methods;    // bit per sc_hg_method
    int unroll;     // K for the unrolled-K rows (besides k = 1)
    int terms;      // J for Neumann / CG
    uint64_t seed;
} sc_hc_opts;

// Runs every case, prints the table to out; *worst = the largest relative error
// of an unrolled row, *n_fail = unrolled rows above 1e-4 plus unrolled-1 meta
// steps that did not lower the outer loss plus failed convex implicit rows
// (sc_hypercheck_convex; the command exits 1 if any). 0, or -1 with err.
int sc_hypercheck_run(const sc_hc_opts *o, FILE *out, double *worst, int *n_fail, sc_err *err);

// Neumann and CG where implicit differentiation is exact (hypercheck_convex.c):
// a strongly convex quadratic inner problem at its minimum, against central
// differences of L_out(θ*(φ)) with θ* solved in plain C. Neumann with 800 terms
// and CG with n iterations must reach 1e-6 (each failure adds to *n_fail); the
// --terms rows are reported. 0, or -1 with err.
int sc_hypercheck_convex(const sc_hc_opts *o, FILE *out, int *n_fail, sc_err *err);

#endif
