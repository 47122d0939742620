// compare_print.c — the Markdown and CSV tables of report/compare.h: one table
// per task (explainer × N), each cell with its seed SD and convergence marks,
// the validation-selected best static explainer, the runs that did not
// converge, and the failed runs.
#include <inttypes.h>
#include <string.h>

#include "report/compare.h"
#include "report/compare_al.h"
#include "report/compare_xbl.h"

// Percent for agreement/accuracy, raw for Pearson.
static double scale(const sc_cmp_cell *c) { return c->regression ? 1 : 100; }

int sc_cmp_count_flag(const sc_cmp_cell *cell, unsigned flag) {
    int k = 0;
    for (int r = 0; r < cell->n_runs; r++) k += (cell->flags[r] & flag) != 0;
    return k;
}

// " mean [lo, hi] (k seeds, SD s[, m at chance][, m capped][, f failed][, = label]) |"
static void print_cell(const sc_cmp_cell *cell, int n_failed, const char *chosen, FILE *f) {
    double s = scale(cell);
    fprintf(f, cell->regression ? " %.3f [%.3f, %.3f] (%d seed%s" : " %.1f [%.1f, %.1f] (%d seed%s",
            cell->sim.mean * s, cell->sim.lo * s, cell->sim.hi * s, cell->n_runs, cell->n_runs > 1 ? "s" : "");
    if (cell->n_runs > 1) fprintf(f, cell->regression ? ", SD %.3f" : ", SD %.1f", cell->sim.seed_sd * s);
    int chance = sc_cmp_count_flag(cell, SC_CMP_AT_CHANCE), capped = sc_cmp_count_flag(cell, SC_CMP_CAPPED_IMPROVING);
    if (chance) fprintf(f, ", %d at chance", chance);
    if (capped) fprintf(f, ", %d capped while improving", capped);
    if (n_failed) fprintf(f, ", %d failed", n_failed);
    if (chosen) fprintf(f, ": %s", chosen);
    fprintf(f, ") |");
}

#define MAX_NS 64  // columns of a task's table (a manifest has at most 64 values of n)

// Candidates of a pick: static explainers (not `none`, not the gold
// `rationale`, nothing learned), or co-trained meta-learned ones (not their
// frozen transfers).
static int is_candidate(const sc_cmp_cell *cell, int pick) {
    if (pick == SC_CMP_PICK_LEARNED) return cell->learned && !cell->transfer;
    return !cell->learned && strcmp(cell->explainer, "none") && strcmp(cell->explainer, "rationale");
}

const sc_cmp_cell *sc_cmp_best(const sc_cmp *c, const char *task, long n, int pick) {
    const sc_cmp_cell *best = NULL;
    double best_valid = -2;
    for (int i = 0; i < c->n_cells; i++) {
        const sc_cmp_cell *cell = &c->cells[i];
        if (strcmp(cell->task, task) || cell->n != n || !cell->n_runs || !is_candidate(cell, pick)) continue;
        if (!cell->has_valid) return NULL;  // cannot select without every candidate's validation score
        double v = 0;
        for (int r = 0; r < cell->n_runs; r++) v += cell->valid[r];
        v /= cell->n_runs;
        if (v > best_valid) best_valid = v, best = cell;  // ties: the first in table order
    }
    return best;
}

const sc_cmp_cell *sc_cmp_best_static(const sc_cmp *c, const char *task, long n) {
    return sc_cmp_best(c, task, n, SC_CMP_PICK_STATIC);
}

// The frozen transfer of the validation-selected SMaT setting: the cell
// labelled "<pick>-transfer" (a manifest's default label for `from: <pick>`),
// per N; only when some N has one.
static void print_best_transfer_row(const sc_cmp *c, const char *task, const long *ns, int n_ns, FILE *f) {
    const sc_cmp_cell *t[MAX_NS] = {0};
    int any = 0;
    for (int q = 0; q < n_ns && q < MAX_NS; q++) {
        const sc_cmp_cell *b = sc_cmp_best(c, task, ns[q], SC_CMP_PICK_LEARNED);
        char want[80];
        if (!b || snprintf(want, sizeof want, "%s-transfer", b->label) >= (int)sizeof want) continue;
        for (int i = 0; i < c->n_cells; i++)
            if (!strcmp(c->cells[i].task, task) && c->cells[i].n == ns[q] && c->cells[i].transfer &&
                c->cells[i].n_runs && !strcmp(c->cells[i].label, want))
                t[q] = &c->cells[i], any = 1;
    }
    if (!any) return;
    fprintf(f, "| best smat, transfer (validation) |");
    for (int q = 0; q < n_ns; q++) {
        if (q < MAX_NS && t[q]) print_cell(t[q], 0, t[q]->label, f);
        else fprintf(f, " – |");
    }
    fprintf(f, "\n");
}

// A validation-selected row, per N; only when there is a choice (two or more
// candidates at some N).
static void print_best_row(const sc_cmp *c, const char *task, const long *ns, int n_ns, int pick, FILE *f) {
    int any = 0;
    for (int q = 0; q < n_ns && !any; q++) {
        int k = 0;
        for (int i = 0; i < c->n_cells; i++)
            k += !strcmp(c->cells[i].task, task) && c->cells[i].n == ns[q] && is_candidate(&c->cells[i], pick);
        any = k >= 2 && sc_cmp_best(c, task, ns[q], pick);
    }
    if (!any) return;
    fprintf(f, "| %s |", pick == SC_CMP_PICK_LEARNED ? "best smat (validation)" : "best static (validation)");
    for (int q = 0; q < n_ns; q++) {
        const sc_cmp_cell *b = sc_cmp_best(c, task, ns[q], pick);
        if (b) print_cell(b, 0, b->label, f);
        else fprintf(f, " – |");
    }
    fprintf(f, "\n");
    if (pick == SC_CMP_PICK_LEARNED) print_best_transfer_row(c, task, ns, n_ns, f);
}

// The runs behind the marks, one line each: a reader can tell a weak
// explainer from students that never trained.
static void print_convergence(const sc_cmp *c, const char *task, FILE *f) {
    int any = 0;
    for (int i = 0; i < c->n_cells; i++) {
        const sc_cmp_cell *cell = &c->cells[i];
        if (strcmp(cell->task, task)) continue;
        for (int r = 0; r < cell->n_runs; r++) {
            if (!cell->flags[r]) continue;
            if (!any++)
                fprintf(f, "Students that did not converge in %s (their seeds count in the means above):\n\n", task);
            fprintf(f, "- %s, N = %ld, seed %" PRIu64 ":", cell->label, cell->n, cell->seeds[r]);
            if (cell->flags[r] & SC_CMP_AT_CHANCE)
                fprintf(f, " at chance (test %.1f, a constant student %.1f)", 100 * cell->test_sim[r],
                        100 * cell->chance[r]);
            if (cell->flags[r] & SC_CMP_CAPPED_IMPROVING)
                fprintf(f, "%s stopped by the epoch cap at its best epoch (still improving)",
                        cell->flags[r] & SC_CMP_AT_CHANCE ? ";" : "");
            fprintf(f, "\n");
        }
    }
    if (any) fprintf(f, "\n");
}

// Failed student runs of (task, label, n); n < 0: of any n.
static int n_failed_of(const sc_cmp *c, const char *task, const char *label, long n) {
    int k = 0;
    for (int i = 0; i < c->n_failed; i++) {
        const sc_cmp_failed *f = &c->failed[i];
        k += !strcmp(f->task, task) && strcmp(f->label, "teacher") && !strcmp(f->label, label) && (n < 0 || f->n == n);
    }
    return k;
}


// Adds n to the distinct N of a table; returns 1 if it did not fit.
static int add_n(long *ns, int *n_ns, long n) {
    for (int q = 0; q < *n_ns; q++)
        if (ns[q] == n) return 0;
    if (*n_ns == MAX_NS) return 1;
    ns[(*n_ns)++] = n;
    return 0;
}

// The rows of one task: its cells' labels (in cell order), then labels that only failed.
static int task_labels(const sc_cmp *c, const char *task, const char **labels, int cap) {
    int n = 0;
    for (int pass = 0; pass < 2; pass++) {
        int count = pass ? c->n_failed : c->n_cells;
        for (int i = 0; i < count; i++) {
            const char *t = pass ? c->failed[i].task : c->cells[i].task;
            const char *l = pass ? c->failed[i].label : c->cells[i].label;
            if (strcmp(t, task) || (pass && !strcmp(l, "teacher"))) continue;
            int seen = 0;
            for (int k = 0; k < n; k++) seen |= !strcmp(labels[k], l);
            if (!seen && n < cap) labels[n++] = l;
        }
    }
    return n;
}

static void print_failed_rows(const sc_cmp *c, const char *task, FILE *f) {
    int any = 0;
    for (int i = 0; i < c->n_failed; i++) {
        const sc_cmp_failed *x = &c->failed[i];
        if (strcmp(x->task, task)) continue;
        if (!any++) fprintf(f, "Failed runs of %s:\n\n| run | N | seed | reason |\n|---|---|---|---|\n", task);
        if (!strcmp(x->label, "teacher")) fprintf(f, "| teacher | – | %" PRIu64 " | %s |\n", x->seed, x->reason);
        else fprintf(f, "| %s | %ld | %" PRIu64 " | %s |\n", x->label, x->n, x->seed, x->reason);
    }
    if (any) fprintf(f, "\n");
}

static void print_task(const sc_cmp *c, const char *task, FILE *f) {
    const sc_cmp_cell *first = NULL;
    long ns[MAX_NS];
    int n_ns = 0, cut = 0;  // cut: cells whose N has no column (more than MAX_NS distinct N)
    for (int k = 0; k < c->n_cells; k++)
        if (!strcmp(c->cells[k].task, task)) {
            if (!first) first = &c->cells[k];
            cut += add_n(ns, &n_ns, c->cells[k].n);
        }
    for (int k = 0; k < c->n_failed; k++)
        if (!strcmp(c->failed[k].task, task) && strcmp(c->failed[k].label, "teacher"))
            cut += add_n(ns, &n_ns, c->failed[k].n);
    for (int a = 1; a < n_ns; a++)  // ascending N
        for (int b = a; b > 0 && ns[b - 1] > ns[b]; b--) {
            long t = ns[b];
            ns[b] = ns[b - 1];
            ns[b - 1] = t;
        }
    const char *labels[256];
    int n_labels = task_labels(c, task, labels, 256);
    if (n_labels) {
        fprintf(f, "### %s — test simulatability (%s), mean over seeds [95%% bootstrap CI]\n\n| explainer |", task,
                first && first->regression ? "Pearson with the teacher" : "% agreement with the teacher");
        for (int q = 0; q < n_ns; q++) fprintf(f, " N = %ld |", ns[q]);
        fprintf(f, "\n|---|");
        for (int q = 0; q < n_ns; q++) fprintf(f, "---|");
        fprintf(f, "\n");
    }
    for (int k = 0; k < n_labels; k++) {
        fprintf(f, "| %s |", labels[k]);
        for (int q = 0; q < n_ns; q++) {
            const sc_cmp_cell *cell = NULL;
            for (int m = 0; m < c->n_cells; m++)
                if (!strcmp(c->cells[m].task, task) && !strcmp(c->cells[m].label, labels[k]) && c->cells[m].n == ns[q])
                    cell = &c->cells[m];
            int nf = n_failed_of(c, task, labels[k], ns[q]);
            if (cell) print_cell(cell, nf, NULL, f);
            else if (nf) fprintf(f, " FAILED (%d run%s) |", nf, nf > 1 ? "s" : "");
            else fprintf(f, " – |");
        }
        fprintf(f, "\n");
    }
    if (n_labels) print_best_row(c, task, ns, n_ns, SC_CMP_PICK_STATIC, f);
    if (n_labels) print_best_row(c, task, ns, n_ns, SC_CMP_PICK_LEARNED, f);
    if (cut) fprintf(f, "(%d cells have an N beyond the first %d shown: summary.csv has every cell)\n", cut, MAX_NS);
    if (n_labels) fprintf(f, "\n");
    print_convergence(c, task, f);
    print_failed_rows(c, task, f);
}

void sc_cmp_print_markdown(const sc_cmp *c, FILE *f) {
    // Every task with a cell or a failed run, in order (cells and failed runs are sorted by task).
    int i = 0, j = 0;
    while (i < c->n_cells || j < c->n_failed) {
        const char *a = i < c->n_cells ? c->cells[i].task : NULL, *b = j < c->n_failed ? c->failed[j].task : NULL;
        const char *task = !a ? b : !b ? a : strcmp(a, b) <= 0 ? a : b;
        print_task(c, task, f);
        while (i < c->n_cells && !strcmp(c->cells[i].task, task)) i++;
        while (j < c->n_failed && !strcmp(c->failed[j].task, task)) j++;
    }
    sc_cmpx_print_markdown(c, f);
    sc_cmpa_print_markdown(c, f);
}

void sc_cmp_print_csv(const sc_cmp *c, FILE *f) {
    // Only xbl results: their table (compare_xbl.h); both kinds: the student rows.
    if (!c->n_cells && !c->n_failed && c->xbl) return sc_cmpx_print_csv(c, f);
    // Only active-learning results: theirs (compare_al.h).
    if (!c->n_cells && !c->n_failed && c->al) return sc_cmpa_print_csv(c, f);
    fprintf(f, "task,explainer,n,seeds,metric,mean,ci_lo,ci_hi,seed_sd,gold_accuracy,gold_ci_lo,gold_ci_hi,at_chance,capped_improving\n");
    for (int i = 0; i < c->n_cells; i++) {
        const sc_cmp_cell *cell = &c->cells[i];
        fprintf(f, "%s,%s,%ld,%d,%s,%.6f,%.6f,%.6f,%.6f", cell->task, cell->label, cell->n, cell->n_runs,
                cell->regression ? "pearson" : "agreement", cell->sim.mean, cell->sim.lo, cell->sim.hi,
                cell->sim.seed_sd);
        if (cell->has_acc) fprintf(f, ",%.6f,%.6f,%.6f", cell->acc.mean, cell->acc.lo, cell->acc.hi);
        else fprintf(f, ",,,");
        fprintf(f, ",%d,%d\n", sc_cmp_count_flag(cell, SC_CMP_AT_CHANCE), sc_cmp_count_flag(cell, SC_CMP_CAPPED_IMPROVING));
    }
}
