// bufpool.h — the buffers a backward pass without create_graph keeps its
// accumulating gradients in (grad.c), outside the step arena so the arena can
// be rewound after every rule. Freed buffers stay in the context's pool and are
// handed out again (the same shapes recur node after node and step after step),
// so the pass neither calls malloc per node nor faults fresh pages in. Private
// to autograd/.
#ifndef SC_AUTOGRAD_BUFPOOL_H
#define SC_AUTOGRAD_BUFPOOL_H

#include "autograd/engine.h"

// A contiguous tensor shaped like `like` (header and data in one block), from
// the pool or malloc'd; its data is uninitialised. NULL when out of memory.
sc_tensor *sc_bufpool_get(sc_ctx *ctx, const sc_tensor *like);
// Returns t (from sc_bufpool_get) to the pool.
void sc_bufpool_put(sc_ctx *ctx, sc_tensor *t);
// Frees every pooled buffer (sc_ctx_free).
void sc_bufpool_free(sc_ctx *ctx);

#endif
