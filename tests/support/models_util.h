// models_util.h — what the model tests (test_models_text.c, _vision.c,
// _tabular.c) share: an architecture under test as a table row, building it,
// text inputs and a forward pass, shape checks, the seeding check, a tiny
// training run that must fit, and the finite-difference check of derivatives
// with respect to every parameter. The explainer tests build their models and
// inputs with it too.
// Needs sc_test.h (cmocka) first.
#ifndef SC_TEST_MODELS_UTIL_H
#define SC_TEST_MODELS_UTIL_H

#include "models/model.h"

// A registered model with "key=value" config overrides (NULL-terminated).
typedef struct mu_arch {
    const char *role, *name;
    const char *kv[6];
} mu_arch;

// Builds a's model for `shape` with dtype=`dtype` from `seed`; fails the test on an error.
void mu_make(sc_model *m, const mu_arch *a, const char *dtype, const sc_model_shape *shape, uint64_t seed);

// B text sequences (B, T) in ctx: [CLS] (id 1), then lens[b] words drawn from
// [2, V) by a generator seeded with `seed`, then padding (id 0, mask 0).
void mu_text_inputs(sc_ctx *ctx, sc_inputs *in, int64_t B, int64_t T, const int64_t *lens, int64_t V, sc_dtype dt,
                    uint64_t seed);

// The forward pass (evaluation mode) filling *st; fails the test on an error.
sc_tensor *mu_forward(const sc_model *m, sc_ctx *ctx, const sc_inputs *in, sc_model_state *st);

// t is non-NULL with nd dimensions of the given sizes.
void mu_expect_shape(const sc_tensor *t, int nd, const int64_t *shape);

double mu_max_abs(const sc_tensor *t);

void mu_set_requires_grad(sc_model *m, int on);

// Seeding: builds a and b from seed 42 (f32) and expects bit-identical
// parameters (names, sizes, bytes); a third model from seed 43 must differ (it
// is freed here). The caller checks more and frees a and b.
void mu_expect_seeding(sc_model *a, sc_model *b, const mu_arch *arch, const sc_model_shape *shape);

// ---- a tiny training run -------------------------------------------------------------
typedef struct mu_fit {
    // One step's loss on the model in training mode, its inputs built in ctx (just reset).
    sc_tensor *(*loss)(sc_ctx *ctx, sc_model *m, void *arg);
    void *arg;
    int steps;
    double lr;
    double target;     // the last loss must be below this (and below the first loss) ...
    int relative;      // ... or, if set, below target x the first loss
    const char *what;  // names the model (and the task) in the failure message
} mu_fit;

// Trains m with Adam (no decay, no clipping) for spec->steps steps; fails the
// test unless the loss ends below the target.
void mu_expect_fit(sc_ctx *ctx, sc_model *m, const mu_fit *spec);

// ---- finite differences of parameter derivatives ------------------------------------
typedef struct mu_fd {
    // The scalar whose derivatives are checked, evaluated with one coordinate of one parameter moved.
    double (*f)(sc_ctx *ctx, sc_model *m, void *arg);
    void *arg;
    // The flat index of probe c (0 .. n_coords - 1) of parameter p; NULL or a
    // negative answer: the spread (numel (2c + 1) / (2 n_coords) + c) mod numel.
    int64_t (*coord)(const sc_model *m, int p, int c, const void *coord_arg);
    const void *coord_arg;
    int n_coords;       // probes per parameter
    double tol;         // |fd - analytic| <= tol max(1, |fd|)
    double nonzero;     // an analytic value above this counts as carrying gradient
    const char *what;   // names the model in failure messages
    const char *label;  // what the analytic value is called in them (NULL: "analytic")
} mu_fd;

// Central differences (step 1e-5) of spec->f against grad[p], the analytic
// derivative with respect to m->params.t[p], at spec->n_coords coordinates of
// every parameter (each restored bit-exactly). Fails the test on a mismatch;
// returns how many of the analytic values were above spec->nonzero.
int mu_fd_check(sc_ctx *ctx, sc_model *m, sc_tensor *const *grad, const mu_fd *spec);

// The first-order check: d logit[row, col] / d(parameters) by sc_grad against
// central differences of the forward (evaluation mode, no grad) on `in`. spec
// gives the probes, tolerance and names (its f and arg are ignored).
int mu_check_logit_grads(sc_ctx *ctx, sc_model *m, const sc_inputs *in, int64_t row, int64_t col,
                         const mu_fd *spec);

#endif
