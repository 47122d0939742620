// scaffold train-student — trains a student to simulate a trained teacher, with
// the teacher's explanations as extra supervision (smat/student.h), optionally
// meta-learning the teacher explainer (--learn-explainer), and writes
// metrics.msgpack (io/results.h) with simulatability, accuracy, curves, timings,
// explainer coefficients and the per-test-example agreement.
//
// Configuration: students/configs/<task>.yaml (or --config FILE), then --set.
// Trainer keys (train/trainer.h) default to the paper's student settings below;
// SMaT keys are sc_student_spec; `teacher.K=V` configures the teacher explainer
// and `student_explainer.K=V` the student's (student_explainer=auto: attention
// for students with attention, else gradient-x-input on the student, trained by
// double backpropagation); every other key is the student architecture's.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "explain/explainer.h"
#include "smat/student_run.h"

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
    if (explainer && strcmp(explainer, "none") && !sc_explainer_find(explainer))
        return sc_cli_usage_error(me, "unknown explainer '%s' (see `scaffold explain --help`; or none)", explainer);

    sc_student_run_cfg c = sc_student_run_defaults();
    c.teacher_ckpt = ckpt, c.explainer = explainer, c.task = task, c.arch = arch, c.config_path = cfg_path;
    c.sets = sets, c.n_sets = n_sets, c.n = (size_t)n_req, c.seed = seed, c.learn = learn, c.label = label;
    c.out = out, c.explainer_ckpt = explainer_ckpt, c.init = init;
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
