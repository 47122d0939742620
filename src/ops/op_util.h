// op_util.h — checks and helpers shared by op implementations (not public API).
#ifndef SC_OPS_OP_UTIL_H
#define SC_OPS_OP_UTIL_H

#include "autograd/engine.h"
#include "ops/ops.h"

// Bail out of an op when an input is missing (an earlier error) or ctx failed.
#define SC_GUARD1(ctx, a) do { if (!(a) || (ctx)->failed) return NULL; } while (0)
#define SC_GUARD2(ctx, a, b) do { if (!(a) || !(b) || (ctx)->failed) return NULL; } while (0)
#define SC_GUARD3(ctx, a, b, c) do { if (!(a) || !(b) || !(c) || (ctx)->failed) return NULL; } while (0)

// 0 if x is f32/f64, else records "<op>: expected a floating-point tensor, got (..) i32".
int sc_need_float(sc_ctx *ctx, const char *op, const sc_tensor *x);
// 0 if a and b share a dtype, else records an error naming both.
int sc_need_same_dtype(sc_ctx *ctx, const char *op, const sc_tensor *a, const sc_tensor *b);
// 0 if like is f32/f64 and t has its dtype and shape, else records an error
// ("<op>: g (3, 2) f64 must have the shape of x (2, 3) f64").
int sc_need_like(sc_ctx *ctx, const char *op, const char *name, const sc_tensor *t, const char *like_name,
                 const sc_tensor *like);
// 0 if x has dtype i32 (indices, labels).
int sc_need_index(sc_ctx *ctx, const char *op, const sc_tensor *x);
// Normalizes a possibly negative axis; -1 (after recording an error) if out of range.
int sc_norm_axis(sc_ctx *ctx, const char *op, const sc_tensor *x, int axis);
// NumPy broadcasting of a and b into (ndim, shape); -1 with an error if impossible.
int sc_broadcast_shapes(sc_ctx *ctx, const char *op, const sc_tensor *a, const sc_tensor *b, int *ndim,
                        int64_t *shape);
// Strides of x seen as a tensor of the (broadcast) shape (ndim, shape): 0 on
// broadcast dimensions. x must be broadcastable to it.
void sc_broadcast_strides(const sc_tensor *x, int ndim, const int64_t *shape, int64_t *strides);

// f64 view of element i of a contiguous float tensor (scalars in rules).
static inline double sc_item(const sc_tensor *t) { return sc_tensor_get(t, 0); }

#endif
