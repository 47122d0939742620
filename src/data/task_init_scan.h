// task_init_scan.h — the part of init-task's detection (data/task_init.h) that
// looks at each input file as bytes, before any parsing: lines and line ends,
// each file's encoding and the one task-wide read.encoding that reads them all,
// files given twice, and the source name of each file for read.files.
// Internal to task_init*.c.
#ifndef SC_DATA_TASK_INIT_SCAN_H
#define SC_DATA_TASK_INIT_SCAN_H

#include "data/task_init.h"

// Allocates g's per-file arrays (names, sha256, lines, line ends, encodings)
// and fills them; refuses empty and binary files and a file given twice; sets
// g->encoding by the rule of task_init.h (an error naming both files when a
// file that is not UTF-8 meets one that is UTF-8 with non-ASCII characters).
int sc_init_scan(const sc_init_file *files, size_t n, sc_init_guess *g, sc_err *err);

// Whether a per-file column `name` would clash with the data's own columns.
typedef int (*sc_init_taken_fn)(void *ctx, const char *name);

// g->source_col (the first of source, source_file, source_2, ... that `taken`
// refuses) and g->file_source (each file's stem: the name without .gz/.bz2 and
// its last extension; the whole names when two stems are equal).
int sc_init_name_sources(sc_init_guess *g, sc_init_taken_fn taken, void *ctx, sc_err *err);

#endif
