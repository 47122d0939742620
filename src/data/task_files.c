// read.file / read.files of task.yaml: the files a csv, tsv, jsonl or lines task
// reads, in order, globs expanded against source.files, each with the per-file
// columns its entry gives (see "read.files" in task.h).
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/dataset.h"
#include "data/grow.h"
#include "data/reader.h"
#include "data/task_parse.h"

// A name is a glob only if it is not itself a declared file: a file may be
// called "a[1].tsv" and still be named literally.
static int is_glob(const sc_task *t, const char *s) {
    for (size_t i = 0; i < t->n_files; i++)
        if (!strcmp(t->files[i].name, s)) return 0;
    return strpbrk(s, "*?[") != NULL;
}

// Appends one file; a file read twice would silently duplicate its examples.
static int add_file(sc_task *t, size_t *cap, const sc_read_entry *rf, const char *field, sc_err *err) {
    for (size_t i = 0; i < t->n_read_files; i++)
        if (!strcmp(t->read_files[i].name, rf->name))
            return sc_errf(err, "%s line %d: field '%s': file '%s' is already read by the entry on line %d (its "
                           "examples would be read twice)", t->yaml_path, rf->line, field, rf->name,
                           t->read_files[i].line);
    if (sc_grow((void **)&t->read_files, cap, t->n_read_files + 1, sizeof *t->read_files, 8))
        return sc_errf(err, "out of memory");
    t->read_files[t->n_read_files++] = *rf;
    return 0;
}

static int cmp_name(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

// A glob entry: every file of source.files it matches, in sorted order.
static int add_glob(sc_task *t, size_t *cap, const sc_read_entry *proto, const char *field, sc_err *err) {
    const char **m = malloc((t->n_files ? t->n_files : 1) * sizeof *m);
    if (!m) return sc_errf(err, "out of memory");
    size_t k = 0;
    for (size_t i = 0; i < t->n_files; i++)
        if (!fnmatch(proto->name, t->files[i].name, FNM_PERIOD)) m[k++] = t->files[i].name;
    int rc = 0;
    if (!k)
        rc = sc_errf(err, "%s line %d: field '%s': pattern '%s' matches no file in source.files%s", t->yaml_path,
                     proto->line, field, proto->name,
                     strchr(proto->name, '/') ? " (their names are plain file names, without folders)" : "");
    qsort(m, k, sizeof *m, cmp_name);
    for (size_t i = 0; i < k && !rc; i++) {
        sc_read_entry rf = *proto;
        rf.name = m[i];
        rc = add_file(t, cap, &rf, field, err);
    }
    free(m);
    return rc;
}

// A column name made only of digits would shadow a numbered column of a file
// without a header.
static int is_number(const char *s) {
    if (!*s) return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9') return 0;
    return 1;
}

// Entry `i` of read.files: a file name, or {name: FILE, COLUMN: VALUE, ...}.
static int parse_entry(sc_task *t, const sc_ynode *e, size_t i, size_t *cols_used, size_t *cap, sc_err *err) {
    const char *f = t->yaml_path;
    char field[64];
    snprintf(field, sizeof field, "read.files[%zu]", i);
    sc_read_entry rf = {.entry = (int)i, .line = e->line};
    if (e->kind == SC_Y_SCALAR) {
        rf.name = e->str;
    } else if (e->kind == SC_Y_MAP) {
        if (sc_yget_str(e, "name", 1, f, field, &rf.name, err)) return -1;
        rf.cols = t->file_cols + *cols_used;
        int numbered = !t->header && (t->format == SC_FMT_CSV || t->format == SC_FMT_TSV);
        for (size_t k = 0; k < e->n; k++) {
            if (!strcmp(e->keys[k], "name")) continue;
            char full[200];
            snprintf(full, sizeof full, "%s.%s", field, e->keys[k]);
            if (sc_yexpect(e->items[k], SC_Y_SCALAR, f, full, err)) return -1;
            if (!e->keys[k][0])
                return sc_errf(err, "%s line %d: field '%s': a per-file column needs a name", f, e->key_lines[k],
                               full);
            if (numbered && is_number(e->keys[k]))
                return sc_errf(err, "%s line %d: field '%s': without a header (read.header: false) the file's "
                               "columns are numbers; give the per-file column a name", f, e->key_lines[k], full);
            t->file_cols[(*cols_used)++] = (sc_file_col){e->keys[k], e->items[k]->str, e->items[k]->line};
            rf.n_cols++;
        }
    } else {
        return sc_errf(err, "%s line %d: field '%s': expected a file name or a mapping {name: FILE, COLUMN: VALUE, "
                       "...}, found a list", f, e->line, field);
    }
    if (is_glob(t, rf.name)) return add_glob(t, cap, &rf, field, err);
    if (sc_task_declared(t, rf.name, rf.line, field, err)) return -1;
    return add_file(t, cap, &rf, field, err);
}

// lines: the text is the line, so the class (and partition, if any) can only be per-file.
static int lines_columns(const sc_task *t, const sc_ynode *m, sc_err *err) {
    const char *f = t->yaml_path;
    if (!t->label_col)
        return sc_errf(err, "%s line %d: missing required field 'read.label_column' (the lines format with "
                       "read.files takes each file's class from the per-file column it names)", f, m->line);
    const char *need[] = {t->label_col, t->partition_col};
    const char *key[] = {"label_column", "partition_column"};
    for (size_t i = 0; i < t->n_read_files; i++)
        for (int k = 0; k < 2; k++) {
            const sc_read_entry *rf = &t->read_files[i];
            int found = !need[k];
            for (size_t c = 0; c < rf->n_cols && !found; c++) found = !strcmp(rf->cols[c].name, need[k]);
            if (!found)
                return sc_errf(err, "%s line %d: field 'read.files[%d]': file '%s' has no per-file column '%s' "
                               "(read.%s); in the lines format every column is per-file", f, rf->line, rf->entry,
                               rf->name, need[k], key[k]);
        }
    return 0;
}

int sc_task_parse_read_files(sc_task *t, const sc_ynode *m, sc_err *err) {
    const char *f = t->yaml_path;
    const sc_ynode *files = sc_ymap_get(m, "files"), *file = sc_ymap_get(m, "file");
    if (file && files)
        return sc_errf(err, "%s line %d: field 'read.files': give read.file or read.files, not both (read.file "
                       "is on line %d)", f, files->line, file->line);
    size_t cap = 0;
    if (file) {  // the one-entry case
        sc_read_entry rf = {.name = t->file, .entry = -1, .line = file->line};
        if (sc_task_declared(t, t->file, file->line, "read.file", err)) return -1;
        return add_file(t, &cap, &rf, "read.file", err);
    }
    if (!files)
        return sc_errf(err, "%s line %d: missing required field 'read.file' (or a list, read.files)", f, m->line);
    if (sc_yexpect(files, SC_Y_SEQ, f, "read.files", err)) return -1;
    if (!files->n) return sc_errf(err, "%s line %d: field 'read.files': empty", f, files->line);
    size_t ncols = 0, used = 0;
    for (size_t i = 0; i < files->n; i++) ncols += files->items[i]->kind == SC_Y_MAP ? files->items[i]->n : 0;
    if (!(t->file_cols = calloc(ncols + 1, sizeof *t->file_cols))) return sc_errf(err, "out of memory");
    for (size_t i = 0; i < files->n; i++)
        if (parse_entry(t, files->items[i], i, &used, &cap, err)) return -1;
    return t->format == SC_FMT_LINES ? lines_columns(t, m, err) : 0;
}

// Per-file values task.yaml can check before any file is read: partitions must
// have a rule, labels must be classes (or dropped, or numbers for regression).
int sc_task_check_file_cols(const sc_task *t, sc_err *err) {
    for (size_t i = 0; i < t->n_read_files; i++) {
        const sc_read_entry *rf = &t->read_files[i];
        for (size_t c = 0; c < rf->n_cols; c++) {
            const sc_file_col *col = &rf->cols[c];
            if (t->partition_col && !strcmp(col->name, t->partition_col) && sc_dataset_partition(t, col->value) < 0)
                return sc_errf(err, "%s line %d: field 'read.files[%d].%s': partition '%s' has no rule in "
                               "splits.partitions", t->yaml_path, col->line, rf->entry, col->name, col->value);
            if (t->label_col && !strcmp(col->name, t->label_col)) {
                int32_t label;
                float target;
                int skip;
                sc_err why;
                if (sc_reader_label(t, col->value, t->yaml_path, col->line, &label, &target, &skip, &why))
                    return sc_errf(err, "%s (field 'read.files[%d].%s')", why.msg, rf->entry, col->name);
            }
        }
    }
    return 0;
}
