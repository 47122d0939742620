// Fuzz targets for the data readers (lines, csv/tsv, jsonl, IDX, PNG). Each
// input is one data file; it is read under a few fixed tasks that switch the
// reader's options, and whatever is read goes through what sc_dataset_load and
// the text pipeline do next: split assignment, vocabulary, encoding.
#include <stdlib.h>
#include <string.h>

#include "data/encode.h"
#include "data/reader.h"
#include "targets.h"
#include "text/utf8.h"

#define SHA "0000000000000000000000000000000000000000000000000000000000000000"
// Two splits, so that inputs of two examples already reach the vocabulary and
// the encoding (a five-way split needs five).
#define SPLITS_ALL "splits: {seed: 7, partitions: {all: {teacher-train: 0.6, test: 0.4}}}\n"
#define SPLITS_TRAIN_TEST "splits: {seed: 7, partitions: {train: {teacher-train: 1}, test: {test: 1}}}\n"
#define TEXT_INPUT "input: {max_tokens: 12, min_freq: 1, max_vocab: 40}\n"
#define LOCAL(files) "source: {kind: local, path: ., files: [" files "]}\n"
#define FILE_ENTRY(n) "{name: " n ", sha256: " SHA "}"

// Checks what a reader produced against the task, then runs the steps that
// follow reading: splits, and for text the vocabulary and the encoding.
static void after_read(const sc_task *t, sc_dataset *d) {
    for (size_t i = 0; i < d->n; i++) {
        SC_FUZZ_ASSERT(d->partition[i] < t->n_rules, "example %zu: partition %u of %zu", i, d->partition[i], t->n_rules);
        if (t->label_kind == SC_CLASSIFICATION)
            SC_FUZZ_ASSERT(d->label[i] >= 0 && (size_t)d->label[i] < t->n_classes, "example %zu: label %d", i,
                           d->label[i]);
        if (t->modality == SC_TEXT) {
            const char *s = sc_dataset_text(d, i);
            size_t bad;
            SC_FUZZ_ASSERT(sc_utf8_valid(s, strlen(s), &bad), "example %zu: text is not UTF-8 (byte %zu)", i, bad);
            SC_FUZZ_ASSERT(d->rat_off[i] + d->rat_len[i] <= d->rat_used, "example %zu: rationale out of range", i);
        }
    }
    sc_err err;
    if (!d->n) return;
    int rc = sc_dataset_assign_splits(d, &err);
    sc_fuzz_check(rc, &err, "sc_dataset_assign_splits");
    if (rc) return;
    size_t total = 0;
    for (int s = 0; s < SC_NSPLITS; s++) total += d->counts[s];
    SC_FUZZ_ASSERT(total == d->n, "split counts sum to %zu, not %zu", total, d->n);
    if (t->modality != SC_TEXT) return;
    sc_vocab v;
    rc = sc_vocab_from_split(d, SC_SPLIT_TEACHER_TRAIN, &v, &err);
    sc_fuzz_check(rc, &err, "sc_vocab_from_split");
    if (rc) return;
    sc_encoded e;
    rc = sc_encode_dataset(d, &v, (size_t)t->max_tokens, &e, &err);
    sc_fuzz_check(rc, &err, "sc_encode_dataset");
    for (size_t i = 0; !rc && i < e.n; i++) {
        SC_FUZZ_ASSERT(e.len[i] >= 1 && e.len[i] <= (uint32_t)t->max_tokens, "example %zu: %u ids", i, e.len[i]);
        for (uint32_t k = 0; k < e.len[i]; k++)
            SC_FUZZ_ASSERT(e.ids[e.off[i] + k] >= 0 && (size_t)e.ids[e.off[i] + k] < v.n, "example %zu: bad id", i);
    }
    if (!rc) sc_encoded_free(&e);
    sc_vocab_free(&v);
}

// ---- lines ----

#define LINES_TASK(enc) \
    "name: fuzz-lines\nmodality: text\nlabels: {kind: classification, classes: [neg, pos]}\n" \
    LOCAL(FILE_ENTRY("neg.txt") ", " FILE_ENTRY("pos.txt")) \
    "read: {format: lines, encoding: " enc ", class_files: {neg: neg.txt, pos: pos.txt}}\n" SPLITS_ALL TEXT_INPUT

int sc_fuzz_read_lines(const uint8_t *data, size_t size) {
    sc_fuzz_begin(data, size);
    static const char *const tasks[] = {LINES_TASK("utf-8"), LINES_TASK("latin-1")};
    char *buf = sc_fuzz_copy(data, size);
    for (size_t k = 0; k < 2; k++) {
        const sc_task *t = sc_fuzz_task(tasks[k]);
        sc_dataset d;
        sc_err err;
        int rc = sc_dataset_init(&d, t, &err);
        // The input is both classes' file, so that both classes have examples.
        for (size_t c = 0; c < 2 && !rc; c++) {
            rc = sc_read_lines_buf(t, c, c ? "pos.txt" : "neg.txt", buf, size, &d, &err);
            sc_fuzz_check(rc, &err, "sc_read_lines_buf");
        }
        if (!rc) after_read(t, &d);
        sc_dataset_free(&d);
    }
    free(buf);
    return 0;
}

// ---- csv / tsv ----

static const char *const table_tasks[] = {
    // text, header, class names
    "name: fuzz-csv\nmodality: text\nlabels: {kind: classification, classes: [neg, pos]}\n"
    LOCAL(FILE_ENTRY("d.csv")) "read: {format: csv, file: d.csv, text_column: text, label_column: label}\n"
    SPLITS_ALL TEXT_INPUT,
    // tabular, no header, class indices, tab-separated
    "name: fuzz-tsv\nmodality: tabular\nlabels: {kind: classification, classes: [a, b, c]}\n"
    LOCAL(FILE_ENTRY("d.tsv")) "read: {format: tsv, file: d.tsv, header: false, label_column: '0', "
    "label_is_index: true}\n" SPLITS_ALL "input: {features: [f1, f2, f3]}\n",
    // text with token rationales, given partitions, dropped labels, Latin-1
    "name: fuzz-rat\nmodality: text\nlabels: {kind: classification, classes: [neg, pos]}\n"
    LOCAL(FILE_ENTRY("d.csv")) "read: {format: csv, file: d.csv, encoding: latin-1, text_column: text, "
    "label_column: label, rationale_column: rationale, partition_column: split, drop_labels: [skip]}\n"
    SPLITS_TRAIN_TEST TEXT_INPUT,
    // regression on selected columns after a skipped line
    "name: fuzz-reg\nmodality: tabular\nlabels: {kind: regression}\n"
    LOCAL(FILE_ENTRY("d.csv")) "read: {format: csv, file: d.csv, skip_lines: 1, label_column: y, "
    "feature_columns: [x1, x2]}\n" SPLITS_ALL "input: {features: [x1, x2]}\n",
    // read.files: the input read as two files, with per-file partition and source columns
    "name: fuzz-files\nmodality: text\nlabels: {kind: classification, classes: [neg, pos]}\n"
    LOCAL(FILE_ENTRY("a.csv") ", " FILE_ENTRY("b.csv")) "read: {format: csv, files: [{name: a.csv, part: train, "
    "src: a}, {name: b.csv, part: test, src: b}], text_column: text, label_column: label, partition_column: part}\n"
    SPLITS_TRAIN_TEST TEXT_INPUT,
};

// The examples [n0, d->n) came from entry rf: a per-file partition column puts them all in its partition.
static void check_per_file_partition(const sc_task *t, const sc_read_entry *rf, const sc_dataset *d, size_t n0) {
    for (size_t c = 0; t->partition_col && c < rf->n_cols; c++) {
        if (strcmp(rf->cols[c].name, t->partition_col)) continue;
        int p = sc_dataset_partition(t, rf->cols[c].value);
        for (size_t i = n0; i < d->n; i++)
            SC_FUZZ_ASSERT((int)d->partition[i] == p, "%s example %zu: partition %u, its file says %d", rf->name, i,
                           d->partition[i], p);
    }
}

// Every file the task reads (read.files, or the one read.file), each as the input.
static int read_each(const sc_task *t, const char *buf, size_t size, sc_dataset *d,
                     int (*read)(const sc_task *, const char *, const char *, size_t, sc_dataset *, sc_err *),
                     const char *what) {
    sc_err err;
    int rc = 0;
    for (size_t f = 0; !rc && f < t->n_read_files; f++) {
        size_t n0 = d->n;
        rc = read(t, t->read_files[f].name, buf, size, d, &err);
        sc_fuzz_check(rc, &err, what);
        if (!rc) check_per_file_partition(t, &t->read_files[f], d, n0);
    }
    return rc;
}

int sc_fuzz_read_table(const uint8_t *data, size_t size) {
    sc_fuzz_begin(data, size);
    char *buf = sc_fuzz_copy(data, size);
    for (size_t k = 0; k < sizeof table_tasks / sizeof *table_tasks; k++) {
        const sc_task *t = sc_fuzz_task(table_tasks[k]);
        sc_dataset d;
        sc_err err;
        int rc = sc_dataset_init(&d, t, &err);
        if (!rc) rc = read_each(t, buf, size, &d, sc_read_table_buf, "sc_read_table_buf");
        if (!rc) after_read(t, &d);
        sc_dataset_free(&d);
    }
    free(buf);
    return 0;
}

// ---- jsonl ----

static const char *const jsonl_tasks[] = {
    "name: fuzz-jsonl\nmodality: text\nlabels: {kind: classification, classes: [neg, pos]}\n"
    LOCAL(FILE_ENTRY("d.jsonl")) "read: {format: jsonl, file: d.jsonl, text_field: text, label_field: label}\n"
    SPLITS_ALL TEXT_INPUT,
    "name: fuzz-jsonl-rat\nmodality: text\nlabels: {kind: classification, classes: [neg, pos]}\n"
    LOCAL(FILE_ENTRY("d.jsonl")) "read: {format: jsonl, file: d.jsonl, text_field: text, label_field: label, "
    "label_is_index: true, rationale_field: rationale, partition_field: split}\n" SPLITS_TRAIN_TEST TEXT_INPUT,
    "name: fuzz-jsonl-tab\nmodality: tabular\nlabels: {kind: regression}\n"
    LOCAL(FILE_ENTRY("d.jsonl")) "read: {format: jsonl, file: d.jsonl, label_field: y}\n" SPLITS_ALL
    "input: {features: [x1, x2]}\n",
    "name: fuzz-jsonl-files\nmodality: text\nlabels: {kind: classification, classes: [neg, pos]}\n"
    LOCAL(FILE_ENTRY("a.jsonl") ", " FILE_ENTRY("b.jsonl")) "read: {format: jsonl, files: [{name: a.jsonl, "
    "part: train, src: a}, {name: b.jsonl, part: test}], text_field: text, label_field: label, partition_field: "
    "part}\n" SPLITS_TRAIN_TEST TEXT_INPUT,
};

int sc_fuzz_read_jsonl(const uint8_t *data, size_t size) {
    sc_fuzz_begin(data, size);
    char *buf = sc_fuzz_copy(data, size);
    for (size_t k = 0; k < sizeof jsonl_tasks / sizeof *jsonl_tasks; k++) {
        const sc_task *t = sc_fuzz_task(jsonl_tasks[k]);
        sc_dataset d;
        sc_err err;
        int rc = sc_dataset_init(&d, t, &err);
        if (!rc) rc = read_each(t, buf, size, &d, sc_read_jsonl_buf, "sc_read_jsonl_buf");
        if (!rc) after_read(t, &d);
        sc_dataset_free(&d);
    }
    free(buf);
    return 0;
}

// ---- images: IDX pairs and PNG ----

static const char idx_task[] =
    "name: fuzz-idx\nmodality: image\nlabels: {kind: classification, classes: [a, b, c]}\n"
    LOCAL(FILE_ENTRY("i.idx") ", " FILE_ENTRY("l.idx"))
    "read: {format: idx, partitions: {all: {images: i.idx, labels: l.idx}}}\n" SPLITS_ALL
    "input: {image: {height: 4, width: 4, channels: 1}}\n";
static const char png_task[] =
    "name: fuzz-png\nmodality: image\nlabels: {kind: classification, classes: [a, b]}\n"
    "source: {kind: local, path: ., files: []}\nread: {format: png, dir: img}\n" SPLITS_ALL
    "input: {image: {height: 8, width: 8, channels: 3}}\n";

static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }

// The input is an images file followed by a labels file; the labels start at
// the first later 1-dimensional ubyte IDX header (00 00 08 01). The dataset
// takes the image size the header states when it is small (else 4 x 4).
static void fuzz_idx(const char *buf, size_t size) {
    const uint8_t *u = (const uint8_t *)buf;
    size_t cut = size;
    for (size_t i = 4; i + 4 <= size; i++)
        if (!memcmp(u + i, "\0\0\x08\x01", 4)) { cut = i; break; }
    const sc_task *t = sc_fuzz_task(idx_task);
    sc_dataset d;
    sc_err err;
    sc_dataset_init(&d, t, &err);
    if (cut >= 16 && be32(u + 8) >= 1 && be32(u + 8) <= 64 && be32(u + 12) >= 1 && be32(u + 12) <= 64) {
        d.H = be32(u + 8);
        d.W = be32(u + 12);
    }
    // The labels part is copied so that it, too, ends in a NUL as file buffers do.
    char *labels = sc_fuzz_copy(u + cut, size - cut);
    int rc = sc_read_idx_buf(t, 0, "i.idx", buf, cut, "l.idx", labels, size - cut, &d, &err);
    sc_fuzz_check(rc, &err, "sc_read_idx_buf");
    if (!rc) after_read(t, &d);
    free(labels);
    sc_dataset_free(&d);
}

// Decodes to gray, RGB and RGBA at the size the IHDR states when it is small.
static void fuzz_png(const char *buf, size_t size) {
    const uint8_t *u = (const uint8_t *)buf;
    const sc_task *t = sc_fuzz_task(png_task);
    for (size_t c = 1; c <= 4; c += c == 1 ? 2 : 1) {
        sc_dataset d;
        sc_err err;
        sc_dataset_init(&d, t, &err);
        d.C = c;
        if (size >= 24 && be32(u + 16) >= 1 && be32(u + 16) <= 64 && be32(u + 20) >= 1 && be32(u + 20) <= 64) {
            d.W = be32(u + 16);
            d.H = be32(u + 20);
        }
        uint8_t *out = malloc(d.C * d.H * d.W), *rgba = malloc(4 * d.H * d.W);
        SC_FUZZ_ASSERT(out && rgba, "out of memory");
        int rc = sc_png_decode("x.png", buf, size, &d, out, rgba, &err);
        sc_fuzz_check(rc, &err, "sc_png_decode");
        free(out);
        free(rgba);
        sc_dataset_free(&d);
    }
}

int sc_fuzz_read_image(const uint8_t *data, size_t size) {
    sc_fuzz_begin(data, size);
    char *buf = sc_fuzz_copy(data, size);
    if (size >= 8 && !memcmp(data, "\x89PNG", 4)) fuzz_png(buf, size);
    else fuzz_idx(buf, size);
    free(buf);
    return 0;
}
