// The JSONL reader: one flat JSON object per line (text and tabular tasks).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/json.h"
#include "data/rawfile.h"
#include "data/reader.h"
#include "text/tokenizer.h"

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
    sc_json_obj o = {0};
    sc_text_scratch s = {0};
    uint8_t *rat = NULL;
    size_t rat_cap = 0;
    sc_tokens tk = {0};
    float *feat = NULL;
    int rc = -1;
    int part = t->partition_col ? 0 : sc_reader_single_partition(t, err);
    if (part < 0) goto out;
    if (t->modality == SC_TABULAR && !(feat = malloc(t->n_features * sizeof *feat))) goto out;
    long line = 1;
    for (const char *p = buf, *end = buf + len; p < end; line++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *e = nl ? nl : end;
        const char *q = p;
        p = nl ? nl + 1 : end;
        while (q < e && (*q == ' ' || *q == '\t' || *q == '\r')) q++;
        if (q == e) continue;
        if (sc_json_parse_object(&o, q, (size_t)(e - q), err)) {
            sc_err_prefix(err, "%s line %ld", path, line);
            goto out;
        }
        const sc_json_value *lv = sc_json_get(&o, t->label_col);
        if (!lv || (lv->type != SC_JSON_STRING && lv->type != SC_JSON_NUMBER)) {
            sc_errf(err, "%s line %ld: field '%s' (the label) is missing or not a string/number", path, line, t->label_col);
            goto out;
        }
        int32_t label;
        float target;
        int skip;
        if (sc_reader_label(t, lv->str, path, line, &label, &target, &skip, err)) goto out;
        if (skip) continue;
        if (t->partition_col) {
            const sc_json_value *pv = sc_json_get(&o, t->partition_col);
            if (!pv || pv->type != SC_JSON_STRING || (part = sc_dataset_partition(t, pv->str)) < 0) {
                sc_errf(err, "%s line %ld: field '%s' is missing or names no rule in splits.partitions", path, line,
                        t->partition_col);
                goto out;
            }
        }
        if (t->modality == SC_TEXT) {
            const sc_json_value *tv = sc_json_get(&o, t->text_col);
            if (!tv || tv->type != SC_JSON_STRING) {
                sc_errf(err, "%s line %ld: field '%s' (the text) is missing or not a string", path, line, t->text_col);
                goto out;
            }
            size_t nr = 0;
            if (t->rationale_col) {
                const sc_json_value *rv = sc_json_get(&o, t->rationale_col);
                if (!rv || rv->type != SC_JSON_ARRAY) {
                    sc_errf(err, "%s line %ld: field '%s' (the rationale) is missing or not a list of 0/1", path, line,
                            t->rationale_col);
                    goto out;
                }
                if (rv->n_nums > rat_cap) {
                    uint8_t *r2 = realloc(rat, rv->n_nums);
                    if (!r2) goto out;
                    rat = r2;
                    rat_cap = rv->n_nums;
                }
                for (size_t i = 0; i < rv->n_nums; i++) {
                    if (rv->nums[i] != 0 && rv->nums[i] != 1) {
                        sc_errf(err, "%s line %ld: field '%s': element %zu is not 0 or 1", path, line, t->rationale_col, i);
                        goto out;
                    }
                    rat[i] = (uint8_t)rv->nums[i];
                }
                nr = rv->n_nums;
                // The rationale is per token: check the count here, where the line is known.
                if (sc_tokenize(tv->str, tv->len, &tk, err)) {
                    sc_err_prefix(err, "%s line %ld: field '%s'", path, line, t->text_col);
                    goto out;
                }
                if (tk.n != nr) {
                    sc_errf(err, "%s line %ld: field '%s' has %zu entries but the text has %zu tokens", path, line,
                            t->rationale_col, nr, tk.n);
                    goto out;
                }
            }
            // JSON text is UTF-8 by definition (RFC 8259), whatever read.encoding says.
            if (sc_reader_add_text(t, d, &s, part, label, target, tv->str, tv->len, t->rationale_col ? rat : NULL,
                                   nr, path, line, err))
                goto out;
        } else {
            for (size_t i = 0; i < t->n_features; i++) {
                const char *name = t->n_feature_cols ? t->feature_cols[i] : t->features[i];
                const sc_json_value *fv = sc_json_get(&o, name);
                if (!fv || fv->type != SC_JSON_NUMBER) {
                    sc_errf(err, "%s line %ld: field '%s' is missing or not a number", path, line, name);
                    goto out;
                }
                feat[i] = (float)strtod(fv->str, NULL);
            }
            if (sc_dataset_add(d, part, label, target, NULL, 0, NULL, feat, NULL, 0, err) < 0) goto out;
        }
    }
    rc = 0;
out:
    sc_json_free(&o);
    sc_tokens_free(&tk);
    free(s.buf);
    free(rat);
    free(feat);
    return rc;
}
