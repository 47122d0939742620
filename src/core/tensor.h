// tensor.h — the n-d array: dtype, shape, strides, data; plus its place on the tape.
//
// Row-major with element strides, up to SC_MAX_DIMS dimensions. A view (reshape of
// a contiguous tensor, permute/transpose, slice, expand) shares `data` and changes
// only shape/strides; an expanded (broadcast) dimension has stride 0. Tensors are
// never freed individually: their memory belongs to an arena (core/arena.h).
//
// dtypes: f32 for training, f64 for gradient checks, i32 for indices and labels
// (never differentiated).
#ifndef SC_CORE_TENSOR_H
#define SC_CORE_TENSOR_H

#include <stddef.h>
#include <stdint.h>

#define SC_MAX_DIMS 6

typedef enum sc_dtype { SC_F32 = 0, SC_F64 = 1, SC_I32 = 2 } sc_dtype;

struct sc_node;

typedef struct sc_tensor {
    void *data;                     // element [0, ..., 0] of this view
    sc_dtype dtype;
    int ndim;
    int64_t shape[SC_MAX_DIMS];
    int64_t stride[SC_MAX_DIMS];    // in elements, not bytes
    int64_t numel;
    struct sc_node *node;           // the recorded op that produced it; NULL for leaves
    int requires_grad;              // leaf parameters, or anything computed from them
    const char *name;               // optional, for messages and checkpoints
} sc_tensor;

size_t sc_dtype_size(sc_dtype t);
const char *sc_dtype_name(sc_dtype t);

// Fills dtype/shape/contiguous strides/numel (data and graph fields untouched).
void sc_tensor_set_shape(sc_tensor *t, sc_dtype dtype, int ndim, const int64_t *shape);
int sc_tensor_is_contiguous(const sc_tensor *t);
int sc_same_shape(const sc_tensor *a, const sc_tensor *b);
// "(2, 3, 4) f32" into buf; returns buf (for use inside error messages).
const char *sc_shape_str(const sc_tensor *t, char *buf, size_t n);

struct sc_arena;
// A tensor in a given arena (parameters, optimizer state, test fixtures): a leaf,
// zero-filled. NULL if the arena is full or ndim is out of range.
sc_tensor *sc_empty_in(struct sc_arena *a, sc_dtype dtype, int ndim, const int64_t *shape);

// Element access by logical row-major flat index (respects strides). Slow: for
// tests, checks and I/O, never for kernels.
double sc_tensor_get(const sc_tensor *t, int64_t flat);
void sc_tensor_set(sc_tensor *t, int64_t flat, double v);
// Byte offset of logical flat index `flat` in t's storage.
int64_t sc_tensor_offset(const sc_tensor *t, int64_t flat);

#endif
