// The lines reader: one example per line. A file's class comes from class_files
// (one file per class), or from the per-file column that read.label_column
// names in each read.files entry (and its partition from read.partition_column).
#include <stdlib.h>
#include <string.h>

#include "data/rawfile.h"
#include "data/reader.h"

// Every line of buf an example of class `label` (`target`) in partition `part`;
// with `drop` (the class is in read.drop_labels) every line is counted as dropped.
static int text_lines(const sc_task *t, const char *name, int part, int32_t label, float target, int drop,
                      const char *path, const char *buf, size_t len, sc_dataset *d, sc_err *err) {
    sc_text_scratch s = {0};
    int rc = 0;
    sc_read_count cnt;  // lines = blank + records, for `tasks check`
    sc_reader_count_init(&cnt, name, buf, len);
    long line = 1;
    for (const char *p = buf, *end = buf + len; p < end && !rc; line++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *e = nl ? nl : end;
        size_t n = (size_t)(e - p);
        if (n && p[n - 1] == '\r') n--;
        size_t lead = 0;
        while (lead < n && (p[lead] == ' ' || p[lead] == '\t')) lead++;
        if (lead == n) {  // blank lines separate nothing and are skipped
            cnt.blank++;
        } else if (drop) {
            cnt.records++;
            cnt.dropped++;
        } else {
            rc = sc_reader_add_text(t, d, &s, part, label, target, p, n, NULL, 0, path, line, err);
            cnt.records++;
            cnt.examples += !rc;
        }
        p = nl ? nl + 1 : end;
    }
    if (!rc) rc = sc_dataset_add_count(d, &cnt, err);
    free(s.buf);
    return rc;
}

int sc_read_lines_buf(const sc_task *t, size_t cls, const char *path, const char *buf, size_t len, sc_dataset *d,
                      sc_err *err) {
    if (!t->class_files || cls >= t->n_classes)
        return sc_errf(err, "%s: reading %s as the file of class %zu, but the task has no such read.class_files entry",
                       t->yaml_path, path, cls);
    int part = sc_reader_single_partition(t, err);
    if (part < 0) return -1;
    return text_lines(t, t->class_files[cls], part, (int32_t)cls, (float)cls, 0, path, buf, len, d, err);
}

static const sc_file_col *per_file(const sc_read_entry *rf, const char *name) {
    for (size_t k = 0; name && k < rf->n_cols; k++)
        if (!strcmp(rf->cols[k].name, name)) return &rf->cols[k];
    return NULL;
}

// A file of read.files: its class and partition are its per-file columns
// (task_files.c checked that every entry has them and that they are valid).
static int listed_file(const sc_task *t, const sc_read_entry *rf, const char *path, const char *buf, size_t len,
                       sc_dataset *d, sc_err *err) {
    const sc_file_col *lc = per_file(rf, t->label_col), *pc = per_file(rf, t->partition_col);
    if (!lc)
        return sc_errf(err, "%s line %d: file '%s' has no per-file column '%s' (read.label_column)", t->yaml_path,
                       rf->line, rf->name, t->label_col ? t->label_col : "?");
    int32_t label;
    float target;
    int drop;
    if (sc_reader_label(t, lc->value, t->yaml_path, lc->line, &label, &target, &drop, err)) return -1;
    int part = pc ? sc_dataset_partition(t, pc->value) : sc_reader_single_partition(t, err);
    if (part < 0 && pc)
        return sc_errf(err, "%s line %d: partition '%s' has no rule in splits.partitions", t->yaml_path, pc->line,
                       pc->value);
    if (part < 0) return -1;
    return text_lines(t, rf->name, part, label, target, drop, path, buf, len, d, err);
}

int sc_read_lines(const sc_task *t, const char *dir, sc_dataset *d, sc_err *err) {
    if (!t->class_files) return sc_reader_each_file(t, dir, listed_file, d, err);
    for (size_t c = 0; c < t->n_classes; c++) {
        char path[4096];
        sc_reader_path(path, sizeof path, dir, t->class_files[c]);
        char *buf;
        size_t len;
        if (sc_read_file(path, &buf, &len, err)) return -1;
        int rc = sc_read_lines_buf(t, c, path, buf, len, d, err);
        free(buf);
        if (rc) return -1;
    }
    return 0;
}
