// The JSONL reader: one flat JSON object per line (text and tabular tasks).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/grow.h"
#include "data/json.h"
#include "data/reader.h"
#include "text/tokenizer.h"

// The file being read: where we are, the parsed object, scratch buffers.
typedef struct jsonl {
    const sc_task *t;
    const char *path;
    long line;
    sc_json_value *per_file;  // the file's per-file fields, as JSON strings
    size_t n_per_file;
    sc_json_obj o;
    sc_text_scratch s;
    uint8_t *rat;
    size_t rat_cap, nr;
    sc_tokens tk;
    float *feat;
} jsonl;

// Field `key` of the current line: a per-file field, else the object's (NULL if neither).
static const sc_json_value *get(const jsonl *j, const char *key) {
    for (size_t k = 0; k < j->n_per_file; k++)
        if (!strcmp(j->per_file[k].key, key)) return &j->per_file[k];
    return sc_json_get(&j->o, key);
}

static int is_per_file(const jsonl *j, const sc_json_value *v) {
    for (size_t k = 0; k < j->n_per_file; k++)
        if (v == &j->per_file[k]) return 1;
    return 0;
}

// A per-file field the object also has would make "the field" ambiguous.
static int check_per_file(const jsonl *j, const sc_read_entry *rf, sc_err *err) {
    for (size_t k = 0; k < j->n_per_file; k++)
        if (sc_json_get(&j->o, j->per_file[k].key))
            return sc_errf(err, "%s line %ld: field '%s' is in the object and also a per-file field (%s line %d); "
                           "rename one of them", j->path, j->line, j->per_file[k].key, j->t->yaml_path,
                           rf->cols[k].line);
    return 0;
}

// The rationale field: a list of 0/1, one per token of the text tv.
static int rationale(jsonl *j, const sc_json_value *tv, sc_err *err) {
    const sc_task *t = j->t;
    const sc_json_value *rv = get(j, t->rationale_col);
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
    const sc_json_value *lv = get(j, t->label_col);
    if (!lv || (lv->type != SC_JSON_STRING && lv->type != SC_JSON_NUMBER))
        return sc_errf(err, "%s line %ld: field '%s' (the label) is missing or not a string/number", j->path, j->line,
                       t->label_col);
    int32_t label;
    float target;
    if (sc_reader_label(t, lv->str, j->path, j->line, &label, &target, dropped, err)) return -1;
    if (*dropped) return 0;
    if (t->partition_col) {
        const sc_json_value *pv = get(j, t->partition_col);
        if (!pv || pv->type != SC_JSON_STRING || (part = sc_dataset_partition(t, pv->str)) < 0)
            return sc_errf(err, "%s line %ld: field '%s' is missing or names no rule in splits.partitions", j->path,
                           j->line, t->partition_col);
    }
    if (t->modality == SC_TEXT) {
        const sc_json_value *tv = get(j, t->text_col);
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
        const sc_json_value *fv = get(j, name);  // a per-file value counts as a number if it reads as one
        if (!fv || (fv->type != SC_JSON_NUMBER && !is_per_file(j, fv)))
            return sc_errf(err, "%s line %ld: field '%s' is missing or not a number", j->path, j->line, name);
        if (sc_reader_float(fv->str, &j->feat[i], &why))
            return sc_errf(err, "%s line %ld: field '%s': %s %s", j->path, j->line, name, fv->str, why);
    }
    return sc_dataset_add(d, part, label, target, NULL, 0, NULL, j->feat, NULL, 0, err) < 0 ? -1 : 0;
}

// The per-file fields of entry rf as JSON strings (what the label, text and
// partition code expects of a field).
static int per_file_values(jsonl *j, const sc_read_entry *rf, sc_err *err) {
    if (!rf || !rf->n_cols) return 0;
    if (!(j->per_file = calloc(rf->n_cols, sizeof *j->per_file))) return sc_errf(err, "out of memory");
    for (size_t k = 0; k < rf->n_cols; k++)
        j->per_file[k] = (sc_json_value){.key = rf->cols[k].name, .type = SC_JSON_STRING, .str = rf->cols[k].value,
                                         .len = strlen(rf->cols[k].value)};
    j->n_per_file = rf->n_cols;
    return 0;
}

// One file of the task (rf: its entry; NULL for none) from its bytes.
static int read_one(const sc_task *t, const sc_read_entry *rf, const char *path, const char *buf, size_t len,
                    sc_dataset *d, sc_err *err) {
    jsonl j = {.t = t, .path = path};
    sc_read_count cnt;
    sc_reader_count_init(&cnt, rf ? rf->name : path, buf, len);
    size_t n0 = d->n;
    int rc = -1, part = t->partition_col ? 0 : sc_reader_single_partition(t, err);
    if (part < 0 || per_file_values(&j, rf, err)) goto out;
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
        if (check_per_file(&j, rf, err) || add_object(&j, d, part, &dropped, err)) goto out;
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
    free(j.per_file);
    return rc;
}

int sc_read_jsonl(const sc_task *t, const char *dir, sc_dataset *d, sc_err *err) {
    return sc_reader_each_file(t, dir, read_one, d, err);
}

int sc_read_jsonl_buf(const sc_task *t, const char *path, const char *buf, size_t len, sc_dataset *d, sc_err *err) {
    return read_one(t, sc_reader_entry(t, path), path, buf, len, d, err);
}
