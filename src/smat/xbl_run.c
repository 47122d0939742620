// xbl_run.c — sc_xbl_run: resolve the configuration, train with the explanation
// penalty as the trainer's extra loss, measure on test and teacher-valid, write
// the result (xbl_run.h).
#include "smat/xbl_run.h"
#include "smat/xbl_impl.h"

#include <stdlib.h>
#include <string.h>

#include "core/fs.h"
#include "explain/xbl_losses.h"
#include "io/results.h"
#include "models/inputs.h"
#include "ops/ops.h"
#include "train/setup.h"
#include "train/trainer.h"

const char *const sc_xbl_methods[] = {"none", "rrr", "distance", "concept-prune", NULL};

const sc_config_spec sc_xbl_spec[] = {
    {"method", "none",
     "none (plain training) | rrr (right for the right reasons) | distance (distance-aware) | concept-prune"},
    {"lambda", "1", "weight of the explanation loss"},
    {"saliency_target", "logprobs", "logprobs (gradient of sum_k log p_k, Ross et al.) | label (the gold class's logit)"},
    {"concept_action", "prune", "concept-prune: prune (drop the flagged concepts' examples) | mask (erase their decoy)"},
    {"concept_k_max", "12", "concept-prune: k is chosen in 2..this by silhouette"},
    {"concept_threshold", "0.5", "concept-prune: flag a concept whose mean saliency share on the decoy is at least this"},
    {NULL, NULL, NULL},
};

sc_xbl_run_cfg sc_xbl_run_defaults(void) { return (sc_xbl_run_cfg){.seed = 1, .log = stderr}; }

void sc_xbl_outcome_print(FILE *f, const sc_xbl_outcome *o) {
    fprintf(f, "task %s  model %s  method %s  lambda %g  seed %llu\n", o->task, o->arch, o->method, o->lambda,
            (unsigned long long)o->seed);
    fprintf(f, "  %-18s %.4f (test, decoy randomised)\n", "accuracy", o->test_accuracy);
    fprintf(f, "  %-18s %.4f (test, decoy erased)\n", "clean accuracy", o->clean_accuracy);
    fprintf(f, "  %-18s %.4f (teacher-valid, decoy agrees with the label)\n", "decoyed accuracy", o->decoyed_accuracy);
    fprintf(f, "  %-18s %.4f (share of squared input gradient on the decoy, test)\n", "decoy reliance",
            o->decoy_reliance);
    fprintf(f, "  %-18s %.4f (saliency-weighted distance from the object, test)\n", "distance score",
            o->distance_score);
    fprintf(f, "  %-18s %.1f s, %ld steps (epoch %ld of %ld run, stopped by %s)\n", "training", o->seconds, o->steps,
            o->best_epoch, o->epochs_run, sc_stop_name(o->stopped_by));
    if (o->n_concepts)
        fprintf(f, "  %-18s %d found, %d flagged, %lld training examples acted on\n", "concepts", o->n_concepts,
                o->n_flagged, o->n_acted);
    fprintf(f, "  wrote %s\n", o->metrics_path);
}

static void state_free(sc_xbl_state *r) {
    free(r->train), free(r->valid), free(r->test);
    free(r->dist), free(r->scratch), free(r->iscratch);
    if (r->have_ctx) sc_ctx_free(&r->ctx);
    if (r->have_model) sc_model_free(&r->model);
    if (r->have_pipe) sc_pipeline_close(&r->pipe);
    free(r);
}

static int is_xbl_key(const char *kv) {
    for (const sc_config_spec *s = sc_xbl_spec; s->key; s++) {
        size_t n = strlen(s->key);
        if (!strncmp(kv, s->key, n) && kv[n] == '=') return 1;
    }
    return 0;
}

// The xbl keys of cfg->sets into r->xcfg; the others go on to the teacher layers.
static int read_xbl_keys(sc_xbl_state *r, const sc_xbl_run_cfg *c, char **rest, int *n_rest, sc_err *err) {
    sc_config_init(&r->xcfg);
    *n_rest = 0;
    for (int i = 0; i < c->n_sets; i++) {
        if (!is_xbl_key(c->sets[i])) {
            rest[(*n_rest)++] = c->sets[i];
            continue;
        }
        if (sc_config_set_kv(&r->xcfg, c->sets[i], err)) return -1;
    }
    int m, t;
    long kmax;
    static const char *const targets[] = {"logprobs", "label", NULL}, *const actions[] = {"prune", "mask", NULL};
    if (sc_config_apply_defaults(&r->xcfg, sc_xbl_spec, "xbl", err) ||
        sc_config_choice(&r->xcfg, "method", sc_xbl_methods, &m, err) ||
        sc_config_double(&r->xcfg, "lambda", 0, 1e6, &r->lambda, err) ||
        sc_config_choice(&r->xcfg, "saliency_target", targets, &t, err) ||
        sc_config_choice(&r->xcfg, "concept_action", actions, &r->concept_mask, err) ||
        sc_config_long(&r->xcfg, "concept_k_max", 2, SC_XBL_MAX_CONCEPTS, &kmax, err) ||
        sc_config_double(&r->xcfg, "concept_threshold", 0, 1, &r->concept_threshold, err))
        return -1;
    r->concept_k_max = (int)kmax;
    r->method = m;
    r->target = t ? SC_XBL_TARGET_LOGIT : SC_XBL_SUM_LOGPROBS;
    return 0;
}

static int build(sc_xbl_state *r, const sc_xbl_run_cfg *c, sc_err *err) {
    r->seed = c->seed;
    char **rest = calloc((size_t)c->n_sets + 1, sizeof(char *));
    int n_rest;
    if (!rest) return sc_errf(err, "out of memory");
    int rc = read_xbl_keys(r, c, rest, &n_rest, err);
    const char *arch = c->arch;
    sc_task *t = NULL;
    if (!rc && !arch && !c->config_path && !sc_run_has_default_config("teacher", c->task)) {
        rc = sc_task_open(c->task, &t, err);
        if (!rc) arch = sc_run_default_arch(t->modality);
    }
    if (!rc) rc = sc_run_config_resolve(&r->rc, "teacher", c->task, c->config_path, arch, rest, n_rest, 0, err);
    sc_task_free(t);
    free(rest);
    if (rc || sc_train_opts_from_config(&r->opts, &r->rc.trainer, err)) return -1;
    if (!(r->def = sc_model_find("teacher", r->rc.arch)))
        return sc_errf(err, "no teacher architecture '%s' (see `scaffold models`)", r->rc.arch);
    if (sc_mkdirs(c->out, err) || sc_pipeline_open(&r->pipe, c->task, NULL, err)) return -1;
    r->have_pipe = 1;
    const sc_dataset *d = &r->pipe.data;
    if (r->pipe.shape.modality != SC_IMAGE || r->pipe.shape.regression || !d->obj_mask || !d->decoy_mask)
        return sc_errf(err, "train-xbl: task '%s' must be an image classification task with object and decoy masks "
                            "(e.g. decoy-fashion-mnist)", c->task);
    if (sc_model_create(&r->model, r->def, &r->pipe.shape, &r->rc.model, c->seed, err)) return -1;
    r->have_model = 1;
    if (sc_ctx_init(&r->ctx, (size_t)r->opts.arena_mb << 20, c->seed ^ 0xB1Bull, err)) return -1;
    r->have_ctx = 1;
    r->train = sc_pipeline_split(&r->pipe, SC_SPLIT_TEACHER_TRAIN, &r->n_train);
    r->valid = sc_pipeline_split(&r->pipe, SC_SPLIT_TEACHER_VALID, &r->n_valid);
    r->test = sc_pipeline_split(&r->pipe, SC_SPLIT_TEST, &r->n_test);
    int64_t nd, ni, maxb = r->opts.batch_size > r->opts.eval_batch ? r->opts.batch_size : r->opts.eval_batch;
    sc_xbl_distance_scratch((int64_t)d->H, (int64_t)d->W, &nd, &ni);
    r->dist = malloc(sizeof(float) * (size_t)maxb * d->H * d->W);
    r->scratch = malloc(sizeof(double) * (size_t)nd);
    r->iscratch = malloc(sizeof(int64_t) * (size_t)ni);
    if (!r->train || !r->valid || !r->test || !r->dist || !r->scratch || !r->iscratch)
        return sc_errf(err, "out of memory");
    return 0;
}

// The per-pixel map of a batch, (B, C, H, W) like its images: the decoy mask
// (wrong = 1) for rrr, the object's distance map for distance.
static sc_tensor *batch_map(sc_xbl_state *r, sc_ctx *ctx, const uint32_t *idx, size_t n, int distance, sc_dtype dt) {
    const sc_dataset *d = &r->pipe.data;
    int64_t C = (int64_t)d->C, hw = (int64_t)(d->H * d->W);
    sc_tensor *m = sc_empty(ctx, dt, 4, (int64_t[]){(int64_t)n, C, (int64_t)d->H, (int64_t)d->W});
    if (!m) return NULL;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *src = (distance ? d->obj_mask : d->decoy_mask) + (size_t)idx[i] * (size_t)hw;
        if (distance) sc_xbl_distance_map(src, 1, (int64_t)d->H, (int64_t)d->W, r->dist, r->scratch, r->iscratch);
        for (int64_t c = 0; c < C; c++)
            for (int64_t p = 0; p < hw; p++)
                sc_tensor_set(m, ((int64_t)i * C + c) * hw + p, distance ? r->dist[p] : (double)src[p]);
    }
    return m;
}

// The input gradient of the model on in's images (create_graph for training).
static sc_tensor *saliency(sc_xbl_state *r, sc_ctx *ctx, const sc_model *m, const sc_inputs *in, const uint32_t *idx, size_t n,
                           sc_xbl_target target, int create_graph) {
    sc_tensor *x = sc_detach(ctx, in->images);
    if (!x) return NULL;
    x->requires_grad = 1;
    sc_inputs leaf = *in;
    leaf.images = x;
    int saved = ctx->no_grad;
    ctx->no_grad = 0;
    sc_tensor *y = NULL;
    if (target == SC_XBL_TARGET_LOGIT) {
        y = sc_empty(ctx, SC_I32, 1, (int64_t[]){(int64_t)n});
        for (size_t i = 0; y && i < n; i++) ((int32_t *)y->data)[i] = r->pipe.data.label[idx[i]];
    }
    sc_tensor *logits = sc_model_forward(m, ctx, &leaf, 0, NULL);  // evaluation mode: no dropout
    sc_tensor *g = sc_xbl_input_gradient(ctx, logits, x, target, y, create_graph);
    ctx->no_grad = saved;
    return g;
}

static sc_tensor *extra_loss(void *user, sc_ctx *ctx, const sc_model *m, const sc_inputs *in,
                             const sc_model_state *st, const uint32_t *idx, size_t n) {
    sc_xbl_state *r = user;
    sc_tensor *g = saliency(r, ctx, m, in, idx, n, r->target, 1);
    sc_tensor *map = g ? batch_map(r, ctx, idx, n, r->method == SC_XBL_DISTANCE, g->dtype) : NULL;
    if (!map) return NULL;
    sc_tensor *l = r->method == SC_XBL_DISTANCE ? sc_xbl_distance_loss(ctx, g, map) : sc_xbl_rrr_loss(ctx, g, map);
    return sc_mul_scalar(ctx, l, r->lambda);
}

typedef struct measures {
    double correct, reliance, distance;
} measures;

// One batch: accuracy (after erasing the decoy if asked) and, on the images as
// they are, the saliency measures.
static int measure_batch(sc_xbl_state *r, sc_ctx *ctx, sc_inputs *in, const uint32_t *idx, size_t k, int erase, int saliency_too,
                         measures *acc) {
    const sc_dataset *d = &r->pipe.data;
    int64_t C = (int64_t)d->C, hw = (int64_t)(d->H * d->W);
    if (erase)
        for (size_t i = 0; i < k; i++)
            for (int64_t c = 0; c < C; c++)
                for (int64_t p = 0; p < hw; p++)
                    if (d->decoy_mask[(size_t)idx[i] * (size_t)hw + (size_t)p])
                        sc_tensor_set(in->images, ((int64_t)i * C + c) * hw + p, 0.0);
    sc_no_grad_begin(ctx);
    sc_tensor *y = sc_model_forward(&r->model, ctx, in, 0, NULL);  // (k, K)
    sc_no_grad_end(ctx);
    if (!y) return -1;
    int64_t K = y->shape[1];
    for (size_t i = 0; i < k; i++) {
        int64_t best = 0;
        for (int64_t c = 1; c < K; c++)
            if (sc_tensor_get(y, (int64_t)i * K + c) > sc_tensor_get(y, (int64_t)i * K + best)) best = c;
        acc->correct += best == d->label[idx[i]];
    }
    if (!saliency_too) return 0;
    // The measures use one saliency whatever the training used.
    sc_tensor *g = saliency(r, ctx, &r->model, in, idx, k, SC_XBL_SUM_LOGPROBS, 0);
    sc_tensor *dist = g ? batch_map(r, ctx, idx, k, 1, g->dtype) : NULL;
    if (!dist) return -1;
    int64_t per = C * hw;
    for (size_t i = 0; i < k; i++) {
        double tot = 0, on = 0, far = 0;
        for (int64_t q = 0; q < per; q++) {
            double v = sc_tensor_get(g, (int64_t)i * per + q), s = v * v;
            tot += s;
            on += d->decoy_mask[(size_t)idx[i] * (size_t)hw + (size_t)(q % hw)] ? s : 0;
            far += s * sc_tensor_get(dist, (int64_t)i * per + q);
        }
        acc->reliance += tot > 0 ? on / tot : 0;
        acc->distance += far / (tot + SC_XBL_EPS);
    }
    return 0;
}

static int measure(sc_xbl_state *r, const uint32_t *idx, size_t n, int erase, int saliency_too, measures *out, sc_err *err) {
    memset(out, 0, sizeof *out);
    sc_batch b;
    sc_ctx *ctx = &r->ctx;
    if (sc_batch_alloc(&b, &r->pipe.data, NULL, (size_t)r->opts.eval_batch, err)) return -1;
    int rc = 0;
    sc_ctx_mark mark = sc_ctx_get_mark(ctx);
    for (size_t s = 0; s < n && !rc; s += (size_t)r->opts.eval_batch) {
        size_t k = n - s < (size_t)r->opts.eval_batch ? n - s : (size_t)r->opts.eval_batch;
        sc_inputs in;
        if (sc_batch_fill(&b, &r->pipe.data, NULL, idx + s, k, err)) rc = -1;
        else if (sc_inputs_from_batch(ctx, &b, SC_IMAGE, r->model.dtype, &in) ||
                 measure_batch(r, ctx, &in, idx + s, k, erase, saliency_too, out))
            rc = sc_errf(err, "train-xbl: measuring: %s", ctx->err.msg);
        sc_ctx_rewind(ctx, mark);
    }
    sc_batch_free(&b);
    if (n) out->correct /= (double)n, out->reliance /= (double)n, out->distance /= (double)n;
    return rc;
}

static int train_and_measure(sc_xbl_state *r, const sc_xbl_run_cfg *c, sc_xbl_outcome *o, sc_err *err) {
    if (c->log)
        fprintf(c->log, "train-xbl %s on %s, method %s (lambda %g): %lld parameters; %zu train / %zu valid / %zu test\n",
                r->def->name, c->task, sc_xbl_methods[r->method], r->lambda, (long long)sc_params_numel(&r->model.params),
                r->n_train, r->n_valid, r->n_test);
    sc_trainer tr = {.pipe = &r->pipe, .model = &r->model, .opts = r->opts, .train_idx = r->train,
                     .valid_idx = r->valid, .n_train = r->n_train, .n_valid = r->n_valid,
                     .labels = r->pipe.data.label, .seed = c->seed, .log = c->log, .label = "xbl"};
    int penalty = (r->method == SC_XBL_RRR || r->method == SC_XBL_DISTANCE) && r->lambda > 0;
    if (penalty) tr.hooks = (sc_train_hooks){.user = r, .extra_loss = extra_loss};
    if (sc_train(&tr, &r->ctx, &r->res, err)) return -1;
    if (r->method == SC_XBL_CONCEPT_PRUNE) {  // find the concepts, act on the flagged ones, train afresh
        r->concepts.first_valid = r->res.best_valid;
        sc_ctx_reset(&r->ctx);
        if (sc_xbl_concepts_apply(r, c->log, err)) return -1;
        sc_model_free(&r->model);
        r->have_model = 0;
        if (sc_model_create(&r->model, r->def, &r->pipe.shape, &r->rc.model, c->seed, err)) return -1;
        r->have_model = 1;
        tr.model = &r->model, tr.train_idx = r->train, tr.n_train = r->n_train;
        if (sc_train(&tr, &r->ctx, &r->res, err)) return -1;
    }
    sc_ctx_reset(&r->ctx);
    measures test, clean, valid;
    if (measure(r, r->test, r->n_test, 0, 1, &test, err) || measure(r, r->test, r->n_test, 1, 0, &clean, err) ||
        measure(r, r->valid, r->n_valid, 0, 0, &valid, err))
        return -1;
    o->test_accuracy = test.correct, o->decoy_reliance = test.reliance, o->distance_score = test.distance;
    o->clean_accuracy = clean.correct, o->decoyed_accuracy = valid.correct;
    return 0;
}

int sc_xbl_run(const sc_xbl_run_cfg *c, sc_xbl_outcome *o, sc_err *err) {
    memset(o, 0, sizeof *o);
    if (!c->task) return sc_errf(err, "train-xbl: no task given");
    if (!c->out) return sc_errf(err, "train-xbl: no output folder given");
    sc_xbl_state *r = calloc(1, sizeof *r);
    if (!r) return sc_errf(err, "train-xbl: out of memory");
    int rc = build(r, c, err) || train_and_measure(r, c, o, err) ? -1 : 0;
    if (!rc) {
        snprintf(o->task, sizeof o->task, "%s", r->pipe.task->name);
        snprintf(o->arch, sizeof o->arch, "%s", r->def->name);
        snprintf(o->method, sizeof o->method, "%s", sc_xbl_methods[r->method]);
        o->lambda = r->lambda, o->seed = c->seed;
        o->n_train = r->n_train, o->n_valid = r->n_valid, o->n_test = r->n_test;
        o->best_epoch = r->res.best_epoch, o->epochs_run = r->res.epochs_run, o->steps = r->res.steps;
        o->stopped_by = r->res.stopped_by, o->seconds = r->res.seconds;
        snprintf(o->metrics_path, sizeof o->metrics_path, "%s/metrics.msgpack", c->out);
        sc_result_xbl w = {.task = o->task, .arch = o->arch, .method = o->method, .lambda = o->lambda,
                           .seed = c->seed, .cfg_model = &r->model.cfg, .cfg_trainer = &r->rc.trainer,
                           .cfg_xbl = &r->xcfg, .train = &r->res, .test_accuracy = o->test_accuracy,
                           .clean_accuracy = o->clean_accuracy, .decoy_reliance = o->decoy_reliance,
                           .distance_score = o->distance_score, .decoyed_accuracy = o->decoyed_accuracy,
                           .n_test = o->n_test};
        const sc_xbl_concepts *cc = &r->concepts;
        if (r->method == SC_XBL_CONCEPT_PRUNE)
            w.n_concepts = cc->k, w.silhouette = cc->silhouette, w.first_valid = cc->first_valid,
            w.concept_action = r->concept_mask ? "mask" : "prune", w.n_acted = cc->n_acted,
            w.concept_size = cc->size, w.concept_decoy_share = cc->decoy_share, w.concept_purity = cc->purity,
            w.concept_flagged = cc->flagged;
        o->n_concepts = cc->k, o->n_flagged = 0, o->n_acted = cc->n_acted;
        for (int q = 0; q < cc->k; q++) o->n_flagged += cc->flagged[q];
        rc = sc_result_write_xbl(o->metrics_path, &w, err);
    }
    state_free(r);
    return rc;
}
