// Fuzz targets for the project's own file formats: task.yaml, experiment
// manifests, checkpoints, result files, and run configs (YAML + --set).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/cache.h"
#include "data/task.h"
#include "exp/manifest.h"
#include "io/checkpoint.h"
#include "io/result_read.h"
#include "report/compare.h"
#include "report/report.h"
#include "targets.h"
#include "train/setup.h"
#include "train/trainer.h"

// ---- task.yaml ----

int sc_fuzz_task_yaml(const uint8_t *data, size_t size) {
    sc_fuzz_begin(data, size);
    sc_task *t = NULL;
    sc_err err;
    // dir "" skips the name-vs-folder check so that every corpus file gets past it.
    int rc = sc_task_parse("", "tasks/fuzz/task.yaml", (const char *)data, size, ".", &t, &err);
    sc_fuzz_check(rc, &err, "sc_task_parse");
    if (rc) return 0;
    SC_FUZZ_ASSERT(t->name && t->n_rules >= 1 && t->n_rules <= 255, "task without a name or partitions");
    SC_FUZZ_ASSERT(t->label_kind == SC_REGRESSION || t->n_classes >= 2, "classification with %zu classes", t->n_classes);
    for (size_t i = 0; i < t->n_classes; i++) SC_FUZZ_ASSERT(t->classes[i], "class %zu is NULL", i);
    if (t->format == SC_FMT_LINES && !t->n_read_files)  // else read.files: each file's class is a per-file column
        for (size_t i = 0; i < t->n_classes; i++) SC_FUZZ_ASSERT(t->class_files[i], "class %zu has no file", i);
    // Every file the readers will open is one of source.files (so it is checksummed).
    for (size_t i = 0; i < t->n_read_files; i++) {
        int declared = 0;
        for (size_t k = 0; k < t->n_files && !declared; k++)
            declared = !strcmp(t->files[k].name, t->read_files[i].name);
        SC_FUZZ_ASSERT(declared, "read file %s is not in source.files", t->read_files[i].name);
    }
    // What `scaffold tasks list` and the loaders compute from the task next (names only, no file access).
    char dir[4096];
    if (t->source == SC_SRC_LOCAL) sc_fuzz_check(sc_task_source_dir(t, dir, sizeof dir, &err), &err, "source dir");
    sc_task_free(t);
    return 0;
}

// ---- experiment manifests ----

int sc_fuzz_manifest(const uint8_t *data, size_t size) {
    sc_fuzz_begin(data, size);
    sc_manifest m;
    sc_err err;
    int rc = sc_manifest_parse(&m, "experiments/fuzz.yaml", (const char *)data, size, NULL, &err);
    sc_fuzz_check(rc, &err, "sc_manifest_parse");
    if (rc) return 0;
    SC_FUZZ_ASSERT(m.n_runs >= 1, "a manifest expanded into no runs");
    for (int i = 0; i < m.n_runs; i++) {
        const sc_exp_run *r = &m.runs[i];
        SC_FUZZ_ASSERT(r->argc >= 1 && r->argc < SC_EXP_MAX_ARGS && !r->argv[r->argc], "run %d: argv", i);
        SC_FUZZ_ASSERT(strlen(r->key) == 64 && r->dir[0], "run %d: key or folder", i);
        SC_FUZZ_ASSERT(r->is_teacher || r->teacher < i, "run %d: its teacher comes later", i);
    }
    sc_manifest_free(&m);
    return 0;
}

// ---- checkpoints ----

// A loaded model must run: one forward pass on a batch of two shaped as the
// checkpoint's shape says (skipped for inputs too large for a quick run).
static void forward_once(const sc_model *m) {
    const sc_model_shape *s = &m->shape;
    sc_ctx ctx;
    sc_err err;
    sc_fuzz_must(sc_ctx_init(&ctx, 256u << 20, 1, &err), &err, "sc_ctx_init");
    sc_inputs in = {.B = 2};
    int64_t T = s->max_tokens < 6 ? s->max_tokens : 6;
    if (s->modality == SC_TEXT && T >= 1 && s->vocab_size >= 1) {
        int64_t shape[2] = {2, T};
        in.ids = sc_full(&ctx, SC_I32, 2, shape, s->vocab_size > SC_TOK_CLS ? SC_TOK_CLS : 0);
        in.mask = sc_full(&ctx, m->dtype, 2, shape, 1);
    } else if (s->modality == SC_IMAGE && s->C <= 64 && s->H <= 1024 && s->W <= 1024 && s->C * s->H * s->W <= 1 << 16) {
        int64_t shape[4] = {2, s->C, s->H, s->W};
        in.images = sc_full(&ctx, m->dtype, 4, shape, 0.5);
    } else if (s->modality == SC_TABULAR && s->F <= 1 << 12) {
        int64_t shape[2] = {2, s->F};
        in.features = sc_full(&ctx, m->dtype, 2, shape, 0.25);
    } else {
        sc_ctx_free(&ctx);
        return;
    }
    sc_model_state st;
    sc_tensor *y = ctx.failed ? NULL : sc_model_forward(m, &ctx, &in, 0, &st);
    if (!y) {
        SC_FUZZ_ASSERT(ctx.failed && ctx.err.msg[0], "forward failed without a message");
        SC_FUZZ_ASSERT(!sc_fuzz_is_oom(ctx.err.msg), "forward ran out of memory: %s", ctx.err.msg);
    } else {
        SC_FUZZ_ASSERT(y->ndim == 2 && y->shape[0] == 2 && y->shape[1] == s->n_outputs, "output shape");
    }
    sc_ctx_free(&ctx);
}

int sc_fuzz_checkpoint(const uint8_t *data, size_t size) {
    sc_fuzz_begin(data, size);
    sc_model m;
    sc_ckpt_extra x;
    sc_err err;
    sc_ckpt_extra_init(&x);
    int rc = sc_checkpoint_load_buf("fuzz.ckpt", data, size, NULL, &m, &x, &err);
    sc_fuzz_check(rc, &err, "sc_checkpoint_load_buf");
    if (rc) return 0;
    if (x.vocab) SC_FUZZ_ASSERT(x.vocab->n >= 3, "vocabulary without its specials");
    forward_once(&m);
    sc_model_free(&m);
    sc_ckpt_extra_free(&x);
    return 0;
}

// ---- result files ----

int sc_fuzz_results(const uint8_t *data, size_t size) {
    sc_fuzz_begin(data, size);
    static FILE *null_out;
    if (!null_out) null_out = fopen("/dev/null", "w");
    SC_FUZZ_ASSERT(null_out, "cannot open /dev/null");
    sc_err err;
    // scaffold report's reading of one run ...
    sc_fuzz_check(sc_report_read_result("metrics.msgpack", data, size, &err), &err, "sc_report_read_result");
    // ... and scaffold compare's: the file twice (the second must be refused as the same seed), then the table.
    sc_cmp c;
    sc_cmp_init(&c);
    for (int k = 0; k < 2; k++) {
        sc_result_doc d;
        int added = 0, rc = sc_result_load_buf(&d, "metrics.msgpack", data, size, &err);
        sc_fuzz_check(rc, &err, "sc_result_load_buf");
        if (rc) break;
        rc = sc_cmp_add_doc(&c, &d, &added, &err);
        sc_fuzz_check(rc, &err, "sc_cmp_add_doc");
        SC_FUZZ_ASSERT(!(k == 1 && added), "the same student result was taken twice");
        if (rc || !added) break;
    }
    sc_boot_cfg cfg = sc_boot_default();
    cfg.resamples = 20;
    if (c.n_files) {
        int rc = sc_cmp_compute(&c, &cfg, &err);
        sc_fuzz_check(rc, &err, "sc_cmp_compute");
        if (!rc) {
            sc_cmp_print_markdown(&c, null_out);
            sc_cmp_print_csv(&c, null_out);
        }
    }
    sc_cmp_free(&c);
    return 0;
}

// ---- run configs: a config file, then --set lines ----

// Reads a resolved config as a run does: the trainer's options, then the model
// built on a small task shape of its modality.
static void use_config(sc_run_config *rc) {
    sc_err err;
    sc_train_opts o;
    sc_fuzz_check(sc_train_opts_from_config(&o, &rc->trainer, &err), &err, "sc_train_opts_from_config");
    const sc_model_def *def = sc_model_find("teacher", rc->arch);
    if (!def) def = sc_model_find("student", rc->arch);
    if (!def) return;
    sc_model_shape s = {.modality = def->modality, .n_outputs = 3, .vocab_size = 50, .max_tokens = 8,
                        .C = 1, .H = 8, .W = 8, .F = 5};
    sc_model m;
    int r = sc_model_create(&m, def, &s, &rc->model, 1, &err);
    sc_fuzz_check(r, &err, "sc_model_create");
    if (!r) sc_model_free(&m);
}

// The input is read twice: as a config file (YAML), and line by line as --set
// arguments after a first `arch=mlp` (a line `arch=NAME` picks another model).
int sc_fuzz_set(const uint8_t *data, size_t size) {
    sc_fuzz_begin(data, size);
    sc_run_config rc;
    sc_err err;
    char *text = sc_fuzz_copy(data, size);
    int r = sc_run_config_resolve_buf(&rc, "teacher", "teachers/configs/fuzz.yaml", text, size, NULL, NULL, 0, (int)(size & 1), &err);
    // A config file without an arch key is an error that names the file.
    if (r && strstr(err.msg, "no teacher architecture")) r = 0, rc.arch[0] = '\0';
    sc_fuzz_check(r, &err, "sc_run_config_resolve_buf (config file)");
    if (!r && rc.arch[0]) use_config(&rc);

    char *sets[65] = {"arch=mlp"};
    int n_sets = 1;
    for (char *p = text; p < text + size && n_sets < 65;) {
        char *nl = memchr(p, '\n', (size_t)(text + size - p));
        if (nl) *nl = '\0';
        sets[n_sets++] = p;
        p = nl ? nl + 1 : text + size;
    }
    r = sc_run_config_resolve_buf(&rc, "teacher", NULL, NULL, 0, NULL, sets, n_sets, 0, &err);
    sc_fuzz_check(r, &err, "sc_run_config_resolve_buf (--set)");
    if (!r) use_config(&rc);
    free(text);
    return 0;
}
