// scaffold train-student — trains a student to simulate a trained teacher, with
// the teacher's explanations as extra supervision (smat/student.h), optionally
// meta-learning the teacher explainer (--learn-explainer), and writes
// metrics.msgpack (io/results.h) with simulatability, accuracy, curves, timings,
// explainer coefficients and the per-test-example agreement.
//
// Configuration: students/configs/<task>.yaml (or --config FILE), then --set.
// Trainer keys (train/trainer.h) default to the student run's (AdamW, smat/student_run.c);
// SMaT keys are sc_student_spec; `teacher.K=V` configures the teacher explainer
// and `student_explainer.K=V` the student's (student_explainer=auto: attention
// for students with attention, else gradient-x-input on the student, trained by
// double backpropagation); every other key is the student architecture's.
// All of them are checked together before the run (check_keys), so that an
// unknown key is reported with every key the command accepts.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/run_keys.h"
#include "data/task.h"
#include "explain/explainer.h"
#include "io/checkpoint.h"
#include "smat/student_run.h"
#include "train/setup.h"

// The teacher checkpoint's task, as the run finds the file (DIR/teacher.ckpt,
// or the file itself): 0, or -1 if it cannot be read (the run will say why).
static int checkpoint_task(const char *ckpt, char *task, size_t cap) {
    char path[1024];
    sc_student_teacher_ckpt_path(ckpt, path, sizeof path);
    sc_model *m = malloc(sizeof *m);
    sc_ckpt_extra x;
    sc_ckpt_extra_init(&x);
    sc_err err;
    int rc = !m || sc_checkpoint_load(path, m, &x, &err) ? -1 : 0;
    if (!rc) {
        snprintf(task, cap, "%s", x.task);
        sc_model_free(m);
        sc_ckpt_extra_free(&x);
    }
    free(m);
    return rc || !task[0] ? -1 : 0;
}

// The student architecture the run will build: --student, else the config
// file's `arch`, else the default of the task's modality. NULL if unknown yet.
static const char *student_arch(const sc_student_run_cfg *c, const char *task) {
    if (c->arch || c->config_path || sc_run_has_default_config("student", task)) return c->arch;
    sc_task *t;
    sc_err err;
    if (sc_task_open(task, &t, &err)) return NULL;
    const char *arch = sc_run_default_arch(t->modality);
    sc_task_free(t);
    return arch;
}

// The run's keys, resolved as the run resolves them (file, finetune section,
// --set), against every key train-student accepts: the run splits them among
// trainer, SMaT, explainers and architecture, and each checks only its own
// once the data is loaded. teacher.K keys are left to the run when the teacher
// explainer has no settings of its own here (none, or --explainer-ckpt), as is
// anything else wrong (task, file, architecture). 0 if the keys are fine or
// cannot be checked yet, -1 once the unknown key is printed.
static int check_keys(const sc_student_run_cfg *c) {
    char task[256] = "";
    if (c->task) snprintf(task, sizeof task, "%s", c->task);
    else if (!c->config_path && checkpoint_task(c->teacher_ckpt, task, sizeof task)) return 0;
    const char *arch = task[0] ? student_arch(c, task) : c->arch;
    const char *texpl = c->explainer && strcmp(c->explainer, "none") && !c->explainer_ckpt ? c->explainer : NULL;
    sc_run_config *rc = malloc(sizeof *rc);
    sc_config *keys = malloc(sizeof *keys);
    sc_err err;
    int bad = 0;
    if (rc && keys &&
        // with the finetune section applied whether or not this run uses it (a typo in it fails any run)
        !sc_run_config_resolve(rc, "student", task, c->config_path, arch, c->sets, c->n_sets, 1, &err)) {
        sc_config_init(keys);
        for (int i = 0; i < rc->model.n; i++)
            if (texpl || strncmp(rc->model.e[i].key, "teacher.", 8)) keys->e[keys->n++] = rc->model.e[i];
        const sc_model_def *def = sc_model_find("student", rc->arch);
        sc_run_keys k;
        sc_run_keys_student(&k, def, texpl, sc_config_str(&rc->model, "student_explainer"));
        bad = def && sc_run_keys_check(&k, keys, stderr);
    }
    free(rc);
    free(keys);
    return bad ? -1 : 0;
}

int sc_cmd_train_student(int argc, char **argv) {
    const sc_command *me = sc_cli_find("train-student");
    const char *task = NULL, *arch = NULL, *cfg_path = NULL, *out = NULL, *ckpt = NULL, *explainer = NULL;
    const char *explainer_ckpt = NULL, *init = NULL;
    char *sets[64];
    const char *label = NULL;  // the row name in `scaffold compare` (default: the explainer, or smat)
    int n_sets = 0, learn = 0;
    unsigned long long seed = 1, n_req = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has = i + 1 < argc;
        if (!strcmp(a, "--task") && has) task = argv[++i];
        else if (!strcmp(a, "--teacher-ckpt") && has) ckpt = argv[++i];
        else if (!strcmp(a, "--explainer") && has) explainer = argv[++i];
        else if (!strcmp(a, "--explainer-ckpt") && has) explainer_ckpt = argv[++i];
        else if (!strcmp(a, "--student") && has) arch = argv[++i];
        else if (!strcmp(a, "--config") && has) cfg_path = argv[++i];
        else if (!strcmp(a, "--out") && has) out = argv[++i];
        else if (!strcmp(a, "--init") && has) init = argv[++i];
        else if (!strcmp(a, "--learn-explainer")) learn = 1;
        else if (!strcmp(a, "--label") && has) label = argv[++i];
        else if (!strcmp(a, "--set") && has) {
            if (n_sets == 64) return sc_cli_usage_error(me, "too many --set options (max 64)");
            sets[n_sets++] = argv[++i];
        } else if ((!strcmp(a, "--seed") || !strcmp(a, "--n")) && has) {
            char *end;
            unsigned long long v = strtoull(argv[++i], &end, 10);
            if (*end || !argv[i][0] || argv[i][0] == '-')
                return sc_cli_usage_error(me, "%s expects a non-negative integer, got '%s'", a, argv[i]);
            if (!strcmp(a, "--seed")) seed = v;
            else n_req = v;
        } else {
            return sc_cli_usage_error(me, "unexpected argument '%s'", a);
        }
    }
    if (!ckpt) return sc_cli_usage_error(me, "--teacher-ckpt is required");
    if (!explainer && !explainer_ckpt)
        return sc_cli_usage_error(me, "--explainer is required (an explainer name, or none), or --explainer-ckpt");
    if (!out) return sc_cli_usage_error(me, "--out is required");
    if (explainer && strcmp(explainer, "none") && !sc_explainer_find(explainer)) {
        const char *near = sc_explainer_nearest(explainer);
        char names[1024], mean[96] = "";
        if (near) snprintf(mean, sizeof mean, "; did you mean '%s'?", near);
        return sc_cli_usage_error(me, "unknown explainer '%s'%s (known: %s, or none; `scaffold explainers` describes "
                                  "each)", explainer, mean, sc_explainer_names(names, sizeof names));
    }

    sc_student_run_cfg c = sc_student_run_defaults();
    c.teacher_ckpt = ckpt, c.explainer = explainer, c.task = task, c.arch = arch, c.config_path = cfg_path;
    c.sets = sets, c.n_sets = n_sets, c.n = (size_t)n_req, c.seed = seed, c.learn = learn, c.label = label;
    c.out = out, c.explainer_ckpt = explainer_ckpt, c.init = init;
    if (check_keys(&c)) return SC_EXIT_FAIL;
    sc_student_outcome o;
    sc_err err;
    if (sc_student_run(&c, &o, &err)) {
        fprintf(stderr, "scaffold train-student: %s\n", err.msg);
        return SC_EXIT_FAIL;
    }
    sc_student_outcome_print(stdout, &o);
    sc_student_outcome_free(&o);
    return SC_EXIT_OK;
}
