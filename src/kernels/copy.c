#include "kernels/copy.h"

#include <string.h>

#define COPY_LOOP(T)                                                                          \
    do {                                                                                      \
        T *d = dst;                                                                           \
        const T *s = src;                                                                     \
        int64_t inner = ndim ? shape[ndim - 1] : 1, di = ndim ? dstride[ndim - 1] : 0,        \
                si = ndim ? sstride[ndim - 1] : 0;                                            \
        int64_t outer = 1, idx[8] = {0}, od = 0, os = 0;                                      \
        for (int k = 0; k < ndim - 1; k++) outer *= shape[k];                                 \
        if (inner == 0) return;                                                               \
        for (int64_t r = 0; r < outer; r++) {                                                 \
            if (di == 1 && si == 1)                                                           \
                memcpy(d + od, s + os, sizeof(T) * (size_t)inner);                            \
            else                                                                              \
                for (int64_t j = 0; j < inner; j++) d[od + j * di] = s[os + j * si];          \
            for (int k = ndim - 2; k >= 0; k--) {                                             \
                idx[k]++;                                                                     \
                od += dstride[k];                                                             \
                os += sstride[k];                                                             \
                if (idx[k] < shape[k]) break;                                                 \
                od -= dstride[k] * shape[k];                                                  \
                os -= sstride[k] * shape[k];                                                  \
                idx[k] = 0;                                                                   \
            }                                                                                 \
        }                                                                                     \
    } while (0)

void sc_k_copy_strided(void *dst, const int64_t *dstride, const void *src, const int64_t *sstride, int ndim,
                       const int64_t *shape, size_t elsize) {
    for (int k = 0; k < ndim; k++)
        if (shape[k] == 0) return;
    if (elsize == 8)
        COPY_LOOP(uint64_t);
    else
        COPY_LOOP(uint32_t);
}
