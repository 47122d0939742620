// lstsq.h — dense least squares for LIME (LAPACKE dgels, in its own file
// because the BLIS and LAPACKE headers conflict).
#ifndef SC_EXPLAIN_LSTSQ_H
#define SC_EXPLAIN_LSTSQ_H

// min ||A x - b||_2 with A (m, n) row-major (overwritten) and b (max(m, n))
// whose first n entries receive x. Returns LAPACK's info (0 = success).
int sc_explain_lstsq(int m, int n, double *A, double *b);

#endif
