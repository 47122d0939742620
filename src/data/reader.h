// reader.h — the built-in readers (lines, csv/tsv, jsonl, idx, png) and hooks.
//
// A reader fills a dataset from the task's files in `dir` (the data cache folder
// of the task). Every problem is reported with file and line (or record).
#ifndef SC_DATA_READER_H
#define SC_DATA_READER_H

#include "data/dataset.h"

// Dispatches on task->format.
int sc_read_task_data(const sc_task *t, const char *dir, sc_dataset *d, sc_err *err);

int sc_read_lines(const sc_task *t, const char *dir, sc_dataset *d, sc_err *err);
int sc_read_table(const sc_task *t, const char *dir, sc_dataset *d, sc_err *err);  // csv / tsv
int sc_read_jsonl(const sc_task *t, const char *dir, sc_dataset *d, sc_err *err);
int sc_read_idx(const sc_task *t, const char *dir, sc_dataset *d, sc_err *err);
int sc_read_png(const sc_task *t, const char *dir, sc_dataset *d, sc_err *err);

// The same readers on one file's bytes held in memory (what each file reader
// calls after sc_read_file; fuzz targets call them directly). `name` stands for
// the file in messages; buf[len] must be a NUL byte, as sc_read_file leaves it.
// table / jsonl: the buffer is read as the task's read file called `name` (its
// per-file columns apply), or as the first one when none is (sc_reader_entry). lines: the file of class `cls` (a task with class_files). idx: an images file and a labels file of
// source partition `part`. png: one image decoded into `out` (d->C planes of
// d->H x d->W); rgba is scratch of 4 * H * W bytes.
int sc_read_lines_buf(const sc_task *t, size_t cls, const char *name, const char *buf, size_t len, sc_dataset *d,
                      sc_err *err);
int sc_read_table_buf(const sc_task *t, const char *name, const char *buf, size_t len, sc_dataset *d, sc_err *err);
int sc_read_jsonl_buf(const sc_task *t, const char *name, const char *buf, size_t len, sc_dataset *d, sc_err *err);
int sc_read_idx_buf(const sc_task *t, int part, const char *images_name, const char *images, size_t images_len,
                    const char *labels_name, const char *labels, size_t labels_len, sc_dataset *d, sc_err *err);
int sc_png_decode(const char *name, const char *buf, size_t len, const sc_dataset *d, uint8_t *out, uint8_t *rgba,
                  sc_err *err);

// Parses an IDX buffer (magic 0 0 type ndim, big-endian dims, ubyte data only).
// On success *data points into buf, dims[0..*ndim) are filled.
int sc_idx_parse(const char *name, const char *buf, size_t len, int want_ndim, size_t dims[4],
                 const unsigned char **data, sc_err *err);

// Shared by readers: label text -> class index / regression target. *skip = 1
// when the label is in read.drop_labels.
int sc_reader_label(const sc_task *t, const char *s, const char *file, long line, int32_t *label, float *target,
                    int *skip, sc_err *err);
// Declared-encoding bytes -> validated UTF-8 text appended as one example.
typedef struct sc_text_scratch {
    char *buf;
    size_t cap;
} sc_text_scratch;
int sc_reader_add_text(const sc_task *t, sc_dataset *d, sc_text_scratch *s, int part, int32_t label, float target,
                       const char *bytes, size_t n, const uint8_t *rat, size_t rat_len, const char *file, long line,
                       sc_err *err);
// The index of the partition rule 'all' (formats without given splits); -1 and
// an error naming splits.partitions when the task has none.
int sc_reader_single_partition(const sc_task *t, sc_err *err);
// The entry of t->read_files named `name` (the last path component counts), else
// the first entry; NULL when the task has none.
const sc_read_entry *sc_reader_entry(const sc_task *t, const char *name);
// Joins dir and file name into buf.
void sc_reader_path(char *buf, size_t cap, const char *dir, const char *name);
// Reads every file of t->read_files from dir in order: each file's bytes go to
// `one` with its entry (per-file columns) and its path for messages.
typedef int (*sc_reader_file_fn)(const sc_task *t, const sc_read_entry *rf, const char *path, const char *buf,
                                 size_t len, sc_dataset *d, sc_err *err);
int sc_reader_each_file(const sc_task *t, const char *dir, sc_reader_file_fn one, sc_dataset *d, sc_err *err);
// A count for file `name` (as task.yaml names it) whose decompressed bytes are
// buf[0..len): the file name and its physical lines filled in, the rest zero.
void sc_reader_count_init(sc_read_count *c, const char *name, const char *buf, size_t len);
// A decimal number that fits a float (finite, |v| <= FLT_MAX, surrounding
// blanks allowed): 0 and *out, or -1 and *why ("is not a number", "is outside
// the range of a 32-bit float").
int sc_reader_float(const char *s, float *out, const char **why);

#endif
