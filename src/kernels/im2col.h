// im2col.h — image patches as matrix columns (and the adjoint), the kernel behind
// conv2d (a GEMM over the columns) and pooling (a reduction over each column).
//
// x (B, C, H, W) with zero padding `pad` on every side and a kh x kw window moved
// by `stride`:
//   OH = (H + 2 pad - kh) / stride + 1,  OW = (W + 2 pad - kw) / stride + 1
//   cols[b, (c kh + i) kw + j, oh OW + ow] = x[b, c, oh stride - pad + i, ow stride - pad + j]
// (0 where that position falls in the padding). col2im is the exact adjoint: it
// sums each column entry back onto the pixel it was read from.
#ifndef SC_KERNELS_IM2COL_H
#define SC_KERNELS_IM2COL_H

#include <stdint.h>

typedef struct sc_im2col_geom {
    int64_t B, C, H, W;        // input
    int64_t kh, kw, stride, pad;
    int64_t OH, OW;            // output positions
} sc_im2col_geom;

// cols (B, C kh kw, OH OW) from x (B, C, H, W); both contiguous.
void sc_k_im2col_f32(float *cols, const float *x, const sc_im2col_geom *g);
void sc_k_im2col_f64(double *cols, const double *x, const sc_im2col_geom *g);
// x (B, C, H, W) = the adjoint applied to cols (B, C kh kw, OH OW); x is overwritten.
void sc_k_col2im_f32(float *x, const float *cols, const sc_im2col_geom *g);
void sc_k_col2im_f64(double *x, const double *cols, const sc_im2col_geom *g);

#endif
