// scaffold bench — performance tables (ratios against raw BLIS and plain steps).
#include <string.h>

#include "bench/bench.h"
#include "cli/cli.h"

int sc_cmd_bench(int argc, char **argv) {
    const sc_command *me = sc_cli_find("bench");
    int quick = 0;
    const char *what = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick")) quick = 1;
        else if (argv[i][0] == '-') return sc_cli_usage_error(me, "unknown option '%s'", argv[i]);
        else if (!what) what = argv[i];
        else return sc_cli_usage_error(me, "unexpected argument '%s'", argv[i]);
    }
    if (!what) return sc_cli_usage_error(me, "which benchmark? (engine | train | meta)");
    if (!strcmp(what, "engine")) return sc_bench_engine(stdout, quick) ? SC_EXIT_FAIL : SC_EXIT_OK;
    if (!strcmp(what, "train")) return sc_bench_train(stdout, quick) ? SC_EXIT_FAIL : SC_EXIT_OK;
    if (!strcmp(what, "meta")) return sc_bench_meta(stdout, quick) ? SC_EXIT_FAIL : SC_EXIT_OK;
    return sc_cli_usage_error(me, "unknown benchmark '%s' (known: engine, train, meta)", what);
}
