// report.h — `scaffold report DIR`: one self-contained HTML page for an
// experiment's results (the output of `scaffold run`, or any tree of
// train-student / train-teacher result files).
//
// Per task: the teacher's test metric, the explainer × N table of test
// simulatability (mean over seeds, 95% bootstrap interval; report/compare.h)
// with gold accuracy, a bar chart of simulatability with the intervals, the
// validation simulatability per epoch averaged over seeds for each explainer,
// and for meta-learned explainers the meta (outer) loss per epoch and the
// teacher head coefficients before and after. Charts are inline SVG drawn by
// gnuplot (report/plot.h).
#ifndef SC_REPORT_REPORT_H
#define SC_REPORT_REPORT_H

#include <stddef.h>

#include "core/err.h"

// Writes the page to out_path (atomically). figdir: also save every chart
// (.svg) and saliency map (.png) there as a file of its own (report/figures.h),
// or NULL. 0, or -1 with err.
int sc_report_write(const char *dir, const char *out_path, const char *figdir, sc_err *err);
// Reads one result file's bytes the way the page's run collection does (kind,
// task, n, seed, curves, head coefficients): 0 if it would be taken, or -1 with
// err. For fuzzing and tests; `name` stands for the file in messages.
int sc_report_read_result(const char *name, const void *buf, size_t n, sc_err *err);

// The page of a pretraining run (the folder `scaffold pretrain` wrote): its
// model, objective, corpus and loss curves. `scaffold report` picks it when
// sc_report_is_pretrain(dir) (DIR/metrics.msgpack of kind "pretrain").
int sc_report_pretrain_write(const char *dir, const char *out_path, const char *figdir, sc_err *err);
int sc_report_is_pretrain(const char *dir);

#endif
