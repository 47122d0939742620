// Reader dispatch and the helpers every reader shares.
#include "data/reader.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/csv.h"
#include "data/hook.h"
#include "data/rawfile.h"
#include "text/utf8.h"

void sc_reader_path(char *buf, size_t cap, const char *dir, const char *name) {
    snprintf(buf, cap, "%s/%s", dir, name);
}

const sc_read_entry *sc_reader_entry(const sc_task *t, const char *name) {
    const char *base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
    for (size_t i = 0; i < t->n_read_files; i++)
        if (!strcmp(t->read_files[i].name, base)) return &t->read_files[i];
    return t->n_read_files ? &t->read_files[0] : NULL;
}

int sc_reader_each_file(const sc_task *t, const char *dir, sc_reader_file_fn one, sc_dataset *d, sc_err *err) {
    for (size_t i = 0; i < t->n_read_files; i++) {
        char path[4096];
        sc_reader_path(path, sizeof path, dir, t->read_files[i].name);
        char *buf;
        size_t len;
        if (sc_read_file(path, &buf, &len, err)) return -1;
        int rc = one(t, &t->read_files[i], path, buf, len, d, err);
        free(buf);
        if (rc) return -1;
    }
    return 0;
}

void sc_reader_count_init(sc_read_count *c, const char *name, const char *buf, size_t len) {
    memset(c, 0, sizeof *c);
    snprintf(c->file, sizeof c->file, "%s", name);
    c->lines = sc_count_lines(buf, len);
}

int sc_reader_float(const char *s, float *out, const char **why) {
    char *e;
    errno = 0;
    double v = strtod(s, &e);
    while (*e == ' ' || *e == '\t') e++;
    if (e == s || *e || isnan(v)) {
        *why = "is not a number";
        return -1;
    }
    if (isinf(v) && errno != ERANGE) {  // "inf" written out (ERANGE: a literal beyond a double's range)
        *why = "is not a finite number";
        return -1;
    }
    if (fabs(v) > FLT_MAX) {  // converting it to float would be undefined behaviour
        *why = "is outside the range of a 32-bit float";
        return -1;
    }
    *out = (float)v;
    return 0;
}

int sc_reader_label(const sc_task *t, const char *s, const char *file, long line, int32_t *label, float *target,
                    int *skip, sc_err *err) {
    *skip = 0;
    if (t->label_kind == SC_REGRESSION) {
        const char *why;
        if (sc_reader_float(s, target, &why)) return sc_errf(err, "%s line %ld: regression label '%s' %s", file, line, s, why);
        *label = 0;
        return 0;
    }
    for (size_t i = 0; i < t->n_drop; i++)
        if (!strcmp(s, t->drop_labels[i])) { *skip = 1; return 0; }
    int c = -1;
    if (t->label_is_index) {
        char *e;
        long v = strtol(s, &e, 10);
        if (e != s && !*e && v >= 0 && (size_t)v < t->n_classes) c = (int)v;
        // Indices written as floats ("1.0") are accepted when they are integral.
        if (c < 0) {
            double dv = strtod(s, &e);
            if (e != s && !*e && dv == floor(dv) && dv >= 0 && dv < (double)t->n_classes) c = (int)dv;
        }
        if (c < 0)
            return sc_errf(err, "%s line %ld: label '%s' is not a class index in [0, %zu)", file, line, s,
                           t->n_classes);
    } else {
        c = sc_task_class_index(t, s);
        if (c < 0) {
            char list[256] = "";
            for (size_t i = 0; i < t->n_classes; i++) {
                if (i) strncat(list, ", ", sizeof list - strlen(list) - 1);
                strncat(list, t->classes[i], sizeof list - strlen(list) - 1);
            }
            return sc_errf(err, "%s line %ld: label '%s' is not in labels.classes (%s)", file, line, s, list);
        }
    }
    *label = c;
    *target = (float)c;
    return 0;
}

int sc_reader_add_text(const sc_task *t, sc_dataset *d, sc_text_scratch *s, int part, int32_t label, float target,
                       const char *bytes, size_t n, const uint8_t *rat, size_t rat_len, const char *file, long line,
                       sc_err *err) {
    const char *u;
    size_t ulen, bad = 0;
    if (sc_text_to_utf8(bytes, n, t->encoding == SC_ENC_LATIN1, &s->buf, &s->cap, &u, &ulen, &bad))
        return sc_errf(err, "%s line %ld: invalid UTF-8 at byte %zu of the text (byte 0x%02x); the task declares "
                       "read.encoding: utf-8 — fix the file or declare latin-1",
                       file, line, bad + 1, (unsigned)(unsigned char)bytes[bad]);
    if (memchr(u, '\0', ulen)) return sc_errf(err, "%s line %ld: NUL byte inside the text", file, line);
    return sc_dataset_add(d, part, label, target, u, ulen, NULL, NULL, rat, rat_len, err) < 0 ? -1 : 0;
}

// The single partition of a format without given splits.
int sc_reader_single_partition(const sc_task *t, sc_err *err) {
    int p = sc_dataset_partition(t, "all");
    if (p < 0)
        return sc_errf(err, "%s: field 'splits.partitions': this format has one partition; name it 'all'",
                       t->yaml_path);
    return p;
}

int sc_read_task_data(const sc_task *t, const char *dir, sc_dataset *d, sc_err *err) {
    switch (t->format) {
    case SC_FMT_LINES: return sc_read_lines(t, dir, d, err);
    case SC_FMT_CSV:
    case SC_FMT_TSV: return sc_read_table(t, dir, d, err);
    case SC_FMT_JSONL: return sc_read_jsonl(t, dir, d, err);
    case SC_FMT_IDX: return sc_read_idx(t, dir, d, err);
    case SC_FMT_PNG: return sc_read_png(t, dir, d, err);
    case SC_FMT_HOOK: {
        const sc_hook *h = sc_hook_find(t->hook);
        if (!h) return sc_errf(err, "%s: field 'read.hook': no C hook named '%s' (see src/data/hook.c)", t->yaml_path, t->hook);
        return h->read(t, dir, d, err);
    }
    default: return sc_errf(err, "%s: task has no readable format", t->yaml_path);
    }
}
