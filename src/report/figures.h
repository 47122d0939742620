// figures.h — a report's charts and maps also as files of their own
// (`scaffold report DIR --figures FIGDIR`), for a README or a paper: every
// gnuplot chart as FIGDIR/<name>.svg (the same SVG the page inlines, with its
// namespace, so it stands alone) and every saliency map as FIGDIR/<name>.png.
//
// A page turns it on by pointing its sc_html at an sc_figs (html.h: figs);
// chart and map writers call sc_fig_save with a name built from the task and
// row label, e.g. "decoy-fashion-mnist-saliency-rrr-l10-0". Names come from
// result files, so they are untrusted: every byte outside [A-Za-z0-9._-]
// becomes '_', a leading '.' too, and a name already used on the page gets
// "-2", "-3", ... Files are written atomically; nothing outside FIGDIR.
#ifndef SC_REPORT_FIGURES_H
#define SC_REPORT_FIGURES_H

#include <stddef.h>

#include "core/err.h"
#include "report/html.h"

#define SC_FIG_NAME 120

typedef struct sc_figs {
    char dir[1024];
    char (*names)[SC_FIG_NAME + 16];  // the names written, with their extensions
    int n, cap;
} sc_figs;

// Creates dir (and its parents). 0, or -1 with err. sc_figs_free on a zeroed or
// failed sc_figs is a no-op.
int sc_figs_init(sc_figs *f, const char *dir, sc_err *err);
void sc_figs_free(sc_figs *f);

// With h->figs set, writes data as FIGDIR/<sanitised name>.<ext>; without, does
// nothing. 0, or -1 with err (the write failed).
int sc_fig_save(sc_html *h, const char *name, const char *ext, const void *data, size_t n, sc_err *err);

#endif
