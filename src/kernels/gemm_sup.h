// gemm_sup.h — small f32 products straight onto BLIS's small-product ('sup') kernels.
//
// On configurations with sup kernels (haswell, zen*), BLIS runs every product
// below its sup thresholds unpacked, through bli_gemmsup_ref: it picks a
// block-panel (var2m) or panel-block (var1n) loop nest from the storage of
// A, B and C, cuts k into KC blocks (KC depending on storage and shape), and
// calls the sup millikernel for that storage. Before the first flop it builds
// objects, a runtime and a thread-info tree: about 2 µs, more than the product
// itself for attention's per-head (25, 16) x (16, 25) products, of which a
// meta step runs about 900 (`scaffold bench engine`, "small products").
//
// sc_sgemm_sup runs the block-panel nest itself, one thread, no packing, on
// the same kernels with the same blocks and arguments, so each C element comes
// from the same additions in the same order: BLIS's bits. It declines the
// products BLIS gives its panel-block nest (C with fewer MR-row tiles than
// NR-column tiles), whose kernel calls it does not reproduce. The nest is
// BLIS 0.9's (frame/3/bli_l3_sup_int.c, bli_l3_sup_var1n2m.c), so the path is
// taken only with BLIS 0.9, and for each storage case only after products of
// that case gave bli_sgemm's bits here (a check run once per process).
// tests/test_deps.c compares it with bli_sgemm over shapes, storages and
// alpha/beta, including products that span several blocks.
#ifndef SC_KERNELS_GEMM_SUP_H
#define SC_KERNELS_GEMM_SUP_H

#include <stdint.h>

// C (m, n) = alpha A (m, k) B (k, n) + beta C with the strides of gemm.h, on the
// calling thread. Returns 0 when done; -1 (nothing touched) when BLIS would
// not take its sup path for this product (or this path is off, see above):
// the caller then calls BLIS.
int sc_sgemm_sup(int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t rsa, int64_t csa,
                 const float *b, int64_t rsb, int64_t csb, float beta, float *c, int64_t rsc, int64_t csc);

#endif
