// The JSONL reader: one flat JSON object per line (text and tabular tasks).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/grow.h"
#include "data/json.h"
#include "data/rawfile.h"
#include "data/reader.h"
#include "text/tokenizer.h"

// The file being read: where we are, the parsed object, scratch buffers.
typedef struct jsonl {
    const sc_task *t;
    const char *path;
    long line;
    sc_json_obj o;
    sc_text_scratch s;
    uint8_t *rat;
    size_t rat_cap, nr;
    sc_tokens tk;
    float *feat;
} jsonl;

// The rationale field: a list of 0/1, one per token of the text tv.
static int rationale(jsonl *j, const sc_json_value *tv, sc_err *err) {
    const sc_task *t = j->t;
    const sc_json_value *rv = sc_json_get(&j->o, t->rationale_col);
    if (!rv || rv->type != SC_JSON_ARRAY)
        return sc_errf(err, "%s line %ld: field '%s' (the rationale) is missing or not a list of 0/1", j->path, j->line,
                       t->rationale_col);
    if (sc_grow((void **)&j->rat, &j->rat_cap, rv->n_nums, 1, 64)) return sc_errf(err, "out of memory");
    for (size_t i = 0; i < rv->n_nums; i++) {
        if (rv->nums[i] != 0 && rv->nums[i] != 1)
            return sc_errf(err, "%s line %ld: field '%s': element %zu is not 0 or 1", j->path, j->line,
                           t->rationale_col, i);
        j->rat[i] = (uint8_t)rv->nums[i];
    }
    j->nr = rv->n_nums;
    // The rationale is per token: check the count here, where the line is known.
    if (sc_tokenize(tv->str, tv->len, &j->tk, err))
        return sc_err_prefix(err, "%s line %ld: field '%s'", j->path, j->line, t->text_col);
    if (j->tk.n != j->nr)
        return sc_errf(err, "%s line %ld: field '%s' has %zu entries but the text has %zu tokens", j->path, j->line,
                       t->rationale_col, j->nr, j->tk.n);
    return 0;
}

// The parsed object of the current line -> one example (or *dropped = 1).
static int add_object(jsonl *j, sc_dataset *d, int part, int *dropped, sc_err *err) {
    const sc_task *t = j->t;
    const sc_json_value *lv = sc_json_get(&j->o, t->label_col);
    if (!lv || (lv->type != SC_JSON_STRING && lv->type != SC_JSON_NUMBER))
        return sc_errf(err, "%s line %ld: field '%s' (the label) is missing or not a string/number", j->path, j->line,
                       t->label_col);
    int32_t label;
    float target;
    if (sc_reader_label(t, lv->str, j->path, j->line, &label, &target, dropped, err)) return -1;
    if (*dropped) return 0;
    if (t->partition_col) {
        const sc_json_value *pv = sc_json_get(&j->o, t->partition_col);
        if (!pv || pv->type != SC_JSON_STRING || (part = sc_dataset_partition(t, pv->str)) < 0)
            return sc_errf(err, "%s line %ld: field '%s' is missing or names no rule in splits.partitions", j->path,
                           j->line, t->partition_col);
    }
    if (t->modality == SC_TEXT) {
        const sc_json_value *tv = sc_json_get(&j->o, t->text_col);
        if (!tv || tv->type != SC_JSON_STRING)
            return sc_errf(err, "%s line %ld: field '%s' (the text) is missing or not a string", j->path, j->line,
                           t->text_col);
        if (t->rationale_col && rationale(j, tv, err)) return -1;
        // JSON text is UTF-8 by definition (RFC 8259), whatever read.encoding says.
        return sc_reader_add_text(t, d, &j->s, part, label, target, tv->str, tv->len, t->rationale_col ? j->rat : NULL,
                                  t->rationale_col ? j->nr : 0, j->path, j->line, err);
    }
    for (size_t i = 0; i < t->n_features; i++) {
        const char *name = t->n_feature_cols ? t->feature_cols[i] : t->features[i], *why;
        const sc_json_value *fv = sc_json_get(&j->o, name);
        if (!fv || fv->type != SC_JSON_NUMBER)
            return sc_errf(err, "%s line %ld: field '%s' is missing or not a number", j->path, j->line, name);
        if (sc_reader_float(fv->str, &j->feat[i], &why))
            return sc_errf(err, "%s line %ld: field '%s': %s %s", j->path, j->line, name, fv->str, why);
    }
    return sc_dataset_add(d, part, label, target, NULL, 0, NULL, j->feat, NULL, 0, err) < 0 ? -1 : 0;
}

int sc_read_jsonl(const sc_task *t, const char *dir, sc_dataset *d, sc_err *err) {
    char path[4096];
    sc_reader_path(path, sizeof path, dir, t->file);
    char *buf;
    size_t len;
    if (sc_read_file(path, &buf, &len, err)) return -1;
    int rc = sc_read_jsonl_buf(t, path, buf, len, d, err);
    free(buf);
    return rc;
}

int sc_read_jsonl_buf(const sc_task *t, const char *path, const char *buf, size_t len, sc_dataset *d, sc_err *err) {
    jsonl j = {.t = t, .path = path};
    sc_read_count cnt;
    sc_reader_count_init(&cnt, t->file, buf, len);
    size_t n0 = d->n;
    int rc = -1, part = t->partition_col ? 0 : sc_reader_single_partition(t, err);
    if (part < 0) goto out;
    if (t->modality == SC_TABULAR && !(j.feat = malloc(t->n_features * sizeof *j.feat))) {
        sc_errf(err, "out of memory");
        goto out;
    }
    j.line = 1;
    for (const char *p = buf, *end = buf + len; p < end; j.line++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *e = nl ? nl : end;
        const char *q = p;
        p = nl ? nl + 1 : end;
        while (q < e && (*q == ' ' || *q == '\t' || *q == '\r')) q++;
        if (q == e) {
            cnt.blank++;
            continue;
        }
        cnt.records++;
        if (sc_json_parse_object(&j.o, q, (size_t)(e - q), err)) {
            sc_err_prefix(err, "%s line %ld", path, j.line);
            goto out;
        }
        int dropped = 0;
        if (add_object(&j, d, part, &dropped, err)) goto out;
        cnt.dropped += dropped;
    }
    cnt.examples = (long)(d->n - n0);
    rc = sc_dataset_add_count(d, &cnt, err);
out:
    sc_json_free(&j.o);
    sc_tokens_free(&j.tk);
    free(j.s.buf);
    free(j.rat);
    free(j.feat);
    return rc;
}
