// engine.h — the define-by-run tape and reverse-mode differentiation.
//
// An sc_ctx owns a per-step arena (activations, the tape, gradients) and the
// grad mode. Each differentiable op computes its output eagerly and, when grad
// mode is on and some input requires grad, appends an sc_node to the tape: the
// op's definition (name + backward rule), its inputs, its output, and a few
// attributes. sc_grad walks the tape backwards from the outputs.
//
// Backward rules are written in the engine's own differentiable ops (the ops in
// ops/ops.h), never as opaque kernels. So when sc_grad runs with create_graph,
// grad mode stays on during the backward pass, the rules' ops are recorded on
// the same tape, and the gradients can be differentiated again — the
// gradient-of-a-gradient SMaT needs (and third order, which the tests check).
// Without create_graph nothing is recorded during backward and a rule may take a
// fused kernel instead (ctx->create_graph tells it which); tests show both agree.
//
// Errors are sticky: the first failure (shape mismatch, wrong dtype, arena
// exhausted) is stored in ctx->err naming the op and the shapes, the op returns
// NULL, and every later op given a NULL input returns NULL too. Check once, at
// the end of a step: `if (!loss) { fprintf(stderr, "%s\n", ctx->err.msg); ... }`.
#ifndef SC_AUTOGRAD_ENGINE_H
#define SC_AUTOGRAD_ENGINE_H

#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/rng.h"
#include "core/tensor.h"

typedef struct sc_ctx sc_ctx;
typedef struct sc_node sc_node;

// A backward rule: given the node and g = dL/d(out), writes gin[i] = dL/d(in[i])
// for every i with need[i] set, using differentiable ops on g, n->in, n->out and
// n->saved. Shapes of gin[i] must equal those of n->in[i] (sum_to helps there).
typedef void (*sc_rule_fn)(sc_ctx *ctx, const sc_node *n, sc_tensor *g, sc_tensor **gin, const int *need);

typedef struct sc_op_def {
    const char *name;
    sc_rule_fn rule;
} sc_op_def;

#define SC_NODE_IATTRS 10
#define SC_NODE_FATTRS 4

struct sc_node {
    const sc_op_def *op;
    int n_in;
    sc_tensor **in;                  // differentiable inputs
    sc_tensor *out;
    sc_tensor *saved[2];             // non-differentiable extras: indices, masks
    int64_t iattr[SC_NODE_IATTRS];   // axes, sizes, flags (meaning per op)
    double fattr[SC_NODE_FATTRS];    // scalars (meaning per op)
    uint32_t idx;                    // position on the tape
    sc_node *prev;
};

struct sc_ctx {
    sc_arena arena;        // per-step memory: tensors, nodes, gradients
    sc_node *tape;         // most recent node; follow ->prev
    uint32_t n_nodes;
    int no_grad;           // > 0: ops record nothing
    int create_graph;      // set while sc_grad runs with create_graph
    int failed;            // sticky error flag; err holds the first message
    sc_err err;
    sc_rng rng;            // dropout and other in-graph randomness
    struct sc_bufpool *pool;  // gradient buffers of the backward pass, kept for reuse (bufpool.h)
};

int sc_ctx_init(sc_ctx *ctx, size_t arena_bytes, uint64_t seed, sc_err *err);
void sc_ctx_free(sc_ctx *ctx);
// Ends a step: forgets the tape and every tensor allocated in the step arena.
// Parameters (in their own arena) survive. Clears a stored error too.
void sc_ctx_reset(sc_ctx *ctx);

// A point in the step to come back to: memory and tape recorded after it are dropped.
typedef struct sc_ctx_mark {
    size_t used;
    sc_node *tape;
    uint32_t n_nodes;
} sc_ctx_mark;
static inline sc_ctx_mark sc_ctx_get_mark(const sc_ctx *ctx) {
    sc_ctx_mark m = {ctx->arena.used, ctx->tape, ctx->n_nodes};
    return m;
}
void sc_ctx_rewind(sc_ctx *ctx, sc_ctx_mark m);

// Grad-mode scope: ops inside record nothing (evaluation, optimizer steps).
static inline void sc_no_grad_begin(sc_ctx *ctx) { ctx->no_grad++; }
static inline void sc_no_grad_end(sc_ctx *ctx) { ctx->no_grad--; }

// Records the first error (printf-style) and returns NULL, for `return sc_fail(...)`.
sc_tensor *sc_fail(sc_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

// ---- tensor creation (step arena unless noted) ----------------------------------
sc_tensor *sc_empty(sc_ctx *ctx, sc_dtype dtype, int ndim, const int64_t *shape);
sc_tensor *sc_empty_like(sc_ctx *ctx, const sc_tensor *x);
sc_tensor *sc_zeros(sc_ctx *ctx, sc_dtype dtype, int ndim, const int64_t *shape);
sc_tensor *sc_full(sc_ctx *ctx, sc_dtype dtype, int ndim, const int64_t *shape, double value);
sc_tensor *sc_zeros_like(sc_ctx *ctx, const sc_tensor *x);
sc_tensor *sc_ones_like(sc_ctx *ctx, const sc_tensor *x);
sc_tensor *sc_scalar(sc_ctx *ctx, sc_dtype dtype, double value);  // shape ()
// Copies `values` (row-major, converted to dtype) into a new tensor.
sc_tensor *sc_from_f64(sc_ctx *ctx, sc_dtype dtype, int ndim, const int64_t *shape, const double *values);
// A view sharing x's data with no history and no grad requirement.
sc_tensor *sc_detach(sc_ctx *ctx, const sc_tensor *x);
// A new view header over x's data (same history): for ops that only change metadata.
sc_tensor *sc_view_of(sc_ctx *ctx, const sc_tensor *x);

// ---- recording (for op implementations) ------------------------------------------
// After computing `out`, call this: if grad mode is on and an input requires grad,
// a node is appended to the tape, out->requires_grad is set and the node is
// returned for the op to store its attributes; otherwise returns NULL.
sc_node *sc_record(sc_ctx *ctx, const sc_op_def *op, sc_tensor *out, int n_in, sc_tensor *const *in);

// ---- differentiation ----------------------------------------------------------------
// Gradients of sum_j <grad_outputs[j], outputs[j]> with respect to each inputs[i].
// grad_outputs may be NULL when every output has one element (seeds of 1). With
// create_graph the returned gradients are themselves on the tape and can be
// differentiated again. Mutates nothing but the step arena (and the tape, with
// create_graph). An input that requires grad but does not influence the outputs
// gets zeros; an input that does not require grad is an error (it is not on the
// tape). Returns an array of n_inputs tensors, or NULL on error.
sc_tensor **sc_grad(sc_ctx *ctx, sc_tensor *const *outputs, int n_outputs, sc_tensor *const *inputs,
                    int n_inputs, sc_tensor *const *grad_outputs, int create_graph);

#endif
