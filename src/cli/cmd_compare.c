// scaffold compare — the explainer × N table of simulatability with 95%
// bootstrap intervals over seeds, from the student results under some
// directories (report/compare.h). Markdown on stdout; --csv also writes the
// rows (a summary.csv for spreadsheets and plots).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/fs.h"
#include "report/compare.h"
#include "report/compare_al.h"
#include "report/compare_xbl.h"

int sc_cmd_compare(int argc, char **argv) {
    const sc_command *me = sc_cli_find("compare");
    const char *dirs[64], *csv = NULL;
    double target = 0;  // active learning: labels to reach it (0: 95% of the best final, compare_al.h)
    int n_dirs = 0;
    sc_boot_cfg cfg = sc_boot_default();
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has = i + 1 < argc;
        long v;
        if (!strcmp(a, "--csv") && has) csv = argv[++i];
        else if (!strcmp(a, "--resamples") && has) {
            if (sc_cli_parse_long(argv[++i], 1, 1000000, &v))
                return sc_cli_usage_error(me, "--resamples expects an integer in [1, 1000000], got '%s'", argv[i]);
            cfg.resamples = (int)v;
        } else if (!strcmp(a, "--seed") && has) {
            if (sc_cli_parse_long(argv[++i], 0, 1L << 62, &v))
                return sc_cli_usage_error(me, "--seed expects a non-negative integer, got '%s'", argv[i]);
            cfg.seed = (uint64_t)v;
        } else if (!strcmp(a, "--target") && has) {
            char *end;
            target = strtod(argv[++i], &end);
            if (*end || !(target > 0 && target <= 1))
                return sc_cli_usage_error(me, "--target expects an accuracy in (0, 1], got '%s'", argv[i]);
        } else if (a[0] == '-') {
            return sc_cli_usage_error(me, "unexpected option '%s'", a);
        } else {
            if (n_dirs == 64) return sc_cli_usage_error(me, "too many directories (max 64)");
            dirs[n_dirs++] = a;
        }
    }
    if (!n_dirs) return sc_cli_usage_error(me, "give at least one results directory");
    sc_cmp c;
    sc_cmp_init(&c);
    sc_err err;
    int status = SC_EXIT_FAIL;
    for (int i = 0; i < n_dirs; i++)
        if (sc_cmp_add_dir(&c, dirs[i], &err)) goto fail;
    int n_xbl = sc_cmp_xbl_files(&c), n_al = sc_cmp_al_files(&c);
    if (!c.n_files && !n_xbl && !n_al) {
        sc_errf(&err, "no student results (metrics.msgpack of train-student), no xbl results (of train-xbl) and no "
                      "active-learning results (of active-learn) under the given directories");
        goto fail;
    }
    // One CSV holds one table: a folder of several kinds would interleave schemas.
    if (csv && (c.n_files > 0) + (n_xbl > 0) + (n_al > 0) > 1) {
        if (!n_al)
            sc_errf(&err, "--csv: the directories hold both student results (%d) and xbl results (%d), which are "
                          "different tables; compare them separately (e.g. one results folder each)", c.n_files, n_xbl);
        else
            sc_errf(&err, "--csv: the directories hold results of several kinds (student %d, xbl %d, "
                          "active-learning %d), which are different tables; compare them separately (e.g. one "
                          "results folder each)", c.n_files, n_xbl, n_al);
        goto fail;
    }
    if (target > 0 && sc_cmp_al_set_target(&c, target, &err)) goto fail;
    if (sc_cmp_compute(&c, &cfg, &err)) goto fail;
    sc_cmp_print_markdown(&c, stdout);
    if (c.n_files)
        printf("%d student runs; intervals: %d resamples of %.0f%% of the test points, metric averaged over seeds\n",
               c.n_files, cfg.resamples, cfg.fraction * 100);
    if (n_xbl) printf("%d xbl runs; intervals: %d resamples of the seeds\n", n_xbl, cfg.resamples);
    if (n_al) printf("%d active-learning runs; intervals: %d resamples of the seeds\n", n_al, cfg.resamples);
    if (csv) {
        char *buf = NULL;
        size_t len = 0;
        FILE *mem = open_memstream(&buf, &len);
        if (!mem) {
            sc_errf(&err, "out of memory");
            goto fail;
        }
        sc_cmp_print_csv(&c, mem);
        fclose(mem);
        int rc = sc_atomic_write(csv, buf, len, &err);
        free(buf);
        if (rc) goto fail;
        printf("wrote %s\n", csv);
    }
    status = SC_EXIT_OK;
    goto done;
fail:
    fprintf(stderr, "scaffold compare: %s\n", err.msg);
done:
    sc_cmp_free(&c);
    return status;
}
