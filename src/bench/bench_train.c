// bench_train.c — `scaffold bench train`: training throughput of every registered
// teacher and student at its default size on batches shaped like the built-in
// tasks (text: movie-reviews, T = 64; images: 1x28x28; tabular: 30 features),
// and the share of step time spent inside BLIS products.
#include <stdlib.h>
#include <string.h>

#include "bench/bench.h"
#include "kernels/gemm.h"
#include "kernels/parallel.h"
#include "models/model.h"
#include "ops/ops.h"
#include "optim/optim.h"

typedef struct {
    sc_model *m;
    sc_ctx *ctx;
    sc_optim *opt;
    sc_inputs in;
    sc_tensor *labels;
} step_case;

static void one_step(void *arg) {
    step_case *c = arg;
    sc_ctx_mark mk = sc_ctx_get_mark(c->ctx);
    sc_tensor *y = sc_model_forward(c->m, c->ctx, &c->in, SC_FWD_TRAINING, NULL);
    sc_tensor *loss = sc_cross_entropy(c->ctx, y, c->labels);
    sc_tensor **g = sc_grad(c->ctx, &loss, 1, c->m->params.t, c->m->params.n, NULL, 0);
    if (g) sc_optim_step(c->opt, c->ctx, g, 1e-3);
    sc_ctx_rewind(c->ctx, mk);
}

static int make_inputs(sc_ctx *ctx, const sc_model_shape *s, int64_t B, sc_rng *rng, sc_inputs *in) {
    memset(in, 0, sizeof *in);
    in->B = B;
    if (s->modality == SC_TEXT) {
        int64_t sh[2] = {B, s->max_tokens};
        in->ids = sc_empty(ctx, SC_I32, 2, sh);
        in->mask = sc_full(ctx, SC_F32, 2, sh, 1.0);
        if (!in->ids || !in->mask) return -1;
        int32_t *ids = in->ids->data;
        float *mask = in->mask->data;
        for (int64_t b = 0; b < B; b++) {
            int64_t len = 8 + (int64_t)sc_rng_below(rng, (uint64_t)(s->max_tokens - 8));  // ragged, like real text
            for (int64_t t = 0; t < s->max_tokens; t++) {
                ids[b * s->max_tokens + t] = t == 0 ? 2 : (t < len ? 3 + (int32_t)sc_rng_below(rng, (uint64_t)s->vocab_size - 3) : 0);
                mask[b * s->max_tokens + t] = t < len;
            }
        }
    } else if (s->modality == SC_IMAGE) {
        int64_t sh[4] = {B, s->C, s->H, s->W};
        in->images = sc_empty(ctx, SC_F32, 4, sh);
        if (!in->images) return -1;
        for (int64_t i = 0; i < in->images->numel; i++) ((float *)in->images->data)[i] = (float)sc_rng_uniform(rng);
    } else {
        int64_t sh[2] = {B, s->F};
        in->features = sc_empty(ctx, SC_F32, 2, sh);
        if (!in->features) return -1;
        for (int64_t i = 0; i < in->features->numel; i++) ((float *)in->features->data)[i] = (float)sc_rng_normal(rng);
    }
    return 0;
}

int sc_bench_train(FILE *out, int quick) {
    sc_err err;
    sc_ctx ctx;
    if (sc_ctx_init(&ctx, (size_t)4096 << 20, 3, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    sc_model *m = malloc(sizeof *m);  // ~78 KB: on the heap; each architecture in turn
    if (!m) {
        fprintf(stderr, "out of memory\n");
        sc_ctx_free(&ctx);
        return 1;
    }
    int n, failures = 0;
    const sc_model_def *const *defs = sc_model_list(&n);
    fprintf(out, "== training throughput at default sizes (f32, 1 BLIS thread; forward + backward + AdamW step)\n");
    fprintf(out, "  %-8s %-12s %-8s %6s %10s %10s %12s %9s\n", "role", "arch", "input", "batch", "params", "ms/step",
            "examples/s", "BLIS share");
    int saved = sc_get_threads();
    sc_set_threads(1);
    for (int i = 0; i < n; i++) {
        const sc_model_def *d = defs[i];
        sc_model_shape s = {.modality = d->modality, .n_outputs = d->modality == SC_TABULAR ? 2 : 10};
        const char *shape_name = "";
        int64_t B = 32;
        if (d->modality == SC_TEXT) s.n_outputs = 2, s.vocab_size = 20000, s.max_tokens = 64, shape_name = "T=64";
        if (d->modality == SC_IMAGE) s.C = 1, s.H = 28, s.W = 28, B = 64, shape_name = "1x28x28";
        if (d->modality == SC_TABULAR) s.F = 30, shape_name = "F=30";
        if (sc_model_create(m, d, &s, NULL, 1, &err)) {
            fprintf(out, "  %-8s %-12s error: %s\n", d->role, d->name, err.msg);
            failures++;
            continue;
        }
        sc_optim opt;
        sc_optim_cfg oc = sc_optim_adam_cfg(1, 0.01, 1.0);
        sc_ctx_reset(&ctx);
        sc_rng rng;
        sc_rng_seed(&rng, 9);
        step_case c = {.m = m, .ctx = &ctx, .opt = &opt};
        if (sc_optim_init_params(&opt, &oc, &m->params, &err) || make_inputs(&ctx, &s, B, &rng, &c.in)) {
            fprintf(out, "  %-8s %-12s error: %s\n", d->role, d->name, err.msg);
            failures++;
            sc_model_free(m);
            continue;
        }
        c.labels = sc_empty(&ctx, SC_I32, 1, &B);
        for (int64_t b = 0; b < B; b++) ((int32_t *)c.labels->data)[b] = (int32_t)(b % s.n_outputs);
        double t = sc_bench_time(one_step, &c, quick ? 0.1 : 1.0);
        // BLIS share over a few more timed steps with accounting on.
        sc_blas_profile_reset();
        sc_blas_profile(1);
        double t0 = sc_now();
        int reps = quick ? 2 : 5;
        for (int r = 0; r < reps; r++) one_step(&c);
        double total = sc_now() - t0;
        sc_blas_profile(0);
        if (ctx.failed) {
            fprintf(out, "  %-8s %-12s error: %s\n", d->role, d->name, ctx.err.msg);
            failures++;
        } else {
            fprintf(out, "  %-8s %-12s %-8s %6lld %10lld %10.2f %12.0f %8.0f%%\n", d->role, d->name, shape_name,
                    (long long)B, (long long)sc_params_numel(&m->params), t * 1e3, (double)B / t,
                    100.0 * sc_blas_seconds() / total);
        }
        sc_optim_free(&opt);
        sc_model_free(m);
    }
    sc_set_threads(saved);
    free(m);
    sc_ctx_free(&ctx);
    return failures;
}
