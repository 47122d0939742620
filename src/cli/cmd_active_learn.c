// scaffold active-learn — parses argv into an sc_al_run_cfg, runs the
// active-learning loop (active/al_run.h) and prints the learning curve.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "active/al_run.h"
#include "active/strategy.h"
#include "cli/cli.h"

// The active-learning keys with their defaults and help; the trainer and
// architecture keys are those of `scaffold models --keys` (train-student's).
static int print_keys(void) {
    printf("scaffold active-learn: --set KEY=VALUE (active/al_run.h)\n");
    for (const sc_config_spec *s = sc_al_spec; s->key; s++) printf("    %-12s %-17s %s\n", s->key, s->def, s->help);
    printf("  strategies:\n");
    int n;
    const sc_al_strategy_def *const *l = sc_al_strategy_list(&n);
    for (int i = 0; i < n; i++) printf("    %-12s %s (%s)\n", l[i]->name, l[i]->summary, l[i]->cite);
    printf("  and the student's trainer and architecture keys (scaffold models --keys)\n");
    return SC_EXIT_OK;
}

int sc_cmd_active_learn(int argc, char **argv) {
    const sc_command *me = sc_cli_find("active-learn");
    if (argc == 2 && !strcmp(argv[1], "--keys")) return print_keys();
    sc_al_run_cfg c = sc_al_run_defaults();
    char *sets[64];
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has = i + 1 < argc;
        if (!strcmp(a, "--task") && has) c.task = argv[++i];
        else if (!strcmp(a, "--strategy") && has) c.strategy = argv[++i];
        else if (!strcmp(a, "--teacher") && has) c.teacher = argv[++i];
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
    if (!c.strategy) return sc_cli_usage_error(me, "--strategy is required");
    if (!c.out) return sc_cli_usage_error(me, "--out is required");
    c.sets = sets;
    sc_al_outcome o = {0};
    sc_err err;
    if (sc_al_run(&c, &o, &err)) {
        fprintf(stderr, "scaffold active-learn: %s\n", err.msg);
        return SC_EXIT_FAIL;
    }
    sc_al_outcome_print(stdout, &o);
    sc_al_outcome_free(&o);
    return SC_EXIT_OK;
}
