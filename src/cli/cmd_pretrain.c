// scaffold pretrain — parses argv into an sc_pretrain_cfg, checks its keys,
// pretrains (pretrain/pretrain.h: checkpoint, resume state, result file) and
// prints the outcome.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/run_keys.h"
#include "pretrain/pretrain.h"

// The --set keys against every key pretrain accepts (the run's and the
// architecture's): the run checks the architecture's alone, and names only
// those. An unknown architecture or a malformed --set is left to the run to
// report. 0 if the keys are fine or cannot be checked, -1 once printed.
static int check_keys(const char *arch, const char *const *sets, int n_sets) {
    const sc_model_def *def = sc_model_find("teacher", arch);
    sc_config *c = malloc(sizeof *c);
    sc_err err;
    int ok = def && c, bad = 0;
    if (ok) sc_config_init(c);
    for (int i = 0; i < n_sets && ok; i++) ok = !sc_config_set_kv(c, sets[i], &err);
    if (ok) {
        sc_run_keys k;
        sc_run_keys_pretrain(&k, def);
        bad = sc_run_keys_check(&k, c, stderr);
    }
    free(c);
    return bad ? -1 : 0;
}

int sc_cmd_pretrain(int argc, char **argv) {
    const sc_command *me = sc_cli_find("pretrain");
    const char *corpus = NULL, *task = NULL, *arch = "transformer", *out = NULL;
    const char *sets[64];
    int n_sets = 0, resume = 0;
    unsigned long long seed = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has = i + 1 < argc;
        if (!strcmp(a, "--corpus") && has) corpus = argv[++i];
        else if (!strcmp(a, "--task") && has) task = argv[++i];
        else if (!strcmp(a, "--arch") && has) arch = argv[++i];
        else if (!strcmp(a, "--out") && has) out = argv[++i];
        else if (!strcmp(a, "--resume")) resume = 1;
        else if (!strcmp(a, "--keys")) {
            sc_run_keys_print(stdout, "pretrain", 1);
            return SC_EXIT_OK;
        } else if (!strcmp(a, "--set") && has) {
            if (n_sets == 64) return sc_cli_usage_error(me, "too many --set options (max 64)");
            sets[n_sets++] = argv[++i];
        } else if (!strcmp(a, "--seed") && has) {
            char *end;
            seed = strtoull(argv[++i], &end, 10);
            if (*end || !argv[i][0] || argv[i][0] == '-')
                return sc_cli_usage_error(me, "--seed expects a non-negative integer, got '%s'", argv[i]);
        } else {
            return sc_cli_usage_error(me, "unexpected argument '%s'", a);
        }
    }
    if (!corpus && !task)
        return sc_cli_usage_error(me, "--corpus NAME (text; see `scaffold corpus list`) or --task NAME with --arch vit "
                                  "(images) is required");
    if (!out) return sc_cli_usage_error(me, "--out is required");
    if (check_keys(arch, sets, n_sets)) return SC_EXIT_FAIL;
    sc_pretrain_cfg c = {.arch = arch, .corpus = corpus, .task = task, .out = out, .sets = sets, .n_sets = n_sets, .seed = seed,
                         .resume = resume, .log = stderr};
    sc_pretrain_outcome o;
    sc_err err;
    if (sc_pretrain_run(&c, &o, &err)) {
        fprintf(stderr, "scaffold pretrain: %s\n", err.msg);
        return SC_EXIT_FAIL;
    }
    sc_pretrain_outcome_print(stdout, &o);
    return SC_EXIT_OK;
}
