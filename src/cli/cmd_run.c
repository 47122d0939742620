// scaffold run — validates an experiment manifest in full and expands it into
// runs (exp/manifest.h), then executes them in a local pool (exp/runner.h);
// ends with the summary table. --dry-run validates and prints the commands.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "exp/runner.h"

int sc_cmd_run(int argc, char **argv) {
    const sc_command *me = sc_cli_find("run");
    const char *path = NULL, *out = NULL;
    sc_exp_opts o = {.jobs = 1, .log = stderr};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has = i + 1 < argc;
        if (!strcmp(a, "--resume")) o.resume = 1;
        else if (!strcmp(a, "--dry-run")) o.dry_run = 1;
        else if (!strcmp(a, "--out") && has) out = argv[++i];
        else if (!strcmp(a, "--jobs") && has) {
            long j;
            if (sc_cli_parse_long(argv[++i], 1, 256, &j))
                return sc_cli_usage_error(me, "--jobs expects an integer in [1, 256], got '%s'", argv[i]);
            o.jobs = (int)j;
        } else if (a[0] == '-') {
            return sc_cli_usage_error(me, "unexpected option '%s'", a);
        } else if (path) {
            return sc_cli_usage_error(me, "one manifest at a time (got '%s' and '%s')", path, a);
        } else {
            path = a;
        }
    }
    if (!path) return sc_cli_usage_error(me, "give a manifest file (see experiments/)");
    sc_manifest m;
    sc_err err;
    // The manifest is validated in full here (exp/manifest.h), --dry-run included:
    // every problem is listed before anything runs.
    if (sc_manifest_load_report(&m, path, out, stderr, &err)) {
        fprintf(stderr, "scaffold run: %s\n", err.msg);
        return SC_EXIT_FAIL;
    }
    if (o.dry_run) {
        int teachers = 0;
        for (int i = 0; i < m.n_runs; i++) teachers += m.runs[i].is_teacher;
        fprintf(stderr, "%s: valid; %d runs (%d teacher%s, %d student%s) into %s\n", path, m.n_runs, teachers,
                teachers == 1 ? "" : "s", m.n_runs - teachers, m.n_runs - teachers == 1 ? "" : "s", m.out);
    }
    int failed = 0, rc = sc_exp_execute(&m, &o, &failed, &err);
    if (rc) fprintf(stderr, "scaffold run: %s\n", err.msg);
    else if (failed) fprintf(stderr, "scaffold run: %d run%s failed (their log.txt says why)\n", failed, failed > 1 ? "s" : "");
    sc_manifest_free(&m);
    return rc || failed ? SC_EXIT_FAIL : SC_EXIT_OK;
}
