#include "report/html.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sc_html_init(sc_html *h) { memset(h, 0, sizeof *h); }

void sc_html_free(sc_html *h) {
    free(h->p);
    memset(h, 0, sizeof *h);
}

static int reserve(sc_html *h, size_t extra) {
    if (h->oom) return -1;
    if (h->n + extra + 1 <= h->cap) return 0;
    size_t cap = h->cap ? h->cap : 4096;
    while (cap < h->n + extra + 1) cap *= 2;
    char *p = realloc(h->p, cap);
    if (!p) {
        h->oom = 1;
        return -1;
    }
    h->p = p;
    h->cap = cap;
    return 0;
}

void sc_html_put(sc_html *h, const char *s, size_t n) {
    if (reserve(h, n)) return;
    memcpy(h->p + h->n, s, n);
    h->n += n;
    h->p[h->n] = 0;
}

void sc_html_printf(sc_html *h, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (k < 0 || reserve(h, (size_t)k)) return;
    va_start(ap, fmt);
    vsnprintf(h->p + h->n, (size_t)k + 1, fmt, ap);
    va_end(ap);
    h->n += (size_t)k;
}

void sc_html_escape(sc_html *h, const char *s) {
    for (; *s; s++) {
        switch (*s) {
        case '&': sc_html_put(h, "&amp;", 5); break;
        case '<': sc_html_put(h, "&lt;", 4); break;
        case '>': sc_html_put(h, "&gt;", 4); break;
        case '"': sc_html_put(h, "&quot;", 6); break;
        case '\'': sc_html_put(h, "&#39;", 5); break;
        default: sc_html_put(h, s, 1);
        }
    }
}

void sc_html_base64(sc_html *h, const void *data, size_t n) {
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const uint8_t *d = data;
    if (reserve(h, (n + 2) / 3 * 4)) return;
    char *o = h->p + h->n;
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)d[i] << 16 | (uint32_t)d[i + 1] << 8 | d[i + 2];
        *o++ = tab[v >> 18];
        *o++ = tab[(v >> 12) & 63];
        *o++ = tab[(v >> 6) & 63];
        *o++ = tab[v & 63];
    }
    if (i < n) {
        uint32_t v = (uint32_t)d[i] << 16 | (i + 1 < n ? (uint32_t)d[i + 1] << 8 : 0);
        *o++ = tab[v >> 18];
        *o++ = tab[(v >> 12) & 63];
        *o++ = i + 1 < n ? tab[(v >> 6) & 63] : '=';
        *o++ = '=';
    }
    h->n = (size_t)(o - h->p);
    h->p[h->n] = 0;
}
