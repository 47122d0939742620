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

#include "core/err.h"

// Writes the page to out_path (atomically). 0, or -1 with err.
int sc_report_write(const char *dir, const char *out_path, sc_err *err);

#endif
