// copy.h — strided copies: the one kernel behind contiguous(), concat, unslice.
#ifndef SC_KERNELS_COPY_H
#define SC_KERNELS_COPY_H

#include <stddef.h>
#include <stdint.h>

// dst[i0*ds0 + ...] = src[i0*ss0 + ...] over the index space `shape` (ndim dims),
// strides in elements of size elsize (4 or 8). ndim == 0 copies one element.
void sc_k_copy_strided(void *dst, const int64_t *dstride, const void *src, const int64_t *sstride, int ndim,
                       const int64_t *shape, size_t elsize);

#endif
