// gemm.h — every matrix product in scaffold goes through these two wrappers.
//
// C = alpha * op(A) @ op(B) + beta * C with explicit row and column strides, so a
// transposed operand is just a view with swapped strides (no copy). BLIS's typed
// API takes (rs, cs) per matrix; for row-major contiguous A of shape (m, k),
// rs = k and cs = 1, and its transpose is rs = 1, cs = k.
//
//   C: (m, n)   A: (m, k)   B: (k, n)   after applying the strides.
//
// The numbers' contract: sc_sgemm's C is bit for bit what bli_sgemm gives on
// one thread for the same A and B with B stored by rows. An f32 B stored by
// columns is copied to rows first when m >= 8 (gemm.c says why: BLIS's
// dot-product kernels), so the two storages of B give the same bits there.
#ifndef SC_KERNELS_GEMM_H
#define SC_KERNELS_GEMM_H

#include <stddef.h>
#include <stdint.h>

void sc_sgemm(int64_t m, int64_t n, int64_t k, float alpha,
              const float *a, int64_t rsa, int64_t csa,
              const float *b, int64_t rsb, int64_t csb, float beta,
              float *c, int64_t rsc, int64_t csc);

void sc_dgemm(int64_t m, int64_t n, int64_t k, double alpha,
              const double *a, int64_t rsa, int64_t csa,
              const double *b, int64_t rsb, int64_t csb, double beta,
              double *c, int64_t rsc, int64_t csc);

// The BLIS sub-configuration (kernel set) in use, e.g. "skx", "haswell", "generic".
const char *sc_blas_kernels(void);
// `batches` products C_i (m, n) = A_i @ B_i, with A_i = a + oa[i] (strides rsa,
// csa), B_i = b + ob[i] (rsb, csb) and C_i = c + i m n contiguous; a and c are
// float, or double when f64. Small products run one per thread, larger ones
// one after another with BLIS's threads inside each.
void sc_gemm_batch(int f64, int64_t batches, int64_t m, int64_t n, int64_t k, const void *a, const int64_t *oa,
                   int64_t rsa, int64_t csa, const void *b, const int64_t *ob, int64_t rsb, int64_t csb, void *c);

// The thread count of products is set with sc_set_threads (kernels/parallel.h).

// Accounting of wall time spent inside BLIS products and of their flops
// (2·m·n·k per product), off by default; reset clears both.
void sc_blas_profile(int on);
double sc_blas_seconds(void);
double sc_blas_flops(void);
void sc_blas_profile_reset(void);

// Releases BLIS's internal memory pools (call once, at process exit).
void sc_blas_finalize(void);

#endif
