// html.h — a growable text buffer for self-contained HTML reports: formatted
// appends, HTML escaping, base64 (for data: URIs). An allocation failure is
// sticky (oom) and checked once at the end.
#ifndef SC_REPORT_HTML_H
#define SC_REPORT_HTML_H

#include <stddef.h>

struct sc_figs;

typedef struct sc_html {
    char *p;
    size_t n, cap;
    int oom;
    struct sc_figs *figs;  // also save the page's charts and maps as files (report/figures.h), or NULL
} sc_html;

void sc_html_init(sc_html *h);
void sc_html_free(sc_html *h);
void sc_html_put(sc_html *h, const char *s, size_t n);
void sc_html_printf(sc_html *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
// s with & < > " ' replaced by entities.
void sc_html_escape(sc_html *h, const char *s);
// Standard base64 (RFC 4648, '=' padding) of data.
void sc_html_base64(sc_html *h, const void *data, size_t n);

#endif
