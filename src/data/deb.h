// deb.h — files out of a Debian package, without installing it.
//
// A corpus may take plain English text from Debian packages (dictionaries,
// WordNet). The package is never installed: its .deb is found in a folder or
// downloaded with `apt-get download`, and `dpkg-deb --fsys-tarfile` (always
// present on Debian) turns its data archive, whatever its compression, into one
// plain tar that data/tar.h reads. The bytes are untrusted until the caller has
// checked each member's sha256.
#ifndef SC_DATA_DEB_H
#define SC_DATA_DEB_H

#include <stddef.h>
#include <stdio.h>

#include "core/err.h"

// The .deb of `pin` (PACKAGE=VERSION) into path (cap bytes): a file
// PACKAGE_VERSION_*.deb (the epoch's ':' written %3a, as apt names it) in
// $SCAFFOLD_DEB_DIR or /var/cache/apt/archives if there is one; else `apt-get
// download` into tmpdir (which must exist), preceded by one `apt-get update`
// (as root, or with `sudo -n`) when the first attempt fails. Progress to `log`.
int sc_deb_get(const char *pin, const char *tmpdir, char *path, size_t cap, FILE *log, sc_err *err);
// The package's data archive as one uncompressed tar, malloc'd (free it), NUL after
// the last byte. tmpdir holds the temporary file dpkg-deb writes.
int sc_deb_data_tar(const char *deb, const char *tmpdir, char **tar, size_t *len, sc_err *err);

#endif
