#include "report/report.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fs.h"
#include "io/result_read.h"
#include "report/chart_n.h"
#include "report/compare.h"
#include "report/compare_al.h"
#include "report/compare_xbl.h"
#include "report/figures.h"
#include "report/html.h"
#include "report/plot.h"
#include "report/report_al.h"
#include "report/report_xbl.h"

#define MAX_CURVE SC_RESULT_MAX_CURVE
#define MAX_COEF 64        // coefficients shown per run
#define MAX_COEF_READ (SC_MAX_LAYERS * 64)  // layers x heads: the most a model can have

// What the charts need of one run.
typedef struct rp_run {
    char task[64], label[64];
    long n;
    uint64_t seed;
    double valid[MAX_CURVE], meta[MAX_CURVE];
    int n_valid, n_meta;
    float phi0[MAX_COEF], phi1[MAX_COEF];
    int n_phi;
} rp_run;

typedef struct rp_teacher {
    char task[64], arch[64], metric[64];
    double value;
    char init[1024], init_sha[65];  // the backbone it started from ("" for none)
} rp_teacher;

typedef struct rp {
    rp_run *runs;
    int n_runs, cap;
    rp_teacher teachers[32];
    int n_teachers;
} rp;

// A numeric array into v (at most cap entries, each finite in [lo, hi]: the
// file is untrusted); absent keys leave *n = 0. Longer arrays are an error.
static int read_curve(const sc_result_doc *d, const char *key, double lo, double hi, double *v, int cap, int *n,
                      sc_err *err) {
    *n = 0;
    if (!sc_result_get(d, key)) return 0;
    float *f;
    size_t m;
    if (sc_result_floats_in(d, key, (size_t)cap, lo, hi, &f, &m, err)) return -1;
    for (size_t i = 0; i < m; i++) v[(*n)++] = f[i];
    free(f);
    return 0;
}

// Head coefficients: up to MAX_COEF_READ are valid, the first MAX_COEF are shown.
static int read_coef(const sc_result_doc *d, const char *key, float *v, int *n, sc_err *err) {
    double tmp[MAX_COEF_READ];
    if (read_curve(d, key, -SC_RESULT_MAX_ABS, SC_RESULT_MAX_ABS, tmp, MAX_COEF_READ, n, err)) return -1;
    if (*n > MAX_COEF) *n = MAX_COEF;
    for (int i = 0; i < *n; i++) v[i] = (float)tmp[i];
    return 0;
}

static int add_doc(rp *r, sc_result_doc *doc, sc_err *err);

static int add_run(void *user, const char *path, sc_err *err) {
    sc_result_doc d;
    if (sc_result_load(&d, path, err)) return -1;
    return add_doc(user, &d, err);
}

int sc_report_read_result(const char *name, const void *buf, size_t n, sc_err *err) {
    rp r;
    memset(&r, 0, sizeof r);
    sc_result_doc d;
    if (sc_result_load_buf(&d, name, buf, n, err)) return -1;
    int rc = add_doc(&r, &d, err);
    free(r.runs);
    return rc;
}

// One loaded result into r; takes over doc (freed here).
static int add_doc(rp *r, sc_result_doc *doc, sc_err *err) {
    sc_result_doc d = *doc;
    d.root = &d.up.data;
    char kind[32];
    int rc = -1;
    if (sc_result_str(&d, "kind", kind, sizeof kind, err)) goto done;
    if (!strcmp(kind, "teacher")) {
        if (r->n_teachers < 32) {
            rp_teacher *t = &r->teachers[r->n_teachers];
            if (sc_result_str(&d, "task", t->task, sizeof t->task, err) ||
                sc_result_str(&d, "arch", t->arch, sizeof t->arch, err) ||
                sc_result_str(&d, "metric.name", t->metric, sizeof t->metric, err) ||
                sc_result_real(&d, "metric.value", -SC_RESULT_MAX_ABS, SC_RESULT_MAX_ABS, &t->value, err))
                goto done;
            const msgpack_object *init = sc_result_get(&d, "init");
            t->init[0] = t->init_sha[0] = '\0';
            if (init && init->type != MSGPACK_OBJECT_NIL &&
                (sc_result_str(&d, "init.path", t->init, sizeof t->init, err) ||
                 sc_result_str(&d, "init.sha256", t->init_sha, sizeof t->init_sha, err)))
                goto done;
            r->n_teachers++;
        }
        rc = 0;
        goto done;
    }
    if (strcmp(kind, "student")) {
        rc = 0;
        goto done;
    }
    if (r->n_runs == r->cap) {
        int cap = r->cap ? 2 * r->cap : 64;
        rp_run *m = realloc(r->runs, sizeof *m * (size_t)cap);
        if (!m) {
            sc_errf(err, "report: out of memory");
            goto done;
        }
        r->runs = m;
        r->cap = cap;
    }
    rp_run *x = &r->runs[r->n_runs];
    memset(x, 0, sizeof *x);
    int64_t n;
    double learn = 0;
    char expl[64];
    if (sc_result_str(&d, "task", x->task, sizeof x->task, err) ||
        sc_result_int(&d, "n", 1, SC_RESULT_MAX_N, &n, err) || sc_result_uint(&d, "seed", UINT64_MAX, &x->seed, err) ||
        sc_result_str(&d, "explainer", expl, sizeof expl, err) ||
        (sc_result_get(&d, "learn_explainer") && sc_result_real(&d, "learn_explainer", 0, 1, &learn, err)))
        goto done;
    if (sc_result_get(&d, "label")) {
        if (sc_result_str(&d, "label", x->label, sizeof x->label, err)) goto done;
    } else {
        snprintf(x->label, sizeof x->label, "%s", learn != 0 ? "smat" : expl);
    }
    x->n = (long)n;  // in [1, SC_RESULT_MAX_N]
    // Validation curves hold agreement or Pearson; the meta loss is any finite number.
    if (read_curve(&d, "train.valid_curve", -1, 1, x->valid, MAX_CURVE, &x->n_valid, err) ||
        read_curve(&d, "meta.loss_curve", -SC_RESULT_MAX_ABS, SC_RESULT_MAX_ABS, x->meta, MAX_CURVE, &x->n_meta,
                   err) ||
        (learn != 0 && read_coef(&d, "explainer_params.teacher_before", x->phi0, &x->n_phi, err)))
        goto done;
    int n1 = 0;
    if (learn != 0 && read_coef(&d, "explainer_params.teacher_after", x->phi1, &n1, err)) goto done;
    if (n1 != x->n_phi) x->n_phi = 0;
    r->n_runs++;
    rc = 0;
done:
    sc_result_doc_free(&d);
    return rc;
}

static int same_cell(const rp_run *a, const char *task, const char *label, long n) {
    return !strcmp(a->task, task) && !strcmp(a->label, label) && a->n == n;
}

static int chart_bars(sc_html *page, const sc_cmp *c, int i0, int i1, sc_err *err) {
    sc_html g;
    sc_html_init(&g);
    int reg = c->cells[i0].regression;
    double k = reg ? 1 : 100;
    sc_html_printf(&g, "$D << EOD\n");
    for (int i = i0; i < i1; i++) {
        const sc_cmp_cell *cell = &c->cells[i];
        char name[96];
        snprintf(name, sizeof name, "%s N=%ld", cell->label, cell->n);
        sc_plot_label(&g, name);
        sc_html_printf(&g, " %.6f %.6f %.6f\n", cell->sim.mean * k, cell->sim.lo * k, cell->sim.hi * k);
    }
    sc_html_printf(&g,
                   "EOD\nset style fill solid 0.6 border -1\nset boxwidth 0.6\nset grid ytics\nset xtics rotate by -25\n"
                   "set ylabel '%s'\nset yrange [*:*]\nset offsets 0.5, 0.5, 0, 0\n"
                   "plot $D using 0:2:xtic(1) with boxes lc rgb '#5b8cc7' notitle, "
                   "$D using 0:2:3:4 with yerrorbars lc rgb 'black' pt 7 ps 0.5 notitle\n",
                   reg ? "Pearson with the teacher" : "% agreement with the teacher (95% CI)");
    char fig[160];
    snprintf(fig, sizeof fig, "%s-simulatability", c->cells[i0].task);
    int rc = g.oom ? sc_errf(err, "report: out of memory") : sc_plot_svg(page, fig, 720, 360, g.p, err);
    sc_html_free(&g);
    return rc;
}

// Mean over the seeds of a cell's curves (field 0: validation, 1: meta loss),
// epoch by epoch over the runs still going at that epoch.
static int curve_chart(sc_html *page, const rp *r, const char *task, int which, const char *ylabel, sc_err *err) {
    sc_html g;
    sc_html_init(&g);
    char labels[32][64];
    long ns[32];
    int n_series = 0;
    for (int i = 0; i < r->n_runs && n_series < 32; i++) {
        const rp_run *x = &r->runs[i];
        if (strcmp(x->task, task) || (which ? x->n_meta : x->n_valid) == 0) continue;
        int seen = 0;
        for (int s = 0; s < n_series; s++) seen |= !strcmp(labels[s], x->label) && ns[s] == x->n;
        if (seen) continue;
        snprintf(labels[n_series], sizeof labels[n_series], "%s", x->label);
        ns[n_series++] = x->n;
    }
    if (!n_series) {
        sc_html_free(&g);
        return 0;
    }
    for (int s = 0; s < n_series; s++) {
        sc_html_printf(&g, "$S%d << EOD\n", s);
        for (int e = 0; e < MAX_CURVE; e++) {
            double sum = 0;
            int cnt = 0;
            for (int i = 0; i < r->n_runs; i++) {
                const rp_run *x = &r->runs[i];
                int len = which ? x->n_meta : x->n_valid;
                if (same_cell(x, task, labels[s], ns[s]) && e < len) sum += which ? x->meta[e] : x->valid[e], cnt++;
            }
            if (!cnt) break;
            sc_html_printf(&g, "%d %.6f\n", e + 1, sum / cnt * (which ? 1 : 100));
        }
        sc_html_printf(&g, "EOD\n");
    }
    sc_html_printf(&g, "set grid\nset key outside right\nset xlabel 'epoch'\nset ylabel '%s'\nplot ", ylabel);
    for (int s = 0; s < n_series; s++) {
        char t[96];
        snprintf(t, sizeof t, "%s N=%ld", labels[s], ns[s]);
        sc_html_printf(&g, "%s$S%d using 1:2 with linespoints pt 7 ps 0.4 lw 1.5 title ", s ? ", " : "", s);
        sc_plot_label(&g, t);
    }
    sc_html_printf(&g, "\n");
    char fig[160];
    snprintf(fig, sizeof fig, "%s-%s-by-epoch", task, which ? "meta-loss" : "valid-simulatability");
    int rc = g.oom ? sc_errf(err, "report: out of memory") : sc_plot_svg(page, fig, 720, 320, g.p, err);
    sc_html_free(&g);
    return rc;
}

static void coef_table(sc_html *h, const rp *r, const char *task) {
    for (int i = 0; i < r->n_runs; i++) {
        const rp_run *x = &r->runs[i];
        if (strcmp(x->task, task) || !x->n_phi) continue;
        // One row per seed of every meta-learned cell.
        if (i == 0 || strcmp(r->runs[i - 1].task, task) || !r->runs[i - 1].n_phi ||
            !same_cell(&r->runs[i - 1], task, x->label, x->n)) {
            sc_html_printf(h, "<p>Teacher explainer head coefficients of <b>");
            sc_html_escape(h, x->label);
            sc_html_printf(h, "</b> (N = %ld), start → end per seed (layer-major):</p><table><tr><th>run</th>", x->n);
            for (int u = 0; u < x->n_phi; u++) sc_html_printf(h, "<th>%d</th>", u);
            sc_html_printf(h, "</tr>");
        }
        sc_html_printf(h, "<tr><td>seed %" PRIu64 "</td>", x->seed);
        for (int u = 0; u < x->n_phi; u++) sc_html_printf(h, "<td>%.3f → %.3f</td>", x->phi0[u], x->phi1[u]);
        sc_html_printf(h, "</tr>");
        if (i + 1 == r->n_runs || !same_cell(&r->runs[i + 1], task, x->label, x->n)) sc_html_printf(h, "</table>\n");
    }
}

// A folder without student results: the xbl and active-learning sections
// (report_xbl.c, report_al.c), whichever it holds, on one page.
static int other_kinds_page(const char *dir, sc_cmp *c, sc_html *h, sc_err *err) {
    sc_boot_cfg cfg = sc_boot_default();
    int n_xbl = sc_cmp_xbl_files(c), n_al = sc_cmp_al_files(c);
    if (sc_cmp_compute(c, &cfg, err)) return -1;
    sc_html_printf(h, "<!doctype html><html><head><meta charset=\"utf-8\"><title>scaffold report: ");
    sc_html_escape(h, dir);
    sc_html_printf(h, "</title><style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}"
                      "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;"
                      "text-align:right}th{background:#f0f0f0}td:first-child{text-align:left}svg{display:block;"
                      "margin:1em 0}figure{display:inline-block;margin:4px;font-size:80%%}.tok{max-width:30em}"
                      "img{image-rendering:pixelated;margin:2px}</style></head><body><h1>scaffold report</h1><p>");
    sc_html_escape(h, dir);
    sc_html_printf(h, ":");
    if (n_xbl) sc_html_printf(h, " %d explanation-based learning runs (scaffold train-xbl)%s", n_xbl, n_al ? ";" : "");
    if (n_al) sc_html_printf(h, " %d active-learning runs (scaffold active-learn)", n_al);
    sc_html_printf(h, ".</p>\n");
    if ((n_xbl && sc_report_xbl_section(h, c, err)) || (n_al && sc_report_al_section(h, c, err))) return -1;
    sc_html_printf(h, "</body></html>\n");
    return 0;
}

int sc_report_write(const char *dir, const char *out_path, const char *figdir, sc_err *err) {
    rp r;
    memset(&r, 0, sizeof r);
    sc_cmp c;
    sc_cmp_init(&c);
    sc_html h;
    sc_html_init(&h);
    sc_figs figs = {0};
    int rc = -1;
    sc_boot_cfg cfg = sc_boot_default();
    if (sc_results_walk(dir, add_run, &r, err) || sc_cmp_add_dir(&c, dir, err)) goto done;
    if (!c.n_files && !sc_cmp_xbl_files(&c) && !sc_cmp_al_files(&c)) {
        sc_errf(err, "%s holds no student results (metrics.msgpack of train-student), no xbl results "
                "(of train-xbl) and no active-learning results (of active-learn)", dir);
        goto done;
    }
    if (figdir) {  // only once the folder is known to hold results
        if (sc_figs_init(&figs, figdir, err)) goto done;
        h.figs = &figs;
    }
    if (!c.n_files) {
        if (other_kinds_page(dir, &c, &h, err)) goto done;
        goto write;
    }
    if (sc_cmp_compute(&c, &cfg, err)) goto done;
    sc_html_printf(&h, "<!doctype html><html><head><meta charset=\"utf-8\"><title>scaffold report: ");
    sc_html_escape(&h, dir);
    sc_html_printf(&h, "</title><style>body{font-family:sans-serif;max-width:980px;margin:2em auto;color:#222}"
                       "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;"
                       "text-align:right}th{background:#f0f0f0}td:first-child{text-align:left}svg{display:block;"
                       "margin:1em 0}</style></head><body><h1>scaffold report</h1><p>");
    sc_html_escape(&h, dir);
    sc_html_printf(&h, ": %d student runs. Simulatability = agreement of the student with the teacher on unexplained "
                       "test examples (Pearson for regression), mean over seeds; intervals: %d resamples of %.0f%% of "
                       "the test points, metric averaged over seeds, 95%% percentile.</p>\n",
                   c.n_files, cfg.resamples, cfg.fraction * 100);
    for (int i = 0; i < c.n_cells;) {
        int j = i;
        const char *task = c.cells[i].task;
        while (j < c.n_cells && !strcmp(c.cells[j].task, task)) j++;
        sc_html_printf(&h, "<h2>");
        sc_html_escape(&h, task);
        sc_html_printf(&h, "</h2>\n");
        for (int t = 0; t < r.n_teachers; t++)
            if (!strcmp(r.teachers[t].task, task)) {
                sc_html_printf(&h, "<p>Teacher: ");
                sc_html_escape(&h, r.teachers[t].arch);
                sc_html_printf(&h, ", %s %.4f", r.teachers[t].metric, r.teachers[t].value);
                if (r.teachers[t].init[0]) {  // the students of a pretrained-regime run start from it too
                    sc_html_printf(&h, "; started from the backbone ");
                    sc_html_escape(&h, r.teachers[t].init);
                    char sha[13];  // from the file: escaped like every other string of it
                    snprintf(sha, sizeof sha, "%.12s", r.teachers[t].init_sha);
                    sc_html_printf(&h, " (sha256 ");
                    sc_html_escape(&h, sha);
                    sc_html_printf(&h, "…)");
                }
                sc_html_printf(&h, ".</p>\n");
            }
        int reg = c.cells[i].regression;
        double k = reg ? 1 : 100;
        sc_html_printf(&h, "<table><tr><th>explainer</th><th>N</th><th>seeds</th><th>simulatability</th>"
                           "<th>95%% CI</th><th>seed SD</th><th>%s</th><th>did not converge</th></tr>\n",
                       reg ? "" : "gold accuracy");
        for (int q = i; q < j; q++) {
            const sc_cmp_cell *cell = &c.cells[q];
            sc_html_printf(&h, "<tr><td>");
            sc_html_escape(&h, cell->label);
            if (sc_cmp_best_static(&c, cell->task, cell->n) == cell)
                sc_html_printf(&h, " <i>(best static, chosen on validation)</i>");
            sc_html_printf(&h, "</td><td>%ld</td><td>%d</td><td>%.*f</td><td>[%.*f, %.*f]</td><td>%.*f</td><td>",
                           cell->n, cell->n_runs, reg ? 3 : 1, cell->sim.mean * k, reg ? 3 : 1, cell->sim.lo * k,
                           reg ? 3 : 1, cell->sim.hi * k, reg ? 3 : 1, cell->sim.seed_sd * k);
            if (cell->has_acc) sc_html_printf(&h, "%.1f", cell->acc.mean * 100);
            int chance = sc_cmp_count_flag(cell, SC_CMP_AT_CHANCE), cap = sc_cmp_count_flag(cell, SC_CMP_CAPPED_IMPROVING);
            sc_html_printf(&h, "</td><td>");
            if (chance) sc_html_printf(&h, "%d at chance ", chance);
            if (cap) sc_html_printf(&h, "%d capped while improving", cap);
            sc_html_printf(&h, "</td></tr>\n");
        }
        sc_html_printf(&h, "</table>\n");
        if (chart_bars(&h, &c, i, j, err) || sc_report_chart_vs_n(&h, &c, i, j, err) ||
            curve_chart(&h, &r, task, 0, reg ? "validation Pearson" : "validation simulatability (%)", err) ||
            curve_chart(&h, &r, task, 1, "meta (outer) loss", err))
            goto done;
        coef_table(&h, &r, task);
        i = j;
    }
    if (sc_cmp_xbl_files(&c) && sc_report_xbl_section(&h, &c, err)) goto done;
    if (sc_cmp_al_files(&c) && sc_report_al_section(&h, &c, err)) goto done;
    sc_html_printf(&h, "</body></html>\n");
write:
    if (h.oom) {
        sc_errf(err, "report: out of memory");
        goto done;
    }
    rc = sc_atomic_write(out_path, h.p, h.n, err);
done:
    sc_html_free(&h);
    sc_figs_free(&figs);
    sc_cmp_free(&c);
    free(r.runs);
    return rc;
}
