// copy.h — strided copies: the one kernel behind contiguous(), concat, unslice.
#ifndef SC_KERNELS_COPY_H
#define SC_KERNELS_COPY_H

#include <stddef.h>
#include <stdint.h>

// dst[i0*ds0 + ...] = src[i0*ss0 + ...] over the index space `shape` (ndim dims),
// strides in elements of size elsize (4 or 8). ndim == 0 copies one element.
void sc_k_copy_strided(void *dst, const int64_t *dstride, const void *src, const int64_t *sstride, int ndim,
                       const int64_t *shape, size_t elsize);

// dst[i] = src[i], or dst[i] += src[i] (f32, or f64 when f64 is set), for
// contiguous arrays of n elements, on the run's threads (kernels/parallel.h):
// each element computed as the serial loop would, so the same bits at any
// thread count. The backward pass moves its gradient buffers with these.
void sc_k_copy_flat(void *dst, const void *src, int64_t n, size_t elsize);
void sc_k_add_flat(void *dst, const void *src, int64_t n, int f64);

#endif
