#include "data/csv.h"

#include <stdlib.h>
#include <string.h>

#include "data/grow.h"

void sc_csv_init(sc_csv *c, const char *name, const char *data, size_t len, char sep) {
    memset(c, 0, sizeof *c);
    c->name = name;
    c->p = data;
    c->end = data + len;
    c->sep = sep;
    c->quote = '"';
    c->line = 1;
}

void sc_csv_free(sc_csv *c) {
    free(c->buf);
    free(c->fields);
    free(c->starts);
    c->buf = NULL;
    c->fields = NULL;
    c->starts = NULL;
    c->buf_cap = c->f_cap = c->starts_cap = 0;
}

long sc_count_lines(const char *data, size_t len) {
    long n = 0;
    for (const char *p = data, *end = data + len; p < end; n++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        p = nl ? nl + 1 : end;
    }
    return n;
}

static int put(sc_csv *c, size_t *n, char ch) {
    if (sc_grow((void **)&c->buf, &c->buf_cap, sc_grow_need(*n, 1), 1, 4096)) return -1;
    c->buf[(*n)++] = ch;
    return 0;
}

static int is_sep(const sc_csv *c, char ch) { return ch == c->sep || (c->sep == ' ' && ch == '\t'); }

// Skips empty lines between records (counting them); 0 at the end of the data.
static int skip_blank(sc_csv *c) {
    int partial = 0;  // a '\r' after the last '\n': a blank last line without a line break
    while (c->p < c->end && (*c->p == '\n' || *c->p == '\r')) {
        if (*c->p == '\n') {
            c->line++;
            c->blank++;
            partial = 0;
        } else {
            partial = 1;
        }
        c->p++;
    }
    if (c->p < c->end) return 1;
    c->blank += partial;
    return 0;
}

// A quoted field at c->p (on the opening quote), unescaped into buf.
static int quoted_field(sc_csv *c, size_t *n, sc_err *err) {
    long qline = c->line;
    c->p++;
    for (;;) {
        if (c->p >= c->end)
            return sc_errf(err, "%s line %ld: unterminated quoted field (it opens here and runs to the end of the "
                           "file; if '\"' is ordinary text in this file, set read.quote: none)", c->name, qline);
        char ch = *c->p++;
        if (ch == c->quote) {
            if (c->p < c->end && *c->p == c->quote) c->p++;
            else break;
        }
        if (ch == '\n') c->line++;
        if (put(c, n, ch)) return sc_errf(err, "out of memory");
    }
    if (c->line > qline) {
        if (!c->multiline)
            return sc_errf(err, "%s line %ld: a quoted field opens here and closes on line %ld; line breaks inside "
                           "quotes need read.multiline: true (if '\"' is ordinary text in this file, set "
                           "read.quote: none)", c->name, qline, c->line);
        c->quote_line = qline;
    }
    if (c->p < c->end && *c->p == '\r') c->p++;
    if (c->p < c->end && *c->p != '\n' && !is_sep(c, *c->p)) {
        if (c->line > qline)
            return sc_errf(err, "%s line %ld: unexpected text after a closing quote (the quoted field opened on line "
                           "%ld)", c->name, c->line, qline);
        return sc_errf(err, "%s line %ld: unexpected text after a closing quote (if '\"' is ordinary text in this "
                       "file, set read.quote: none)", c->name, c->line);
    }
    return 0;
}

// An unquoted field: up to the separator or the line break (a CR before it dropped).
static int plain_field(sc_csv *c, size_t *n, sc_err *err) {
    while (c->p < c->end && *c->p != '\n' && !is_sep(c, *c->p)) {
        if (!(*c->p == '\r' && (c->p + 1 == c->end || c->p[1] == '\n')) && put(c, n, *c->p))
            return sc_errf(err, "out of memory");
        c->p++;
    }
    return 0;
}

int sc_csv_next(sc_csv *c, sc_err *err) {
    if (!skip_blank(c)) return 0;
    c->rec_line = c->line;
    c->quote_line = 0;
    size_t n = 0, nstarts = 0;
    int done = 0;
    if (c->sep == ' ')
        while (c->p < c->end && (*c->p == ' ' || *c->p == '\t')) c->p++;
    while (!done) {
        if (sc_grow((void **)&c->starts, &c->starts_cap, nstarts + 1, sizeof *c->starts, 64))
            return sc_errf(err, "out of memory");
        c->starts[nstarts++] = n;
        int q = c->quote && c->p < c->end && *c->p == c->quote;
        if (q ? quoted_field(c, &n, err) : plain_field(c, &n, err)) return -1;
        if (put(c, &n, '\0')) return sc_errf(err, "out of memory");
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
    c->rec_lines = c->line - c->rec_line + 1;
    if (c->p < c->end && *c->p == '\n') { c->p++; c->line++; }
    if (sc_grow((void **)&c->fields, &c->f_cap, nstarts, sizeof *c->fields, 16)) return sc_errf(err, "out of memory");
    for (size_t i = 0; i < nstarts; i++) c->fields[i] = c->buf + c->starts[i];
    c->nf = nstarts;
    c->records++;
    if (c->rec_lines > 1) {
        c->continuation += c->rec_lines - 1;
        if (!c->multiline_records++) c->first_multiline = c->rec_line;
    }
    return 1;
}
