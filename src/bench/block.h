// block.h — one pre-LN transformer block (B=32, T=64, C=128, 4 heads) with the
// loss mean(y * r): the case `scaffold bench engine` times and the side-by-side
// comparison (scripts/bench/) replicates. Parameters and inputs are seeded, so
// every process that builds the block gets the same numbers.
//
//   h  = LN1(x)                         eps 1e-5, "ln1.g", "ln1.b"
//   q, k, v = heads(h @ attn.w + attn.b)    (B, H, T, D), D = C / H
//   x1 = x + (softmax(q kᵀ / sqrt(D)) v, heads merged) @ proj.w + proj.b
//   y  = x1 + GELU_tanh(LN2(x1) @ fc.w + fc.b) @ out.w + out.b
//   L  = mean(y * r)
#ifndef SC_BENCH_BLOCK_H
#define SC_BENCH_BLOCK_H

#include "autograd/engine.h"
#include "core/params.h"

enum { SC_BLOCK_B = 32, SC_BLOCK_T = 64, SC_BLOCK_C = 128, SC_BLOCK_H = 4 };

// The passes: forward; forward + gradient w.r.t. every parameter; forward,
// create_graph gradient g, then the gradient of <g, g> (a Hessian-vector
// product, as in a SMaT meta step).
typedef enum sc_block_mode { SC_BLOCK_FWD = 0, SC_BLOCK_FWD_BWD = 1, SC_BLOCK_DOUBLE = 2 } sc_block_mode;

typedef struct sc_bench_block {
    sc_ctx *ctx;       // borrowed: reset by every run
    sc_params P;       // parameters, then x and r (so context resets keep them)
    sc_tensor *x, *r;  // input (B, T, C), projection of the loss (B, T, C)
    sc_block_mode mode;
    size_t peak;       // peak step-arena bytes of the last run
} sc_bench_block;

// Parameters (N(0, 0.02) weights, seed 11; unit gains, zero biases), x and r
// (N(0, 1), seed 5). 0, or -1 with err. Free with sc_bench_block_free after the
// context no longer reads the slab (core/params.h).
int sc_bench_block_init(sc_bench_block *b, sc_ctx *ctx, sc_err *err);
void sc_bench_block_free(sc_bench_block *b);

// L on the tape of b->ctx (NULL on failure, ctx->err set).
sc_tensor *sc_bench_block_loss(sc_bench_block *b);
// One pass of b->mode after a context reset (sc_bench_time's callback).
void sc_bench_block_run(void *b);

// The values a replica must reproduce: L, Σ‖∇L‖² and Σ‖∇(Σ‖∇L‖²)‖² (the three
// passes' results, reduced to numbers). 0, or -1 with err.
int sc_bench_block_values(sc_bench_block *b, double *loss, double *grad_sq, double *hvp_sq, sc_err *err);

#endif
