// The CSV / TSV reader (text and tabular tasks).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/csv.h"
#include "data/grow.h"
#include "data/reader.h"
#include "text/tokenizer.h"
#include "text/utf8.h"

// Column indices: >= 0 a field of the record, PER_FILE(k) the k-th per-file
// column of the file's read.files entry, NONE a column the task does not use.
#define NONE (-1)
#define PER_FILE(k) (-2 - (int)(k))

// One file being read: the parser, the column indices task.yaml asks for, scratch.
typedef struct table {
    const sc_task *t;
    const sc_read_entry *rf;  // the file's entry (its per-file columns); NULL: none
    const char *path;
    sc_csv c;
    char **hdr;  // header names (copied), NULL without a header
    size_t ncol;
    int lcol, tcol, pcol, rcol, need;  // need: the largest field index used
    size_t F;
    int *fcol;
    float *feat;
    uint8_t *rat;
    size_t rat_cap, nr;
    sc_tokens tk;
    sc_text_scratch s;
} table;

static size_t n_per_file(const table *tb) { return tb->rf ? tb->rf->n_cols : 0; }

// The value of column `col` in the current record.
static const char *field(const table *tb, int col) {
    return col >= 0 ? tb->c.fields[col] : tb->rf->cols[-2 - col].value;
}

// Column name (a per-file column, a header name, or a 0-based number without a
// header) -> *out; -1 with err.
static int column(table *tb, const char *name, int *out, sc_err *err) {
    for (size_t k = 0; k < n_per_file(tb); k++)
        if (!strcmp(tb->rf->cols[k].name, name)) { *out = PER_FILE(k); return 0; }
    if (tb->hdr) {
        for (size_t i = 0; i < tb->ncol; i++)
            if (!strcmp(tb->hdr[i], name)) { *out = (int)i; return 0; }
        return sc_errf(err, "%s line %ld: column '%s' (named in task.yaml) is not in the header%s", tb->path,
                       tb->c.rec_line, name, !tb->t->file ? " nor a per-file column of its read.files entry" : "");
    }
    char *e;
    long v = strtol(name, &e, 10);
    if (e == name || *e || v < 0 || v > 100000)
        return sc_errf(err, "%s: column '%s': without a header, columns are 0-based numbers%s", tb->t->yaml_path, name,
                       !tb->t->file ? " (or per-file columns of read.files)" : "");
    if (v > tb->need) tb->need = (int)v;
    *out = (int)v;
    return 0;
}

// Reads the header record and copies its names (the parser's buffers are reused).
static int read_header(table *tb, sc_err *err) {
    int r = sc_csv_next(&tb->c, err);
    if (r <= 0) return r == 0 ? sc_errf(err, "%s: no header line", tb->path) : -1;
    tb->ncol = tb->c.nf;
    tb->hdr = calloc(tb->ncol, sizeof *tb->hdr);
    if (!tb->hdr) return sc_errf(err, "out of memory");
    for (size_t i = 0; i < tb->ncol; i++)
        if (!(tb->hdr[i] = strdup(tb->c.fields[i]))) return sc_errf(err, "out of memory");
    // A name in both places would make "the column" ambiguous.
    for (size_t k = 0; k < n_per_file(tb); k++)
        for (size_t i = 0; i < tb->ncol; i++)
            if (!strcmp(tb->hdr[i], tb->rf->cols[k].name))
                return sc_errf(err, "%s line %ld: column '%s' is in the header and also a per-file column (%s line "
                               "%d); rename one of them", tb->path, tb->c.rec_line, tb->hdr[i], tb->t->yaml_path,
                               tb->rf->cols[k].line);
    return 0;
}

// Column indices for the label, text, rationale, partition and feature columns.
static int find_columns(table *tb, sc_err *err) {
    const sc_task *t = tb->t;
    tb->tcol = tb->pcol = tb->rcol = NONE;
    if (column(tb, t->label_col, &tb->lcol, err)) return -1;
    if (t->text_col && column(tb, t->text_col, &tb->tcol, err)) return -1;
    if (t->rationale_col && column(tb, t->rationale_col, &tb->rcol, err)) return -1;
    if (t->partition_col && column(tb, t->partition_col, &tb->pcol, err)) return -1;
    tb->F = t->modality == SC_TABULAR ? t->n_features : 0;
    if (!tb->F) return 0;
    tb->fcol = malloc(tb->F * sizeof *tb->fcol);
    tb->feat = malloc(tb->F * sizeof *tb->feat);
    if (!tb->fcol || !tb->feat) return sc_errf(err, "out of memory");
    if (t->n_feature_cols) {
        if (t->n_feature_cols != tb->F)
            return sc_errf(err, "%s: read.feature_columns has %zu entries but input.features %zu", t->yaml_path,
                           t->n_feature_cols, tb->F);
        for (size_t i = 0; i < tb->F; i++)
            if (column(tb, t->feature_cols[i], &tb->fcol[i], err)) return -1;
    } else {  // every field of the file but label and partition, in order
        size_t k = 0;
        for (int i = 0; k < tb->F && i < 100000; i++)
            if (i != tb->lcol && i != tb->pcol) tb->fcol[k++] = i;
    }
    return 0;
}

// "0 1 0 ..." -> rat[0..nr); checks the count against the text's tokens.
static int parse_rationale(table *tb, const char *field, const char *text, sc_err *err) {
    const sc_task *t = tb->t;
    tb->nr = 0;
    for (const char *p = field; *p; p++) {
        if (*p == ' ' || *p == '\t') continue;
        if ((*p != '0' && *p != '1') || (p[1] && p[1] != ' ' && p[1] != '\t'))
            return sc_errf(err, "%s line %ld: column '%s': expected 0/1 values separated by spaces", tb->path,
                           tb->c.rec_line, t->rationale_col);
        if (sc_grow((void **)&tb->rat, &tb->rat_cap, tb->nr + 1, 1, 64)) return sc_errf(err, "out of memory");
        tb->rat[tb->nr++] = (uint8_t)(*p - '0');
    }
    if (sc_tokenize(text, strlen(text), &tb->tk, err)) return sc_err_prefix(err, "%s line %ld", tb->path, tb->c.rec_line);
    if (tb->tk.n != tb->nr)
        return sc_errf(err, "%s line %ld: column '%s' has %zu entries but the text has %zu tokens", tb->path,
                       tb->c.rec_line, t->rationale_col, tb->nr, tb->tk.n);
    return 0;
}

// The record's shape: the header's number of fields, and every column used.
static int check_shape(table *tb, sc_err *err) {
    const sc_csv *c = &tb->c;
    if (!tb->ncol) tb->ncol = c->nf;  // without a header the first record fixes the width
    if (c->nf != tb->ncol) {
        char span[160] = "";
        if (c->quote_line)  // a quote spanning lines is the likely cause: say where it opened
            snprintf(span, sizeof span, "; the record spans lines %ld-%ld: a quoted field opened on line %ld",
                     c->rec_line, c->rec_line + c->rec_lines - 1, c->quote_line);
        return sc_errf(err, "%s line %ld: %zu fields, expected %zu%s%s", tb->path, c->rec_line, c->nf, tb->ncol,
                       tb->hdr ? " (as in the header)" : " (as in the first record)", span);
    }
    // Without feature_columns every other field is a feature: the counts must agree.
    size_t own = (size_t)(tb->lcol >= 0) + (size_t)(tb->pcol >= 0);  // label and partition fields of the file
    if (tb->F && !tb->t->n_feature_cols && tb->ncol != tb->F + own)
        return sc_errf(err, "%s line %ld: %zu columns, but input.features names %zu features%s%s; "
                       "list read.feature_columns to select some", tb->path, c->rec_line, tb->ncol, tb->F,
                       tb->lcol >= 0 ? " + label" : "", tb->pcol >= 0 ? " + partition" : "");
    int need = tb->need;
    const int cols[] = {tb->lcol, tb->tcol, tb->pcol, tb->rcol};
    for (size_t i = 0; i < 4; i++) need = cols[i] > need ? cols[i] : need;
    for (size_t i = 0; i < tb->F; i++) need = tb->fcol[i] > need ? tb->fcol[i] : need;
    if ((size_t)need >= c->nf)
        return sc_errf(err, "%s line %ld: missing column %d (the record has %zu fields)", tb->path, c->rec_line, need,
                       c->nf);
    return 0;
}

// One record -> one example (or a dropped label: *dropped = 1).
static int add_row(table *tb, sc_dataset *d, int part, int *dropped, sc_err *err) {
    const sc_task *t = tb->t;
    long line = tb->c.rec_line;
    int32_t label;
    float target;
    if (sc_reader_label(t, field(tb, tb->lcol), tb->path, line, &label, &target, dropped, err)) return -1;
    if (*dropped) return 0;
    if (tb->pcol != NONE && (part = sc_dataset_partition(t, field(tb, tb->pcol))) < 0)
        return sc_errf(err, "%s line %ld: partition '%s' has no rule in splits.partitions", tb->path, line,
                       field(tb, tb->pcol));
    if (t->modality == SC_TEXT) {
        const char *text = field(tb, tb->tcol);
        // Rationales are checked against the decoded text's tokens (Latin-1 first becomes UTF-8).
        if (tb->rcol != NONE) {
            const char *u;
            size_t ulen, bad;
            if (sc_text_to_utf8(text, strlen(text), t->encoding == SC_ENC_LATIN1, &tb->s.buf, &tb->s.cap, &u, &ulen,
                                &bad) == 0) {
                char *copy = strndup(u, ulen);
                int prc = copy ? parse_rationale(tb, field(tb, tb->rcol), copy, err) : sc_errf(err, "out of memory");
                free(copy);
                if (prc) return -1;
            }  // invalid text: sc_reader_add_text below reports it with its line
        }
        return sc_reader_add_text(t, d, &tb->s, part, label, target, text, strlen(text),
                                  tb->rcol != NONE ? tb->rat : NULL, tb->nr, tb->path, line, err);
    }
    for (size_t i = 0; i < tb->F; i++) {
        const char *v = field(tb, tb->fcol[i]), *why;
        if (sc_reader_float(v, &tb->feat[i], &why))
            return sc_errf(err, "%s line %ld: feature '%s': '%s' %s", tb->path, line, t->features[i], v, why);
    }
    return sc_dataset_add(d, part, label, target, NULL, 0, NULL, tb->feat, NULL, 0, err) < 0 ? -1 : 0;
}

static void table_free(table *tb) {
    for (size_t i = 0; tb->hdr && i < tb->ncol; i++) free(tb->hdr[i]);
    free(tb->hdr);
    sc_csv_free(&tb->c);
    sc_tokens_free(&tb->tk);
    free(tb->rat);
    free(tb->s.buf);
    free(tb->fcol);
    free(tb->feat);
}

// One file of the task (rf: its entry; NULL for none) from its bytes.
static int read_one(const sc_task *t, const sc_read_entry *rf, const char *path, const char *buf, size_t len,
                    sc_dataset *d, sc_err *err) {
    sc_read_count cnt;
    sc_reader_count_init(&cnt, rf ? rf->name : path, buf, len);
    const char *p = buf;
    for (; cnt.skipped < t->skip_lines && p < buf + len; cnt.skipped++) {
        const char *nl = memchr(p, '\n', (size_t)(buf + len - p));
        p = nl ? nl + 1 : buf + len;
    }
    table tb = {.t = t, .rf = rf, .path = path};
    sc_csv_init(&tb.c, path, p, (size_t)(buf + len - p), t->format == SC_FMT_TSV ? '\t' : ',');
    tb.c.line += cnt.skipped;
    tb.c.quote = t->quote;
    tb.c.multiline = t->multiline;
    int rc = -1, r = 0, part = t->partition_col ? 0 : sc_reader_single_partition(t, err);
    size_t n0 = d->n;
    if (part < 0 || (t->header && read_header(&tb, err)) || find_columns(&tb, err)) goto out;
    while ((r = sc_csv_next(&tb.c, err)) == 1) {
        int dropped = 0;
        if (check_shape(&tb, err) || add_row(&tb, d, part, &dropped, err)) goto out;
        cnt.dropped += dropped;
    }
    if (r < 0) goto out;
    cnt.header = t->header ? 1 : 0;
    cnt.records = tb.c.records - cnt.header;
    cnt.blank = tb.c.blank;
    cnt.continuation = tb.c.continuation;
    cnt.multiline = tb.c.multiline_records;
    cnt.first_multiline = tb.c.first_multiline;
    cnt.examples = (long)(d->n - n0);
    rc = sc_dataset_add_count(d, &cnt, err);
out:
    table_free(&tb);
    return rc;
}

int sc_read_table(const sc_task *t, const char *dir, sc_dataset *d, sc_err *err) {
    return sc_reader_each_file(t, dir, read_one, d, err);
}

int sc_read_table_buf(const sc_task *t, const char *path, const char *buf, size_t len, sc_dataset *d, sc_err *err) {
    return read_one(t, sc_reader_entry(t, path), path, buf, len, d, err);
}
