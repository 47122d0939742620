// plot.h — charts for HTML reports, drawn by gnuplot as inline SVG.
//
// A chart is a gnuplot script (data inline as `$name << EOD` blocks) run by the
// `gnuplot` executable (Debian gnuplot-nox) with the svg terminal; the SVG it
// writes is appended to the page without its XML prolog, so the page stays one
// self-contained file. The script is written to a temporary file and gnuplot's
// messages are kept: a failing script is an error that quotes them.
#ifndef SC_REPORT_PLOT_H
#define SC_REPORT_PLOT_H

#include "core/err.h"
#include "report/html.h"

// Runs `script` after "set terminal svg size W,H ..." and "set output ...";
// appends the SVG to h, and when h->figs is set also saves it as <fig>.svg
// (report/figures.h; fig NULL: never). 0, or -1 with err (gnuplot missing or
// failing, the figure not written).
int sc_plot_svg(sc_html *h, const char *fig, int width, int height, const char *script, sc_err *err);
// Appends s as a gnuplot string literal (quotes, backslashes and control
// characters dropped: labels come from result files).
void sc_plot_label(sc_html *h, const char *s);

#endif
