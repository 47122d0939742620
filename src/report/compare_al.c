// compare_al.c — reading, summarising and printing active-learning results
// (compare_al.h).
#include "report/compare_al.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "io/result_read.h"

#define MAX_POINTS 1001  // SC_AL_MAX_ROUNDS + 1: a longer curve is not one active-learn wrote

const char *const sc_cmpa_measure_names[SC_CMPA_N] = {"test_accuracy", "test_simulatability"};
static const char *const titles[SC_CMPA_N] = {"test accuracy", "test simulatability"};

// Measure m of a row is a Pearson r, not a proportion: a regression row's test score.
static int is_r(const sc_cmpa_row *r, int m) { return r->pearson && m == SC_CMPA_ACC; }

const char *sc_cmpa_measure_name(const sc_cmpa_row *r, int m) {
    return is_r(r, m) ? "test_pearson" : sc_cmpa_measure_names[m];
}

const char *sc_cmpa_title(const sc_cmpa_row *r, int m) { return is_r(r, m) ? "test Pearson r" : titles[m]; }

static sc_cmpa *part(sc_cmp *c, sc_err *err) {
    if (!c->al && !(c->al = calloc(1, sizeof *c->al))) sc_errf(err, "compare: out of memory");
    return c->al;
}

const sc_cmpa *sc_cmp_al(const sc_cmp *c) { return c->al; }
int sc_cmp_al_files(const sc_cmp *c) { return c->al ? c->al->n_files : 0; }

int sc_cmp_al_set_target(sc_cmp *c, double target, sc_err *err) {
    if (!(target > 0 && target <= 1)) return sc_errf(err, "--target: expected an accuracy in (0, 1], got %g", target);
    sc_cmpa *x = part(c, err);
    if (!x) return -1;
    x->target = target;
    return 0;
}

static void run_free(sc_cmpa_run *u) {
    free(u->labelled), free(u->v[0]), free(u->v[1]);
    u->labelled = NULL, u->v[0] = u->v[1] = NULL;
}

void sc_cmpa_free(sc_cmp *c) {
    if (!c->al) return;
    for (int i = 0; i < c->al->n_rows; i++)
        for (int k = 0; k < c->al->rows[i].n_runs; k++) run_free(&c->al->rows[i].runs[k]);
    free(c->al->rows);
    free(c->al->failed);
    free(c->al);
    c->al = NULL;
}

int sc_cmp_add_failed_al(sc_cmp *c, const char *task, const char *label, uint64_t seed, const char *reason,
                         sc_err *err) {
    sc_cmpa *x = part(c, err);
    return x ? sc_cmp_failed_push(&x->failed, &x->n_failed, &x->cap_failed, task, label, 0, seed, reason, err) : -1;
}

// The row label of a file: its folder above seed<S>, else the strategy.
static void label_of(const char *path, const char *strategy, char *out, size_t cap) {
    if (sc_cmp_label_from_dir(path, out, cap)) return;
    snprintf(out, cap, "%s", strategy);
    for (char *p = out; *p; p++)
        if (*p == '|' || *p == ',' || (unsigned char)*p < 0x20) *p = '_';
}

static sc_cmpa_row *find_row(sc_cmpa *x, const char *task, const char *label, sc_err *err) {
    for (int i = 0; i < x->n_rows; i++)
        if (!strcmp(x->rows[i].task, task) && !strcmp(x->rows[i].label, label)) return &x->rows[i];
    sc_cmpa_row *g = sc_cmp_room_for_one(x->rows, x->n_rows, &x->cap, sizeof *g, err);
    if (!g) return NULL;
    x->rows = g;
    sc_cmpa_row *r = &g[x->n_rows++];
    memset(r, 0, sizeof *r);
    snprintf(r->task, sizeof r->task, "%s", task);
    snprintf(r->label, sizeof r->label, "%s", label);
    return r;
}

static const msgpack_object *map_get(const msgpack_object *m, const char *key) {
    if (m->type != MSGPACK_OBJECT_MAP) return NULL;
    for (uint32_t i = 0; i < m->via.map.size; i++) {
        const msgpack_object *k = &m->via.map.ptr[i].key;
        if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == strlen(key) && !memcmp(k->via.str.ptr, key, k->via.str.size))
            return &m->via.map.ptr[i].val;
    }
    return NULL;
}

// A number in [lo, 1] (nil allowed when nil_ok: *v = NaN). 0 or -1. lo is 0 for a
// proportion, -1 for a Pearson r; NaN fails both comparisons and is refused.
static int unit_value(const msgpack_object *o, double lo, int nil_ok, double *v) {
    if (!o) return -1;
    if (o->type == MSGPACK_OBJECT_NIL && nil_ok) return *v = NAN, 0;
    if (o->type == MSGPACK_OBJECT_FLOAT64 || o->type == MSGPACK_OBJECT_FLOAT32) *v = o->via.f64;
    else if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER) *v = (double)o->via.u64;
    else if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) *v = (double)o->via.i64;
    else return -1;
    return *v >= lo && *v <= 1 ? 0 : -1;
}

// rounds[i].test_rmse of a regression file is not summarised (hand-made files may
// leave it out), but a value that is there must be a finite number >= 0: anything
// else means a broken file, whose other numbers are not to be trusted either.
static int rmse_ok(const msgpack_object *o) {
    if (!o) return 1;
    if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER) return 1;
    return (o->type == MSGPACK_OBJECT_FLOAT64 || o->type == MSGPACK_OBJECT_FLOAT32) && o->via.f64 >= 0 &&
           isfinite(o->via.f64);
}

// A regression file (al_run.h's schema with test_pearson in place of test_accuracy):
// told by test_pearson in its aulc or its first round; read_curve and read_aulc
// then require it everywhere, so a file mixing the two is refused, not half read.
static int is_regression(const sc_result_doc *d) {
    const msgpack_object *a = sc_result_get(d, "aulc"), *r = sc_result_get(d, "rounds");
    if (a && map_get(a, "test_pearson")) return 1;
    return r && r->type == MSGPACK_OBJECT_ARRAY && r->via.array.size && map_get(&r->via.array.ptr[0], "test_pearson");
}

// The curve of one file: rounds[i].labelled (increasing), test_accuracy (or
// test_pearson when u->pearson), test_simulatability (nil in every round, or in
// none). Untrusted: every value checked.
static int read_curve(const sc_result_doc *d, sc_cmpa_run *u, sc_err *err) {
    const msgpack_object *r = sc_result_get(d, "rounds");
    if (!r || r->type != MSGPACK_OBJECT_ARRAY || !r->via.array.size || r->via.array.size > MAX_POINTS)
        return sc_errf(err, "%s: 'rounds' must be a list of 1 to %d rounds", d->path, MAX_POINTS);
    int n = (int)r->via.array.size, sims = 0;
    const char *key = u->pearson ? "test_pearson" : "test_accuracy", *range = u->pearson ? "[-1, 1]" : "[0, 1]";
    u->labelled = calloc((size_t)n, sizeof *u->labelled);
    u->v[0] = calloc((size_t)n, sizeof(double)), u->v[1] = calloc((size_t)n, sizeof(double));
    if (!u->labelled || !u->v[0] || !u->v[1]) return sc_errf(err, "compare: out of memory");
    u->n_points = n;
    for (int i = 0; i < n; i++) {
        const msgpack_object *p = &r->via.array.ptr[i], *l = map_get(p, "labelled");
        if (!l || l->type != MSGPACK_OBJECT_POSITIVE_INTEGER || l->via.u64 > 1000000000ull ||
            (i && l->via.u64 <= u->labelled[i - 1]))
            return sc_errf(err, "%s: rounds[%d].labelled: expected a count above the previous round's", d->path, i);
        u->labelled[i] = (size_t)l->via.u64;
        if (unit_value(map_get(p, key), u->pearson ? -1 : 0, 0, &u->v[0][i]) ||
            unit_value(map_get(p, "test_simulatability"), 0, 1, &u->v[1][i]))
            return sc_errf(err, "%s: rounds[%d]: %s must be in %s, test_simulatability in [0, 1] or nil", d->path, i,
                           key, range);
        if (!rmse_ok(map_get(p, "test_rmse")))
            return sc_errf(err, "%s: rounds[%d]: test_rmse, when present, must be a number >= 0", d->path, i);
        sims += !isnan(u->v[1][i]);
    }
    if (sims && sims != n) return sc_errf(err, "%s: test_simulatability is nil in some rounds only", d->path);
    if (!sims) free(u->v[1]), u->v[1] = NULL;
    return 0;
}

// The AULCs as recorded (aulc.test_accuracy, or test_pearson, the mean r over
// the labelled range, in [-1, 1]; aulc.test_simulatability or nil).
static int read_aulc(const sc_result_doc *d, sc_cmpa_run *u, sc_err *err) {
    const msgpack_object *a = sc_result_get(d, "aulc");
    const char *key = u->pearson ? "test_pearson" : "test_accuracy", *range = u->pearson ? "[-1, 1]" : "[0, 1]";
    if (!a || unit_value(map_get(a, key), u->pearson ? -1 : 0, 0, &u->aulc[0]) ||
        unit_value(map_get(a, "test_simulatability"), 0, 1, &u->aulc[1]))
        return sc_errf(err, "%s: 'aulc' must hold %s in %s and test_simulatability in [0, 1] or nil", d->path, key,
                       range);
    if (isnan(u->aulc[1]) != (u->v[1] == NULL))
        return sc_errf(err, "%s: aulc.test_simulatability and the rounds' disagree on having a teacher", d->path);
    return 0;
}

// What measure 0 of a run or row is, for messages.
static const char *titles_of(int pearson) {
    return pearson ? "test Pearson r (regression)" : "test accuracy (classification)";
}

int sc_cmpa_add_doc(sc_cmp *c, const sc_result_doc *d, int *added, sc_err *err) {
    char task[64], strategy[48], label[64];
    uint64_t seed;
    *added = 0;
    if (sc_result_str(d, "task", task, sizeof task, err) || sc_result_str(d, "strategy", strategy, sizeof strategy, err) ||
        sc_result_uint(d, "seed", UINT64_MAX, &seed, err))
        return -1;
    label_of(d->path, strategy, label, sizeof label);
    sc_cmpa *x = part(c, err);
    sc_cmpa_row *r = x ? find_row(x, task, label, err) : NULL;
    if (!r) return -1;
    if (!r->n_runs) snprintf(r->strategy, sizeof r->strategy, "%s", strategy);
    if (strcmp(r->strategy, strategy))
        return sc_errf(err, "%s: strategy %s, but other %s/%s runs have %s: the runs of a row must share it", d->path,
                       strategy, task, label, r->strategy);
    for (int i = 0; i < r->n_runs; i++)
        if (r->runs[i].seed == seed)
            return sc_errf(err, "%s: seed %" PRIu64 " appears twice for %s/%s (a copied run directory?)", d->path, seed,
                           task, label);
    if (r->n_runs == SC_CMP_MAX_RUNS)
        return sc_errf(err, "%s: more than %d runs for %s/%s", d->path, SC_CMP_MAX_RUNS, task, label);
    sc_cmpa_run *u = &r->runs[r->n_runs];
    memset(u, 0, sizeof *u);
    u->seed = seed;
    u->pearson = is_regression(d);
    // One table, one target and one random baseline per row: accuracies and Pearson r
    // are on different scales, so a row must hold one kind of run only.
    if (r->n_runs && r->pearson != u->pearson)
        return sc_errf(err, "%s: measures %s, but the other %s/%s runs measure %s: the runs of a row must share it",
                       d->path, titles_of(u->pearson), task, label, titles_of(r->pearson));
    if (read_curve(d, u, err) || read_aulc(d, u, err)) {
        run_free(u);
        return -1;
    }
    r->pearson = u->pearson;
    r->n_runs++;
    x->n_files++;
    *added = 1;
    return 0;
}

// random first (the baseline every row is paired with), then by label.
static int row_order(const void *a_, const void *b_) {
    const sc_cmpa_row *a = a_, *b = b_;
    int d = strcmp(a->task, b->task);
    if (d) return d;
    if ((d = strcmp(b->label, "random") == 0) - (strcmp(a->label, "random") == 0)) return d;
    return strcmp(a->label, b->label);
}

static int failed_order(const void *a_, const void *b_) {
    const sc_cmp_failed *a = a_, *b = b_;
    int d = strcmp(a->task, b->task);
    if (!d) d = strcmp(a->label, b->label);
    return d ? d : (a->seed > b->seed) - (a->seed < b->seed);
}

static int seed_order(const void *a_, const void *b_) {
    const sc_cmpa_run *a = a_, *b = b_;
    return (a->seed > b->seed) - (a->seed < b->seed);
}

// Mean, seed SD and the percentile bootstrap over seeds of n per-seed values.
static int over_seeds(const double *v, int n, const sc_boot_cfg *cfg, sc_boot_ci *ci, sc_err *err) {
    float f[SC_CMP_MAX_RUNS];
    double s = 0, ss = 0;
    for (int i = 0; i < n; i++) f[i] = (float)v[i], s += v[i];
    double mean = s / n;
    for (int i = 0; i < n; i++) ss += (v[i] - mean) * (v[i] - mean);
    sc_boot_cfg seeds = *cfg;
    seeds.fraction = 1.0;  // each resample draws as many seeds as there are
    sc_boot_run run = {f, NULL};
    if (sc_bootstrap(&run, 1, (size_t)n, sc_boot_mean_a, &seeds, ci, err)) return -1;
    ci->mean = mean;  // in double, not the float copy's
    ci->seed_sd = n > 1 ? sqrt(ss / (n - 1)) : 0;
    return 0;
}

static const sc_boot_ci nan_ci = {.mean = NAN, .lo = NAN, .hi = NAN, .seed_sd = NAN};

static int summarise_row(sc_cmpa_row *r, const sc_boot_cfg *cfg, sc_err *err) {
    double a[SC_CMP_MAX_RUNS], fin[SC_CMP_MAX_RUNS];
    qsort(r->runs, (size_t)r->n_runs, sizeof *r->runs, seed_order);
    for (int m = 0; m < SC_CMPA_N; m++) {
        r->has[m] = r->n_runs > 0;
        for (int i = 0; i < r->n_runs; i++) r->has[m] &= r->runs[i].v[m] != NULL;
        r->aulc[m] = r->final[m] = r->diff[m] = nan_ci;
        r->labels_mean[m] = r->target[m] = NAN;
        if (!r->has[m]) continue;
        for (int i = 0; i < r->n_runs; i++) a[i] = r->runs[i].aulc[m], fin[i] = r->runs[i].v[m][r->runs[i].n_points - 1];
        if (over_seeds(a, r->n_runs, cfg, &r->aulc[m], err) || over_seeds(fin, r->n_runs, cfg, &r->final[m], err))
            return -1;
    }
    return 0;
}

// The random row of a task: labelled `random`, else the first row of strategy random.
static const sc_cmpa_row *random_row(const sc_cmpa *x, const char *task) {
    const sc_cmpa_row *by_strategy = NULL;
    for (int i = 0; i < x->n_rows; i++) {
        if (strcmp(x->rows[i].task, task)) continue;
        if (!strcmp(x->rows[i].label, "random")) return &x->rows[i];
        if (!by_strategy && !strcmp(x->rows[i].strategy, "random")) by_strategy = &x->rows[i];
    }
    return by_strategy;
}

// Target, labels to target and the difference against random, for measure m of row r.
static int relate_row(const sc_cmpa *x, sc_cmpa_row *r, int m, const sc_boot_cfg *cfg, sc_err *err) {
    double best = -INFINITY, d[SC_CMP_MAX_RUNS], labels = 0;
    for (int i = 0; i < x->n_rows; i++)
        if (!strcmp(x->rows[i].task, r->task) && x->rows[i].has[m] && x->rows[i].final[m].mean > best)
            best = x->rows[i].final[m].mean;
    // 95% of a best that is not positive (a Pearson r at or below 0) would be a target
    // above it, or 0 that every curve meets at once: no target then (target NaN).
    r->target[m] = x->target > 0 ? x->target : best > 0 ? 0.95 * best : NAN;
    r->reached[m] = 0;
    for (int i = 0; i < r->n_runs && !isnan(r->target[m]); i++) {
        const sc_cmpa_run *u = &r->runs[i];
        for (int k = 0; k < u->n_points; k++)
            if (u->v[m][k] >= r->target[m] - 1e-12) {  // tolerance: a target equal to a recorded value is reached
                labels += (double)u->labelled[k], r->reached[m]++;
                break;
            }
    }
    r->labels_mean[m] = r->reached[m] ? labels / r->reached[m] : NAN;
    const sc_cmpa_row *b = random_row(x, r->task);
    r->n_paired[m] = 0;
    if (!b || b == r || !b->has[m]) return 0;
    for (int i = 0; i < r->n_runs; i++)
        for (int k = 0; k < b->n_runs; k++)
            if (b->runs[k].seed == r->runs[i].seed) d[r->n_paired[m]++] = r->runs[i].aulc[m] - b->runs[k].aulc[m];
    // The bootstrap reads values in [-1, 1] as floats fine; differences in [-2, 2] too.
    return r->n_paired[m] ? over_seeds(d, r->n_paired[m], cfg, &r->diff[m], err) : 0;
}

// The rows of a task share a target, a random baseline and a table, so they must
// all measure accuracy or all Pearson r (a task is classification or regression;
// a mix means result files of different versions of a task). Rows sorted by task.
static int check_tasks(const sc_cmpa *x, sc_err *err) {
    const sc_cmpa_row *first = NULL;  // the task's first row with runs
    for (int i = 0; i < x->n_rows; i++) {
        const sc_cmpa_row *r = &x->rows[i];
        if (!r->n_runs) continue;  // a row whose only file was refused measures nothing
        if (!first || strcmp(first->task, r->task)) first = r;
        else if (first->pearson != r->pearson)
            return sc_errf(err, "active learning, task %s: row %s measures %s but row %s measures %s: the rows of a "
                                "task must share it", r->task, first->label, titles_of(first->pearson), r->label,
                           titles_of(r->pearson));
    }
    return 0;
}

int sc_cmpa_compute(sc_cmp *c, const sc_boot_cfg *cfg, sc_err *err) {
    sc_cmpa *x = c->al;
    if (!x) return 0;
    x->resamples = cfg->resamples;
    if (x->n_rows) qsort(x->rows, (size_t)x->n_rows, sizeof *x->rows, row_order);
    if (check_tasks(x, err)) return -1;
    if (x->n_failed) qsort(x->failed, (size_t)x->n_failed, sizeof *x->failed, failed_order);
    for (int i = 0; i < x->n_rows; i++)
        if (summarise_row(&x->rows[i], cfg, err)) return -1;
    for (int i = 0; i < x->n_rows; i++)
        for (int m = 0; m < SC_CMPA_N; m++)
            if (x->rows[i].has[m] && relate_row(x, &x->rows[i], m, cfg, err)) return -1;
    return 0;
}

int sc_cmpa_n_failed(const sc_cmpa *x, const char *task, const char *label) {
    int k = 0;
    for (int i = 0; x && i < x->n_failed; i++) k += !strcmp(x->failed[i].task, task) && !strcmp(x->failed[i].label, label);
    return k;
}

const sc_cmpa_row *sc_cmpa_find(const sc_cmpa *x, const char *task, const char *label) {
    for (int i = 0; x && i < x->n_rows; i++)
        if (!strcmp(x->rows[i].task, task) && !strcmp(x->rows[i].label, label)) return &x->rows[i];
    return NULL;
}

// ---- printing --------------------------------------------------------------------------

// How measure m of row r prints: a proportion in percent with 1 decimal, a Pearson r
// as it is with 3 (a percent of a correlation means nothing; 3 decimals keep its
// usual precision).
typedef struct style {
    double scale;
    int prec;
    const char *unit;  // of the headers
} style;

static style style_of(const sc_cmpa_row *r, int m) {
    return is_r(r, m) ? (style){1, 3, ""} : (style){100, 1, " (%)"};
}

static void print_ci(const sc_boot_ci *ci, int n, style s, FILE *f) {
    fprintf(f, " %.*f [%.*f, %.*f]", s.prec, ci->mean * s.scale, s.prec, ci->lo * s.scale, s.prec, ci->hi * s.scale);
    if (n > 1) fprintf(f, " SD %.*f", s.prec, ci->seed_sd * s.scale);
    fprintf(f, " |");
}

// The target as the tables show it, "82.3%" or "r = 0.443"; "" when there is none.
static void target_text(const sc_cmpa_row *r, int m, char *out, size_t cap) {
    if (isnan(r->target[m])) out[0] = '\0';
    else if (is_r(r, m)) snprintf(out, cap, "r = %.3f", r->target[m]);
    else snprintf(out, cap, "%.1f%%", r->target[m] * 100);
}

static void print_row(const sc_cmpa *x, const sc_cmpa_row *r, int m, int have_random, FILE *f) {
    int nf = sc_cmpa_n_failed(x, r->task, r->label);
    style s = style_of(r, m);
    fprintf(f, "| %s | %d", r->label, r->n_runs);
    if (nf) fprintf(f, " (%d failed)", nf);
    fprintf(f, " |");
    print_ci(&r->aulc[m], r->n_runs, s, f);
    print_ci(&r->final[m], r->n_runs, s, f);
    if (isnan(r->target[m])) fprintf(f, " no target: the best mean final is not positive |");
    else if (r->reached[m]) fprintf(f, " %.1f (%d/%d reached) |", r->labels_mean[m], r->reached[m], r->n_runs);
    else fprintf(f, " not reached (0/%d) |", r->n_runs);
    if (!have_random) fprintf(f, " no random row |\n");
    else if (r == random_row(x, r->task)) fprintf(f, " (baseline) |\n");
    else if (!r->n_paired[m]) fprintf(f, " no seed in common |\n");
    else {
        fprintf(f, " %+.*f [%+.*f, %+.*f] (%d seeds) |\n", s.prec, r->diff[m].mean * s.scale, s.prec,
                r->diff[m].lo * s.scale, s.prec, r->diff[m].hi * s.scale, r->n_paired[m]);
    }
}

// The caption under a table: what AULC, the intervals, the target and the difference are.
static void print_caption(const sc_cmpa *x, const sc_cmpa_row *first, int m, FILE *f) {
    const char *t = sc_cmpa_title(first, m);
    char target[32];
    target_text(first, m, target, sizeof target);
    fprintf(f, "\nAULC: the area under the %s curve over the labelled range (trapezoids, divided by the range: the "
               "mean %s). Intervals: percentile bootstrap over seeds (%d resamples). ", t, t, x->resamples);
    if (!*target)
        fprintf(f, "No target: the best mean final value among this task's strategies is not positive. ");
    else
        fprintf(f, "Target %s: %s. Labels to reach it: per run, the first labelled count whose %s reaches the "
                   "target, averaged over the seeds that reached it. ", target,
                x->target > 0 ? "given (--target)" : "95% of the best mean final value among this task's strategies",
                t);
    fprintf(f, "AULC − random: per seed, the row's AULC minus random's with the same seed, averaged, bootstrap over "
               "those seeds.\n\n");
}

// The table of one task and measure. The rows of a task share `pearson` (check_tasks),
// so the first row's style is every row's.
static void print_measure(const sc_cmpa *x, const char *task, int m, FILE *f) {
    const sc_cmpa_row *first = NULL, *b = random_row(x, task);
    for (int i = 0; i < x->n_rows && !first; i++)
        if (!strcmp(x->rows[i].task, task) && x->rows[i].has[m]) first = &x->rows[i];
    if (!first) return;
    const char *u = style_of(first, m).unit;
    char target[32];
    target_text(first, m, target, sizeof target);
    fprintf(f, "### %s — active learning, %s: mean [95%% CI] SD over seeds\n\n", task, sc_cmpa_title(first, m));
    fprintf(f, "| strategy | seeds | AULC%s | final%s | labels to %s%s | AULC − random%s |\n", u, u,
            *target ? "reach " : "target", target, u);
    fprintf(f, "|---|---|---|---|---|---|\n");
    for (int i = 0; i < x->n_rows; i++)
        if (!strcmp(x->rows[i].task, task) && x->rows[i].has[m]) print_row(x, &x->rows[i], m, b && b->has[m], f);
    print_caption(x, first, m, f);
}

static void print_failed(const sc_cmpa *x, const char *task, FILE *f) {
    int any = 0;
    for (int i = 0; i < x->n_failed; i++) {
        const sc_cmp_failed *e = &x->failed[i];
        if (strcmp(e->task, task)) continue;
        if (!any++) fprintf(f, "Failed runs of %s (active learning):\n\n| run | seed | reason |\n|---|---|---|\n", task);
        fprintf(f, "| %s | %" PRIu64 " | %s |\n", e->label, e->seed, e->reason);
    }
    if (any) fprintf(f, "\n");
}

void sc_cmpa_print_markdown(const sc_cmp *c, FILE *f) {
    const sc_cmpa *x = c->al;
    if (!x) return;
    int i = 0, j = 0;  // every task with a row or a failed run, in order (both sorted by task)
    while (i < x->n_rows || j < x->n_failed) {
        const char *a = i < x->n_rows ? x->rows[i].task : NULL, *b = j < x->n_failed ? x->failed[j].task : NULL;
        const char *task = !a ? b : !b ? a : strcmp(a, b) <= 0 ? a : b;
        for (int m = 0; m < SC_CMPA_N; m++) print_measure(x, task, m, f);
        print_failed(x, task, f);
        while (i < x->n_rows && !strcmp(x->rows[i].task, task)) i++;
        while (j < x->n_failed && !strcmp(x->failed[j].task, task)) j++;
    }
}

// A target column: empty when the task has none (compare_al.h).
static void csv_target(const sc_cmpa_row *r, int m, FILE *f) {
    if (!isnan(r->target[m])) fprintf(f, "%.6f", r->target[m]);
    fprintf(f, "\n");
}

// One line per (task, strategy, measure): aulc, final, labels_to_target, aulc_minus_random.
// Values are raw (proportions, or Pearson r for test_pearson), not percent.
void sc_cmpa_print_csv(const sc_cmp *c, FILE *f) {
    const sc_cmpa *x = c->al;
    fprintf(f, "task,label,strategy,seeds,failed,measure,mean,ci_lo,ci_hi,seed_sd,seeds_used,target\n");
    for (int i = 0; x && i < x->n_rows; i++) {
        const sc_cmpa_row *r = &x->rows[i];
        int nf = sc_cmpa_n_failed(x, r->task, r->label);
        for (int m = 0; m < SC_CMPA_N; m++) {
            if (!r->has[m]) continue;
            const char *n = sc_cmpa_measure_name(r, m);
            const sc_boot_ci *cis[2] = {&r->aulc[m], &r->final[m]};
            for (int k = 0; k < 2; k++) {
                fprintf(f, "%s,%s,%s,%d,%d,%s_%s,%.6f,%.6f,%.6f,%.6f,%d,", r->task, r->label, r->strategy, r->n_runs,
                        nf, k ? "final" : "aulc", n, cis[k]->mean, cis[k]->lo, cis[k]->hi, cis[k]->seed_sd, r->n_runs);
                csv_target(r, m, f);
            }
            fprintf(f, "%s,%s,%s,%d,%d,labels_to_target_%s,", r->task, r->label, r->strategy, r->n_runs, nf, n);
            if (r->reached[m]) fprintf(f, "%.6f", r->labels_mean[m]);
            fprintf(f, ",,,,%d,", r->reached[m]);
            csv_target(r, m, f);
            if (!r->n_paired[m]) continue;
            fprintf(f, "%s,%s,%s,%d,%d,aulc_minus_random_%s,%.6f,%.6f,%.6f,%.6f,%d,", r->task, r->label, r->strategy,
                    r->n_runs, nf, n, r->diff[m].mean, r->diff[m].lo, r->diff[m].hi, r->diff[m].seed_sd,
                    r->n_paired[m]);
            csv_target(r, m, f);
        }
    }
}
