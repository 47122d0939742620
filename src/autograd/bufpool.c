// bufpool.c — see bufpool.h. Free blocks are kept in 64 lists by the power of
// two of their size, each block allocated at the exact size first asked for:
// a request looks only in its own list (blocks between half and all of the
// next power of two) for one large enough, so a reused block wastes less than
// half of itself and a lookup walks only blocks of about the right size.
#include "autograd/bufpool.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define N_CLASSES 64

typedef struct block {
    struct block *next;  // in its free list
    size_t cap;          // bytes after the header
    sc_tensor t;         // the tensor handed out; its data follows the block
} block;

struct sc_bufpool {
    block *free[N_CLASSES];
};

// The smallest c with 2^c >= bytes.
static int class_of(size_t bytes) { return bytes <= 1 ? 0 : 64 - __builtin_clzll((unsigned long long)(bytes - 1)); }

sc_tensor *sc_bufpool_get(sc_ctx *ctx, const sc_tensor *like) {
    size_t bytes = (size_t)like->numel * sc_dtype_size(like->dtype) + 1;
    if (!ctx->pool && !(ctx->pool = calloc(1, sizeof *ctx->pool))) return NULL;
    block **at = &ctx->pool->free[class_of(bytes)], *b = NULL;
    for (; *at; at = &(*at)->next)
        if ((*at)->cap >= bytes) {
            b = *at;
            *at = b->next;
            break;
        }
    if (!b) {
        if (!(b = malloc(sizeof *b + bytes))) return NULL;
        b->cap = bytes;
    }
    memset(&b->t, 0, sizeof b->t);
    sc_tensor_set_shape(&b->t, like->dtype, like->ndim, like->shape);
    b->t.data = (char *)(b + 1);
    return &b->t;
}

void sc_bufpool_put(sc_ctx *ctx, sc_tensor *t) {
    if (!t || !ctx->pool) return;
    block *b = (block *)((char *)t - offsetof(block, t));
    b->next = ctx->pool->free[class_of(b->cap)];
    ctx->pool->free[class_of(b->cap)] = b;
}

void sc_bufpool_free(sc_ctx *ctx) {
    if (!ctx->pool) return;
    for (int c = 0; c < N_CLASSES; c++)
        for (block *b = ctx->pool->free[c], *next; b; b = next) next = b->next, free(b);
    free(ctx->pool);
    ctx->pool = NULL;
}
