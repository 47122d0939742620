#include "kernels/gemm.h"

#include "core/clock.h"

#include <blis-pthread/blis.h>  // Debian libblis-pthread-dev; see build.zig

// BLIS rejects k == 0 products in some configurations; the mathematically right
// answer is C = beta * C, which we do by hand so callers need no special case.
static void scale_c_f32(int64_t m, int64_t n, float beta, float *c, int64_t rsc, int64_t csc) {
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++) {
            float *p = c + i * rsc + j * csc;
            *p = beta == 0.0f ? 0.0f : beta * *p;
        }
}

static void scale_c_f64(int64_t m, int64_t n, double beta, double *c, int64_t rsc, int64_t csc) {
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++) {
            double *p = c + i * rsc + j * csc;
            *p = beta == 0.0 ? 0.0 : beta * *p;
        }
}

// BLIS validates strides even along a dimension of size 1, where they are
// meaningless; give such a dimension the stride a contiguous layout would have.
static void canon(int64_t rows, int64_t cols, int64_t *rs, int64_t *cs) {
    if (rows == 1) *rs = cols * (*cs ? *cs : 1);
    if (cols == 1) *cs = 1;
    if (rows == 1 && cols == 1) *rs = *cs = 1;
}

// Optional accounting of the time spent inside BLIS and of the products' flops
// (`scaffold bench train` and `bench meta` report the share of step time and
// the GFLOP/s a step achieves). Off by default: two clock reads a call.
static int prof_on;
static double prof_seconds, prof_flops;

void sc_blas_profile(int on) { prof_on = on; }
double sc_blas_seconds(void) { return prof_seconds; }
double sc_blas_flops(void) { return prof_flops; }
void sc_blas_profile_reset(void) { prof_seconds = prof_flops = 0; }

void sc_sgemm(int64_t m, int64_t n, int64_t k, float alpha,
              const float *a, int64_t rsa, int64_t csa,
              const float *b, int64_t rsb, int64_t csb, float beta,
              float *c, int64_t rsc, int64_t csc) {
    if (m == 0 || n == 0) return;
    if (k == 0) { scale_c_f32(m, n, beta, c, rsc, csc); return; }
    canon(m, k, &rsa, &csa);
    canon(k, n, &rsb, &csb);
    canon(m, n, &rsc, &csc);
    double t0 = prof_on ? sc_now() : 0;
    bli_sgemm(BLIS_NO_TRANSPOSE, BLIS_NO_TRANSPOSE, (dim_t)m, (dim_t)n, (dim_t)k, &alpha,
              (float *)a, (inc_t)rsa, (inc_t)csa, (float *)b, (inc_t)rsb, (inc_t)csb, &beta,
              c, (inc_t)rsc, (inc_t)csc);
    if (prof_on) {
        prof_seconds += sc_now() - t0;
        prof_flops += 2.0 * (double)m * (double)n * (double)k;
    }
}

void sc_dgemm(int64_t m, int64_t n, int64_t k, double alpha,
              const double *a, int64_t rsa, int64_t csa,
              const double *b, int64_t rsb, int64_t csb, double beta,
              double *c, int64_t rsc, int64_t csc) {
    if (m == 0 || n == 0) return;
    if (k == 0) { scale_c_f64(m, n, beta, c, rsc, csc); return; }
    canon(m, k, &rsa, &csa);
    canon(k, n, &rsb, &csb);
    canon(m, n, &rsc, &csc);
    double t0 = prof_on ? sc_now() : 0;
    bli_dgemm(BLIS_NO_TRANSPOSE, BLIS_NO_TRANSPOSE, (dim_t)m, (dim_t)n, (dim_t)k, &alpha,
              (double *)a, (inc_t)rsa, (inc_t)csa, (double *)b, (inc_t)rsb, (inc_t)csb, &beta,
              c, (inc_t)rsc, (inc_t)csc);
    if (prof_on) {
        prof_seconds += sc_now() - t0;
        prof_flops += 2.0 * (double)m * (double)n * (double)k;
    }
}

void sc_blas_set_threads(int nthreads) { bli_thread_set_num_threads(nthreads < 1 ? 1 : nthreads); }

int sc_blas_get_threads(void) { return (int)bli_thread_get_num_threads(); }

// BLIS keeps packing-buffer pools for the life of the process; freeing them at
// exit keeps leak checkers quiet about memory that is really still owned.
void sc_blas_finalize(void) { bli_finalize(); }
