// ctx.c — step arena, sticky errors, tensor creation, recording onto the tape.
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "autograd/engine.h"
#include "autograd/bufpool.h"
#include "core/params.h"

// ---- the tape borrows parameter slabs (core/params.h): the check ----------
// The live contexts, so that sc_params_free can ask whether a tape still reads
// the slab it is about to release. Contexts past MAX_LIVE are not tracked (the
// check then covers the first MAX_LIVE; a process has a handful).
#define MAX_LIVE 1024
static sc_ctx *live[MAX_LIVE];
static int n_live;
static pthread_mutex_t live_lock = PTHREAD_MUTEX_INITIALIZER;

static int reads(const sc_tensor *t, const char *lo, const char *hi) {
    if (!t) return 0;
    const char *self = (const char *)t, *data = t->data;
    return (self >= lo && self < hi) || (data && data >= lo && data < hi);
}

// Aborts when a live tape holds a node that reads [lo, hi): a tape entry would
// outlive the memory it points to, and the next sc_grad would read freed memory.
static void check_release(const void *lo_, const void *hi_) {
    const char *lo = lo_, *hi = hi_;
    pthread_mutex_lock(&live_lock);
    for (int i = 0; i < n_live; i++)
        for (const sc_node *nd = live[i]->tape; nd; nd = nd->prev) {
            int hit = reads(nd->out, lo, hi) || reads(nd->saved[0], lo, hi) || reads(nd->saved[1], lo, hi);
            for (int k = 0; k < nd->n_in && !hit; k++) hit = reads(nd->in[k], lo, hi);
            if (hit) {
                fprintf(stderr, "scaffold: a parameter slab is freed while the tape of a live context still reads it "
                                "(op %s, node %u): reset, rewind or free the context first (core/params.h)\n",
                        nd->op ? nd->op->name : "?", nd->idx);
                abort();
            }
        }
    pthread_mutex_unlock(&live_lock);
}

static void track(sc_ctx *ctx, int add) {
    pthread_mutex_lock(&live_lock);
    int at = -1;
    for (int i = 0; i < n_live && at < 0; i++)
        if (live[i] == ctx) at = i;
    if (add && at < 0 && n_live < MAX_LIVE) live[n_live++] = ctx;
    if (!add && at >= 0) live[at] = live[--n_live];
    sc_params_set_release_check(check_release);
    pthread_mutex_unlock(&live_lock);
}

int sc_ctx_init(sc_ctx *ctx, size_t arena_bytes, uint64_t seed, sc_err *err) {
    memset(ctx, 0, sizeof *ctx);
    sc_rng_seed(&ctx->rng, seed);
    if (sc_arena_init(&ctx->arena, arena_bytes, "step", err)) return -1;
    track(ctx, 1);
    return 0;
}

void sc_ctx_free(sc_ctx *ctx) {
    track(ctx, 0);
    sc_bufpool_free(ctx);
    sc_arena_free(&ctx->arena);
    ctx->tape = NULL;
    ctx->n_nodes = 0;
}

void sc_ctx_reset(sc_ctx *ctx) {
    sc_arena_reset(&ctx->arena, 0);
    ctx->tape = NULL;
    ctx->n_nodes = 0;
    ctx->failed = 0;
    ctx->err.msg[0] = '\0';
}

void sc_ctx_rewind(sc_ctx *ctx, sc_ctx_mark m) {
    sc_arena_reset(&ctx->arena, m.used);
    ctx->tape = m.tape;
    ctx->n_nodes = m.n_nodes;
}

sc_tensor *sc_fail(sc_ctx *ctx, const char *fmt, ...) {
    if (ctx->failed) return NULL;  // keep the first, root-cause message
    ctx->failed = 1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ctx->err.msg, sizeof ctx->err.msg, fmt, ap);
    va_end(ap);
    return NULL;
}

static sc_tensor *alloc_header(sc_ctx *ctx) {
    sc_tensor *t = sc_arena_alloc(&ctx->arena, sizeof(sc_tensor), 8);
    if (!t) {
        sc_fail(ctx, "step arena exhausted (%zu MiB in use): raise the arena size or shrink the batch",
                ctx->arena.used >> 20);
        return NULL;
    }
    memset(t, 0, sizeof *t);
    return t;
}

static int check_shape(sc_ctx *ctx, int ndim, const int64_t *shape) {
    if (ndim < 0 || ndim > SC_MAX_DIMS) {
        sc_fail(ctx, "tensor with %d dimensions: scaffold supports 0..%d", ndim, SC_MAX_DIMS);
        return -1;
    }
    for (int d = 0; d < ndim; d++)
        if (shape[d] < 0) {
            sc_fail(ctx, "tensor dimension %d has negative size %lld", d, (long long)shape[d]);
            return -1;
        }
    return 0;
}

sc_tensor *sc_empty(sc_ctx *ctx, sc_dtype dtype, int ndim, const int64_t *shape) {
    if (ctx->failed || check_shape(ctx, ndim, shape)) return NULL;
    sc_tensor *t = alloc_header(ctx);
    if (!t) return NULL;
    sc_tensor_set_shape(t, dtype, ndim, shape);
    size_t bytes = (size_t)t->numel * sc_dtype_size(dtype);
    t->data = sc_arena_alloc(&ctx->arena, bytes ? bytes : 1, SC_ARENA_ALIGN);
    if (!t->data) {
        char buf[96];
        return sc_fail(ctx, "step arena exhausted allocating %s (%zu MiB in use of %zu MiB)",
                       sc_shape_str(t, buf, sizeof buf), ctx->arena.used >> 20, ctx->arena.cap >> 20);
    }
    return t;
}

sc_tensor *sc_empty_like(sc_ctx *ctx, const sc_tensor *x) {
    if (!x) return NULL;
    return sc_empty(ctx, x->dtype, x->ndim, x->shape);
}

sc_tensor *sc_full(sc_ctx *ctx, sc_dtype dtype, int ndim, const int64_t *shape, double value) {
    sc_tensor *t = sc_empty(ctx, dtype, ndim, shape);
    if (!t) return NULL;
    if (dtype == SC_F32) {
        float *p = t->data;
        for (int64_t i = 0; i < t->numel; i++) p[i] = (float)value;
    } else if (dtype == SC_F64) {
        double *p = t->data;
        for (int64_t i = 0; i < t->numel; i++) p[i] = value;
    } else {
        int32_t *p = t->data;
        for (int64_t i = 0; i < t->numel; i++) p[i] = (int32_t)value;
    }
    return t;
}

sc_tensor *sc_zeros(sc_ctx *ctx, sc_dtype dtype, int ndim, const int64_t *shape) {
    return sc_full(ctx, dtype, ndim, shape, 0.0);
}

sc_tensor *sc_zeros_like(sc_ctx *ctx, const sc_tensor *x) {
    return x ? sc_full(ctx, x->dtype, x->ndim, x->shape, 0.0) : NULL;
}

sc_tensor *sc_ones_like(sc_ctx *ctx, const sc_tensor *x) {
    return x ? sc_full(ctx, x->dtype, x->ndim, x->shape, 1.0) : NULL;
}

sc_tensor *sc_scalar(sc_ctx *ctx, sc_dtype dtype, double value) { return sc_full(ctx, dtype, 0, NULL, value); }

sc_tensor *sc_from_f64(sc_ctx *ctx, sc_dtype dtype, int ndim, const int64_t *shape, const double *values) {
    sc_tensor *t = sc_empty(ctx, dtype, ndim, shape);
    if (!t) return NULL;
    if (dtype == SC_F32) {  // fresh and contiguous: typed loops, not sc_tensor_set per element
        float *d = t->data;
        for (int64_t i = 0; i < t->numel; i++) d[i] = (float)values[i];
    } else if (dtype == SC_F64) {
        memcpy(t->data, values, sizeof(double) * (size_t)t->numel);
    } else {
        for (int64_t i = 0; i < t->numel; i++) sc_tensor_set(t, i, values[i]);
    }
    return t;
}

sc_tensor *sc_view_of(sc_ctx *ctx, const sc_tensor *x) {
    if (!x || ctx->failed) return NULL;
    sc_tensor *t = alloc_header(ctx);
    if (!t) return NULL;
    *t = *x;
    t->node = NULL;
    t->requires_grad = 0;
    return t;
}

sc_tensor *sc_detach(sc_ctx *ctx, const sc_tensor *x) { return sc_view_of(ctx, x); }

sc_node *sc_record(sc_ctx *ctx, const sc_op_def *op, sc_tensor *out, int n_in, sc_tensor *const *in) {
    if (ctx->no_grad > 0 || !out) return NULL;
    int any = 0;
    for (int i = 0; i < n_in; i++) any |= in[i]->requires_grad;
    if (!any) return NULL;
    sc_node *n = sc_arena_alloc(&ctx->arena, sizeof(sc_node), 8);
    sc_tensor **ins = sc_arena_alloc(&ctx->arena, sizeof(sc_tensor *) * (size_t)(n_in ? n_in : 1), 8);
    if (!n || !ins) {
        sc_fail(ctx, "step arena exhausted recording op '%s' on the tape", op->name);
        return NULL;
    }
    memset(n, 0, sizeof *n);
    memcpy(ins, in, sizeof(sc_tensor *) * (size_t)n_in);
    n->op = op;
    n->n_in = n_in;
    n->in = ins;
    n->out = out;
    n->idx = ctx->n_nodes++;
    n->prev = ctx->tape;
    ctx->tape = n;
    out->node = n;
    out->requires_grad = 1;
    return n;
}
