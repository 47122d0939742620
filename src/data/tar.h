// tar.h — finding a regular file inside a tar archive held in memory.
//
// Lets `scaffold tasks fetch NAME --from archive.tar.gz` take a data set's
// canonical tarball as downloaded (e.g. rt-polaritydata.tar.gz): members are
// matched by their base name and verified by sha256 like any other file.
#ifndef SC_DATA_TAR_H
#define SC_DATA_TAR_H

#include <stddef.h>

#include "core/err.h"

// Finds the first regular file whose base name is `base`. Returns 1 (found:
// *data, *size point into buf), 0 (absent) or -1 (a malformed archive).
int sc_tar_find(const char *name, const char *buf, size_t len, const char *base, const char **data, size_t *size,
                sc_err *err);
// The same, matching the whole member path ("./usr/share/x" and "usr/share/x" are
// the same path): a Debian package's data archive, whose base names may repeat.
int sc_tar_member(const char *name, const char *buf, size_t len, const char *path, const char **data, size_t *size,
                  sc_err *err);

#endif
