// compare_xbl.h — the table of explanation-based learning results (scaffold
// train-xbl, io/results.h kind "xbl"): per task, one row per run label, each
// measure as the mean over seeds with a 95% interval and the seed SD.
//
// A row gathers the xbl runs of one (task, label). The label is the run's
// folder when the file sits in OUT/runs/<task>/<label>/seed<S>/ (what
// `scaffold run` writes for a `kind: xbl` manifest), else the method, with
// "-l<lambda>" for the penalty methods (rrr, distance). The runs of a row must
// share method and lambda; one seed twice in a row is an error.
//
// Measures (io/results.h): test.accuracy (the decoy randomised: the swap
// test), test.clean_accuracy (decoy erased), valid.decoyed_accuracy,
// test.decoy_reliance, test.distance_score. xbl result files hold per-run
// values only, no per-example data: the interval is the percentile bootstrap
// of the mean over SEEDS (resamples of all the seeds with replacement), which
// the tables' captions say.
//
// A method with two or more lambda values (a sweep) gets a row "<method>
// (lambda selected on validation)": the row of that method with the best mean
// valid.clean_accuracy (teacher-valid with the decoy erased; ties: the smaller
// lambda). Never test. When a candidate's run lacks valid.clean_accuracy
// (results written before it was recorded), nothing is selected and the table
// says why.
//
// These rows live in the same sc_cmp as the student cells (report/compare.h):
// sc_cmp_add_file routes a kind "xbl" file here, sc_cmp_compute and the
// printers include them, so `scaffold compare` and `scaffold run` need no
// other call. The CSV of a folder holding both kinds cannot be one table:
// sc_cmp_print_csv then writes the student rows, and `scaffold compare --csv`
// refuses such a folder.
#ifndef SC_REPORT_COMPARE_XBL_H
#define SC_REPORT_COMPARE_XBL_H

#include <stdio.h>

#include "report/compare.h"

// SC_CMPX_SWAP_ACC (test.swap_accuracy) is absent from results written before it
// was recorded: such a run's value is NaN, and a row with one prints "–" there.
enum {
    SC_CMPX_TEST_ACC, SC_CMPX_CLEAN_ACC, SC_CMPX_SWAP_ACC, SC_CMPX_DECOYED_VALID, SC_CMPX_RELIANCE, SC_CMPX_DISTANCE,
    SC_CMPX_N
};

extern const char *const sc_cmpx_metric_names[SC_CMPX_N];   // CSV names: test_accuracy, ...
extern const char *const sc_cmpx_metric_titles[SC_CMPX_N];  // table headings

typedef struct sc_cmpx_run {
    uint64_t seed;
    double v[SC_CMPX_N];
    double valid_clean;  // valid.clean_accuracy, when has_valid_clean
    int has_valid_clean;
    char dir[1024];      // the folder of its metrics.msgpack (saliency.msgpack, concepts.msgpack sit beside it)
} sc_cmpx_run;

typedef struct sc_cmpx_row {
    char task[64], label[64], method[32];
    double lambda;
    int n_runs;
    sc_cmpx_run runs[SC_CMP_MAX_RUNS];
    sc_boot_ci ci[SC_CMPX_N];  // filled by sc_cmp_compute (mean, interval, seed SD)
} sc_cmpx_row;

typedef struct sc_cmpx {
    sc_cmpx_row *rows;
    int n_rows, cap;
    int n_files;
    sc_cmp_failed *failed;  // n is 0
    int n_failed, cap_failed;
    int resamples;          // of the intervals (for captions)
} sc_cmpx;

// The xbl part of c (NULL when no xbl file or failure was added).
const sc_cmpx *sc_cmp_xbl(const sc_cmp *c);
// Number of xbl result files read into c.
int sc_cmp_xbl_files(const sc_cmp *c);
// An xbl run that failed (scaffold run knows it and its reason).
int sc_cmp_add_failed_xbl(sc_cmp *c, const char *task, const char *label, uint64_t seed, const char *reason,
                          sc_err *err);
// The row selected on validation among the rows of (task, method), or NULL:
// *why then says why ("" when the method has no sweep).
const sc_cmpx_row *sc_cmpx_selected(const sc_cmpx *x, const char *task, const char *method, char *why, size_t cap);
// Failed runs of (task, label).
int sc_cmpx_n_failed(const sc_cmpx *x, const char *task, const char *label);

// Used by compare.c (the routing above), not called elsewhere.
struct sc_result_doc;
int sc_cmpx_add_doc(sc_cmp *c, const struct sc_result_doc *d, int *added, sc_err *err);
int sc_cmpx_compute(sc_cmp *c, const sc_boot_cfg *cfg, sc_err *err);
void sc_cmpx_free(sc_cmp *c);
void sc_cmpx_print_markdown(const sc_cmp *c, FILE *f);
void sc_cmpx_print_csv(const sc_cmp *c, FILE *f);

#endif
