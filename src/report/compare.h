// compare.h — the table researchers look at: explainer × N → simulatability
// mean with a 95% bootstrap interval over seeds (eval/bootstrap.h), one table
// per task, from the student result files under some directories.
//
// A cell gathers every student run with the same (task, explainer label, N):
// the label is the explainer's name, or "smat" for a learned teacher explainer.
// The runs of a cell must be scored on the same test points (same count);
// each contributes its per-test-example agreement with the teacher (0/1), or
// its student and teacher scores for regression (Pearson). Runs with the same
// seed twice in one cell are an error (a copied directory would otherwise
// count double).
//
// Runs that failed (no result file; `scaffold run` knows them and their
// reason) are added with sc_cmp_add_failed: the Markdown table never drops
// them silently. A cell shows "…, 1 failed", an explainer whose runs all
// failed shows FAILED, and each task's table is followed by one row per
// failed run with its reason (the first line of its error).
#ifndef SC_REPORT_COMPARE_H
#define SC_REPORT_COMPARE_H

#include <stdio.h>

#include "eval/bootstrap.h"

#define SC_CMP_MAX_RUNS 64  // per cell

// How a run's student training went (from its result file; results written
// before these keys existed get none). A table where students did not
// converge must say so: these marks are printed next to the cell and listed.
enum {
    SC_CMP_AT_CHANCE = 1 << 0,        // test simulatability within 2 points of a constant student
    SC_CMP_CAPPED_IMPROVING = 1 << 1, // the epoch cap stopped it at its best epoch: still improving
};

typedef struct sc_cmp_cell {
    char task[64], label[64];
    long n;
    int regression;
    int n_runs;
    uint64_t seeds[SC_CMP_MAX_RUNS];
    float *a[SC_CMP_MAX_RUNS], *b[SC_CMP_MAX_RUNS];  // per test point (see sc_boot_run)
    float *gold[SC_CMP_MAX_RUNS];                    // per test point: 1 if the student matches the gold label
    size_t n_points;
    sc_boot_ci sim, acc;                             // filled by sc_cmp_compute
    int has_acc;
    char explainer[64];                              // the teacher explainer's name (of the first run)
    int learned;                                     // a meta-learned teacher explainer (SMaT)
    int transfer;                                    // ... used frozen from a checkpoint (learned is set too)
    double valid[SC_CMP_MAX_RUNS];                   // each run's best validation simulatability
    int has_valid;                                   // every run recorded it
    unsigned flags[SC_CMP_MAX_RUNS];                 // SC_CMP_* per run
    double test_sim[SC_CMP_MAX_RUNS], chance[SC_CMP_MAX_RUNS];  // per run (chance < 0: unknown)
} sc_cmp_cell;

typedef struct sc_cmp_failed {
    char task[64], label[64];  // label "teacher" for a teacher run
    long n;                    // 0 for a teacher
    uint64_t seed;
    char reason[256];          // one line
} sc_cmp_failed;

typedef struct sc_cmp {
    int n_cells, cap;
    sc_cmp_cell *cells;
    int n_files;  // student results read
    int n_failed, cap_failed;
    sc_cmp_failed *failed;
    struct sc_cmpx *xbl;  // explanation-based learning results (report/compare_xbl.h), or NULL
    struct sc_cmpa *al;   // active-learning results (report/compare_al.h), or NULL
} sc_cmp;

void sc_cmp_init(sc_cmp *c);
void sc_cmp_free(sc_cmp *c);
// Reads every metrics.msgpack under dir (recursively; other kinds of results
// are skipped). 0, or -1 with err naming the file that is wrong.
int sc_cmp_add_dir(sc_cmp *c, const char *dir, sc_err *err);
// Calls fn for every metrics.msgpack under dir, recursively, in sorted path
// order (symlinked directories are not followed); stops at the first non-zero.
int sc_results_walk(const char *dir, int (*fn)(void *user, const char *path, sc_err *err), void *user, sc_err *err);
// One result file (kind "student", "xbl": report/compare_xbl.h, or "active-learning": report/compare_al.h;
// anything else is skipped: *added = 0).
int sc_cmp_add_file(sc_cmp *c, const char *path, int *added, sc_err *err);
// A run that failed (reason: its first line is kept; '|' and control
// characters are replaced so the Markdown row stays one row).
int sc_cmp_add_failed(sc_cmp *c, const char *task, const char *label, long n, uint64_t seed, const char *reason,
                      sc_err *err);
// For the readers of the other kinds (compare_xbl.c, compare_al.c), which keep
// their own rows and failed runs:
// The array with room for one more element: when n has reached *cap, realloc'd
// to twice as many (16 at first) elements of `size` bytes. NULL (err set, the
// array untouched) when out of memory.
void *sc_cmp_room_for_one(void *arr, int n, int *cap, size_t size, sc_err *err);
// Appends a failed run to (*arr, *n, *cap), its reason cleaned as sc_cmp_add_failed's.
int sc_cmp_failed_push(sc_cmp_failed **arr, int *n, int *cap, const char *task, const char *label, long size,
                       uint64_t seed, const char *reason, sc_err *err);
// The row label a result file's folder gives: the folder above seed<S> (as
// `scaffold run` lays runs out), with '|', ',' and control characters made '_'
// (it is a Markdown cell and a CSV field). 0 and out = "" when the path has no
// such folder (the caller names the row itself).
int sc_cmp_label_from_dir(const char *path, char *out, size_t cap);
// The same as sc_cmp_add_file on a loaded result (io/result_read.h), which it
// takes over and frees (sc_cmp_add_file loads the file and calls this; fuzz
// targets load from memory).
struct sc_result_doc;
int sc_cmp_add_doc(sc_cmp *c, struct sc_result_doc *doc, int *added, sc_err *err);
// Bootstrap intervals for every cell; cells are sorted (task, label, n), failed runs too.
int sc_cmp_compute(sc_cmp *c, const sc_boot_cfg *cfg, sc_err *err);
// The tuned static baseline of (task, n): among the cells of static teacher
// explainers (not learned; not `none`, whose students see no explanation, nor
// `rationale`, which shows the gold answer rather than explaining the teacher),
// the one with the highest mean VALIDATION simulatability over its seeds —
// never the test score. NULL if no cell qualifies (or one lacks validation
// scores).
const sc_cmp_cell *sc_cmp_best_static(const sc_cmp *c, const char *task, long n);
// The same selection among a pick of cells: SC_CMP_PICK_STATIC (the above) or
// SC_CMP_PICK_LEARNED (co-trained meta-learned cells, e.g. SMaT at several meta
// learning rates: its meta-hyperparameters chosen on validation too).
enum { SC_CMP_PICK_STATIC, SC_CMP_PICK_LEARNED };
const sc_cmp_cell *sc_cmp_best(const sc_cmp *c, const char *task, long n, int pick);
// How many of a cell's runs carry the mark (SC_CMP_*).
int sc_cmp_count_flag(const sc_cmp_cell *cell, unsigned flag);

// Markdown tables (one per task, with the failed runs) and CSV rows
// (task,label,n,seeds,metric,mean,lo,hi,...; finished cells only). Each cell
// shows the seed SD and its convergence marks; each task's table has a row
// "best static (validation)" (sc_cmp_best_static), a row "best smat
// (validation)" when several meta-learned cells compete, and lists the runs marked
// at chance or capped while improving.
void sc_cmp_print_markdown(const sc_cmp *c, FILE *f);
void sc_cmp_print_csv(const sc_cmp *c, FILE *f);

#endif
