// hg_impl.h — internals shared by the hypergradient methods (hypergrad.c,
// implicit.c, hg_darts.c; the registry hg_methods.c): θ, state and φ as flat
// f64 vectors, and overwriting the leaves.
//
// Every vector a method keeps across backward passes (stored θ_j, adjoints,
// Krylov vectors) lives in one malloc'd f64 workspace per call, so the step
// arena can be rewound after every pass and nothing is allocated in the loops.
// f32 → f64 → f32 round trips are exact, so restoring θ is exact for both dtypes.
#ifndef SC_SMAT_HG_IMPL_H
#define SC_SMAT_HG_IMPL_H

#include "smat/hypergrad.h"

// Total elements of n tensors.
int64_t sc_hg_count(sc_tensor *const *t, int n);
// dst[...] = the tensors' values, concatenated (any strides, f32/f64).
void sc_hg_gather(sc_tensor *const *t, int n, double *dst);
// The tensors' data = src (overwrites leaves in place; any strides).
void sc_hg_scatter(sc_tensor *const *t, int n, const double *src);
// New step-arena tensors shaped like `like` holding src; out[i]; 0 or -1 (ctx->err).
int sc_hg_tensors(sc_ctx *ctx, sc_tensor *const *like, int n, const double *src, sc_tensor **out);

double sc_hg_dot(const double *a, const double *b, int64_t n);

// L_in (step j) / L_out at the current leaves, checked: NULL with err set.
sc_tensor *sc_hg_inner(const sc_bilevel *b, sc_ctx *ctx, int j, const char *method, sc_err *err);
sc_tensor *sc_hg_outer(const sc_bilevel *b, sc_ctx *ctx, const char *method, sc_err *err);
// ∇_θ of a scalar loss into dst (flat), no graph. 0 or -1 with err.
int sc_hg_grad_theta(const sc_bilevel *b, sc_ctx *ctx, sc_tensor *L, double *dst, const char *method, sc_err *err);
// Copies ctx->err into err with the method's name; returns -1.
int sc_hg_fail(sc_ctx *ctx, const char *method, const char *what, sc_err *err);

// The methods (registry rows in hg_methods.c): signatures as sc_hg_method_def.fn.
int sc_hg_unrolled(const sc_bilevel *b, sc_ctx *ctx, const sc_hg_cfg *cfg, double *dphi, sc_hg_stats *st,
                   sc_err *err);  // hypergrad.c
int sc_hg_neumann(const sc_bilevel *b, sc_ctx *ctx, const sc_hg_cfg *cfg, double *dphi, sc_hg_stats *st,
                  sc_err *err);  // implicit.c
int sc_hg_cg(const sc_bilevel *b, sc_ctx *ctx, const sc_hg_cfg *cfg, double *dphi, sc_hg_stats *st, sc_err *err);
int sc_hg_darts(const sc_bilevel *b, sc_ctx *ctx, const sc_hg_cfg *cfg, double *dphi, sc_hg_stats *st,
                sc_err *err);  // hg_darts.c
void sc_hg_neumann_describe(const sc_hg_stats *st, char *buf, size_t cap);
void sc_hg_cg_describe(const sc_hg_stats *st, char *buf, size_t cap);
void sc_hg_darts_describe(const sc_hg_stats *st, char *buf, size_t cap);

#endif
