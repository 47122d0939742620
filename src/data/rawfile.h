// rawfile.h — whole files into memory, decompressing .gz and .bz2 by name.
//
// Data files are at most a few hundred MB, so readers work on one buffer. A
// truncated or corrupt compressed stream is an error naming the file; the
// buffer always gets a NUL after its last byte (not counted in len).
#ifndef SC_DATA_RAWFILE_H
#define SC_DATA_RAWFILE_H

#include <stddef.h>

#include "core/err.h"

int sc_read_file(const char *path, char **buf, size_t *len, sc_err *err);
// As sc_read_file, but the compression is chosen from `name` (not `path`).
int sc_read_file_as(const char *path, const char *name, char **buf, size_t *len, sc_err *err);
// Decompresses a gzip (possibly multi-member) / bzip2 buffer.
int sc_gunzip(const char *name, const char *src, size_t n, char **out, size_t *out_len, sc_err *err);
int sc_bunzip2(const char *name, const char *src, size_t n, char **out, size_t *out_len, sc_err *err);

#endif
