// gradcheck.h — finite-difference verification of every op, to any order.
//
// A case builds an op (or composite) from f64 inputs. With v a random cotangent
// for the output y = f(x), define
//     S1(x, v)         = <v, f(x)>
//     S(k+1)(z_k, u_k) = sum_j <u_kj, dSk/dz_kj>   (z_k = all variables of Sk)
// so S2 differentiates the backward pass with respect to both the inputs and the
// incoming gradient, S3 the double-backward pass, and so on. The order-k check
// compares sc_grad(Sk, z_k) (k backward passes, create_graph for all but the
// last) with central differences of Sk in every coordinate of z_k.
#ifndef SC_AUTOGRAD_GRADCHECK_H
#define SC_AUTOGRAD_GRADCHECK_H

#include "autograd/engine.h"

#define SC_GC_MAX_IN 6

typedef struct sc_gc_case {
    const char *name;   // `scaffold gradcheck --op NAME`
    int n_diff;         // x[0 .. n_diff) are differentiated
    int n_const;        // x[n_diff .. n_diff + n_const) are constants (labels, masks)
    // Creates the inputs in `store` (f64); must keep away from kinks of the op.
    void (*make)(sc_arena *store, sc_rng *rng, sc_tensor **x);
    sc_tensor *(*fn)(sc_ctx *ctx, sc_tensor **x);
} sc_gc_case;

typedef struct sc_gc_result {
    double max_abs;   // max |analytic - numeric|
    double max_rel;   // max |analytic - numeric| / max(1, |numeric|)
    int64_t n_coords; // coordinates compared
    int ok;
} sc_gc_result;

// Runs the order-`order` check of one case. Returns 0 if it ran (res->ok tells
// pass/fail), -1 if the op itself failed (err says why).
int sc_gradcheck_case(const sc_gc_case *c, int order, sc_gc_result *res, sc_err *err);

// All registered cases, NULL-name terminated, in a stable order.
const sc_gc_case *const *sc_gradcheck_cases(int *n);
const sc_gc_case *sc_gradcheck_find(const char *name);

// Helpers for `make`: a leaf f64 tensor in the store with entries uniform in
// [lo, hi) (optionally pushed at least `gap` away from 0), or i32 labels in [0, C).
sc_tensor *sc_gc_uniform(sc_arena *store, sc_rng *rng, int ndim, const int64_t *shape, double lo, double hi,
                         double gap);
sc_tensor *sc_gc_labels(sc_arena *store, sc_rng *rng, int ndim, const int64_t *shape, int64_t C);

// Case groups, one per ops/ file; each array ends with a {NULL} entry.
extern const sc_gc_case sc_gc_cases_elementwise[];
extern const sc_gc_case sc_gc_cases_shape[];
extern const sc_gc_case sc_gc_cases_nn[];
extern const sc_gc_case sc_gc_cases_loss[];
extern const sc_gc_case sc_gc_cases_sparse[];
extern const sc_gc_case sc_gc_cases_conv[];

#endif
