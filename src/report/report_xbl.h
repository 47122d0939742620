// report_xbl.h — the explanation-based learning part of `scaffold report`
// (report_xbl.c: the table of compare_xbl.h, a chart of clean accuracy and
// decoy reliance, saliency maps before/after, concept maps). report.c calls
// this: after the student tables, or on a page of its own for a folder
// without student results.
#ifndef SC_REPORT_REPORT_XBL_H
#define SC_REPORT_REPORT_XBL_H

#include "report/compare.h"
#include "report/html.h"

// The xbl sections of c (computed) appended to h. 0, or -1 with err (a chart gnuplot could not draw).
int sc_report_xbl_section(sc_html *h, const sc_cmp *c, sc_err *err);

#endif
