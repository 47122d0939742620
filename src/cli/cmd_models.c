// scaffold models — the registered teacher and student architectures; with
// --keys, each one's hyperparameters and then every --set key of each training
// command (cli/run_keys.h), grouped by what reads them.
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/run_keys.h"
#include "models/model.h"

int sc_cmd_models(int argc, char **argv) {
    int verbose = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--keys")) verbose = 1;
        else return sc_cli_usage_error(sc_cli_find("models"), "unexpected argument '%s'", argv[i]);
    }
    int n;
    const sc_model_def *const *defs = sc_model_list(&n);
    printf("%-8s %-12s %-8s %s\n", "role", "arch", "input", "summary");
    for (int i = 0; i < n; i++) {
        printf("%-8s %-12s %-8s %s\n", defs[i]->role, defs[i]->name, sc_modality_name(defs[i]->modality),
               defs[i]->summary);
        if (!verbose) continue;
        for (const sc_config_spec *s = defs[i]->spec; s && s->key; s++)
            printf("    %-14s %-10s %s\n", s->key, s->def ? s->def : "(required)", s->help);
    }
    if (!verbose) return SC_EXIT_OK;
    printf("every architecture\n");
    for (const sc_config_spec *s = sc_model_common_spec; s->key; s++)
        printf("    %-14s %-10s %s\n", s->key, s->def ? s->def : "(required)", s->help);
    // The architectures' keys are above; each command's own groups follow.
    for (int c = 0; sc_run_keys_commands[c]; c++) sc_run_keys_print(stdout, sc_run_keys_commands[c], 0);
    return SC_EXIT_OK;
}
