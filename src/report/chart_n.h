// chart_n.h — the learning-curve chart of a report: simulatability (mean over
// seeds, 95% CI as error bars) against N, the number of teacher-labelled
// examples a student trains on, one line per explainer row, plus the tuned
// static baseline (at each N the static row best on student-valid; dashed).
// Does the gap between explanation and no explanation close as N grows? This
// is the chart that answers it.
#ifndef SC_REPORT_CHART_N_H
#define SC_REPORT_CHART_N_H

#include "report/compare.h"
#include "report/html.h"

// Cells [i0, i1) of c are one task's (sc_cmp_compute sorts them so). Appends
// the chart to page when the task has at least two Ns (else nothing, 0).
int sc_report_chart_vs_n(sc_html *page, const sc_cmp *c, int i0, int i1, sc_err *err);

#endif
