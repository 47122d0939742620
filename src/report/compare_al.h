// compare_al.h — the tables of active-learning results (scaffold active-learn,
// active/al_run.h, kind "active-learning"): per task, one row per strategy
// label, over seeds.
//
// A row gathers the runs of one (task, label). The label is the run's folder
// when the file sits in OUT/runs/<task>/<label>/seed<S>/ (what `scaffold run`
// writes for a `kind: active-learning` manifest), else the strategy. The runs
// of a row must share the strategy; one seed twice in a row is an error.
//
// Regression tasks. A regression run's file holds, in each round, test_pearson
// (a Pearson r in [-1, 1]) and test_rmse (>= 0) instead of test_accuracy, and
// aulc.test_pearson instead of aulc.test_accuracy; a file with test_pearson (in
// its aulc or first round) is one, any other a classification file as before.
// Measure 0 (SC_CMPA_ACC) of such a run is its test Pearson r (`pearson` set in
// the run and the row): read in [-1, 1] (accuracy stays [0, 1]); test_rmse is
// not summarised, and may be absent, but a value present must be a number >= 0.
// The runs of a row must all be classification or all regression (else an
// error naming the file), and so must the rows of a task (an error of
// sc_cmp_compute naming the task): a row's and a task's numbers are compared
// with each other, and an accuracy with an r cannot be.
//
// Per measure (test accuracy or test Pearson r; test simulatability when every
// run of the task recorded it, i.e. had a teacher):
//   - AULC (al_run.h): mean over seeds, 95% percentile bootstrap interval over
//     seeds (resamples of the seeds with replacement), seed SD;
//   - final: the last round's value, the same way;
//   - labels to target: per run, the first labelled count whose value reaches
//     the target; the target is `target` when set (sc_cmp_al_set_target, e.g.
//     `scaffold compare --target 0.9`; whatever the measure, an r too), else
//     95% of the best mean final value among the task's rows when that best is
//     > 0, else none (a negative r has no sensible 95%): the cell reads "no
//     target: the best mean final is not positive", the CSV's value and target
//     are empty. The cell is the mean over the seeds that reached it, with
//     "k/n reached"; no seed reaching it: "not reached";
//   - the paired difference against the row labelled `random` of the same
//     task: per seed present in both, AULC(row) - AULC(random); the mean and a
//     bootstrap interval over those seeds. No such row: "no random row".
//
// Printing. Accuracy and simulatability in percent with one decimal, headers
// "(%)". A Pearson r as it is, with 3 decimals: titles "test Pearson r", cells
// like `0.412 [0.380, 0.440] SD 0.021`, differences `+0.012 [+0.001, +0.020]`,
// headers without "(%)", the target "r = 0.391". The CSV holds raw values; its
// measure names are sc_cmpa_measure_name's (test_accuracy, test_pearson,
// test_simulatability) after aulc_, final_, labels_to_target_ or
// aulc_minus_random_.
//
// These rows live in the same sc_cmp as the student cells (report/compare.h),
// like the xbl rows (compare_xbl.h): sc_cmp_add_file routes the kind here,
// sc_cmp_compute and the printers include them. The CSV of a folder holding
// other kinds too is refused by `scaffold compare --csv`.
#ifndef SC_REPORT_COMPARE_AL_H
#define SC_REPORT_COMPARE_AL_H

#include <stdio.h>

#include "report/compare.h"

// SC_CMPA_ACC: test accuracy, or test Pearson r in a regression row; test simulatability.
enum { SC_CMPA_ACC, SC_CMPA_SIM, SC_CMPA_N };

// test_accuracy, test_simulatability: the classification names (see sc_cmpa_measure_name).
extern const char *const sc_cmpa_measure_names[SC_CMPA_N];

typedef struct sc_cmpa_run {
    uint64_t seed;
    int pearson;                // a regression run: v[SC_CMPA_ACC] and aulc[SC_CMPA_ACC] are test Pearson r
    int n_points;
    size_t *labelled;           // (n_points) malloc'd
    double *v[SC_CMPA_N];       // (n_points) malloc'd; v[SC_CMPA_SIM] NULL without a teacher
    double aulc[SC_CMPA_N];     // NaN when not recorded
} sc_cmpa_run;

typedef struct sc_cmpa_row {
    char task[64], label[64], strategy[48];
    int pearson;  // the runs are regression ones (measure SC_CMPA_ACC is test Pearson r); set with the first run
    int n_runs;
    sc_cmpa_run runs[SC_CMP_MAX_RUNS];
    // Filled by sc_cmp_compute, per measure (NaN means where the row has none):
    int has[SC_CMPA_N];             // every run recorded the measure
    sc_boot_ci aulc[SC_CMPA_N], final[SC_CMPA_N];
    double target[SC_CMPA_N];       // the task's target (see above; NaN: none)
    double labels_mean[SC_CMPA_N];  // mean labels to target over the seeds that reached it (NaN: none)
    int reached[SC_CMPA_N];
    int n_paired[SC_CMPA_N];        // seeds paired with the random row (0: none, or no random row)
    sc_boot_ci diff[SC_CMPA_N];     // AULC(row) - AULC(random), over the paired seeds
} sc_cmpa_row;

typedef struct sc_cmpa {
    sc_cmpa_row *rows;
    int n_rows, cap;
    int n_files;
    sc_cmp_failed *failed;  // n is 0
    int n_failed, cap_failed;
    int resamples;          // of the intervals (for captions)
    double target;          // > 0: the given target; else the 95%-of-best rule
} sc_cmpa;

const sc_cmpa *sc_cmp_al(const sc_cmp *c);
int sc_cmp_al_files(const sc_cmp *c);
// A fixed target in (0, 1] for every task and measure, an accuracy or an r (before
// sc_cmp_compute). 0 or -1 with err.
int sc_cmp_al_set_target(sc_cmp *c, double target, sc_err *err);
int sc_cmp_add_failed_al(sc_cmp *c, const char *task, const char *label, uint64_t seed, const char *reason,
                         sc_err *err);
int sc_cmpa_n_failed(const sc_cmpa *x, const char *task, const char *label);
// Measure m of row r in the CSV ("test_accuracy", "test_pearson", "test_simulatability")
// and in titles ("test accuracy", "test Pearson r", "test simulatability").
const char *sc_cmpa_measure_name(const sc_cmpa_row *r, int m);
const char *sc_cmpa_title(const sc_cmpa_row *r, int m);
// The row of (task, label), or NULL.
const sc_cmpa_row *sc_cmpa_find(const sc_cmpa *x, const char *task, const char *label);

// Used by compare.c (the routing above), not called elsewhere.
struct sc_result_doc;
int sc_cmpa_add_doc(sc_cmp *c, const struct sc_result_doc *d, int *added, sc_err *err);
int sc_cmpa_compute(sc_cmp *c, const sc_boot_cfg *cfg, sc_err *err);
void sc_cmpa_free(sc_cmp *c);
void sc_cmpa_print_markdown(const sc_cmp *c, FILE *f);
void sc_cmpa_print_csv(const sc_cmp *c, FILE *f);

#endif
