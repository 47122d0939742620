// scaffold hypercheck — every hypergradient method against central finite
// differences of the outer loss on a tiny real SMaT problem (f64). Exit 1 when
// an unrolled row misses 1e-4 relative; approximations are reported only.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "smat/hypercheck.h"

int sc_cmd_hypercheck(int argc, char **argv) {
    const sc_command *cmd = sc_cli_find("hypercheck");
    sc_hc_opts o = {.methods = (1 << sc_hg_n_methods) - 1, .unroll = 3, .terms = 5, .seed = 1};
    for (int i = 1; i < argc; i += 2) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        long x;
        if (!strcmp(a, "--method") && v) {
            int m = sc_hg_method_parse(v);
            if (strcmp(v, "all") && m < 0)
                return sc_cli_usage_error(cmd, "--method '%s': expected all, %s", v, sc_hg_method_list());
            o.methods = m < 0 ? (1 << sc_hg_n_methods) - 1 : 1 << m;
        } else if (!strcmp(a, "--unroll") && v) {
            if (sc_cli_parse_long(v, 1, 100, &x)) return sc_cli_usage_error(cmd, "--unroll '%s': expected 1..100", v);
            o.unroll = (int)x;
        } else if (!strcmp(a, "--terms") && v) {
            if (sc_cli_parse_long(v, 1, 10000, &x)) return sc_cli_usage_error(cmd, "--terms '%s': expected 1..10000", v);
            o.terms = (int)x;
        } else if (!strcmp(a, "--seed") && v) {
            if (sc_cli_parse_long(v, 0, 1L << 30, &x)) return sc_cli_usage_error(cmd, "--seed '%s': expected 0..2^30", v);
            o.seed = (uint64_t)x;
        } else {
            return sc_cli_usage_error(cmd, v || a[0] != '-' ? "unexpected argument '%s'" : "%s needs a value", a);
        }
    }
    double worst;
    int n_fail;
    sc_err err;
    if (sc_hypercheck_run(&o, stdout, &worst, &n_fail, &err)) {
        fprintf(stderr, "scaffold hypercheck: %s\n", err.msg);
        return SC_EXIT_FAIL;
    }
    if (n_fail) {
        fflush(stdout);
        fprintf(stderr, "scaffold hypercheck: %d check(s) failed (unrolled vs FD above 1e-4 — worst %.3g —, a meta step "
                        "that did not lower the outer loss, or an exact implicit case above 1e-6)\n", n_fail, worst);
        return SC_EXIT_FAIL;
    }
    if (o.methods & (1 << SC_HG_UNROLLED)) printf("\nunrolled: worst relative error %.3g <= 1e-4, every meta step descended: ok\n", worst);
    return SC_EXIT_OK;
}
