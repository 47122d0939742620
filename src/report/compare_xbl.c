// compare_xbl.c — reading, summarising and printing explanation-based
// learning results (compare_xbl.h).
#include "report/compare_xbl.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "io/result_read.h"

const char *const sc_cmpx_metric_names[SC_CMPX_N] = {"test_accuracy",          "clean_accuracy",
                                                      "swap_accuracy",          "decoyed_valid_accuracy",
                                                      "decoy_reliance",         "distance_score"};
const char *const sc_cmpx_metric_titles[SC_CMPX_N] = {
    "test accuracy, decoy randomised (%)", "clean accuracy, decoy erased (%)",
    "swap accuracy, another class's decoy (%)", "decoyed valid accuracy (%)", "decoy reliance (%)", "distance score"};
static const char *const keys[SC_CMPX_N] = {"test.accuracy",          "test.clean_accuracy", "test.swap_accuracy",
                                            "valid.decoyed_accuracy", "test.decoy_reliance", "test.distance_score"};
// Upper bounds of the checked reads: shares and accuracies in [0, 1]; the
// distance score is a saliency-weighted mean of a map in [0, 1], with slack.
static const double hi_of[SC_CMPX_N] = {1, 1, 1, 1, 1, 1e6};

static double pct(int m) { return m == SC_CMPX_DISTANCE ? 1 : 100; }

static sc_cmpx *part(sc_cmp *c, sc_err *err) {
    if (!c->xbl && !(c->xbl = calloc(1, sizeof *c->xbl))) sc_errf(err, "compare: out of memory");
    return c->xbl;
}

const sc_cmpx *sc_cmp_xbl(const sc_cmp *c) { return c->xbl; }
int sc_cmp_xbl_files(const sc_cmp *c) { return c->xbl ? c->xbl->n_files : 0; }

void sc_cmpx_free(sc_cmp *c) {
    if (!c->xbl) return;
    free(c->xbl->rows);
    free(c->xbl->failed);
    free(c->xbl);
    c->xbl = NULL;
}

int sc_cmp_add_failed_xbl(sc_cmp *c, const char *task, const char *label, uint64_t seed, const char *reason,
                          sc_err *err) {
    sc_cmpx *x = part(c, err);
    return x ? sc_cmp_failed_push(&x->failed, &x->n_failed, &x->cap_failed, task, label, 0, seed, reason, err) : -1;
}

// The row label of a file (compare_xbl.h): its folder above seed<S>, else the
// method (and lambda for the penalty methods).
static void label_of(const char *path, const char *method, double lambda, char *out, size_t cap) {
    if (sc_cmp_label_from_dir(path, out, cap)) return;
    if (!strncmp(method, "rrr", 3) || !strncmp(method, "distance", 8)) snprintf(out, cap, "%s-l%g", method, lambda);
    else snprintf(out, cap, "%s", method);
    for (char *p = out; *p; p++)
        if (*p == '|' || *p == ',' || (unsigned char)*p < 0x20) *p = '_';
}

static sc_cmpx_row *find_row(sc_cmpx *x, const char *task, const char *label, sc_err *err) {
    for (int i = 0; i < x->n_rows; i++)
        if (!strcmp(x->rows[i].task, task) && !strcmp(x->rows[i].label, label)) return &x->rows[i];
    sc_cmpx_row *g = sc_cmp_room_for_one(x->rows, x->n_rows, &x->cap, sizeof *g, err);
    if (!g) return NULL;
    x->rows = g;
    sc_cmpx_row *r = &g[x->n_rows++];
    memset(r, 0, sizeof *r);
    snprintf(r->task, sizeof r->task, "%s", task);
    snprintf(r->label, sizeof r->label, "%s", label);
    return r;
}

// The measures of one file into run u (every number range-checked: the file is untrusted).
static int read_run(const sc_result_doc *d, sc_cmpx_run *u, sc_err *err) {
    for (int m = 0; m < SC_CMPX_N; m++) {
        if (m == SC_CMPX_SWAP_ACC && !sc_result_get(d, keys[m])) {
            u->v[m] = NAN;  // written before the swap test was recorded
            continue;
        }
        if (sc_result_real(d, keys[m], 0, hi_of[m], &u->v[m], err)) return -1;
    }
    u->has_valid_clean = sc_result_get(d, "valid.clean_accuracy") != NULL;
    if (u->has_valid_clean && sc_result_real(d, "valid.clean_accuracy", 0, 1, &u->valid_clean, err)) return -1;
    snprintf(u->dir, sizeof u->dir, "%s", d->path);
    char *slash = strrchr(u->dir, '/');
    if (slash) *slash = '\0';
    else snprintf(u->dir, sizeof u->dir, ".");
    return 0;
}

int sc_cmpx_add_doc(sc_cmp *c, const sc_result_doc *d, int *added, sc_err *err) {
    char task[64], method[32], label[64];
    double lambda;
    uint64_t seed;
    *added = 0;
    if (sc_result_str(d, "task", task, sizeof task, err) || sc_result_str(d, "method", method, sizeof method, err) ||
        sc_result_real(d, "lambda", 0, 1e6, &lambda, err) || sc_result_uint(d, "seed", UINT64_MAX, &seed, err))
        return -1;
    // Runs whose penalty acted on Grad-CAM are another method than those on the
    // input gradient: their own rows and their own lambda selection.
    if (sc_result_get(d, "config.xbl.saliency")) {
        char sal[32];
        if (sc_result_str(d, "config.xbl.saliency", sal, sizeof sal, err)) return -1;
        if (!strcmp(sal, "gradcam") && strlen(method) + 9 < sizeof method) strcat(method, "-gradcam");
    }
    if (sc_result_get(d, "label")) {
        if (sc_result_str(d, "label", label, sizeof label, err)) return -1;
    } else {
        label_of(d->path, method, lambda, label, sizeof label);
    }
    sc_cmpx *x = part(c, err);
    sc_cmpx_row *r = x ? find_row(x, task, label, err) : NULL;
    if (!r) return -1;
    if (!r->n_runs) snprintf(r->method, sizeof r->method, "%s", method), r->lambda = lambda;
    if (strcmp(r->method, method) || r->lambda != lambda)
        return sc_errf(err, "%s: method %s, lambda %g, but other %s/%s runs have method %s, lambda %g: the runs of a "
                       "row must share them", d->path, method, lambda, task, label, r->method, r->lambda);
    for (int i = 0; i < r->n_runs; i++)
        if (r->runs[i].seed == seed)
            return sc_errf(err, "%s: seed %" PRIu64 " appears twice for %s/%s (a copied run directory?)", d->path, seed,
                           task, label);
    if (r->n_runs == SC_CMP_MAX_RUNS)
        return sc_errf(err, "%s: more than %d runs for %s/%s", d->path, SC_CMP_MAX_RUNS, task, label);
    sc_cmpx_run *u = &r->runs[r->n_runs];
    u->seed = seed;
    if (read_run(d, u, err)) return -1;
    r->n_runs++;
    x->n_files++;
    *added = 1;
    return 0;
}

// none first, then rrr, distance, concept-prune, any other method (a method on
// Grad-CAM right after the same on the input gradient); by lambda, then label.
static int method_rank(const char *m) {
    static const char *const order[] = {"none", "rrr", "distance", "concept-prune", NULL};
    size_t n = strcspn(m, "-");
    if (!strcmp(m, "concept-prune")) n = strlen(m);
    for (int i = 0; order[i]; i++)
        if (strlen(order[i]) == n && !strncmp(m, order[i], n)) return i;
    return 4;
}

static int row_order(const void *a_, const void *b_) {
    const sc_cmpx_row *a = a_, *b = b_;
    int d = strcmp(a->task, b->task);
    if (d) return d;
    if ((d = method_rank(a->method) - method_rank(b->method))) return d;
    if ((d = strcmp(a->method, b->method))) return d;
    if (a->lambda != b->lambda) return a->lambda < b->lambda ? -1 : 1;
    return strcmp(a->label, b->label);
}

static int failed_order(const void *a_, const void *b_) {
    const sc_cmp_failed *a = a_, *b = b_;
    int d = strcmp(a->task, b->task);
    if (!d) d = strcmp(a->label, b->label);
    return d ? d : (a->seed > b->seed) - (a->seed < b->seed);
}

static int seed_order(const void *a_, const void *b_) {
    const sc_cmpx_run *a = a_, *b = b_;
    return (a->seed > b->seed) - (a->seed < b->seed);
}

// Mean, seed SD and the percentile bootstrap over seeds of one measure (compare_xbl.h).
static int summarise(const sc_cmpx_row *r, int m, const sc_boot_cfg *cfg, sc_boot_ci *ci, sc_err *err) {
    float v[SC_CMP_MAX_RUNS];
    double s = 0, ss = 0;
    for (int i = 0; i < r->n_runs; i++)
        if (isnan(r->runs[i].v[m])) {  // a run without this measure: the row has none
            *ci = (sc_boot_ci){.mean = NAN, .lo = NAN, .hi = NAN, .seed_sd = NAN};
            return 0;
        }
    for (int i = 0; i < r->n_runs; i++) v[i] = (float)r->runs[i].v[m], s += r->runs[i].v[m];
    double mean = s / r->n_runs;
    for (int i = 0; i < r->n_runs; i++) ss += (r->runs[i].v[m] - mean) * (r->runs[i].v[m] - mean);
    sc_boot_cfg seeds = *cfg;
    seeds.fraction = 1.0;  // each resample draws as many seeds as there are
    sc_boot_run run = {v, NULL};
    if (sc_bootstrap(&run, 1, (size_t)r->n_runs, sc_boot_mean_a, &seeds, ci, err)) return -1;
    ci->mean = mean;  // in double, not the float copy's
    ci->seed_sd = r->n_runs > 1 ? sqrt(ss / (r->n_runs - 1)) : 0;
    return 0;
}

int sc_cmpx_compute(sc_cmp *c, const sc_boot_cfg *cfg, sc_err *err) {
    sc_cmpx *x = c->xbl;
    if (!x) return 0;
    x->resamples = cfg->resamples;
    if (x->n_rows) qsort(x->rows, (size_t)x->n_rows, sizeof *x->rows, row_order);
    if (x->n_failed) qsort(x->failed, (size_t)x->n_failed, sizeof *x->failed, failed_order);
    for (int i = 0; i < x->n_rows; i++) {
        sc_cmpx_row *r = &x->rows[i];
        qsort(r->runs, (size_t)r->n_runs, sizeof *r->runs, seed_order);  // runs[0]: the smallest seed
        for (int m = 0; m < SC_CMPX_N; m++)
            if (summarise(r, m, cfg, &r->ci[m], err)) return -1;
    }
    return 0;
}

int sc_cmpx_n_failed(const sc_cmpx *x, const char *task, const char *label) {
    int k = 0;
    for (int i = 0; x && i < x->n_failed; i++) k += !strcmp(x->failed[i].task, task) && !strcmp(x->failed[i].label, label);
    return k;
}

const sc_cmpx_row *sc_cmpx_selected(const sc_cmpx *x, const char *task, const char *method, char *why, size_t cap) {
    const sc_cmpx_row *best = NULL, *first = NULL;
    double best_v = -1;
    int distinct = 0, lacking = 0, runs = 0;
    const char *lack_dir = NULL;
    why[0] = '\0';
    for (int i = 0; x && i < x->n_rows; i++) {
        const sc_cmpx_row *r = &x->rows[i];
        if (strcmp(r->task, task) || strcmp(r->method, method) || !r->n_runs) continue;
        if (!first) first = r;
        distinct += r == first || r->lambda != first->lambda;
        double v = 0;
        for (int k = 0; k < r->n_runs; k++) {
            runs++;
            if (!r->runs[k].has_valid_clean) lacking++, lack_dir = lack_dir ? lack_dir : r->runs[k].dir;
            v += r->runs[k].valid_clean;
        }
        v /= r->n_runs;
        if (v > best_v) best_v = v, best = r;  // rows are sorted by lambda: ties keep the smaller
    }
    if (distinct < 2) return NULL;  // no sweep: nothing to select
    if (lacking) {
        snprintf(why, cap, "no lambda selected: %d of %d runs lack valid.clean_accuracy (results written before "
                 "it was recorded, e.g. %s); selection uses validation only, never test", lacking, runs, lack_dir);
        return NULL;
    }
    return best;
}

// " mean [lo, hi] SD s |" in percent (the distance score as it is).
static void print_value(const sc_boot_ci *ci, int m, int n_runs, FILE *f) {
    double k = pct(m);
    int p = m == SC_CMPX_DISTANCE ? 3 : 1;
    if (isnan(ci->mean)) {
        fprintf(f, " – (not recorded) |");
        return;
    }
    fprintf(f, " %.*f [%.*f, %.*f]", p, ci->mean * k, p, ci->lo * k, p, ci->hi * k);
    if (n_runs > 1) fprintf(f, " SD %.*f", p, ci->seed_sd * k);
    fprintf(f, " |");
}

static void print_row(const sc_cmpx *x, const sc_cmpx_row *r, const char *name, FILE *f) {
    int nf = sc_cmpx_n_failed(x, r->task, r->label);
    fprintf(f, "| %s | %d", name, r->n_runs);
    if (nf) fprintf(f, " (%d failed)", nf);
    fprintf(f, " |");
    for (int m = 0; m < SC_CMPX_N; m++) print_value(&r->ci[m], m, r->n_runs, f);
    fprintf(f, "\n");
}

// The selected rows of one task, and the reasons where none could be selected.
static void print_selected(const sc_cmpx *x, const char *task, FILE *f, char *notes, size_t cap) {
    for (int i = 0; i < x->n_rows; i++) {
        const sc_cmpx_row *r = &x->rows[i];
        if (strcmp(r->task, task) || (i && !strcmp(x->rows[i - 1].task, task) && !strcmp(x->rows[i - 1].method, r->method)))
            continue;  // each method once (rows of a method are adjacent)
        char why[1400], name[160];
        const sc_cmpx_row *s = sc_cmpx_selected(x, task, r->method, why, sizeof why);
        size_t used = strlen(notes);
        if (s) {
            snprintf(name, sizeof name, "%s (lambda selected on validation): %s", r->method, s->label);
            print_row(x, s, name, f);
        } else if (why[0]) {
            snprintf(notes + used, cap - used, "- %s: %s\n", r->method, why);
        }
    }
}

static void print_failed(const sc_cmpx *x, const char *task, FILE *f) {
    int any = 0;
    for (int i = 0; i < x->n_failed; i++) {
        const sc_cmp_failed *e = &x->failed[i];
        if (strcmp(e->task, task)) continue;
        if (!any++) fprintf(f, "Failed runs of %s (xbl):\n\n| run | seed | reason |\n|---|---|---|\n", task);
        fprintf(f, "| %s | %" PRIu64 " | %s |\n", e->label, e->seed, e->reason);
    }
    if (any) fprintf(f, "\n");
}

// Labels that only failed: a FAILED row each.
static void print_only_failed(const sc_cmpx *x, const char *task, FILE *f) {
    for (int i = 0; i < x->n_failed; i++) {
        const sc_cmp_failed *e = &x->failed[i];
        int seen = 0;
        for (int k = 0; k < x->n_rows; k++) seen |= !strcmp(x->rows[k].task, task) && !strcmp(x->rows[k].label, e->label);
        for (int k = 0; k < i; k++) seen |= !strcmp(x->failed[k].task, task) && !strcmp(x->failed[k].label, e->label);
        if (seen || strcmp(e->task, task)) continue;
        int n = sc_cmpx_n_failed(x, task, e->label);
        fprintf(f, "| %s | FAILED (%d run%s) |", e->label, n, n > 1 ? "s" : "");
        for (int m = 0; m < SC_CMPX_N; m++) fprintf(f, " – |");
        fprintf(f, "\n");
    }
}

static void print_task(const sc_cmpx *x, const char *task, FILE *f) {
    fprintf(f, "### %s — explanation-guided learning (xbl): mean [95%% CI] SD over seeds\n\n| method | seeds |", task);
    for (int m = 0; m < SC_CMPX_N; m++) fprintf(f, " %s |", sc_cmpx_metric_titles[m]);
    fprintf(f, "\n|---|---|");
    for (int m = 0; m < SC_CMPX_N; m++) fprintf(f, "---|");
    fprintf(f, "\n");
    for (int i = 0; i < x->n_rows; i++)
        if (!strcmp(x->rows[i].task, task)) print_row(x, &x->rows[i], x->rows[i].label, f);
    print_only_failed(x, task, f);
    char notes[8192] = "";
    print_selected(x, task, f, notes, sizeof notes);
    fprintf(f, "\nIntervals: percentile bootstrap over seeds (%d resamples of the seeds' per-run values, drawn "
               "with replacement): xbl result files hold per-run values, not per-example data. Test accuracy is "
               "measured with the decoy randomised (the swap test); a lambda is selected on the best mean "
               "valid.clean_accuracy (teacher-valid, decoy erased), never on test.\n\n",
            x->resamples);
    if (notes[0]) fprintf(f, "%s\n", notes);
    print_failed(x, task, f);
}

void sc_cmpx_print_markdown(const sc_cmp *c, FILE *f) {
    const sc_cmpx *x = c->xbl;
    if (!x) return;
    // Every task with a row or a failed run, in order (both are sorted by task).
    int i = 0, j = 0;
    while (i < x->n_rows || j < x->n_failed) {
        const char *a = i < x->n_rows ? x->rows[i].task : NULL, *b = j < x->n_failed ? x->failed[j].task : NULL;
        const char *task = !a ? b : !b ? a : strcmp(a, b) <= 0 ? a : b;
        print_task(x, task, f);
        while (i < x->n_rows && !strcmp(x->rows[i].task, task)) i++;
        while (j < x->n_failed && !strcmp(x->failed[j].task, task)) j++;
    }
}

static void csv_row(const sc_cmpx *x, const sc_cmpx_row *r, const char *label, const char *from, FILE *f) {
    for (int m = 0; m < SC_CMPX_N; m++)
        if (!isnan(r->ci[m].mean))  // a measure the row's runs did not record has no line
            fprintf(f, "%s,%s,%s,%g,%d,%d,%s,%.6f,%.6f,%.6f,%.6f,%s\n", r->task, label, r->method, r->lambda, r->n_runs,
                sc_cmpx_n_failed(x, r->task, r->label), sc_cmpx_metric_names[m], r->ci[m].mean, r->ci[m].lo,
                r->ci[m].hi, r->ci[m].seed_sd, from);
}

void sc_cmpx_print_csv(const sc_cmp *c, FILE *f) {
    const sc_cmpx *x = c->xbl;
    fprintf(f, "task,label,method,lambda,seeds,failed,metric,mean,ci_lo,ci_hi,seed_sd,selected_from\n");
    for (int i = 0; x && i < x->n_rows; i++) {
        const sc_cmpx_row *r = &x->rows[i];
        csv_row(x, r, r->label, "", f);
        int last_of_method = i + 1 == x->n_rows || strcmp(x->rows[i + 1].task, r->task) ||
                             strcmp(x->rows[i + 1].method, r->method);
        char why[1400], name[160];
        const sc_cmpx_row *s = last_of_method ? sc_cmpx_selected(x, r->task, r->method, why, sizeof why) : NULL;
        if (!s) continue;
        snprintf(name, sizeof name, "%s (lambda selected on validation)", r->method);
        csv_row(x, s, name, s->label, f);
    }
}
