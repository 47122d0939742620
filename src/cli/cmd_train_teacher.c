// scaffold train-teacher — trains a teacher on a task and writes its checkpoint
// and metrics.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/fs.h"
#include "io/checkpoint.h"
#include "io/results.h"
#include "train/setup.h"
#include "train/trainer.h"

int sc_cmd_train_teacher(int argc, char **argv) {
    const sc_command *me = sc_cli_find("train-teacher");
    const char *task = NULL, *arch = NULL, *cfg_path = NULL, *out = NULL;
    char *sets[64];
    int n_sets = 0;
    unsigned long long seed = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has = i + 1 < argc;
        if (!strcmp(a, "--task") && has) task = argv[++i];
        else if (!strcmp(a, "--teacher") && has) arch = argv[++i];
        else if (!strcmp(a, "--config") && has) cfg_path = argv[++i];
        else if (!strcmp(a, "--out") && has) out = argv[++i];
        else if (!strcmp(a, "--set") && has) {
            if (n_sets == 64) return sc_cli_usage_error(me, "too many --set options (max 64)");
            sets[n_sets++] = argv[++i];
        } else if (!strcmp(a, "--seed") && has) {
            char *end;
            seed = strtoull(argv[++i], &end, 10);
            if (*end || !argv[i][0] || argv[i][0] == '-') return sc_cli_usage_error(me, "--seed expects a non-negative integer, got '%s'", argv[i]);
        } else {
            return sc_cli_usage_error(me, "unexpected argument '%s'", a);
        }
    }
    if (!task) return sc_cli_usage_error(me, "--task is required");
    if (!out) return sc_cli_usage_error(me, "--out is required");

    sc_err err;
    sc_run_config rc;
    sc_pipeline pipe;
    sc_model model;
    sc_ctx ctx;
    sc_train_opts opts;
    int have_pipe = 0, have_model = 0, have_ctx = 0, status = SC_EXIT_FAIL;
    uint32_t *train = NULL, *valid = NULL, *test = NULL;
    if (sc_run_config_resolve(&rc, "teacher", task, cfg_path, arch, sets, n_sets, &err) ||
        sc_train_opts_from_config(&opts, &rc.trainer, &err))
        goto fail;
    const sc_model_def *def = sc_model_find("teacher", rc.arch);
    if (!def) {
        sc_errf(&err, "no teacher architecture '%s' (see `scaffold models`)", rc.arch);
        goto fail;
    }
    if (sc_mkdirs(out, &err) || sc_pipeline_open(&pipe, task, NULL, &err)) goto fail;
    have_pipe = 1;
    if (sc_model_create(&model, def, &pipe.shape, &rc.model, seed, &err)) goto fail;
    have_model = 1;
    if (sc_ctx_init(&ctx, (size_t)opts.arena_mb << 20, seed ^ 0xD50Full, &err)) goto fail;
    have_ctx = 1;
    size_t n_train, n_valid, n_test;
    train = sc_pipeline_split(&pipe, SC_SPLIT_TEACHER_TRAIN, &n_train);
    valid = sc_pipeline_split(&pipe, SC_SPLIT_TEACHER_VALID, &n_valid);
    test = sc_pipeline_split(&pipe, SC_SPLIT_TEST, &n_test);
    if (!train || !valid || !test) {
        sc_errf(&err, "out of memory");
        goto fail;
    }
    fprintf(stderr, "teacher %s on %s: %lld parameters; %zu train / %zu valid / %zu test examples%s%s\n", def->name,
            task, (long long)sc_params_numel(&model.params), n_train, n_valid, n_test,
            rc.source[0] ? "; config " : "", rc.source);
    sc_trainer tr = {.pipe = &pipe, .model = &model, .opts = opts, .train_idx = train, .valid_idx = valid,
                     .n_train = n_train, .n_valid = n_valid, .labels = pipe.data.label, .targets = pipe.data.target,
                     .seed = seed, .log = stderr, .label = "teacher"};
    sc_train_result res;
    if (sc_train(&tr, &ctx, &res, &err)) goto fail;
    double metric, rmse;
    sc_ctx_reset(&ctx);
    if (sc_evaluate(&pipe, &model, &ctx, test, n_test, opts.eval_batch, pipe.data.label, pipe.data.target, &metric,
                    &rmse, &err))
        goto fail;
    rmse *= pipe.target_std;  // back in the task's units

    sc_ckpt_extra x;
    sc_ckpt_extra_init(&x);
    snprintf(x.task, sizeof x.task, "%s", task);
    x.vocab = pipe.has_text ? &pipe.vocab : NULL;
    x.rng = ctx.rng;
    x.step = res.steps;
    int reg = pipe.shape.regression;
    sc_ckpt_extra_set_metric(&x, reg ? "test_pearson" : "test_accuracy", metric, &err);
    if (reg) {
        sc_ckpt_extra_set_metric(&x, "test_rmse", rmse, &err);
        sc_ckpt_extra_set_metric(&x, "target_mean", pipe.target_mean, &err);
        sc_ckpt_extra_set_metric(&x, "target_std", pipe.target_std, &err);
    }
    sc_ckpt_extra_set_metric(&x, "best_valid", res.best_valid, &err);
    // No wall-clock times in the checkpoint: the same seed must give the same bytes.
    char path[1024];
    snprintf(path, sizeof path, "%s/teacher.ckpt", out);
    int save_rc = sc_checkpoint_save(path, &model, &x, &err);
    sc_ckpt_extra_free(&x);
    if (save_rc) goto fail;
    // The task's name (not a path given as --task), as students record it.
    sc_result_run r = {.kind = "teacher", .task = pipe.task->name, .arch = def->name, .seed = seed, .cfg_model = &model.cfg,
                       .cfg_trainer = &rc.trainer, .train = &res, .metric_name = reg ? "test_pearson" : "test_accuracy",
                       .metric = metric, .rmse = reg ? rmse : -1};
    char rpath[1024];
    snprintf(rpath, sizeof rpath, "%s/metrics.msgpack", out);
    if (sc_result_write(rpath, &r, &err)) goto fail;
    printf("task %s  teacher %s  seed %llu\n", task, def->name, seed);
    printf("  %-14s %.4f\n", reg ? "test pearson" : "test accuracy", metric);
    if (reg) printf("  %-14s %.4f\n", "test rmse", rmse);
    printf("  %-14s %.4f (epoch %ld of %ld run)\n", reg ? "valid pearson" : "valid accuracy", res.best_valid,
           res.best_epoch, res.epochs_run);
    printf("  %-14s %.1f s, %ld steps\n", "training", res.seconds, res.steps);
    printf("  wrote %s and %s\n", path, rpath);
    status = SC_EXIT_OK;
    goto done;
fail:
    fprintf(stderr, "scaffold train-teacher: %s\n", err.msg);
done:
    free(train);
    free(valid);
    free(test);
    if (have_ctx) sc_ctx_free(&ctx);
    if (have_model) sc_model_free(&model);
    if (have_pipe) sc_pipeline_close(&pipe);
    return status;
}
