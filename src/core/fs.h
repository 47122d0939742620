// fs.h — the file-system primitives every writer uses: folders, and files
// written atomically (a temporary name in the same folder, fsync, rename, then
// the folder synced), so an interrupted or failed write never leaves a
// half-written file under its final name.
#ifndef SC_CORE_FS_H
#define SC_CORE_FS_H

#include <stddef.h>

#include "core/err.h"

// mkdir -p; existing folders are fine.
int sc_mkdirs(const char *path, sc_err *err);
// Writes data to path via temp file + fsync + rename (+ fsync of the folder).
int sc_atomic_write(const char *path, const void *data, size_t n, sc_err *err);

#endif
