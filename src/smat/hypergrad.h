// hypergrad.h — hypergradients of a bilevel problem, behind one interface.
//
// The problem (SMaT; src/README.md): inner parameters θ (the student and its
// explainer) are trained on an inner loss L_in(θ; φ) that depends on outer
// parameters φ (the teacher explainer); the outer loss L_out(θ) (the student's
// simulation loss on a validation batch, no explanations) depends on φ only
// through θ. The hypergradient is dL_out/dφ.
//
// Methods:
//   UNROLLED (k ≥ 1): θ_0 = θ, θ_j = U(θ_{j-1}, ∇L_in,j(θ_{j-1}; φ)) with U the
//     student's real optimizer update (clipping, weight decay, momentum/Adam
//     state carried along), and dφ = d L_out(θ_k) / dφ exactly. k = 1 is the
//     paper. Computed in reverse mode over the k steps with the θ_j stored, one
//     step's graph alive at a time: v_k = ∇L_out(θ_k); for j = k..1
//       dφ += v_jᵀ ∂θ_j/∂φ,   v_{j-1} = v_jᵀ ∂θ_j/∂θ_{j-1}
//     (both VJPs of the differentiable step sc_optim_fstep, second order
//     through ∇L_in). Momentum / Adam state S_j depends on φ too: its adjoint
//     is carried alongside v_j. Cost: k real steps forward, then per step one
//     L_in forward + double backward; memory (k + 1)·|θ|·(1 + |S|) doubles.
//     Exactly-zero Adam second moments are floored (1e-300 f64, 1e-37 f32) in
//     the reverse pass: sqrt'(0)·0 would otherwise make the result NaN.
//   NEUMANN (J terms) and CG (J iterations): implicit differentiation at θ
//     treated as a stationary point of L_in,  dφ = -(∂²L_in/∂φ∂θ) H⁻¹ ∇L_out(θ)
//     with H = ∇²_θθ L_in; H⁻¹v by the Neumann series α Σ_{i<J} (I - αH)^i v
//     (α = the inner learning rate unless set) or by conjugate gradient on
//     H x = v (H may be indefinite away from a minimum; CG reports it).
//   DARTS: the finite-difference approximation of the unrolled-1 gradient for
//     plain SGD: dφ ≈ -lr · (∇_φ L_in(θ⁺) - ∇_φ L_in(θ⁻)) / (2ε) with
//     θ± = θ ± ε v, v = ∇L_out(θ'), ε = eps / ‖v‖, θ' = θ - lr ∇L_in(θ)
//     (ignores clipping, decay and momentum: an approximation by design).
//
// How models are evaluated at other parameter values: the callbacks always read
// the leaves θ (e.g. the model's parameter slab). The methods temporarily
// overwrite the leaves' data (θ_j, θ ± εv), finish every backward pass before the
// next overwrite (backward rules read parameter data), and restore θ exactly on
// return. The optimizer's state and step count are not modified.
#ifndef SC_SMAT_HYPERGRAD_H
#define SC_SMAT_HYPERGRAD_H

#include "optim/optim.h"

typedef struct sc_bilevel {
    void *user;
    sc_optim *opt;      // the inner optimizer: θ = opt->p[0 .. opt->n), its cfg and state
    double lr;          // the inner learning rate of the step(s)
    int n_phi;
    sc_tensor **phi;    // φ: leaves requiring grad, same dtype as θ
    // L_in at the current data of θ (recorded on the tape, depending on θ and φ);
    // j = 0 .. k-1 says which unrolled step (a method may use another inner batch per step).
    sc_tensor *(*inner_loss)(void *user, sc_ctx *ctx, int j);
    // L_out at the current data of θ; must not depend on φ.
    sc_tensor *(*outer_loss)(void *user, sc_ctx *ctx);
} sc_bilevel;

// A method is a row of the registry sc_hg_methods (hg_methods.c); sc_hg_cfg.method
// is its index. The built-ins' rows, in table order:
typedef int sc_hg_method;
enum { SC_HG_UNROLLED = 0, SC_HG_NEUMANN, SC_HG_CG, SC_HG_DARTS };

typedef struct sc_hg_cfg {
    sc_hg_method method;
    int unroll;      // UNROLLED: k ≥ 1
    int terms;       // NEUMANN: J series terms; CG: J iterations
    double alpha;    // NEUMANN: series step (0 = the inner lr)
    double eps;      // DARTS: ε numerator (0.01 in DARTS)
} sc_hg_cfg;

// What a method did, for reports (sc_hypergrad_stats).
typedef struct sc_hg_stats {
    double outer;           // as *outer of sc_hypergrad
    int inner_grads;        // gradients of L_in taken (first or second order)
    int hvps;               // Hessian-vector products (NEUMANN, CG)
    double neumann_last;    // NEUMANN: ‖(I - αH)^{J-1} v‖ / ‖v‖, the last term's size (> 1: the series diverges)
    int cg_iters;           // CG: iterations done (≤ J; fewer on convergence or negative curvature)
    double cg_residual;     // CG: ‖H x - v‖ / ‖v‖ at the end
    int cg_indefinite;      // CG: met pᵀHp ≤ 0 and stopped there (x so far; α v if at the first iteration)
} sc_hg_stats;

// What a method is, as data that the student config, hypercheck, the bench and
// the tests read (so a new method is one file with its function plus one row):
enum {
    SC_HG_EXACT = 1 << 0,        // the exact hypergradient of L_out(θ_k(φ)): hypercheck holds it to 1e-4 of FD
    SC_HG_OPTIM_STATE = 1 << 1,  // differentiates the real optimizer (clip, decay, momentum/Adam state)
    SC_HG_IMPLICIT = 1 << 2,     // implicit differentiation: exact at an inner optimum as terms grow
    SC_HG_USES_UNROLL = 1 << 3,  // reads cfg.unroll
    SC_HG_USES_TERMS = 1 << 4,   // reads cfg.terms (and cfg.alpha for a series)
    SC_HG_USES_EPS = 1 << 5,     // reads cfg.eps
};

typedef struct sc_hg_method_def {
    const char *name;     // "unrolled", as in the student config's `hypergrad` key
    const char *summary;  // one line for help and reports
    // dφ into dphi (flat f64, |φ| values) and st->outer; 0 or -1 with err naming the
    // method. Called by sc_hypergrad_stats once the problem is checked.
    int (*fn)(const sc_bilevel *b, sc_ctx *ctx, const sc_hg_cfg *cfg, double *dphi, sc_hg_stats *st, sc_err *err);
    unsigned flags;  // SC_HG_*
    // SC_HG_IMPLICIT: terms that make it exact on a strongly convex quadratic with n
    // inner values (hypercheck's convex case); 0 means n (conjugate gradient).
    int exact_terms;
    // What a run did, one phrase for hypercheck's table ("" if nothing to say).
    void (*describe)(const sc_hg_stats *st, char *buf, size_t cap);
} sc_hg_method_def;

extern const sc_hg_method_def sc_hg_methods[];  // in sc_hg_method order, NULL-name terminated
extern const int sc_hg_n_methods;

// Defaults: unrolled-1, J = 3, α = lr, eps = 0.01.
sc_hg_cfg sc_hg_default(void);
// The registry row's index, or -1 if unknown.
int sc_hg_method_parse(const char *name);
const char *sc_hg_method_name(sc_hg_method m);  // "?" if out of range
// The method's row, or NULL if out of range.
const sc_hg_method_def *sc_hg_method_def_of(sc_hg_method m);
// "unrolled, neumann, cg or darts": the registry's names, for messages.
const char *sc_hg_method_list(void);
// The names in registry order, NULL-terminated (for sc_config_choice).
const char *const *sc_hg_method_names(void);

// dφ (written into dphi[i], caller-allocated, shapes and dtypes of b->phi[i]) and
// the outer loss at the final inner parameters (*outer, may be NULL): L_out(θ_k)
// for UNROLLED, L_out(θ') of its plain SGD step for DARTS, L_out(θ) for NEUMANN
// and CG. The ctx's step arena is used and rewound to where it was; θ's data is
// restored. 0, or -1 with err set (a message naming the method and what failed);
// the ctx is left usable (its sticky error cleared; the message is in err).
int sc_hypergrad(const sc_bilevel *b, sc_ctx *ctx, const sc_hg_cfg *cfg, sc_tensor *const *dphi, double *outer,
                 sc_err *err);

// sc_hypergrad, also filling *st (may be NULL).
int sc_hypergrad_stats(const sc_bilevel *b, sc_ctx *ctx, const sc_hg_cfg *cfg, sc_tensor *const *dphi,
                       double *outer, sc_hg_stats *st, sc_err *err);

#endif
