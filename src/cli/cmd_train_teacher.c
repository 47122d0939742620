// scaffold train-teacher — parses argv into an sc_teacher_run_cfg, checks its
// keys, trains the teacher (smat/teacher_run.h: checkpoint and metrics) and
// prints the outcome.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/run_keys.h"
#include "smat/teacher_run.h"

int sc_cmd_train_teacher(int argc, char **argv) {
    const sc_command *me = sc_cli_find("train-teacher");
    const char *task = NULL, *arch = NULL, *cfg_path = NULL, *out = NULL, *init = NULL;
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
        else if (!strcmp(a, "--init") && has) init = argv[++i];
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

    sc_teacher_run_cfg c = sc_teacher_run_defaults();
    c.task = task, c.arch = arch, c.config_path = cfg_path, c.sets = sets, c.n_sets = n_sets, c.seed = seed;
    c.out = out, c.init = init;
    // Every key checked before any data is loaded (the run names only its architecture's).
    if (sc_run_keys_check_teacher_like(c.task, c.arch, c.config_path, c.sets, c.n_sets, sc_run_keys_teacher))
        return SC_EXIT_FAIL;
    sc_teacher_outcome o;
    sc_err err;
    if (sc_teacher_run(&c, &o, &err)) {
        fprintf(stderr, "scaffold train-teacher: %s\n", err.msg);
        return SC_EXIT_FAIL;
    }
    sc_teacher_outcome_print(stdout, task, &o);
    return SC_EXIT_OK;
}
