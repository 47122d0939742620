// The `read:` section of task.yaml: which reader, which files and columns.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/task.h"
#include "data/task_parse.h"

// A file named by the read section must be declared in source.files.
int sc_task_declared(const sc_task *t, const char *name, int line, const char *field, sc_err *err) {
    for (size_t i = 0; i < t->n_files; i++)
        if (!strcmp(t->files[i].name, name)) return 0;
    if (t->source == SC_SRC_SYNTHETIC) return 0;
    return sc_errf(err, "%s line %d: field '%s': file '%s' is not listed in source.files", t->yaml_path, line,
                   field, name);
}

// read.quote ('"' or none) and read.multiline: csv / tsv only.
static int parse_quoting(sc_task *t, const sc_ynode *m, sc_err *err) {
    const char *f = t->yaml_path, *q = NULL;
    t->quote = '"';
    if (sc_yget_str(m, "quote", 0, f, "read", &q, err) || sc_yget_bool(m, "multiline", f, "read", &t->multiline, err))
        return -1;
    int table = t->format == SC_FMT_CSV || t->format == SC_FMT_TSV;
    const char *key = q ? "quote" : sc_ymap_get(m, "multiline") ? "multiline" : NULL;
    if (key && !table)
        return sc_errf(err, "%s line %d: field 'read.%s': only the csv and tsv formats have quoting", f,
                       sc_ymap_get(m, key)->line, key);
    if (!q) return 0;
    if (!strcmp(q, "none")) t->quote = 0;
    else if (strcmp(q, "\""))
        return sc_errf(err, "%s line %d: field 'read.quote': expected none or '\"', found '%s'", f,
                       sc_ymap_get(m, "quote")->line, q);
    if (!t->quote && t->multiline)
        return sc_errf(err, "%s line %d: field 'read.multiline': without quoting (read.quote: none) no field spans "
                       "lines", f, sc_ymap_get(m, "multiline")->line);
    return 0;
}

// The files and fields each format needs (lines: class_files or files;
// csv/tsv/jsonl: file or files, and columns; idx: partitions; png: dir).
static int parse_format_files(sc_task *t, const sc_ynode *m, sc_err *err) {
    const char *f = t->yaml_path;
    int jsonl = t->format == SC_FMT_JSONL;
    const sc_ynode *files = sc_ymap_get(m, "files");
    int listed = t->format == SC_FMT_LINES || t->format == SC_FMT_CSV || t->format == SC_FMT_TSV || jsonl;
    if (files && !listed)
        return sc_errf(err, "%s line %d: field 'read.files': only the csv, tsv, jsonl and lines formats read a list "
                       "of files", f, files->line);
    switch (t->format) {
    case SC_FMT_LINES: {
        const sc_ynode *cf = sc_ymap_get(m, "class_files");
        if (cf && files)
            return sc_errf(err, "%s line %d: field 'read.files': give read.class_files or read.files, not both "
                           "(class_files is on line %d)", f, files->line, cf->line);
        if (files) return sc_task_parse_read_files(t, m, err);
        if (!cf)
            return sc_errf(err, "%s line %d: missing required field 'read.class_files' (or read.files)", f, m->line);
        if (sc_yexpect(cf, SC_Y_MAP, f, "read.class_files", err)) return -1;
        if (t->label_kind != SC_CLASSIFICATION)
            return sc_errf(err, "%s line %d: field 'read.class_files': the lines format needs a classification task",
                           f, cf->line);
        t->class_files = calloc(t->n_classes + 1, sizeof *t->class_files);
        if (!t->class_files) return sc_errf(err, "out of memory");
        for (size_t i = 0; i < cf->n; i++) {
            int c = sc_task_class_index(t, cf->keys[i]);
            if (c < 0)
                return sc_errf(err, "%s line %d: field 'read.class_files': '%s' is not a class in labels.classes", f,
                               cf->key_lines[i], cf->keys[i]);
            if (sc_yexpect(cf->items[i], SC_Y_SCALAR, f, "read.class_files", err) ||
                sc_task_declared(t, cf->items[i]->str, cf->items[i]->line, "read.class_files", err))
                return -1;
            t->class_files[c] = cf->items[i]->str;
        }
        for (size_t i = 0; i < t->n_classes; i++)
            if (!t->class_files[i])
                return sc_errf(err, "%s line %d: field 'read.class_files': no file for class '%s'", f, cf->line,
                               t->classes[i]);
        break;
    }
    case SC_FMT_CSV:
    case SC_FMT_TSV:
    case SC_FMT_JSONL: {
        const char *what = jsonl ? "field" : "column";
        if (sc_task_parse_read_files(t, m, err)) return -1;
        if (!t->label_col)
            return sc_errf(err, "%s line %d: missing required field 'read.label_%s'", f, m->line, what);
        if (t->modality == SC_TEXT && !t->text_col)
            return sc_errf(err, "%s line %d: missing required field 'read.text_%s'", f, m->line, what);
        if (t->modality == SC_IMAGE)
            return sc_errf(err, "%s line %d: field 'read.format': images are read from idx or png", f, m->line);
        break;
    }
    case SC_FMT_IDX: {
        const sc_ynode *p = sc_ymap_get(m, "partitions");
        if (!p) return sc_errf(err, "%s line %d: missing required field 'read.partitions'", f, m->line);
        if (sc_yexpect(p, SC_Y_MAP, f, "read.partitions", err)) return -1;
        t->idx = calloc(p->n + 1, sizeof *t->idx);
        if (!t->idx) return sc_errf(err, "out of memory");
        t->n_idx = p->n;
        static const char *const pk[] = {"images", "labels", NULL};
        for (size_t i = 0; i < p->n; i++) {
            const sc_ynode *e = p->items[i];
            t->idx[i].partition = p->keys[i];
            if (sc_yexpect(e, SC_Y_MAP, f, "read.partitions", err) ||
                sc_ycheck_keys(e, pk, f, "read.partitions", err) ||
                sc_yget_str(e, "images", 1, f, "read.partitions", &t->idx[i].images, err) ||
                sc_yget_str(e, "labels", 1, f, "read.partitions", &t->idx[i].labels, err) ||
                sc_task_declared(t, t->idx[i].images, e->line, "read.partitions.images", err) ||
                sc_task_declared(t, t->idx[i].labels, e->line, "read.partitions.labels", err))
                return -1;
        }
        break;
    }
    case SC_FMT_PNG:
        if (!t->png_dir) return sc_errf(err, "%s line %d: missing required field 'read.dir'", f, m->line);
        if (t->modality != SC_IMAGE || t->label_kind != SC_CLASSIFICATION)
            return sc_errf(err, "%s line %d: field 'read.format': png needs an image classification task", f,
                           m->line);
        break;
    default:
        break;
    }
    return 0;
}

int sc_task_parse_read(sc_task *t, const sc_ynode *m, sc_err *err) {
    const char *f = t->yaml_path;
    static const char *const keys[] = {"format", "encoding", "file", "files", "class_files", "header", "skip_lines",
                                       "text_column", "label_column", "feature_columns", "partition_column",
                                       "label_is_index", "drop_labels", "text_field", "label_field",
                                       "partition_field", "rationale_field", "rationale_column", "partitions", "dir",
                                       "mask_dir", "hook", "quote", "multiline", NULL};
    static const char *const fmts[] = {"lines", "csv", "tsv", "jsonl", "idx", "png", "hook", NULL};
    static const char *const encs[] = {"utf-8", "latin-1", NULL};
    if (sc_yexpect(m, SC_Y_MAP, f, "read", err) || sc_ycheck_keys(m, keys, f, "read", err)) return -1;
    int v = 0;
    if (sc_task_choice(m, "format", 1, fmts, f, "read", &v, err)) return -1;
    t->format = (sc_format)v;
    v = 0;
    if (sc_task_choice(m, "encoding", 0, encs, f, "read", &v, err)) return -1;
    t->encoding = (sc_encoding)v;
    t->header = 1;
    if (sc_yget_bool(m, "header", f, "read", &t->header, err) ||
        sc_yget_bool(m, "label_is_index", f, "read", &t->label_is_index, err) ||
        sc_yget_long(m, "skip_lines", 0, 0, 1000000, f, "read", &t->skip_lines, err) ||
        sc_yget_str(m, "file", 0, f, "read", &t->file, err) || sc_yget_str(m, "dir", 0, f, "read", &t->png_dir, err) ||
        sc_yget_str(m, "hook", t->format == SC_FMT_HOOK, f, "read", &t->hook, err))
        return -1;
    if (parse_quoting(t, m, err)) return -1;
    int jsonl = t->format == SC_FMT_JSONL;
    if (jsonl && t->encoding != SC_ENC_UTF8)
        return sc_errf(err, "%s line %d: field 'read.encoding': JSON text is always utf-8", f,
                       sc_ymap_get(m, "encoding")->line);
    if (sc_yget_str(m, jsonl ? "text_field" : "text_column", 0, f, "read", &t->text_col, err) ||
        sc_yget_str(m, jsonl ? "label_field" : "label_column", 0, f, "read", &t->label_col, err) ||
        sc_yget_str(m, jsonl ? "partition_field" : "partition_column", 0, f, "read", &t->partition_col, err) ||
        sc_yget_str(m, jsonl ? "rationale_field" : "rationale_column", 0, f, "read", &t->rationale_col, err) ||
        sc_yget_str(m, "mask_dir", 0, f, "read", &t->mask_dir, err) ||
        sc_task_str_list(m, "feature_columns", f, "read", &t->feature_cols, &t->n_feature_cols, err) ||
        sc_task_str_list(m, "drop_labels", f, "read", &t->drop_labels, &t->n_drop, err))
        return -1;
    // Each reader produces one modality's examples.
    static const char *const needs[] = {"text", "text or tabular", "text or tabular", "text or tabular", "image",
                                        "image", NULL};
    int ok = t->format == SC_FMT_HOOK ||
             (t->format == SC_FMT_LINES && t->modality == SC_TEXT) ||
             ((t->format == SC_FMT_CSV || t->format == SC_FMT_TSV || t->format == SC_FMT_JSONL) &&
              t->modality != SC_IMAGE) ||
             ((t->format == SC_FMT_IDX || t->format == SC_FMT_PNG) && t->modality == SC_IMAGE);
    if (!ok)
        return sc_errf(err, "%s line %d: field 'read.format': %s reads %s data, but modality is %s", f,
                       sc_ymap_get(m, "format")->line, fmts[t->format], needs[t->format], sc_modality_name(t->modality));
    if (t->rationale_col && t->modality != SC_TEXT)
        return sc_errf(err, "%s line %d: field 'read.rationale_%s': token rationales need a text task", f, m->line,
                       jsonl ? "field" : "column");
    if (t->mask_dir && t->format != SC_FMT_PNG)
        return sc_errf(err, "%s line %d: field 'read.mask_dir': only the png format reads masks", f, m->line);
    return parse_format_files(t, m, err);
}
