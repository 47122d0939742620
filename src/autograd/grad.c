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
#include <string.h>

#include "ops/ops.h"

static int find_input(sc_tensor *const *inputs, int n, const sc_tensor *t) {
    for (int i = 0; i < n; i++)
        if (inputs[i] == t) return i;
    return -1;
}

static sc_tensor *accumulate(sc_ctx *ctx, sc_tensor *acc, sc_tensor *g) { return acc ? sc_add(ctx, acc, g) : g; }

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
    if (!order || !needed || !gnode || !gin_req) {
        sc_fail(ctx, "grad: step arena exhausted (%u nodes on the tape)", n_nodes);
        return NULL;
    }
    for (sc_node *n = ctx->tape; n; n = n->prev) order[n->idx] = n;
    memset(gnode, 0, sizeof(sc_tensor *) * (n_nodes + 1));
    memset(gin_req, 0, sizeof(sc_tensor *) * (size_t)(n_inputs + 1));

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
            if (r >= 0) gin_req[r] = accumulate(ctx, gin_req[r], gi[i]);
            if (t->node && needed[t->node->idx]) gnode[t->node->idx] = accumulate(ctx, gnode[t->node->idx], gi[i]);
        }
    }
    // An input that does not influence the outputs has gradient zero.
    for (int i = 0; i < n_inputs && !ctx->failed; i++)
        if (!gin_req[i]) gin_req[i] = sc_zeros_like(ctx, inputs[i]);

    ctx->no_grad = saved_no_grad;
    ctx->create_graph = saved_cg;
    return ctx->failed ? NULL : gin_req;
}
