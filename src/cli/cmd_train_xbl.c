// scaffold train-xbl — parses argv into an sc_xbl_run_cfg, trains a model with
// an explanation penalty on a decoy task (smat/xbl_run.h) and prints how much
// it still relies on the decoy.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/run_keys.h"
#include "smat/xbl_run.h"

int sc_cmd_train_xbl(int argc, char **argv) {
    const sc_command *me = sc_cli_find("train-xbl");
    sc_xbl_run_cfg c = sc_xbl_run_defaults();
    char *sets[64];
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has = i + 1 < argc;
        if (!strcmp(a, "--task") && has) c.task = argv[++i];
        else if (!strcmp(a, "--model") && has) c.arch = argv[++i];
        else if (!strcmp(a, "--config") && has) c.config_path = argv[++i];
        else if (!strcmp(a, "--out") && has) c.out = argv[++i];
        else if (!strcmp(a, "--set") && has) {
            if (c.n_sets == 64) return sc_cli_usage_error(me, "too many --set options (max 64)");
            sets[c.n_sets++] = argv[++i];
        } else if (!strcmp(a, "--seed") && has) {
            char *end;
            c.seed = strtoull(argv[++i], &end, 10);
            if (*end || !argv[i][0] || argv[i][0] == '-')
                return sc_cli_usage_error(me, "--seed expects a non-negative integer, got '%s'", argv[i]);
        } else {
            return sc_cli_usage_error(me, "unexpected argument '%s'", a);
        }
    }
    if (!c.task) return sc_cli_usage_error(me, "--task is required");
    if (!c.out) return sc_cli_usage_error(me, "--out is required");
    c.sets = sets;
    if (sc_run_keys_check_teacher_like(c.task, c.arch, c.config_path, c.sets, c.n_sets, sc_run_keys_xbl))
        return SC_EXIT_FAIL;
    sc_xbl_outcome o;
    sc_err err;
    if (sc_xbl_run(&c, &o, &err)) {
        fprintf(stderr, "scaffold train-xbl: %s\n", err.msg);
        return SC_EXIT_FAIL;
    }
    sc_xbl_outcome_print(stdout, &o);
    return SC_EXIT_OK;
}
