// scaffold pretrain — parses argv into an sc_pretrain_cfg, pretrains
// (pretrain/pretrain.h: checkpoint, resume state, result file) and prints the outcome.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "pretrain/pretrain.h"

static void print_keys(void) {
    printf("scaffold pretrain keys (--set k=v; any other key goes to the architecture, see `scaffold models --keys`):\n");
    for (int i = 0; sc_pretrain_spec[i].key; i++)
        printf("  %-13s %-8s %s\n", sc_pretrain_spec[i].key, sc_pretrain_spec[i].def, sc_pretrain_spec[i].help);
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
            print_keys();
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
