// result_read.h — reading result files (results.h) back: `scaffold compare`
// and `scaffold report` aggregate runs from them.
//
// The bytes are untrusted (a results tree may hold truncated or foreign
// files): they pass sc_mp_check before msgpack-c sees them, the root must be a
// map with format "scaffold-result", and every accessor checks the type it
// expects and names the file and the key in its error.
#ifndef SC_IO_RESULT_READ_H
#define SC_IO_RESULT_READ_H

#include <msgpack.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

typedef struct sc_result_doc {
    char path[1024];
    uint8_t *buf;
    size_t n;
    msgpack_unpacked up;
    const msgpack_object *root;
} sc_result_doc;

int sc_result_load(sc_result_doc *d, const char *path, sc_err *err);
// The same on a result file's bytes held in memory (copied; `name` stands for
// the file in messages and d->path). sc_result_load reads the file and parses
// it the same way.
int sc_result_load_buf(sc_result_doc *d, const char *name, const void *buf, size_t n, sc_err *err);
void sc_result_doc_free(sc_result_doc *d);

// The value at a dotted path of map keys ("test.simulatability"), or NULL.
const msgpack_object *sc_result_get(const sc_result_doc *d, const char *dotted);

// Typed reads of a required key; errors name the file and the key.
int sc_result_str(const sc_result_doc *d, const char *key, char *buf, size_t cap, sc_err *err);
int sc_result_num(const sc_result_doc *d, const char *key, double *v, sc_err *err);
// A numeric array (msgpack array of numbers, or bin of little-endian f32) as
// malloc'd floats (free()).
int sc_result_floats(const sc_result_doc *d, const char *key, float **v, size_t *n, sc_err *err);

#endif
