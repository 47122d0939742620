// The CSV / TSV reader (text and tabular tasks).
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/csv.h"
#include "data/rawfile.h"
#include "data/reader.h"
#include "text/tokenizer.h"
#include "text/utf8.h"

// Column name (or 0-based number without a header) -> index; -1 with err.
static int column(const sc_task *t, const sc_csv *hdr, const char *name, const char *file, sc_err *err) {
    if (t->header) {
        for (size_t i = 0; i < hdr->nf; i++)
            if (!strcmp(hdr->fields[i], name)) return (int)i;
        return sc_errf(err, "%s line %ld: column '%s' (named in task.yaml) is not in the header", file,
                       hdr->rec_line, name);
    }
    char *e;
    long v = strtol(name, &e, 10);
    if (e == name || *e || v < 0 || v > 100000)
        return sc_errf(err, "%s: column '%s': without a header, columns are 0-based numbers", t->yaml_path, name);
    return (int)v;
}

// "0 1 0 ..." -> rat[0..*n); checks the count against the text's tokens.
static int parse_rationale(const sc_task *t, const char *field, const char *text, uint8_t **rat, size_t *cap,
                           size_t *n, sc_tokens *tk, const char *file, long line, sc_err *err) {
    *n = 0;
    for (const char *p = field; *p; p++) {
        if (*p == ' ' || *p == '\t') continue;
        if ((*p != '0' && *p != '1') || (p[1] && p[1] != ' ' && p[1] != '\t'))
            return sc_errf(err, "%s line %ld: column '%s': expected 0/1 values separated by spaces", file, line,
                           t->rationale_col);
        if (*n == *cap) {
            size_t c = *cap ? 2 * *cap : 64;
            uint8_t *r = realloc(*rat, c);
            if (!r) return sc_errf(err, "out of memory");
            *rat = r;
            *cap = c;
        }
        (*rat)[(*n)++] = (uint8_t)(*p - '0');
    }
    if (sc_tokenize(text, strlen(text), tk, err)) return sc_err_prefix(err, "%s line %ld", file, line);
    if (tk->n != *n)
        return sc_errf(err, "%s line %ld: column '%s' has %zu entries but the text has %zu tokens", file, line,
                       t->rationale_col, *n, tk->n);
    return 0;
}

int sc_read_table(const sc_task *t, const char *dir, sc_dataset *d, sc_err *err) {
    char path[4096];
    sc_reader_path(path, sizeof path, dir, t->file);
    char *buf;
    size_t len;
    if (sc_read_file(path, &buf, &len, err)) return -1;
    int rc = sc_read_table_buf(t, path, buf, len, d, err);
    free(buf);
    return rc;
}

int sc_read_table_buf(const sc_task *t, const char *path, const char *buf, size_t len, sc_dataset *d, sc_err *err) {
    const char *p = buf;
    long skipped = 0;
    for (; skipped < t->skip_lines && p < buf + len; skipped++) {
        const char *nl = memchr(p, '\n', (size_t)(buf + len - p));
        p = nl ? nl + 1 : buf + len;
    }
    sc_csv c, hdr;
    sc_csv_init(&c, path, p, (size_t)(buf + len - p), t->format == SC_FMT_TSV ? '\t' : ',');
    c.line += skipped;
    memset(&hdr, 0, sizeof hdr);
    sc_text_scratch s = {0};
    int *fcol = NULL;
    float *feat = NULL;
    uint8_t *rat = NULL;
    size_t rat_cap = 0, nr = 0;
    sc_tokens tk = {0};
    int rc = -1, r;
    size_t ncol = 0;
    // The header row's fields are copied out by reading it with its own parser state.
    if (t->header) {
        sc_csv_init(&hdr, path, p, (size_t)(buf + len - p), c.sep);
        hdr.line = c.line;
        if ((r = sc_csv_next(&hdr, err)) <= 0) {
            if (r == 0) sc_errf(err, "%s: no header line", path);
            goto out;
        }
        c.p = hdr.p;
        c.line = hdr.line;
        ncol = hdr.nf;
    }
    int lcol = column(t, &hdr, t->label_col, path, err);
    if (lcol < 0) goto out;
    int tcol = -1, pcol = -1, rcol = -1;
    if (t->text_col && (tcol = column(t, &hdr, t->text_col, path, err)) < 0) goto out;
    if (t->rationale_col && (rcol = column(t, &hdr, t->rationale_col, path, err)) < 0) goto out;
    if (t->partition_col && (pcol = column(t, &hdr, t->partition_col, path, err)) < 0) goto out;
    size_t F = t->modality == SC_TABULAR ? t->n_features : 0;
    if (F) {
        fcol = malloc(F * sizeof *fcol);
        feat = malloc(F * sizeof *feat);
        if (!fcol || !feat) { sc_errf(err, "out of memory"); goto out; }
        if (t->n_feature_cols) {
            if (t->n_feature_cols != F) {
                sc_errf(err, "%s: read.feature_columns has %zu entries but input.features %zu", t->yaml_path,
                        t->n_feature_cols, F);
                goto out;
            }
            for (size_t i = 0; i < F; i++)
                if ((fcol[i] = column(t, &hdr, t->feature_cols[i], path, err)) < 0) goto out;
        } else {  // every column but label and partition, in order
            size_t k = 0;
            for (int i = 0; k < F && i < 100000; i++)
                if (i != lcol && i != pcol) fcol[k++] = i;
        }
    }
    int part = t->partition_col ? 0 : sc_reader_single_partition(t, err);
    if (part < 0) goto out;
    while ((r = sc_csv_next(&c, err)) == 1) {
        if (!ncol) ncol = c.nf;  // without a header the first record fixes the width
        if (c.nf != ncol) {
            sc_errf(err, "%s line %ld: %zu fields, expected %zu", path, c.rec_line, c.nf, ncol);
            goto out;
        }
        // Without feature_columns every other column is a feature: the counts must agree.
        if (F && !t->n_feature_cols && ncol != F + 1 + (pcol >= 0)) {
            sc_errf(err, "%s line %ld: %zu columns, but input.features names %zu features (+ label%s); "
                    "list read.feature_columns to select some", path, c.rec_line, ncol, F, pcol >= 0 ? " + partition" : "");
            goto out;
        }
        int need = lcol > tcol ? lcol : tcol;
        need = need > pcol ? need : pcol;
        need = need > rcol ? need : rcol;
        for (size_t i = 0; i < F; i++) need = need > fcol[i] ? need : fcol[i];
        if ((size_t)need >= c.nf) {
            sc_errf(err, "%s line %ld: missing column %d (the record has %zu fields)", path, c.rec_line, need, c.nf);
            goto out;
        }
        int32_t label;
        float target;
        int skip;
        if (sc_reader_label(t, c.fields[lcol], path, c.rec_line, &label, &target, &skip, err)) goto out;
        if (skip) continue;
        if (pcol >= 0 && (part = sc_dataset_partition(t, c.fields[pcol])) < 0) {
            sc_errf(err, "%s line %ld: partition '%s' has no rule in splits.partitions", path, c.rec_line,
                    c.fields[pcol]);
            goto out;
        }
        if (t->modality == SC_TEXT) {
            // Rationales are checked against the decoded text's tokens (Latin-1 first becomes UTF-8).
            if (rcol >= 0) {
                const char *u;
                size_t ulen, bad;
                if (sc_text_to_utf8(c.fields[tcol], strlen(c.fields[tcol]), t->encoding == SC_ENC_LATIN1, &s.buf,
                                    &s.cap, &u, &ulen, &bad) == 0) {
                    char *copy = strndup(u, ulen);
                    int prc = copy ? parse_rationale(t, c.fields[rcol], copy, &rat, &rat_cap, &nr, &tk, path,
                                                     c.rec_line, err)
                                   : sc_errf(err, "out of memory");
                    free(copy);
                    if (prc) goto out;
                }  // invalid text: sc_reader_add_text below reports it with its line
            }
            if (sc_reader_add_text(t, d, &s, part, label, target, c.fields[tcol], strlen(c.fields[tcol]),
                                   rcol >= 0 ? rat : NULL, nr, path, c.rec_line, err))
                goto out;
        } else {
            for (size_t i = 0; i < F; i++) {
                const char *v = c.fields[fcol[i]];
                char *e;
                errno = 0;
                double x = strtod(v, &e);
                if (e == v || *e || errno || !isfinite(x)) {
                    sc_errf(err, "%s line %ld: feature '%s': '%s' is not a number", path, c.rec_line, t->features[i], v);
                    goto out;
                }
                feat[i] = (float)x;
            }
            if (sc_dataset_add(d, part, label, target, NULL, 0, NULL, feat, NULL, 0, err) < 0) goto out;
        }
    }
    if (r < 0) goto out;
    rc = 0;
out:
    sc_csv_free(&c);
    sc_csv_free(&hdr);
    sc_tokens_free(&tk);
    free(rat);
    free(s.buf);
    free(fcol);
    free(feat);
    return rc;
}
