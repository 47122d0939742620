// report_al.c — learning-curve charts and the AULC table of active-learning
// results (report_al.h).
#include "report/report_al.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fs.h"
#include "report/compare_al.h"
#include "report/plot.h"

#define MAX_SERIES 24

// The percentile bootstrap over seeds of the mean of n values (as compare_al.c's intervals).
static int band(const double *v, int n, sc_boot_ci *ci, sc_err *err) {
    float f[SC_CMP_MAX_RUNS];
    for (int i = 0; i < n; i++) f[i] = (float)v[i];
    sc_boot_cfg cfg = sc_boot_default();
    cfg.fraction = 1.0;
    sc_boot_run run = {f, NULL};
    return sc_bootstrap(&run, 1, (size_t)n, sc_boot_mean_a, &cfg, ci, err);
}

// One data block "labelled mean lo hi" per round index every run of the row has;
// the labelled count is the seeds' mean (the same schedule for every seed of a row).
// Proportions in percent, a Pearson r as it is (as the tables print them).
static int block(sc_html *g, int s, const sc_cmpa_row *r, int m, sc_err *err) {
    double scale = r->pearson && m == SC_CMPA_ACC ? 1 : 100;
    int n_points = r->runs[0].n_points;
    for (int i = 1; i < r->n_runs; i++)
        if (r->runs[i].n_points < n_points) n_points = r->runs[i].n_points;
    sc_html_printf(g, "$S%d << EOD\n", s);
    for (int k = 0; k < n_points; k++) {
        double v[SC_CMP_MAX_RUNS], x = 0, mean = 0;
        for (int i = 0; i < r->n_runs; i++)
            v[i] = r->runs[i].v[m][k], mean += v[i], x += (double)r->runs[i].labelled[k];
        sc_boot_ci ci;
        if (band(v, r->n_runs, &ci, err)) return -1;
        sc_html_printf(g, "%.4f %.6f %.6f %.6f\n", x / r->n_runs, scale * mean / r->n_runs, scale * ci.lo,
                       scale * ci.hi);
    }
    sc_html_printf(g, "EOD\n");
    return 0;
}

// The chart of one task and measure: a band and a line per strategy. The rows of a
// task share `pearson` (compare_al.c refuses a mix), so rows[0] tells the axis.
static int chart(sc_html *page, const sc_cmpa *x, const char *task, int m, sc_err *err) {
    sc_html g;
    sc_html_init(&g);
    const sc_cmpa_row *rows[MAX_SERIES];
    int n = 0, rc = 0;
    for (int i = 0; i < x->n_rows && n < MAX_SERIES; i++)
        if (!strcmp(x->rows[i].task, task) && x->rows[i].has[m] && x->rows[i].n_runs) rows[n++] = &x->rows[i];
    for (int s = 0; s < n && !rc; s++) rc = block(&g, s, rows[s], m, err);
    if (rc || !n) return sc_html_free(&g), rc;
    int pearson = rows[0]->pearson && m == SC_CMPA_ACC;
    sc_html_printf(&g, "set grid\nset key outside right\nset style fill transparent solid 0.15 noborder\n"
                       "set xlabel 'labelled examples'\nset ylabel '%s (%smean over seeds, 95%% band)'\nplot ",
                   sc_cmpa_title(rows[0], m), pearson ? "" : "%, ");
    for (int s = 0; s < n; s++) {
        // The band first, untitled, in the line's colour (linetype s + 1).
        sc_html_printf(&g, "%s$S%d using 1:3:4 with filledcurves lt %d notitle, $S%d using 1:2 with linespoints lt %d "
                           "pt 7 ps 0.5 lw 1.5 title ", s ? ", " : "", s, s + 1, s, s + 1);
        sc_plot_label(&g, rows[s]->label);
    }
    sc_html_printf(&g, "\n");
    char fig[160];
    snprintf(fig, sizeof fig, "%s-learning-curves-%s", task,
             pearson ? "pearson" : m == SC_CMPA_ACC ? "accuracy" : "simulatability");
    rc = g.oom ? sc_errf(err, "report: out of memory") : sc_plot_svg(page, fig, 760, 380, g.p, err);
    sc_html_free(&g);
    return rc;
}

// The compare_al Markdown of one task as a preformatted block (the table and its caption).
static void table(sc_html *h, const sc_cmp *c) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) {
        h->oom = 1;
        return;
    }
    sc_cmpa_print_markdown(c, f);
    fclose(f);
    sc_html_printf(h, "<h3>AULC tables</h3><pre style=\"white-space:pre-wrap\">");
    sc_html_escape(h, buf);
    sc_html_printf(h, "</pre>\n");
    free(buf);
}

int sc_report_al_section(sc_html *h, const sc_cmp *c, sc_err *err) {
    const sc_cmpa *x = sc_cmp_al(c);
    if (!x || !x->n_rows) return 0;
    sc_html_printf(h, "<h2>Active learning</h2>\n");
    for (int i = 0; i < x->n_rows; i++) {
        if (i && !strcmp(x->rows[i - 1].task, x->rows[i].task)) continue;  // rows are sorted by task
        sc_html_printf(h, "<h3>");
        sc_html_escape(h, x->rows[i].task);
        sc_html_printf(h, ": learning curves</h3>\n");
        for (int m = 0; m < SC_CMPA_N; m++)
            if (x->rows[i].has[m] && chart(h, x, x->rows[i].task, m, err)) return -1;
    }
    table(h, c);
    return h->oom ? sc_errf(err, "report: out of memory") : 0;
}
