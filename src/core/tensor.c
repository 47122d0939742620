#include "core/tensor.h"

#include <stdio.h>
#include <string.h>

#include "core/arena.h"

size_t sc_dtype_size(sc_dtype t) { return t == SC_F64 ? 8 : 4; }

const char *sc_dtype_name(sc_dtype t) {
    switch (t) {
    case SC_F32: return "f32";
    case SC_F64: return "f64";
    case SC_I32: return "i32";
    }
    return "?";
}

void sc_tensor_set_shape(sc_tensor *t, sc_dtype dtype, int ndim, const int64_t *shape) {
    t->dtype = dtype;
    t->ndim = ndim;
    int64_t n = 1;
    for (int d = ndim - 1; d >= 0; d--) {
        t->shape[d] = shape[d];
        t->stride[d] = n;
        n *= shape[d];
    }
    for (int d = ndim; d < SC_MAX_DIMS; d++) t->shape[d] = 1, t->stride[d] = 0;
    t->numel = n;
}

int sc_tensor_is_contiguous(const sc_tensor *t) {
    int64_t n = 1;
    for (int d = t->ndim - 1; d >= 0; d--) {
        if (t->shape[d] != 1 && t->stride[d] != n) return 0;
        n *= t->shape[d];
    }
    return 1;
}

int sc_same_shape(const sc_tensor *a, const sc_tensor *b) {
    if (a->ndim != b->ndim) return 0;
    for (int d = 0; d < a->ndim; d++)
        if (a->shape[d] != b->shape[d]) return 0;
    return 1;
}

const char *sc_shape_str(const sc_tensor *t, char *buf, size_t n) {
    if (!t) {
        snprintf(buf, n, "(null)");
        return buf;
    }
    size_t o = (size_t)snprintf(buf, n, "(");
    for (int d = 0; d < t->ndim && o < n; d++)
        o += (size_t)snprintf(buf + o, n - o, d ? ", %lld" : "%lld", (long long)t->shape[d]);
    if (o < n) snprintf(buf + o, n - o, "%s %s", t->ndim == 1 ? ",)" : ")", sc_dtype_name(t->dtype));
    return buf;
}

int64_t sc_tensor_offset(const sc_tensor *t, int64_t flat) {
    int64_t off = 0;
    for (int d = t->ndim - 1; d >= 0; d--) {
        int64_t i = flat % t->shape[d];
        flat /= t->shape[d];
        off += i * t->stride[d];
    }
    return off;
}

double sc_tensor_get(const sc_tensor *t, int64_t flat) {
    int64_t off = sc_tensor_offset(t, flat);
    switch (t->dtype) {
    case SC_F32: return ((const float *)t->data)[off];
    case SC_F64: return ((const double *)t->data)[off];
    case SC_I32: return ((const int32_t *)t->data)[off];
    }
    return 0;
}

void sc_tensor_set(sc_tensor *t, int64_t flat, double v) {
    int64_t off = sc_tensor_offset(t, flat);
    switch (t->dtype) {
    case SC_F32: ((float *)t->data)[off] = (float)v; break;
    case SC_F64: ((double *)t->data)[off] = v; break;
    case SC_I32: ((int32_t *)t->data)[off] = (int32_t)v; break;
    }
}

sc_tensor *sc_empty_in(sc_arena *a, sc_dtype dtype, int ndim, const int64_t *shape) {
    if (ndim < 0 || ndim > SC_MAX_DIMS) return NULL;
    sc_tensor *t = sc_arena_alloc(a, sizeof(sc_tensor), 8);
    if (!t) return NULL;
    memset(t, 0, sizeof *t);
    sc_tensor_set_shape(t, dtype, ndim, shape);
    size_t bytes = (size_t)t->numel * sc_dtype_size(dtype);
    t->data = sc_arena_alloc(a, bytes ? bytes : 1, SC_ARENA_ALIGN);
    if (!t->data) return NULL;
    memset(t->data, 0, bytes);
    return t;
}
