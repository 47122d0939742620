// Reading a file-based corpus source from the cache: lines, csv/tsv, and the
// dictionary formats of corpus_dict.c. Every text goes to `emit` with its file
// and line; declared-encoding bytes are converted to UTF-8 here.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/corpus_parse.h"
#include "data/csv.h"
#include "data/rawfile.h"
#include "text/utf8.h"

typedef struct rd {
    const sc_corpus_src *c;
    sc_corpus_emit emit;
    void *ctx;
    char *scratch;  // Latin-1 -> UTF-8
    size_t scratch_cap;
} rd;

// Trims blanks, converts the declared encoding, emits; empty texts are skipped.
static int put(rd *r, const char *s, size_t n, const char *file, long line, sc_err *err) {
    while (n && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')) { s++; n--; }
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n')) n--;
    if (!n) return 0;
    const char *u = s;
    size_t ulen = n, bad = 0;
    if (r->c->encoding == SC_ENC_LATIN1 &&
        sc_text_to_utf8(s, n, 1, &r->scratch, &r->scratch_cap, &u, &ulen, &bad))
        return sc_errf(err, "%s line %ld: cannot convert the text", file, line);
    return r->emit(r->ctx, u, ulen, file, line, err);
}

// The dictionary readers' sink: their texts in the declared encoding, through put.
static int put_cb(void *ctx, const char *s, size_t n, const char *file, long line, sc_err *err) {
    return put(ctx, s, n, file, line, err);
}

static int read_lines(rd *r, const char *name, const char *buf, size_t len, sc_err *err) {
    long line = 0;
    for (const char *p = buf, *end = buf + len; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        if (put(r, p, (size_t)(le - p), name, ++line, err)) return -1;
        p = nl ? nl + 1 : end;
    }
    return 0;
}

// The column holding the text: a header name, or a 0-based number without a header.
static int text_column(const sc_corpus_src *c, sc_csv *cv, const char *name, size_t *col, sc_err *err) {
    if (!c->header) {
        char *e;
        long v = strtol(c->text_col, &e, 10);
        if (e == c->text_col || *e || v < 0 || v > 100000)
            return sc_errf(err, "%s: read.text_column '%s': without a header, columns are 0-based numbers", name,
                           c->text_col);
        *col = (size_t)v;
        return 0;
    }
    int got = sc_csv_next(cv, err);
    if (got < 0) return -1;
    if (!got) return sc_errf(err, "%s: empty file (expected a header line)", name);
    for (size_t i = 0; i < cv->nf; i++)
        if (!strcmp(cv->fields[i], c->text_col)) { *col = i; return 0; }
    return sc_errf(err, "%s line %ld: no column '%s' in the header (read.text_column)", name, cv->rec_line, c->text_col);
}

static int read_table(rd *r, const char *name, const char *buf, size_t len, sc_err *err) {
    const sc_corpus_src *c = r->c;
    const char *p = buf, *end = buf + len;
    for (long i = 0; i < c->skip_lines && p < end; i++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        p = nl ? nl + 1 : end;
    }
    sc_csv cv;
    sc_csv_init(&cv, name, p, (size_t)(end - p), c->format == SC_CFMT_TSV ? '\t' : ',');
    cv.quote = c->quote;
    cv.multiline = c->multiline;
    cv.line += c->skip_lines;
    size_t col = 0, width = 0;
    int rc = text_column(c, &cv, name, &col, err), got = 0;
    if (!rc && c->header) width = cv.nf;
    while (!rc && (got = sc_csv_next(&cv, err)) > 0) {
        if (!width) width = cv.nf;
        if (cv.nf != width)
            rc = sc_errf(err, "%s line %ld: %zu fields, expected %zu (as the %s)", name, cv.rec_line, cv.nf, width,
                         c->header ? "header" : "first record");
        else if (col >= cv.nf)
            rc = sc_errf(err, "%s line %ld: no column %zu (read.text_column)", name, cv.rec_line, col);
        else
            rc = put(r, cv.fields[col], strlen(cv.fields[col]), name, cv.rec_line, err);
    }
    sc_csv_free(&cv);
    return rc || got < 0 ? -1 : 0;
}

// A cached file of the source, decompressed by its name (.dz is gzip: dictzip).
static int load(const char *dir, const char *name, char **buf, size_t *len, sc_err *err) {
    char path[8192], as[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    size_t l = strlen(name);
    snprintf(as, sizeof as, "%s", l > 3 && !strcmp(name + l - 3, ".dz") ? "dictzip.gz" : name);
    return sc_read_file_as(path, as, buf, len, err);
}

static int read_gcide(rd *r, const char *dir, sc_err *err) {
    char *dict = NULL, *index = NULL;
    size_t dl = 0, il = 0;
    int rc = load(dir, r->c->dict, &dict, &dl, err) || load(dir, r->c->index, &index, &il, err) ? -1 : 0;
    if (!rc) rc = sc_corpus_read_gcide(r->c->dict, dict, dl, r->c->index, index, il, put_cb, r, err);
    free(dict);
    free(index);
    return rc;
}

int sc_corpus_read_src(const sc_corpus_spec *s, size_t k, sc_corpus_emit emit, void *ctx, sc_err *err) {
    const sc_corpus_src *c = &s->src[k];
    char dir[8192];
    if (sc_corpus_src_dir(s, k, dir, sizeof dir, err)) return -1;
    rd r = {.c = c, .emit = emit, .ctx = ctx};
    int rc = 0;
    if (c->format == SC_CFMT_GCIDE) rc = read_gcide(&r, dir, err);
    for (size_t i = 0; i < c->n_read && !rc && c->format != SC_CFMT_GCIDE; i++) {
        char *buf;
        size_t len;
        const char *name = c->read_files[i];
        if (load(dir, name, &buf, &len, err)) { rc = -1; break; }
        if (c->format == SC_CFMT_LINES) rc = read_lines(&r, name, buf, len, err);
        else if (c->format == SC_CFMT_WORDNET) rc = sc_corpus_read_wordnet(name, buf, len, put_cb, &r, err);
        else rc = read_table(&r, name, buf, len, err);
        free(buf);
    }
    free(r.scratch);
    return rc;
}
