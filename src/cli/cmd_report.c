// scaffold report — one self-contained HTML page (tables and gnuplot charts)
// for the results under a directory (report/report.h); --figures DIR also
// saves each chart and saliency map as a file (report/figures.h).
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "report/report.h"

int sc_cmd_report(int argc, char **argv) {
    const sc_command *me = sc_cli_find("report");
    const char *dir = NULL, *out = NULL, *figdir = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--out") || !strcmp(argv[i], "--figures")) {
            if (i + 1 >= argc) return sc_cli_usage_error(me, "%s needs a value", argv[i]);
            if (!strcmp(argv[i], "--out")) out = argv[++i];
            else figdir = argv[++i];
        }
        else if (argv[i][0] == '-') return sc_cli_usage_error(me, "unexpected option '%s'", argv[i]);
        else if (dir) return sc_cli_usage_error(me, "one results directory at a time (got '%s' and '%s')", dir, argv[i]);
        else dir = argv[i];
    }
    if (!dir) return sc_cli_usage_error(me, "give a results directory (e.g. results/quickstart)");
    char path[2048];
    snprintf(path, sizeof path, "%s/report.html", dir);
    if (!out) out = path;
    sc_err err;
    if (sc_report_is_pretrain(dir) ? sc_report_pretrain_write(dir, out, figdir, &err)
                                   : sc_report_write(dir, out, figdir, &err)) {
        fprintf(stderr, "scaffold report: %s\n", err.msg);
        return SC_EXIT_FAIL;
    }
    printf("wrote %s\n", out);
    if (figdir) printf("figures (charts .svg, saliency maps .png) in %s\n", figdir);
    return SC_EXIT_OK;
}
