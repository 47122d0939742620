// bench_meta.c — `scaffold bench meta`: what the SMaT meta step costs, as
// ratios of a plain student step, in time and in peak step-arena memory.
//
// Setting: synth-text batches (generated, always available), the default
// teacher transformer (random weights: cost does not depend on them) with the
// learnable attention explainer, the default student transformer with its own
// attention explainer, the paper's student SGD and β = 5, 1 BLIS thread.
//   plain step       forward, L_sim, backward, SGD step (explainer "none")
//   explained step   forward, L_sim + β·L_expl, backward, SGD step (the static-explainer student)
//   meta step        sc_student_meta_step: the differentiable SGD step and the
//                    hypergradient w.r.t. the teacher explainer, then AdamW on φ
// for each hypergradient method. The literature reports 2–3× a plain step for
// one unrolled step.
#include <stdlib.h>
#include <string.h>

#include "bench/bench.h"
#include "kernels/gemm.h"
#include "models/inputs.h"
#include "ops/ops.h"
#include "smat/student_run.h"

typedef struct meta_case {
    sc_student *st;
    sc_ctx *ctx;
    sc_optim *opt;
    sc_inputs in, vin;
    const uint32_t *idx, *vidx;
    size_t n, vn;
    double beta;
    int meta;
} meta_case;

static void run_case(void *arg) {
    meta_case *c = arg;
    sc_ctx_mark mk = sc_ctx_get_mark(c->ctx);
    if (c->meta) {
        double outer;
        sc_err err;
        if (sc_student_meta_step(c->st, c->ctx, c->opt, 5e-3, &c->in, c->idx, c->n, c->vidx, c->vn, 5e-4, &outer, &err))
            sc_fail(c->ctx, "%s", err.msg);
    } else {
        c->st->smat.beta = c->beta;
        sc_tensor *loss = sc_smat_inner_loss(&c->st->smat, c->ctx, &c->in, c->idx, c->n, SC_FWD_TRAINING);
        sc_tensor **g = loss ? sc_grad(c->ctx, &loss, 1, c->opt->p, c->opt->n, NULL, 0) : NULL;
        if (g) sc_optim_step(c->opt, c->ctx, g, 5e-3);
        c->st->smat.beta = 5;
    }
    sc_ctx_rewind(c->ctx, mk);
}

// Median seconds per call and the peak arena growth of one call (bytes).
static double measure(meta_case *c, int quick, size_t *peak) {
    size_t base = c->ctx->arena.used;
    c->ctx->arena.peak = base;
    run_case(c);
    *peak = c->ctx->arena.peak - base;
    return sc_bench_time(run_case, c, quick ? 0.2 : 1.5);
}

// The benchmark's run: a fresh (untrained) teacher transformer, SMaT on its
// attention explainer, the student run's own building (smat/student_run.h) on
// B pool and B validation examples.
static int open_env(sc_student_env **env, size_t B, sc_err *err) {
    sc_student_run_cfg c = sc_student_run_defaults();
    c.teacher_arch = "transformer", c.task = "synth-text", c.explainer = "attention", c.learn = 1;
    c.arch = "transformer", c.n = B, c.seed = 1, c.log = NULL;
    if (sc_student_env_open(env, &c, err)) return -1;
    if ((*env)->n_valid < B) return sc_errf(err, "synth-text's student-valid split is too small for the benchmark");
    return 0;
}

int sc_bench_meta(FILE *out, int quick) {
    sc_err err;
    sc_student_env *env = NULL;
    sc_optim opt;
    int have_opt = 0, rc = 1;
    sc_batch b, vb;
    int have_b = 0, have_vb = 0;
    const size_t B = 32;
    int saved = sc_blas_get_threads();
    sc_blas_set_threads(1);
    if (open_env(&env, B, &err)) goto fail;
    sc_pipeline *pp = &env->pipe;
    sc_student *st = &env->st;
    sc_ctx *ctx = &env->ctx;
    const uint32_t *train = env->train, *valid = env->valid;
    // θ = the student and its explainer, optimized together as in train-student.
    sc_tensor *theta[SC_PARAMS_MAX];
    int n_theta = 0;
    for (int i = 0; i < env->student.params.n; i++) theta[n_theta++] = env->student.params.t[i];
    for (int i = 0; i < st->sexpl.params.n; i++) theta[n_theta++] = st->sexpl.params.t[i];
    sc_optim_cfg oc = sc_optim_sgd_cfg(0, 0.01, 5);
    if (sc_optim_init(&opt, &oc, theta, n_theta, &err)) goto fail;
    have_opt = 1;
    if (sc_batch_alloc(&b, &pp->data, &pp->enc, B, &err)) goto fail;
    have_b = 1;
    if (sc_batch_alloc(&vb, &pp->data, &pp->enc, B, &err)) goto fail;
    have_vb = 1;
    meta_case c = {.st = st, .ctx = ctx, .opt = &opt, .idx = train, .vidx = valid, .n = B, .vn = B};
    if (sc_batch_fill(&b, &pp->data, &pp->enc, train, B, &err) || sc_batch_fill(&vb, &pp->data, &pp->enc, valid, B, &err))
        goto fail;
    if (sc_inputs_from_batch(ctx, &b, pp->shape.modality, env->student.dtype, &c.in) ||
        sc_inputs_from_batch(ctx, &vb, pp->shape.modality, env->student.dtype, &c.vin)) {
        sc_errf(&err, "%s", ctx->err.msg);
        goto fail;
    }
    fprintf(out, "== SMaT meta step vs a plain student step (synth-text, batch %zu, teacher transformer %lld params, "
                 "student transformer %lld params, 1 BLIS thread)\n",
            B, (long long)sc_params_numel(&env->teacher.params), (long long)sc_params_numel(&env->student.params));
    fprintf(out, "  %-28s %10s %8s %12s %8s\n", "step", "ms", "x plain", "peak MiB", "x plain");
    size_t peak_plain, peak;
    c.beta = 0;
    double t_plain = measure(&c, quick, &peak_plain);
    fprintf(out, "  %-28s %10.2f %8.2f %12.1f %8.2f\n", "plain (no explanations)", t_plain * 1e3, 1.0,
            peak_plain / 1048576.0, 1.0);
    c.beta = 5;
    double t = measure(&c, quick, &peak);
    fprintf(out, "  %-28s %10.2f %8.2f %12.1f %8.2f\n", "explained (beta 5)", t * 1e3, t / t_plain,
            peak / 1048576.0, (double)peak / peak_plain);
    // Every registered method (unrolled at k = 1, the paper, and k = 3; J = 3 terms).
    c.meta = 1;
    for (int m = 0, row = 0; m < sc_hg_n_methods; m++) {
        const sc_hg_method_def *def = &sc_hg_methods[m];
        for (int k = 1; k <= 3; k += 2, row++) {
            if (k > 1 && !(def->flags & SC_HG_USES_UNROLL)) break;
            if (quick && row > 0) break;
            st->cfg.hg = sc_hg_default();
            st->cfg.hg.method = m;
            st->cfg.hg.unroll = k;
            st->cfg.hg.terms = 3;
            char name[64];
            if (def->flags & SC_HG_USES_UNROLL) snprintf(name, sizeof name, "meta: %s-%d%s", def->name, k, k == 1 ? " (paper)" : "");
            else if (def->flags & SC_HG_USES_TERMS) snprintf(name, sizeof name, "meta: %s J=3", def->name);
            else snprintf(name, sizeof name, "meta: %s", def->name);
            t = measure(&c, quick, &peak);
            if (ctx->failed) {
                sc_errf(&err, "%s: %s", name, ctx->err.msg);
                goto fail;
            }
            fprintf(out, "  %-28s %10.2f %8.2f %12.1f %8.2f\n", name, t * 1e3, t / t_plain, peak / 1048576.0,
                    (double)peak / peak_plain);
        }
    }
    fprintf(out, "  (a training step with the meta step costs the explained step plus the meta step)\n");
    rc = 0;
    goto done;
fail:
    fprintf(stderr, "bench meta: %s\n", err.msg);
done:
    if (have_b) sc_batch_free(&b);
    if (have_vb) sc_batch_free(&vb);
    if (have_opt) sc_optim_free(&opt);
    sc_student_env_close(env);
    sc_blas_set_threads(saved);
    return rc;
}
