// lstsq_lapack.c — see lstsq.h. No blis.h here: the two headers conflict.
#include "explain/lstsq.h"
#include <lapacke.h>

int sc_explain_lstsq(int m, int n, double *A, double *b) {
    return (int)LAPACKE_dgels(LAPACK_ROW_MAJOR, 'N', m, n, 1, A, n, b, 1);
}
