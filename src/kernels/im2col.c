// im2col.c — see im2col.h. One pass per (b, c, i, j) row of the column matrix;
// out-of-image rows and columns are handled by range checks, no padded copy.
#include "kernels/im2col.h"

#include <string.h>

#define IM2COL_KERNELS(T, SUFFIX)                                                                    \
    void sc_k_im2col_##SUFFIX(T *cols, const T *x, const sc_im2col_geom *g) {                          \
        int64_t L = g->OH * g->OW;                                                                     \
        for (int64_t b = 0; b < g->B; b++)                                                             \
            for (int64_t c = 0; c < g->C; c++) {                                                       \
                const T *xc = x + (b * g->C + c) * g->H * g->W; /* (H, W) */                           \
                for (int64_t i = 0; i < g->kh; i++)                                                    \
                    for (int64_t j = 0; j < g->kw; j++) {                                              \
                        T *row = cols + ((b * g->C + c) * g->kh * g->kw + i * g->kw + j) * L; /* (L) */ \
                        for (int64_t oh = 0; oh < g->OH; oh++) {                                       \
                            int64_t ih = oh * g->stride - g->pad + i;                                  \
                            T *r = row + oh * g->OW;                                                   \
                            if (ih < 0 || ih >= g->H) {                                                \
                                for (int64_t ow = 0; ow < g->OW; ow++) r[ow] = (T)0;                   \
                                continue;                                                              \
                            }                                                                          \
                            for (int64_t ow = 0; ow < g->OW; ow++) {                                   \
                                int64_t iw = ow * g->stride - g->pad + j;                              \
                                r[ow] = (iw >= 0 && iw < g->W) ? xc[ih * g->W + iw] : (T)0;             \
                            }                                                                          \
                        }                                                                              \
                    }                                                                                  \
            }                                                                                          \
    }                                                                                                  \
    void sc_k_col2im_##SUFFIX(T *x, const T *cols, const sc_im2col_geom *g) {                          \
        int64_t L = g->OH * g->OW;                                                                     \
        memset(x, 0, (size_t)(g->B * g->C * g->H * g->W) * sizeof(T));                                 \
        for (int64_t b = 0; b < g->B; b++)                                                             \
            for (int64_t c = 0; c < g->C; c++) {                                                       \
                T *xc = x + (b * g->C + c) * g->H * g->W; /* (H, W) */                                 \
                for (int64_t i = 0; i < g->kh; i++)                                                    \
                    for (int64_t j = 0; j < g->kw; j++) {                                              \
                        const T *row = cols + ((b * g->C + c) * g->kh * g->kw + i * g->kw + j) * L;     \
                        for (int64_t oh = 0; oh < g->OH; oh++) {                                       \
                            int64_t ih = oh * g->stride - g->pad + i;                                  \
                            if (ih < 0 || ih >= g->H) continue;                                        \
                            const T *r = row + oh * g->OW;                                             \
                            for (int64_t ow = 0; ow < g->OW; ow++) {                                   \
                                int64_t iw = ow * g->stride - g->pad + j;                              \
                                if (iw >= 0 && iw < g->W) xc[ih * g->W + iw] += r[ow];                 \
                            }                                                                          \
                        }                                                                              \
                    }                                                                                  \
            }                                                                                          \
    }

IM2COL_KERNELS(float, f32)
IM2COL_KERNELS(double, f64)
