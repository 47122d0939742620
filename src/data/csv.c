#include "data/csv.h"

#include <stdlib.h>
#include <string.h>

void sc_csv_init(sc_csv *c, const char *name, const char *data, size_t len, char sep) {
    memset(c, 0, sizeof *c);
    c->name = name;
    c->p = data;
    c->end = data + len;
    c->sep = sep;
    c->line = 1;
}

void sc_csv_free(sc_csv *c) {
    free(c->buf);
    free(c->fields);
    c->buf = NULL;
    c->fields = NULL;
}

static int put(sc_csv *c, size_t *n, char ch) {
    if (*n + 1 >= c->buf_cap) {
        size_t cap = c->buf_cap ? 2 * c->buf_cap : 4096;
        char *b = realloc(c->buf, cap);
        if (!b) return -1;
        c->buf = b;
        c->buf_cap = cap;
    }
    c->buf[(*n)++] = ch;
    return 0;
}

int sc_csv_next(sc_csv *c, sc_err *err) {
    // Skip blank lines between records.
    while (c->p < c->end && (*c->p == '\n' || *c->p == '\r')) {
        if (*c->p == '\n') c->line++;
        c->p++;
    }
    if (c->p >= c->end) return 0;
    c->rec_line = c->line;
    size_t n = 0;
    size_t starts_cap = 64, nstarts = 0;
    size_t *starts = malloc(starts_cap * sizeof *starts);
    if (!starts) return sc_errf(err, "out of memory");
    int done = 0;
    if (c->sep == ' ')
        while (c->p < c->end && (*c->p == ' ' || *c->p == '\t')) c->p++;
    while (!done) {
        if (nstarts == starts_cap) {
            size_t *s = realloc(starts, 2 * starts_cap * sizeof *s);
            if (!s) { free(starts); return sc_errf(err, "out of memory"); }
            starts = s;
            starts_cap *= 2;
        }
        starts[nstarts++] = n;
        if (c->p < c->end && *c->p == '"') {
            long qline = c->line;
            c->p++;
            for (;;) {
                if (c->p >= c->end) {
                    free(starts);
                    return sc_errf(err, "%s line %ld: unterminated quoted field", c->name, qline);
                }
                char ch = *c->p++;
                if (ch == '"') {
                    if (c->p < c->end && *c->p == '"') { c->p++; ch = '"'; }
                    else break;
                }
                if (ch == '\n') c->line++;
                if (put(c, &n, ch)) { free(starts); return sc_errf(err, "out of memory"); }
            }
            if (c->p < c->end && *c->p == '\r') c->p++;
            if (c->p < c->end && *c->p != c->sep && *c->p != '\n' && !(c->sep == ' ' && *c->p == '\t')) {
                free(starts);
                return sc_errf(err, "%s line %ld: unexpected text after a closing quote", c->name, c->line);
            }
        } else {
            while (c->p < c->end && *c->p != '\n' && *c->p != c->sep && !(c->sep == ' ' && *c->p == '\t')) {
                if (!(*c->p == '\r' && (c->p + 1 == c->end || c->p[1] == '\n')) && put(c, &n, *c->p)) {
                    free(starts);
                    return sc_errf(err, "out of memory");
                }
                c->p++;
            }
        }
        if (put(c, &n, '\0')) { free(starts); return sc_errf(err, "out of memory"); }
        if (c->p >= c->end || *c->p == '\n') {
            done = 1;
        } else {  // a separator (for ' ': a run of blanks, possibly ending the line)
            c->p++;
            if (c->sep == ' ') {
                while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\r')) c->p++;
                if (c->p >= c->end || *c->p == '\n') done = 1;
            }
        }
    }
    if (c->p < c->end && *c->p == '\n') { c->p++; c->line++; }
    if (nstarts > c->f_cap) {
        char **f = realloc(c->fields, nstarts * sizeof *f);
        if (!f) { free(starts); return sc_errf(err, "out of memory"); }
        c->fields = f;
        c->f_cap = nstarts;
    }
    for (size_t i = 0; i < nstarts; i++) c->fields[i] = c->buf + starts[i];
    c->nf = nstarts;
    free(starts);
    return 1;
}
