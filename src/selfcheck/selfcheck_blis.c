// BLIS and LAPACKE headers declare the same Fortran symbols with different types,
// so each lives in its own translation unit.
#include <math.h>
#include <stdio.h>

#include "selfcheck/selfcheck.h"
#include <blis-openmp/blis.h>  // Debian libblis-openmp-dev; see build.zig

#include "kernels/gemm.h"

// C (m,n) = A^T (m,k) @ B (k,n), with A stored (k,m) row-major: the transposed view
// exercises BLIS's general strides. Compared against a naive triple loop in f64.
int sc_selfcheck_blis(sc_selfcheck_result *r) {
    r->name = "BLIS";
    snprintf(r->version, sizeof r->version, "%s", bli_info_get_version_str());
    enum { M = 37, N = 29, K = 53 };
    static float a[K * M], b[K * N], c[M * N];
    for (int i = 0; i < K * M; i++) a[i] = (float)((i * 7919) % 17 - 8) / 8.0f;
    for (int i = 0; i < K * N; i++) b[i] = (float)((i * 104729) % 13 - 6) / 6.0f;
    sc_sgemm(M, N, K, 1.0f, a, 1, M, b, N, 1, 0.0f, c, N, 1);
    double maxerr = 0;
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            double s = 0;
            for (int p = 0; p < K; p++) s += (double)a[p * M + i] * b[p * N + j];
            double e = fabs(s - c[i * N + j]);
            if (e > maxerr) maxerr = e;
        }
    char buf[128];
    snprintf(buf, sizeof buf, "sgemm 37x29x53 (A transposed) max err %.2e; kernels '%s'", maxerr, sc_blas_kernels());
    return maxerr < 1e-4 ? sc_selfcheck_pass(r, buf) : sc_selfcheck_fail(r, buf);
}

