// sparse.h — forward kernels of the sparse normalizers (sparsemax, entmax-1.5)
// over contiguous rows, and their thresholds for one row.
//
// Both map a score row z (length n) onto the probability simplex, giving exact
// zeros to low scores:
//   sparsemax (Martins & Astudillo 2016):      p_i = [z_i - tau]_+,      sum p = 1
//   entmax-1.5 (Peters, Niculae & Martins 2019): p_i = [z_i/2 - tau]_+^2, sum p = 1
// tau is found exactly: sort the row in decreasing order, then for each candidate
// support size k (the k largest entries) solve sum_{i<=k} p_i = 1 for tau in
// closed form, and keep the largest k whose k-th entry is still above its tau.
//
// All arithmetic is in f64 (f32 rows are widened into the scratch buffer), and
// rows are shifted by their maximum first (both maps are shift-invariant), so
// a masked entry at -1e9 only ever meets the sort, never a cancelling sum.
// `scratch` holds n doubles, supplied by the caller (the op takes it from the
// step arena): the kernels never allocate.
#ifndef SC_KERNELS_SPARSE_H
#define SC_KERNELS_SPARSE_H

#include <stdint.h>

// Threshold of one row z (n >= 1, any order): p = [z - tau]_+. *support gets
// the support size k (>= 1). scratch (n) is overwritten with z sorted decreasing.
double sc_k_sparsemax_tau(const double *z, int64_t n, double *scratch, int64_t *support);
// Threshold of one row z: p = [z/2 - tau]_+^2 (tau relative to z/2, unshifted).
double sc_k_entmax15_tau(const double *z, int64_t n, double *scratch, int64_t *support);

// y (rows, n) = sparsemax / entmax15 of each row of x (rows, n); scratch (2 n).
void sc_k_sparsemax_f32(float *y, const float *x, int64_t rows, int64_t n, double *scratch);
void sc_k_sparsemax_f64(double *y, const double *x, int64_t rows, int64_t n, double *scratch);
void sc_k_entmax15_f32(float *y, const float *x, int64_t rows, int64_t n, double *scratch);
void sc_k_entmax15_f64(double *y, const double *x, int64_t rows, int64_t n, double *scratch);

// Fused backward (used when no graph is requested; ops/sparse.c has the op-based
// rules, which tests show agree): gx (rows, n) from g and the forward output y.
//   sparsemax: gx = s (g - sum(g s) / sum(s)),   s = [y > 0]
//   entmax15:  gx = s g - s sum(s g) / sum(s),   s = sqrt(y)
void sc_k_sparsemax_back_f32(float *gx, const float *g, const float *y, int64_t rows, int64_t n);
void sc_k_sparsemax_back_f64(double *gx, const double *g, const double *y, int64_t rows, int64_t n);
void sc_k_entmax15_back_f32(float *gx, const float *g, const float *y, int64_t rows, int64_t n);
void sc_k_entmax15_back_f64(double *gx, const double *g, const double *y, int64_t rows, int64_t n);
// How many fused backward passes ran (tests prove which path a rule took).
uint64_t sc_k_sparse_fused_count(void);

#endif
