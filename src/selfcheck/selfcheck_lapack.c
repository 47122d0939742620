// BLIS and LAPACKE headers declare the same Fortran symbols with different types,
// so each lives in its own translation unit.
#include <math.h>
#include <stdio.h>

#include "selfcheck/selfcheck.h"
#include <lapacke.h>

// Least squares min ||A x - b|| with A (6,2) row-major; the exact solution is known.
int sc_selfcheck_lapacke(sc_selfcheck_result *r) {
    r->name = "LAPACKE";
    snprintf(r->version, sizeof r->version, "%s", "dgels");
    double a[12], b[6];
    for (int i = 0; i < 6; i++) {
        a[2 * i] = 1.0;
        a[2 * i + 1] = (double)i;
        b[i] = 3.0 - 2.0 * i;  // b = 3 - 2 t exactly
    }
    lapack_int info = LAPACKE_dgels(LAPACK_ROW_MAJOR, 'N', 6, 2, 1, a, 2, b, 1);
    if (info != 0) return sc_selfcheck_fail(r, "dgels failed");
    double e = fabs(b[0] - 3.0) + fabs(b[1] + 2.0);
    char buf[96];
    snprintf(buf, sizeof buf, "dgels 6x2 least squares, error %.1e", e);
    return e < 1e-10 ? sc_selfcheck_pass(r, buf) : sc_selfcheck_fail(r, buf);
}

