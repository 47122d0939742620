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
    {"saliency", "input-gradient",
     "input-gradient (of the pixels or token embeddings) | gradcam (Grad-CAM of a CNN's last feature map, images)"},
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
    fprintf(f, "  %-18s %.4f (test, the decoy of another class)\n", "swap accuracy", o->swap_accuracy);
    fprintf(f, "  %-18s %.4f (teacher-valid, decoy agrees with the label)\n", "decoyed accuracy", o->decoyed_accuracy);
    fprintf(f, "  %-18s %.4f (teacher-valid, decoy erased: for choosing lambda)\n", "valid clean acc.",
            o->valid_clean_accuracy);
    fprintf(f, "  %-18s %.4f (share of squared input gradient on the decoy, test)\n", "decoy reliance",
            o->decoy_reliance);
    fprintf(f, "  %-18s %.4f (saliency-weighted distance from the object, test)\n", "distance score",
            o->distance_score);
    fprintf(f, "  %-18s %.1f s, %ld steps (epoch %ld of %ld run, stopped by %s)\n", "training", o->seconds, o->steps,
            o->best_epoch, o->epochs_run, sc_stop_name(o->stopped_by));
    if (o->n_concepts)
        fprintf(f, "  %-18s %d found, %d flagged, %lld training examples acted on\n", "concepts", o->n_concepts,
                o->n_flagged, o->n_acted);
    fprintf(f, "  wrote %s, %s", o->metrics_path, o->saliency_path);
    if (o->concepts_path[0]) fprintf(f, ", %s", o->concepts_path);
    fprintf(f, "\n");
}

static void state_free(sc_xbl_state *r) {
    free(r->train), free(r->valid), free(r->test);
    free(r->dist), free(r->scratch), free(r->iscratch), free(r->tok_scratch);
    free(r->swap_tok), free(r->swap_shade), free(r->swap_size);
    if (r->have_ctx) sc_ctx_free(&r->ctx);
    if (r->have_model) sc_model_free(&r->model);
    if (r->have_pipe) sc_pipeline_close(&r->pipe);
    free(r);
}

int sc_xbl_is_key(const char *key, size_t len) {
    for (const sc_config_spec *s = sc_xbl_spec; s->key; s++)
        if (strlen(s->key) == len && !strncmp(key, s->key, len)) return 1;
    return 0;
}

int sc_xbl_options_parse(sc_config *xcfg, sc_xbl_options *o, sc_err *err) {
    long kmax;
    static const char *const targets[] = {"logprobs", "label", NULL}, *const actions[] = {"prune", "mask", NULL};
    static const char *const saliencies[] = {"input-gradient", "gradcam", NULL};
    if (sc_config_apply_defaults(xcfg, sc_xbl_spec, "xbl", err) ||
        sc_config_choice(xcfg, "method", sc_xbl_methods, &o->method, err) ||
        sc_config_double(xcfg, "lambda", 0, 1e6, &o->lambda, err) ||
        sc_config_choice(xcfg, "saliency", saliencies, &o->gradcam, err) ||
        sc_config_choice(xcfg, "saliency_target", targets, &o->target_logit, err) ||
        sc_config_choice(xcfg, "concept_action", actions, &o->concept_mask, err) ||
        sc_config_long(xcfg, "concept_k_max", 2, SC_XBL_MAX_CONCEPTS, &kmax, err) ||
        sc_config_double(xcfg, "concept_threshold", 0, 1, &o->concept_threshold, err))
        return -1;
    o->concept_k_max = (int)kmax;
    return 0;
}

// The xbl keys of cfg->sets into r->xcfg; the others go on to the teacher layers.
static int read_xbl_keys(sc_xbl_state *r, const sc_xbl_run_cfg *c, char **rest, int *n_rest, sc_err *err) {
    sc_config_init(&r->xcfg);
    *n_rest = 0;
    for (int i = 0; i < c->n_sets; i++) {
        if (!sc_xbl_is_key(c->sets[i], strcspn(c->sets[i], "="))) {
            rest[(*n_rest)++] = c->sets[i];
            continue;
        }
        if (sc_config_set_kv(&r->xcfg, c->sets[i], err)) return -1;
    }
    sc_xbl_options o;
    if (sc_xbl_options_parse(&r->xcfg, &o, err)) return -1;
    r->method = o.method, r->lambda = o.lambda, r->concept_mask = o.concept_mask;
    r->concept_k_max = o.concept_k_max, r->concept_threshold = o.concept_threshold;
    r->target = o.target_logit ? SC_XBL_TARGET_LOGIT : SC_XBL_SUM_LOGPROBS;
    r->gradcam = o.gradcam;
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
    r->text = r->pipe.shape.modality == SC_TEXT;
    int image_ok = r->pipe.shape.modality == SC_IMAGE && d->obj_mask && d->decoy_mask;
    int text_ok = r->text && r->pipe.enc.rat && d->decoy_mask;  // text: decoy_mask is per token (data/synth.h)
    if (r->pipe.shape.regression || !(image_ok || text_ok))
        return sc_errf(err, "train-xbl: task '%s' must be a classification task with object and decoy masks "
                            "(images: e.g. decoy-fashion-mnist; text: token rationales and a token decoy mask, "
                            "e.g. decoy-synth-text)", c->task);
    if (sc_model_create(&r->model, r->def, &r->pipe.shape, &r->rc.model, c->seed, err)) return -1;
    r->have_model = 1;
    if (sc_ctx_init(&r->ctx, (size_t)r->opts.arena_mb << 20, c->seed ^ 0xB1Bull, err)) return -1;
    r->have_ctx = 1;
    r->train = sc_pipeline_split(&r->pipe, SC_SPLIT_TEACHER_TRAIN, &r->n_train);
    r->valid = sc_pipeline_split(&r->pipe, SC_SPLIT_TEACHER_VALID, &r->n_valid);
    r->test = sc_pipeline_split(&r->pipe, SC_SPLIT_TEST, &r->n_test);
    int64_t nd, ni, maxb = r->opts.batch_size > r->opts.eval_batch ? r->opts.batch_size : r->opts.eval_batch;
    for (size_t j = 0; r->text && j < d->n; j++)
        if ((int64_t)r->pipe.enc.len[j] > r->max_T) r->max_T = (int64_t)r->pipe.enc.len[j];
    int64_t units = r->text ? r->max_T : (int64_t)(d->H * d->W);
    sc_xbl_distance_scratch((int64_t)d->H, (int64_t)d->W, &nd, &ni);
    r->dist = malloc(sizeof(float) * (size_t)(maxb * units + 1));
    r->scratch = malloc(sizeof(double) * (size_t)nd);
    r->iscratch = malloc(sizeof(int64_t) * (size_t)ni);
    r->tok_scratch = malloc(3 * (size_t)r->max_T + 1);
    if (!r->train || !r->valid || !r->test || !r->dist || !r->scratch || !r->iscratch || !r->tok_scratch)
        return sc_errf(err, "out of memory");
    if (r->gradcam && sc_xbl_gradcam_prepare(r, err)) return -1;
    return sc_xbl_swap_prepare(r, err);
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

// The per-token maps of a text batch, (B, T) each: the word units, the decoy
// mask (rrr) or the token distance map (distance).
static int token_maps(sc_xbl_state *r, sc_ctx *ctx, const uint32_t *idx, size_t n, int64_t T, sc_dtype dt,
                      sc_tensor **units, sc_tensor **map) {
    int64_t shape[2] = {(int64_t)n, T};
    *units = sc_empty(ctx, dt, 2, shape);
    *map = sc_empty(ctx, dt, 2, shape);
    if (!*units || !*map) return -1;
    uint8_t *unit = r->tok_scratch, *obj = unit + T, *dec = obj + T;
    for (size_t i = 0; i < n; i++) {
        sc_xbl_token_masks(r, idx[i], T, unit, obj, dec);
        if (r->method == SC_XBL_DISTANCE) sc_xbl_token_distance(r, idx[i], T, r->dist);
        for (int64_t t = 0; t < T; t++) {
            sc_tensor_set(*units, (int64_t)i * T + t, unit[t]);
            sc_tensor_set(*map, (int64_t)i * T + t, r->method == SC_XBL_DISTANCE ? (double)r->dist[t] : dec[t]);
        }
    }
    return 0;
}

static sc_tensor *extra_loss(void *user, sc_ctx *ctx, const sc_model *m, const sc_inputs *in,
                             const sc_model_state *st, const uint32_t *idx, size_t n) {
    (void)st;
    sc_xbl_state *r = user;
    int distance = r->method == SC_XBL_DISTANCE;
    if (r->gradcam) {  // the unit losses on the Grad-CAM cells (xbl_losses.h)
        sc_tensor *cam = sc_xbl_gradcam_saliency(r, ctx, m, in, idx, n, r->target, 1);  // (B, U)
        sc_tensor *map = cam ? sc_xbl_cell_map(r, ctx, idx, n, distance, cam->dtype) : NULL;
        if (!map) return NULL;
        sc_tensor *g = sc_reshape(ctx, cam, 3, (int64_t[]){cam->shape[0], cam->shape[1], 1});  // (B, U, 1)
        sc_tensor *l = distance ? sc_xbl_distance_token_loss(ctx, g, map, NULL) : sc_xbl_rrr_token_loss(ctx, g, map, NULL);
        return sc_mul_scalar(ctx, l, r->lambda);
    }
    sc_tensor *g = sc_xbl_saliency(r, ctx, m, in, idx, n, r->target, 1), *l;
    if (!g) return NULL;
    if (r->text) {
        sc_tensor *units, *map;
        if (token_maps(r, ctx, idx, n, g->shape[1], g->dtype, &units, &map)) return NULL;
        l = distance ? sc_xbl_distance_token_loss(ctx, g, map, units) : sc_xbl_rrr_token_loss(ctx, g, map, units);
    } else {
        sc_tensor *map = batch_map(r, ctx, idx, n, distance, g->dtype);
        if (!map) return NULL;
        l = distance ? sc_xbl_distance_loss(ctx, g, map) : sc_xbl_rrr_loss(ctx, g, map);
    }
    return sc_mul_scalar(ctx, l, r->lambda);
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
    sc_xbl_measures test, clean, swap, valid, valid_clean;
    if (sc_xbl_measure(r, r->test, r->n_test, SC_XBL_AS_IS, 1, &test, err) ||
        sc_xbl_measure(r, r->test, r->n_test, SC_XBL_ERASED, 0, &clean, err) ||
        sc_xbl_measure(r, r->test, r->n_test, SC_XBL_SWAPPED, 0, &swap, err) ||
        sc_xbl_measure(r, r->valid, r->n_valid, SC_XBL_AS_IS, 0, &valid, err) ||
        sc_xbl_measure(r, r->valid, r->n_valid, SC_XBL_ERASED, 0, &valid_clean, err))
        return -1;
    o->test_accuracy = test.correct, o->decoy_reliance = test.reliance, o->distance_score = test.distance;
    o->clean_accuracy = clean.correct, o->swap_accuracy = swap.correct;
    o->decoyed_accuracy = valid.correct, o->valid_clean_accuracy = valid_clean.correct;
    snprintf(o->saliency_path, sizeof o->saliency_path, "%s/saliency.msgpack", c->out);
    return sc_xbl_write_saliency(r, o->saliency_path, err);
}

int sc_xbl_run(const sc_xbl_run_cfg *c, sc_xbl_outcome *o, sc_err *err) {
    memset(o, 0, sizeof *o);
    if (!c->task) return sc_errf(err, "train-xbl: no task given");
    if (!c->out) return sc_errf(err, "train-xbl: no output folder given");
    sc_xbl_state *r = calloc(1, sizeof *r);
    if (!r) return sc_errf(err, "train-xbl: out of memory");
    r->out = c->out;
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
                           .swap_accuracy = o->swap_accuracy, .valid_clean_accuracy = o->valid_clean_accuracy,
                           .n_test = o->n_test, .n_valid = o->n_valid};
        const sc_xbl_concepts *cc = &r->concepts;
        if (r->method == SC_XBL_CONCEPT_PRUNE)
            w.n_concepts = cc->k, w.silhouette = cc->silhouette, w.first_valid = cc->first_valid,
            w.concept_action = r->concept_mask ? "mask" : "prune", w.n_acted = cc->n_acted,
            w.concept_size = cc->size, w.concept_decoy_share = cc->decoy_share, w.concept_purity = cc->purity,
            w.concept_flagged = cc->flagged;
        o->n_concepts = cc->k, o->n_flagged = 0, o->n_acted = cc->n_acted;
        if (r->method == SC_XBL_CONCEPT_PRUNE)
            snprintf(o->concepts_path, sizeof o->concepts_path, "%s/concepts.msgpack", c->out);
        for (int q = 0; q < cc->k; q++) o->n_flagged += cc->flagged[q];
        rc = sc_result_write_xbl(o->metrics_path, &w, err);
    }
    state_free(r);
    return rc;
}
