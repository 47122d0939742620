// gemm_direct.h — small f32 products straight onto BLIS's own micro-kernel.
//
// A BLIS call costs 2-3 µs before any arithmetic (objects, control tree,
// packing pools, thread info): more than the product itself for attention's
// per-head (T, d) x (d, T) products at T = 25, d = 16, of which a meta step
// runs hundreds. For such products scaffold packs A and B itself and calls the
// micro-kernel of the BLIS configuration in use (bli_cntx_get_l3_nat_ukr_dt),
// the code BLIS's own path ends in: the same kernel, the same packed layout,
// the same order of additions, so the same bits (tests/test_deps.c checks
// this against bli_sgemm on every shape class), at a fraction of the call
// cost (`scaffold bench engine`, "small products": 25 x 25 x 16 in 0.64 µs
// against 3.41 for bli_sgemm on this machine's skx kernels).
//
// Only products with k <= KC (BLIS's k blocking, so BLIS too would run one
// pass over k), small enough packed panels, and that BLIS would not hand to
// its own small-product ('sup') kernels (configurations that have them:
// haswell, zen*) take this path.
#ifndef SC_KERNELS_GEMM_DIRECT_H
#define SC_KERNELS_GEMM_DIRECT_H

#include <stdint.h>

// C (m, n) = alpha A (m, k) B (k, n) + beta C with the strides of gemm.h, on the
// calling thread. Returns 0 when done, -1 (nothing touched) when the product
// is not one this path takes: the caller then calls BLIS.
int sc_sgemm_direct(int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t rsa, int64_t csa,
                    const float *b, int64_t rsb, int64_t csb, float beta, float *c, int64_t rsc, int64_t csc);

#endif
