// grad.c — reverse-mode differentiation over the tape.
//
// 1. Snapshot the tape (nodes recorded so far) in creation order.
// 2. Mark which nodes depend on a requested input (only those need gradients).
// 3. Seed dL/d(output) and walk the snapshot backwards, calling each node's rule
//    and accumulating (with sc_add, so accumulation is differentiable too) into
//    the gradient of each input: per node for intermediate tensors, per slot for
//    the requested inputs.
// With create_graph the rules' ops are recorded after the snapshot; they never
// get visited in this pass, but a later sc_grad sees them.
//
// Without create_graph nothing the rules compute outlives the pass but the
// gradients themselves, so the pass keeps the step arena to one rule's worth:
// the gradient accumulating for each node still to be visited, and for each
// requested input, lives in a buffer of its own (bufpool.h; a node's goes back
// to the pool once its rule has run), and after each rule the arena is rewound
// to where it stood before it. Peak memory is then the tape plus the live gradients, not
// every temporary of the pass. The sums are the same sc_add in the same order
// as with create_graph, so the numbers are identical either way. The requested
// gradients are copied back into the step arena at the end (contiguous).
#include <string.h>

#include "autograd/bufpool.h"
#include "kernels/copy.h"
#include "ops/ops.h"

static int find_input(sc_tensor *const *inputs, int n, const sc_tensor *t) {
    for (int i = 0; i < n; i++)
        if (inputs[i] == t) return i;
    return -1;
}

static sc_tensor *accumulate(sc_ctx *ctx, sc_tensor *acc, sc_tensor *g) { return acc ? sc_add(ctx, acc, g) : g; }

// *slot += g into the slot's own buffer (from the pool on first use; *owned
// says the slot holds one), so it survives the rewind after the rule: the first
// contribution copied in (one copy, strided or not), later ones added in place,
// or (a slot holding a seed it does not own) summed by sc_add in the arena and
// copied out. 0, or -1 with ctx failed.
static int add_to_buffer(sc_ctx *ctx, sc_tensor **slot, char *owned, sc_tensor *g) {
    if (*owned && sc_tensor_is_contiguous(g) && g->dtype == (*slot)->dtype && sc_same_shape(g, *slot)) {
        // In place: the same elementwise sums sc_add would give, without the copy.
        sc_k_add_flat((*slot)->data, g->data, g->numel, g->dtype == SC_F64);
        return 0;
    }
    if (!*slot) {  // the first contribution: copied once, straight into the buffer, whatever its strides
        sc_tensor *b = sc_bufpool_get(ctx, g);
        if (!b) return sc_fail(ctx, "grad: out of memory for a gradient buffer"), -1;
        if (sc_tensor_is_contiguous(g)) sc_k_copy_flat(b->data, g->data, g->numel, sc_dtype_size(g->dtype));
        else sc_k_copy_strided(b->data, b->stride, g->data, g->stride, g->ndim, g->shape, sc_dtype_size(g->dtype));
        *slot = b, *owned = 1;
        return 0;
    }
    sc_tensor *sum = sc_add(ctx, *slot, g);
    if (!sum) return -1;
    if (!*owned) {
        sc_tensor *b = sc_bufpool_get(ctx, sum);
        if (!b) return sc_fail(ctx, "grad: out of memory for a gradient buffer"), -1;
        *slot = b, *owned = 1;
    }
    sc_k_copy_flat((*slot)->data, sum->data, sum->numel, sc_dtype_size(sum->dtype));
    return 0;
}

static void release(sc_ctx *ctx, sc_tensor **slot, char *owned) {
    if (*owned) sc_bufpool_put(ctx, *slot);
    *slot = NULL, *owned = 0;
}

sc_tensor **sc_grad(sc_ctx *ctx, sc_tensor *const *outputs, int n_outputs, sc_tensor *const *inputs,
                    int n_inputs, sc_tensor *const *grad_outputs, int create_graph) {
    if (ctx->failed) return NULL;
    char b1[96], b2[96];
    for (int i = 0; i < n_outputs; i++)
        if (!outputs[i]) return NULL;
    for (int i = 0; i < n_inputs; i++) {
        if (!inputs[i]) return NULL;
        if (!inputs[i]->requires_grad) {
            sc_fail(ctx, "grad: input %d %s does not require grad, so it is not on the tape (mark parameters "
                    "with requires_grad before the forward pass)", i, sc_shape_str(inputs[i], b1, sizeof b1));
            return NULL;
        }
    }
    uint32_t n_nodes = ctx->n_nodes;
    sc_arena *A = &ctx->arena;
    sc_node **order = sc_arena_alloc(A, sizeof(sc_node *) * (n_nodes + 1), 8);
    char *needed = sc_arena_alloc(A, n_nodes + 1, 1);
    sc_tensor **gnode = sc_arena_alloc(A, sizeof(sc_tensor *) * (n_nodes + 1), 8);
    sc_tensor **gin_req = sc_arena_alloc(A, sizeof(sc_tensor *) * (size_t)(n_inputs + 1), 8);
    char *own_node = sc_arena_alloc(A, n_nodes + 1, 1), *own_req = sc_arena_alloc(A, (size_t)n_inputs + 1, 1);
    if (!order || !needed || !gnode || !gin_req || !own_node || !own_req) {
        sc_fail(ctx, "grad: step arena exhausted (%u nodes on the tape)", n_nodes);
        return NULL;
    }
    for (sc_node *n = ctx->tape; n; n = n->prev) order[n->idx] = n;
    memset(gnode, 0, sizeof(sc_tensor *) * (n_nodes + 1));
    memset(gin_req, 0, sizeof(sc_tensor *) * (size_t)(n_inputs + 1));
    memset(own_node, 0, n_nodes + 1);
    memset(own_req, 0, (size_t)n_inputs + 1);

    // A node needs a backward step iff one of its inputs is requested or needed.
    for (uint32_t k = 0; k < n_nodes; k++) {
        sc_node *n = order[k];
        needed[k] = 0;
        for (int i = 0; i < n->n_in && !needed[k]; i++) {
            sc_tensor *t = n->in[i];
            needed[k] = find_input(inputs, n_inputs, t) >= 0 || (t->node && needed[t->node->idx]);
        }
    }

    int saved_no_grad = ctx->no_grad, saved_cg = ctx->create_graph;
    ctx->no_grad = create_graph ? 0 : 1;
    ctx->create_graph = create_graph;

    for (int j = 0; j < n_outputs && !ctx->failed; j++) {
        sc_tensor *y = outputs[j], *gy;
        if (grad_outputs && grad_outputs[j]) {
            gy = grad_outputs[j];
            if (!sc_same_shape(gy, y) || gy->dtype != y->dtype) {
                sc_fail(ctx, "grad: grad_outputs[%d] %s does not match output %s", j,
                        sc_shape_str(gy, b1, sizeof b1), sc_shape_str(y, b2, sizeof b2));
                break;
            }
        } else {
            if (y->numel != 1) {
                sc_fail(ctx, "grad: output %d %s is not a scalar; pass grad_outputs", j,
                        sc_shape_str(y, b1, sizeof b1));
                break;
            }
            gy = sc_ones_like(ctx, y);
        }
        int k = find_input(inputs, n_inputs, y);
        if (k >= 0) gin_req[k] = accumulate(ctx, gin_req[k], gy);
        if (y->node && y->node->idx < n_nodes) gnode[y->node->idx] = accumulate(ctx, gnode[y->node->idx], gy);
    }

    for (int64_t k = (int64_t)n_nodes - 1; k >= 0 && !ctx->failed; k--) {
        sc_node *n = order[k];
        sc_tensor *g = gnode[k];
        if (!g || !needed[k]) continue;
        sc_ctx_mark before = sc_ctx_get_mark(ctx);
        int *need = sc_arena_alloc(A, sizeof(int) * (size_t)n->n_in, 8);
        sc_tensor **gi = sc_arena_alloc(A, sizeof(sc_tensor *) * (size_t)n->n_in, 8);
        if (!need || !gi) {
            sc_fail(ctx, "grad: step arena exhausted in the backward pass of '%s'", n->op->name);
            break;
        }
        for (int i = 0; i < n->n_in; i++) {
            sc_tensor *t = n->in[i];
            need[i] = find_input(inputs, n_inputs, t) >= 0 || (t->node && needed[t->node->idx]);
            gi[i] = NULL;
        }
        n->op->rule(ctx, n, g, gi, need);
        if (ctx->failed) {
            sc_err_prefix(&ctx->err, "in the backward rule of '%s'", n->op->name);
            break;
        }
        for (int i = 0; i < n->n_in; i++) {
            if (!need[i]) continue;
            sc_tensor *t = n->in[i];
            if (!gi[i]) {
                sc_fail(ctx, "grad: the rule of '%s' produced no gradient for input %d", n->op->name, i);
                break;
            }
            if (!sc_same_shape(gi[i], t) || gi[i]->dtype != t->dtype) {
                sc_fail(ctx, "grad: the rule of '%s' produced %s for input %d of shape %s", n->op->name,
                        sc_shape_str(gi[i], b1, sizeof b1), i, sc_shape_str(t, b2, sizeof b2));
                break;
            }
            int r = find_input(inputs, n_inputs, t);
            uint32_t p = t->node ? t->node->idx : 0;
            if (create_graph) {
                if (r >= 0) gin_req[r] = accumulate(ctx, gin_req[r], gi[i]);
                if (t->node && needed[p]) gnode[p] = accumulate(ctx, gnode[p], gi[i]);
            } else if ((r >= 0 && add_to_buffer(ctx, &gin_req[r], &own_req[r], gi[i])) ||
                       (t->node && needed[p] && add_to_buffer(ctx, &gnode[p], &own_node[p], gi[i]))) {
                break;
            }
        }
        if (!create_graph && !ctx->failed) {  // node k is done: its gradient and the rule's temporaries go
            release(ctx, &gnode[k], &own_node[k]);
            sc_ctx_rewind(ctx, before);
        }
    }
    // The requested gradients back into the step arena, where callers expect them.
    for (int i = 0; i < n_inputs; i++) {
        if (!own_req[i]) continue;
        sc_tensor *t = ctx->failed ? NULL : sc_empty(ctx, gin_req[i]->dtype, gin_req[i]->ndim, gin_req[i]->shape);
        if (t) sc_k_copy_flat(t->data, gin_req[i]->data, t->numel, sc_dtype_size(t->dtype));
        release(ctx, &gin_req[i], &own_req[i]);
        gin_req[i] = t;
    }
    for (uint32_t k = 0; k < n_nodes; k++) release(ctx, &gnode[k], &own_node[k]);  // left by a failure
    // An input that does not influence the outputs has gradient zero.
    for (int i = 0; i < n_inputs && !ctx->failed; i++)
        if (!gin_req[i]) gin_req[i] = sc_zeros_like(ctx, inputs[i]);

    ctx->no_grad = saved_no_grad;
    ctx->create_graph = saved_cg;
    return ctx->failed ? NULL : gin_req;
}
