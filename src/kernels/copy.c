#include "kernels/copy.h"

#include <string.h>

#include "kernels/parallel.h"

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

typedef struct {
    void *dst;
    const void *src;
    size_t elsize;
    int f64;
} flat_job;

static void copy_range(void *p, int64_t lo, int64_t hi) {
    const flat_job *j = p;
    memcpy((char *)j->dst + (size_t)lo * j->elsize, (const char *)j->src + (size_t)lo * j->elsize,
           (size_t)(hi - lo) * j->elsize);
}

static void add_range(void *p, int64_t lo, int64_t hi) {
    const flat_job *j = p;
    if (j->f64) {
        double *d = j->dst;
        const double *s = j->src;
        for (int64_t i = lo; i < hi; i++) d[i] += s[i];
    } else {
        float *d = j->dst;
        const float *s = j->src;
        for (int64_t i = lo; i < hi; i++) d[i] += s[i];
    }
}

void sc_k_copy_flat(void *dst, const void *src, int64_t n, size_t elsize) {
    flat_job j = {dst, src, elsize, 0};
    sc_parallel_for(n, SC_PARALLEL_MIN_ELEMENTS, copy_range, &j);
}

void sc_k_add_flat(void *dst, const void *src, int64_t n, int f64) {
    flat_job j = {dst, src, f64 ? sizeof(double) : sizeof(float), f64};
    sc_parallel_for(n, SC_PARALLEL_MIN_ELEMENTS, add_range, &j);
}
