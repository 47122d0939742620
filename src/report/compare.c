#include "report/compare.h"

#include <dirent.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "io/result_read.h"

// Where a student result keeps what the table needs (io/results.h writes them).
#define K_KIND "kind"
#define K_TASK "task"
#define K_EXPLAINER "explainer"
#define K_LEARN "learn_explainer"
#define K_LABEL "label"  // optional: the row name (train-student --label)
#define K_N "n"
#define K_SEED "seed"
#define K_AGREE "test.per_example.agree"          // 0/1 student == teacher (classification)
#define K_GOLD "test.per_example.gold_correct"    // 0/1 student == gold label
#define K_SSCORE "test.per_example.student_score"  // regression
#define K_TSCORE "test.per_example.teacher_score"

void sc_cmp_init(sc_cmp *c) { memset(c, 0, sizeof *c); }

void sc_cmp_free(sc_cmp *c) {
    for (int i = 0; i < c->n_cells; i++)
        for (int r = 0; r < c->cells[i].n_runs; r++) {
            free(c->cells[i].a[r]);
            free(c->cells[i].b[r]);
            free(c->cells[i].gold[r]);
        }
    free(c->cells);
    free(c->failed);
    memset(c, 0, sizeof *c);
}

// The array with room for one more element: when n has reached *cap, realloc'd
// to twice as many (16 at first) elements of `size` bytes. NULL (error set, the
// array untouched) when out of memory.
static void *room_for_one(void *arr, int n, int *cap, size_t size, sc_err *err) {
    if (n < *cap) return arr;
    int grown = *cap ? 2 * *cap : 16;
    void *m = realloc(arr, size * (size_t)grown);
    if (!m) {
        sc_errf(err, "compare: out of memory");
        return NULL;
    }
    *cap = grown;
    return m;
}

int sc_cmp_add_failed(sc_cmp *c, const char *task, const char *label, long n, uint64_t seed, const char *reason,
                      sc_err *err) {
    sc_cmp_failed *grown = room_for_one(c->failed, c->n_failed, &c->cap_failed, sizeof *grown, err);
    if (!grown) return -1;
    c->failed = grown;
    sc_cmp_failed *f = &c->failed[c->n_failed++];
    memset(f, 0, sizeof *f);
    snprintf(f->task, sizeof f->task, "%s", task);
    snprintf(f->label, sizeof f->label, "%s", label);
    f->n = n;
    f->seed = seed;
    size_t k = 0;
    for (const char *p = reason ? reason : ""; *p && *p != '\n' && k + 1 < sizeof f->reason; p++)
        f->reason[k++] = *p == '|' ? '/' : (unsigned char)*p < 0x20 ? ' ' : *p;
    if (!k) snprintf(f->reason, sizeof f->reason, "unknown (see its log.txt)");
    return 0;
}

static sc_cmp_cell *find_cell(sc_cmp *c, const char *task, const char *label, long n, sc_err *err) {
    for (int i = 0; i < c->n_cells; i++)
        if (!strcmp(c->cells[i].task, task) && !strcmp(c->cells[i].label, label) && c->cells[i].n == n)
            return &c->cells[i];
    sc_cmp_cell *grown = room_for_one(c->cells, c->n_cells, &c->cap, sizeof *grown, err);
    if (!grown) return NULL;
    c->cells = grown;
    sc_cmp_cell *cell = &c->cells[c->n_cells++];
    memset(cell, 0, sizeof *cell);
    snprintf(cell->task, sizeof cell->task, "%s", task);
    snprintf(cell->label, sizeof cell->label, "%s", label);
    cell->n = n;
    return cell;
}

int sc_cmp_add_file(sc_cmp *c, const char *path, int *added, sc_err *err) {
    sc_result_doc d;
    *added = 0;
    if (sc_result_load(&d, path, err)) return -1;
    return sc_cmp_add_doc(c, &d, added, err);
}

int sc_cmp_add_doc(sc_cmp *c, sc_result_doc *doc, int *added, sc_err *err) {
    *added = 0;
    sc_result_doc d = *doc;  // moved here: freed at the end
    d.root = &d.up.data;
    const char *path = d.path;
    char kind[32], task[64], expl[64];
    int64_t n;
    uint64_t seed;
    double learn = 0;
    int rc = -1;
    float *a = NULL, *b = NULL, *gold = NULL;
    size_t na = 0, nb = 0, ng = 0;
    if (sc_result_str(&d, K_KIND, kind, sizeof kind, err)) goto done;
    if (strcmp(kind, "student")) {
        rc = 0;
        goto done;
    }
    if (sc_result_str(&d, K_TASK, task, sizeof task, err) || sc_result_str(&d, K_EXPLAINER, expl, sizeof expl, err) ||
        sc_result_int(&d, K_N, 1, SC_RESULT_MAX_N, &n, err) || sc_result_uint(&d, K_SEED, UINT64_MAX, &seed, err))
        goto done;
    if (sc_result_get(&d, K_LEARN) && sc_result_real(&d, K_LEARN, 0, 1, &learn, err)) goto done;
    int regression = sc_result_get(&d, K_AGREE) == NULL;
    // Agreement and gold correctness are 0/1; scores are bounded so that the
    // bootstrap's sums of squares stay finite.
    if (regression) {
        if (sc_result_floats_in(&d, K_SSCORE, SC_RESULT_MAX_POINTS, -SC_RESULT_MAX_ABS, SC_RESULT_MAX_ABS, &a, &na,
                                err) ||
            sc_result_floats_in(&d, K_TSCORE, SC_RESULT_MAX_POINTS, -SC_RESULT_MAX_ABS, SC_RESULT_MAX_ABS, &b, &nb,
                                err))
            goto done;
        if (na != nb) {
            sc_errf(err, "%s: %s has %zu entries but %s has %zu", path, K_SSCORE, na, K_TSCORE, nb);
            goto done;
        }
    } else if (sc_result_floats_in(&d, K_AGREE, SC_RESULT_MAX_POINTS, 0, 1, &a, &na, err)) {
        goto done;
    }
    if (sc_result_get(&d, K_GOLD) && sc_result_floats_in(&d, K_GOLD, SC_RESULT_MAX_POINTS, 0, 1, &gold, &ng, err))
        goto done;
    if (!na) {
        sc_errf(err, "%s: no per-example test results", path);
        goto done;
    }
    char label[64];
    if (sc_result_get(&d, K_LABEL)) {
        if (sc_result_str(&d, K_LABEL, label, sizeof label, err)) goto done;
    } else {
        snprintf(label, sizeof label, "%s", learn != 0 ? "smat" : expl);
    }
    sc_cmp_cell *cell = find_cell(c, task, label, (long)n, err);  // n is in [1, SC_RESULT_MAX_N]
    if (!cell) goto done;
    if (cell->n_runs && (cell->n_points != na || cell->regression != regression)) {
        sc_errf(err, "%s: %zu test points, but other %s/%s/N=%ld runs have %zu: runs of a cell must share a test set",
                path, na, task, label, (long)n, cell->n_points);
        goto done;
    }
    for (int r = 0; r < cell->n_runs; r++)
        if (cell->seeds[r] == seed) {
            sc_errf(err, "%s: seed %" PRIu64 " appears twice for %s/%s/N=%ld (a copied run directory?)", path, seed,
                    task, label, (long)n);
            goto done;
        }
    if (cell->n_runs == SC_CMP_MAX_RUNS) {
        sc_errf(err, "%s: more than %d runs for %s/%s/N=%ld", path, SC_CMP_MAX_RUNS, task, label, (long)n);
        goto done;
    }
    int r = cell->n_runs++;
    cell->seeds[r] = seed;
    cell->a[r] = a, cell->b[r] = b, cell->gold[r] = gold && ng == na ? gold : NULL;
    if (cell->gold[r] != gold) free(gold);
    a = b = gold = NULL;
    cell->n_points = na;
    cell->regression = regression;
    c->n_files++;
    *added = 1;
    rc = 0;
done:
    free(a);
    free(b);
    free(gold);
    sc_result_doc_free(&d);
    return rc;
}

int sc_results_walk(const char *dir, int (*fn)(void *user, const char *path, sc_err *err), void *user, sc_err *err) {
    struct dirent **list;
    int k = scandir(dir, &list, NULL, alphasort);  // sorted: the same output whatever the file system order
    if (k < 0) return sc_errf(err, "cannot read directory %s", dir);
    int rc = 0;
    for (int i = 0; i < k; i++) {
        const char *name = list[i]->d_name;
        if (!rc && name[0] != '.') {
            char path[2048];
            snprintf(path, sizeof path, "%s/%s", dir, name);
            struct stat st;
            // lstat: symlinked directories are not followed (no cycles), symlinked files are.
            if (lstat(path, &st) == 0) {
                if (S_ISDIR(st.st_mode)) rc = sc_results_walk(path, fn, user, err);
                else if (!strcmp(name, "metrics.msgpack")) rc = fn(user, path, err);
            }
        }
        free(list[i]);
    }
    free(list);
    return rc;
}

static int add_one(void *user, const char *path, sc_err *err) {
    int added;
    return sc_cmp_add_file(user, path, &added, err);
}

int sc_cmp_add_dir(sc_cmp *c, const char *dir, sc_err *err) { return sc_results_walk(dir, add_one, c, err); }

static int cell_order(const void *x, const void *y) {
    const sc_cmp_cell *a = x, *b = y;
    int d = strcmp(a->task, b->task);
    if (d) return d;
    // "none" first, "smat" last, the rest alphabetical: the table reads from baseline to method.
    int ra = !strcmp(a->label, "none") ? 0 : !strcmp(a->label, "smat") ? 2 : 1;
    int rb = !strcmp(b->label, "none") ? 0 : !strcmp(b->label, "smat") ? 2 : 1;
    if (ra != rb) return ra - rb;
    d = strcmp(a->label, b->label);
    if (d) return d;
    return (a->n > b->n) - (a->n < b->n);
}

static int failed_order(const void *x, const void *y) {
    const sc_cmp_failed *a = x, *b = y;
    int d = strcmp(a->task, b->task);
    if (d) return d;
    int ra = !strcmp(a->label, "teacher") ? 0 : 1, rb = !strcmp(b->label, "teacher") ? 0 : 1;  // teachers first
    if (ra != rb) return ra - rb;
    if ((d = strcmp(a->label, b->label))) return d;
    if (a->n != b->n) return (a->n > b->n) - (a->n < b->n);
    return (a->seed > b->seed) - (a->seed < b->seed);
}

int sc_cmp_compute(sc_cmp *c, const sc_boot_cfg *cfg, sc_err *err) {
    qsort(c->cells, (size_t)c->n_cells, sizeof *c->cells, cell_order);
    if (c->n_failed) qsort(c->failed, (size_t)c->n_failed, sizeof *c->failed, failed_order);
    for (int i = 0; i < c->n_cells; i++) {
        sc_cmp_cell *cell = &c->cells[i];
        sc_boot_run runs[SC_CMP_MAX_RUNS];
        for (int r = 0; r < cell->n_runs; r++) runs[r] = (sc_boot_run){cell->a[r], cell->b[r]};
        if (sc_bootstrap(runs, cell->n_runs, cell->n_points, cell->regression ? sc_boot_pearson : sc_boot_mean_a, cfg,
                         &cell->sim, err))
            return -1;
        cell->has_acc = 1;
        for (int r = 0; r < cell->n_runs; r++) {
            if (!cell->gold[r]) cell->has_acc = 0;
            runs[r] = (sc_boot_run){cell->gold[r], NULL};
        }
        if (cell->has_acc &&
            sc_bootstrap(runs, cell->n_runs, cell->n_points, sc_boot_mean_a, cfg, &cell->acc, err))
            return -1;
    }
    return 0;
}

// Percent for agreement/accuracy, raw for Pearson.
static double scale(const sc_cmp_cell *c) { return c->regression ? 1 : 100; }

// Failed student runs of (task, label, n); n < 0: of any n.
static int n_failed_of(const sc_cmp *c, const char *task, const char *label, long n) {
    int k = 0;
    for (int i = 0; i < c->n_failed; i++) {
        const sc_cmp_failed *f = &c->failed[i];
        k += !strcmp(f->task, task) && strcmp(f->label, "teacher") && !strcmp(f->label, label) && (n < 0 || f->n == n);
    }
    return k;
}

#define MAX_NS 64  // columns of a task's table (a manifest has at most 64 values of n)

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
            if (cell)
                fprintf(f, cell->regression ? " %.3f [%.3f, %.3f] (%d seeds" : " %.1f [%.1f, %.1f] (%d seeds",
                        cell->sim.mean * scale(cell), cell->sim.lo * scale(cell), cell->sim.hi * scale(cell),
                        cell->n_runs);
            if (cell) fprintf(f, nf ? ", %d failed) |" : ") |", nf);
            else if (nf) fprintf(f, " FAILED (%d run%s) |", nf, nf > 1 ? "s" : "");
            else fprintf(f, " – |");
        }
        fprintf(f, "\n");
    }
    if (cut) fprintf(f, "(%d cells have an N beyond the first %d shown: summary.csv has every cell)\n", cut, MAX_NS);
    if (n_labels) fprintf(f, "\n");
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
}

void sc_cmp_print_csv(const sc_cmp *c, FILE *f) {
    fprintf(f, "task,explainer,n,seeds,metric,mean,ci_lo,ci_hi,seed_sd,gold_accuracy,gold_ci_lo,gold_ci_hi\n");
    for (int i = 0; i < c->n_cells; i++) {
        const sc_cmp_cell *cell = &c->cells[i];
        fprintf(f, "%s,%s,%ld,%d,%s,%.6f,%.6f,%.6f,%.6f", cell->task, cell->label, cell->n, cell->n_runs,
                cell->regression ? "pearson" : "agreement", cell->sim.mean, cell->sim.lo, cell->sim.hi,
                cell->sim.seed_sd);
        if (cell->has_acc) fprintf(f, ",%.6f,%.6f,%.6f\n", cell->acc.mean, cell->acc.lo, cell->acc.hi);
        else fprintf(f, ",,,\n");
    }
}
