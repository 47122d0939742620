// cache.h — the data cache and fetching task files into it.
//
// Cache: $SCAFFOLD_DATA, else ~/.cache/scaffold/data; one folder per task.
// Every file enters the cache verified (sha256) and atomically: written to a
// temporary name in the same folder, fsynced, renamed. A failed or interrupted
// fetch therefore never leaves a half-written file under its final name.
#ifndef SC_DATA_CACHE_H
#define SC_DATA_CACHE_H

#include <stddef.h>
#include <stdio.h>

#include "data/task.h"

int sc_cache_root(char *buf, size_t cap, sc_err *err);
int sc_cache_task_dir(const sc_task *t, char *buf, size_t cap, sc_err *err);
int sc_mkdirs(const char *path, sc_err *err);
// Writes data to path via temp file + fsync + rename.
int sc_atomic_write(const char *path, const void *data, size_t n, sc_err *err);
// Copies src to dst if (and only if) its sha256 equals `sha`.
int sc_copy_verified(const char *src, const char *dst, const char *sha, sc_err *err);

// The folder a local source is read from: $<source.env> if set, else
// source.path with $ROOT = repository root, relative to the task folder.
int sc_task_source_dir(const sc_task *t, char *buf, size_t cap, sc_err *err);

// Brings every file of the task into the cache (idempotent: verified cached files
// are kept). `from` (may be NULL) is a folder holding the files, a .tar /
// .tar.gz / .tgz archive holding them (matched by base name), or for wheel
// sources a .whl file or a folder holding it: the offline route. Progress lines go
// to `log` (may be NULL). Synthetic tasks fetch their base task.
int sc_task_fetch(const sc_task *t, const char *from, FILE *log, sc_err *err);
// 1 if every file is in the cache (not verified), 0 otherwise.
int sc_task_is_fetched(const sc_task *t);
// Verifies every cached file's sha256; errors name the file.
int sc_task_verify(const sc_task *t, sc_err *err);

#endif
