// scaffold.h — the public header: include this one file.
//
// scaffold measures explanations by simulatability and meta-learns explainers
// (SMaT) on a small reverse-mode autodiff engine written for it. This comment is
// a tour of that engine; src/README.md is the design document (layers, data
// flow, ownership, how to add an op, explainer, model, hypergradient method, task).
//
// 1. Memory. A training step does not call malloc: it allocates from the
//    context's arena and sc_ctx_reset() drops the whole step at once; parameters
//    live in their own slab (sc_params) that survives resets. (A SMaT meta step
//    mallocs one flat workspace for its stored parameter vectors, smat/hg_impl.h.)
//    The snippets below are compiled and run by tests/test_tour.c.
//
//        sc_err err;
//        sc_ctx ctx;                                  // step arena + tape + rng
//        sc_ctx_init(&ctx, 256u << 20, /*seed*/ 1, &err);
//        sc_params P;                                 // one slab, named views
//        sc_params_init(&P, 64u << 20, &err);
//        int64_t wshape[2] = {784, 10};
//        sc_tensor *W = sc_params_add(&P, "w", SC_F32, 2, wshape, &err);  // (784, 10)
//        sc_init_normal(W, &ctx.rng, 0.02);
//
// 2. Tensors are row-major with element strides. transpose/permute/slice/expand
//    and reshape-of-contiguous are views: no copy. Shapes go in comments next to
//    every tensor: `sc_tensor *logits = sc_matmul(&ctx, x, W);  // (B, 10)`.
//
// 3. Ops (ops/ops.h) compute eagerly and record themselves on a tape when an
//    input requires grad. A backward rule is written in the same ops, so the
//    backward pass can itself be recorded (create_graph) and differentiated
//    again: that is how SMaT differentiates a student's validation loss
//    through the student's own optimizer step.
//
//        sc_tensor *loss = sc_cross_entropy(&ctx, sc_matmul(&ctx, x, W), y);  // ()
//        sc_tensor **g = sc_grad(&ctx, &loss, 1, &W, 1, NULL, /*create_graph*/ 1);
//        // g[0] (784, 10) is on the tape: a loss built from it can be
//        // differentiated w.r.t. W (a Hessian-vector product) or anything else.
//
// 4. Errors are sticky values, not crashes: an op given bad shapes returns NULL
//    and stores one message naming the op and the shapes in ctx.err; every op
//    after it returns NULL. Check once, at the end of a step:
//
//        if (!loss) { fprintf(stderr, "%s\n", ctx.err.msg); ... }
//
// 5. Adding an op: declare it in ops/ops.h; in the ops/ file of its family
//    write the forward (f32 and f64 kernels, raw pointers, outputs first), then
//    its backward rule right below it (ops only; a fused kernel may serve the
//    !create_graph case if a test shows it agrees); add a gradcheck case in
//    autograd/checks/. `scaffold gradcheck --op NAME --order 3` must pass.
//
// 6. The framework on top, layer by layer: a task (data/task.h, a YAML file)
//    becomes a pipeline (train/pipeline.h) that teachers and students
//    (models/model.h, one C file each) share; explainers (explain/explainer.h)
//    map a model's forward state to a distribution over its units; the SMaT
//    objective (smat/objective.h) ties a student to a frozen teacher through
//    its predictions and explanations; smat/student.h trains the student and,
//    when the teacher explainer learns, takes the meta step whose gradient
//    smat/hypergrad.h computes (unrolled, Neumann, CG, DARTS); exp/manifest.h
//    and exp/runner.h turn an experiment file into runs; report/compare.h and
//    report/report.h turn their results into tables and pages.
#ifndef SC_SCAFFOLD_H
#define SC_SCAFFOLD_H

#include "autograd/engine.h"
#include "autograd/gradcheck.h"
#include "core/arena.h"
#include "core/err.h"
#include "core/params.h"
#include "core/rng.h"
#include "core/tensor.h"
#include "core/version.h"
#include "kernels/gemm.h"
#include "ops/ops.h"
#include "explain/explainer.h"
#include "models/model.h"
#include "smat/hypergrad.h"
#include "smat/objective.h"
#include "smat/student.h"

#endif
