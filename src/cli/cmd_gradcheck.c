// scaffold gradcheck — finite-difference checks of every registered op.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "autograd/gradcheck.h"
#include "cli/cli.h"

int sc_cmd_gradcheck(int argc, char **argv) {
    const sc_command *me = sc_cli_find("gradcheck");
    int max_order = 2;
    const char *only = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--order") && i + 1 < argc) {
            char *end;
            long v = strtol(argv[++i], &end, 10);
            if (*end || v < 1 || v > 3) return sc_cli_usage_error(me, "--order takes 1, 2 or 3, got '%s'", argv[i]);
            max_order = (int)v;
        } else if (!strcmp(argv[i], "--op") && i + 1 < argc) {
            only = argv[++i];
        } else {
            return sc_cli_usage_error(me, "unexpected argument '%s'", argv[i]);
        }
    }
    int n;
    const sc_gc_case *const *cases = sc_gradcheck_cases(&n);
    if (only && !sc_gradcheck_find(only)) {
        fprintf(stderr, "scaffold gradcheck: no op named '%s'; known ops:", only);
        for (int i = 0; i < n; i++) fprintf(stderr, " %s", cases[i]->name);
        fprintf(stderr, "\n");
        return SC_EXIT_USAGE;
    }
    printf("%-24s %5s %8s %11s %11s  %s\n", "op", "order", "coords", "max abs err", "max rel err", "result");
    int failures = 0, ran = 0;
    clock_t t0 = clock();
    for (int i = 0; i < n; i++) {
        if (only && strcmp(cases[i]->name, only)) continue;
        for (int order = 1; order <= max_order; order++) {
            sc_gc_result r;
            sc_err err;
            ran++;
            if (sc_gradcheck_case(cases[i], order, &r, &err)) {
                printf("%-24s %5d %8s %11s %11s  ERROR: %s\n", cases[i]->name, order, "-", "-", "-", err.msg);
                failures++;
                continue;
            }
            printf("%-24s %5d %8lld %11.2e %11.2e  %s\n", cases[i]->name, order, (long long)r.n_coords, r.max_abs,
                   r.max_rel, r.ok ? "pass" : "FAIL");
            failures += !r.ok;
            fflush(stdout);
        }
    }
    printf("\n%d checks, %d failed (%.1f s)\n", ran, failures, (double)(clock() - t0) / CLOCKS_PER_SEC);
    return failures ? SC_EXIT_FAIL : SC_EXIT_OK;
}
