// report_al.h — the active-learning part of `scaffold report` (report.h): per
// task, the learning curves (test accuracy, and test simulatability when the
// runs had a teacher, against the labelled count: the mean over seeds with a
// 95% band, the percentile bootstrap over seeds at each round) and the AULC
// table of compare_al.h. report.c calls it after the student and xbl parts.
#ifndef SC_REPORT_REPORT_AL_H
#define SC_REPORT_REPORT_AL_H

#include "report/compare.h"
#include "report/html.h"

// The section of an already computed c (sc_cmp_compute).
int sc_report_al_section(sc_html *h, const sc_cmp *c, sc_err *err);

#endif
