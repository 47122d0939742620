#include "report/compare.h"

#include <dirent.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "io/result_read.h"
#include "report/compare_al.h"
#include "report/compare_xbl.h"

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
#define K_SIM "test.simulatability"
#define K_FROM_CKPT "explainer_ckpt"             // optional: "" or the learned explainer used frozen
#define K_CHANCE "test.chance"                   // optional (classification): a constant student's agreement
#define K_BEST_VALID "train.best_valid"          // optional in older results
#define K_STOPPED "train.stopped_by"             // optional: patience | epochs | max_steps
#define K_BEST_EPOCH "train.best_epoch"
#define K_EPOCHS_RUN "train.epochs_run"

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
    sc_cmpx_free(c);
    sc_cmpa_free(c);
    memset(c, 0, sizeof *c);
}

void *sc_cmp_room_for_one(void *arr, int n, int *cap, size_t size, sc_err *err) {
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

int sc_cmp_failed_push(sc_cmp_failed **arr, int *n, int *cap, const char *task, const char *label, long size,
                       uint64_t seed, const char *reason, sc_err *err) {
    sc_cmp_failed *grown = sc_cmp_room_for_one(*arr, *n, cap, sizeof *grown, err);
    if (!grown) return -1;
    *arr = grown;
    sc_cmp_failed *f = &grown[(*n)++];
    memset(f, 0, sizeof *f);
    snprintf(f->task, sizeof f->task, "%s", task);
    snprintf(f->label, sizeof f->label, "%s", label);
    f->n = size;
    f->seed = seed;
    size_t k = 0;  // one line, no '|': it is a Markdown row
    for (const char *p = reason ? reason : ""; *p && *p != '\n' && k + 1 < sizeof f->reason; p++)
        f->reason[k++] = *p == '|' ? '/' : (unsigned char)*p < 0x20 ? ' ' : *p;
    if (!k) snprintf(f->reason, sizeof f->reason, "unknown (see its log.txt)");
    return 0;
}

int sc_cmp_label_from_dir(const char *path, char *out, size_t cap) {
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", path);
    char *slash = strrchr(buf, '/'), *seed_dir = NULL, *label = NULL;
    if (slash) *slash = '\0', seed_dir = strrchr(buf, '/');
    unsigned long long s;
    char tail;
    if (seed_dir && sscanf(seed_dir + 1, "seed%llu%c", &s, &tail) == 1) {
        *seed_dir = '\0';
        label = strrchr(buf, '/');
        label = label ? label + 1 : buf;
    }
    snprintf(out, cap, "%s", label ? label : "");
    for (char *p = out; *p; p++)
        if (*p == '|' || *p == ',' || (unsigned char)*p < 0x20) *p = '_';
    return out[0] != '\0';
}

int sc_cmp_add_failed(sc_cmp *c, const char *task, const char *label, long n, uint64_t seed, const char *reason,
                      sc_err *err) {
    return sc_cmp_failed_push(&c->failed, &c->n_failed, &c->cap_failed, task, label, n, seed, reason, err);
}

static sc_cmp_cell *find_cell(sc_cmp *c, const char *task, const char *label, long n, sc_err *err) {
    for (int i = 0; i < c->n_cells; i++)
        if (!strcmp(c->cells[i].task, task) && !strcmp(c->cells[i].label, label) && c->cells[i].n == n)
            return &c->cells[i];
    sc_cmp_cell *grown = sc_cmp_room_for_one(c->cells, c->n_cells, &c->cap, sizeof *grown, err);
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

// Run r's validation score, test score, chance level and convergence marks
// (keys absent from older results leave them unknown, never guessed).
static int read_training(const sc_result_doc *d, sc_cmp_cell *cell, int r, int regression, sc_err *err) {
    double lo = regression ? -1 : 0;
    cell->valid[r] = 0, cell->flags[r] = 0, cell->chance[r] = -1, cell->test_sim[r] = 0;
    if (!sc_result_get(d, K_BEST_VALID)) cell->has_valid = 0;
    else if (sc_result_real(d, K_BEST_VALID, lo, 1, &cell->valid[r], err)) return -1;
    if (sc_result_get(d, K_SIM) && sc_result_real(d, K_SIM, lo, 1, &cell->test_sim[r], err)) return -1;
    if (!regression && sc_result_get(d, K_CHANCE)) {
        if (sc_result_real(d, K_CHANCE, 0, 1, &cell->chance[r], err)) return -1;
        if (cell->test_sim[r] <= cell->chance[r] + 0.02) cell->flags[r] |= SC_CMP_AT_CHANCE;
    }
    if (sc_result_get(d, K_STOPPED)) {
        char how[32];
        int64_t best, run;
        if (sc_result_str(d, K_STOPPED, how, sizeof how, err) ||
            sc_result_int(d, K_BEST_EPOCH, 0, SC_RESULT_MAX_N, &best, err) ||
            sc_result_int(d, K_EPOCHS_RUN, 0, SC_RESULT_MAX_N, &run, err))
            return -1;
        if (!strcmp(how, "epochs") && best == run) cell->flags[r] |= SC_CMP_CAPPED_IMPROVING;
    }
    return 0;
}

int sc_cmp_add_doc(sc_cmp *c, sc_result_doc *doc, int *added, sc_err *err) {
    *added = 0;
    sc_result_doc d = *doc;  // moved here: freed at the end
    d.root = &d.up.data;
    const char *path = d.path;
    char kind[32] = "", task[64], expl[64];  // zero-filled: an inlined strcmp may read the whole array
    int64_t n;
    uint64_t seed;
    double learn = 0;
    int rc = -1;
    float *a = NULL, *b = NULL, *gold = NULL;
    size_t na = 0, nb = 0, ng = 0;
    if (sc_result_str(&d, K_KIND, kind, sizeof kind, err)) goto done;
    if (!strcmp(kind, "xbl")) {
        rc = sc_cmpx_add_doc(c, &d, added, err);
        goto done;
    }
    if (!strcmp(kind, "active-learning")) {
        rc = sc_cmpa_add_doc(c, &d, added, err);
        goto done;
    }
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
    if (!cell->n_runs) {
        snprintf(cell->explainer, sizeof cell->explainer, "%s", expl);
        // An explainer SMaT learned counts as learned when used frozen too: it
        // is the method's output, not a static baseline to select among.
        const msgpack_object *from = sc_result_get(&d, K_FROM_CKPT);
        cell->transfer = from && from->type == MSGPACK_OBJECT_STR && from->via.str.size > 0;
        cell->learned = learn != 0 || cell->transfer;
        cell->has_valid = 1;
    }
    int r = cell->n_runs;
    if (read_training(&d, cell, r, regression, err)) goto done;
    cell->n_runs++;
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
    // "none" first, "smat" last, the rest alphabetical: the table reads from baseline to method
    // (smat-transfer and other smat-* rows follow smat.)
    int ra = !strcmp(a->label, "none") ? 0 : !strncmp(a->label, "smat", 4) ? 2 : 1;
    int rb = !strcmp(b->label, "none") ? 0 : !strncmp(b->label, "smat", 4) ? 2 : 1;
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
    // qsort's pointer must be valid even for 0 items: no cells when every run failed.
    if (c->n_cells) qsort(c->cells, (size_t)c->n_cells, sizeof *c->cells, cell_order);
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
    return sc_cmpx_compute(c, cfg, err) || sc_cmpa_compute(c, cfg, err) ? -1 : 0;
}

