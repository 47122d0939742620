#include <stdio.h>

#include "cli/cli.h"
#include "selfcheck/selfcheck.h"
#include "core/version.h"

int sc_cmd_selfcheck(int argc, char **argv) {
    if (argc > 1) return sc_cli_usage_error(sc_cli_find("selfcheck"), "unexpected argument '%s'", argv[1]);
    printf("scaffold %s dependency self-check\n\n", SC_VERSION);
    int failures = sc_selfcheck_all(stdout);
    printf("\n%s\n", failures ? "SELF-CHECK FAILED" : "all dependencies work");
    return failures ? SC_EXIT_FAIL : SC_EXIT_OK;
}
