// chart_n.c — simulatability against N (chart_n.h).
#include "report/chart_n.h"

#include <stdio.h>
#include <string.h>

#include "report/plot.h"

#define MAX_SERIES 24
#define MAX_NS 16

// The distinct labels and Ns of cells [i0, i1) (one task), in order of first appearance / ascending N.
static void series_and_ns(const sc_cmp *c, int i0, int i1, char labels[][64], int *n_labels, long *ns, int *n_ns) {
    *n_labels = *n_ns = 0;
    for (int i = i0; i < i1; i++) {
        const sc_cmp_cell *cell = &c->cells[i];
        int seen = 0;
        for (int s = 0; s < *n_labels; s++) seen |= !strcmp(labels[s], cell->label);
        if (!seen && *n_labels < MAX_SERIES) snprintf(labels[(*n_labels)++], 64, "%s", cell->label);
        seen = 0;
        for (int k = 0; k < *n_ns; k++) seen |= ns[k] == cell->n;
        if (!seen && *n_ns < MAX_NS) {
            int k = (*n_ns)++;
            while (k > 0 && ns[k - 1] > cell->n) ns[k] = ns[k - 1], k--;  // insertion: ascending
            ns[k] = cell->n;
        }
    }
}

static const sc_cmp_cell *cell_of(const sc_cmp *c, int i0, int i1, const char *label, long n) {
    for (int i = i0; i < i1; i++)
        if (c->cells[i].n == n && !strcmp(c->cells[i].label, label)) return &c->cells[i];
    return NULL;
}

// One data block: "x mean lo hi" per N that has the cell. Series are nudged
// apart on the log axis (factor 1 ± a few %) so their error bars do not overlap.
static void block(sc_html *g, int s, int n_series, const long *ns, int n_ns, const sc_cmp_cell *const *cells, double k) {
    sc_html_printf(g, "$S%d << EOD\n", s);
    double nudge = 1.0 + 0.025 * ((double)s - 0.5 * (double)(n_series - 1));
    for (int q = 0; q < n_ns; q++)
        if (cells[q])
            sc_html_printf(g, "%.4f %.6f %.6f %.6f\n", (double)ns[q] * nudge, cells[q]->sim.mean * k,
                           cells[q]->sim.lo * k, cells[q]->sim.hi * k);
    sc_html_printf(g, "EOD\n");
}

int sc_report_chart_vs_n(sc_html *page, const sc_cmp *c, int i0, int i1, sc_err *err) {
    char labels[MAX_SERIES][64];
    long ns[MAX_NS];
    int n_labels, n_ns;
    series_and_ns(c, i0, i1, labels, &n_labels, ns, &n_ns);
    if (n_ns < 2) return 0;  // one N: the bar chart says it all
    int reg = c->cells[i0].regression;
    double k = reg ? 1 : 100;
    sc_html g;
    sc_html_init(&g);
    const sc_cmp_cell *cells[MAX_NS];
    for (int s = 0; s < n_labels; s++) {
        for (int q = 0; q < n_ns; q++) cells[q] = cell_of(c, i0, i1, labels[s], ns[q]);
        block(&g, s, n_labels + 1, ns, n_ns, cells, k);
    }
    // The tuned static baseline: at each N the static cell best on validation (its label may change with N).
    int have_best = 0;
    for (int q = 0; q < n_ns; q++) have_best |= (cells[q] = sc_cmp_best_static(c, c->cells[i0].task, ns[q])) != NULL;
    if (have_best) block(&g, n_labels, n_labels + 1, ns, n_ns, cells, k);
    sc_html_printf(&g, "set grid\nset logscale x 2\nset xtics (");
    for (int q = 0; q < n_ns; q++) sc_html_printf(&g, "%s\"%ld\" %ld", q ? ", " : "", ns[q], ns[q]);
    sc_html_printf(&g, ")\nset xrange [%g:%g]\nset key outside right\nset xlabel 'N (student training examples)'\n"
                       "set ylabel '%s'\nplot ",
                   (double)ns[0] * 0.85, (double)ns[n_ns - 1] * 1.15,
                   reg ? "Pearson with the teacher (95% CI)" : "% agreement with the teacher (95% CI)");
    for (int s = 0; s < n_labels; s++) {
        sc_html_printf(&g, "%s$S%d using 1:2:3:4 with yerrorlines pt 7 ps 0.5 lw 1.5 title ", s ? ", " : "", s);
        sc_plot_label(&g, labels[s]);
    }
    if (have_best)
        sc_html_printf(&g, ", $S%d using 1:2 with lines dt 2 lw 2.5 lc rgb '#888888' title "
                           "'best static (validation)'",
                       n_labels);
    sc_html_printf(&g, "\n");
    char fig[160];
    snprintf(fig, sizeof fig, "%s-simulatability-vs-n", c->cells[i0].task);
    int rc = g.oom ? sc_errf(err, "report: out of memory") : sc_plot_svg(page, fig, 760, 380, g.p, err);
    sc_html_free(&g);
    return rc;
}
