// task_parse.h — helpers shared by the task.yaml parser's files (internal).
#ifndef SC_DATA_TASK_PARSE_H
#define SC_DATA_TASK_PARSE_H

#include "data/task.h"

// Picks one of `options` (NULL-terminated) for the scalar m[key]; *out = its index.
int sc_task_choice(const sc_ynode *m, const char *key, int required, const char *const *options, const char *file,
                   const char *path, int *out, sc_err *err);
// A list of scalars m[key] (or nothing) -> malloc'd array of pointers into the tree.
int sc_task_str_list(const sc_ynode *m, const char *key, const char *file, const char *path, const char ***out,
                     size_t *n, sc_err *err);
// The `read:` section (task_read.c).
int sc_task_parse_read(sc_task *t, const sc_ynode *m, sc_err *err);
// 0 if `name` is a file of source.files (any name for synthetic tasks), else an
// error naming task.yaml's line and `field`.
int sc_task_declared(const sc_task *t, const char *name, int line, const char *field, sc_err *err);
// read.file or read.files of the read section m -> t->read_files (task_files.c).
int sc_task_parse_read_files(sc_task *t, const sc_ynode *m, sc_err *err);
// After splits are parsed: per-file partitions have rules, per-file labels are labels.
int sc_task_check_file_cols(const sc_task *t, sc_err *err);

#endif
