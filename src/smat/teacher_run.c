// teacher_run.c — sc_teacher_run: resolve the configuration, train on the
// teacher-train split with early stopping on teacher-valid, test, write the
// checkpoint and the result file (teacher_run.h).
#include "smat/teacher_run.h"

#include <stdlib.h>
#include <string.h>

#include "core/fs.h"
#include "io/backbone.h"
#include "io/checkpoint.h"
#include "io/results.h"
#include "train/setup.h"
#include "train/trainer.h"

// Everything a run holds, on the heap (sc_run_config and sc_model are tens of KiB each).
typedef struct run {
    sc_run_config rc;
    sc_pipeline pipe;
    sc_model model;
    sc_ctx ctx;
    sc_train_opts opts;
    sc_train_result res;
    const sc_model_def *def;
    sc_backbone *init;  // --init, or NULL
    int have_pipe, have_model, have_ctx;
    uint32_t *train, *valid, *test;
    size_t n_train, n_valid, n_test;
} run;

sc_teacher_run_cfg sc_teacher_run_defaults(void) { return (sc_teacher_run_cfg){.seed = 1, .log = stderr}; }

void sc_teacher_outcome_print(FILE *f, const char *task, const sc_teacher_outcome *o) {
    int reg = o->regression;
    fprintf(f, "task %s  teacher %s  seed %llu\n", task, o->arch, (unsigned long long)o->seed);
    fprintf(f, "  %-14s %.4f\n", reg ? "test pearson" : "test accuracy", o->metric);
    if (reg) fprintf(f, "  %-14s %.4f\n", "test rmse", o->rmse);
    fprintf(f, "  %-14s %.4f (epoch %ld of %ld run, stopped by %s)\n", reg ? "valid pearson" : "valid accuracy",
            o->best_valid, o->best_epoch, o->epochs_run, sc_stop_name(o->stopped_by));
    fprintf(f, "  %-14s %.1f s, %ld steps\n", "training", o->seconds, o->steps);
    fprintf(f, "  wrote %s and %s\n", o->ckpt_path, o->metrics_path);
}

static void run_free(run *r) {
    free(r->train), free(r->valid), free(r->test);
    if (r->have_ctx) sc_ctx_free(&r->ctx);
    if (r->have_model) sc_model_free(&r->model);
    if (r->have_pipe) sc_pipeline_close(&r->pipe);
    sc_backbone_close(r->init);
    free(r);
}

// The architecture when nothing names one (no --teacher, --config nor
// teachers/configs/<task>.yaml): the task's modality's default.
static int pick_arch(const sc_teacher_run_cfg *c, const char **arch, sc_err *err) {
    *arch = c->arch;
    if (c->arch || c->config_path || sc_run_has_default_config("teacher", c->task)) return 0;
    sc_task *t;
    if (sc_task_open(c->task, &t, err)) return -1;
    *arch = sc_run_default_arch(t->modality);
    sc_task_free(t);
    return 0;
}

// Configuration, task data, model, context and the three splits.
static int build(run *r, const sc_teacher_run_cfg *c, sc_err *err) {
    const char *arch;
    if (pick_arch(c, &arch, err) ||
        sc_run_config_resolve(&r->rc, "teacher", c->task, c->config_path, arch, c->sets, c->n_sets, c->init != NULL, err) ||
        sc_train_opts_from_config(&r->opts, &r->rc.trainer, err))
        return -1;
    if (!(r->def = sc_model_find("teacher", r->rc.arch)))
        return sc_errf(err, "no teacher architecture '%s' (see `scaffold models`)", r->rc.arch);
    // From a pretrained backbone: its vocabulary tokenizes the task, its sizes build the model.
    if (c->init && (sc_backbone_open(&r->init, c->init, err) || sc_backbone_adopt_config(r->init, &r->rc.model, err)))
        return -1;
    if (sc_mkdirs(c->out, err) || sc_pipeline_open(&r->pipe, c->task, r->init ? r->init->x.vocab : NULL, err))
        return -1;
    r->have_pipe = 1;
    if (sc_model_create(&r->model, r->def, &r->pipe.shape, &r->rc.model, c->seed, err)) return -1;
    r->have_model = 1;
    if (r->init && sc_backbone_init_model(r->init, &r->model, err)) return -1;
    if (sc_ctx_init(&r->ctx, (size_t)r->opts.arena_mb << 20, c->seed ^ 0xD50Full, err)) return -1;
    r->have_ctx = 1;
    r->train = sc_pipeline_split(&r->pipe, SC_SPLIT_TEACHER_TRAIN, &r->n_train);
    r->valid = sc_pipeline_split(&r->pipe, SC_SPLIT_TEACHER_VALID, &r->n_valid);
    r->test = sc_pipeline_split(&r->pipe, SC_SPLIT_TEST, &r->n_test);
    if (!r->train || !r->valid || !r->test) return sc_errf(err, "out of memory");
    return 0;
}

static int train_and_test(run *r, const sc_teacher_run_cfg *c, sc_teacher_outcome *o, sc_err *err) {
    if (c->log)
        fprintf(c->log, "teacher %s on %s: %lld parameters; %zu train / %zu valid / %zu test examples%s%s%s%s\n",
                r->def->name, c->task, (long long)sc_params_numel(&r->model.params), r->n_train, r->n_valid,
                r->n_test, r->rc.source[0] ? "; config " : "", r->rc.source, r->init ? "; from the backbone " : "",
                r->init ? r->init->path : "");
    sc_trainer tr = {.pipe = &r->pipe, .model = &r->model, .opts = r->opts, .train_idx = r->train,
                     .valid_idx = r->valid, .n_train = r->n_train, .n_valid = r->n_valid,
                     .labels = r->pipe.data.label, .targets = r->pipe.data.target, .seed = c->seed, .log = c->log,
                     .label = "teacher"};
    if (sc_train(&tr, &r->ctx, &r->res, err)) return -1;
    sc_ctx_reset(&r->ctx);
    if (sc_evaluate(&r->pipe, &r->model, &r->ctx, r->test, r->n_test, r->opts.eval_batch, r->pipe.data.label,
                    r->pipe.data.target, &o->metric, &o->rmse, err))
        return -1;
    o->regression = r->pipe.shape.regression;
    if (o->regression) o->rmse *= r->pipe.target_std;  // back in the task's units
    else o->rmse = -1;
    return 0;
}

// teacher.ckpt: weights, vocabulary, the RNG state and the test metric.
static int save_checkpoint(run *r, const sc_teacher_run_cfg *c, sc_teacher_outcome *o, sc_err *err) {
    sc_ckpt_extra x;
    sc_ckpt_extra_init(&x);
    snprintf(x.task, sizeof x.task, "%s", c->task);
    x.vocab = r->pipe.has_text ? &r->pipe.vocab : NULL;
    x.rng = r->ctx.rng;
    x.step = r->res.steps;
    int reg = o->regression;
    int rc = sc_ckpt_extra_set_metric(&x, reg ? "test_pearson" : "test_accuracy", o->metric, err);
    if (!rc && reg)
        rc = sc_ckpt_extra_set_metric(&x, "test_rmse", o->rmse, err) ||
             sc_ckpt_extra_set_metric(&x, "target_mean", r->pipe.target_mean, err) ||
             sc_ckpt_extra_set_metric(&x, "target_std", r->pipe.target_std, err);
    if (!rc) rc = sc_ckpt_extra_set_metric(&x, "best_valid", r->res.best_valid, err);
    // No wall-clock times in the checkpoint: the same seed must give the same bytes.
    snprintf(o->ckpt_path, sizeof o->ckpt_path, "%s/teacher.ckpt", c->out);
    if (!rc) rc = sc_checkpoint_save(o->ckpt_path, &r->model, &x, err);
    sc_ckpt_extra_free(&x);
    return rc ? -1 : 0;
}

static int write_result(run *r, const sc_teacher_run_cfg *c, sc_teacher_outcome *o, sc_err *err) {
    int reg = o->regression;
    // The task's name (not a path given as task), as students record it.
    sc_result_run w = {.kind = "teacher", .task = r->pipe.task->name, .arch = r->def->name, .seed = c->seed,
                       .cfg_model = &r->model.cfg, .cfg_trainer = &r->rc.trainer, .train = &r->res,
                       .metric_name = reg ? "test_pearson" : "test_accuracy", .metric = o->metric,
                       .rmse = reg ? o->rmse : -1};
    sc_result_init init;
    w.init = sc_backbone_result_init(r->init, &init);
    snprintf(o->metrics_path, sizeof o->metrics_path, "%s/metrics.msgpack", c->out);
    return sc_result_write(o->metrics_path, &w, err);
}

int sc_teacher_run(const sc_teacher_run_cfg *c, sc_teacher_outcome *o, sc_err *err) {
    memset(o, 0, sizeof *o);
    if (!c->task) return sc_errf(err, "teacher run: no task given");
    if (!c->out) return sc_errf(err, "teacher run: no output folder given");
    run *r = calloc(1, sizeof *r);
    if (!r) return sc_errf(err, "teacher run: out of memory");
    int rc = build(r, c, err) || train_and_test(r, c, o, err) || save_checkpoint(r, c, o, err) ||
                     write_result(r, c, o, err)
                 ? -1
                 : 0;
    if (!rc) {
        snprintf(o->task, sizeof o->task, "%s", r->pipe.task->name);
        snprintf(o->arch, sizeof o->arch, "%s", r->def->name);
        o->seed = c->seed;
        o->n_train = r->n_train, o->n_valid = r->n_valid, o->n_test = r->n_test;
        o->n_params = (long long)sc_params_numel(&r->model.params);
        o->best_valid = r->res.best_valid, o->best_epoch = r->res.best_epoch;
        o->epochs_run = r->res.epochs_run, o->steps = r->res.steps, o->seconds = r->res.seconds;
        o->stopped_by = r->res.stopped_by;
    }
    run_free(r);
    return rc;
}
